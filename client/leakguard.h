/* The client's leak guard: with redirect-gateway and no IPv6 pushed by the
 * server, IPv6 would leave by the physical interface around the IPv4-only
 * tunnel. This drops all IPv6 output except loopback, the tunnel, and the
 * server's own address when the server is reached over IPv6.
 *
 * Owns one nftables table "ip6 T" (default LEAKGUARD_TABLE_DEFAULT), replaced
 * atomically by leakguard_block_ipv6() and deleted by leakguard_remove(); the
 * rest of the ruleset is untouched. The table's own output chain drops; an
 * accept in somebody else's base chain cannot override that drop (every base
 * chain on the hook must accept), so other firewall rules cannot reopen the leak. */
#ifndef TLSVPN_LEAKGUARD_H
#define TLSVPN_LEAKGUARD_H

#include <stddef.h>

#include "addr.h"

#define LEAKGUARD_TABLE_DEFAULT "tlsvpn_leakguard"

/* table NULL = default. tun_ifname must be a valid interface name. server may
 * be NULL or IPv4 (nothing to allow) or IPv6 (allowed out on any interface).
 * Idempotent. 0 or -errno; err (may be NULL) names the value refused. */
int leakguard_block_ipv6(const char *table, const char *tun_ifname, const struct ip_addr *server,
			 char *err, size_t len);

/* Deletes the table (NULL = default). Absent is not an error. */
int leakguard_remove(const char *table, char *err, size_t len);

#endif
