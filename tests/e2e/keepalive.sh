#!/bin/sh
# Dead-server detection: keepalive 1 s / timeout 3 s. The server is made
# silent (nftables drops everything it sends on 443); the client notices
# within the timeout, keeps its TUN device, and once packets flow again
# reconnects by itself and gets the same address back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init keepalive server client certs nft

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config '{"keepalive": {"interval": 1, "timeout": 3}}'
e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
C=$(client_ns c1)
A1=$(client_addr4 c1)
TUN=$(client_tun c1)
IDX1=$(ip -n "$C" -o link show dev "$TUN" | cut -d: -f1)
check "tunnel works before the outage" probe "$C" ping $INET4 -c 2 -i 0.1

T="${E2E_PREFIX}silence"
mc=$(mark "$E2E_DIR/client-c1.log")
nsx "$E2E_NS_SERVER" nft -f - <<NFT || die "silence table"
table inet $T {
	chain out {
		type filter hook output priority -10;
		tcp sport { 443 } drop
	}
}
NFT
t0=$(date +%s)
log "server silenced at $(date +%T)"
# timeout 3 s, plus one keepalive interval of slack
check "client notices the dead server within 5 s (log mentions timeout/dead/keepalive)" \
	wait_for 5 log_has "$E2E_DIR/client-c1.log" "$mc" 'timeout|timed out|dead|keepalive|no pong|silent'
log "client noticed after ~$(($(date +%s) - t0)) s: $(since "$E2E_DIR/client-c1.log" "$mc" | grep -Ei 'timeout|timed out|dead|keepalive|no pong|silent' | head -n 1)"
sleep 1
IDX2=$(ip -n "$C" -o link show dev "$TUN" 2>/dev/null | cut -d: -f1)
check "the client keeps its TUN device $TUN during the outage" test "$IDX1" = "$IDX2"

nsx "$E2E_NS_SERVER" nft delete table inet $T
log "server audible again at $(date +%T)"
back() { probe "$C" ping $INET4 -c 1 -W 0.5 >/dev/null; }
check "client reconnects by itself within 15 s and the tunnel carries traffic" wait_for 15 back
check "same address $A1 after the reconnection (got $(client_addr4 c1))" test "$(client_addr4 c1)" = "$A1"
IDX3=$(ip -n "$C" -o link show dev "$TUN" 2>/dev/null | cut -d: -f1)
check "same TUN device after the reconnection" test "$IDX1" = "$IDX3"
check "internet host sees $SRV_WAN4 after the reconnection" \
	test "$(cfetch c1 http://$INET4/whoami)" = $SRV_WAN4
e2e_finish
