/*
 * udpgro: runs of UDP datagrams merged into one super-packet for the TUN.
 *
 * Each datagram written to a TUN device costs a syscall and a full trip
 * through the kernel's routing, conntrack and NAT. Datagrams of one flow
 * usually come in runs of equal size (a bulk sender, a QUIC download, the
 * 64-byte flood of the benchmark), and since Linux 6.2 a TUN writer may hand
 * the kernel such a run as one UDP super-packet (virtio_net_hdr gso_type
 * UDP_L4, "USO"): the kernel routes it once and cuts it into the original
 * datagrams only where it must, at the receiving socket at the latest.
 *
 * A datagram joins a run only if the kernel's cut gives it back byte for byte:
 * same IP header except length, ID and header checksum (IPv4 without options,
 * not fragmented; IPv6 without extension headers), same ports, IPv4 IDs
 * consecutive, UDP payload as long as the first one's (the last may be
 * shorter, and ends the run), and valid checksums (a datagram with a bad or
 * absent UDP checksum, or a bad IPv4 header checksum, is written alone, so the
 * kernel's recomputed checksums never make a broken datagram whole; so is an
 * IPv4 header checksum sent as 0xffff, which the cut would write as 0).
 *
 * This module is pure (no I/O, no globals); tunwrite.c does the writing.
 */
#ifndef TLSVPN_UDPGRO_H
#define TLSVPN_UDPGRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "packet.h"

/* Linux 6.2 names it; Debian 12's kernel headers (6.1) do not. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* Datagrams per super-packet: the kernel's own limit was 64 before 6.11. */
#define UDPGRO_MAX_SEGMENTS 64
/* Largest super-packet: the IPv4 total length field's limit, kept for IPv6
 * too so that one buffer size serves both. */
#define UDPGRO_MAX_PACKET 65535

struct udpgro {
	uint8_t pkt[UDPGRO_MAX_PACKET]; /* the first datagram whole, then the
					 * payloads of the others */
	size_t len;			/* bytes in pkt; 0: no run */
	size_t l4_off;			/* IP header length (20 or 40) */
	uint16_t gso_size;		/* UDP payload bytes of the first datagram */
	uint16_t next_id;		/* IPv4: the ID the next datagram must carry */
	unsigned count;			/* datagrams in the run */
	bool closed;			/* the last was shorter: nothing may follow */
};

/* An empty run. */
void udpgro_init(struct udpgro *g);

/* True if the datagram pkt (parsed into *pi, pi->total_len bytes) may be
 * part of a run at all: see the header comment. */
bool udpgro_eligible(const uint8_t *pkt, const struct packet_info *pi);

/* Appends an eligible datagram to the run, or starts the run with it when
 * there is none. False, nothing changed, when it does not continue the run
 * (other flow or header, IPv4 ID out of sequence, longer than the first,
 * the run closed, full, or at UDPGRO_MAX_PACKET): write the run, then start a
 * new one with it. */
bool udpgro_append(struct udpgro *g, const uint8_t *pkt, const struct packet_info *pi);

/* Datagrams in the run. */
static inline unsigned udpgro_count(const struct udpgro *g)
{
	return g->count;
}

/*
 * Ends the run: *pkt and *len get what to write (g->pkt; the single datagram
 * as it came when the run has one, else the super-packet with its IP and UDP
 * lengths, IPv4 header checksum and the UDP pseudo-header sum filled in) and
 * *hdr the virtio_net_hdr to write ahead of it (all zero for one datagram).
 * The run stays readable until udpgro_init or the next append.
 */
void udpgro_finish(struct udpgro *g, struct virtio_net_hdr *hdr, const uint8_t **pkt, size_t *len);

/*
 * Cuts a finished run back into its datagrams, as the kernel would: each is
 * built in scratch (at least l4_off + 8 + gso_size bytes) and handed to emit,
 * in order, with its own lengths, IPv4 ID and both checksums. For a kernel
 * that refuses the super-packet. Stops at the first emit < 0 and returns it;
 * 0 when all were emitted, -ENOSPC if scratch is too small.
 */
int udpgro_segment(const struct udpgro *g, uint8_t *scratch, size_t scratch_len,
		   int (*emit)(const uint8_t *dgram, size_t len, void *arg), void *arg);

#endif /* TLSVPN_UDPGRO_H */
