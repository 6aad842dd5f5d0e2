/*
 * tunwrite: writes to a TUN device, merging runs of UDP datagrams. See
 * tunwrite.h.
 */
#include <errno.h>
#include <sys/uio.h>

#include "log.h"
#include "tun.h"
#include "tunwrite.h"

void tun_writer_init(struct tun_writer *w, int fd, bool offload)
{
	w->fd = fd;
	w->offload = offload;
	w->uso = offload && tun_uso_supported(fd);
	udpgro_init(&w->run);
	w->stats = (struct tun_writer_stats){0};
}

/* Counts the outcome of writing one packet. */
static void count_write(struct tun_writer *w, int rc)
{
	if (rc < 0)
		w->stats.drops++;
	else
		w->stats.writes++;
}

static int write_datagram(const uint8_t *dgram, size_t len, void *arg)
{
	struct tun_writer *w = arg;
	count_write(w, tun_write(w->fd, w->offload, dgram, len));
	return 0; /* a datagram lost is lost, as on any link: go on */
}

void tun_writer_flush(struct tun_writer *w)
{
	unsigned count = udpgro_count(&w->run);
	if (count == 0)
		return;
	struct virtio_net_hdr hdr;
	const uint8_t *pkt;
	size_t len;
	udpgro_finish(&w->run, &hdr, &pkt, &len);
	if (count == 1) {
		count_write(w, tun_write(w->fd, w->offload, pkt, len));
		udpgro_init(&w->run);
		return;
	}
	struct iovec iov[2] = {
	    {.iov_base = &hdr, .iov_len = sizeof hdr},
	    {.iov_base = (void *)pkt, .iov_len = len},
	};
	if (writev(w->fd, iov, 2) >= 0) {
		w->stats.writes++;
		w->stats.uso_writes++;
		w->stats.uso_datagrams += count;
	} else if (errno == EINVAL) {
		/* tun_uso_supported said yes, the kernel says no: stop merging
		 * and deliver this run one datagram at a time */
		log_warn("event=tun_uso_refused action=\"writing UDP datagrams one by one\"");
		w->uso = false;
		static _Thread_local uint8_t scratch[UDPGRO_MAX_PACKET];
		udpgro_segment(&w->run, scratch, sizeof scratch, write_datagram, w);
	} else {
		w->stats.drops += count;
	}
	udpgro_init(&w->run);
}

void tun_writer_packet(struct tun_writer *w, const uint8_t *pkt, const struct packet_info *pi)
{
	if (w->uso && udpgro_eligible(pkt, pi)) {
		if (udpgro_append(&w->run, pkt, pi))
			return;
		tun_writer_flush(w);
		udpgro_append(&w->run, pkt, pi); /* first of a new run: always taken */
		return;
	}
	tun_writer_flush(w);
	count_write(w, tun_write(w->fd, w->offload, pkt, pi->total_len));
}

int tun_writer_gso(struct tun_writer *w, const struct gso_packet *g)
{
	tun_writer_flush(w);
	int rc = tun_write_gso(w->fd, w->offload, g);
	count_write(w, rc);
	return rc;
}
