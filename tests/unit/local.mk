# Unit tests (check). Each area owns a fragment. Test programs print check's
# TAP output (CK_TAP_LOG_FILE_NAME=- in AM_TESTS_ENVIRONMENT), so automake's
# TAP driver records one result per test case.
UNIT_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(TLSVPN_LIBS) $(CHECK_LIBS)
# The per-program scratch directory, for tests that write files.
UNIT_SCRATCH = tests/unit/scratch.c tests/unit/scratch.h
include tests/unit/wire.mk
include tests/unit/control.mk
include tests/unit/net.mk
include tests/unit/tls.mk
include tests/unit/pool.mk

check_PROGRAMS += tests/unit/test-fileio
TESTS += tests/unit/test-fileio
tests_unit_test_fileio_SOURCES = tests/unit/test-fileio.c $(UNIT_SCRATCH)
tests_unit_test_fileio_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fileio_LDADD = $(UNIT_LIBS)
