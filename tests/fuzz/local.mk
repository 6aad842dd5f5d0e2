# libFuzzer harnesses, one per parser of outside input.
#   ./configure CC=clang --enable-fuzzing && make tests/fuzz/fuzz-frame
#   mkdir new && tests/fuzz/fuzz-frame -max_total_time=60 new $(srcdir)/tests/fuzz/corpus/frame
#   (libFuzzer adds what it finds to the first directory: keep the seeds clean)
# Without --enable-fuzzing each harness links with replay.c instead and runs
# its seed corpus as part of the test suite (one TAP result per harness).
# A harness fuzz-NAME.c has its seeds in tests/fuzz/corpus/NAME/.
# Areas add harnesses with:  FUZZ_HARNESSES += tests/fuzz/fuzz-NAME
#                            tests_fuzz_fuzz_NAME_SOURCES = tests/fuzz/fuzz-NAME.c $(FUZZ_DRIVER)
#                            tests_fuzz_fuzz_NAME_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
#                            tests_fuzz_fuzz_NAME_LDADD = $(TLSVPN_LIBS)
#                            tests_fuzz_fuzz_NAME_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
# (FUZZ_HARNESSES, FUZZ_DRIVER and FUZZ_LINK are defined in the top Makefile.am.)
EXTRA_DIST += tests/fuzz/replay.c tests/fuzz/corpus

include tests/fuzz/wire.mk
include tests/fuzz/control.mk
include tests/fuzz/tls.mk

# The GSO frame parser and the TUN offload header interpreter (common/gso.c),
# each followed by software segmentation of what they accept.
FUZZ_HARNESSES += tests/fuzz/fuzz-gso
tests_fuzz_fuzz_gso_SOURCES = tests/fuzz/fuzz-gso.c tests/unit/naive-csum.h $(FUZZ_DRIVER)
tests_fuzz_fuzz_gso_CFLAGS = $(AM_CFLAGS) $(TLSVPN_CFLAGS)
tests_fuzz_fuzz_gso_LDADD = $(TLSVPN_LIBS)
tests_fuzz_fuzz_gso_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_HARNESSES)
else
check_PROGRAMS += $(FUZZ_HARNESSES)
TESTS += $(FUZZ_HARNESSES)
endif
