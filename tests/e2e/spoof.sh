#!/bin/sh
# Anti-spoofing and client isolation. From alice's namespace, UDP packets
# with foreign source addresses (an unassigned pool address, bob's tunnel
# address, alice's own LAN address) are sent into the tunnel: none comes out
# of the server, while alice's genuine packet does. With client_to_client
# off, alice's packets to bob never reach bob; turned on (positive control),
# they do.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init spoof server client certs

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
A=$(client_ns c1) B=$(client_ns c2)
ADDR_A=$(client_addr4 c1) ADDR_B=$(client_addr4 c2)
log "alice=$ADDR_A bob=$ADDR_B"

# The internet host records every datagram on port 9999.
ip netns exec "$E2E_NS_INET" $PY "$E2E_HERE/probe.py" udp-listen $INET4 9999 30 genuine-end \
	>"$E2E_DIR/udp-inet.log" 2>&1 &
L1=$!
E2E_PIDS="$E2E_PIDS $L1:udp-inet"
wait_for 3 grep -q listening "$E2E_DIR/udp-inet.log" || die "UDP listener on the internet host"
for i in 1 2 3; do
	probe "$A" udp-send $INET4 9999 "genuine-$i"
	probe "$A" udp-send $INET4 9999 "spoof-pool-$i" --src 10.8.0.99
	probe "$A" udp-send $INET4 9999 "spoof-bob-$i" --src "$ADDR_B"
	probe "$A" udp-send $INET4 9999 "spoof-lan-$i" --src "$CLIENT_IP_c1"
	sleep 0.1
done
# Sent last, through the same path: once it is in, the others had their chance.
sleep 0.5
probe "$A" udp-send $INET4 9999 genuine-end
wait $L1
forget_pid $L1
sed 's/^/    internet host: /' "$E2E_DIR/udp-inet.log"
check "positive control: alice's genuine packets arrive from $SRV_WAN4" \
	test "$(grep -c "from=$SRV_WAN4 data=genuine-" "$E2E_DIR/udp-inet.log")" -eq 4
check "no packet with a spoofed pool address comes out" \
	sh -c "! grep -q spoof-pool $E2E_DIR/udp-inet.log"
check "no packet with bob's address as source comes out of alice's session" \
	sh -c "! grep -q spoof-bob $E2E_DIR/udp-inet.log"
check "no packet with alice's LAN address as source comes out" \
	sh -c "! grep -q spoof-lan $E2E_DIR/udp-inet.log"

# c2c PHASE: bob listens on his tunnel address, alice sends to it.
c2c() {
	ip netns exec "$B" $PY "$E2E_HERE/probe.py" udp-listen "$ADDR_B" 9998 30 end \
		>"$E2E_DIR/udp-bob-$1.log" 2>&1 &
	_l=$!
	E2E_PIDS="$E2E_PIDS $_l:udp-bob"
	wait_for 3 grep -q listening "$E2E_DIR/udp-bob-$1.log"
	for i in 1 2 3; do
		probe "$A" udp-send "$ADDR_B" 9998 "alice-to-bob-$i"
		sleep 0.1
	done
	# bob ends the listening himself, so it surely covered alice's sends.
	sleep 0.5
	probe "$B" udp-send "$ADDR_B" 9998 end
	wait $_l
	forget_pid $_l
	sed 's/^/    bob: /' "$E2E_DIR/udp-bob-$1.log"
}
c2c off
check "client_to_client off: alice's packets to bob ($ADDR_B) do not reach bob" \
	sh -c "grep -q 'data=end' $E2E_DIR/udp-bob-off.log && ! grep -q alice-to-bob $E2E_DIR/udp-bob-off.log"
check "client_to_client off: alice cannot ping bob" \
	sh -c "! ip netns exec $A python3 $E2E_HERE/probe.py ping $ADDR_B -c 2 -i 0.1 -W 0.5 >/dev/null"

log "restarting the server with client_to_client on (positive control)"
e2e_server_stop || fail "server exits within 5 s of SIGTERM"
mv "$E2E_DIR/server.log" "$E2E_DIR/server-1.log"
e2e_server_config '{"client_to_client": true}'
e2e_server_start
wait_for 15 probe "$A" ping $TUN_GW4 -c 1 -W 0.5 || fail "alice reconnects after the restart"
wait_for 15 probe "$B" ping $TUN_GW4 -c 1 -W 0.5 || fail "bob reconnects after the restart"
ADDR_B=$(client_addr4 c2)
c2c on
check "client_to_client on: alice's packets reach bob from $ADDR_A" \
	grep -q "from=$ADDR_A data=alice-to-bob" "$E2E_DIR/udp-bob-on.log"
e2e_finish
