/*
 * tlsvpn-server: command line, start-up in dependency order (config, TLS,
 * pool, TUN, NAT, listener, privilege drop, lease writer), signals, and
 * teardown.
 * Everything per client lives in session.c; the packet relay in tunio.c.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h" /* autoconf */

#include "cfg.h"
#include "channel.h"
#include "lease-writer.h"
#include "listener.h"
#include "log.h"
#include "nat.h"
#include "netlink.h"
#include "pool.h"
#include "privdrop.h"
#include "session.h"
#include "sessions.h"
#include "sysctl.h"
#include "tls.h"
#include "tun.h"
#include "server-config.h"
#include "tunio.h"

#define PROG "tlsvpn-server"
/* Warn this long before the CRL's nextUpdate. */
#define CRL_WARN_AHEAD	   (7 * 24 * 3600)
#define CRL_CHECK_INTERVAL 3600

struct server {
	struct server_config cfg;
	struct event_base *base;
	struct tls_config *tls;
	struct pool *pool;
	struct lease_writer *leases_writer;
	struct sessions *table;
	struct tunio *tun;
	struct listener *listener;
	struct session_hub hub;
	bool nat_active;
	bool served; /* the event loop ran: leases may have changed since the load */
	char tun_name[TUN_NAME_MAX + 1];
	struct event *ev_term, *ev_int, *ev_hup, *ev_crl, *ev_deadline;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -c FILE [--check]\n"
		   "  -c, --config FILE  server configuration (JSON, see tlsvpn-server(8))\n"
		   "      --check        validate the configuration and the files it names, then "
		   "exit\n"
		   "  -h, --help         this text\n"
		   "  -V, --version      print the version\n");
}

/* Loud at start and reload, and ahead of time: an expired CRL still
 * enforces the revocations it lists but should be renewed now. */
static void check_crl_expiry(struct server *srv)
{
	time_t next;
	if (!tls_config_crl_next_update(srv->tls, &next))
		return;
	char when[32];
	struct tm tm;
	gmtime_r(&next, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	time_t now = time(NULL);
	if (next <= now)
		log_error("event=crl_expired next_update=%s file=%s action=\"revocations still "
			  "enforced; renew the CRL (tlsvpn-certs) and send SIGHUP\"",
			  when, srv->cfg.crl);
	else if (next - now < CRL_WARN_AHEAD)
		log_warn("event=crl_expires_soon next_update=%s file=%s", when, srv->cfg.crl);
}

static void on_crl_timer(evutil_socket_t fd, short what, void *arg)
{
	check_crl_expiry(arg);
}

static void on_hup(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	char err[512];
	if (srv->cfg.crl == NULL) {
		log_info("event=reload crl=none");
		return;
	}
	if (tls_config_reload_crl(srv->tls, err, sizeof err) < 0) {
		char q[LOG_QUOTE_MAX(512)];
		log_error("event=crl_reload_failed error=%s action=\"old CRL stays in force\"",
			  log_quote(err, q, sizeof q));
		return;
	}
	size_t n = session_kick_revoked(&srv->hub);
	log_info("event=crl_reloaded file=%s sessions_revoked=%zu", srv->cfg.crl, n);
	check_crl_expiry(srv);
}

static void on_drained(void *arg)
{
	struct server *srv = arg;
	event_base_loopbreak(srv->base);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	log_warn("event=shutdown_timeout sessions=%zu", srv->hub.n_sessions);
	event_base_loopbreak(srv->base);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	if (srv->hub.shutting_down) {
		event_base_loopbreak(srv->base); /* second signal: now */
		return;
	}
	log_info("event=shutdown signal=%s sessions=%zu", strsignal((int)fd), srv->hub.n_sessions);
	srv->hub.shutting_down = true;
	listener_stop(srv->listener);
	event_del(srv->ev_crl);
	if (srv->hub.n_sessions == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	session_shutdown_all(&srv->hub);
	struct timeval tv = {CHANNEL_LINGER_SECONDS + 1, 0};
	event_add(srv->ev_deadline, &tv);
}

static void on_accept(int fd, const struct sockaddr *peer, void *arg)
{
	struct server *srv = arg;
	session_new(&srv->hub, fd, peer);
}

static int setup_tls(struct server *srv, char *err, size_t len)
{
	struct tls_options o;
	memset(&o, 0, sizeof o);
	o.ca_file = srv->cfg.ca;
	o.cert_file = srv->cfg.cert;
	o.key_file = srv->cfg.key;
	o.crl_file = srv->cfg.crl;
	int rc = cfg_check_private_file(srv->cfg.key, err, len);
	if (rc < 0)
		return rc;
	return tls_config_new(TLS_SERVER, &o, &srv->tls, err, len);
}

static int setup_pool(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	srv->pool = pool_new(&c->pool4, c->has_pool6 ? &c->pool6 : NULL, c->leases, err, len);
	if (srv->pool == NULL)
		return -EINVAL;
	for (size_t i = 0; i < c->n_pins; i++) {
		int rc = pool_pin(srv->pool, c->pins[i].cn, &c->pins[i].ipv4, err, len);
		if (rc < 0)
			return rc;
	}
	return pool_load(srv->pool, err, len);
}

static int setup_tun(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	char e[256];
	bool offload = false;
	int fd = c->tun_offload
		     ? tun_open_offload(c->tun_name, srv->tun_name, sizeof srv->tun_name, &offload,
					e, sizeof e)
		     : tun_open(c->tun_name, srv->tun_name, sizeof srv->tun_name, e, sizeof e);
	if (fd < 0) {
		snprintf(err, len, "TUN device %s: %s", c->tun_name, e);
		return fd;
	}
	struct netlink *nl = netlink_open(e, sizeof e);
	int rc = -EIO;
	const char *step = "netlink";
	if (nl == NULL)
		goto fail;
	int idx = netlink_link_index(srv->tun_name);
	rc = idx;
	step = "interface index";
	if (idx < 0)
		goto fail;
	struct ip_prefix gw = {.addr = *pool_gateway4(srv->pool), .len = c->pool4.len};
	step = "address";
	rc = netlink_addr_add(nl, idx, &gw);
	if (rc < 0 && rc != -EEXIST)
		goto fail;
	if (c->has_pool6) {
		gw.addr = *pool_gateway6(srv->pool);
		gw.len = c->pool6.len;
		rc = netlink_addr_add(nl, idx, &gw);
		if (rc < 0 && rc != -EEXIST)
			goto fail;
	}
	step = "MTU and link up";
	rc = netlink_link_set(nl, idx, c->mtu, true);
	if (rc < 0)
		goto fail;
	netlink_close(nl);
	struct tunio_options o = {
	    .pool4 = &c->pool4,
	    .pool6 = c->has_pool6 ? &c->pool6 : NULL,
	    .client_to_client = c->client_to_client,
	    .mtu = c->mtu,
	    .offload = offload,
	};
	srv->tun = tunio_new(srv->base, fd, srv->table, &o);
	if (srv->tun == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
fail:
	snprintf(err, len, "TUN device %s: %s: %s", srv->tun_name, step,
		 nl == NULL ? e : strerror(-rc));
	netlink_close(nl);
	close(fd);
	return rc < 0 ? rc : -EIO;
}

/* The server routes clients' packets beyond itself when it NATs them, and
 * also without NAT when it pushes routes or the default route (an office
 * gateway whose LAN routes the pool back): all of that needs forwarding. */
static int setup_forwarding(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	if (c->nat_ifname[0] == '\0' && !c->redirect_gateway && c->n_routes == 0)
		return 0;
	int rc = sysctl_write("net/ipv4/ip_forward", "1");
	if (rc == 0 && c->has_pool6)
		rc = sysctl_write("net/ipv6/conf/all/forwarding", "1");
	if (rc < 0) {
		snprintf(err, len, "cannot enable IP forwarding: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static int setup_nat(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	if (c->nat_ifname[0] == '\0')
		return 0;
	char e[512];
	int rc = nat_setup(c->nat_table, &c->pool4, c->has_pool6 ? &c->pool6 : NULL, c->nat_ifname,
			   e, sizeof e);
	if (rc < 0) {
		snprintf(err, len, "NAT: %s", e);
		return rc;
	}
	srv->nat_active = true;
	return 0;
}

static int drop_privileges(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	uid_t uid;
	gid_t gid;
	if (c->user == NULL)
		return 0;
	int rc = privdrop_lookup(c->user, c->group, &uid, &gid, err, len);
	if (rc < 0)
		return rc;
	/* the pool rewrites the leases file as the new user */
	rc = pool_leases_chown(srv->pool, uid, gid);
	if (rc < 0) {
		snprintf(err, len, "%s: chown: %s", c->leases, strerror(-rc));
		return rc;
	}
	rc = privdrop_apply(uid, gid, err, len);
	if (rc < 0)
		return rc;
	if (c->leases != NULL) {
		char *dir = strdup(c->leases);
		if (dir != NULL && access(dirname(dir), W_OK) < 0)
			log_warn("event=leases_not_writable dir=%s user=%s action=\"leases will "
				 "not be saved; make the directory writable by the user\"",
				 dirname(dir), c->user);
		free(dir);
	}
	log_info("event=privileges_dropped user=%s uid=%u gid=%u kept=CAP_NET_ADMIN", c->user,
		 (unsigned)uid, (unsigned)gid);
	return 0;
}

/* After the privilege drop: a thread keeps the credentials, capabilities and
 * no_new_privs it was created with (capset and prctl act per thread), so only
 * now does the writer run as the same user as the loop. Without one, the loop
 * saves synchronously as before: slower, not wrong. */
static void start_lease_writer(struct server *srv)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	if (srv->cfg.leases == NULL)
		return;
	srv->leases_writer = lease_writer_new(srv->cfg.leases, err, sizeof err);
	if (srv->leases_writer == NULL)
		log_warn("event=leases_writer_failed error=%s action=\"saving on the event loop\"",
			 log_quote(err, q, sizeof q));
	srv->hub.leases_writer = srv->leases_writer;
}

static int add_signal(struct server *srv, int sig, event_callback_fn fn, struct event **ev)
{
	*ev = evsignal_new(srv->base, sig, fn, srv);
	return *ev != NULL && event_add(*ev, NULL) == 0 ? 0 : -ENOMEM;
}

static int setup_events(struct server *srv, char *err, size_t len)
{
	signal(SIGPIPE, SIG_IGN);
	srv->ev_crl = event_new(srv->base, -1, EV_PERSIST, on_crl_timer, srv);
	srv->ev_deadline = evtimer_new(srv->base, on_deadline, srv);
	struct timeval tv = {CRL_CHECK_INTERVAL, 0};
	if (add_signal(srv, SIGTERM, on_term, &srv->ev_term) < 0 ||
	    add_signal(srv, SIGINT, on_term, &srv->ev_int) < 0 ||
	    add_signal(srv, SIGHUP, on_hup, &srv->ev_hup) < 0 || srv->ev_crl == NULL ||
	    srv->ev_deadline == NULL || event_add(srv->ev_crl, &tv) < 0) {
		snprintf(err, len, "cannot set up signal handlers");
		return -ENOMEM;
	}
	return 0;
}

static int start(struct server *srv, char *err, size_t len)
{
	const struct server_config *c = &srv->cfg;
	srv->base = event_base_new();
	srv->table = sessions_new(c->max_clients);
	if (srv->base == NULL || srv->table == NULL) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	int rc = setup_tun(srv, err, len);
	if (rc < 0)
		return rc;
	rc = setup_forwarding(srv, err, len);
	if (rc == 0)
		rc = setup_nat(srv, err, len);
	if (rc < 0)
		return rc;
	srv->hub = (struct session_hub){
	    .base = srv->base,
	    .cfg = c,
	    .tls = srv->tls,
	    .pool = srv->pool,
	    .table = srv->table,
	    .tun = srv->tun,
	    .on_drained = on_drained,
	    .drained_arg = srv,
	};
	srv->listener = listener_new(srv->base, &c->listen_addr, c->listen_port, c->max_handshakes,
				     c->max_handshakes_per_source, on_accept, srv, err, len);
	if (srv->listener == NULL)
		return -EADDRNOTAVAIL;
	srv->hub.listener = srv->listener;
	rc = setup_events(srv, err, len);
	if (rc < 0)
		return rc;
	rc = drop_privileges(srv, err, len);
	if (rc < 0)
		return rc;
	start_lease_writer(srv);
	return 0;
}

static void stop(struct server *srv)
{
	char err[512];
	session_free_all(&srv->hub);
	listener_free(srv->listener);
	if (srv->nat_active && nat_remove(srv->cfg.nat_table, err, sizeof err) < 0) {
		char q[LOG_QUOTE_MAX(512)];
		log_error("event=nat_remove_failed table=%s error=%s", srv->cfg.nat_table,
			  log_quote(err, q, sizeof q));
	}
	/* The writer's last text is older than the pool: let it land (or fail)
	 * first, so that it cannot overwrite the final save below (nor share
	 * leases.json.tmp with it). */
	lease_writer_stop(srv->leases_writer);
	/* --check and a failed start-up leave the file as they found it: they
	 * served no one, and a save as root would take the file from the user. */
	if (srv->served && srv->pool != NULL && srv->cfg.leases != NULL &&
	    pool_save(srv->pool, err, sizeof err) < 0) {
		char q[LOG_QUOTE_MAX(512)];
		log_warn("event=leases_save_failed error=%s", log_quote(err, q, sizeof q));
	}
	if (srv->tun != NULL) {
		const struct tunio_stats *st = tunio_stats(srv->tun);
		log_info(
		    "event=relay_totals rx_packets=%llu tx_packets=%llu drops_unknown=%llu "
		    "drops_malformed=%llu drops_spoofed=%llu drops_link_local=%llu "
		    "drops_c2c=%llu drops_queue_full=%llu drops_tun_write=%llu rx_gso=%llu "
		    "tx_gso=%llu segmented=%llu tx_uso=%llu tx_uso_datagrams=%llu",
		    (unsigned long long)st->rx_packets, (unsigned long long)st->tx_packets,
		    (unsigned long long)st->drops_unknown, (unsigned long long)st->drops_malformed,
		    (unsigned long long)st->drops_spoofed, (unsigned long long)st->drops_link_local,
		    (unsigned long long)st->drops_c2c, (unsigned long long)st->drops_queue_full,
		    (unsigned long long)st->drops_tun_write, (unsigned long long)st->rx_gso,
		    (unsigned long long)st->tx_gso, (unsigned long long)st->segmented,
		    (unsigned long long)st->tx_uso, (unsigned long long)st->tx_uso_datagrams);
	}
	tunio_free(srv->tun); /* closing the fd removes the TUN device */
	struct event *evs[] = {srv->ev_term, srv->ev_int, srv->ev_hup, srv->ev_crl,
			       srv->ev_deadline};
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	sessions_free(srv->table);
	lease_writer_free(srv->leases_writer);
	pool_free(srv->pool);
	tls_config_free(srv->tls);
	if (srv->base != NULL)
		event_base_free(srv->base);
	server_config_free(&srv->cfg);
}

/* Everything --check can verify without changing the system. */
static int load(struct server *srv, const char *path, bool check, char *err, size_t len)
{
	int rc = server_config_load(path, &srv->cfg, err, len);
	if (rc < 0)
		return rc;
	log_init(PROG, srv->cfg.log_level, srv->cfg.log_syslog && !check);
	rc = setup_tls(srv, err, len);
	if (rc < 0)
		return rc;
	if (srv->cfg.user != NULL) {
		uid_t uid;
		gid_t gid;
		char e[256];
		rc = privdrop_lookup(srv->cfg.user, srv->cfg.group, &uid, &gid, e, sizeof e);
		if (rc < 0) {
			snprintf(err, len, "%s: %s", srv->cfg.file, e);
			return rc;
		}
	}
	return setup_pool(srv, err, len);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	bool check = false;
	int o;
	while ((o = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(PROG, LOG_LEVEL_INFO, false);
	struct server srv;
	memset(&srv, 0, sizeof srv);
	char err[1024];
	int rc = load(&srv, config, check, err, sizeof err);
	if (rc == 0 && check) {
		check_crl_expiry(&srv);
		printf("%s: configuration OK\n", config);
		stop(&srv);
		return 0;
	}
	if (rc == 0)
		rc = start(&srv, err, sizeof err);
	if (rc < 0) {
		char q[LOG_QUOTE_MAX(1024)];
		log_error("event=startup_failed error=%s", log_quote(err, q, sizeof q));
		if (srv.cfg.log_syslog) /* the operator at the terminal sees nothing else */
			fprintf(stderr, PROG ": %s\n", err);
		stop(&srv);
		return 1;
	}
	char a[ADDR_STRLEN];
	log_info("event=started version=" PACKAGE_VERSION " listen=%s port=%u tun=%s offload=%s "
		 "nat=%s max_clients=%u",
		 addr_format(&srv.cfg.listen_addr, a, sizeof a), srv.cfg.listen_port, srv.tun_name,
		 tunio_offload(srv.tun) ? "on" : "off", srv.nat_active ? srv.cfg.nat_ifname : "off",
		 srv.cfg.max_clients);
	check_crl_expiry(&srv);
	srv.served = true;
	event_base_dispatch(srv.base);
	stop(&srv);
	log_info("event=stopped");
	return 0;
}
