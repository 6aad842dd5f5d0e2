/*
 * packet: IPv4/IPv6 header inspection. See packet.h.
 *
 * Every read is preceded by a check against the bytes the packet itself
 * claims (total_len), which was checked against the bytes we hold (len), so
 * a lying length field can never walk us past the buffer.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "packet.h"

#define IPV4_MIN_HEADER 20
#define IPV6_HEADER	40

/* IPv6 next-header values that are extension headers we walk. */
#define NH_HOPOPTS  0
#define NH_ROUTING  43
#define NH_FRAGMENT 44
#define NH_DSTOPTS  60

static int refuse(const char **why, const char *text)
{
	if (why != NULL)
		*why = text;
	return -EINVAL;
}

static int parse_v4(const uint8_t *pkt, size_t len, struct packet_info *out, const char **why)
{
	/* The IHL below 5 can only be one of these: static texts that still
	 * name the value. */
	static const char *const short_ihl[] = {
	    "IPv4 header length 0 below 20",  "IPv4 header length 4 below 20",
	    "IPv4 header length 8 below 20",  "IPv4 header length 12 below 20",
	    "IPv4 header length 16 below 20",
	};

	if (len < IPV4_MIN_HEADER)
		return refuse(why, "IPv4 packet shorter than 20 bytes");
	unsigned ihl = pkt[0] & 0x0f;
	if (ihl < 5)
		return refuse(why, short_ihl[ihl]);
	size_t hlen = (size_t)ihl * 4;
	if (hlen > len)
		return refuse(why, "IPv4 header length exceeds packet");
	size_t total = be16_load(pkt + 2);
	if (total < hlen)
		return refuse(why, "IPv4 total length below header length");
	if (total > len)
		return refuse(why, "IPv4 total length exceeds packet");

	uint16_t frag = be16_load(pkt + 6);
	bool more = (frag & 0x2000) != 0;
	uint16_t offset = frag & 0x1fff;

	out->family = AF_INET;
	out->src.family = AF_INET;
	memcpy(&out->src.u.v4, pkt + 12, 4);
	out->dst.family = AF_INET;
	memcpy(&out->dst.u.v4, pkt + 16, 4);
	out->proto = pkt[9];
	out->header_len = hlen;
	out->total_len = total;
	out->fragment = more || offset != 0;
	out->first_fragment = offset == 0;
	out->routing_header = false;
	return 0;
}

/* Walks the extension header chain of an IPv6 packet of total bytes. */
static int walk_v6(const uint8_t *pkt, size_t total, struct packet_info *out, const char **why)
{
	uint8_t nh = pkt[6];
	size_t off = IPV6_HEADER;
	unsigned count = 0;

	out->fragment = false;
	out->first_fragment = true;
	out->routing_header = false;
	for (;;) {
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT && nh != NH_DSTOPTS)
			break;
		if (nh == NH_HOPOPTS && count > 0)
			return refuse(why, "IPv6 hop-by-hop options not first");
		if (++count > PACKET_MAX_EXT_HEADERS)
			return refuse(why, "IPv6 extension header chain too long");
		/* Every extension header we walk starts with next header
		 * and a length byte, and is at least 8 bytes long. */
		if (total - off < 8)
			return refuse(why, "IPv6 extension header truncated");
		uint8_t next = pkt[off];
		if (nh == NH_ROUTING)
			out->routing_header = true;
		size_t hlen;
		if (nh == NH_FRAGMENT) {
			if (out->fragment)
				return refuse(why, "IPv6 fragment header repeated");
			hlen = 8;
			uint16_t fo = be16_load(pkt + off + 2);
			out->fragment = true;
			out->first_fragment = (fo & 0xfff8) == 0;
		} else {
			hlen = ((size_t)pkt[off + 1] + 1) * 8;
			if (total - off < hlen)
				return refuse(why, "IPv6 extension header length exceeds payload");
		}
		off += hlen;
		nh = next;
		/* Behind a later fragment lies the middle of the payload,
		 * not a header: stop at the protocol the fragment names. */
		if (out->fragment && !out->first_fragment)
			break;
	}
	out->proto = nh;
	out->header_len = off;
	return 0;
}

static int parse_v6(const uint8_t *pkt, size_t len, struct packet_info *out, const char **why)
{
	if (len < IPV6_HEADER)
		return refuse(why, "IPv6 packet shorter than 40 bytes");
	size_t total = IPV6_HEADER + (size_t)be16_load(pkt + 4);
	if (total > len)
		return refuse(why, "IPv6 payload length exceeds packet");

	out->family = AF_INET6;
	out->src.family = AF_INET6;
	memcpy(&out->src.u.v6, pkt + 8, 16);
	out->dst.family = AF_INET6;
	memcpy(&out->dst.u.v6, pkt + 24, 16);
	out->total_len = total;
	return walk_v6(pkt, total, out, why);
}

int packet_parse(const uint8_t *pkt, size_t len, struct packet_info *out, const char **why)
{
	struct packet_info info;
	int r;

	memset(&info, 0, sizeof(info));
	if (len == 0)
		return refuse(why, "empty packet");
	switch (pkt[0] >> 4) {
	case 4:
		r = parse_v4(pkt, len, &info, why);
		break;
	case 6:
		r = parse_v6(pkt, len, &info, why);
		break;
	default:
		return refuse(why, "IP version neither 4 nor 6");
	}
	if (r < 0)
		return r;
	*out = info;
	if (why != NULL)
		*why = NULL;
	return 0;
}
