# tests/fuzz/control.mk: harnesses for control_parse and the config loader.
FUZZ_HARNESSES += tests/fuzz/fuzz-control tests/fuzz/fuzz-cfg

tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz-control.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_control_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_control_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_control_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

tests_fuzz_fuzz_cfg_SOURCES = tests/fuzz/fuzz-cfg.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_cfg_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_cfg_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_cfg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
