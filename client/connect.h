/*
 * Reaching a server: the profile's remotes in order, each name resolved, each
 * address tried with a non-blocking connect() bounded by a timeout, TCP_NODELAY
 * set. When a whole round fails, the next one starts after an exponential
 * backoff with jitter (backoff.h). Driven by libevent; callbacks come only
 * from the event loop.
 *
 * Names are resolved with getaddrinfo() when a remote's turn comes (blocking,
 * but the tunnel carries no traffic then anyway); the last good answer is
 * kept, so a reconnect still finds the server when the resolver is only
 * reachable through the (down) tunnel.
 *
 * Ownership: the connector copies the remotes; a connected fd passes to the
 * owner in the connected callback.
 */
#ifndef TLSVPN_CLIENT_CONNECT_H
#define TLSVPN_CLIENT_CONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "profile.h"

struct event_base;
struct connector;

#define CONNECT_TIMEOUT_DEFAULT 10 /* seconds per address */

struct connector_callbacks {
	/* Before connecting to addr (e.g. to pin a route to it). A negative
	 * return skips this address. */
	int (*before_connect)(const struct ip_addr *addr, void *arg);
	/* A TCP connection is up. fd is non-blocking with TCP_NODELAY; the
	 * owner owns it now. label names the remote for logs ("de" or host). */
	void (*connected)(int fd, const struct profile_remote *remote, const struct ip_addr *addr,
			  void *arg);
};

struct connector *connector_new(struct event_base *base, const struct profile_remote *remotes,
				size_t n, unsigned timeout_s, uint64_t seed,
				const struct connector_callbacks *cb, void *arg);
void connector_free(struct connector *c); /* NULL ok; closes an fd in progress */

/* Starts a round at the first remote, at once. Cancels anything in progress. */
void connector_start(struct connector *c);
/* A session that had been up for up_ms was lost: starts a round at the
 * first remote, at once if the session was stable, else after the next
 * backoff delay (backoff_after_loss_ms). */
void connector_restart(struct connector *c, uint64_t up_ms);
/* The connection handed out last failed before a session was set up (TLS
 * refused, no config): go on with the next address or remote. */
void connector_next(struct connector *c);
/* A session was set up: the next backoff starts from 1 s again. */
void connector_success(struct connector *c);
/* Stops whatever is in progress. */
void connector_stop(struct connector *c);

#endif
