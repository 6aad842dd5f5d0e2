/*
 * The server's tunnel address pool and its lease file.
 *
 * Each client identity (certificate CN) gets one host offset inside the IPv4
 * pool; with an IPv6 pool the client's IPv6 address has the same offset in
 * that prefix, so one number identifies both. Offset 1 is the server's own
 * tunnel address (the gateway); offset 0 and the IPv4 broadcast are never
 * handed out. A lease outlives its session, so a client that reconnects, or
 * comes back after a server restart (leases file), gets the same addresses.
 * Admins pin addresses per client; a pinned address is never given to anyone
 * else. When every offset is taken, the least recently used lease of a client
 * that is not connected is reused.
 *
 * The pool owns all its memory. Not thread-safe (one event loop).
 */
#ifndef TLSVPN_POOL_H
#define TLSVPN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

/* X.509 upper bound for a common name (RFC 5280 ub-common-name). */
#define POOL_MAX_CN 64

struct pool;

/*
 * v4 must be a network prefix of length 8..30; v6 (NULL for none) a network
 * prefix of length 64..126 with at least as many addresses as v4.
 * leases_path (NULL: no persistence) is copied. Returns NULL with err set.
 */
struct pool *pool_new(const struct ip_prefix *v4, const struct ip_prefix *v6,
		      const char *leases_path, char *err, size_t err_len);
void pool_free(struct pool *pool);

/* Reserves v4 for cn. Call before pool_load. 0, or -EINVAL with err set. */
int pool_pin(struct pool *pool, const char *cn, const struct ip_addr *v4, char *err,
	     size_t err_len);

/*
 * Reads the leases file if it exists. Entries that no longer fit the pool
 * (the pool changed, or a pin took the address) are dropped. A file that is
 * not valid JSON of the expected shape is an error naming the file.
 */
int pool_load(struct pool *pool, char *err, size_t err_len);

/*
 * The parser behind pool_load: the text of a leases file (len bytes, need not
 * be NUL-terminated, at most 16 MiB), with the same rules and messages, which
 * name the pool's leases path ("leases" without one). Entries parsed before an
 * error stay loaded. 0, -EINVAL with err set, or -ENOMEM.
 */
int pool_load_buffer(struct pool *pool, const char *text, size_t len, char *err, size_t err_len);

/*
 * Gives cn its addresses and marks it connected: the same ones it had before
 * when it has a lease. v6 is left untouched without an IPv6 pool.
 * 0, -EINVAL for a cn that is empty or longer than POOL_MAX_CN, -ENOSPC when
 * the pool is exhausted (every address leased to a connected client or pinned).
 */
int pool_lease(struct pool *pool, const char *cn, struct ip_addr *v4, struct ip_addr *v6);

/* Marks cn's session ended; the lease is kept. Unknown cn: no-op. */
void pool_release(struct pool *pool, const char *cn);

/* True when a lease was created or reused since the last pool_save or
 * pool_serialize: the file no longer says who has which address. (A
 * returning client's last-seen time alone does not count; it is written with
 * the next save.) */
bool pool_dirty(const struct pool *pool);

/*
 * Saving is two steps, so that the slow one can leave the event loop:
 * pool_serialize (fast, needs the pool) and pool_write_leases (fsyncs, needs
 * no pool, safe on any thread). pool_save does both at once.
 */

/* The lease file's text, NUL-terminated, ending in a newline; the caller
 * frees it. Clears the dirty flag: whoever writes the text must report a
 * failed write. NULL with err set when out of memory (the flag stays). */
char *pool_serialize(struct pool *pool, char *err, size_t err_len);

/* Replaces the file at path with len bytes of text, atomically: writes
 * path.tmp (mode 0600), fsyncs it, renames it over path, fsyncs the
 * directory. 0, or -errno with err naming path. */
int pool_write_leases(const char *path, const char *text, size_t len, char *err, size_t err_len);

/* pool_serialize and pool_write_leases to the pool's leases path, on the
 * calling thread (without a path it only clears the dirty flag). A failed
 * save leaves the pool dirty, so the next lease saves again. */
int pool_save(struct pool *pool, char *err, size_t err_len);

/* The server's own tunnel addresses (offset 1). gateway6 is NULL without v6. */
const struct ip_addr *pool_gateway4(const struct pool *pool);
const struct ip_addr *pool_gateway6(const struct pool *pool);
const struct ip_prefix *pool_prefix4(const struct pool *pool);
const struct ip_prefix *pool_prefix6(const struct pool *pool);

/* Lets an unprivileged server keep writing its leases: chowns the file if it
 * exists and remembers nothing else (the directory must be writable by uid). */
int pool_leases_chown(struct pool *pool, uid_t uid, gid_t gid);

/* Number of leases held (connected or not), for status and tests. */
size_t pool_lease_count(const struct pool *pool);

#endif
