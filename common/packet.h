/*
 * packet: inspection of the IPv4 and IPv6 packets that cross the tunnel, so
 * the relay can route them by destination and refuse spoofed sources. Pure:
 * reads a borrowed byte span, writes only *out. Nothing is checksummed.
 */
#ifndef TLSVPN_PACKET_H
#define TLSVPN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* IPv6 extension headers walked before giving up (-EINVAL). */
#define PACKET_MAX_EXT_HEADERS 8

struct packet_info {
	int family; /* AF_INET or AF_INET6 */
	struct ip_addr src, dst;
	uint8_t proto;	     /* L4 protocol: IPv4 protocol field, or for IPv6 the
			      * next header after hop-by-hop, routing, fragment
			      * and destination-options headers */
	size_t header_len;   /* bytes before the L4 header (IP header + IPv6
			      * extension headers) */
	size_t total_len;    /* the packet's own length (IPv4 total length,
			      * 40 + IPv6 payload length); <= the frame length */
	bool fragment;	     /* part of a fragmented packet (IPv4 MF or offset,
			      * or an IPv6 fragment header) */
	bool first_fragment; /* unfragmented, or the fragment at offset 0: only
			      * then does the L4 header follow header_len */
	bool routing_header; /* IPv6 with a routing header: the L4 checksum's
			      * pseudo-header may name another destination */
};

/*
 * Parses the IP header(s) of pkt[0..len). 0 with *out filled and *why set to
 * NULL, or -EINVAL with *why set to a static string naming the problem, such
 * as "IPv4 header length 12 below 20" (why may be NULL). Checks: version;
 * IPv4 IHL >= 5 and within len; IPv4 total length >= header and <= len; IPv6
 * 40 + payload length <= len; IPv6 extension headers complete within the
 * payload, at most PACKET_MAX_EXT_HEADERS, hop-by-hop only first, one
 * fragment header. Bytes past total_len (frame padding) are accepted;
 * total_len says where the packet ends. *out is untouched on failure.
 */
int packet_parse(const uint8_t *pkt, size_t len, struct packet_info *out, const char **why);

#endif /* TLSVPN_PACKET_H */
