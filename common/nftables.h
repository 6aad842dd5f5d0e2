/* libnftables glue: run one ruleset text as one atomic transaction.
 *
 * Callers build the text only from validated values (addr_prefix_format()
 * output, names checked with nftables_name_valid() / tun_name_valid()): nft
 * resolves anything that looks like a host name through DNS. DNS lookups are
 * not disabled here for that reason -- validate first. Needs CAP_NET_ADMIN.
 *
 * The table-name helpers at the end live in nftables-names.c and need no
 * libnftables: the client's leak guard talks netlink itself (leakguard.c). */
#ifndef TLSVPN_NFTABLES_H
#define TLSVPN_NFTABLES_H

#include <stdbool.h>
#include <stddef.h>

/* Runs ruleset (nft syntax, may span lines) in one transaction: all or nothing.
 * 0, or a negative errno (-EINVAL for a ruleset the parser or kernel refused,
 * -ENOMEM); err (may be NULL) then gets libnftables' error text, trimmed. */
int nftables_run(const char *ruleset, char *err, size_t err_len);

/* Runs ruleset and copies nft's output (e.g. of "list table ip T") into out,
 * NUL-terminated; -ENOSPC if it does not fit. For tests and diagnostics. */
int nftables_run_output(const char *ruleset, char *out, size_t out_len, char *err, size_t err_len);

/* True if name is usable as a table or chain name in rule text:
 * 1..NFTABLES_NAME_MAX chars, a letter first, then [A-Za-z0-9_]. */
#define NFTABLES_NAME_MAX 31
bool nftables_name_valid(const char *name);

/* For the modules that own a table (who: "nat", "leakguard"): replaces a NULL
 * *table with deflt and checks the name. 0, or -EINVAL with err naming it. */
int nftables_table_name(const char **table, const char *deflt, const char *who, char *err,
			size_t err_len);

/* Puts "WHO: WHAT table TABLE: " in front of the error already in err. */
void nftables_error_context(char *err, size_t err_len, const char *who, const char *what,
			    const char *table);

#endif
