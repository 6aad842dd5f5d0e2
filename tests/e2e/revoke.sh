#!/bin/sh
# Revocation of a connected client: revoke alice, SIGHUP the server; alice is
# disconnected (bye revoked) and cannot come back, while bob, pinging through
# the tunnel meanwhile, is not disturbed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init revoke server client certs curl

e2e_topology
e2e_client_add c1
e2e_client_add c2
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_profile bob
e2e_server_config
e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_start c2 "$E2E_DIR/bob.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
e2e_client_wait c2 10 || die "bob gets a tunnel address and routes within 10 s"
A=$(client_ns c1)
check "alice reaches the internet host before the revocation" probe "$A" ping $INET4 -c 2 -i 0.1

ip netns exec "$(client_ns c2)" $PY "$E2E_HERE/probe.py" ping $INET4 -c 100000 -i 0.05 -W 1 \
	>"$E2E_DIR/ping-bob.log" 2>&1 &
PING_PID=$!
E2E_PIDS="$E2E_PIDS $PING_PID:pinger"

certs revoke alice --reason keyCompromise >>"$E2E_DIR/certs.log" 2>&1 || die "tlsvpn-certs revoke alice"
ms=$(mark "$E2E_DIR/server.log")
mc=$(mark "$E2E_DIR/client-c1.log")
kill -HUP "$SERVER_PID"
gone() { ! probe "$A" ping $INET4 -c 1 -W 0.3 >/dev/null; }
check "alice's tunnel stops carrying traffic within 3 s of SIGHUP" wait_for 3 gone
check "server logs alice's disconnection as revoked" \
	wait_for 2 log_has "$E2E_DIR/server.log" "$ms" 'revoked'
since "$E2E_DIR/server.log" "$ms" | grep -i revoked | grep -v level=debug | sed 's/^/    server: /'

check "alice's client logs the server's bye with reason revoked" \
	wait_for 2 log_has "$E2E_DIR/client-c1.log" "$mc" 'revoked'
echo "    client: $(since "$E2E_DIR/client-c1.log" "$mc" | grep -i revoked | head -n 1)"

# The client retries with backoff (1 s, 2 s): give it two rounds.
ms=$(mark "$E2E_DIR/server.log")
sleep 4
check "alice cannot come back: no traffic 4 s later" gone
if alive "$(client_pid c1)"; then
	check "alice's reconnection attempts are refused as revoked" \
		log_has "$E2E_DIR/server.log" "$ms" 'revoked'
else
	log "alice's client exited after the revocation (no reconnection attempts)"
fi
ms=$(mark "$E2E_DIR/server.log")
e2e_client_start c1 "$E2E_DIR/alice.json"
check "a fresh start of alice's client is refused as revoked" \
	wait_for 5 log_has "$E2E_DIR/server.log" "$ms" 'handshake_failed.*revoked'
check "and gets no tunnel address" test -z "$(client_addr4 c1)"
check "and no traffic through" gone

stop_pid "$PING_PID" INT 2
forget_pid "$PING_PID"
log "bob's pings: $(grep sent= "$E2E_DIR/ping-bob.log")"
check "bob lost no ping meanwhile" \
	sh -c "grep -q 'received=[1-9]' $E2E_DIR/ping-bob.log && grep -q ' lost=0' $E2E_DIR/ping-bob.log"
check "bob still seen as $SRV_WAN4" test "$(cfetch c2 http://$INET4/whoami)" = $SRV_WAN4
e2e_finish
