/* Unit tests: TUN devices (tun-linux.c) and sysctl (sysctl.c), run for real
 * inside a private network namespace (see net-test.h). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "net-test.h"
#include "netlink.h"
#include "sysctl.h"
#include "tun.h"

START_TEST(test_tun_template)
{
	char name[IFNAMSIZ], err[256];
	int fd, fl;

	fd = tun_open("tvpn%d", name, sizeof(name), err, sizeof(err));
	ck_assert_msg(fd >= 0, "tun_open: %d %s", fd, err);
	ck_assert_str_eq(name, "tvpn0");
	ck_assert_uint_ne(if_nametoindex(name), 0);
	fl = fcntl(fd, F_GETFL);
	ck_assert(fl & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* A second device gets the next number. */
	{
		char name2[IFNAMSIZ];
		int fd2 = tun_open("tvpn%d", name2, sizeof(name2), err, sizeof(err));

		ck_assert_msg(fd2 >= 0, "%s", err);
		ck_assert_str_eq(name2, "tvpn1");
		close(fd2);
	}
	/* Not persistent: closing the fd removes the device. */
	close(fd);
	ck_assert_uint_eq(if_nametoindex(name), 0);
}
END_TEST

START_TEST(test_tun_default_and_exact)
{
	char name[IFNAMSIZ], err[256];
	int fd, fd2;

	fd = tun_open(NULL, name, sizeof(name), err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_msg(strncmp(name, "tlsvpn", 6) == 0, "default name %s", name);
	close(fd);

	fd = tun_open("tun-exact.0", name, sizeof(name), err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_str_eq(name, "tun-exact.0");
	/* The same exact name while it is in use fails, naming the device. */
	fd2 = tun_open("tun-exact.0", NULL, 0, err, sizeof(err));
	ck_assert_int_lt(fd2, 0);
	ck_assert_ptr_nonnull(strstr(err, "tun-exact.0"));
	close(fd);
}
END_TEST

START_TEST(test_tun_hostile_names)
{
	static const char *bad[] = {
	    "eth0; flush ruleset",
	    "abcdefghijklmnop",
	    "a/b",
	    "a b",
	    "%d%d",
	    "..",
	    ".",
	    "tun\n0",
	    "x%s",
	    "tun%",
	};
	char name[IFNAMSIZ], err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(tun_open(bad[i], name, sizeof(name), err, sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, "invalid device name") != NULL, "err: %s", err);
		ck_assert(!tun_name_valid(bad[i], true));
	}
	/* The message quotes the value it refused. */
	tun_open("eth0; flush ruleset", NULL, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(strstr(err, "eth0; flush ruleset"));
	/* Too small a buffer for the kernel's name. */
	ck_assert_int_eq(tun_open("tvpn%d", name, 4, err, sizeof(err)), -EINVAL);
	ck_assert(tun_name_valid("abcdefghijklmno", false));
	ck_assert(!tun_name_valid("tun%d", false));
	ck_assert(tun_name_valid("tun%d", true));
	ck_assert(!tun_name_valid(NULL, true));
}
END_TEST

/* A packet the kernel routes into the TUN comes out of the fd as a bare IP
 * packet (IFF_NO_PI), and a packet written to the fd is accepted. */
START_TEST(test_tun_packet_io)
{
	char name[IFNAMSIZ], err[256], key[128];
	unsigned char pkt[2048];
	struct ip_prefix p;
	struct sockaddr_in dst;
	struct pollfd pfd;
	struct netlink *nl;
	ssize_t n;
	int fd, idx, s;

	fd = tun_open("tvpnio%d", name, sizeof(name), err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	nl = netlink_open(err, sizeof(err));
	ck_assert_msg(nl != NULL, "%s", err);
	idx = netlink_link_index(name);
	ck_assert_int_gt(idx, 0);
	/* No IPv6 on this device: its router solicitations would be read first. */
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", name);
	ck_assert_int_eq(sysctl_write(key, "1"), 0);
	ck_assert_int_eq(netlink_link_set(nl, idx, 1500, true), 0);
	ck_assert(addr_prefix_parse("10.77.0.1/24", &p));
	ck_assert_int_eq(netlink_addr_add(nl, idx, &p), 0);

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(9);
	inet_pton(AF_INET, "10.77.0.2", &dst.sin_addr);
	ck_assert_int_eq(sendto(s, "hello", 5, 0, (struct sockaddr *)&dst, sizeof(dst)), 5);

	pfd.fd = fd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 2000), 1);
	n = read(fd, pkt, sizeof(pkt));
	ck_assert_int_eq(n, 20 + 8 + 5);
	ck_assert_uint_eq(pkt[0] >> 4, 4);
	ck_assert_uint_eq(pkt[9], IPPROTO_UDP);
	ck_assert_mem_eq(pkt + 16, &dst.sin_addr, 4);
	ck_assert_mem_eq(pkt + 28, "hello", 5);

	/* Nothing else is queued: the fd is non-blocking. */
	ck_assert_int_eq(read(fd, pkt, sizeof(pkt)), -1);
	ck_assert_int_eq(errno, EAGAIN);

	/* Write one back (swap addresses; the kernel takes any well-formed packet). */
	{
		unsigned char tmp[4];

		memcpy(tmp, pkt + 12, 4);
		memcpy(pkt + 12, pkt + 16, 4);
		memcpy(pkt + 16, tmp, 4);
		ck_assert_int_eq(write(fd, pkt, (size_t)n), n);
	}
	close(s);
	netlink_close(nl);
	close(fd);
}
END_TEST

START_TEST(test_sysctl_rw)
{
	char buf[64];

	/* In the private namespace only: ip_forward is per namespace. */
	ck_assert_int_eq(sysctl_write("net/ipv4/ip_forward", "1"), 0);
	ck_assert_int_eq(sysctl_read("net/ipv4/ip_forward", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1");
	ck_assert_int_eq(sysctl_write("net.ipv4.ip_forward", "0"), 0);
	ck_assert_int_eq(sysctl_read("net.ipv4.ip_forward", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0");
	/* Exactly-fitting value: "0" plus its newline in 2 bytes. */
	ck_assert_int_eq(sysctl_read("net/ipv4/ip_forward", buf, 2), 0);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(sysctl_read("net/ipv4/ip_forward", buf, 1), -ENOSPC);
	/* A value longer than the buffer is reported, not cut silently. */
	ck_assert_int_eq(sysctl_read("net/ipv4/ip_local_port_range", buf, 5), -ENOSPC);
	ck_assert_int_eq(sysctl_read("net/ipv4/ip_local_port_range", buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strchr(buf, '\t'));
	/* Slash form with an interface name: components may hold dots elsewhere. */
	ck_assert_int_eq(sysctl_read("net/ipv6/conf/lo/disable_ipv6", buf, sizeof(buf)), 0);
	ck_assert_int_eq(sysctl_read("net/ipv4/no_such_knob", buf, sizeof(buf)), -ENOENT);
}
END_TEST

START_TEST(test_sysctl_hostile)
{
	static const char *bad[] = {
	    "../../etc/passwd",
	    "net/../../etc/passwd",
	    "/net/ipv4/ip_forward",
	    "net//ipv4/ip_forward",
	    "net/ipv4/ip_forward/",
	    "net/ipv4/ip_forward\n",
	    "",
	    "net/ipv4/ip forward",
	    "net/./ipv4/ip_forward",
	    "..",
	    "net/ipv4/*",
	    "net.ipv4..ip_forward",
	};
	char buf[64], longkey[SYSCTL_KEY_MAX + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!sysctl_key_valid(bad[i]), "accepted %s", bad[i]);
		ck_assert_int_eq(sysctl_read(bad[i], buf, sizeof(buf)), -EINVAL);
		ck_assert_int_eq(sysctl_write(bad[i], "1"), -EINVAL);
	}
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	ck_assert_int_eq(sysctl_read(longkey, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(sysctl_read(NULL, buf, sizeof(buf)), -EINVAL);
	/* A second value smuggled after a newline is refused. */
	ck_assert_int_eq(sysctl_write("net/ipv4/ip_forward", "1\n0"), -EINVAL);
	ck_assert_int_eq(sysctl_write("net/ipv4/ip_forward", NULL), -EINVAL);
}
END_TEST

static Suite *tun_suite(void)
{
	Suite *s = suite_create("tun");
	TCase *tc = tcase_create("tun");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tun_template);
	tcase_add_test(tc, test_tun_default_and_exact);
	tcase_add_test(tc, test_tun_hostile_names);
	tcase_add_test(tc, test_tun_packet_io);
	suite_add_tcase(s, tc);
	tc = tcase_create("sysctl");
	tcase_add_test(tc, test_sysctl_rw);
	tcase_add_test(tc, test_sysctl_hostile);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;

	if (net_test_enter_netns() < 0)
		return 0;
	sr = srunner_create(tun_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
