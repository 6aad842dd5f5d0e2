/*
 * tunio: the relay between the TUN device and the sessions (see tunio.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "channel.h"
#include "gso.h"
#include "log.h"
#include "packet.h"
#include "session.h"
#include "sessions.h"
#include "tun.h"
#include "tunio.h"
#include "tunwrite.h"

struct tunio {
	int fd;
	struct event *ev;
	struct sessions *table;
	struct ip_prefix pool4, pool6;
	bool has_pool6;
	bool client_to_client;
	bool offload; /* the TUN reads and writes a virtio_net_hdr first */
	size_t mtu;
	size_t buf_len;
	uint8_t *buf; /* one read: [virtio_net_hdr] packet or super-packet */
	struct tunio_stats stats;
	/* channels that got packets in the current batch (a TUN read batch, or
	 * one record of a client's frames), flushed at its end */
	struct channel *touched[TUNIO_READ_BUDGET];
	size_t n_touched;
	struct tun_writer writer; /* clients' packets to the TUN */
};

static void touch(struct tunio *t, struct channel *ch)
{
	/* consecutive packets mostly go to the same client: a repeat of the
	 * last entry is skipped; other duplicates only cost an empty flush */
	if (t->n_touched > 0 && t->touched[t->n_touched - 1] == ch)
		return;
	if (t->n_touched < TUNIO_READ_BUDGET)
		t->touched[t->n_touched++] = ch;
	else
		channel_flush(ch);
}

static void flush_touched(struct tunio *t)
{
	for (size_t i = 0; i < t->n_touched; i++)
		channel_flush(t->touched[i]);
	t->n_touched = 0;
}

/* Counts the outcome of queueing on a client's channel. */
static void queued(struct tunio *t, struct channel *ch, int rc)
{
	if (rc == -ENOBUFS)
		t->stats.drops_queue_full++;
	else if (rc < 0)
		t->stats.drops_unknown++; /* session not open (closing) */
	else
		touch(t, ch);
}

static struct channel *client_for(struct tunio *t, const struct ip_addr *dst)
{
	struct session *s = sessions_find_addr(t->table, dst);
	if (s == NULL) {
		t->stats.drops_unknown++;
		return NULL;
	}
	return session_channel(s);
}

static void route_to_client(struct tunio *t, const uint8_t *pkt, size_t len)
{
	struct packet_info pi;
	if (packet_parse(pkt, len, &pi, NULL) < 0) {
		t->stats.drops_malformed++;
		return;
	}
	struct channel *ch = client_for(t, &pi.dst);
	if (ch != NULL)
		queued(t, ch, channel_send_packet(ch, pkt, pi.total_len));
}

/* One read with offload on: an ordinary packet (its checksum completed) or a
 * TCP super-packet, which goes to the client whole or cut, as it can take. */
static void route_offloaded(struct tunio *t, uint8_t *buf, size_t n)
{
	uint8_t *pkt;
	size_t len;
	struct gso_packet g;
	int kind = gso_from_tun_read(buf, n, &pkt, &len, &g, NULL);
	if (kind < 0) {
		t->stats.drops_malformed++;
		return;
	}
	if (kind == 0) {
		route_to_client(t, pkt, len);
		return;
	}
	t->stats.rx_gso++;
	struct channel *ch = client_for(t, &g.pi.dst);
	if (ch != NULL)
		queued(t, ch, channel_send_gso(ch, &g));
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct tunio *t = arg;
	for (int i = 0; i < TUNIO_READ_BUDGET; i++) {
		ssize_t n = read(t->fd, t->buf, t->buf_len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("event=tun_read_failed error=%s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		t->stats.rx_packets++;
		if (t->offload)
			route_offloaded(t, t->buf, (size_t)n);
		else
			route_to_client(t, t->buf, (size_t)n);
	}
	flush_touched(t);
}

struct tunio *tunio_new(struct event_base *base, int fd, struct sessions *table,
			const struct tunio_options *opt)
{
	struct tunio *t = calloc(1, sizeof *t);
	if (t == NULL) {
		close(fd);
		return NULL;
	}
	t->fd = fd;
	t->table = table;
	t->pool4 = *opt->pool4;
	if (opt->pool6) {
		t->pool6 = *opt->pool6;
		t->has_pool6 = true;
	}
	t->client_to_client = opt->client_to_client;
	t->offload = opt->offload;
	t->mtu = opt->mtu;
	/* a little more than the MTU: an oversized packet is then seen whole
	 * and refused by the length checks instead of silently cut; with
	 * offload, room for the header and a 64 KiB super-packet */
	t->buf_len = opt->offload ? GSO_VNET_HDR_LEN + 65535 + 64 : opt->mtu + 64;
	t->buf = malloc(t->buf_len);
	tun_writer_init(&t->writer, fd, opt->offload);
	t->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, t);
	if (t->buf == NULL || t->ev == NULL || event_add(t->ev, NULL) < 0) {
		tunio_free(t);
		return NULL;
	}
	return t;
}

void tunio_free(struct tunio *t)
{
	if (t == NULL)
		return;
	if (t->ev)
		event_free(t->ev);
	free(t->buf);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static bool in_pool(const struct tunio *t, const struct ip_addr *a)
{
	if (a->family == AF_INET)
		return addr_prefix_contains(&t->pool4, a);
	return t->has_pool6 && addr_prefix_contains(&t->pool6, a);
}

/* A TUN device's own IPv6 housekeeping (router solicitations, MLD reports)
 * comes from its link-local or the unspecified address. It never leaves the
 * link, so it is dropped without calling it spoofing. */
static bool link_scope_source(const struct packet_info *pi)
{
	if (pi->family != AF_INET6)
		return false;
	const struct in6_addr *src = &pi->src.u.v6;
	return IN6_IS_ADDR_LINKLOCAL(src) || IN6_IS_ADDR_UNSPECIFIED(src);
}

/* Where a client's packet goes: NULL with *to_tun false when it is dropped
 * (and counted), NULL with *to_tun true for the TUN, or the channel of the
 * client it is for. */
static struct channel *admit(struct tunio *t, struct session *s, const struct packet_info *pi,
			     bool *to_tun)
{
	*to_tun = false;
	if (link_scope_source(pi)) {
		t->stats.drops_link_local++;
		return NULL;
	}
	const struct ip_addr *own = pi->family == AF_INET ? session_addr4(s) : session_addr6(s);
	if (own == NULL || !addr_equal(own, &pi->src)) {
		if (log_enabled(LOG_LEVEL_DEBUG)) {
			char a[ADDR_STRLEN], b[ADDR_STRLEN], q[LOG_QUOTE_MAX(64)];
			log_debug("event=drop_spoofed cn=%s src=%s dst=%s",
				  log_quote(session_cn(s), q, sizeof q),
				  addr_format(&pi->src, a, sizeof a),
				  addr_format(&pi->dst, b, sizeof b));
		}
		t->stats.drops_spoofed++;
		session_count_spoofed(s);
		return NULL;
	}
	if (in_pool(t, &pi->dst)) {
		struct session *peer = sessions_find_addr(t->table, &pi->dst);
		if (peer != NULL) {
			if (!t->client_to_client) {
				t->stats.drops_c2c++;
				session_count_c2c(s);
				return NULL;
			}
			return session_channel(peer);
		}
		/* the server's own tunnel address, or nobody: let the kernel answer */
	}
	*to_tun = true;
	return NULL;
}

void tunio_from_client(struct tunio *t, struct session *s, const uint8_t *pkt, size_t len)
{
	struct packet_info pi;
	if (packet_parse(pkt, len, &pi, NULL) < 0) {
		t->stats.drops_malformed++;
		return;
	}
	bool to_tun;
	struct channel *peer = admit(t, s, &pi, &to_tun);
	if (peer != NULL) {
		/* straight to the other client, flushed by tunio_flush */
		queued(t, peer, channel_send_packet(peer, pkt, pi.total_len));
		return;
	}
	if (to_tun)
		tun_writer_packet(&t->writer, pkt, &pi);
}

void tunio_from_client_gso(struct tunio *t, struct session *s, const uint8_t *payload, size_t len)
{
	struct gso_packet g;
	const char *why = NULL;
	if (gso_frame_parse(payload, len, t->mtu, &g, &why) < 0) {
		if (log_enabled(LOG_LEVEL_DEBUG)) {
			char q[LOG_QUOTE_MAX(64)];
			log_debug("event=drop_malformed_gso cn=%s reason=%s",
				  log_quote(session_cn(s), q, sizeof q), why);
		}
		t->stats.drops_malformed++;
		return;
	}
	bool to_tun;
	struct channel *peer = admit(t, s, &g.pi, &to_tun);
	if (peer != NULL) {
		queued(t, peer, channel_send_gso(peer, &g));
		return;
	}
	if (!to_tun)
		return;
	if (!t->offload)
		t->stats.segmented++;
	if (tun_writer_gso(&t->writer, &g) == 0)
		t->stats.tx_gso++;
}

void tunio_flush(struct tunio *t)
{
	tun_writer_flush(&t->writer);
	flush_touched(t);
}

bool tunio_offload(const struct tunio *t)
{
	return t->offload;
}

const struct tunio_stats *tunio_stats(struct tunio *t)
{
	t->stats.tx_packets = t->writer.stats.writes;
	t->stats.drops_tun_write = t->writer.stats.drops;
	t->stats.tx_uso = t->writer.stats.uso_writes;
	t->stats.tx_uso_datagrams = t->writer.stats.uso_datagrams;
	return &t->stats;
}
