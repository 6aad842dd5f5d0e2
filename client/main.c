/* tlsvpn-client: command line, start-up and shutdown. The session itself is
 * tunnel.c; host changes are recorded by undo.c and undone here on exit. */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "dns.h"
#include "log.h"
#include "netlink.h"
#include "profile.h"
#include "tls.h"
#include "tun.h"
#include "tunnel.h"
#include "undo.h"

struct options {
	const char *profile, *remote, *tun, *state_dir;
	bool no_dns, cleanup, no_offload;
	enum log_level level;
};

struct run {
	struct event_base *base;
	struct tunnel *tunnel;
	int status;
	int signals;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tlsvpn-client -p PROFILE [--remote NAME|HOST[:PORT]] [--no-dns]\n"
		"                     [--tun NAME] [--no-offload] [--state-dir DIR]\n"
		"                     [-v | --log-level LEVEL]\n"
		"       tlsvpn-client --cleanup [--state-dir DIR]\n"
		"       tlsvpn-client --help | --version\n"
		"\n"
		"  -p, --profile FILE   client profile from tlsvpn-certs (mode 0600)\n"
		"      --remote SEL     use only the remote named SEL, or with host SEL, or the\n"
		"                       host[:port] SEL (still verified as the profile's server)\n"
		"      --no-dns         leave /etc/resolv.conf alone\n"
		"      --tun NAME       TUN device name or template (default tlsvpn%%d)\n"
		"      --no-offload     no TCP segmentation offload on the TUN, no GSO frames\n"
		"      --state-dir DIR  where host changes are recorded (default %s)\n"
		"      --cleanup        undo what a killed client left behind, then exit\n"
		"  -v, --verbose        log at debug level\n"
		"      --log-level L    error, warn, info (default) or debug\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n",
		UNDO_DIR_DEFAULT);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum {
		OPT_REMOTE = 256,
		OPT_NO_DNS,
		OPT_TUN,
		OPT_NO_OFFLOAD,
		OPT_STATE_DIR,
		OPT_CLEANUP,
		OPT_LEVEL
	};
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, 'p'},
	    {"remote", required_argument, NULL, OPT_REMOTE},
	    {"no-dns", no_argument, NULL, OPT_NO_DNS},
	    {"tun", required_argument, NULL, OPT_TUN},
	    {"no-offload", no_argument, NULL, OPT_NO_OFFLOAD},
	    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
	    {"cleanup", no_argument, NULL, OPT_CLEANUP},
	    {"verbose", no_argument, NULL, 'v'},
	    {"log-level", required_argument, NULL, OPT_LEVEL},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "p:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->profile = optarg;
			break;
		case OPT_REMOTE:
			o->remote = optarg;
			break;
		case OPT_NO_DNS:
			o->no_dns = true;
			break;
		case OPT_TUN:
			if (!tun_name_valid(optarg, true)) {
				fprintf(stderr,
					"tlsvpn-client: --tun %s: not a valid interface name\n",
					optarg);
				return 2;
			}
			o->tun = optarg;
			break;
		case OPT_NO_OFFLOAD:
			o->no_offload = true;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_CLEANUP:
			o->cleanup = true;
			break;
		case 'v':
			o->level = LOG_LEVEL_DEBUG;
			break;
		case OPT_LEVEL:
			if (log_level_parse(optarg, &o->level) != 0) {
				fprintf(
				    stderr,
				    "tlsvpn-client: --log-level %s: expected error, warn, info or "
				    "debug\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tlsvpn-client %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlsvpn-client: unexpected argument: %s\n", argv[optind]);
		return 2;
	}
	if (!o->cleanup && o->profile == NULL) {
		fprintf(stderr, "tlsvpn-client: a profile is required (-p FILE); see --help\n");
		return 2;
	}
	return 0;
}

static int run_cleanup(const char *dir)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	if (nl == NULL) {
		log_error("event=netlink_failed error=\"%s\"", err);
		return 1;
	}
	size_t failures = 0;
	int n = undo_cleanup_stale(dir, nl, &failures);
	netlink_close(nl);
	if (n < 0) {
		log_error("event=cleanup_failed dir=%s error=\"%s\"", dir, strerror(-n));
		return 1;
	}
	log_info("event=cleanup_done journals=%d failed_changes=%zu", n, failures);
	return failures > 0 ? 1 : 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;
	log_info("event=signal signal=%s", strsignal((int)sig));
	/* A second signal does not wait for the server's goodbye. */
	if (r->signals++ > 0) {
		event_base_loopbreak(r->base);
		return;
	}
	tunnel_shutdown(r->tunnel);
}

static void on_stop(int status, void *arg)
{
	struct run *r = arg;
	r->status = status;
	event_base_loopbreak(r->base);
}

static struct tls_config *make_tls(struct profile *p)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	struct tls_options to = {
	    .ca_pem = p->ca_pem,
	    .cert_pem = p->cert_pem,
	    .key_pem = p->key_pem,
	    .server_name = p->server_name,
	};
	struct tls_config *tls = NULL;
	int rc = tls_config_new(TLS_CLIENT, &to, &tls, err, sizeof(err));
	/* The key now lives inside mbedTLS only. */
	mbedtls_platform_zeroize(p->key_pem, strlen(p->key_pem));
	if (rc != 0) {
		log_error("event=tls_config_failed error=%s", log_quote(err, q, sizeof(q)));
		return NULL;
	}
	return tls;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
		s = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	return s;
}

struct host {
	struct netlink *nl;
	int tun_fd;
	bool tun_offload;
	char tun[TUN_NAME_MAX + 1];
	char leak_table[64];
	struct undo *undo;
};

static int host_setup(const struct options *o, struct host *h)
{
	char err[512], q[LOG_QUOTE_MAX(512)];
	h->nl = netlink_open(err, sizeof(err));
	if (h->nl == NULL) {
		log_error("event=netlink_failed error=%s", log_quote(err, q, sizeof(q)));
		return -1;
	}
	/* A client killed earlier in this namespace may have left changes behind. */
	size_t failures = 0;
	int n = undo_cleanup_stale(o->state_dir, h->nl, &failures);
	if (n > 0)
		log_info("event=stale_state_undone journals=%d failed_changes=%zu", n, failures);
	h->tun_fd = o->no_offload ? tun_open(o->tun, h->tun, sizeof(h->tun), err, sizeof(err))
				  : tun_open_offload(o->tun, h->tun, sizeof(h->tun),
						     &h->tun_offload, err, sizeof(err));
	if (h->tun_fd < 0) {
		log_error("event=tun_failed error=%s", log_quote(err, q, sizeof(q)));
		return -1;
	}
	snprintf(h->leak_table, sizeof(h->leak_table), "tlsvpn_client_%s", h->tun);
	for (char *c = h->leak_table; *c != '\0'; c++)
		if (*c == '.' || *c == '-')
			*c = '_';
	h->undo = undo_new(o->state_dir, h->tun, err, sizeof(err));
	if (h->undo == NULL) {
		log_error("event=state_failed error=%s", log_quote(err, q, sizeof(q)));
		return -1;
	}
	log_info("event=tun_created tun=%s offload=%s", h->tun, h->tun_offload ? "on" : "off");
	return 0;
}

static void host_teardown(struct host *h)
{
	if (h->undo != NULL) {
		size_t failed = undo_finish(h->undo, h->nl);
		log_info("event=host_restored failed_changes=%zu", failed);
		undo_free(h->undo);
	}
	if (h->tun_fd >= 0)
		close(h->tun_fd);
	netlink_close(h->nl);
}

static int run_tunnel(const struct options *o, struct profile *p, struct tls_config *tls)
{
	struct host h = {.tun_fd = -1};
	struct run r = {.status = 1};
	struct event *sigs[2] = {NULL, NULL};
	char err[256];
	if (host_setup(o, &h) != 0)
		goto out;
	r.base = event_base_new();
	if (r.base == NULL)
		goto out;
	struct tunnel_options to = {
	    .profile = p,
	    .tls = tls,
	    .nl = h.nl,
	    .undo = h.undo,
	    .tun_fd = h.tun_fd,
	    .tun_offload = h.tun_offload,
	    .gso = !o->no_offload,
	    .tun = h.tun,
	    .no_dns = o->no_dns,
	    .resolv_path = DNS_RESOLV_CONF,
	    .leak_table = h.leak_table,
	    .seed = random_seed(),
	    .on_stop = on_stop,
	    .arg = &r,
	};
	r.tunnel = tunnel_new(r.base, &to, err, sizeof(err));
	if (r.tunnel == NULL) {
		log_error("event=start_failed error=\"%s\"", err);
		goto out;
	}
	sigs[0] = evsignal_new(r.base, SIGTERM, on_signal, &r);
	sigs[1] = evsignal_new(r.base, SIGINT, on_signal, &r);
	if (sigs[0] == NULL || sigs[1] == NULL || evsignal_add(sigs[0], NULL) != 0 ||
	    evsignal_add(sigs[1], NULL) != 0)
		goto out;
	tunnel_start(r.tunnel);
	event_base_dispatch(r.base);
	if (r.signals > 0 && r.status != 0)
		r.status = 0;
out:
	/* The tunnel goes first: its channel may still reference the loop. */
	tunnel_free(r.tunnel);
	for (int i = 0; i < 2; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	host_teardown(&h);
	if (r.base != NULL)
		event_base_free(r.base);
	return r.status;
}

int main(int argc, char **argv)
{
	struct options o = {.level = LOG_LEVEL_INFO, .state_dir = UNDO_DIR_DEFAULT};
	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	log_init("tlsvpn-client", o.level, false);
	signal(SIGPIPE, SIG_IGN);
	if (o.cleanup)
		return run_cleanup(o.state_dir);

	char err[512], q[LOG_QUOTE_MAX(512)];
	struct profile *p = NULL;
	if (profile_load(o.profile, &p, err, sizeof(err)) != 0 ||
	    (o.remote != NULL && profile_select_remote(p, o.remote, err, sizeof(err)) != 0)) {
		log_error("event=profile_refused error=%s", log_quote(err, q, sizeof(q)));
		profile_free(p);
		return 1;
	}
	char qn[LOG_QUOTE_MAX(PROFILE_NAME_MAX)];
	log_info("event=starting version=%s profile=%s name=%s server_name=%s remotes=%zu",
		 PACKAGE_VERSION, log_quote(o.profile, q, sizeof(q)),
		 log_quote(p->name, qn, sizeof(qn)), p->server_name, p->n_remotes);
	struct tls_config *tls = make_tls(p);
	if (tls == NULL) {
		profile_free(p);
		return 1;
	}
	rc = run_tunnel(&o, p, tls);
	tls_config_free(tls);
	profile_free(p);
	log_info("event=exit status=%d", rc);
	return rc;
}
