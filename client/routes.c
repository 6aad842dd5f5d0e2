#include "routes.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakguard.h"
#include "log.h"
#include "netlink.h"
#include "undo.h"

#define MAX_PINS 8

/* How a family's traffic left the host before the tunnel took it over. */
struct underlay {
	bool known, has_gw;
	struct ip_addr gw;
	char dev[IFNAMSIZ];
};

struct routes {
	struct netlink *nl;
	struct undo *undo;
	char tun[IFNAMSIZ];
	bool covered4, covered6; /* the tunnel carries routes a server address may fall in */
	struct underlay ul4, ul6;
	struct ip_addr pins[MAX_PINS];
	size_t n_pins;
};

struct routes *routes_new(struct netlink *nl, struct undo *u, const char *tun)
{
	struct routes *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->nl = nl;
	r->undo = u;
	snprintf(r->tun, sizeof(r->tun), "%s", tun);
	return r;
}

void routes_free(struct routes *r)
{
	free(r);
}

void routes_reset(struct routes *r)
{
	r->covered4 = r->covered6 = false;
	r->n_pins = 0;
	/* The underlay stays known: once the journal is reverted the kernel's
	 * answer would be the same, and keeping it lets a reconnect pin at once. */
}

static struct ip_prefix host_prefix(const struct ip_addr *a)
{
	struct ip_prefix p = {.addr = *a, .len = a->family == AF_INET ? 32 : 128};
	return p;
}

static int fail(char *err, size_t err_len, int rc, const char *what, const struct ip_prefix *p)
{
	char a[PREFIX_STRLEN] = "";
	if (p != NULL)
		addr_prefix_format(p, a, sizeof(a));
	snprintf(err, err_len, "%s%s%s: %s", what, p ? " " : "", a, strerror(-rc));
	return rc;
}

/* Records, then makes, one route; a route that is already there is not ours. */
static int add_route(struct routes *r, const struct ip_prefix *dst, const char *dev,
		     const struct ip_addr *gw, char *err, size_t err_len)
{
	int ifindex = netlink_link_index(dev);
	if (ifindex < 0)
		return fail(err, err_len, ifindex, "route: no device", dst);
	struct undo_change c = {.kind = UNDO_ROUTE, .prefix = *dst, .has_gw = gw != NULL};
	snprintf(c.dev, sizeof(c.dev), "%s", dev);
	if (gw != NULL)
		c.gw = *gw;
	int rc = undo_record(r->undo, &c, err, err_len);
	if (rc != 0)
		return rc;
	rc = netlink_route_add(r->nl, dst, gw, ifindex, 0);
	if (rc != 0)
		undo_forget_last(r->undo);
	if (rc == -EEXIST) {
		char a[PREFIX_STRLEN];
		log_info("event=route_exists dst=%s dev=%s", addr_prefix_format(dst, a, sizeof(a)),
			 dev);
		return 0;
	}
	return rc != 0 ? fail(err, err_len, rc, "adding route", dst) : 0;
}

static int add_addr(struct routes *r, const struct ip_prefix *p, int ifindex, char *err,
		    size_t err_len)
{
	struct undo_change c = {.kind = UNDO_ADDR, .prefix = *p};
	snprintf(c.dev, sizeof(c.dev), "%s", r->tun);
	int rc = undo_record(r->undo, &c, err, err_len);
	if (rc != 0)
		return rc;
	rc = netlink_addr_add(r->nl, ifindex, p);
	if (rc != 0)
		undo_forget_last(r->undo);
	if (rc == -EEXIST)
		return 0;
	return rc != 0 ? fail(err, err_len, rc, "adding address", p) : 0;
}

static int learn_underlay(struct routes *r, const struct ip_addr *server, char *err, size_t err_len)
{
	struct underlay *ul = server->family == AF_INET ? &r->ul4 : &r->ul6;
	if (ul->known)
		return 0;
	int ifindex = 0;
	struct ip_prefix hp = host_prefix(server);
	int rc = netlink_route_get(r->nl, server, &ul->gw, &ul->has_gw, &ifindex);
	if (rc != 0)
		return fail(err, err_len, rc, "finding the route to the server", &hp);
	if (if_indextoname((unsigned)ifindex, ul->dev) == NULL)
		return fail(err, err_len, -errno, "finding the route to the server", &hp);
	if (strcmp(ul->dev, r->tun) == 0) {
		snprintf(err, err_len, "the route to the server %s already leads into %s",
			 addr_format(server, (char[ADDR_STRLEN]){0}, ADDR_STRLEN), r->tun);
		return -ELOOP;
	}
	ul->known = true;
	return 0;
}

int routes_pin_server(struct routes *r, const struct ip_addr *server, char *err, size_t err_len)
{
	bool covered = server->family == AF_INET ? r->covered4 : r->covered6;
	if (!covered)
		return 0;
	for (size_t i = 0; i < r->n_pins; i++)
		if (addr_equal(&r->pins[i], server))
			return 0;
	if (r->n_pins == MAX_PINS) {
		snprintf(err, err_len, "more than %d server addresses pinned", MAX_PINS);
		return -E2BIG;
	}
	int rc = learn_underlay(r, server, err, err_len);
	if (rc != 0)
		return rc;
	const struct underlay *ul = server->family == AF_INET ? &r->ul4 : &r->ul6;
	struct ip_prefix hp = host_prefix(server);
	rc = add_route(r, &hp, ul->dev, ul->has_gw ? &ul->gw : NULL, err, err_len);
	if (rc != 0)
		return rc;
	r->pins[r->n_pins++] = *server;
	char a[ADDR_STRLEN], g[ADDR_STRLEN];
	log_info("event=server_route dst=%s via=%s dev=%s", addr_format(server, a, sizeof(a)),
		 ul->has_gw ? addr_format(&ul->gw, g, sizeof(g)) : "on-link", ul->dev);
	return 0;
}

static bool in_prefixes(const struct ip_prefix *p, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (addr_prefix_contains(&p[i], a))
			return true;
	return false;
}

/* 0.0.0.0/1 + 128.0.0.0/1 (or ::/1 + 8000::/1): more specific than the
 * default route, which stays in place for the pinned server route. */
static int add_halves(struct routes *r, int family, char *err, size_t err_len)
{
	const char *v4[2] = {"0.0.0.0/1", "128.0.0.0/1"}, *v6[2] = {"::/1", "8000::/1"};
	for (int i = 0; i < 2; i++) {
		struct ip_prefix p;
		if (!addr_prefix_parse(family == AF_INET ? v4[i] : v6[i], &p))
			return -EINVAL;
		int rc = add_route(r, &p, r->tun, NULL, err, err_len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int apply_redirect(struct routes *r, const struct control_config *cfg,
			  const struct ip_addr *server, const char *leak_table, char *err,
			  size_t err_len)
{
	/* Learn the underlay before the halves hide it. */
	int rc = learn_underlay(r, server, err, err_len);
	if (rc != 0)
		return rc;
	r->covered4 = true;
	if (cfg->has_ipv6)
		r->covered6 = true;
	if ((rc = routes_pin_server(r, server, err, err_len)) != 0 ||
	    (rc = add_halves(r, AF_INET, err, err_len)) != 0)
		return rc;
	if (cfg->has_ipv6)
		return add_halves(r, AF_INET6, err, err_len);
	struct undo_change c = {.kind = UNDO_NFT};
	snprintf(c.table, sizeof(c.table), "%s", leak_table);
	if ((rc = undo_record(r->undo, &c, err, err_len)) != 0)
		return rc;
	char e[256] = "";
	rc = leakguard_block_ipv6(leak_table, r->tun, server, e, sizeof(e));
	if (rc != 0) {
		undo_forget_last(r->undo);
		snprintf(err, err_len, "blocking IPv6 outside the tunnel: %s", e);
		return rc;
	}
	log_info("event=ipv6_blocked table=%s reason=\"server pushed no IPv6\"", leak_table);
	return 0;
}

int routes_apply(struct routes *r, const struct control_config *cfg, const struct ip_addr *server,
		 const char *leak_table, char *err, size_t err_len)
{
	int ifindex = netlink_link_index(r->tun);
	if (ifindex < 0)
		return fail(err, err_len, ifindex, "tunnel device gone", NULL);
	int rc = netlink_link_set(r->nl, ifindex, cfg->mtu, true);
	if (rc != 0) {
		snprintf(err, err_len, "setting %s mtu %u up: %s", r->tun, cfg->mtu, strerror(-rc));
		return rc;
	}
	if ((rc = add_addr(r, &cfg->ipv4, ifindex, err, err_len)) != 0)
		return rc;
	if (cfg->has_ipv6 && (rc = add_addr(r, &cfg->ipv6, ifindex, err, err_len)) != 0)
		return rc;
	/* A pushed route that holds the server's own address must not swallow
	 * the tunnel's connection: pin the server first. */
	if (in_prefixes(cfg->routes, cfg->n_routes, server)) {
		if ((rc = learn_underlay(r, server, err, err_len)) != 0)
			return rc;
		*(server->family == AF_INET ? &r->covered4 : &r->covered6) = true;
		if ((rc = routes_pin_server(r, server, err, err_len)) != 0)
			return rc;
	}
	for (size_t i = 0; i < cfg->n_routes; i++)
		if ((rc = add_route(r, &cfg->routes[i], r->tun, NULL, err, err_len)) != 0)
			return rc;
	if (cfg->redirect_gateway)
		return apply_redirect(r, cfg, server, leak_table, err, err_len);
	/* Without redirect-gateway the pushed resolvers must still be reached
	 * through the tunnel. */
	for (size_t i = 0; i < cfg->n_dns; i++) {
		const struct ip_addr *d = &cfg->dns[i];
		if (addr_prefix_contains(&cfg->ipv4, d) ||
		    (cfg->has_ipv6 && addr_prefix_contains(&cfg->ipv6, d)) ||
		    in_prefixes(cfg->routes, cfg->n_routes, d) ||
		    (d->family == AF_INET6 && !cfg->has_ipv6))
			continue;
		struct ip_prefix hp = host_prefix(d);
		if ((rc = add_route(r, &hp, r->tun, NULL, err, err_len)) != 0)
			return rc;
	}
	return 0;
}

static bool prefix_eq(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

bool routes_config_equal(const struct control_config *a, const struct control_config *b)
{
	if (!prefix_eq(&a->ipv4, &b->ipv4) || a->has_ipv6 != b->has_ipv6 ||
	    (a->has_ipv6 && !prefix_eq(&a->ipv6, &b->ipv6)) || a->mtu != b->mtu ||
	    a->redirect_gateway != b->redirect_gateway || a->n_routes != b->n_routes ||
	    a->n_dns != b->n_dns)
		return false;
	for (size_t i = 0; i < a->n_routes; i++)
		if (!prefix_eq(&a->routes[i], &b->routes[i]))
			return false;
	for (size_t i = 0; i < a->n_dns; i++)
		if (!addr_equal(&a->dns[i], &b->dns[i]))
			return false;
	return true;
}
