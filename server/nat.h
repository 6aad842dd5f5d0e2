/* The server's NAT: masquerade the client pools out of the uplink.
 *
 * One nftables table per server instance (default name NAT_TABLE_DEFAULT),
 * owned by this module: nat_setup() replaces it atomically with
 * "add table; delete table; table {...}", so a server restarted after
 * kill -9 drops its own stale table, and nat_remove() deletes it. Nothing else
 * in the ruleset is touched. IPv4 pool: table "ip T"; IPv6 pool (NAT66): table
 * "ip6 T" -- two family tables because the "inet" family got NAT only in
 * later kernels and separate tables keep each family's rules self-contained. */
#ifndef TLSVPN_NAT_H
#define TLSVPN_NAT_H

#include <stddef.h>

#include "addr.h"

#define NAT_TABLE_DEFAULT "tlsvpn"

/* Masquerades packets from pool4 (AF_INET) and, if pool6 (AF_INET6) is not
 * NULL, from pool6 leaving through out_ifname (NULL or "" = any interface other
 * than the source, i.e. no oifname match). table NULL = NAT_TABLE_DEFAULT.
 * Idempotent; when pool6 is NULL a stale ip6 table of the same name is removed.
 * 0 or -errno; err (may be NULL) names the value refused or nft's error. */
int nat_setup(const char *table, const struct ip_prefix *pool4, const struct ip_prefix *pool6,
	      const char *out_ifname, char *err, size_t len);

/* Deletes the ip and ip6 tables named table (NULL = default). Absent is not an error. */
int nat_remove(const char *table, char *err, size_t len);

#endif
