# tests/unit/net.mk: TUN, rtnetlink, nftables, sysctl, NAT and leak guard.
# The programs enter a private network namespace themselves (and skip
# without root); server/nat.c and client/leakguard.c are compiled in directly.
check_PROGRAMS += tests/unit/test-tun tests/unit/test-netlink tests/unit/test-nftables
TESTS += tests/unit/test-tun tests/unit/test-netlink tests/unit/test-nftables
EXTRA_DIST += tests/unit/net-test.h

tests_unit_test_tun_SOURCES = tests/unit/test-tun.c
tests_unit_test_tun_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tun_LDADD = $(UNIT_LIBS)

tests_unit_test_netlink_SOURCES = tests/unit/test-netlink.c
tests_unit_test_netlink_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netlink_LDADD = $(UNIT_LIBS)

tests_unit_test_nftables_SOURCES = tests/unit/test-nftables.c \
	server/nat.h server/nat.c client/leakguard.h client/leakguard.c
tests_unit_test_nftables_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server -I$(top_srcdir)/client
tests_unit_test_nftables_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nftables_LDADD = $(UNIT_LIBS) $(LIBNFTNL_LIBS)
