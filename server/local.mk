# server/: tlsvpn-server, and the framed TLS channel both programs share.
common_libtlsvpn_a_SOURCES += common/channel.c common/channel.h

sbin_PROGRAMS += server/tlsvpn-server
server_tlsvpn_server_SOURCES = \
	server/main.c \
	server/server-config.c server/server-config.h \
	server/listener.c server/listener.h \
	server/session.c server/session.h \
	server/sessions.c server/sessions.h \
	server/tunio.c server/tunio.h \
	server/privdrop.c server/privdrop.h \
	server/pool.c server/pool.h \
	server/lease-writer.c server/lease-writer.h \
	server/nat.c server/nat.h
# -pthread: the lease file is written on a thread of its own (lease-writer.c).
server_tlsvpn_server_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS) -pthread
server_tlsvpn_server_LDFLAGS = $(AM_LDFLAGS) -pthread
server_tlsvpn_server_LDADD = $(TLSVPN_LIBS)

dist_man_MANS += man/tlsvpn-server.8

# The channel over a socketpair with real TLS (PKI from gen-test-pki.sh).
check_PROGRAMS += tests/unit/test-channel
TESTS += tests/unit/test-channel
tests_unit_test_channel_SOURCES = tests/unit/test-channel.c $(UNIT_SCRATCH)
tests_unit_test_channel_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_channel_LDADD = $(UNIT_LIBS)

# The config parser alone, every error message asserted.
check_PROGRAMS += tests/unit/test-server-config tests/unit/test-sessions
TESTS += tests/unit/test-server-config tests/unit/test-sessions
tests_unit_test_server_config_SOURCES = tests/unit/test-server-config.c \
	server/server-config.c server/server-config.h
tests_unit_test_server_config_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_test_server_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_config_LDADD = $(UNIT_LIBS)
tests_unit_test_sessions_SOURCES = tests/unit/test-sessions.c \
	server/sessions.c server/sessions.h
tests_unit_test_sessions_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_unit_test_sessions_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sessions_LDADD = $(UNIT_LIBS)

# Fuzz harness for the config loader; seeds in tests/fuzz/corpus/server-config/.
FUZZ_HARNESSES += tests/fuzz/fuzz-server-config
tests_fuzz_fuzz_server_config_SOURCES = tests/fuzz/fuzz-server-config.c \
	server/server-config.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_server_config_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_fuzz_fuzz_server_config_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_server_config_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_server_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
