/* The server's NAT ruleset. See nat.h. */
#include "errbuf.h"
#include "nat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nftables.h"
#include "tun.h"

/* Long enough for both tables with the longest names and IPv6 prefixes. */
#define NAT_RULESET_MAX 2048

/* Formats pool (of family) as its network prefix, so rule text never holds
 * anything but addr_prefix_format() output. */
static int pool_text(const struct ip_prefix *pool, int family, const char *name, char *buf,
		     size_t buf_len, char *err, size_t len)
{
	struct ip_prefix net;
	unsigned max = family == AF_INET ? 32 : 128;

	if (!pool || pool->addr.family != family || pool->len > max) {
		errbuf_set(err, len, "nat: %s must be an %s prefix", name,
			   family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	net = *pool;
	addr_prefix_mask(&net);
	addr_prefix_format(&net, buf, buf_len);
	return 0;
}

/* Appends to out[0..out_len) at *used the text that replaces table `family T`
 * with one postrouting nat chain: masquerade what comes from the pool and does
 * not go back into it (the server relays client to client itself). pool NULL
 * only deletes the table. family is also the match keyword ("ip", "ip6"). */
static int table_text(char *out, size_t out_len, size_t *used, const char *family,
		      const char *table, const char *pool, const char *ifname)
{
	char oif[TUN_NAME_MAX + 16] = "";
	size_t room = out_len - *used;
	int n;

	if (ifname && *ifname)
		snprintf(oif, sizeof(oif), "oifname \"%s\" ", ifname);
	/* "add" first: deleting an absent table is an error and libnftables has
	 * no "delete if exists" (see DESIGN.md section 9). */
	if (!pool)
		n = snprintf(out + *used, room, "add table %s %s\ndelete table %s %s\n", family,
			     table, family, table);
	else
		n = snprintf(out + *used, room,
			     "add table %s %s\n"
			     "delete table %s %s\n"
			     "table %s %s {\n"
			     "\tchain postrouting {\n"
			     "\t\ttype nat hook postrouting priority 100; policy accept;\n"
			     "\t\t%s saddr %s %s daddr != %s %smasquerade\n"
			     "\t}\n"
			     "}\n",
			     family, table, family, table, family, table, family, pool, family,
			     pool, oif);
	if (n < 0 || (size_t)n >= room)
		return -ENOSPC;
	*used += (size_t)n;
	return 0;
}

int nat_setup(const char *table, const struct ip_prefix *pool4, const struct ip_prefix *pool6,
	      const char *out_ifname, char *err, size_t len)
{
	char text[NAT_RULESET_MAX];
	char p4[PREFIX_STRLEN], p6[PREFIX_STRLEN];
	size_t used = 0;
	int r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, NAT_TABLE_DEFAULT, "nat", err, len);
	if (r < 0)
		return r;
	if (out_ifname && *out_ifname && !tun_name_valid(out_ifname, false)) {
		errbuf_set(err, len,
			   "nat: invalid output interface \"%.40s\" (want 1-15 of [A-Za-z0-9_.-])",
			   out_ifname);
		return -EINVAL;
	}
	r = pool_text(pool4, AF_INET, "pool4", p4, sizeof(p4), err, len);
	if (r < 0)
		return r;
	if (pool6) {
		r = pool_text(pool6, AF_INET6, "pool6", p6, sizeof(p6), err, len);
		if (r < 0)
			return r;
	}

	/* Both families in one transaction; without pool6 a stale NAT66 table
	 * from an earlier configuration goes too. */
	if (table_text(text, sizeof(text), &used, "ip", table, p4, out_ifname) < 0 ||
	    table_text(text, sizeof(text), &used, "ip6", table, pool6 ? p6 : NULL, out_ifname) <
		0) {
		errbuf_set(err, len, "nat: ruleset for table %s too long", table);
		return -ENOSPC;
	}
	r = nftables_run(text, err, len);
	if (r < 0)
		nftables_error_context(err, len, "nat", "setting up", table);
	return r;
}

int nat_remove(const char *table, char *err, size_t len)
{
	char text[256];
	size_t used = 0;
	int r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, NAT_TABLE_DEFAULT, "nat", err, len);
	if (r < 0)
		return r;
	if (table_text(text, sizeof(text), &used, "ip", table, NULL, NULL) < 0 ||
	    table_text(text, sizeof(text), &used, "ip6", table, NULL, NULL) < 0)
		return -ENOSPC; /* cannot happen: names are at most 31 chars */
	r = nftables_run(text, err, len);
	if (r < 0)
		nftables_error_context(err, len, "nat", "removing", table);
	return r;
}
