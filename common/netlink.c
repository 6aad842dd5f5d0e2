/* rtnetlink through libmnl. See netlink.h. */
#include "netlink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "tun.h"

struct netlink {
	struct mnl_socket *sock;
	unsigned portid;
	uint32_t seq;
	size_t buf_len;
	char *buf; /* MNL_SOCKET_BUFFER_SIZE: one request out, one reply datagram in */
};

static void set_err(char *err, size_t len, const char *what, int e)
{
	if (err && len > 0)
		snprintf(err, len, "netlink: %s: %s", what, strerror(e));
}

struct netlink *netlink_open(char *err, size_t len)
{
	struct netlink *nl;
	int e;

	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		set_err(err, len, "allocating", ENOMEM);
		return NULL;
	}
	nl->buf_len = (size_t)MNL_SOCKET_BUFFER_SIZE;
	nl->buf = malloc(nl->buf_len);
	if (!nl->buf) {
		set_err(err, len, "allocating", ENOMEM);
		free(nl);
		return NULL;
	}
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		e = errno;
		set_err(err, len, "opening NETLINK_ROUTE socket", e);
		goto fail;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		set_err(err, len, "binding NETLINK_ROUTE socket", e);
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Any start value works; a time-based one keeps two sockets of one
	 * process from looking alike in a netlink trace. */
	nl->seq = (uint32_t)time(NULL);
	return nl;
fail:
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
	return NULL;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

int netlink_link_index(const char *ifname)
{
	unsigned idx;

	if (!tun_name_valid(ifname, false))
		return -EINVAL;
	idx = if_nametoindex(ifname);
	if (idx == 0 || idx > (unsigned)INT32_MAX)
		return -ENODEV;
	return (int)idx;
}

static struct nlmsghdr *start(struct netlink *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Sends nlh and reads until the kernel's ACK for it. cb (may be NULL) sees
 * each data message of the reply. 0 or the kernel's -errno. */
static int transact(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	int r;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return errno ? -errno : -EPROTO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int check_link(struct netlink *nl, int ifindex)
{
	if (!nl || ifindex <= 0)
		return -EINVAL;
	return 0;
}

static int link_change(struct netlink *nl, int ifindex, unsigned mtu, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = start(nl, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return transact(nl, nlh, NULL, NULL);
}

int netlink_link_set(struct netlink *nl, int ifindex, unsigned mtu, bool up)
{
	int r = check_link(nl, ifindex);

	if (r < 0)
		return r;
	if (mtu < NETLINK_MTU_MIN || mtu > NETLINK_MTU_MAX)
		return -EINVAL;
	return link_change(nl, ifindex, mtu, up);
}

int netlink_link_up(struct netlink *nl, int ifindex, bool up)
{
	int r = check_link(nl, ifindex);

	if (r < 0)
		return r;
	return link_change(nl, ifindex, 0, up);
}

static size_t family_bytes(int family)
{
	if (family == AF_INET)
		return sizeof(struct in_addr);
	if (family == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

static bool prefix_ok(const struct ip_prefix *p)
{
	size_t n;

	if (!p)
		return false;
	n = family_bytes(p->addr.family);
	return n && p->len <= n * 8;
}

static int addr_change(struct netlink *nl, uint16_t type, uint16_t flags, int ifindex,
		       const struct ip_prefix *addr)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t n;
	int r = check_link(nl, ifindex);

	if (r < 0)
		return r;
	if (!prefix_ok(addr))
		return -EINVAL;
	n = family_bytes(addr->addr.family);

	nlh = start(nl, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)addr->addr.family;
	ifa->ifa_prefixlen = (uint8_t)addr->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	/* A tunnel address must work at once: duplicate address detection
	 * would hold it "tentative" for a second or more. */
	if (addr->addr.family == AF_INET6 && type == RTM_NEWADDR)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, n, &addr->addr.u);
	mnl_attr_put(nlh, IFA_ADDRESS, n, &addr->addr.u);
	return transact(nl, nlh, NULL, NULL);
}

int netlink_addr_add(struct netlink *nl, int ifindex, const struct ip_prefix *addr)
{
	return addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, addr);
}

int netlink_addr_del(struct netlink *nl, int ifindex, const struct ip_prefix *addr)
{
	return addr_change(nl, RTM_DELADDR, 0, ifindex, addr);
}

static int route_change(struct netlink *nl, bool add, const struct ip_prefix *dst,
			const struct ip_addr *gw, int ifindex, uint32_t metric)
{
	struct ip_prefix net;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t n;

	if (!nl || ifindex < 0 || !prefix_ok(dst))
		return -EINVAL;
	if (gw && gw->family != dst->addr.family)
		return -EINVAL;
	if (!gw && ifindex == 0)
		return -EINVAL;
	net = *dst;
	addr_prefix_mask(&net);
	n = family_bytes(net.addr.family);

	nlh = start(nl, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)net.addr.family;
	rtm->rtm_dst_len = (uint8_t)net.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	/* As ip(8) does: a route without a gateway is on-link; a delete matches
	 * whatever scope the route has. */
	if (!add)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else if (!gw && net.addr.family == AF_INET)
		rtm->rtm_scope = RT_SCOPE_LINK;
	else
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	if (net.len > 0)
		mnl_attr_put(nlh, RTA_DST, n, &net.addr.u);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, n, &gw->u);
	if (ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return transact(nl, nlh, NULL, NULL);
}

int netlink_route_add(struct netlink *nl, const struct ip_prefix *dst, const struct ip_addr *gw,
		      int ifindex, uint32_t metric)
{
	return route_change(nl, true, dst, gw, ifindex, metric);
}

int netlink_route_del(struct netlink *nl, const struct ip_prefix *dst, const struct ip_addr *gw,
		      int ifindex, uint32_t metric)
{
	return route_change(nl, false, dst, gw, ifindex, metric);
}

struct route_reply {
	int family;
	bool seen;
	uint8_t type;
	bool has_gw;
	struct ip_addr gw;
	int ifindex;
};

static int route_attr(const struct nlattr *attr, void *data)
{
	struct route_reply *rr = data;
	size_t n = family_bytes(rr->family);

	switch (mnl_attr_get_type(attr)) {
	case RTA_GATEWAY:
		/* Length checked: the reply is trusted, the parser still is not
		 * allowed to read past an attribute. */
		if (mnl_attr_get_payload_len(attr) != n)
			break;
		memset(&rr->gw, 0, sizeof(rr->gw));
		rr->gw.family = rr->family;
		memcpy(&rr->gw.u, mnl_attr_get_payload(attr), n);
		rr->has_gw = true;
		break;
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		rr->ifindex = (int)mnl_attr_get_u32(attr);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int route_msg(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *rr = data;
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != rr->family)
		return MNL_CB_OK;
	rr->seen = true;
	rr->type = rtm->rtm_type;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, rr);
	return MNL_CB_OK;
}

int netlink_route_get(struct netlink *nl, const struct ip_addr *dst, struct ip_addr *gw_out,
		      bool *has_gw, int *ifindex_out)
{
	struct route_reply rr;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t n;
	int r;

	if (!nl || !dst)
		return -EINVAL;
	n = family_bytes(dst->family);
	if (!n)
		return -EINVAL;
	memset(&rr, 0, sizeof(rr));
	rr.family = dst->family;

	nlh = start(nl, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)(n * 8);
	mnl_attr_put(nlh, RTA_DST, n, &dst->u);
	r = transact(nl, nlh, route_msg, &rr);
	if (r < 0)
		return r;
	if (!rr.seen)
		return -EPROTO;
	switch (rr.type) {
	case RTN_UNICAST:
	case RTN_LOCAL:
		break;
	case RTN_UNREACHABLE:
		return -ENETUNREACH;
	default: /* blackhole, prohibit, throw: no way out */
		return -EHOSTUNREACH;
	}
	if (gw_out) {
		if (rr.has_gw)
			*gw_out = rr.gw;
		else
			memset(gw_out, 0, sizeof(*gw_out));
	}
	if (has_gw)
		*has_gw = rr.has_gw;
	if (ifindex_out)
		*ifindex_out = rr.ifindex;
	return 0;
}
