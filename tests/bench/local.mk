# tests/bench: the benchmark of issue 5 (tests/bench/run, by hand, as root;
# never part of `make check`). run compiles its helpers itself into its temp
# dir; building them here too keeps them warning-free under the project's flags.
noinst_PROGRAMS += tests/bench/bench-tls tests/bench/bench-ttfp \
	tests/bench/bench-force-suite.so
tests_bench_bench_tls_SOURCES = tests/bench/bench-tls.c
tests_bench_bench_tls_LDADD = -lmbedtls -lmbedx509 -lmbedcrypto
tests_bench_bench_ttfp_SOURCES = tests/bench/bench-ttfp.c
# An LD_PRELOAD shim: a "program" linked as a shared object.
tests_bench_bench_force_suite_so_SOURCES = tests/bench/force-suite.c
tests_bench_bench_force_suite_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_bench_bench_force_suite_so_LDFLAGS = -shared
tests_bench_bench_force_suite_so_LDADD = -ldl
EXTRA_DIST += tests/bench/run tests/bench/report.py
EXTRA_DIST += tests/bench/results
