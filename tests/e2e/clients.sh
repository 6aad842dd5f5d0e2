#!/bin/sh
# Several clients: alice and bob get distinct addresses from the pool, carol
# gets the address pinned for her in the server config; after a server
# restart all three reconnect by themselves and keep their addresses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init clients server client certs curl

PINNED=10.8.0.50
e2e_topology
e2e_client_add c1
e2e_client_add c2
e2e_client_add c3
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_profile bob
e2e_profile carol
e2e_server_config "{\"clients\": {\"carol\": {\"ipv4\": \"$PINNED\"}}}"
e2e_server_start

e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_start c2 "$E2E_DIR/bob.json"
e2e_client_start c3 "$E2E_DIR/carol.json"
for c in c1 c2 c3; do
	e2e_client_wait $c 10 || die "client $c gets a tunnel address and routes within 10 s"
done
A1=$(client_addr4 c1) B1=$(client_addr4 c2) C1=$(client_addr4 c3)
log "addresses: alice=$A1 bob=$B1 carol=$C1"
check "alice and bob get distinct addresses ($A1, $B1)" test "$A1" != "$B1"
check "carol gets her pinned address $PINNED (got $C1)" test "$C1" = $PINNED
check "nobody else gets the pinned address" sh -c "[ $A1 != $PINNED ] && [ $B1 != $PINNED ]"
for c in c1 c2 c3; do
	check "client $c reaches the internet host through the tunnel, seen as $SRV_WAN4" \
		test "$(cfetch $c http://$INET4/whoami)" = $SRV_WAN4
done

log "restarting the server (SIGTERM, then start again)"
e2e_server_stop || fail "server exits within 5 s of SIGTERM"
mv "$E2E_DIR/server.log" "$E2E_DIR/server-1.log"
check "with the server down the tunnel carries nothing" \
	sh -c "! ip netns exec $(client_ns c1) python3 $E2E_HERE/probe.py ping $INET4 -c 1 -W 0.5 >/dev/null"
e2e_server_start
back() { probe "$(client_ns "$1")" ping $INET4 -c 1 -W 0.5 >/dev/null; }
for c in c1 c2 c3; do
	# Backoff 1 s, 2 s, 4 s...: 15 s covers the first rounds with jitter.
	check "client $c reconnects by itself and reaches the internet host again" wait_for 15 back $c
done
A2=$(client_addr4 c1) B2=$(client_addr4 c2) C2=$(client_addr4 c3)
log "addresses after the restart: alice=$A2 bob=$B2 carol=$C2"
check "alice keeps $A1 across the restart (got $A2)" test "$A1" = "$A2"
check "bob keeps $B1 across the restart (got $B2)" test "$B1" = "$B2"
check "carol keeps $PINNED across the restart (got $C2)" test "$C2" = $PINNED
for c in c1 c2 c3; do
	check "client $c still seen as $SRV_WAN4 after the restart" \
		test "$(cfetch $c http://$INET4/whoami)" = $SRV_WAN4
done
check "the leases file names alice and bob" \
	sh -c "grep -q alice $E2E_DIR/leases.json && grep -q bob $E2E_DIR/leases.json"
e2e_finish
