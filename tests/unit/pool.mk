# The server's address pool (server/pool.c), tested alone.
check_PROGRAMS += tests/unit/test-pool
TESTS += tests/unit/test-pool
tests_unit_test_pool_SOURCES = tests/unit/test-pool.c server/pool.c
tests_unit_test_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(UNIT_LIBS)
