/*
 * gso: TCP segmentation offload carried across the tunnel (PROTOCOL.md 3.1).
 *
 * With offloads on (tun_open with TUN_OFFLOAD), the kernel hands the TUN
 * reader TCP "super-packets" of up to 64 KiB plus a virtio_net_hdr saying how
 * to cut them into MTU-sized segments, and accepts the same from the writer.
 * One read, one frame and one write then move what were ~40 packets, and the
 * receiving TCP stack sees one big segment: the per-packet kernel cost, half
 * of a relay's CPU, mostly goes away.
 *
 * This module is pure (no I/O, no globals): it interprets the header the TUN
 * reads, completes checksums the kernel left to the "hardware", checks the
 * GSO frames a peer sends (outside input), builds the header for writing one
 * to the TUN, and cuts a super-packet into ordinary packets in software for a
 * peer or a device that cannot take it whole.
 *
 * A super-packet is one IPv4 or IPv6 TCP packet, unfragmented, whose payload
 * is longer than gso_size: segment i carries payload bytes
 * [i*gso_size, (i+1)*gso_size) behind a copy of the headers. A GSO frame on
 * the wire never has IPv6 extension headers.
 */
#ifndef TLSVPN_GSO_H
#define TLSVPN_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "packet.h"

/* A GSO frame's payload: FRAME_GSO_BYTE, gso_size (u16 BE), the packet. */
#define GSO_FRAME_HEADER 3
/* Largest super-packet a GSO frame can carry. */
#define GSO_MAX_PACKET (65535 - GSO_FRAME_HEADER)
/* Smallest gso_size accepted in a frame: bounds a frame to ~128 segments, so
 * a peer cannot make the receiver's kernel cut 64 KiB into 1-byte packets.
 * A sender with a smaller MSS segments in software instead. */
#define GSO_MIN_SIZE 512
/* Bytes of the virtio_net_hdr the TUN reads and writes ahead of each packet. */
#define GSO_VNET_HDR_LEN ((size_t)sizeof(struct virtio_net_hdr))

/* A TCP super-packet, parsed. pkt is borrowed from the caller's buffer. */
struct gso_packet {
	const uint8_t *pkt;
	size_t len;	   /* whole packet: hdr_len + payload */
	size_t l4_off;	   /* start of the TCP header (IP header length) */
	size_t hdr_len;	   /* IP + TCP headers, copied into every segment */
	uint16_t gso_size; /* TCP payload bytes per segment */
	int family;	   /* AF_INET or AF_INET6 */
	struct packet_info pi;
};

/*
 * Interprets one TUN read: hdr, then pkt[0..len). Returns
 *   0  an ordinary packet, now complete: a checksum the kernel left for
 *      offload (VIRTIO_NET_HDR_F_NEEDS_CSUM) has been filled in, in place;
 *   1  a TCP super-packet, *out filled (its checksum field still holds the
 *      kernel's partial sum; the receiver or gso_segment redoes it);
 *  -EINVAL for a header that does not fit the packet, an offload type this
 *      code never enables (UDP, unknown), or an IPv6 super-packet with a
 *      routing header; *why names it (why may be NULL).
 * An IPv6 super-packet with other extension headers is accepted: it never
 * fits a GSO frame, so it is cut in software, headers copied as they are.
 */
int gso_from_tun(const struct virtio_net_hdr *hdr, uint8_t *pkt, size_t len, struct gso_packet *out,
		 const char **why);

/* The same for one whole read from a TUN with offloads: the virtio_net_hdr
 * at buf[0..GSO_VNET_HDR_LEN), then the packet, whose place and length go to
 * *pkt and *len. -EINVAL also for a read shorter than the header. */
int gso_from_tun_read(uint8_t *buf, size_t n, uint8_t **pkt, size_t *len, struct gso_packet *out,
		      const char **why);

/* True if g may travel as one GSO frame to a peer whose tunnel MTU is mtu:
 * gso_size >= GSO_MIN_SIZE, hdr_len + gso_size <= mtu, len <= GSO_MAX_PACKET.
 * Otherwise the sender segments it in software. */
bool gso_frame_fits(const struct gso_packet *g, size_t mtu);

/* Writes the 3-byte GSO frame header for g into out. */
void gso_frame_header(const struct gso_packet *g, uint8_t out[GSO_FRAME_HEADER]);

/*
 * Checks a GSO frame payload from a peer (payload[0] == FRAME_GSO_BYTE) whose
 * tunnel MTU is mtu: the size rules of gso_frame_fits, an IPv4 or IPv6 TCP
 * packet filling the rest of the frame exactly, unfragmented, no IPv6
 * extension headers, a whole TCP header, and more than one segment's payload.
 * 0 with *out filled (out->pkt points into payload), or -EINVAL with *why set.
 */
int gso_frame_parse(const uint8_t *payload, size_t len, size_t mtu, struct gso_packet *out,
		    const char **why);

/* What writing g to a TUN with offloads takes: the header *hdr, and the value
 * *tcp_check that must replace the TCP checksum field (at offset
 * hdr->csum_start + hdr->csum_offset), the pseudo-header sum the kernel
 * expects of a checksum-offloaded packet. Whatever the peer put in that field
 * is ignored; g itself is not touched. */
void gso_tun_header(const struct gso_packet *g, struct virtio_net_hdr *hdr, uint8_t tcp_check[2]);

/*
 * Cuts g into ordinary packets with complete checksums, each built in
 * scratch[0..scratch_len) (scratch_len >= hdr_len + gso_size) and handed to
 * emit, in order. IPv4 segments get consecutive IP IDs; FIN and PSH stay on
 * the last segment, CWR on the first, as the kernel does. Stops at the first
 * emit that returns < 0 and returns that; 0 when all were emitted, -ENOSPC if
 * scratch is too small.
 */
int gso_segment(const struct gso_packet *g, uint8_t *scratch, size_t scratch_len,
		int (*emit)(const uint8_t *seg, size_t len, void *arg), void *arg);

/* The Internet checksum (RFC 1071) of data[0..len) added to sum, unfolded. */
uint64_t gso_csum_add(uint64_t sum, const uint8_t *data, size_t len);
/* Folds a sum to 16 bits (not inverted). */
uint16_t gso_csum_fold(uint64_t sum);

#endif /* TLSVPN_GSO_H */
