/*
 * tunwrite: the packets a relay writes to its TUN device, one write each,
 * except that runs of UDP datagrams of one flow are merged into super-packets
 * (udpgro.h) when the device has offloads and the kernel takes them. A run is
 * held only until tun_writer_flush, which the owner calls at the end of each
 * batch of input (one TLS record's frames): no datagram waits for a later one.
 */
#ifndef TLSVPN_TUNWRITE_H
#define TLSVPN_TUNWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "udpgro.h"

struct gso_packet;

struct tun_writer_stats {
	uint64_t writes;	/* successful writes: packets and super-packets */
	uint64_t drops;		/* packets lost to a failed write */
	uint64_t uso_writes;	/* UDP super-packets among the writes */
	uint64_t uso_datagrams; /* datagrams they carried */
};

struct tun_writer {
	int fd;
	bool offload; /* every write starts with a virtio_net_hdr */
	bool uso;     /* runs of UDP datagrams are merged */
	struct udpgro run;
	struct tun_writer_stats stats;
};

/* fd and offload as from tun_open_offload (or tun_open, offload false).
 * With offload, asks the kernel whether it takes UDP super-packets. */
void tun_writer_init(struct tun_writer *w, int fd, bool offload);

/* One IP packet (checksums complete), parsed into *pi by packet_parse: joins
 * the current run of UDP datagrams, or ends it and is written (or starts the
 * next run). pi->total_len bytes are written. */
void tun_writer_packet(struct tun_writer *w, const uint8_t *pkt, const struct packet_info *pi);

/* A TCP super-packet (tun_write_gso), after the current run. 0 or -errno. */
int tun_writer_gso(struct tun_writer *w, const struct gso_packet *g);

/* Writes the current run, if any. */
void tun_writer_flush(struct tun_writer *w);

#endif /* TLSVPN_TUNWRITE_H */
