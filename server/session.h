/*
 * session: one client connection, from accept to close. State machine:
 *   HANDSHAKE (TLS) -> HELLO (wait for the client's hello) -> RELAY
 *   (config sent; packets flow; keepalive) -> closing (bye sent) -> freed.
 * One live session per certificate CN: a new one replaces the old, which
 * gets `bye replaced`. Every peer problem closes that session only, with one
 * log line naming the peer address and the reason.
 *
 * Ownership: a session owns its channel (and so the socket and tls_conn).
 * struct session_hub is owned by main and outlives every session; sessions
 * link themselves into it and free themselves (from the event loop, never
 * inside a channel callback) once their channel has closed.
 */
#ifndef TLSVPN_SERVER_SESSION_H
#define TLSVPN_SERVER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "control.h"

struct event_base;
struct channel;
struct lease_writer;
struct listener;
struct pool;
struct server_config;
struct sessions;
struct session;
struct tls_config;
struct tunio;

/* What sessions share: the server's collaborators (borrowed) and the list
 * of live sessions. */
struct session_hub {
	struct event_base *base;
	const struct server_config *cfg;
	struct tls_config *tls;
	struct pool *pool;
	struct sessions *table;
	struct tunio *tun;
	struct listener *listener;
	/* Writes the lease file off the loop. NULL without a leases file or
	 * when its thread could not start: the loop then saves by itself. */
	struct lease_writer *leases_writer;
	struct session *head;	      /* every session not yet freed */
	struct event *ev_save_leases; /* pending debounced lease save, lazily made */
	size_t n_sessions;	      /* in head */
	size_t n_clients;	      /* sessions past hello holding a lease */
	/* Called (from the loop) when the last session is freed while
	 * shutting_down is set. */
	bool shutting_down;
	void (*on_drained)(void *arg);
	void *drained_arg;
};

/* Takes ownership of fd (accepted, non-blocking). Registers with the hub.
 * 0, or -errno after closing fd (and logging why). */
int session_new(struct session_hub *hub, int fd, const struct sockaddr *peer);

/* Sends bye (when the session has reached HELLO or later) and closes
 * gracefully; a session still in its handshake is closed at once. */
void session_bye(struct session *s, enum bye_reason reason, const char *message);

/* bye shutdown to every session. */
void session_shutdown_all(struct session_hub *hub);
/* Frees every session at once, without goodbyes (at exit, after the
 * loop has stopped). */
void session_free_all(struct session_hub *hub);
/* After a CRL reload: bye revoked to every session whose certificate the
 * CRL now lists. Returns how many were kicked. */
size_t session_kick_revoked(struct session_hub *hub);

/* For the relay. */
struct channel *session_channel(struct session *s);
const struct ip_addr *session_addr4(const struct session *s);
const struct ip_addr *session_addr6(const struct session *s); /* NULL: no IPv6 */
const char *session_cn(const struct session *s);
/* Relay drop counters, kept per session for the log line at close. */
void session_count_spoofed(struct session *s);
void session_count_c2c(struct session *s);

#endif
