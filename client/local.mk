# client/: tlsvpn-client, one file per concern (see the header of each).
sbin_PROGRAMS += client/tlsvpn-client
client_tlsvpn_client_SOURCES = client/main.c \
	client/tunnel.c client/tunnel.h \
	client/connect.c client/connect.h \
	client/backoff.c client/backoff.h \
	client/profile.c client/profile.h \
	client/routes.c client/routes.h \
	client/dns.c client/dns.h \
	client/undo.c client/undo.h \
	client/undo-state.c client/undo-state.h \
	client/leakguard.c client/leakguard.h
client_tlsvpn_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
client_tlsvpn_client_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
# The leak guard writes its table with libnftnl (leakguard.c), so the client
# needs no libnftables.
client_tlsvpn_client_LDADD = $(TLSVPN_CORE_LIBS) $(LIBNFTNL_LIBS)
dist_man_MANS += man/tlsvpn-client.8

# Unit tests of the pure parts (no root, no network).
check_PROGRAMS += tests/unit/test-client-profile tests/unit/test-client-backoff \
	tests/unit/test-client-dns tests/unit/test-client-undo-state
TESTS += tests/unit/test-client-profile tests/unit/test-client-backoff \
	tests/unit/test-client-dns tests/unit/test-client-undo-state
tests_unit_test_client_profile_SOURCES = tests/unit/test-client-profile.c client/profile.c \
	$(UNIT_SCRATCH)
tests_unit_test_client_profile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_test_client_profile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_profile_LDADD = $(UNIT_LIBS)
tests_unit_test_client_backoff_SOURCES = tests/unit/test-client-backoff.c client/backoff.c
tests_unit_test_client_backoff_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_test_client_backoff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_backoff_LDADD = $(UNIT_LIBS)
tests_unit_test_client_dns_SOURCES = tests/unit/test-client-dns.c client/dns.c $(UNIT_SCRATCH)
tests_unit_test_client_dns_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_test_client_dns_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_dns_LDADD = $(UNIT_LIBS)
tests_unit_test_client_undo_state_SOURCES = tests/unit/test-client-undo-state.c \
	client/undo-state.c
tests_unit_test_client_undo_state_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_test_client_undo_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_undo_state_LDADD = $(UNIT_LIBS)

# The undo journal against the kernel, in a private network namespace (needs
# root, else it skips).
check_PROGRAMS += tests/unit/test-client-undo
TESTS += tests/unit/test-client-undo
tests_unit_test_client_undo_SOURCES = tests/unit/test-client-undo.c client/undo.c \
	client/undo-state.c client/dns.c client/leakguard.c $(UNIT_SCRATCH)
tests_unit_test_client_undo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_test_client_undo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_undo_LDADD = $(UNIT_LIBS) $(LIBNFTNL_LIBS)

# Fuzz harness for the profile parser; seeds in tests/fuzz/corpus/profile/.
FUZZ_HARNESSES += tests/fuzz/fuzz-profile
tests_fuzz_fuzz_profile_SOURCES = tests/fuzz/fuzz-profile.c client/profile.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_profile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_fuzz_fuzz_profile_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_profile_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_profile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# Fuzz harness for the undo journal; seeds in tests/fuzz/corpus/undo-state/.
FUZZ_HARNESSES += tests/fuzz/fuzz-undo-state
tests_fuzz_fuzz_undo_state_SOURCES = tests/fuzz/fuzz-undo-state.c client/undo-state.c \
	$(FUZZ_DRIVER)
tests_fuzz_fuzz_undo_state_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_fuzz_fuzz_undo_state_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_undo_state_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_undo_state_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
