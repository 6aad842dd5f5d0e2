# tests/e2e: end-to-end scenarios in network namespaces (DESIGN.md section 7).
# Each scenario is one script that exits 0 (pass), 1 (fail) or 77 (skip: not
# root, no namespaces, no /dev/net/tun, binaries not built); tests/e2e/lib.sh
# builds the test network with a per-run prefix so scenarios can run in
# parallel, and removes everything on exit.
E2E_SCENARIOS = \
	tests/e2e/underlay.sh \
	tests/e2e/basic.sh \
	tests/e2e/ipv6.sh \
	tests/e2e/ipv6-noleak.sh \
	tests/e2e/clients.sh \
	tests/e2e/refused.sh \
	tests/e2e/revoke.sh \
	tests/e2e/spoof.sh \
	tests/e2e/garbage.sh \
	tests/e2e/keepalive.sh \
	tests/e2e/kill9-cleanup.sh \
	tests/e2e/privdrop.sh \
	tests/e2e/server-crash.sh \
	tests/e2e/hostile-server.sh \
	tests/e2e/fd-exhaustion.sh \
	tests/e2e/routed.sh \
	tests/e2e/offload.sh \
	tests/e2e/udp-runs.sh \
	tests/e2e/cleanup.sh

TESTS += $(E2E_SCENARIOS)
EXTRA_DIST += $(E2E_SCENARIOS) tests/e2e/lib.sh tests/e2e/probe.py \
	tests/e2e/inet-host.py tests/e2e/fake-server.py
