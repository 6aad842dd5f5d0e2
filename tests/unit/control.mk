# tests/unit/control.mk: unit tests of log, control, cfg.
check_PROGRAMS += tests/unit/test-log tests/unit/test-control tests/unit/test-cfg
TESTS += tests/unit/test-log tests/unit/test-control tests/unit/test-cfg

tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LIBS)

tests_unit_test_control_SOURCES = tests/unit/test-control.c
tests_unit_test_control_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_control_LDADD = $(UNIT_LIBS)

tests_unit_test_cfg_SOURCES = tests/unit/test-cfg.c $(UNIT_SCRATCH)
tests_unit_test_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cfg_LDADD = $(UNIT_LIBS)
