# The server's address pool (server/pool.c), tested alone.
check_PROGRAMS += tests/unit/test-pool
TESTS += tests/unit/test-pool
tests_unit_test_pool_SOURCES = tests/unit/test-pool.c server/pool.c $(UNIT_SCRATCH)
tests_unit_test_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(UNIT_LIBS)

# Fuzz harness for the lease file (pool_load_buffer); seeds in tests/fuzz/corpus/leases/.
FUZZ_HARNESSES += tests/fuzz/fuzz-leases
tests_fuzz_fuzz_leases_SOURCES = tests/fuzz/fuzz-leases.c server/pool.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_leases_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_fuzz_fuzz_leases_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_leases_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_leases_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The lease file's background writer (server/lease-writer.c), writing real
# files through pool_write_leases.
check_PROGRAMS += tests/unit/test-lease-writer
TESTS += tests/unit/test-lease-writer
tests_unit_test_lease_writer_SOURCES = tests/unit/test-lease-writer.c \
	server/lease-writer.c server/lease-writer.h server/pool.c $(UNIT_SCRATCH)
tests_unit_test_lease_writer_CFLAGS = $(UNIT_CFLAGS) -pthread
tests_unit_test_lease_writer_LDFLAGS = $(AM_LDFLAGS) -pthread
tests_unit_test_lease_writer_LDADD = $(UNIT_LIBS)
