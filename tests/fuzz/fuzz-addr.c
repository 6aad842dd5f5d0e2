/*
 * libFuzzer harness for the address parsers (common/addr.c): addr_parse,
 * addr_prefix_parse and addr_hostport_parse each see the whole input as a
 * NUL-terminated string. Whatever parses must format and parse back to the
 * same value, and a prefix must agree with itself: masking, containment,
 * nth/offset and the address count.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define DEFAULT_PORT 443

/* A formatter given a short buffer writes the whole text, "?" or "". */
static void check_short_buffers(const char *full, const char *(*fmt)(const void *, char *, size_t),
				const void *v)
{
	size_t n = strlen(full);
	for (size_t len = 0; len <= n + 1; len++) {
		char buf[PREFIX_STRLEN + 1];
		memset(buf, 'x', sizeof(buf));
		const char *out = fmt(v, buf, len);
		if (len == 0)
			continue;
		CHECK(out == buf && strlen(out) < len);
		if (len > n)
			CHECK(strcmp(out, full) == 0);
		else
			CHECK(strcmp(out, len < 2 ? "" : "?") == 0);
	}
}

static const char *fmt_addr(const void *a, char *buf, size_t len)
{
	return addr_format(a, buf, len);
}

static const char *fmt_prefix(const void *p, char *buf, size_t len)
{
	return addr_prefix_format(p, buf, len);
}

static void check_addr(const struct ip_addr *a)
{
	char text[ADDR_STRLEN], again[ADDR_STRLEN];
	struct ip_addr b;

	CHECK(a->family == AF_INET || a->family == AF_INET6);
	addr_format(a, text, sizeof(text));
	CHECK(addr_parse(text, &b) && addr_equal(a, &b));
	CHECK(addr_hash(a) == addr_hash(&b));
	CHECK(strcmp(addr_format(&b, again, sizeof(again)), text) == 0);
	check_short_buffers(text, fmt_addr, a);

	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t port = 0;
	CHECK(addr_to_sockaddr(a, 4242, &ss, &sl) == 0);
	CHECK(addr_from_sockaddr((struct sockaddr *)&ss, &b, &port) == 0 && port == 4242);
	/* An IPv4-mapped IPv6 address comes back as IPv4 by design. */
	bool mapped = a->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->u.v6);
	CHECK(mapped ? b.family == AF_INET && memcmp(&b.u.v4, &a->u.v6.s6_addr[12], 4) == 0
		     : addr_equal(a, &b));
}

static void check_prefix(const struct ip_prefix *p, uint64_t pick)
{
	char text[PREFIX_STRLEN];
	struct ip_prefix q, net = *p;
	unsigned bits = p->addr.family == AF_INET ? 32 : 128;

	CHECK(p->len <= bits);
	check_addr(&p->addr);
	addr_prefix_format(p, text, sizeof(text));
	CHECK(addr_prefix_parse(text, &q) && addr_equal(&q.addr, &p->addr) && q.len == p->len);
	check_short_buffers(text, fmt_prefix, p);

	addr_prefix_mask(&net);
	CHECK(net.len == p->len && addr_prefix_is_network(&net));
	CHECK(addr_prefix_is_network(p) == addr_equal(&net.addr, &p->addr));
	CHECK(addr_prefix_contains(p, &p->addr) && addr_prefix_contains(&net, &p->addr));
	CHECK(addr_prefix_overlaps(p, &net) && addr_prefix_overlaps(&net, p));

	uint64_t count = addr_prefix_count(&net);
	if (bits - p->len < 64)
		CHECK(count == UINT64_C(1) << (bits - p->len));
	else
		CHECK(count == UINT64_MAX);

	struct ip_addr first, a;
	CHECK(addr_prefix_nth(&net, 0, &first) == 0 && addr_equal(&first, &net.addr));
	CHECK(addr_prefix_offset(&net, &net.addr) == 0);

	/* The parsed address's own offset, when it fits in 64 bits. */
	uint64_t off = addr_prefix_offset(&net, &p->addr);
	if (off != UINT64_MAX)
		CHECK(addr_prefix_nth(&net, off, &a) == 0 && addr_equal(&a, &p->addr));
	if (bits - p->len < 64)
		CHECK(off != UINT64_MAX && off < count);

	/* An offset chosen by the input, and the last address. */
	uint64_t n = count == UINT64_MAX ? pick : pick % count;
	CHECK(addr_prefix_nth(&net, n, &a) == 0);
	CHECK(addr_prefix_contains(&net, &a) && addr_prefix_contains(p, &a));
	if (n != UINT64_MAX)
		CHECK(addr_prefix_offset(&net, &a) == n);
	if (count != UINT64_MAX) {
		CHECK(addr_prefix_nth(&net, count - 1, &a) == 0 && addr_prefix_contains(&net, &a));
		CHECK(addr_prefix_offset(&net, &a) == count - 1);
		CHECK(addr_prefix_nth(&net, count, &a) == -ERANGE);
	}

	/* An address outside the prefix has no offset. */
	if (p->len > 0) {
		struct ip_addr out = net.addr;
		uint8_t *bytes = out.family == AF_INET ? (uint8_t *)&out.u.v4 : out.u.v6.s6_addr;
		unsigned bit = p->len - 1;
		bytes[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		CHECK(!addr_prefix_contains(&net, &out));
		CHECK(addr_prefix_offset(&net, &out) == UINT64_MAX);
	}
}

static void check_hostport(const char *s)
{
	char host[ADDR_HOSTLEN], again[ADDR_HOSTLEN], text[ADDR_HOSTLEN + 16];
	uint16_t port = 0, port2 = 0;

	if (addr_hostport_parse(s, DEFAULT_PORT, host, sizeof(host), &port) != 0)
		return;
	size_t n = strlen(host);
	CHECK(n > 0 && n < sizeof(host) && port != 0);
	CHECK(strchr(host, '[') == NULL && strchr(host, ']') == NULL);

	/* Put it back together and parse it again. */
	bool v6 = strchr(host, ':') != NULL;
	snprintf(text, sizeof(text), v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
	CHECK(addr_hostport_parse(text, 1, again, sizeof(again), &port2) == 0);
	CHECK(strcmp(host, again) == 0 && port == port2);

	/* A host buffer one byte short refuses; an exact one accepts. */
	CHECK(addr_hostport_parse(s, DEFAULT_PORT, again, n, &port2) == -EINVAL);
	CHECK(addr_hostport_parse(s, DEFAULT_PORT, again, n + 1, &port2) == 0);
	CHECK(strcmp(host, again) == 0 && port == port2);
	CHECK(addr_hostport_parse(s, DEFAULT_PORT, again, n + 1, NULL) == 0);

	struct ip_addr a;
	if (addr_parse(host, &a)) {
		check_addr(&a);
		CHECK(v6 == (a.family == AF_INET6));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';

	uint64_t pick = 0;
	for (size_t i = 0; i < size; i++)
		pick = pick * 131 + data[i];

	struct ip_addr a;
	if (addr_parse(s, &a))
		check_addr(&a);

	struct ip_prefix p;
	if (addr_prefix_parse(s, &p))
		check_prefix(&p, pick);

	check_hostport(s);
	free(s);
	return 0;
}
