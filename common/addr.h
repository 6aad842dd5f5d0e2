/*
 * addr: IP addresses, prefixes, host:port strings and socket addresses.
 * Pure: no name resolution, no I/O, no globals. Every function works on
 * caller-owned structs and buffers; nothing allocates.
 *
 * An ip_addr compares by family and address bytes only, so it need not be
 * zeroed first. Parsers are strict: they accept only the canonical textual
 * forms (inet_pton), never the legacy inet_aton ones ("10.1", "010.0.0.1").
 */
#ifndef TLSVPN_ADDR_H
#define TLSVPN_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct ip_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct ip_prefix {
	struct ip_addr addr;
	unsigned len; /* 0..32 or 0..128 */
};

#define ADDR_STRLEN	46  /* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN	50  /* address + "/128" */
#define ADDR_SOCKSTRLEN 56  /* "[" address "]:65535" */
#define ADDR_HOSTLEN	256 /* enough for any host accepted by addr_hostport_parse */

/* IPv4 or IPv6 literal, nothing else (no zone, no whitespace). */
bool addr_parse(const char *s, struct ip_addr *out);

/* "10.8.0.0/24", "fd00:8::/64": prefix length required, decimal without
 * leading zeros, within the family's range. Host bits may be set: see
 * addr_prefix_is_network and addr_prefix_mask. */
bool addr_prefix_parse(const char *s, struct ip_prefix *out);

bool addr_prefix_is_network(const struct ip_prefix *p); /* host bits all zero */
void addr_prefix_mask(struct ip_prefix *p);		/* clear host bits */

/* Format into buf[0..len) and return buf. With len < ADDR_STRLEN
 * (PREFIX_STRLEN, ADDR_SOCKSTRLEN) output that does not fit becomes "?"
 * (or "" when len < 2). An unknown family formats as "?". */
const char *addr_format(const struct ip_addr *a, char *buf, size_t len);
const char *addr_prefix_format(const struct ip_prefix *p, char *buf, size_t len);

bool addr_equal(const struct ip_addr *a, const struct ip_addr *b);
bool addr_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
bool addr_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b);

/*
 * Splits "host", "host:port", "[v6]:port", "[v6]" or a bare IPv6 literal (no
 * port possible) into host (without brackets, NUL-terminated in
 * host[0..host_len)) and *port (default_port when none is given). 0, or
 * -EINVAL for an empty host, a port that is 0, > 65535 or not decimal, a host
 * name with characters outside [A-Za-z0-9.-], empty or over-long labels, a
 * numeric-looking name that is no valid IPv4 literal ("10.8.0.300"), or a
 * host that does not fit host_len.
 */
int addr_hostport_parse(const char *s, uint16_t default_port, char *host, size_t host_len,
			uint16_t *port);

/* 0, or -EAFNOSUPPORT for an unknown family. port in host byte order. */
int addr_to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss,
		     socklen_t *len);

/* 0, or -EAFNOSUPPORT. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a
 * dual-stack socket reports IPv4 peers) comes back as AF_INET. port may be
 * NULL. */
int addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *a, uint16_t *port);

/* "1.2.3.4:5" or "[::1]:5" into buf (ADDR_SOCKSTRLEN); returns buf. */
const char *addr_sockaddr_format(const struct sockaddr *sa, char *buf, size_t len);

/* Address pools. nth: the network address of p plus n: 0, or -ERANGE when n is
 * past the end of p. offset: the inverse, n such that nth(p, n) == a, or
 * UINT64_MAX when a is outside p or its offset does not fit in 64 bits.
 * count: addresses in p, UINT64_MAX when 2^64 or more. */
int addr_prefix_nth(const struct ip_prefix *p, uint64_t n, struct ip_addr *out);
uint64_t addr_prefix_offset(const struct ip_prefix *p, const struct ip_addr *a);
uint64_t addr_prefix_count(const struct ip_prefix *p);

/* Hash of family and address for the session table; equal addresses hash
 * equal. Not keyed: the table's keys are addresses the server assigns. */
uint32_t addr_hash(const struct ip_addr *a);

#endif /* TLSVPN_ADDR_H */
