# certs/: tlsvpn-certs, the admin tool. It needs only mbedTLS and jansson, so it does
# not link common/libtlsvpn.a.
sbin_PROGRAMS += certs/tlsvpn-certs

# The tool's modules without main(), in a library the unit tests link too.
CERTS_SOURCES = \
	certs/timestamp.c certs/timestamp.h \
	certs/x509ext.c certs/x509ext.h \
	certs/crl.c certs/crl.h \
	certs/keys.c certs/keys.h \
	certs/issue.c certs/issue.h \
	certs/index.c certs/index.h \
	certs/profile.c certs/profile.h \
	certs/msg.c certs/msg.h \
	certs/pki.c certs/pki.h \
	common/fileio.c common/fileio.h \
	certs/cmd.h certs/cmd-init.c certs/cmd-issue.c certs/cmd-revoke.c certs/cmd-list.c
noinst_LIBRARIES += certs/libcerts.a
certs_libcerts_a_SOURCES = $(CERTS_SOURCES)
certs_libcerts_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
CERTS_LIBS = certs/libcerts.a $(MBEDTLS_LIBS) $(JANSSON_LIBS)

certs_tlsvpn_certs_SOURCES = certs/main.c
certs_tlsvpn_certs_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
certs_tlsvpn_certs_LDADD = $(CERTS_LIBS)

dist_man_MANS += man/tlsvpn-certs.8

# Unit tests: the CRL/ASN.1 writer (parsed back with mbedTLS) and the index.
check_PROGRAMS += tests/unit/test-certs-crl tests/unit/test-certs-index
TESTS += tests/unit/test-certs-crl tests/unit/test-certs-index
tests_unit_test_certs_crl_SOURCES = tests/unit/test-certs-crl.c
tests_unit_test_certs_crl_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/certs
tests_unit_test_certs_crl_LDADD = certs/libcerts.a $(UNIT_LIBS)
tests_unit_test_certs_index_SOURCES = tests/unit/test-certs-index.c
tests_unit_test_certs_index_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/certs
tests_unit_test_certs_index_LDADD = certs/libcerts.a $(UNIT_LIBS)

# Fuzz harnesses for index.json and the --remote list; seeds in
# tests/fuzz/corpus/certs-index/ and tests/fuzz/corpus/certs-remotes/.
FUZZ_HARNESSES += tests/fuzz/fuzz-certs-index tests/fuzz/fuzz-certs-remotes
tests_fuzz_fuzz_certs_index_SOURCES = tests/fuzz/fuzz-certs-index.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_certs_index_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/certs
tests_fuzz_fuzz_certs_index_LDADD = $(CERTS_LIBS)
tests_fuzz_fuzz_certs_index_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
tests_fuzz_fuzz_certs_remotes_SOURCES = tests/fuzz/fuzz-certs-remotes.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_certs_remotes_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/certs
tests_fuzz_fuzz_certs_remotes_LDADD = $(CERTS_LIBS)
tests_fuzz_fuzz_certs_remotes_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
