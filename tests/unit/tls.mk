# tests/unit/tls.mk: client and server TLS over a socketpair in one event loop.
# The test PKI is made at run time by gen-test-pki.sh (openssl command line).
check_PROGRAMS += tests/unit/test-tls
TESTS += tests/unit/test-tls
tests_unit_test_tls_SOURCES = tests/unit/test-tls.c $(UNIT_SCRATCH)
tests_unit_test_tls_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tls_LDADD = $(UNIT_LIBS)
dist_noinst_SCRIPTS += tests/unit/gen-test-pki.sh
