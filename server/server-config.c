/*
 * config: server.json -> struct server_config. One function per section;
 * each returns 0 or -EINVAL/-ENOMEM with the message in c->err.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "server-config.h"
#include "tun.h"

#define DEFAULT_PORT 443

static int oom(struct cfg *c)
{
	cfg_error(c, NULL, NULL, "out of memory");
	return -ENOMEM;
}

/* A path key: a non-empty string, resolved against the config file. */
static int get_path(struct cfg *c, json_t *obj, const char *key, bool required, char **out)
{
	const char *s;
	int rc = cfg_string(c, obj, "", key, required, &s);
	if (rc != 0)
		return rc;
	if (s[0] == '\0')
		return cfg_error(c, "", key, "expected a file path, got \"\"");
	*out = cfg_resolve_path(c->file, s);
	return *out ? 0 : oom(c);
}

static int parse_listen(struct cfg *c, json_t *root, struct server_config *sc)
{
	char host[ADDR_HOSTLEN];
	int rc = cfg_hostport(c, root, "", "listen", true, DEFAULT_PORT, host, sizeof host,
			      &sc->listen_port);
	if (rc < 0)
		return rc;
	if (!addr_parse(host, &sc->listen_addr))
		return cfg_error(c, "", "listen",
				 "expected an IP address to listen on (names are not resolved), "
				 "got \"%s\"",
				 host);
	return 0;
}

static int parse_files(struct cfg *c, json_t *root, struct server_config *sc)
{
	if (get_path(c, root, "ca", true, &sc->ca) < 0 ||
	    get_path(c, root, "cert", true, &sc->cert) < 0 ||
	    get_path(c, root, "key", true, &sc->key) < 0 ||
	    get_path(c, root, "crl", false, &sc->crl) < 0)
		return -EINVAL;
	const char *s = "leases.json";
	if (cfg_string(c, root, "", "leases", false, &s) < 0)
		return -EINVAL;
	if (s[0] == '\0')
		return 0; /* persistence disabled */
	sc->leases = cfg_resolve_path(c->file, s);
	return sc->leases ? 0 : oom(c);
}

static int parse_tun(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"name", "mtu", "offload", NULL};
	json_t *tun;
	int rc = cfg_object(c, root, "", "tun", false, &tun);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (cfg_reject_unknown(c, tun, "tun", keys) < 0)
		return -EINVAL;
	const char *name;
	rc = cfg_string(c, tun, "tun", "name", false, &name);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (!tun_name_valid(name, true))
			return cfg_error(c, "tun", "name",
					 "expected an interface name of 1..15 characters "
					 "[A-Za-z0-9_.-] (optionally with one %%d), got \"%s\"",
					 name);
		snprintf(sc->tun_name, sizeof sc->tun_name, "%s", name);
	}
	unsigned long mtu = sc->mtu;
	if (cfg_uint(c, tun, "tun", "mtu", false, CONTROL_MTU_MIN, CONTROL_MTU_MAX, &mtu) < 0)
		return -EINVAL;
	sc->mtu = (unsigned)mtu;
	return cfg_bool(c, tun, "tun", "offload", false, &sc->tun_offload) < 0 ? -EINVAL : 0;
}

static int parse_pool(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"ipv4", "ipv6", NULL};
	json_t *pool;
	if (cfg_object(c, root, "", "pool", true, &pool) < 0 ||
	    cfg_reject_unknown(c, pool, "pool", keys) < 0 ||
	    cfg_prefix(c, pool, "pool", "ipv4", true, &sc->pool4, true) < 0)
		return -EINVAL;
	if (sc->pool4.addr.family != AF_INET || sc->pool4.len < 8 || sc->pool4.len > 30) {
		char b[PREFIX_STRLEN];
		return cfg_error(c, "pool", "ipv4",
				 "expected an IPv4 network from /8 to /30, got \"%s\"",
				 addr_prefix_format(&sc->pool4, b, sizeof b));
	}
	int rc = cfg_prefix(c, pool, "pool", "ipv6", false, &sc->pool6, true);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (sc->pool6.addr.family != AF_INET6 || sc->pool6.len < 64 ||
		    sc->pool6.len > 124) {
			char b[PREFIX_STRLEN];
			return cfg_error(c, "pool", "ipv6",
					 "expected an IPv6 network from /64 to /124, got \"%s\"",
					 addr_prefix_format(&sc->pool6, b, sizeof b));
		}
		sc->has_pool6 = true;
		if (sc->mtu < CONTROL_MTU_MIN_IPV6)
			return cfg_error(c, "tun", "mtu",
					 "IPv6 needs an MTU of at least %d, got %u",
					 CONTROL_MTU_MIN_IPV6, sc->mtu);
	}
	return 0;
}

static int parse_routes(struct cfg *c, json_t *push, struct server_config *sc)
{
	json_t *arr, *v;
	size_t i;
	int rc = cfg_array(c, push, "push", "routes", false, &arr);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (json_array_size(arr) > CONTROL_MAX_ROUTES)
		return cfg_error(c, "push", "routes", "at most %d routes, got %zu",
				 CONTROL_MAX_ROUTES, json_array_size(arr));
	json_array_foreach(arr, i, v)
	{
		char p[48];
		snprintf(p, sizeof p, "push.routes[%zu]", i);
		struct ip_prefix *r = &sc->routes[sc->n_routes];
		if (cfg_prefix_value(c, v, p, NULL, r, true) < 0)
			return -EINVAL;
		if (r->addr.family == AF_INET6 && !sc->has_pool6)
			return cfg_error(c, p, NULL, "an IPv6 route needs pool.ipv6");
		sc->n_routes++;
	}
	return 0;
}

static int parse_dns(struct cfg *c, json_t *push, struct server_config *sc)
{
	json_t *arr, *v;
	size_t i;
	int rc = cfg_array(c, push, "push", "dns", false, &arr);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (json_array_size(arr) > CONTROL_MAX_DNS)
		return cfg_error(c, "push", "dns", "at most %d servers, got %zu", CONTROL_MAX_DNS,
				 json_array_size(arr));
	json_array_foreach(arr, i, v)
	{
		char p[48];
		snprintf(p, sizeof p, "push.dns[%zu]", i);
		if (cfg_addr_value(c, v, p, NULL, &sc->dns[sc->n_dns]) < 0)
			return -EINVAL;
		sc->n_dns++;
	}
	return 0;
}

static int parse_push(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"redirect_gateway", "routes", "dns", NULL};
	json_t *push;
	int rc = cfg_object(c, root, "", "push", false, &push);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (cfg_reject_unknown(c, push, "push", keys) < 0 ||
	    cfg_bool(c, push, "push", "redirect_gateway", false, &sc->redirect_gateway) < 0 ||
	    parse_routes(c, push, sc) < 0 || parse_dns(c, push, sc) < 0)
		return -EINVAL;
	return 0;
}

static bool table_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(((struct server_config *)0)->nat_table))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int parse_nat(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"out_interface", "table", NULL};
	json_t *nat;
	int rc = cfg_object(c, root, "", "nat", false, &nat);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (cfg_reject_unknown(c, nat, "nat", keys) < 0)
		return -EINVAL;
	const char *s;
	rc = cfg_string(c, nat, "nat", "out_interface", false, &s);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (!tun_name_valid(s, false))
			return cfg_error(c, "nat", "out_interface",
					 "expected an interface name of 1..15 characters "
					 "[A-Za-z0-9_.-], got \"%s\"",
					 s);
		snprintf(sc->nat_ifname, sizeof sc->nat_ifname, "%s", s);
	}
	rc = cfg_string(c, nat, "nat", "table", false, &s);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		if (!table_name_valid(s))
			return cfg_error(c, "nat", "table",
					 "expected 1..31 characters [A-Za-z0-9_], got \"%s\"", s);
		snprintf(sc->nat_table, sizeof sc->nat_table, "%s", s);
	}
	return 0;
}

static bool cn_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SERVER_CN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static int parse_pin(struct cfg *c, const char *cn, json_t *v, struct server_config *sc)
{
	static const char *const keys[] = {"ipv4", NULL};
	char p[SERVER_CN_MAX + 16];
	snprintf(p, sizeof p, "clients.%s", cn);
	if (!json_is_object(v))
		return cfg_error(c, p, NULL, "expected an object like {\"ipv4\": \"10.8.0.10\"}");
	struct server_pin *pin = &sc->pins[sc->n_pins];
	snprintf(pin->cn, sizeof pin->cn, "%s", cn);
	if (cfg_reject_unknown(c, v, p, keys) < 0 ||
	    cfg_addr(c, v, p, "ipv4", true, &pin->ipv4) < 0)
		return -EINVAL;
	char b[ADDR_STRLEN];
	addr_format(&pin->ipv4, b, sizeof b);
	if (pin->ipv4.family != AF_INET || !addr_prefix_contains(&sc->pool4, &pin->ipv4))
		return cfg_error(c, p, "ipv4", "%s is not inside pool.ipv4", b);
	uint64_t off = addr_prefix_offset(&sc->pool4, &pin->ipv4);
	if (off < 2 || off + 1 >= addr_prefix_count(&sc->pool4))
		return cfg_error(c, p, "ipv4",
				 "%s is the network, gateway or broadcast address of pool.ipv4", b);
	for (size_t i = 0; i < sc->n_pins; i++)
		if (addr_equal(&sc->pins[i].ipv4, &pin->ipv4))
			return cfg_error(c, p, "ipv4", "%s is already pinned to clients.%s", b,
					 sc->pins[i].cn);
	sc->n_pins++;
	return 0;
}

static int parse_clients(struct cfg *c, json_t *root, struct server_config *sc)
{
	json_t *clients, *v;
	const char *cn;
	int rc = cfg_object(c, root, "", "clients", false, &clients);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	size_t n = json_object_size(clients);
	if (n == 0)
		return 0;
	sc->pins = calloc(n, sizeof *sc->pins);
	if (sc->pins == NULL)
		return oom(c);
	json_object_foreach(clients, cn, v)
	{
		if (!cn_valid(cn))
			return cfg_error(c, "clients", NULL,
					 "expected certificate common names of 1..%d printable "
					 "characters as keys",
					 SERVER_CN_MAX);
		if (parse_pin(c, cn, v, sc) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_keepalive(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"interval", "timeout", NULL};
	json_t *ka;
	int rc = cfg_object(c, root, "", "keepalive", false, &ka);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	unsigned long iv = sc->keepalive_interval, to;
	if (cfg_reject_unknown(c, ka, "keepalive", keys) < 0 ||
	    cfg_uint(c, ka, "keepalive", "interval", false, 1, CONTROL_KEEPALIVE_MAX, &iv) < 0)
		return -EINVAL;
	/* default: 60 s, or three missed pings for long intervals */
	to = iv < 20 ? 60 : iv * 3;
	if (cfg_uint(c, ka, "keepalive", "timeout", false, iv + 1, CONTROL_KEEPALIVE_TO_MAX, &to) <
	    0)
		return -EINVAL;
	sc->keepalive_interval = (unsigned)iv;
	sc->keepalive_timeout = (unsigned)to;
	return 0;
}

static int get_limit(struct cfg *c, json_t *l, const char *key, unsigned long min,
		     unsigned long max, unsigned *out)
{
	unsigned long v = *out;
	if (cfg_uint(c, l, "limits", key, false, min, max, &v) < 0)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_limits(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"max_clients",    "handshake_timeout",
					   "max_handshakes", "max_handshakes_per_source",
					   "queue_bytes",    NULL};
	json_t *l;
	int rc = cfg_object(c, root, "", "limits", false, &l);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	unsigned qb = (unsigned)sc->queue_bytes;
	if (cfg_reject_unknown(c, l, "limits", keys) < 0 ||
	    get_limit(c, l, "max_clients", 1, 65536, &sc->max_clients) < 0 ||
	    get_limit(c, l, "handshake_timeout", 1, 300, &sc->handshake_timeout) < 0 ||
	    get_limit(c, l, "max_handshakes", 1, 65536, &sc->max_handshakes) < 0 ||
	    get_limit(c, l, "queue_bytes", 16384, 64 * 1024 * 1024, &qb) < 0)
		return -EINVAL;
	sc->queue_bytes = qb;
	if (sc->max_handshakes_per_source > sc->max_handshakes)
		sc->max_handshakes_per_source = sc->max_handshakes;
	return get_limit(c, l, "max_handshakes_per_source", 1, sc->max_handshakes,
			 &sc->max_handshakes_per_source);
}

static int get_name(struct cfg *c, json_t *root, const char *key, char **out)
{
	const char *s;
	int rc = cfg_string(c, root, "", key, false, &s);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (s[0] == '\0' || strlen(s) > 32)
		return cfg_error(c, "", key, "expected a name of 1..32 characters, got \"%s\"", s);
	*out = strdup(s);
	return *out ? 0 : oom(c);
}

static int parse_user(struct cfg *c, json_t *root, struct server_config *sc)
{
	if (get_name(c, root, "user", &sc->user) < 0 || get_name(c, root, "group", &sc->group) < 0)
		return -EINVAL;
	if (sc->group != NULL && sc->user == NULL)
		return cfg_error(c, "", "group", "needs \"user\" as well");
	return 0;
}

static int parse_log(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {"level", "syslog", NULL};
	json_t *lg;
	int rc = cfg_object(c, root, "", "log", false, &lg);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	const char *s;
	if (cfg_reject_unknown(c, lg, "log", keys) < 0 ||
	    cfg_bool(c, lg, "log", "syslog", false, &sc->log_syslog) < 0)
		return -EINVAL;
	rc = cfg_string(c, lg, "log", "level", false, &s);
	if (rc < 0)
		return rc;
	if (rc == 0 && log_level_parse(s, &sc->log_level) < 0)
		return cfg_error(c, "log", "level",
				 "expected error, warn, info or debug, got \"%s\"", s);
	return 0;
}

static void set_defaults(struct server_config *sc)
{
	sc->listen_port = DEFAULT_PORT;
	snprintf(sc->tun_name, sizeof sc->tun_name, "tlsvpn%%d");
	sc->mtu = 1500;
	sc->tun_offload = true;
	snprintf(sc->nat_table, sizeof sc->nat_table, "tlsvpn");
	sc->keepalive_interval = 10;
	sc->keepalive_timeout = 60;
	sc->max_clients = 1024;
	sc->handshake_timeout = 10;
	sc->max_handshakes = 128;
	sc->max_handshakes_per_source = 8;
	sc->queue_bytes = 262144;
	sc->log_level = LOG_LEVEL_INFO;
}

static int parse_root(struct cfg *c, json_t *root, struct server_config *sc)
{
	static const char *const keys[] = {
	    "listen",	 "ca",	   "cert", "key",   "crl",     "tun",
	    "pool",	 "leases", "push", "nat",   "clients", "client_to_client",
	    "keepalive", "limits", "user", "group", "log",     NULL};
	if (cfg_reject_unknown(c, root, "", keys) < 0 || parse_listen(c, root, sc) < 0 ||
	    parse_files(c, root, sc) < 0 || parse_tun(c, root, sc) < 0 ||
	    parse_pool(c, root, sc) < 0 || parse_push(c, root, sc) < 0 ||
	    parse_nat(c, root, sc) < 0 || parse_clients(c, root, sc) < 0 ||
	    cfg_bool(c, root, "", "client_to_client", false, &sc->client_to_client) < 0 ||
	    parse_keepalive(c, root, sc) < 0 || parse_limits(c, root, sc) < 0 ||
	    parse_user(c, root, sc) < 0 || parse_log(c, root, sc) < 0)
		return -EINVAL;
	return 0;
}

static int finish(struct cfg *c, json_t *root, const char *file, struct server_config *out,
		  char *err, size_t len)
{
	struct server_config sc;
	memset(&sc, 0, sizeof sc);
	set_defaults(&sc);
	int rc = -EINVAL;
	if (root != NULL) {
		sc.file = strdup(file);
		rc = sc.file ? parse_root(c, root, &sc) : oom(c);
		json_decref(root);
	}
	if (rc < 0) {
		snprintf(err, len, "%s", c->err);
		server_config_free(&sc);
		return rc;
	}
	*out = sc;
	return 0;
}

int server_config_load(const char *path, struct server_config *out, char *err, size_t len)
{
	struct cfg c = {.file = path};
	return finish(&c, cfg_load_file(&c, path), path, out, err, len);
}

int server_config_parse(const char *file, const char *text, size_t text_len,
			struct server_config *out, char *err, size_t len)
{
	struct cfg c = {.file = file};
	return finish(&c, cfg_load_buffer(&c, text, text_len), file, out, err, len);
}

void server_config_free(struct server_config *sc)
{
	if (sc == NULL)
		return;
	free(sc->file);
	free(sc->ca);
	free(sc->cert);
	free(sc->key);
	free(sc->crl);
	free(sc->leases);
	free(sc->pins);
	free(sc->user);
	free(sc->group);
	memset(sc, 0, sizeof *sc);
}
