/*
 * gso: TCP super-packets across the tunnel. See gso.h.
 *
 * Every offset used below was checked against the packet's own lengths by
 * parse_tcp() first; the kernel's header is never trusted for offsets it does
 * not have to give (hdr_len is recomputed: the TUN reports the linear part of
 * its buffer there, not the header length).
 */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "gso.h"

#define TCP_MIN_HEADER	 20
#define TCP_CHECK_OFFSET 16
#define TCP_FLAGS_OFFSET 13
#define TCP_FLAG_FIN	 0x01
#define TCP_FLAG_PSH	 0x08
#define TCP_FLAG_CWR	 0x80
#define IPV6_HEADER	 40
#define IPV6_PAYLOAD_LEN 4
#define IPV4_TOTAL_LEN	 2
#define IPV4_ID		 4
#define IPV4_CHECK	 10
#define GSO_TYPE_MASK	 ((uint8_t)~VIRTIO_NET_HDR_GSO_ECN)

static int refuse(const char **why, const char *text)
{
	if (why != NULL)
		*why = text;
	return -EINVAL;
}

uint64_t gso_csum_add(uint64_t sum, const uint8_t *data, size_t len)
{
	/* 2^16 = 1 (mod 0xffff), so big-endian 32-bit words add up to the same
	 * one's-complement sum as their 16-bit halves, with fewer additions. */
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, data, 4);
		sum += be32toh(w);
		data += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += be16_load(data);
		data += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)data[0] << 8;
	return sum;
}

uint16_t gso_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The TCP/UDP pseudo-header of pkt (addresses from its IP header) for an L4
 * length of l4_len, protocol proto. */
static uint64_t pseudo_sum(const uint8_t *pkt, int family, size_t l4_len, uint8_t proto)
{
	uint64_t sum = proto + (uint64_t)l4_len;
	if (family == AF_INET)
		return gso_csum_add(sum, pkt + 12, 8);
	return gso_csum_add(sum, pkt + 8, 32);
}

/* Fills out from an IP packet that must be whole TCP: the checks both
 * directions share. */
static int parse_tcp(const uint8_t *pkt, size_t len, struct gso_packet *out, const char **why)
{
	struct packet_info pi;
	const char *pwhy = NULL;
	if (packet_parse(pkt, len, &pi, &pwhy) < 0)
		return refuse(why, pwhy);
	if (pi.total_len != len)
		return refuse(why, "GSO packet length differs from its IP length");
	if (pi.fragment)
		return refuse(why, "GSO packet is a fragment");
	if (pi.proto != IPPROTO_TCP)
		return refuse(why, "GSO packet is not TCP");
	size_t l4 = pi.header_len;
	if (len - l4 < TCP_MIN_HEADER)
		return refuse(why, "GSO packet's TCP header is cut short");
	size_t tcp_hlen = (size_t)(pkt[l4 + 12] >> 4) * 4;
	if (tcp_hlen < TCP_MIN_HEADER)
		return refuse(why, "GSO packet's TCP data offset below 5");
	if (tcp_hlen > len - l4)
		return refuse(why, "GSO packet's TCP header exceeds the packet");
	out->pkt = pkt;
	out->len = len;
	out->l4_off = l4;
	out->hdr_len = l4 + tcp_hlen;
	out->family = pi.family;
	out->pi = pi;
	return 0;
}

/* Stores the complete checksum of pkt[start..len) at pkt[start + offset],
 * whose two bytes hold the partial (pseudo-header) sum on entry. */
static void complete_csum(uint8_t *pkt, size_t len, size_t start, size_t offset)
{
	uint16_t c = (uint16_t)~gso_csum_fold(gso_csum_add(0, pkt + start, len - start));
	/* 0 means "no checksum" to UDP; 0xffff is the same one's-complement
	 * value and valid for every protocol. */
	be16_store(pkt + start + offset, c == 0 ? 0xffff : c);
}

int gso_from_tun(const struct virtio_net_hdr *hdr, uint8_t *pkt, size_t len, struct gso_packet *out,
		 const char **why)
{
	uint8_t type = hdr->gso_type & GSO_TYPE_MASK;
	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t start = hdr->csum_start, offset = hdr->csum_offset;
		if (start >= len || offset > len - start || len - start - offset < 2)
			return refuse(why, "TUN checksum offsets outside the packet");
		if (type == VIRTIO_NET_HDR_GSO_NONE) {
			complete_csum(pkt, len, start, offset);
			return 0;
		}
	}
	if (type == VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
		return refuse(why, "TUN offload type not enabled");
	if (hdr->gso_size == 0)
		return refuse(why, "TUN GSO size 0");
	int rc = parse_tcp(pkt, len, out, why);
	if (rc < 0)
		return rc;
	if ((type == VIRTIO_NET_HDR_GSO_TCPV4) != (out->family == AF_INET))
		return refuse(why, "TUN GSO type does not match the IP version");
	/* Other extension headers are copied into every segment as they are
	 * (gso_frame_fits sends such a packet as segments). A routing header
	 * would put another destination in the TCP pseudo-header than the
	 * one gso_segment sums; the kernel's TCP adds one only when an
	 * application asks for it. */
	if (out->pi.routing_header)
		return refuse(why, "TUN IPv6 super-packet with a routing header");
	out->gso_size = hdr->gso_size;
	return 1;
}

int gso_from_tun_read(uint8_t *buf, size_t n, uint8_t **pkt, size_t *len, struct gso_packet *out,
		      const char **why)
{
	if (n < GSO_VNET_HDR_LEN)
		return refuse(why, "TUN read shorter than its offload header");
	struct virtio_net_hdr hdr;
	memcpy(&hdr, buf, sizeof hdr); /* buf need not be aligned */
	*pkt = buf + GSO_VNET_HDR_LEN;
	*len = n - GSO_VNET_HDR_LEN;
	return gso_from_tun(&hdr, *pkt, *len, out, why);
}

bool gso_frame_fits(const struct gso_packet *g, size_t mtu)
{
	return g->gso_size >= GSO_MIN_SIZE && g->hdr_len + g->gso_size <= mtu &&
	       g->len <= GSO_MAX_PACKET && g->len - g->hdr_len > g->gso_size &&
	       (g->family == AF_INET || g->l4_off == IPV6_HEADER);
}

void gso_frame_header(const struct gso_packet *g, uint8_t out[GSO_FRAME_HEADER])
{
	out[0] = FRAME_GSO_BYTE;
	be16_store(out + 1, g->gso_size);
}

int gso_frame_parse(const uint8_t *payload, size_t len, size_t mtu, struct gso_packet *out,
		    const char **why)
{
	if (len < GSO_FRAME_HEADER)
		return refuse(why, "GSO frame shorter than its header");
	if (payload[0] != FRAME_GSO_BYTE)
		return refuse(why, "not a GSO frame");
	if (len - GSO_FRAME_HEADER > GSO_MAX_PACKET)
		return refuse(why, "GSO packet longer than 65532 bytes");
	uint16_t gso_size = be16_load(payload + 1);
	if (gso_size < GSO_MIN_SIZE)
		return refuse(why, "GSO size below 512");
	struct gso_packet g;
	int rc = parse_tcp(payload + GSO_FRAME_HEADER, len - GSO_FRAME_HEADER, &g, why);
	if (rc < 0)
		return rc;
	g.gso_size = gso_size;
	if (g.family == AF_INET6 && g.l4_off != IPV6_HEADER)
		return refuse(why, "GSO packet has IPv6 extension headers");
	if (g.hdr_len + g.gso_size > mtu)
		return refuse(why, "GSO segments would exceed the tunnel MTU");
	if (g.len - g.hdr_len <= g.gso_size)
		return refuse(why, "GSO packet holds a single segment");
	*out = g;
	return 0;
}

void gso_tun_header(const struct gso_packet *g, struct virtio_net_hdr *hdr, uint8_t tcp_check[2])
{
	const uint8_t *tcp = g->pkt + g->l4_off;
	uint64_t pseudo = pseudo_sum(g->pkt, g->family, g->len - g->l4_off, IPPROTO_TCP);
	be16_store(tcp_check, gso_csum_fold(pseudo));

	memset(hdr, 0, sizeof *hdr);
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->gso_type = g->family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	if (tcp[TCP_FLAGS_OFFSET] & TCP_FLAG_CWR)
		hdr->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	hdr->hdr_len = (uint16_t)g->hdr_len;
	hdr->gso_size = g->gso_size;
	hdr->csum_start = (uint16_t)g->l4_off;
	hdr->csum_offset = TCP_CHECK_OFFSET;
}

int gso_segment(const struct gso_packet *g, uint8_t *scratch, size_t scratch_len,
		int (*emit)(const uint8_t *seg, size_t len, void *arg), void *arg)
{
	size_t payload = g->len - g->hdr_len;
	size_t step = g->gso_size;
	if (step == 0 || scratch_len < g->hdr_len + (payload < step ? payload : step))
		return -ENOSPC;
	const uint8_t *tcp_in = g->pkt + g->l4_off;
	uint32_t seq0 = be32_load(tcp_in + 4);
	uint16_t id0 = be16_load(g->pkt + IPV4_ID);
	uint8_t flags0 = tcp_in[TCP_FLAGS_OFFSET];

	memcpy(scratch, g->pkt, g->hdr_len);
	uint8_t *tcp = scratch + g->l4_off;
	size_t off = 0, i = 0;
	do {
		size_t chunk = payload - off < step ? payload - off : step;
		bool last = off + chunk == payload;
		size_t seg_len = g->hdr_len + chunk;
		memcpy(scratch + g->hdr_len, g->pkt + g->hdr_len + off, chunk);

		if (g->family == AF_INET) {
			be16_store(scratch + IPV4_TOTAL_LEN, (uint16_t)seg_len);
			be16_store(scratch + IPV4_ID, (uint16_t)(id0 + i));
			be16_store(scratch + IPV4_CHECK, 0);
			uint16_t ipc =
			    (uint16_t)~gso_csum_fold(gso_csum_add(0, scratch, g->l4_off));
			be16_store(scratch + IPV4_CHECK, ipc);
		} else {
			be16_store(scratch + IPV6_PAYLOAD_LEN, (uint16_t)(seg_len - IPV6_HEADER));
		}
		be32_store(tcp + 4, seq0 + (uint32_t)off);
		uint8_t flags = flags0;
		if (i > 0)
			flags &= (uint8_t)~TCP_FLAG_CWR;
		if (!last)
			flags &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		tcp[TCP_FLAGS_OFFSET] = flags;
		be16_store(tcp + TCP_CHECK_OFFSET, 0);
		size_t l4_len = seg_len - g->l4_off;
		uint64_t sum = pseudo_sum(scratch, g->family, l4_len, IPPROTO_TCP);
		sum = gso_csum_add(sum, tcp, l4_len);
		be16_store(tcp + TCP_CHECK_OFFSET, (uint16_t)~gso_csum_fold(sum));

		int rc = emit(scratch, seg_len, arg);
		if (rc < 0)
			return rc;
		off += chunk;
		i++;
	} while (off < payload);
	return 0;
}
