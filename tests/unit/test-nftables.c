/* Unit tests: libnftables glue (nftables.c), the server's NAT table
 * (server/nat.c) and the client's IPv6 leak guard (client/leakguard.c), run
 * for real inside a private network namespace (see net-test.h). Rules are
 * checked with the nft command in the same namespace; the leak guard also by
 * sending packets. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <poll.h>

#include "addr.h"
#include "leakguard.h"
#include "nat.h"
#include "net-test.h"
#include "netlink.h"
#include "nftables.h"
#include "tun.h"

#define OUT_MAX 16384

static struct ip_prefix prefix(const char *s)
{
	struct ip_prefix p;

	ck_assert_msg(addr_prefix_parse(s, &p), "bad prefix in test: %s", s);
	return p;
}

static struct ip_addr address(const char *s)
{
	struct ip_addr a;

	ck_assert_msg(addr_parse(s, &a), "bad address in test: %s", s);
	return a;
}

/* nft's listing of a table, or "" when it does not exist. */
static const char *list_table(const char *family_table, char *out)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "nft list table %s 2>/dev/null", family_table);
	if (net_test_capture(cmd, out, OUT_MAX) != 0)
		out[0] = '\0';
	return out;
}

/* A table nobody in these tests owns: hostile input must not be able to
 * remove it (e.g. by smuggling "flush ruleset" into the rule text). */
static void add_sentinel(void)
{
	char err[512];

	ck_assert_msg(nftables_run("add table inet sentinel", err, sizeof(err)) == 0, "%s", err);
}

static void assert_sentinel(void)
{
	char out[OUT_MAX];

	ck_assert_msg(*list_table("inet sentinel", out), "sentinel table is gone");
}

START_TEST(test_nftables_run)
{
	char err[512], out[OUT_MAX];

	ck_assert_int_eq(nftables_run("add table ip t1\nadd chain ip t1 c1", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    nftables_run_output("list table ip t1", out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_msg(strstr(out, "chain c1") != NULL, "%s", out);
	/* Too small an output buffer is reported, not cut silently. */
	ck_assert_int_eq(nftables_run_output("list table ip t1", out, 8, err, sizeof(err)),
			 -ENOSPC);
	ck_assert_int_eq(nftables_run("delete table ip t1", err, sizeof(err)), 0);

	/* A syntax error: nothing runs, libnftables' text comes back on one line. */
	ck_assert_int_eq(nftables_run("add table ip t2\nthis is not nft", err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "Error") != NULL, "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_str_eq(list_table("ip t2", out), "");
	/* Kernel refusal: deleting an absent table. */
	ck_assert_int_eq(nftables_run("delete table ip nosuch", err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
	ck_assert_int_eq(nftables_run(NULL, err, sizeof(err)), -EINVAL);
	/* err may be NULL. */
	ck_assert_int_lt(nftables_run("bogus", NULL, 0), 0);
}
END_TEST

START_TEST(test_nftables_names)
{
	ck_assert(nftables_name_valid("tlsvpn"));
	ck_assert(nftables_name_valid("a"));
	ck_assert(nftables_name_valid("Tls_vpn2"));
	ck_assert(nftables_name_valid("abcdefghijabcdefghijabcdefghija")); /* 31 */
	ck_assert(!nftables_name_valid("abcdefghijabcdefghijabcdefghijab"));
	ck_assert(!nftables_name_valid(""));
	ck_assert(!nftables_name_valid(NULL));
	ck_assert(!nftables_name_valid("1abc"));
	ck_assert(!nftables_name_valid("_abc"));
	ck_assert(!nftables_name_valid("t; flush ruleset"));
	ck_assert(!nftables_name_valid("t-1"));
	ck_assert(!nftables_name_valid("t\"x"));
}
END_TEST

START_TEST(test_nat_setup_idempotent)
{
	struct ip_prefix p4 = prefix("10.8.0.0/24"), p6 = prefix("fd00:8::/64");
	char err[512], out[OUT_MAX];

	ck_assert_msg(nat_setup(NULL, &p4, &p6, "eth0", err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nat_setup(NULL, &p4, &p6, "eth0", err, sizeof(err)) == 0, "%s", err);

	list_table("ip tlsvpn", out);
	ck_assert_msg(strstr(out, "type nat hook postrouting") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "ip saddr 10.8.0.0/24 ip daddr != 10.8.0.0/24 oifname \"eth0\" "
				  "masquerade") != NULL,
		      "%s", out);
	list_table("ip6 tlsvpn", out);
	ck_assert_msg(strstr(out, "ip6 saddr fd00:8::/64 ip6 daddr != fd00:8::/64 oifname "
				  "\"eth0\" masquerade") != NULL,
		      "%s", out);
	/* Twice gave one rule, not two. */
	ck_assert_ptr_null(strstr(strstr(out, "masquerade") + 1, "masquerade"));

	/* Reconfigured without NAT66 and without an interface: the ip6 table goes. */
	ck_assert_msg(nat_setup(NULL, &p4, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	list_table("ip tlsvpn", out);
	ck_assert_msg(strstr(out, "ip saddr 10.8.0.0/24 ip daddr != 10.8.0.0/24 masquerade") !=
			  NULL,
		      "%s", out);
	ck_assert_str_eq(list_table("ip6 tlsvpn", out), "");

	ck_assert_int_eq(nat_remove(NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(list_table("ip tlsvpn", out), "");
	/* Removing an absent table is not an error. */
	ck_assert_msg(nat_remove(NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(nat_remove("othername", err, sizeof(err)) == 0, "%s", err);
}
END_TEST

/* A server killed with -9 left its table, perhaps with other contents: the
 * next start replaces it whole. Other tables are not touched. */
START_TEST(test_nat_replaces_stale)
{
	struct ip_prefix p4 = prefix("10.8.0.1/24"); /* host bits: masked */
	char err[512], out[OUT_MAX];

	add_sentinel();
	ck_assert_msg(nftables_run("table ip vpn2 {\n chain junk {\n type nat hook postrouting "
				   "priority 100;\n counter\n }\n}\n",
				   err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_msg(nat_setup("vpn2", &p4, NULL, "uplink.7", err, sizeof(err)) == 0, "%s", err);
	list_table("ip vpn2", out);
	ck_assert_msg(strstr(out, "junk") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "ip saddr 10.8.0.0/24") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "oifname \"uplink.7\"") != NULL, "%s", out);
	assert_sentinel();
	ck_assert_int_eq(nat_remove("vpn2", err, sizeof(err)), 0);
	ck_assert_str_eq(list_table("ip vpn2", out), "");
	assert_sentinel();
}
END_TEST

/* An AF_PACKET socket that sees the packets of ethertype proto (ETH_P_IP,
 * ETH_P_IPV6) arriving on ifindex. */
static int capture(int ifindex, uint16_t proto)
{
	struct sockaddr_ll ll;
	int cap = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(proto));

	ck_assert_int_ge(cap, 0);
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(proto);
	ll.sll_ifindex = ifindex;
	ck_assert_int_eq(bind(cap, (struct sockaddr *)&ll, sizeof(ll)), 0);
	return cap;
}

/* Sends one UDP datagram from src (a local address in the pool) to dst and
 * returns, through *seen, the source address of the packet that arrived on
 * the capture device cap_idx (the veth peer), i.e. after NAT. */
static void send_and_capture(const char *src, const char *dst, int cap_idx, struct ip_addr *seen)
{
	struct sockaddr_storage ss_src, ss_dst;
	struct ip_addr a_src = address(src), a_dst = address(dst);
	unsigned char pkt[2048];
	struct pollfd pfd;
	socklen_t slen, dlen;
	int family = a_src.family;
	uint16_t proto = family == AF_INET ? ETH_P_IP : ETH_P_IPV6;
	int cap, s;

	cap = capture(cap_idx, proto);

	ck_assert_int_eq(addr_to_sockaddr(&a_src, 0, &ss_src, &slen), 0);
	ck_assert_int_eq(addr_to_sockaddr(&a_dst, 9, &ss_dst, &dlen), 0);
	s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&ss_src, slen), 0);
	ck_assert_int_eq(sendto(s, "nat", 3, 0, (struct sockaddr *)&ss_dst, dlen), 3);

	memset(seen, 0, sizeof(*seen));
	pfd.fd = cap;
	pfd.events = POLLIN;
	/* Skip anything else on the wire (router solicitations, MLD). */
	while (poll(&pfd, 1, 2000) == 1) {
		ssize_t n = recv(cap, pkt, sizeof(pkt), 0);

		if (family == AF_INET && n >= 20 && pkt[9] == IPPROTO_UDP) {
			seen->family = AF_INET;
			memcpy(&seen->u.v4, pkt + 12, 4);
			break;
		}
		if (family == AF_INET6 && n >= 40 && pkt[6] == IPPROTO_UDP) {
			seen->family = AF_INET6;
			memcpy(&seen->u.v6, pkt + 8, 16);
			break;
		}
	}
	close(s);
	close(cap);
}

/* The table really translates: a packet from the pool leaves the uplink
 * with the uplink's address as its source (IPv4 and NAT66). A static
 * neighbour entry for the peer lets the packet go out without anyone
 * answering ARP / neighbour discovery. */
START_TEST(test_nat_masquerades_traffic)
{
	struct ip_prefix p4 = prefix("10.8.0.0/24"), p6 = prefix("fd00:8::/64");
	struct ip_prefix t4 = prefix("10.8.0.1/32"), t6 = prefix("fd00:8::1/128");
	struct ip_prefix u4 = prefix("198.18.6.1/24"), u6 = prefix("fd00:18:6::1/64");
	struct ip_addr seen;
	struct netlink *nl;
	char err[512], tun[TUN_NAME_MAX + 1];
	int fd, va, vb;

	nl = netlink_open(err, sizeof(err));
	ck_assert_msg(nl != NULL, "%s", err);
	fd = tun_open("natpool%d", tun, sizeof(tun), err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(netlink_link_up(nl, netlink_link_index(tun), true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, netlink_link_index(tun), &t4), 0);
	ck_assert_int_eq(netlink_addr_add(nl, netlink_link_index(tun), &t6), 0);

	ck_assert_int_eq(
	    net_test_run("ip link add natva type veth peer name natvb address 02:00:00:00:00:02"),
	    0);
	va = netlink_link_index("natva");
	vb = netlink_link_index("natvb");
	ck_assert_int_eq(netlink_link_up(nl, va, true), 0);
	ck_assert_int_eq(netlink_link_up(nl, vb, true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, va, &u4), 0);
	ck_assert_int_eq(netlink_addr_add(nl, va, &u6), 0);
	ck_assert_int_eq(net_test_run("ip neigh add 198.18.6.2 lladdr 02:00:00:00:00:02 dev natva "
				      "nud permanent"),
			 0);
	ck_assert_int_eq(net_test_run("ip neigh add fd00:18:6::2 lladdr 02:00:00:00:00:02 dev "
				      "natva nud permanent"),
			 0);

	/* Without NAT the pool address shows. */
	send_and_capture("10.8.0.1", "198.18.6.2", vb, &seen);
	ck_assert(addr_equal(&seen, &t4.addr));

	ck_assert_msg(nat_setup("nattest", &p4, &p6, "natva", err, sizeof(err)) == 0, "%s", err);
	send_and_capture("10.8.0.1", "198.18.6.2", vb, &seen);
	ck_assert(addr_equal(&seen, &u4.addr));
	send_and_capture("fd00:8::1", "fd00:18:6::2", vb, &seen);
	ck_assert(addr_equal(&seen, &u6.addr));

	ck_assert_int_eq(nat_remove("nattest", err, sizeof(err)), 0);
	ck_assert_int_eq(net_test_run("ip link del natva"), 0);
	close(fd);
	netlink_close(nl);
}
END_TEST

START_TEST(test_nat_hostile)
{
	struct ip_prefix p4 = prefix("10.8.0.0/24"), p6 = prefix("fd00:8::/64");
	char err[512], out[OUT_MAX];

	add_sentinel();
	ck_assert_int_eq(nat_setup(NULL, &p4, NULL, "eth0; flush ruleset", err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "invalid output interface \"eth0; flush ruleset\"") != NULL, "%s",
		      err);
	ck_assert_int_eq(nat_setup(NULL, &p4, NULL, "eth0\" masquerade", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(nat_setup(NULL, &p4, NULL, "averyveryverylongname", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(nat_setup("x; flush ruleset", &p4, NULL, "eth0", err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "invalid table name") != NULL, "%s", err);
	ck_assert_int_eq(nat_remove("x; flush ruleset", err, sizeof(err)), -EINVAL);
	/* Pools of the wrong family or out of range. */
	ck_assert_int_eq(nat_setup(NULL, &p6, NULL, "eth0", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "pool4 must be an IPv4 prefix") != NULL, "%s", err);
	ck_assert_int_eq(nat_setup(NULL, &p4, &p4, "eth0", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "pool6 must be an IPv6 prefix") != NULL, "%s", err);
	ck_assert_int_eq(nat_setup(NULL, NULL, NULL, "eth0", err, sizeof(err)), -EINVAL);
	p4.len = 33;
	ck_assert_int_eq(nat_setup(NULL, &p4, NULL, "eth0", err, sizeof(err)), -EINVAL);
	/* Nothing was created, nothing flushed. */
	ck_assert_str_eq(list_table("ip tlsvpn", out), "");
	assert_sentinel();
}
END_TEST

/* Tests share the namespace: a failed test must not leave its guard for the next. */
static void clean_leakguard(void)
{
	char err[512];

	ck_assert_msg(leakguard_remove(NULL, err, sizeof(err)) == 0, "%s", err);
}

/* a and b are strstr() results in out: both found, a first. */
static void assert_before(const char *out, const char *a, const char *b)
{
	ck_assert_msg(a && b && a < b, "wrong order in: %s", out);
}

START_TEST(test_leakguard_rules)
{
	struct ip_addr s4 = address("198.18.1.1"), s6 = address("fd00:18:1::1");
	char err[512], out[OUT_MAX];

	clean_leakguard();
	ck_assert_msg(leakguard_block_ipv6(NULL, "tlsvpn0", &s4, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(leakguard_block_ipv6(NULL, "tlsvpn0", &s4, err, sizeof(err)) == 0, "%s", err);
	list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out);
	/* nft(8) prints priority 0 by its name. */
	ck_assert_msg(strstr(out, "type filter hook output priority filter; policy drop;") != NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, "oifname \"lo\" accept") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "oifname \"tlsvpn0\" accept") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "daddr") == NULL, "%s", out);
	/* Neighbour discovery, with nft's own l4proto dependency (else it
	 * would print "meta l4proto" or "@th"). */
	ck_assert_msg(strstr(out, "icmpv6 type nd-router-solicit ip6 hoplimit 255 accept") != NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, "icmpv6 type nd-neighbor-solicit ip6 hoplimit 255 accept") !=
			  NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, "icmpv6 type nd-neighbor-advert ip6 hoplimit 255 accept") != NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, "th ") == NULL && strstr(out, "l4proto") == NULL, "%s", out);
	/* In order: loopback, tunnel, then neighbour discovery. */
	assert_before(out, strstr(out, "\"lo\""), strstr(out, "tlsvpn0"));
	assert_before(out, strstr(out, "tlsvpn0"), strstr(out, "icmpv6"));

	/* An IPv6 server stays reachable; the tunnel name may change. */
	ck_assert_msg(leakguard_block_ipv6(NULL, "tlsvpn1", &s6, err, sizeof(err)) == 0, "%s", err);
	list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out);
	ck_assert_msg(strstr(out, "ip6 daddr fd00:18:1::1 accept") != NULL, "%s", out);
	assert_before(out, strstr(out, "tlsvpn1"), strstr(out, "daddr"));
	assert_before(out, strstr(out, "daddr"), strstr(out, "icmpv6"));
	ck_assert_msg(strstr(out, "tlsvpn0") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "oifname \"tlsvpn1\" accept") != NULL, "%s", out);

	ck_assert_msg(leakguard_block_ipv6(NULL, "tlsvpn1", NULL, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(leakguard_remove(NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out), "");
	ck_assert_msg(leakguard_remove(NULL, err, sizeof(err)) == 0, "%s", err);
}
END_TEST

START_TEST(test_leakguard_hostile)
{
	struct ip_addr s = address("198.18.1.1");
	char err[512], out[OUT_MAX];

	clean_leakguard();
	add_sentinel();
	ck_assert_int_eq(leakguard_block_ipv6(NULL, "eth0; flush ruleset", &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "invalid tunnel interface \"eth0; flush ruleset\"") != NULL, "%s",
		      err);
	ck_assert_int_eq(leakguard_block_ipv6(NULL, "tun\"0", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(leakguard_block_ipv6(NULL, "", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(leakguard_block_ipv6(NULL, NULL, &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(leakguard_block_ipv6("a b", "tun0", &s, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(leakguard_remove("a;b", err, sizeof(err)), -EINVAL);
	s.family = 1234;
	ck_assert_int_eq(leakguard_block_ipv6(NULL, "tun0", &s, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "unknown family 1234") != NULL, "%s", err);
	ck_assert_str_eq(list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out), "");
	assert_sentinel();
}
END_TEST

/* A client killed with -9 left its table, perhaps changed since by somebody
 * else: the next start replaces it whole. Other tables are not touched. */
START_TEST(test_leakguard_replaces_stale)
{
	struct ip_addr s6 = address("fd00:18:1::1");
	char err[512], out[OUT_MAX];

	clean_leakguard();
	add_sentinel();
	ck_assert_msg(
	    nftables_run("table ip6 lgstale {\n set junkset { type ipv6_addr; }\n"
			 " chain junk {\n type filter hook input priority 0;\n counter\n }\n"
			 " chain output {\n type filter hook output priority 10;\n"
			 " oifname \"eth9\" accept\n }\n}\n",
			 err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_msg(leakguard_block_ipv6("lgstale", "tun7", &s6, err, sizeof(err)) == 0, "%s",
		      err);
	list_table("ip6 lgstale", out);
	ck_assert_msg(strstr(out, "junk") == NULL && strstr(out, "eth9") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "priority filter; policy drop;") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "oifname \"tun7\" accept") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "ip6 daddr fd00:18:1::1 accept") != NULL, "%s", out);
	/* Only the named table: the default one was never made. */
	ck_assert_str_eq(list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out), "");
	assert_sentinel();

	ck_assert_msg(leakguard_remove("lgstale", err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(list_table("ip6 lgstale", out), "");
	/* Absent, under its own name too: not an error. */
	ck_assert_msg(leakguard_remove("lgstale", err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(leakguard_remove("lgnever", err, sizeof(err)) == 0, "%s", err);
	assert_sentinel();
}
END_TEST

/* Makes table ip6 NAME owned by a netlink socket of its own
 * (NFT_TABLE_F_OWNER): no other socket may change or delete it, and it goes
 * when the returned socket is closed. */
static struct mnl_socket *owned_table(const char *name)
{
	char buf[8192];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	struct nftnl_table *t = nftnl_table_alloc();
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh;
	ssize_t n;

	ck_assert(b && t && nl);
	ck_assert_int_eq(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	ck_assert_int_eq(nftnl_table_set_str(t, NFTNL_TABLE_NAME, name), 0);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq);
	mnl_nlmsg_batch_next(b);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE, NFPROTO_IPV6,
				    NLM_F_CREATE | NLM_F_ACK, seq + 1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	mnl_nlmsg_batch_next(b);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq + 2);
	mnl_nlmsg_batch_next(b);
	ck_assert_int_ge(mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)),
			 0);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_msg(mnl_cb_run(buf, (size_t)n, seq + 1, mnl_socket_get_portid(nl), NULL, NULL) >=
			  0,
		      "owned table %s: %s", name, strerror(errno));
	mnl_nlmsg_batch_stop(b);
	nftnl_table_free(t);
	return nl;
}

/* The kernel refuses one message: the whole batch is undone, and the error
 * names the table, the message and the kernel's reason. The next call skips
 * the answers left unread. */
START_TEST(test_leakguard_kernel_refuses)
{
	struct mnl_socket *owner;
	char err[512], out[OUT_MAX];

	clean_leakguard();
	owner = owned_table("lgowned");
	ck_assert_int_eq(leakguard_block_ipv6("lgowned", "tun0", NULL, err, sizeof(err)), -EPERM);
	ck_assert_str_eq(err, "leakguard: setting up table lgowned: kernel refused add table: "
			      "Operation not permitted");
	list_table("ip6 lgowned", out);
	ck_assert_msg(strstr(out, "flags owner") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "chain") == NULL, "%s", out);
	ck_assert_int_eq(leakguard_remove("lgowned", err, sizeof(err)), -EPERM);
	ck_assert_str_eq(err, "leakguard: removing table lgowned: kernel refused add table: "
			      "Operation not permitted");
	/* Other tables still work over the same socket. */
	ck_assert_msg(leakguard_block_ipv6(NULL, "tun0", NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(*list_table("ip6 " LEAKGUARD_TABLE_DEFAULT, out), "no table");

	mnl_socket_close(owner);
	ck_assert_str_eq(list_table("ip6 lgowned", out), "");
	ck_assert_msg(leakguard_block_ipv6("lgowned", "tun0", NULL, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_msg(leakguard_remove("lgowned", err, sizeof(err)) == 0, "%s", err);
	clean_leakguard();
}
END_TEST

/* Without CAP_NET_ADMIN the kernel refuses the batch as a whole. In a child,
 * so that this process keeps root; it reports by its exit status. */
START_TEST(test_leakguard_unprivileged)
{
	int status;
	pid_t pid;

	clean_leakguard();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[512];
		int r;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		r = leakguard_block_ipv6(NULL, "tun0", NULL, err, sizeof(err));
		if (r != -EPERM ||
		    strcmp(err, "leakguard: setting up table " LEAKGUARD_TABLE_DEFAULT
				": kernel refused the batch: Operation not permitted") != 0) {
			fprintf(stderr, "unprivileged: %d %s\n", r, err);
			_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	ck_assert_msg(leakguard_remove(NULL, NULL, 0) == 0, "no table expected");
}
END_TEST

/* 0 when a UDP datagram to addr (IPv6) leaves, else -errno from sendto. */
static int send6(const char *addr)
{
	struct sockaddr_in6 sa;
	int s, r = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(9);
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	if (sendto(s, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(s);
	return r;
}

/* True when a neighbour solicitation for target arrives on cap within 2 s
 * (skipping router solicitations, MLD, DAD for other addresses). */
static bool saw_solicit(int cap, const struct ip_addr *target)
{
	unsigned char pkt[2048];
	struct pollfd pfd = {.fd = cap, .events = POLLIN};

	while (poll(&pfd, 1, 2000) == 1) {
		ssize_t n = recv(cap, pkt, sizeof(pkt), 0);

		/* IPv6 header (40), ICMPv6 type 135, code, checksum, reserved, target. */
		if (n >= 64 && pkt[6] == IPPROTO_ICMPV6 && pkt[7] == 255 && pkt[40] == 135 &&
		    memcmp(pkt + 48, &target->u.v6, 16) == 0)
			return true;
	}
	return false;
}

/* The guard really drops: IPv6 out of a "physical" veth fails with EPERM,
 * loopback and the allowed server still work, and removal restores all. */
START_TEST(test_leakguard_blocks_traffic)
{
	struct ip_prefix a6 = prefix("fd00:18:7::1/64");
	struct ip_addr srv = address("fd00:18:7::99");
	struct netlink *nl;
	char err[512];
	int va, cap;

	clean_leakguard();
	nl = netlink_open(err, sizeof(err));
	ck_assert_msg(nl != NULL, "%s", err);
	ck_assert_int_eq(net_test_run("ip link add lgva type veth peer name lgvb"), 0);
	va = netlink_link_index("lgva");
	ck_assert_int_gt(va, 0);
	ck_assert_int_eq(netlink_link_up(nl, va, true), 0);
	ck_assert_int_eq(netlink_link_up(nl, netlink_link_index("lgvb"), true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, va, &a6), 0);

	ck_assert_int_eq(send6("fd00:18:7::2"), 0);
	ck_assert_msg(leakguard_block_ipv6(NULL, "tlsvpn0", &srv, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(send6("fd00:18:7::2"), -EPERM);
	ck_assert_int_eq(send6("::1"), 0);
	cap = capture(netlink_link_index("lgvb"), ETH_P_IPV6);
	ck_assert_int_eq(send6("fd00:18:7::99"), 0);
	/* Neighbour discovery for the allowed server still goes out. */
	ck_assert_msg(saw_solicit(cap, &srv), "no neighbour solicitation for the server");
	close(cap);
	ck_assert_int_eq(leakguard_remove(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(send6("fd00:18:7::2"), 0);

	ck_assert_int_eq(net_test_run("ip link del lgva"), 0);
	netlink_close(nl);
}
END_TEST

static Suite *nftables_suite(void)
{
	Suite *s = suite_create("nftables");
	TCase *tc = tcase_create("nftables");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_nftables_run);
	tcase_add_test(tc, test_nftables_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_nat_setup_idempotent);
	tcase_add_test(tc, test_nat_replaces_stale);
	tcase_add_test(tc, test_nat_hostile);
	tcase_add_test(tc, test_nat_masquerades_traffic);
	suite_add_tcase(s, tc);

	tc = tcase_create("leakguard");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_leakguard_rules);
	tcase_add_test(tc, test_leakguard_hostile);
	tcase_add_test(tc, test_leakguard_replaces_stale);
	tcase_add_test(tc, test_leakguard_kernel_refuses);
	tcase_add_test(tc, test_leakguard_unprivileged);
	tcase_add_test(tc, test_leakguard_blocks_traffic);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;

	if (net_test_enter_netns() < 0)
		return 0;
	sr = srunner_create(nftables_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
