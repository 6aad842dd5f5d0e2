/* nftables table names and error context, shared by server/nat.c (through
 * libnftables) and client/leakguard.c (straight netlink): apart from
 * nftables.c so that a program that links only this needs no libnftables.
 * See nftables.h. */
#include "errbuf.h"
#include "nftables.h"

#include <errno.h>
#include <stdio.h>

bool nftables_name_valid(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
		return false;
	for (const char *p = name; *p; p++, n++) {
		if (n >= NFTABLES_NAME_MAX)
			return false;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	}
	return true;
}

int nftables_table_name(const char **table, const char *deflt, const char *who, char *err,
			size_t err_len)
{
	if (*table == NULL)
		*table = deflt;
	if (!nftables_name_valid(*table)) {
		errbuf_set(err, err_len,
			   "%s: invalid table name \"%.40s\" (want a letter, then up to 30 of "
			   "[A-Za-z0-9_])",
			   who, *table);
		return -EINVAL;
	}
	return 0;
}

void nftables_error_context(char *err, size_t err_len, const char *who, const char *what,
			    const char *table)
{
	char nft[512];
	if (err == NULL || err_len == 0)
		return;
	snprintf(nft, sizeof(nft), "%s", err);
	errbuf_set(err, err_len, "%s: %s table %s: %s", who, what, table, nft);
}
