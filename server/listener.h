/*
 * listener: the server's TCP port. Accepts connections (evconnlistener),
 * sets TCP_NODELAY, and enforces the handshake caps before any TLS work:
 * at most max_handshakes in progress overall and max_per_source from one
 * source address, so one host cannot lock out the rest. A refused
 * connection costs one log line and is closed. accept() failing with
 * EMFILE/ENFILE pauses accepting for a second instead of spinning.
 *
 * Ownership: the listener owns its socket; accepted fds go to accept_fn,
 * which owns them from then on and must call listener_handshake_done() once
 * per accepted fd when its handshake ends (success or not).
 */
#ifndef TLSVPN_SERVER_LISTENER_H
#define TLSVPN_SERVER_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct event_base;
struct listener;

typedef void (*listener_accept_fn)(int fd, const struct sockaddr *peer, void *arg);

/* Binds addr:port (SO_REUSEADDR) and starts accepting. NULL with err set. */
struct listener *listener_new(struct event_base *base, const struct ip_addr *addr, uint16_t port,
			      unsigned max_handshakes, unsigned max_per_source,
			      listener_accept_fn fn, void *arg, char *err, size_t len);
void listener_free(struct listener *l); /* NULL ok; closes the socket */

/* One handshake from src ended. */
void listener_handshake_done(struct listener *l, const struct ip_addr *src);

/* Stop accepting (shutdown). */
void listener_stop(struct listener *l);

#endif
