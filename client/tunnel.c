#include "config.h"

#include "tunnel.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "connect.h"
#include "control.h"
#include "dns.h"
#include "frame.h"
#include "gso.h"
#include "log.h"
#include "packet.h"
#include "profile.h"
#include "routes.h"
#include "tls.h"
#include "tun.h"
#include "tunwrite.h"
#include "undo.h"

#define TUN_READ_BUDGET	      64	   /* packets per readiness event */
#define QUEUE_CAP	      (256 * 1024) /* channel out-queue, bytes */
#define SETUP_TIMEOUT_DEFAULT 15
#define HANDSHAKE_TIMEOUT     10
/* The protocol versions this client speaks: hello offers them, and a config
 * outside them is a protocol error (PROTOCOL.md section 7). */
#define VERSION_MIN CONTROL_PROTOCOL_VERSION
#define VERSION_MAX CONTROL_PROTOCOL_VERSION

enum state { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_WAIT_CONFIG, ST_UP, ST_CLOSING, ST_DONE };

struct tunnel {
	struct event_base *base;
	struct tunnel_options opt;
	struct connector *conn;
	struct routes *routes;
	struct channel *ch, *dead_ch; /* dead_ch: closed, freed from reap_ev */
	enum state state;
	bool shutting_down;
	int stop_status;
	struct ip_addr server; /* address of the current connection */
	char remote[PROFILE_NAME_MAX + PROFILE_HOST_MAX];

	bool applied; /* host changes for `config` are in place */
	struct control_config config;
	uint64_t since_us, last_rx_us, last_ping_us;
	uint64_t up_since_us; /* when the tunnel last came up */
	uint64_t ping_seq;
	bool fatal_bye; /* the server's bye says a retry cannot help */
	bool warned_unknown;

	struct event *tun_ev, *tick_ev, *reap_ev, *stop_ev;
	uint64_t tun_drops, tun_write_drops; /* write_drops: refused here */
	struct tun_writer writer;	     /* the server's packets to the TUN */
	bool gso;			     /* GSO frames agreed for the current session */
	/* one TUN read: [virtio_net_hdr] packet, or a super-packet of up to
	 * 64 KiB (the kernel's largest GSO skb) */
	uint8_t pkt[GSO_VNET_HDR_LEN + 65536];
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void stop(struct tunnel *t, int status)
{
	t->state = ST_DONE;
	t->stop_status = status;
	connector_stop(t->conn);
	event_active(t->stop_ev, EV_TIMEOUT, 0);
}

/* ---- host changes ---- */

static int apply_dns(struct tunnel *t, const struct control_config *cfg)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	char written[1024];
	if (t->opt.no_dns || cfg->n_dns == 0)
		return 0;
	if (dns_resolver_is_shared(t->opt.resolv_path)) {
		log_error(
		    "event=dns_skipped path=%s reason=\"in a network namespace without its own "
		    "resolv.conf, this file is the host's: create /etc/netns/NAME/resolv.conf "
		    "before starting the client\"",
		    t->opt.resolv_path);
		return 0;
	}
	int n = dns_render(cfg->dns, cfg->n_dns, t->opt.tun, written, sizeof(written));
	if (n < 0)
		return n;
	struct undo_change c = {.kind = UNDO_RESOLV, .written = written};
	snprintf(c.path, sizeof(c.path), "%s", t->opt.resolv_path);
	int rc = dns_read(c.path, &c.original, err, sizeof(err));
	if (rc == 0)
		rc = undo_record(t->opt.undo, &c, err, sizeof(err));
	free(c.original);
	if (rc == 0 && (rc = dns_write_in_place(c.path, written, err, sizeof(err))) != 0)
		undo_forget_last(t->opt.undo);
	if (rc != 0) {
		log_error("event=dns_failed error=%s", log_quote(err, q, sizeof(q)));
		return rc;
	}
	char a[ADDR_STRLEN];
	log_info("event=dns_set path=%s servers=%zu first=%s", c.path, cfg->n_dns,
		 addr_format(&cfg->dns[0], a, sizeof(a)));
	return 0;
}

static int apply_config(struct tunnel *t, const struct control_config *cfg)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	if (t->applied) {
		if (routes_config_equal(&t->config, cfg)) {
			log_info("event=config_unchanged");
			return 0;
		}
		log_warn("event=config_changed action=reapply");
		undo_revert_to(t->opt.undo, t->opt.nl, 0);
		routes_reset(t->routes);
		t->applied = false;
	}
	int rc = routes_apply(t->routes, cfg, &t->server, t->opt.leak_table, err, sizeof(err));
	if (rc != 0) {
		log_error("event=apply_failed error=%s", log_quote(err, q, sizeof(q)));
		return rc;
	}
	if ((rc = apply_dns(t, cfg)) != 0)
		return rc;
	t->config = *cfg;
	t->applied = true;
	return 0;
}

/* ---- session ---- */

static void send_control(struct tunnel *t, const struct control_msg *m)
{
	int rc = channel_send_control(t->ch, m);
	if (rc != 0)
		log_warn("event=control_send_failed type=%s error=\"%s\"",
			 control_type_name(m->type), strerror(-rc));
	channel_flush(t->ch);
}

static void on_ready(struct channel *ch, void *arg)
{
	struct tunnel *t = arg;
	struct tls_conn *tls = channel_tls(ch);
	log_info("event=tls_established remote=%s version=%s suite=%s resumed=%s", t->remote,
		 tls_conn_version(tls), tls_conn_ciphersuite(tls),
		 tls_conn_resumed(tls) ? "yes" : "no");
	if (tls_config_save_session(t->opt.tls, tls) != 0)
		log_debug("event=session_not_saved");
	struct control_msg m = {.type = CONTROL_HELLO};
	m.u.hello.version = VERSION_MAX;
	m.u.hello.min_version = VERSION_MIN;
	snprintf(m.u.hello.software, sizeof(m.u.hello.software), "tlsvpn-client %s",
		 PACKAGE_VERSION);
	if (t->opt.gso) {
		snprintf(m.u.hello.features[0], sizeof(m.u.hello.features[0]), "%s",
			 CONTROL_FEATURE_GSO);
		m.u.hello.n_features = 1;
	}
	t->gso = false;
	t->state = ST_WAIT_CONFIG;
	t->last_rx_us = now_us();
	send_control(t, &m);
}

static void log_config(const struct tunnel *t, const struct control_config *c)
{
	char a4[PREFIX_STRLEN], a6[PREFIX_STRLEN] = "none";
	addr_prefix_format(&c->ipv4, a4, sizeof(a4));
	if (c->has_ipv6)
		addr_prefix_format(&c->ipv6, a6, sizeof(a6));
	log_info("event=tunnel_up tun=%s ipv4=%s ipv6=%s mtu=%u gso=%s routes=%zu "
		 "redirect_gateway=%s dns=%zu keepalive=%u/%u",
		 t->opt.tun, a4, a6, c->mtu, t->gso ? "yes" : "no", c->n_routes,
		 c->redirect_gateway ? "yes" : "no", c->n_dns, c->keepalive_interval,
		 c->keepalive_timeout);
}

/*
 * The server broke PROTOCOL.md (section 6): say why in a bye protocol_error,
 * then close gracefully so that the bye is flushed before close_notify.
 * on_closed then reconnects as after any disconnect, through the connector's
 * backoff, so a server that keeps misbehaving is not hammered. Frames already
 * received behind the bad one are not delivered: the channel stops
 * delivering once it is closing.
 */
/* Says goodbye with reason and message (cut to the 255 bytes the protocol
 * allows) and closes gracefully, so the bye is flushed first. */
static void send_bye(struct tunnel *t, enum bye_reason reason, const char *why)
{
	struct control_msg m;
	control_bye_init(&m, reason, why);
	int rc = channel_send_control(t->ch, &m);
	if (rc != 0)
		log_warn("event=control_send_failed type=bye error=\"%s\"", strerror(-rc));
	channel_close(t->ch, true);
}

static void protocol_error(struct tunnel *t, const char *why)
{
	char q[LOG_QUOTE_MAX(256)];
	log_warn("event=protocol_error remote=%s error=%s action=bye", t->remote,
		 log_quote(why, q, sizeof(q)));
	send_bye(t, BYE_PROTOCOL_ERROR, why);
}

static void on_config(struct tunnel *t, const struct control_config *cfg)
{
	if (t->state != ST_WAIT_CONFIG) {
		/* A second config is out of place but harmless: PROTOCOL.md 5.2
		 * says to ignore it like an unknown type. */
		log_warn("event=unexpected_config state=%d", (int)t->state);
		return;
	}
	if (cfg->version < VERSION_MIN || cfg->version > VERSION_MAX) {
		char why[128];
		snprintf(why, sizeof(why),
			 "config.version %lu is outside the client's versions %u..%u",
			 (unsigned long)cfg->version, (unsigned)VERSION_MIN, (unsigned)VERSION_MAX);
		protocol_error(t, why);
		return;
	}
	if (t->applied && !addr_equal(&t->config.ipv4.addr, &cfg->ipv4.addr)) {
		char a[ADDR_STRLEN], b[ADDR_STRLEN];
		log_warn("event=address_changed old=%s new=%s",
			 addr_format(&t->config.ipv4.addr, a, sizeof(a)),
			 addr_format(&cfg->ipv4.addr, b, sizeof(b)));
	}
	if (apply_config(t, cfg) != 0) {
		/* PROTOCOL.md 4.3: tell the server why before leaving. */
		send_bye(t, BYE_CLIENT_EXIT, "cannot apply config");
		stop(t, 1);
		return;
	}
	/* a server may name gso only in answer to our offer */
	if (t->opt.gso &&
	    control_has_feature(cfg->features, cfg->n_features, CONTROL_FEATURE_GSO)) {
		if (channel_enable_gso(t->ch, cfg->mtu) < 0) {
			send_bye(t, BYE_CLIENT_EXIT, "out of memory for GSO frames");
			stop(t, 1);
			return;
		}
		t->gso = true;
	}
	log_config(t, cfg);
	t->state = ST_UP;
	t->last_ping_us = now_us();
	t->up_since_us = t->last_ping_us;
	connector_success(t->conn);
}

static void on_bye(struct tunnel *t, const struct control_bye *b)
{
	char q[LOG_QUOTE_MAX(256)], r[LOG_QUOTE_MAX(32)];
	log_warn("event=server_bye reason=%s message=%s",
		 log_quote(b->reason_text[0] ? b->reason_text : control_bye_reason_name(b->reason),
			   r, sizeof(r)),
		 log_quote(b->message, q, sizeof(q)));
	switch (b->reason) {
	case BYE_REVOKED:
	case BYE_KICKED:
	case BYE_REPLACED:
	case BYE_UNSUPPORTED_VERSION:
		t->fatal_bye = true;
		break;
	default:
		break;
	}
}

static void on_control(struct tunnel *t, const struct frame *f)
{
	struct control_msg m;
	char err[256], q[LOG_QUOTE_MAX(256)];
	if (control_parse(f->payload, f->len, &m, err, sizeof(err)) != 0) {
		protocol_error(t, err);
		return;
	}
	switch (m.type) {
	case CONTROL_CONFIG:
		on_config(t, &m.u.config);
		break;
	case CONTROL_PING:
		m.type = CONTROL_PONG;
		send_control(t, &m);
		break;
	case CONTROL_PONG:
		log_debug("event=pong seq=%llu rtt_us=%llu", (unsigned long long)m.u.ping.seq,
			  (unsigned long long)(now_us() - m.u.ping.time_us));
		break;
	case CONTROL_BYE:
		on_bye(t, &m.u.bye);
		break;
	default:
		if (!t->warned_unknown) {
			t->warned_unknown = true;
			log_info("event=control_ignored type=%s",
				 log_quote(m.type_name, q, sizeof(q)));
		}
	}
}

static void on_frame(struct channel *ch, const struct frame *f, void *arg)
{
	struct tunnel *t = arg;
	t->last_rx_us = now_us();
	if (f->kind == FRAME_CONTROL) {
		on_control(t, f);
		return;
	}
	if (t->state != ST_UP) {
		/* No packet flows before config: one that does is a protocol
		 * error (PROTOCOL.md 5.2), never written to the TUN. */
		t->tun_write_drops++;
		if (t->state == ST_WAIT_CONFIG)
			protocol_error(t, "IP packet before config");
		return;
	}
	if (f->kind == FRAME_GSO) {
		struct gso_packet g;
		const char *why = NULL;
		if (gso_frame_parse(f->payload, f->len, t->config.mtu, &g, &why) < 0) {
			log_debug("event=drop_malformed_gso reason=%s", why);
			t->tun_write_drops++;
			return;
		}
		tun_writer_gso(&t->writer, &g);
		return;
	}
	struct packet_info pi;
	if (packet_parse(f->payload, f->len, &pi, NULL) < 0) {
		t->tun_write_drops++; /* malformed (packet.h), as the server drops them */
		return;
	}
	tun_writer_packet(&t->writer, f->payload, &pi);
}

static void on_frames_end(struct channel *ch, void *arg)
{
	struct tunnel *t = arg;
	tun_writer_flush(&t->writer);
}

static void reap(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel *t = arg;
	channel_free(t->dead_ch);
	t->dead_ch = NULL;
}

static void on_closed(struct channel *ch, int err, const char *why, void *arg)
{
	struct tunnel *t = arg;
	enum state was = t->state;
	char q[LOG_QUOTE_MAX(256)], v[256], qv[LOG_QUOTE_MAX(256)];
	if (was == ST_HANDSHAKE) {
		tls_conn_verify_error(channel_tls(ch), v, sizeof(v));
		log_error("event=tls_failed remote=%s reason=%s", t->remote,
			  log_quote(v, qv, sizeof(qv)));
	} else if (err == -EPROTO) {
		/* The channel found a malformed frame and sent bye protocol_error:
		 * a broken server, worth more than an info line. */
		log_warn("event=disconnected remote=%s error=%d why=%s", t->remote, err,
			 log_quote(why ? why : "", q, sizeof(q)));
	} else {
		log_info("event=disconnected remote=%s error=%d why=%s", t->remote, err,
			 log_quote(why ? why : "", q, sizeof(q)));
	}
	/* Freed on the next loop turn, never inside its own callback. */
	channel_free(t->dead_ch);
	t->dead_ch = ch;
	t->ch = NULL;
	event_active(t->reap_ev, EV_TIMEOUT, 0);

	if (t->shutting_down || t->state == ST_DONE) {
		if (t->state != ST_DONE)
			stop(t, 0);
		return;
	}
	if (t->fatal_bye) {
		log_error("event=giving_up reason=\"the server refused this client\"");
		stop(t, 1);
		return;
	}
	t->state = ST_CONNECTING;
	if (was == ST_UP)
		connector_restart(t->conn, (now_us() - t->up_since_us) / 1000u);
	else
		connector_next(t->conn);
}

static const struct channel_callbacks channel_cb = {
    .on_ready = on_ready,
    .on_frame = on_frame,
    .on_frames_end = on_frames_end,
    .on_closed = on_closed,
};

static int before_connect(const struct ip_addr *addr, void *arg)
{
	struct tunnel *t = arg;
	char err[256], q[LOG_QUOTE_MAX(256)];
	int rc = routes_pin_server(t->routes, addr, err, sizeof(err));
	if (rc != 0)
		log_warn("event=server_route_failed error=%s", log_quote(err, q, sizeof(q)));
	return rc;
}

static void connected(int fd, const struct profile_remote *r, const struct ip_addr *addr, void *arg)
{
	struct tunnel *t = arg;
	char a[ADDR_STRLEN], q[LOG_QUOTE_MAX(PROFILE_NAME_MAX)];
	t->server = *addr;
	snprintf(t->remote, sizeof(t->remote), "%s",
		 log_quote(r->name[0] ? r->name : r->host, q, sizeof(q)));
	struct tls_conn *tls = NULL;
	int rc = tls_conn_new(t->opt.tls, fd, &tls);
	if (rc != 0) {
		char e[128];
		tls_strerror(rc, e, sizeof(e));
		log_error("event=tls_setup_failed addr=%s error=\"%s\"",
			  addr_format(addr, a, sizeof(a)), e);
		close(fd);
		connector_next(t->conn);
		return;
	}
	t->ch = channel_new(t->base, fd, tls, &channel_cb, t, QUEUE_CAP, FRAME_MAX_PAYLOAD);
	if (t->ch == NULL) {
		log_error("event=channel_failed error=\"out of memory\"");
		connector_next(t->conn);
		return;
	}
	struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT};
	channel_set_handshake_timeout(t->ch, &tv);
	t->state = ST_HANDSHAKE;
	t->since_us = now_us();
	t->fatal_bye = false;
}

static const struct connector_callbacks connector_cb = {
    .before_connect = before_connect,
    .connected = connected,
};

/* ---- TUN and timers ---- */

/* Queues one TUN read: 0 or -errno. */
static int send_from_tun(struct tunnel *t, uint8_t *buf, size_t n)
{
	if (!t->opt.tun_offload)
		return channel_send_packet(t->ch, buf, n);
	uint8_t *pkt;
	size_t len;
	struct gso_packet g;
	int kind = gso_from_tun_read(buf, n, &pkt, &len, &g, NULL);
	if (kind < 0)
		return kind;
	if (kind == 0)
		return channel_send_packet(t->ch, pkt, len);
	/* whole as a GSO frame when agreed, else cut by the channel */
	return channel_send_gso(t->ch, &g);
}

static void on_tun(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel *t = arg;
	bool sent = false;
	for (int i = 0; i < TUN_READ_BUDGET; i++) {
		ssize_t n = read(fd, t->pkt, sizeof(t->pkt));
		if (n <= 0)
			break;
		if (t->state != ST_UP) {
			/* Routes keep pointing here during an outage: nothing leaks,
			 * the packets are dropped as a down link would. */
			t->tun_drops++;
			continue;
		}
		/* a refusal (queue full, malformed) is counted where it happens;
		 * a super-packet cut up may have queued part of itself anyway */
		send_from_tun(t, t->pkt, (size_t)n);
		sent = true;
	}
	/* One flush per batch: many packets share a TLS record. */
	if (sent)
		channel_flush(t->ch);
}

static void send_ping(struct tunnel *t, uint64_t now)
{
	struct control_msg m = {.type = CONTROL_PING};
	m.u.ping.seq = ++t->ping_seq;
	m.u.ping.time_us = now & CONTROL_MAX_JSON_INT;
	t->last_ping_us = now;
	send_control(t, &m);
}

/* Once a second: keepalive, dead-server detection, setup deadline. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel *t = arg;
	uint64_t now = now_us();
	if (t->state == ST_WAIT_CONFIG || t->state == ST_HANDSHAKE) {
		unsigned limit =
		    t->opt.setup_timeout ? t->opt.setup_timeout : SETUP_TIMEOUT_DEFAULT;
		if (now - t->since_us > (uint64_t)limit * 1000000u) {
			log_warn("event=setup_timeout remote=%s seconds=%u", t->remote, limit);
			channel_close(t->ch, false);
		}
		return;
	}
	if (t->state != ST_UP)
		return;
	uint64_t interval = (uint64_t)t->config.keepalive_interval * 1000000u;
	uint64_t timeout = (uint64_t)t->config.keepalive_timeout * 1000000u;
	if (timeout > 0 && now - t->last_rx_us >= timeout) {
		log_warn("event=server_dead remote=%s silent_s=%llu", t->remote,
			 (unsigned long long)((now - t->last_rx_us) / 1000000u));
		channel_close(t->ch, false);
		return;
	}
	if (interval > 0 && now - t->last_ping_us >= interval)
		send_ping(t, now);
}

static void on_stop_ev(evutil_socket_t fd, short what, void *arg)
{
	struct tunnel *t = arg;
	if (t->opt.on_stop != NULL)
		t->opt.on_stop(t->stop_status, t->opt.arg);
}

struct tunnel *tunnel_new(struct event_base *base, const struct tunnel_options *opt, char *err,
			  size_t err_len)
{
	struct tunnel *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	t->base = base;
	t->opt = *opt;
	tun_writer_init(&t->writer, opt->tun_fd, opt->tun_offload);
	const struct profile *p = opt->profile;
	t->conn = connector_new(base, p->remotes, p->n_remotes, opt->connect_timeout, opt->seed,
				&connector_cb, t);
	t->routes = routes_new(opt->nl, opt->undo, opt->tun);
	t->tun_ev = event_new(base, opt->tun_fd, EV_READ | EV_PERSIST, on_tun, t);
	t->tick_ev = event_new(base, -1, EV_PERSIST, on_tick, t);
	t->reap_ev = event_new(base, -1, 0, reap, t);
	t->stop_ev = event_new(base, -1, 0, on_stop_ev, t);
	if (t->conn == NULL || t->routes == NULL || t->tun_ev == NULL || t->tick_ev == NULL ||
	    t->reap_ev == NULL || t->stop_ev == NULL) {
		snprintf(err, err_len, "out of memory");
		tunnel_free(t);
		return NULL;
	}
	return t;
}

void tunnel_start(struct tunnel *t)
{
	struct timeval sec = {.tv_sec = 1};
	event_add(t->tun_ev, NULL);
	event_add(t->tick_ev, &sec);
	t->state = ST_CONNECTING;
	connector_start(t->conn);
}

void tunnel_shutdown(struct tunnel *t)
{
	if (t->shutting_down)
		return;
	t->shutting_down = true;
	connector_stop(t->conn);
	if (t->ch != NULL && channel_is_open(t->ch)) {
		t->state = ST_CLOSING;
		send_bye(t, BYE_CLIENT_EXIT, "client stopping");
		return;
	}
	if (t->ch != NULL) {
		t->state = ST_CLOSING;
		channel_close(t->ch, false);
		return;
	}
	stop(t, 0);
}

void tunnel_free(struct tunnel *t)
{
	if (t == NULL)
		return;
	channel_free(t->ch);
	channel_free(t->dead_ch);
	connector_free(t->conn);
	routes_free(t->routes);
	struct event *evs[] = {t->tun_ev, t->tick_ev, t->reap_ev, t->stop_ev};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	uint64_t from_server = t->tun_write_drops + t->writer.stats.drops;
	const struct tun_writer_stats *w = &t->writer.stats;
	if (t->tun_drops || from_server || w->uso_writes)
		log_info("event=tunnel_stats tun_drops_while_down=%llu dropped_from_server=%llu "
			 "tun_uso_writes=%llu tun_uso_datagrams=%llu",
			 (unsigned long long)t->tun_drops, (unsigned long long)from_server,
			 (unsigned long long)w->uso_writes, (unsigned long long)w->uso_datagrams);
	free(t);
}
