/* Unit tests: rtnetlink glue (netlink.c), run for real inside a private
 * network namespace (see net-test.h). The kernel's view is checked with
 * `ip -j` in the same namespace, independently of our own parser. */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net-test.h"
#include "netlink.h"
#include "tun.h"

#define OUT_MAX 16384

static struct netlink *nl;
static int tun_fd = -1;
static int tun_idx;
static char tun_name[IFNAMSIZ];

/* Each test (a forked child) gets its own socket and TUN device, which the
 * kernel removes with its addresses and routes when the child exits. */
static void setup(void)
{
	char err[256];

	nl = netlink_open(err, sizeof(err));
	ck_assert_msg(nl != NULL, "%s", err);
	tun_fd = tun_open("nltest%d", tun_name, sizeof(tun_name), err, sizeof(err));
	ck_assert_msg(tun_fd >= 0, "%s", err);
	tun_idx = netlink_link_index(tun_name);
	ck_assert_int_gt(tun_idx, 0);
}

static void teardown(void)
{
	netlink_close(nl);
	nl = NULL;
	if (tun_fd >= 0)
		close(tun_fd);
	tun_fd = -1;
}

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

static void capture(const char *cmd, char *out)
{
	ck_assert_msg(net_test_capture(cmd, out, OUT_MAX) == 0, "command failed: %s", cmd);
}

START_TEST(test_open_close_index)
{
	ck_assert_int_eq(netlink_link_index("lo"), 1);
	ck_assert_int_eq(netlink_link_index("nosuchdev0"), -ENODEV);
	ck_assert_int_eq(netlink_link_index("eth0; flush ruleset"), -EINVAL);
	ck_assert_int_eq(netlink_link_index(""), -EINVAL);
	ck_assert_int_eq(netlink_link_index(NULL), -EINVAL);
	netlink_close(NULL);
}
END_TEST

START_TEST(test_link_set)
{
	char cmd[128], out[OUT_MAX];

	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 1400, true), 0);
	snprintf(cmd, sizeof(cmd), "ip -j link show dev %s", tun_name);
	capture(cmd, out);
	ck_assert_msg(strstr(out, "\"mtu\":1400") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"UP\"") != NULL, "%s", out);

	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 65535, false), 0);
	capture(cmd, out);
	ck_assert_msg(strstr(out, "\"mtu\":65535") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"UP\"") == NULL, "%s", out);

	ck_assert_int_eq(netlink_link_up(nl, tun_idx, true), 0);
	capture(cmd, out);
	ck_assert_msg(strstr(out, "\"mtu\":65535") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"UP\"") != NULL, "%s", out);

	/* Hostile values: refused before the kernel sees them. */
	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 0, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 67, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 65536, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 4294967295u, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(nl, 0, 1500, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(nl, -3, 1500, true), -EINVAL);
	ck_assert_int_eq(netlink_link_set(NULL, tun_idx, 1500, true), -EINVAL);
	/* The kernel's own error comes back from its ACK. */
	ck_assert_int_eq(netlink_link_set(nl, 99999, 1500, true), -ENODEV);
}
END_TEST

START_TEST(test_addr_v4_v6)
{
	struct ip_prefix a4 = prefix("10.8.0.1/24"), a6 = prefix("fd00:8::1/64");
	char cmd[128], out[OUT_MAX];

	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 1500, true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a4), 0);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a6), 0);
	snprintf(cmd, sizeof(cmd), "ip -j addr show dev %s", tun_name);
	capture(cmd, out);
	ck_assert_msg(strstr(out, "\"local\":\"10.8.0.1\",\"prefixlen\":24") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"local\":\"fd00:8::1\",\"prefixlen\":64") != NULL, "%s", out);
	/* NODAD: usable at once, never "tentative". */
	ck_assert_msg(strstr(out, "tentative") == NULL, "%s", out);

	/* Adding twice: the kernel's EEXIST, for the caller to judge. */
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a4), -EEXIST);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a6), -EEXIST);

	ck_assert_int_eq(netlink_addr_del(nl, tun_idx, &a4), 0);
	ck_assert_int_eq(netlink_addr_del(nl, tun_idx, &a6), 0);
	capture(cmd, out);
	ck_assert_msg(strstr(out, "10.8.0.1") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "fd00:8::1") == NULL, "%s", out);
	ck_assert_int_lt(netlink_addr_del(nl, tun_idx, &a4), 0);
	ck_assert_int_lt(netlink_addr_del(nl, tun_idx, &a6), 0);
}
END_TEST

START_TEST(test_addr_hostile)
{
	struct ip_prefix p = prefix("10.8.0.1/24");

	p.len = 33;
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &p), -EINVAL);
	p = prefix("fd00::1/64");
	p.len = 129;
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &p), -EINVAL);
	p.addr.family = AF_UNIX;
	p.len = 8;
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &p), -EINVAL);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, NULL), -EINVAL);
	p = prefix("10.8.0.1/24");
	ck_assert_int_eq(netlink_addr_add(nl, 0, &p), -EINVAL);
	ck_assert_int_eq(netlink_addr_add(nl, 99999, &p), -ENODEV);
}
END_TEST

START_TEST(test_route_onlink)
{
	struct ip_prefix a4 = prefix("10.8.0.1/24"), r4 = prefix("10.9.0.0/16");
	struct ip_prefix r6 = prefix("fd00:9::/48"), a6 = prefix("fd00:8::1/64");
	struct ip_addr gw, d4 = address("10.9.1.1"), d6 = address("fd00:9::77");
	char out[OUT_MAX];
	bool has_gw = true;
	int oif = 0;

	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 1500, true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a4), 0);
	ck_assert_int_eq(netlink_addr_add(nl, tun_idx, &a6), 0);

	/* No route yet: the namespace has no default route. */
	ck_assert_int_eq(netlink_route_get(nl, &d4, &gw, &has_gw, &oif), -ENETUNREACH);
	ck_assert_int_lt(netlink_route_get(nl, &d6, &gw, &has_gw, &oif), 0);

	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, tun_idx, 0), 0);
	ck_assert_int_eq(netlink_route_add(nl, &r6, NULL, tun_idx, 0), 0);
	capture("ip -j route show 10.9.0.0/16", out);
	ck_assert_msg(strstr(out, "\"dst\":\"10.9.0.0/16\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, tun_name) != NULL, "%s", out);
	capture("ip -j -6 route show fd00:9::/48", out);
	ck_assert_msg(strstr(out, "\"dst\":\"fd00:9::/48\"") != NULL, "%s", out);
	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, tun_idx, 0), -EEXIST);

	ck_assert_int_eq(netlink_route_get(nl, &d4, &gw, &has_gw, &oif), 0);
	ck_assert(!has_gw);
	ck_assert_int_eq(gw.family, AF_UNSPEC);
	ck_assert_int_eq(oif, tun_idx);
	ck_assert_int_eq(netlink_route_get(nl, &d6, NULL, &has_gw, &oif), 0);
	ck_assert(!has_gw);
	ck_assert_int_eq(oif, tun_idx);
	/* Out pointers are optional. */
	ck_assert_int_eq(netlink_route_get(nl, &d4, NULL, NULL, NULL), 0);

	ck_assert_int_eq(netlink_route_del(nl, &r4, NULL, tun_idx, 0), 0);
	ck_assert_int_eq(netlink_route_del(nl, &r6, NULL, tun_idx, 0), 0);
	capture("ip -j route show 10.9.0.0/16", out);
	ck_assert_str_eq(out, "[]\n");
	ck_assert_int_eq(netlink_route_del(nl, &r4, NULL, tun_idx, 0), -ESRCH);
	ck_assert_int_eq(netlink_route_get(nl, &d4, &gw, &has_gw, &oif), -ENETUNREACH);
}
END_TEST

/* Host bits in a route's destination are cleared rather than refused. */
START_TEST(test_route_masks_host_bits)
{
	struct ip_prefix r4 = prefix("10.9.3.4/16");
	char out[OUT_MAX];

	ck_assert_int_eq(netlink_link_set(nl, tun_idx, 1500, true), 0);
	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, tun_idx, 7), 0);
	capture("ip -j route show 10.9.0.0/16", out);
	ck_assert_msg(strstr(out, "\"dst\":\"10.9.0.0/16\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"metric\":7") != NULL, "%s", out);
	ck_assert_int_eq(netlink_route_del(nl, &r4, NULL, tun_idx, 7), 0);
}
END_TEST

/* A gateway route through a veth pair, as the client installs for the host
 * route to its server via the previous gateway. */
START_TEST(test_route_gateway)
{
	struct ip_prefix va4 = prefix("198.18.5.1/24"), va6 = prefix("fd00:18:5::1/64");
	struct ip_prefix r4 = prefix("10.200.0.0/16"), def4 = prefix("0.0.0.0/0");
	struct ip_prefix r6 = prefix("fd00:99::/48"), host = prefix("10.250.0.9/32");
	struct ip_addr gw4 = address("198.18.5.2"), gw6 = address("fd00:18:5::2");
	struct ip_addr d = address("10.200.1.1"), d6 = address("fd00:99::5"), gw;
	char out[OUT_MAX];
	bool has_gw = false;
	int va, vb, oif = 0;

	ck_assert_int_eq(net_test_run("ip link add nlva type veth peer name nlvb"), 0);
	va = netlink_link_index("nlva");
	vb = netlink_link_index("nlvb");
	ck_assert_int_gt(va, 0);
	ck_assert_int_gt(vb, 0);
	ck_assert_int_eq(netlink_link_up(nl, va, true), 0);
	ck_assert_int_eq(netlink_link_up(nl, vb, true), 0);
	ck_assert_int_eq(netlink_addr_add(nl, va, &va4), 0);
	ck_assert_int_eq(netlink_addr_add(nl, va, &va6), 0);

	/* ifindex 0: the kernel finds the device from the gateway. */
	ck_assert_int_eq(netlink_route_add(nl, &r4, &gw4, 0, 50), 0);
	capture("ip -j route show 10.200.0.0/16", out);
	ck_assert_msg(strstr(out, "\"gateway\":\"198.18.5.2\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"dev\":\"nlva\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"metric\":50") != NULL, "%s", out);

	ck_assert_int_eq(netlink_route_get(nl, &d, &gw, &has_gw, &oif), 0);
	ck_assert(has_gw);
	ck_assert(addr_equal(&gw, &gw4));
	ck_assert_int_eq(oif, va);

	/* Default route, then the host route to a "server" via the old gateway. */
	ck_assert_int_eq(netlink_route_add(nl, &def4, &gw4, va, 0), 0);
	ck_assert_int_eq(netlink_route_get(nl, &host.addr, &gw, &has_gw, &oif), 0);
	ck_assert(has_gw && addr_equal(&gw, &gw4) && oif == va);
	ck_assert_int_eq(netlink_route_add(nl, &host, &gw, oif, 0), 0);
	capture("ip -j route show 10.250.0.9/32", out);
	ck_assert_msg(strstr(out, "\"gateway\":\"198.18.5.2\"") != NULL, "%s", out);

	ck_assert_int_eq(netlink_route_add(nl, &r6, &gw6, va, 0), 0);
	capture("ip -j -6 route show fd00:99::/48", out);
	ck_assert_msg(strstr(out, "\"gateway\":\"fd00:18:5::2\"") != NULL, "%s", out);
	ck_assert_int_eq(netlink_route_get(nl, &d6, &gw, &has_gw, &oif), 0);
	ck_assert(has_gw && addr_equal(&gw, &gw6) && oif == va);

	/* Delete by the same description; a wrong gateway does not match. */
	ck_assert_int_eq(netlink_route_del(nl, &r4, &gw6, 0, 50), -EINVAL);
	ck_assert_int_eq(netlink_route_del(nl, &r4, &gw4, 0, 51), -ESRCH);
	ck_assert_int_eq(netlink_route_del(nl, &r4, &gw4, 0, 50), 0);
	ck_assert_int_eq(netlink_route_del(nl, &host, &gw4, va, 0), 0);
	ck_assert_int_eq(netlink_route_del(nl, &def4, &gw4, va, 0), 0);
	ck_assert_int_eq(netlink_route_del(nl, &r6, &gw6, va, 0), 0);
	ck_assert_int_eq(netlink_route_get(nl, &d, &gw, &has_gw, &oif), -ENETUNREACH);
	capture("ip -j route show", out);
	ck_assert_msg(strstr(out, "10.200.0.0") == NULL, "%s", out);
	ck_assert_int_eq(net_test_run("ip link del nlva"), 0);
}
END_TEST

START_TEST(test_route_hostile)
{
	struct ip_prefix r4 = prefix("10.9.0.0/16");
	struct ip_addr gw6 = address("fd00::1"), bad = address("10.0.0.1");

	/* Neither gateway nor device. */
	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, 0, 0), -EINVAL);
	/* Gateway of the other family. */
	ck_assert_int_eq(netlink_route_add(nl, &r4, &gw6, tun_idx, 0), -EINVAL);
	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, -1, 0), -EINVAL);
	ck_assert_int_eq(netlink_route_add(nl, NULL, NULL, tun_idx, 0), -EINVAL);
	r4.len = 40;
	ck_assert_int_eq(netlink_route_add(nl, &r4, NULL, tun_idx, 0), -EINVAL);
	bad.family = 0;
	ck_assert_int_eq(netlink_route_get(nl, &bad, NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(netlink_route_get(nl, NULL, NULL, NULL, NULL), -EINVAL);
}
END_TEST

static Suite *netlink_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("netlink");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_close_index);
	tcase_add_test(tc, test_link_set);
	tcase_add_test(tc, test_addr_v4_v6);
	tcase_add_test(tc, test_addr_hostile);
	tcase_add_test(tc, test_route_onlink);
	tcase_add_test(tc, test_route_masks_host_bits);
	tcase_add_test(tc, test_route_gateway);
	tcase_add_test(tc, test_route_hostile);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;

	if (net_test_enter_netns() < 0)
		return 0;
	sr = srunner_create(netlink_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
