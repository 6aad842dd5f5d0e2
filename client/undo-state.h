/*
 * The record of what the client changed on the host, as kept in
 * /run/tlsvpn-client/: the data model and its JSON form. Pure (text in, struct
 * out and back) so that the parser can be unit-tested and fuzzed; undo.h does
 * the file I/O and carries the changes out.
 *
 * {"version": 1, "pid": 123, "netns": 4026531840, "tun": "tlsvpn0",
 *  "changes": [
 *    {"kind": "addr", "dev": "tlsvpn0", "prefix": "10.8.0.10/24"},
 *    {"kind": "route", "dst": "198.18.1.1/32", "dev": "eth0", "gw": "198.18.1.254", "metric": 0},
 *    {"kind": "nft", "table": "tlsvpn_client"},
 *    {"kind": "resolv", "path": "/etc/resolv.conf", "original": "...", "written": "..."}]}
 *
 * Changes are listed in the order they were made and undone in reverse.
 */
#ifndef TLSVPN_CLIENT_UNDO_STATE_H
#define TLSVPN_CLIENT_UNDO_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define UNDO_STATE_VERSION 1
#define UNDO_MAX_CHANGES   512
#define UNDO_TABLE_MAX	   64
#define UNDO_PATH_MAX	   256
#define UNDO_RESOLV_MAX	   (64 * 1024)

enum undo_kind { UNDO_ADDR, UNDO_ROUTE, UNDO_NFT, UNDO_RESOLV };

struct undo_change {
	enum undo_kind kind;
	char dev[IFNAMSIZ];	    /* ADDR, ROUTE: the interface */
	struct ip_prefix prefix;    /* ADDR: address/len; ROUTE: destination */
	bool has_gw;		    /* ROUTE */
	struct ip_addr gw;	    /* ROUTE */
	uint32_t metric;	    /* ROUTE */
	char table[UNDO_TABLE_MAX]; /* NFT: table name (family inet) */
	char path[UNDO_PATH_MAX];   /* RESOLV: the file rewritten */
	char *original, *written;   /* RESOLV: owned by the change, NUL-terminated */
};

struct undo_state {
	long pid;	/* the client that made the changes */
	uint64_t netns; /* inode of its network namespace */
	char tun[IFNAMSIZ];
	struct undo_change *changes; /* owned array */
	size_t n, cap;
};

void undo_state_init(struct undo_state *s);
/* Frees the changes (and their strings); s itself is the caller's. */
void undo_state_clear(struct undo_state *s);

/* Appends a copy of c (its strings are duplicated). 0, -ENOMEM or -E2BIG. */
int undo_state_push(struct undo_state *s, const struct undo_change *c);
/* Drops the last change (a change that turned out not to be made). */
void undo_state_pop(struct undo_state *s);

/* Checks the fields a change of its kind uses. Returns NULL or what is wrong. */
const char *undo_change_invalid(const struct undo_change *c);

/*
 * Parses a state file. file names it in errors. 0 with *out filled (clear it
 * with undo_state_clear), or -EINVAL with err naming the key and the problem.
 */
int undo_state_parse(const char *file, const char *text, size_t len, struct undo_state *out,
		     char *err, size_t err_len);

/* Renders s as JSON. Returns a malloc'd string (caller frees) or NULL. */
char *undo_state_render(const struct undo_state *s);

/* One line describing a change for logs and --cleanup output, e.g.
 * "route 0.0.0.0/1 dev tlsvpn0". Returns buf. */
const char *undo_change_describe(const struct undo_change *c, char *buf, size_t len);

#endif
