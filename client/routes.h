/*
 * Applies the server's config to the host over rtnetlink: the TUN's MTU,
 * addresses and pushed routes, redirect-gateway (0.0.0.0/1 + 128.0.0.0/1 into
 * the tunnel, ::/1 + 8000::/1 when IPv6 is pushed, else IPv6 blocked by the
 * leak guard), and a host route to the VPN server through the gateway that
 * reached it before, so the tunnel's own TCP connection does not loop into
 * the tunnel. Every change is recorded in the undo journal before it is made.
 *
 * Ownership: struct routes borrows nl and the journal; they must outlive it.
 */
#ifndef TLSVPN_CLIENT_ROUTES_H
#define TLSVPN_CLIENT_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "control.h"

struct netlink;
struct undo;
struct routes;

struct routes *routes_new(struct netlink *nl, struct undo *u, const char *tun);
void routes_free(struct routes *r); /* NULL ok; undoes nothing (the journal does) */

/*
 * Before connecting to server: while the tunnel carries the default route, a
 * new connection to a server (another remote, or a reconnect) must leave by
 * the underlay. Adds a host route through the gateway remembered from before
 * redirect-gateway took over, if none is there yet. No-op without redirect.
 * 0 or -errno with err set.
 */
int routes_pin_server(struct routes *r, const struct ip_addr *server, char *err, size_t err_len);

/*
 * Applies cfg for a session connected to server (the journal must hold no
 * earlier config: revert it first). leak_table names the nftables table used
 * when IPv6 must be blocked. 0 or -errno with err naming the step that failed.
 */
int routes_apply(struct routes *r, const struct control_config *cfg, const struct ip_addr *server,
		 const char *leak_table, char *err, size_t err_len);

/* The journal was reverted: forget what was applied (pins included). */
void routes_reset(struct routes *r);

/* Whether two configs need the same host changes (addresses, MTU, routes,
 * redirect, DNS), i.e. a reconnect that got b back can keep everything. */
bool routes_config_equal(const struct control_config *a, const struct control_config *b);

#endif
