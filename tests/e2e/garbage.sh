#!/bin/sh
# Garbage on the server's port: an HTTP request, random bytes, a half-finished
# TLS handshake, a silent connection and a TLS client without a certificate.
# The server closes each (the handshake timeout is 2 s here) and logs it,
# while alice, pinging the server through the tunnel every 10 ms, loses no
# ping; afterwards a new client still connects.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init garbage server client certs openssl

e2e_topology
e2e_client_add c1
e2e_client_add c2
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_profile bob
e2e_server_config '{"limits": {"handshake_timeout": 2}}'
e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
A1=$(client_addr4 c1)
M=$(client_ns c2)
MADDR=$CLIENT_IP_c2

ip netns exec "$(client_ns c1)" $PY "$E2E_HERE/probe.py" ping $TUN_GW4 -c 100000 -i 0.01 -W 1 \
	>"$E2E_DIR/ping.log" 2>&1 &
PING_PID=$!
E2E_PIDS="$E2E_PIDS $PING_PID:pinger"
sleep 0.5

ms=$(mark "$E2E_DIR/server.log")
for kind in http random half-tls hold; do
	ip netns exec "$M" $PY "$E2E_HERE/probe.py" garbage $SRV_LAN4 443 $kind \
		>"$E2E_DIR/garbage-$kind.log" 2>&1 &
	eval "G_$(echo $kind | tr - _)=$!"
	E2E_PIDS="$E2E_PIDS $!:garbage-$kind"
done
ip netns exec "$M" timeout 5 openssl s_client -connect $SRV_LAN4:443 -alpn tlsvpn/1 \
	-servername $SRV_LAN4 -CAfile "$E2E_DIR/pki/ca.crt" </dev/null \
	>"$E2E_DIR/garbage-nocert.log" 2>&1 &
G_nocert=$!
E2E_PIDS="$E2E_PIDS $!:garbage-nocert"
for p in $G_http $G_random $G_half_tls $G_hold $G_nocert; do
	wait $p
	forget_pid $p
done
for kind in http random half-tls hold; do
	r=$(cat "$E2E_DIR/garbage-$kind.log")
	check "$kind: the server closed the connection (probe: $r)" \
		grep -q "closed by server" "$E2E_DIR/garbage-$kind.log"
done
check "TLS client without a certificate: handshake refused" \
	sh -c "! grep -q 'Verify return code: 0 (ok)' $E2E_DIR/garbage-nocert.log || grep -qi 'alert\|errno\|error' $E2E_DIR/garbage-nocert.log"
failed() { since "$E2E_DIR/server.log" "$ms" | grep "event=handshake_failed peer=$MADDR:" | grep -Eic "$1"; }
since "$E2E_DIR/server.log" "$ms" | grep "peer=$MADDR:" | grep -v level=debug | sed 's/^/    server: /'
check "server logged a failed handshake for each of the 5 connections from $MADDR" \
	test "$(failed .)" -ge 5
check "server logged the TLS client without a certificate as such" test "$(failed 'no certificate')" -ge 1
check "server logged the half handshake and the silent connection as timeouts" \
	test "$(failed 'timeout')" -ge 2
check "server still running" alive "$SERVER_PID"

stop_pid "$PING_PID" INT 2
forget_pid "$PING_PID"
log "alice's pings: $(grep sent= "$E2E_DIR/ping.log")"
check "alice lost no ping to $TUN_GW4 meanwhile (every 10 ms)" \
	sh -c "grep -q 'received=[1-9]' $E2E_DIR/ping.log && grep -q ' lost=0' $E2E_DIR/ping.log"
check "alice keeps her address $A1" test "$(client_addr4 c1)" = "$A1"
e2e_client_start c2 "$E2E_DIR/bob.json"
check "a new client connects after the garbage" e2e_client_wait c2 10
check "the new client reaches the internet host, seen as $SRV_WAN4" \
	test "$(cfetch c2 http://$INET4/whoami)" = $SRV_WAN4
e2e_finish
