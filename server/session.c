/*
 * session: one client connection (see session.h).
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "channel.h"
#include "server-config.h"
#include "frame.h"
#include "lease-writer.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "session.h"
#include "sessions.h"
#include "tls.h"
#include "tunio.h"

enum sstate { S_HANDSHAKE, S_HELLO, S_RELAY, S_CLOSING };

struct session {
	struct session_hub *hub;
	struct session *next, *prev;
	struct channel *ch;
	enum sstate state;
	struct ip_addr peer_addr;
	char peer[ADDR_SOCKSTRLEN];
	char cn[POOL_MAX_CN + 1];
	char qcn[LOG_QUOTE_MAX(POOL_MAX_CN)]; /* cn quoted for logs */

	bool handshaking; /* counted by the listener */
	bool cn_registered, addrs_registered, holds_lease, counted_client;
	struct ip_addr addr4, addr6;
	bool has_addr6;

	struct event *ev_timer; /* hello deadline, then keepalive ticks */
	struct event *ev_free;
	uint64_t last_rx_us, started_us;
	uint64_t ping_seq;
	uint64_t drops_spoofed, drops_c2c;
	bool warned_unknown_type;
	char close_reason[300]; /* set when we end the session, else the channel's */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *quoted(const char *s, char *buf, size_t len)
{
	return log_quote(s, buf, len);
}

/* Drops every registration: table entries, lease, counters. Idempotent;
 * called at replacement (the new session takes over at once) and at close. */
static void detach(struct session *s)
{
	struct session_hub *hub = s->hub;
	if (s->handshaking) {
		s->handshaking = false;
		listener_handshake_done(hub->listener, &s->peer_addr);
	}
	if (s->addrs_registered) {
		sessions_del_addr(hub->table, &s->addr4, s);
		if (s->has_addr6)
			sessions_del_addr(hub->table, &s->addr6, s);
		s->addrs_registered = false;
	}
	if (s->cn_registered) {
		sessions_del_cn(hub->table, s->cn, s);
		s->cn_registered = false;
	}
	if (s->holds_lease) {
		pool_release(hub->pool, s->cn);
		s->holds_lease = false;
	}
	if (s->counted_client) {
		hub->n_clients--;
		s->counted_client = false;
	}
}

static void end(struct session *s, bool graceful, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void end(struct session *s, bool graceful, const char *fmt, ...)
{
	if (s->close_reason[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->close_reason, sizeof s->close_reason, fmt, ap);
		va_end(ap);
	}
	s->state = S_CLOSING;
	event_del(s->ev_timer);
	channel_close(s->ch, graceful);
}

static void send_bye(struct session *s, enum bye_reason reason, const char *message)
{
	struct control_msg m;
	control_bye_init(&m, reason, message);
	channel_send_control(s->ch, &m);
	channel_flush(s->ch);
}

void session_bye(struct session *s, enum bye_reason reason, const char *message)
{
	if (s->state == S_CLOSING)
		return;
	if (s->state == S_HANDSHAKE) {
		end(s, false, "%s", control_bye_reason_name(reason));
		return;
	}
	send_bye(s, reason, message);
	char q[300];
	end(s, true, "bye %s%s%s", control_bye_reason_name(reason), message ? " " : "",
	    message ? quoted(message, q, sizeof q) : "");
}

static void on_free(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct session_hub *hub = s->hub;
	detach(s);
	if (s->prev)
		s->prev->next = s->next;
	else
		hub->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	hub->n_sessions--;
	channel_free(s->ch);
	event_free(s->ev_timer);
	event_free(s->ev_free);
	free(s);
	if (hub->shutting_down && hub->n_sessions == 0 && hub->on_drained)
		hub->on_drained(hub->drained_arg);
}

static void on_closed(struct channel *ch, int err, const char *why, void *arg)
{
	struct session *s = arg;
	const char *reason = s->close_reason[0] ? s->close_reason : why;
	char q[LOG_QUOTE_MAX(300)];
	if (s->cn[0] == '\0') {
		log_info("event=handshake_failed peer=%s reason=%s", s->peer,
			 quoted(reason, q, sizeof q));
	} else {
		const struct channel_stats *st = channel_stats(ch);
		log_info("event=session_closed peer=%s cn=%s reason=%s duration_s=%llu "
			 "rx_bytes=%llu tx_bytes=%llu tx_gso=%llu tx_segmented=%llu "
			 "drops_queue=%llu drops_spoofed=%llu drops_c2c=%llu",
			 s->peer, s->qcn, quoted(reason, q, sizeof q),
			 (unsigned long long)((now_us() - s->started_us) / 1000000u),
			 (unsigned long long)st->rx_bytes, (unsigned long long)st->tx_bytes,
			 (unsigned long long)st->tx_gso, (unsigned long long)st->tx_segmented,
			 (unsigned long long)st->drops_queue_full,
			 (unsigned long long)s->drops_spoofed, (unsigned long long)s->drops_c2c);
	}
	s->state = S_CLOSING;
	event_del(s->ev_timer);
	detach(s);
	/* never free inside the channel's own callback */
	event_active(s->ev_free, EV_TIMEOUT, 0);
}

static void on_ready(struct channel *ch, void *arg)
{
	struct session *s = arg;
	struct tls_conn *tls = channel_tls(ch);
	if (s->handshaking) {
		s->handshaking = false;
		listener_handshake_done(s->hub->listener, &s->peer_addr);
	}
	const char *cn = tls_conn_peer_cn(tls);
	if (cn == NULL || strlen(cn) > POOL_MAX_CN) {
		end(s, false, "client certificate has no usable common name");
		return;
	}
	snprintf(s->cn, sizeof s->cn, "%s", cn);
	const char *q = quoted(s->cn, s->qcn, sizeof s->qcn);
	if (q != s->qcn)
		snprintf(s->qcn, sizeof s->qcn, "%s", q);
	log_info("event=handshake_done peer=%s cn=%s version=%s suite=%s resumed=%s", s->peer,
		 s->qcn, tls_conn_version(tls), tls_conn_ciphersuite(tls),
		 tls_conn_resumed(tls) ? "yes" : "no");
	s->state = S_HELLO;
	struct timeval tv = {s->hub->cfg->handshake_timeout, 0};
	event_add(s->ev_timer, &tv);
}

static void fill_config(struct session *s, uint32_t version, struct control_config *c)
{
	const struct server_config *cfg = s->hub->cfg;
	memset(c, 0, sizeof *c);
	c->version = version;
	c->ipv4.addr = s->addr4;
	c->ipv4.len = cfg->pool4.len;
	c->gateway4 = *pool_gateway4(s->hub->pool);
	if (s->has_addr6) {
		c->has_ipv6 = true;
		c->ipv6.addr = s->addr6;
		c->ipv6.len = cfg->pool6.len;
		c->gateway6 = *pool_gateway6(s->hub->pool);
	}
	c->mtu = cfg->mtu;
	memcpy(c->routes, cfg->routes, cfg->n_routes * sizeof cfg->routes[0]);
	c->n_routes = cfg->n_routes;
	c->redirect_gateway = cfg->redirect_gateway;
	memcpy(c->dns, cfg->dns, cfg->n_dns * sizeof cfg->dns[0]);
	c->n_dns = cfg->n_dns;
	c->keepalive_interval = cfg->keepalive_interval;
	c->keepalive_timeout = cfg->keepalive_timeout;
}

/* Serialising is fast and needs the pool, so it happens here; the writer
 * thread does the slow part (write, fsync, rename, fsync the directory) and
 * logs its own failures. Without a writer the loop writes, as at exit. */
static void save_leases(evutil_socket_t fd, short what, void *arg)
{
	struct session_hub *hub = arg;
	char err[256], q[LOG_QUOTE_MAX(256)];
	if (hub->leases_writer == NULL) {
		if (pool_save(hub->pool, err, sizeof err) < 0)
			log_warn("event=leases_save_failed error=%s", log_quote(err, q, sizeof q));
	} else {
		char *text = pool_serialize(hub->pool, err, sizeof err);
		if (text != NULL)
			lease_writer_put(hub->leases_writer, text);
		else
			log_warn("event=leases_save_failed error=%s", log_quote(err, q, sizeof q));
	}
	/* A save builds and frees a tree as large as the lease table: give the
	 * freed heap back, or bursts of connects ratchet up idle memory. */
	malloc_trim(0);
}

/* New leases are written within a second, not on every connect: a burst of
 * a thousand clients costs a few writes instead of a thousand rewrites of an
 * ever larger file. A crash inside that second (or while the writer thread
 * is still writing) loses only the newest leases; those clients most likely
 * get the same free address again. */
static void schedule_lease_save(struct session_hub *hub)
{
	if (hub->ev_save_leases == NULL)
		hub->ev_save_leases = evtimer_new(hub->base, save_leases, hub);
	if (hub->ev_save_leases == NULL) {
		save_leases(-1, 0, hub);
		return;
	}
	if (!evtimer_pending(hub->ev_save_leases, NULL)) {
		struct timeval tv = {1, 0};
		evtimer_add(hub->ev_save_leases, &tv);
	}
}

/* A new lease is not on disk yet; nor, after a failed write, is the last
 * one: like a dirty pool, that failure makes the next client save again. */
static bool leases_unsaved(const struct session_hub *hub)
{
	return pool_dirty(hub->pool) ||
	       (hub->leases_writer != NULL && lease_writer_failed(hub->leases_writer, NULL, 0));
}

/* Takes over the CN from an older session, enforces max_clients, leases
 * addresses and registers them. 0, or a bye reason (> 0) with why set. */
static int admit(struct session *s, char *why, size_t why_len)
{
	struct session_hub *hub = s->hub;
	struct session *old = sessions_find_cn(hub->table, s->cn);
	if (old != NULL) {
		detach(old); /* its lease and addresses pass to s right now */
		session_bye(old, BYE_REPLACED, "a newer session with the same certificate");
	} else if (hub->n_clients >= hub->cfg->max_clients) {
		snprintf(why, why_len, "server full (%u clients)", hub->cfg->max_clients);
		return BYE_SERVER_FULL;
	}
	struct ip_addr v6;
	memset(&v6, 0, sizeof v6);
	int rc = pool_lease(hub->pool, s->cn, &s->addr4, &v6);
	if (rc < 0) {
		snprintf(why, why_len, "%s",
			 rc == -ENOSPC ? "address pool exhausted" : "cannot lease an address");
		return BYE_POOL_EXHAUSTED;
	}
	s->holds_lease = true;
	s->has_addr6 = hub->cfg->has_pool6 && v6.family == AF_INET6;
	s->addr6 = v6;
	if (sessions_add_cn(hub->table, s->cn, s) < 0 ||
	    sessions_add_addr(hub->table, &s->addr4, s) < 0) {
		snprintf(why, why_len, "session table full or address in use");
		return BYE_SERVER_FULL;
	}
	s->cn_registered = true;
	s->addrs_registered = true;
	if (s->has_addr6 && sessions_add_addr(hub->table, &s->addr6, s) < 0) {
		sessions_del_addr(hub->table, &s->addr4, s);
		s->addrs_registered = false;
		snprintf(why, why_len, "session table full or address in use");
		return BYE_SERVER_FULL;
	}
	s->counted_client = true;
	hub->n_clients++;
	if (leases_unsaved(hub))
		schedule_lease_save(hub);
	return 0;
}

static void handle_hello(struct session *s, const struct control_hello *h)
{
	uint32_t version;
	char why[300], q[LOG_QUOTE_MAX(64)];
	if (control_negotiate_version(h, CONTROL_PROTOCOL_VERSION, CONTROL_PROTOCOL_VERSION,
				      &version) < 0) {
		snprintf(why, sizeof why, "client speaks versions %u..%u, server %u",
			 h->min_version, h->version, CONTROL_PROTOCOL_VERSION);
		session_bye(s, BYE_UNSUPPORTED_VERSION, why);
		return;
	}
	int reason = admit(s, why, sizeof why);
	if (reason > 0) {
		session_bye(s, (enum bye_reason)reason, why);
		return;
	}
	struct control_msg m;
	m.type = CONTROL_CONFIG;
	fill_config(s, version, &m.u.config);
	/* GSO frames both ways once the client offers them and we may */
	bool gso = s->hub->cfg->tun_offload &&
		   control_has_feature(h->features, h->n_features, CONTROL_FEATURE_GSO);
	if (gso) {
		snprintf(m.u.config.features[0], sizeof m.u.config.features[0], "%s",
			 CONTROL_FEATURE_GSO);
		m.u.config.n_features = 1;
	}
	if (channel_send_control(s->ch, &m) < 0) {
		end(s, false, "cannot encode config");
		return;
	}
	if (gso && channel_enable_gso(s->ch, s->hub->cfg->mtu) < 0) {
		end(s, false, "out of memory for GSO frames");
		return;
	}
	channel_flush(s->ch);
	s->state = S_RELAY;
	struct timeval tv = {s->hub->cfg->keepalive_interval, 0};
	event_add(s->ev_timer, &tv);
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN] = "none";
	addr_format(&s->addr4, a4, sizeof a4);
	if (s->has_addr6)
		addr_format(&s->addr6, a6, sizeof a6);
	log_info("event=client_connected peer=%s cn=%s ipv4=%s ipv6=%s version=%u gso=%s "
		 "software=%s",
		 s->peer, s->qcn, a4, a6, version, gso ? "yes" : "no",
		 quoted(h->software, q, sizeof q));
}

static void handle_control(struct session *s, const struct frame *f)
{
	struct control_msg m;
	char err[256];
	if (control_parse(f->payload, f->len, &m, err, sizeof err) < 0) {
		session_bye(s, BYE_PROTOCOL_ERROR, err);
		return;
	}
	if (s->state == S_HELLO) {
		if (m.type != CONTROL_HELLO) {
			snprintf(err, sizeof err, "expected hello, got %s", m.type_name);
			session_bye(s, BYE_PROTOCOL_ERROR, err);
			return;
		}
		handle_hello(s, &m.u.hello);
		return;
	}
	switch (m.type) {
	case CONTROL_PING:
		m.type = CONTROL_PONG;
		channel_send_control(s->ch, &m);
		channel_flush(s->ch);
		return;
	case CONTROL_PONG:
		log_debug("event=pong cn=%s rtt_us=%llu", s->qcn,
			  (unsigned long long)(now_us() - m.u.ping.time_us));
		return;
	case CONTROL_BYE: {
		char q[LOG_QUOTE_MAX(256)];
		end(s, true, "client said bye %s %s", control_bye_reason_name(m.u.bye.reason),
		    quoted(m.u.bye.message, q, sizeof q));
		return;
	}
	default:
		/* unknown or out-of-place types are ignored: a newer peer may send them */
		if (!s->warned_unknown_type) {
			char q[LOG_QUOTE_MAX(32)];
			log_info("event=control_ignored peer=%s cn=%s type=%s", s->peer, s->qcn,
				 quoted(m.type_name, q, sizeof q));
			s->warned_unknown_type = true;
		}
		return;
	}
}

static void on_frame(struct channel *ch, const struct frame *f, void *arg)
{
	struct session *s = arg;
	if (s->state == S_CLOSING)
		return;
	s->last_rx_us = now_us();
	if (f->kind == FRAME_CONTROL) {
		handle_control(s, f);
		return;
	}
	if (s->state != S_RELAY) {
		session_bye(s, BYE_PROTOCOL_ERROR, "IP packet before config");
		return;
	}
	if (f->kind == FRAME_GSO)
		tunio_from_client_gso(s->hub->tun, s, f->payload, f->len);
	else
		tunio_from_client(s->hub->tun, s, f->payload, f->len);
}

static void on_frames_end(struct channel *ch, void *arg)
{
	struct session *s = arg;
	tunio_flush(s->hub->tun);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	const struct server_config *cfg = s->hub->cfg;
	if (s->state == S_HELLO) {
		char why[64];
		snprintf(why, sizeof why, "no hello within %u s", cfg->handshake_timeout);
		session_bye(s, BYE_PROTOCOL_ERROR, why);
		return;
	}
	if (s->state != S_RELAY)
		return;
	uint64_t now = now_us();
	if (now - s->last_rx_us > (uint64_t)cfg->keepalive_timeout * 1000000u) {
		char why[64];
		snprintf(why, sizeof why, "nothing received for %u s", cfg->keepalive_timeout);
		session_bye(s, BYE_IDLE, why);
		return;
	}
	struct control_msg m;
	memset(&m, 0, sizeof m);
	m.type = CONTROL_PING;
	m.u.ping.seq = ++s->ping_seq;
	m.u.ping.time_us = now;
	channel_send_control(s->ch, &m);
	channel_flush(s->ch);
	channel_trim(s->ch); /* idle clients stay cheap */
	struct timeval tv = {cfg->keepalive_interval, 0};
	event_add(s->ev_timer, &tv);
}

static const struct channel_callbacks callbacks = {
    .on_ready = on_ready,
    .on_frame = on_frame,
    .on_frames_end = on_frames_end,
    .on_closed = on_closed,
};

int session_new(struct session_hub *hub, int fd, const struct sockaddr *peer)
{
	struct session *s = calloc(1, sizeof *s);
	struct tls_conn *tls = NULL;
	int rc = -ENOMEM;
	if (s == NULL)
		goto fail;
	s->hub = hub;
	addr_sockaddr_format(peer, s->peer, sizeof s->peer);
	addr_from_sockaddr(peer, &s->peer_addr, NULL);
	s->handshaking = true;
	s->started_us = s->last_rx_us = now_us();
	s->ev_timer = evtimer_new(hub->base, on_timer, s);
	s->ev_free = event_new(hub->base, -1, 0, on_free, s);
	if (s->ev_timer == NULL || s->ev_free == NULL)
		goto fail;
	rc = tls_conn_new(hub->tls, fd, &tls);
	if (rc < 0)
		goto fail;
	size_t max_frame =
	    hub->cfg->mtu > CONTROL_MAX_PAYLOAD ? hub->cfg->mtu : CONTROL_MAX_PAYLOAD;
	s->ch = channel_new(hub->base, fd, tls, &callbacks, s, hub->cfg->queue_bytes, max_frame);
	fd = -1; /* the channel owns fd and tls now, even on failure */
	tls = NULL;
	if (s->ch == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	struct timeval tv = {hub->cfg->handshake_timeout, 0};
	channel_set_handshake_timeout(s->ch, &tv);
	s->next = hub->head;
	if (hub->head)
		hub->head->prev = s;
	hub->head = s;
	hub->n_sessions++;
	return 0;
fail:
	log_warn("event=connection_refused peer=%s reason=%s", s ? s->peer : "?",
		 rc == -ENOMEM ? "out_of_memory" : "tls_setup_failed");
	tls_conn_free(tls);
	if (fd >= 0)
		close(fd);
	if (s != NULL) {
		if (s->handshaking)
			listener_handshake_done(hub->listener, &s->peer_addr);
		if (s->ev_timer)
			event_free(s->ev_timer);
		if (s->ev_free)
			event_free(s->ev_free);
		free(s);
	}
	return rc;
}

void session_shutdown_all(struct session_hub *hub)
{
	for (struct session *s = hub->head; s != NULL; s = s->next)
		session_bye(s, BYE_SHUTDOWN, "server shutting down");
}

void session_free_all(struct session_hub *hub)
{
	hub->on_drained = NULL;
	while (hub->head != NULL)
		on_free(-1, 0, hub->head);
	if (hub->ev_save_leases != NULL) {
		/* the caller stops the writer, then saves the leases itself */
		event_free(hub->ev_save_leases);
		hub->ev_save_leases = NULL;
	}
}

size_t session_kick_revoked(struct session_hub *hub)
{
	size_t n = 0;
	for (struct session *s = hub->head; s != NULL; s = s->next) {
		if (s->state != S_HELLO && s->state != S_RELAY)
			continue;
		const mbedtls_x509_crt *crt = tls_conn_peer_cert(channel_tls(s->ch));
		if (crt != NULL && tls_config_cert_revoked(hub->tls, crt)) {
			session_bye(s, BYE_REVOKED, "certificate revoked");
			n++;
		}
	}
	return n;
}

struct channel *session_channel(struct session *s)
{
	return s->ch;
}

const struct ip_addr *session_addr4(const struct session *s)
{
	return &s->addr4;
}

const struct ip_addr *session_addr6(const struct session *s)
{
	return s->has_addr6 ? &s->addr6 : NULL;
}

const char *session_cn(const struct session *s)
{
	return s->cn;
}

void session_count_spoofed(struct session *s)
{
	s->drops_spoofed++;
}

void session_count_c2c(struct session *s)
{
	s->drops_c2c++;
}
