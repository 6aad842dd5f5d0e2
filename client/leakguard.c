/* The client's IPv6 leak guard. See leakguard.h. */
#include "errbuf.h"
#include "leakguard.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nftables.h"
#include "tun.h"

#define LEAKGUARD_RULESET_MAX 1024

int leakguard_block_ipv6(const char *table, const char *tun_ifname, const struct ip_addr *server,
			 char *err, size_t len)
{
	char text[LEAKGUARD_RULESET_MAX];
	char allow_server[ADDR_STRLEN + 32] = "";
	int n, r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, LEAKGUARD_TABLE_DEFAULT, "leakguard", err, len);
	if (r < 0)
		return r;
	if (!tun_name_valid(tun_ifname, false)) {
		errbuf_set(err, len,
			   "leakguard: invalid tunnel interface \"%.40s\" (want 1-15 of "
			   "[A-Za-z0-9_.-])",
			   tun_ifname ? tun_ifname : "(null)");
		return -EINVAL;
	}
	if (server && server->family == AF_INET6) {
		char a[ADDR_STRLEN];

		addr_format(server, a, sizeof(a));
		snprintf(allow_server, sizeof(allow_server), "\t\tip6 daddr %s accept\n", a);
	} else if (server && server->family != AF_INET) {
		errbuf_set(err, len, "leakguard: server address has unknown family %d",
			   server->family);
		return -EINVAL;
	}

	/* Neighbour discovery stays allowed: it never leaves the link, and
	 * without it an IPv6 server (or the link itself) becomes unreachable.
	 * Router advertisements are input, so they are not affected. */
	n = snprintf(text, sizeof(text),
		     "add table ip6 %s\n"
		     "delete table ip6 %s\n"
		     "table ip6 %s {\n"
		     "\tchain output {\n"
		     "\t\ttype filter hook output priority 0; policy drop;\n"
		     "\t\toifname \"lo\" accept\n"
		     "\t\toifname \"%s\" accept\n"
		     "%s"
		     "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
		     "nd-neighbor-advert } ip6 hoplimit 255 accept\n"
		     "\t}\n"
		     "}\n",
		     table, table, table, tun_ifname, allow_server);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		errbuf_set(err, len, "leakguard: ruleset for table %s too long", table);
		return -ENOSPC;
	}
	r = nftables_run(text, err, len);
	if (r < 0)
		nftables_error_context(err, len, "leakguard", "setting up", table);
	return r;
}

int leakguard_remove(const char *table, char *err, size_t len)
{
	char text[128];
	int r;

	if (err && len > 0)
		err[0] = '\0';
	r = nftables_table_name(&table, LEAKGUARD_TABLE_DEFAULT, "leakguard", err, len);
	if (r < 0)
		return r;
	/* "add" first: libnftables has no "delete if exists". */
	snprintf(text, sizeof(text), "add table ip6 %s\ndelete table ip6 %s\n", table, table);
	r = nftables_run(text, err, len);
	if (r < 0)
		nftables_error_context(err, len, "leakguard", "removing", table);
	return r;
}
