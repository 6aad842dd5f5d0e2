/*
 * sessions: the server's lookup tables, tunnel address -> session (the hot
 * path: one lookup per packet from the TUN) and certificate CN -> session
 * (one live session per identity).
 *
 * Open addressing with linear probing over arrays sized once at creation
 * from the client limit, so lookups, inserts and deletes never allocate.
 * The table borrows its keys' sessions and the CN strings (owned by the
 * sessions, which must unregister before they free them).
 */
#ifndef TLSVPN_SERVER_SESSIONS_H
#define TLSVPN_SERVER_SESSIONS_H

#include <stddef.h>

#include "addr.h"

struct session;
struct sessions;

/* Room for max_sessions sessions with an IPv4 and an IPv6 address each
 * (and sessions in their replacement overlap). NULL on allocation failure. */
struct sessions *sessions_new(size_t max_sessions);
void sessions_free(struct sessions *t); /* NULL ok; frees no session */

/* 0, -EEXIST (address taken), -ENOSPC (table full), -EINVAL (family). */
int sessions_add_addr(struct sessions *t, const struct ip_addr *a, struct session *s);
/* The session owning a, or NULL. */
struct session *sessions_find_addr(const struct sessions *t, const struct ip_addr *a);
/* Removes a if it maps to s (a stale delete after a replacement is a no-op). */
void sessions_del_addr(struct sessions *t, const struct ip_addr *a, const struct session *s);

/* cn is borrowed until sessions_del_cn. 0, -EEXIST, -ENOSPC. */
int sessions_add_cn(struct sessions *t, const char *cn, struct session *s);
struct session *sessions_find_cn(const struct sessions *t, const char *cn);
void sessions_del_cn(struct sessions *t, const char *cn, const struct session *s);

#endif
