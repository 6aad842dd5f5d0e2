/*
 * index: the model of index.json, the record of everything a PKI has issued, and its
 * JSON form. Pure: index_parse takes text, index_dump returns text; the pki module
 * does the file I/O.
 *
 * index.json (version 1):
 *   {"version": 1,
 *    "ca": {"name": "Example VPN CA", "serial": "<hex>", "not_after": "YYYYMMDDhhmmss"},
 *    "crl": {"number": 3, "this_update": "...", "next_update": "..."},
 *    "certs": [{"name": "alice", "kind": "client", "serial": "<32 hex>",
 *               "not_before": "...", "not_after": "...", "status": "valid"|"revoked",
 *               "revoked_at": "...", "reason": "keyCompromise"}]}
 * revoked_at and reason are present only on revoked entries. Times are UTC.
 * An index owns its entries; index_free(NULL) is a no-op.
 */
#ifndef TLSVPN_CERTS_INDEX_H
#define TLSVPN_CERTS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define INDEX_NAME_MAX	  64
#define INDEX_SERIAL_MAX  20 /* bytes; hex is twice that */
#define INDEX_ENTRIES_MAX 1000000

enum index_kind { INDEX_SERVER, INDEX_CLIENT };

/* What `list` shows; computed from the entry and a clock, never stored. */
enum index_state {
	INDEX_STATE_VALID,
	INDEX_STATE_EXPIRING,
	INDEX_STATE_EXPIRED,
	INDEX_STATE_REVOKED
};

#define INDEX_EXPIRING_DAYS 30

struct index_entry {
	char name[INDEX_NAME_MAX + 1];
	enum index_kind kind;
	uint8_t serial[INDEX_SERIAL_MAX];
	size_t serial_len;
	time_t not_before, not_after;
	bool revoked;
	time_t revoked_at; /* when revoked */
	int reason;	   /* enum crl_reason, when revoked */
};

struct index {
	char ca_name[INDEX_NAME_MAX + 1];
	uint8_t ca_serial[INDEX_SERIAL_MAX];
	size_t ca_serial_len;
	time_t ca_not_after;
	uint64_t crl_number; /* of the CRL last written */
	time_t crl_this_update, crl_next_update;
	struct index_entry *entries;
	size_t n_entries, cap;
};

struct index *index_new(void);
void index_free(struct index *idx);

/* Parses index.json text (len bytes, need not be NUL-terminated). On error returns
 * -EINVAL and writes a one-line reason naming the key into err. */
int index_parse(const char *text, size_t len, struct index **out, char *err, size_t err_size);

/* Returns the JSON text (NUL-terminated, free() it) or NULL when out of memory. */
char *index_dump(const struct index *idx);

/* Appends a copy of e. Returns 0, -ENOMEM, or -E2BIG past INDEX_ENTRIES_MAX. */
int index_add(struct index *idx, const struct index_entry *e);

/* The entry for name that is neither revoked nor expired at now, or NULL. When several
 * exist (only possible in a hand-edited index) the newest is returned. */
struct index_entry *index_find_live(struct index *idx, const char *name, time_t now);

enum index_state index_state(const struct index_entry *e, time_t now);
const char *index_state_name(enum index_state s);
const char *index_kind_name(enum index_kind k);

/* True when name is 1..64 of letters, digits, '.', '_', '-', does not start with '.',
 * and is not one of the PKI's own file stems (ca, crl, index). */
bool index_name_valid(const char *name);

/* Lowercase hex of a serial into out (2 * len + 1 bytes). */
void index_serial_hex(const uint8_t *serial, size_t len, char *out);

#endif
