#!/bin/sh
# Crash recovery on the client: after kill -9 the client's changes (routes,
# resolver, firewall) are left behind; `tlsvpn-client --cleanup` undoes them
# all. Then again kill -9, and the next start cleans up before it connects;
# its SIGTERM leaves everything as before.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init kill9-cleanup server client certs

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config
e2e_server_start
C=$(client_ns c1)
net_state "$C" >"$E2E_DIR/before"

e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
net_state "$C" >"$E2E_DIR/up"
e2e_client_stop c1 KILL
net_state "$C" >"$E2E_DIR/killed"
if diff -u "$E2E_DIR/before" "$E2E_DIR/killed" >"$E2E_DIR/killed.diff"; then
	log "nothing was left behind by kill -9 (the --cleanup check below is then trivial)"
else
	log "left behind by kill -9:"
	grep '^[-+][^-+]' "$E2E_DIR/killed.diff" | sed 's/^/    /'
fi
check "an undo record exists in the state directory after kill -9" \
	sh -c "ls $E2E_DIR/run-c1/ | grep -q ."
client_cleanup c1 >"$E2E_DIR/cleanup.log" 2>&1
rc=$?
sed 's/^/    --cleanup: /' "$E2E_DIR/cleanup.log"
check "tlsvpn-client --cleanup exits 0" test $rc -eq 0
net_state "$C" >"$E2E_DIR/cleaned"
check "after --cleanup: routes, addresses, rules, nftables, resolv.conf as before" \
	diff -u "$E2E_DIR/before" "$E2E_DIR/cleaned"
check "the undo record is gone" sh -c "! ls $E2E_DIR/run-c1/ | grep -q ."
client_cleanup c1 >"$E2E_DIR/cleanup2.log" 2>&1
check "a second --cleanup with nothing to undo exits 0" test $? -eq 0

log "kill -9 again; the next start must clean up by itself"
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice reconnects (second start)"
e2e_client_stop c1 KILL
e2e_client_start c1 "$E2E_DIR/alice.json"
check "the next start comes up after a kill -9" e2e_client_wait c1 10
check "and reaches the internet host as $SRV_WAN4" \
	test "$(cfetch c1 http://$INET4/whoami)" = $SRV_WAN4
e2e_client_stop c1 || fail "client exits within 5 s of SIGTERM"
net_state "$C" >"$E2E_DIR/after"
check "after SIGTERM: everything as before" diff -u "$E2E_DIR/before" "$E2E_DIR/after"
e2e_finish
