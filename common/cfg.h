/*
 * JSON config and profile loading helpers (jansson), with error messages that name
 * the file, the key path and what was expected:
 *   server.json: pool.ipv4: expected a prefix like 10.8.0.0/24, got "10.8.0.300/24"
 *   server.json:3:17: end of file expected near '}'
 *
 * A struct cfg carries the file name shown in messages and the text of the last
 * failure; the modules that read a given schema (server config, client profile) call
 * the typed getters and, on any negative return, report c->err as is.
 *
 * Key paths: path is the dotted path of obj ("" for the top level, "pool",
 * "remotes[2]"); messages show path.key, or just key at the top level. key may be NULL
 * in the *_value getters (the value itself is at path).
 */
#ifndef TLSVPN_CFG_H
#define TLSVPN_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"

/* Largest config or profile file accepted. */
#define CFG_MAX_FILE_SIZE (1024 * 1024)

struct cfg {
	const char *file; /* name shown in messages (borrowed); NULL shows "config" */
	char err[512];	  /* text of the last failure, "" if none */
};

/*
 * Loads a JSON object from path. If c->file is NULL it is set to path (which must
 * then outlive c). Returns a new reference the caller json_decref()s, or NULL with
 * c->err set: cannot open/read, larger than CFG_MAX_FILE_SIZE, syntax error (with
 * line:column), duplicate key, top level not an object.
 */
json_t *cfg_load_file(struct cfg *c, const char *path);
/* Same from memory; text need not be NUL-terminated. */
json_t *cfg_load_buffer(struct cfg *c, const char *text, size_t len);

/*
 * Typed getters. Each returns 0 if the key is present and valid (*out set), 1 if it is
 * absent and !required (*out untouched), -EINVAL with c->err set otherwise (missing
 * required key, wrong type, out of range, malformed). A JSON null counts as present
 * and of the wrong type. Strings returned are borrowed from obj.
 */
int cfg_string(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       const char **out);
int cfg_uint(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     unsigned long min, unsigned long max, unsigned long *out);
int cfg_bool(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     bool *out);
int cfg_object(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       json_t **out);
int cfg_array(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	      json_t **out);
int cfg_addr(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	     struct ip_addr *out);
/* must_be_network: host bits must be zero (a route, a pool), e.g. not 10.8.0.1/24. */
int cfg_prefix(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
	       struct ip_prefix *out, bool must_be_network);
/* "host", "host:port", "[v6addr]:port"; host copied into host[host_len]. */
int cfg_hostport(struct cfg *c, json_t *obj, const char *path, const char *key, bool required,
		 uint16_t default_port, char *host, size_t host_len, uint16_t *port);

/*
 * The same checks on a value already in hand (an array element): 0 or -EINVAL with
 * c->err naming path[.key]. Typical loop:
 *   json_array_foreach(routes, i, v) { snprintf(p, sizeof p, "routes[%zu]", i);
 *           if (cfg_prefix_value(c, v, p, NULL, &r, true) < 0) goto fail; }
 */
int cfg_string_value(struct cfg *c, json_t *v, const char *path, const char *key, const char **out);
int cfg_addr_value(struct cfg *c, json_t *v, const char *path, const char *key,
		   struct ip_addr *out);
int cfg_prefix_value(struct cfg *c, json_t *v, const char *path, const char *key,
		     struct ip_prefix *out, bool must_be_network);

/*
 * A key of obj not in allowed[] (NULL-terminated) is an error naming it:
 *   server.json: pool.ipv44: unknown key (allowed: ipv4, ipv6)
 * Returns 0 or -EINVAL.
 */
int cfg_reject_unknown(struct cfg *c, json_t *obj, const char *path, const char *const allowed[]);

/*
 * Formats c->err as "FILE: PATH.KEY: <fmt...>" (key may be NULL, path may be "" or
 * NULL) and returns -EINVAL, so callers can write `return cfg_error(c, ...)`.
 */
int cfg_error(struct cfg *c, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * rel resolved against the directory of config_file: an absolute rel is kept, a
 * relative one is joined to dirname(config_file) ("/etc/tlsvpn/server.json" + "ca.crt"
 * -> "/etc/tlsvpn/ca.crt"; "server.json" + "ca.crt" -> "ca.crt"). Returns a malloc'd
 * string the caller frees, NULL on out of memory or a NULL/empty argument.
 */
char *cfg_resolve_path(const char *config_file, const char *rel);

/*
 * Refuses a secret file (private key, client profile) that is not a regular file or
 * that has any group/other permission bit:
 *   "key.pem: mode 0644 allows access by group or others; chmod 600 it"
 * Returns 0, -EPERM (mode, not regular) or -errno of stat(), with err (may be NULL)
 * set. Checks the file the path leads to (follows symlinks), as open() would.
 */
int cfg_check_private_file(const char *path, char *err, size_t len);

#endif
