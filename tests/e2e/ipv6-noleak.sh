#!/bin/sh
# No IPv6 leak around an IPv4-only tunnel: without pool.ipv6 the client has
# an IPv6 default route on its LAN, yet with the VPN up no IPv6 packet
# addressed beyond the link leaves its namespace. Counted by an nftables
# counter in the server namespace on the client's LAN port (the real wire),
# with a positive control before the VPN starts.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init ipv6-noleak server client certs curl nft

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config
C=$(client_ns c1)
T="${E2E_PREFIX}watch"

nsx "$E2E_NS_SERVER" nft -f - <<NFT || die "watch table"
table netdev $T {
	counter leak6 { }
	chain in {
		type filter hook ingress device "pc1" priority -500;
		ip6 daddr != { fe80::/10, ff00::/8 } counter name leak6
	}
}
NFT
leaked() {
	nsx "$E2E_NS_SERVER" nft list counter netdev $T leak6 | awk '/packets/ { print $2 }'
}
try_v6() {
	probe "$C" ping $INET6 -c 3 -i 0.1 -W 0.5 >/dev/null
	nsx "$C" curl -s --connect-timeout 1 -o /dev/null "http://[$INET6]/whoami"
	probe "$C" udp-send $INET6 9999 leak-probe 2>/dev/null
	return 0
}

try_v6
n0=$(leaked)
check "positive control: without the VPN the counter sees the client's IPv6 ($n0 packets)" \
	test "${n0:-0}" -gt 0

e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "client gets a tunnel address and routes within 10 s"
check "no IPv6 address from a pool on the client" test -z "$(client_addr6 c1)"
check "IPv4 works through the tunnel" probe "$C" ping $INET4 -c 3 -i 0.1

sleep 0.5
n1=$(leaked)
try_v6
check "ping6 to $INET6 fails with the VPN up" \
	sh -c "! ip netns exec $C python3 $E2E_HERE/probe.py ping $INET6 -c 2 -i 0.1 -W 0.5 >/dev/null"
check "HTTP over IPv6 to $INET6 fails with the VPN up" \
	sh -c "! ip netns exec $C curl -s --connect-timeout 1 -o /dev/null http://[$INET6]/whoami"
n2=$(leaked)
check "no IPv6 packet left the client namespace outside the tunnel (counter $n1 -> $n2)" \
	test "$n1" = "$n2"

e2e_client_stop c1 || fail "client exits within 5 s of SIGTERM"
n3=$(leaked)
try_v6
n4=$(leaked)
check "after the client exits IPv6 flows again (leak guard removed: $n3 -> $n4)" test "$n4" -gt "$n3"
e2e_finish
