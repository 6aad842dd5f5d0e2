# tests/cli: shell tests of the command-line tools
TESTS += tests/cli/certs.tap
dist_noinst_SCRIPTS += tests/cli/certs.tap
