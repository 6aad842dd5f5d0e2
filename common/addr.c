/*
 * addr: addresses, prefixes, host:port strings. See addr.h.
 *
 * Prefix arithmetic works on the address as a big-endian byte array of 4 or
 * 16 bytes, so IPv4 and IPv6 share one code path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "buf.h"

static size_t family_bytes(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

static unsigned family_bits(int family)
{
	return (unsigned)family_bytes(family) * 8;
}

static const uint8_t *addr_bytes(const struct ip_addr *a)
{
	return a->family == AF_INET ? (const uint8_t *)&a->u.v4 : a->u.v6.s6_addr;
}

static uint8_t *addr_bytes_mut(struct ip_addr *a)
{
	return a->family == AF_INET ? (uint8_t *)&a->u.v4 : a->u.v6.s6_addr;
}

bool addr_parse(const char *s, struct ip_addr *out)
{
	struct ip_addr a;

	/* inet_pton takes nothing but the canonical forms, and a string too
	 * long for any address is refused before it looks. */
	if (s == NULL || strnlen(s, ADDR_STRLEN) >= ADDR_STRLEN)
		return false;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.u.v6) == 1) {
		a.family = AF_INET6;
	} else {
		return false;
	}
	*out = a;
	return true;
}

/* Decimal 0..max, no sign, no leading zero, no whitespace. */
static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

bool addr_prefix_parse(const char *s, struct ip_prefix *out)
{
	char tmp[PREFIX_STRLEN];
	struct ip_prefix p;

	if (s == NULL || strnlen(s, sizeof(tmp)) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, strlen(s) + 1);
	char *slash = strchr(tmp, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	if (!addr_parse(tmp, &p.addr))
		return false;
	if (!parse_uint(slash + 1, family_bits(p.addr.family), &p.len))
		return false;
	*out = p;
	return true;
}

/* Mask byte i of a prefix of length len: which bits belong to the network. */
static uint8_t mask_byte(unsigned len, size_t i)
{
	if (len >= (i + 1) * 8)
		return 0xff;
	if (len <= i * 8)
		return 0;
	return (uint8_t)(0xff << (8 - (len - i * 8)));
}

bool addr_prefix_is_network(const struct ip_prefix *p)
{
	const uint8_t *b = addr_bytes(&p->addr);
	size_t n = family_bytes(p->addr.family);

	if (n == 0 || p->len > n * 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[i] & (uint8_t)~mask_byte(p->len, i))
			return false;
	return true;
}

void addr_prefix_mask(struct ip_prefix *p)
{
	uint8_t *b = addr_bytes_mut(&p->addr);
	size_t n = family_bytes(p->addr.family);

	for (size_t i = 0; i < n; i++)
		b[i] &= mask_byte(p->len, i);
}

/* Writes s, or "?" when it does not fit; never overruns buf[0..len). */
static const char *put_str(char *buf, size_t len, const char *s)
{
	if (len == 0)
		return buf;
	if (strlen(s) < len)
		memcpy(buf, s, strlen(s) + 1);
	else if (len >= 2)
		memcpy(buf, "?", 2);
	else
		buf[0] = '\0';
	return buf;
}

const char *addr_format(const struct ip_addr *a, char *buf, size_t len)
{
	char tmp[ADDR_STRLEN];

	if (family_bytes(a->family) == 0 ||
	    inet_ntop(a->family, addr_bytes(a), tmp, sizeof(tmp)) == NULL)
		return put_str(buf, len, "?");
	return put_str(buf, len, tmp);
}

const char *addr_prefix_format(const struct ip_prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN], tmp[PREFIX_STRLEN];

	addr_format(&p->addr, a, sizeof(a));
	snprintf(tmp, sizeof(tmp), "%s/%u", a, p->len);
	return put_str(buf, len, tmp);
}

bool addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	size_t n = family_bytes(a->family);

	return n != 0 && a->family == b->family && memcmp(addr_bytes(a), addr_bytes(b), n) == 0;
}

/* Do a and b agree on their first len bits? Both of family's size. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, size_t n, unsigned len)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t m = mask_byte(len, i);
		if (m == 0)
			break;
		if ((a[i] & m) != (b[i] & m))
			return false;
	}
	return true;
}

bool addr_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	size_t n = family_bytes(p->addr.family);

	if (n == 0 || a->family != p->addr.family || p->len > n * 8)
		return false;
	return same_prefix(addr_bytes(&p->addr), addr_bytes(a), n, p->len);
}

bool addr_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b)
{
	size_t n = family_bytes(a->addr.family);

	if (n == 0 || a->addr.family != b->addr.family || a->len > n * 8 || b->len > n * 8)
		return false;
	/* Two prefixes overlap iff they agree on the shorter one's bits. */
	unsigned len = a->len < b->len ? a->len : b->len;
	return same_prefix(addr_bytes(&a->addr), addr_bytes(&b->addr), n, len);
}

/* ---- host:port ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 1123 host name: labels of 1..63 [A-Za-z0-9-] not starting or ending
 * with '-', at most 253 characters, one trailing dot allowed, and a last label
 * that is not all digits (else it would be taken for a mangled IPv4 address:
 * glibc resolves "10.1" and "10.8.0.300" does not exist). */
static bool valid_hostname(const char *h, size_t len)
{
	size_t label = 0;
	bool all_digits = true;

	if (len > 0 && h[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || h[i] == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			if (i == len && all_digits)
				return false;
			label = 0;
			all_digits = true;
			continue;
		}
		if (!is_alnum(h[i]) && h[i] != '-')
			return false;
		if (label == 0 && h[i] == '-')
			return false;
		if (!is_digit(h[i]))
			all_digits = false;
		label++;
	}
	return true;
}

static int copy_host(const char *h, size_t n, char *host, size_t host_len)
{
	if (n == 0 || n >= host_len)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	return 0;
}

static bool parse_port(const char *s, uint16_t *port)
{
	unsigned v;

	/* Leading zeros are allowed here ("0443" is a port, not a typo worth
	 * refusing), but the length is bounded so the value cannot wrap. */
	size_t n = strlen(s);
	if (n == 0 || n > 5)
		return false;
	v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

int addr_hostport_parse(const char *s, uint16_t default_port, char *host, size_t host_len,
			uint16_t *port)
{
	struct ip_addr a;
	char tmp[ADDR_STRLEN];
	uint16_t p = default_port;
	const char *h;
	size_t hn;

	if (s == NULL || host == NULL || s[0] == '\0')
		return -EINVAL;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL)
			return -EINVAL;
		h = s + 1;
		hn = (size_t)(close - h);
		if (close[1] == ':') {
			if (!parse_port(close + 2, &p))
				return -EINVAL;
		} else if (close[1] != '\0') {
			return -EINVAL;
		}
		/* Brackets are for IPv6 literals only. */
		if (hn == 0 || hn >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, h, hn);
		tmp[hn] = '\0';
		if (!addr_parse(tmp, &a) || a.family != AF_INET6)
			return -EINVAL;
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Two or more colons: only a bare IPv6 literal, which
			 * cannot carry a port without brackets. */
			if (!addr_parse(s, &a) || a.family != AF_INET6)
				return -EINVAL;
			h = s;
			hn = strlen(s);
		} else {
			h = s;
			hn = colon != NULL ? (size_t)(colon - s) : strlen(s);
			if (colon != NULL && !parse_port(colon + 1, &p))
				return -EINVAL;
			if (hn == 0)
				return -EINVAL;
			bool literal = false;
			if (hn < sizeof(tmp)) {
				memcpy(tmp, h, hn);
				tmp[hn] = '\0';
				literal = addr_parse(tmp, &a) && a.family == AF_INET;
			}
			if (!literal && !valid_hostname(h, hn))
				return -EINVAL;
		}
	}
	if (copy_host(h, hn, host, host_len) < 0)
		return -EINVAL;
	if (port != NULL)
		*port = p;
	return 0;
}

/* ---- sockaddr ---- */

int addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		*len = sizeof(*sin);
		return 0;
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a->u.v6;
		*len = sizeof(*sin6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *a, uint16_t *port)
{
	struct ip_addr r;
	uint16_t p;

	memset(&r, 0, sizeof(r));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		r.family = AF_INET;
		r.u.v4 = sin->sin_addr;
		p = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		p = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			r.family = AF_INET;
			memcpy(&r.u.v4, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			r.family = AF_INET6;
			r.u.v6 = sin6->sin6_addr;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	*a = r;
	if (port != NULL)
		*port = p;
	return 0;
}

const char *addr_sockaddr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	struct ip_addr a;
	uint16_t port;
	char h[ADDR_STRLEN], tmp[ADDR_SOCKSTRLEN];

	if (addr_from_sockaddr(sa, &a, &port) < 0)
		return put_str(buf, len, "?");
	addr_format(&a, h, sizeof(h));
	snprintf(tmp, sizeof(tmp), a.family == AF_INET6 ? "[%s]:%u" : "%s:%u", h, (unsigned)port);
	return put_str(buf, len, tmp);
}

/* ---- pools ---- */

int addr_prefix_nth(const struct ip_prefix *p, uint64_t n, struct ip_addr *out)
{
	size_t nb = family_bytes(p->addr.family);
	unsigned host_bits;

	if (nb == 0 || p->len > nb * 8)
		return -ERANGE;
	host_bits = (unsigned)nb * 8 - p->len;
	if (host_bits < 64 && n >> host_bits != 0)
		return -ERANGE;

	struct ip_prefix net = *p;
	addr_prefix_mask(&net);
	/* The host part of n fits in host_bits, which are zero in net: adding
	 * it to the last 8 bytes (or 4 for IPv4) cannot carry further. */
	uint8_t *b = addr_bytes_mut(&net.addr);
	size_t tail = nb < 8 ? nb : 8;
	for (size_t i = 0; i < tail; i++)
		b[nb - 1 - i] |= (uint8_t)(n >> (8 * i));
	*out = net.addr;
	return 0;
}

uint64_t addr_prefix_offset(const struct ip_prefix *p, const struct ip_addr *a)
{
	size_t nb = family_bytes(p->addr.family);

	if (!addr_prefix_contains(p, a))
		return UINT64_MAX;
	unsigned host_bits = (unsigned)nb * 8 - p->len;
	const uint8_t *b = addr_bytes(a);
	if (host_bits > 64) {
		/* The offset fits when the host bits above the last 64 are zero. */
		struct ip_prefix net = *p;
		addr_prefix_mask(&net);
		if (memcmp(b, addr_bytes(&net.addr), nb - 8) != 0)
			return UINT64_MAX;
	}

	size_t tail = nb < 8 ? nb : 8;
	uint64_t v = 0;
	for (size_t i = nb - tail; i < nb; i++)
		v = v << 8 | b[i];
	if (host_bits < 64)
		v &= ((uint64_t)1 << host_bits) - 1;
	return v;
}

uint64_t addr_prefix_count(const struct ip_prefix *p)
{
	size_t nb = family_bytes(p->addr.family);

	if (nb == 0 || p->len > nb * 8)
		return 0;
	unsigned host_bits = (unsigned)nb * 8 - p->len;
	if (host_bits >= 64)
		return UINT64_MAX;
	return (uint64_t)1 << host_bits;
}

uint32_t addr_hash(const struct ip_addr *a)
{
	size_t n = family_bytes(a->family);
	const uint8_t *b = addr_bytes(a);
	/* FNV-1a over the family and the bytes, then a murmur3 finaliser: FNV
	 * alone spreads a pool's consecutive last bytes poorly over the low
	 * bits a power-of-two table uses. */
	uint32_t h = 2166136261u ^ (uint32_t)a->family;
	h *= 16777619u;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}
