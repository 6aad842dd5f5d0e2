/* rtnetlink glue (libmnl): link state, addresses and routes, instead of `ip`.
 *
 * A struct netlink owns one NETLINK_ROUTE socket and a receive buffer of
 * MNL_SOCKET_BUFFER_SIZE. Every call is one synchronous request answered by
 * the kernel's ACK (matched by sequence number and port id); the result is 0 or
 * the kernel's -errno from that ACK (e.g. -EEXIST for an address or route that
 * is already there, -ESRCH for a route that is not): the caller decides which of
 * those it tolerates. Not thread-safe; one per event loop is plenty.
 * Addresses come from addr.h and must already be validated (family AF_INET or
 * AF_INET6, prefix length within the family's width; -EINVAL otherwise). */
#ifndef TLSVPN_NETLINK_H
#define TLSVPN_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct netlink;

/* Opens and binds the socket. NULL on failure, with err (may be NULL) saying why. */
struct netlink *netlink_open(char *err, size_t len);
/* Closes the socket and frees nl; NULL is a no-op. */
void netlink_close(struct netlink *nl);

/* Interface index of ifname, or -ENODEV (-EINVAL for a malformed name). */
int netlink_link_index(const char *ifname);

/* Sets the MTU and brings the link up or down in one request. -EINVAL for an
 * MTU outside NETLINK_MTU_MIN..NETLINK_MTU_MAX (0 included) or ifindex <= 0. */
#define NETLINK_MTU_MIN 68 /* the IPv4 minimum (RFC 791) */
#define NETLINK_MTU_MAX 65535
int netlink_link_set(struct netlink *nl, int ifindex, unsigned mtu, bool up);
/* Brings the link up or down, leaving the MTU alone (for lo, veth). */
int netlink_link_up(struct netlink *nl, int ifindex, bool up);

/* Adds / removes an address with its prefix length on ifindex. IPv6 addresses
 * are added with IFA_F_NODAD so they are usable at once. */
int netlink_addr_add(struct netlink *nl, int ifindex, const struct ip_prefix *addr);
int netlink_addr_del(struct netlink *nl, int ifindex, const struct ip_prefix *addr);

/* Adds / removes a unicast route in the main table. Host bits of dst are
 * cleared first (10.8.0.1/24 means 10.8.0.0/24), as the kernel refuses them. gw may be NULL
 * (on-link route via ifindex); ifindex 0 lets the kernel pick the device from gw; at least one of
 * the two is required. gw must have dst's family. metric is the route priority (0 = kernel
 * default). Adding uses NLM_F_CREATE|NLM_F_EXCL. */
int netlink_route_add(struct netlink *nl, const struct ip_prefix *dst, const struct ip_addr *gw,
		      int ifindex, uint32_t metric);
int netlink_route_del(struct netlink *nl, const struct ip_prefix *dst, const struct ip_addr *gw,
		      int ifindex, uint32_t metric);

/* Asks the kernel how it would reach dst now (RTM_GETROUTE). On success
 * *has_gw says whether the route has a gateway, *gw_out holds it if so
 * (family AF_UNSPEC otherwise), and *ifindex_out is the output device. Any out
 * pointer may be NULL. -ENETUNREACH / -EHOSTUNREACH if there is no route. */
int netlink_route_get(struct netlink *nl, const struct ip_addr *dst, struct ip_addr *gw_out,
		      bool *has_gw, int *ifindex_out);

#endif
