#!/bin/sh
# The basic run: one client, redirect-gateway, NAT, pushed DNS.
# ping, an HTTP download checked by checksum, iperf3 5 s each way through the
# tunnel; the internet host sees only 198.18.2.1; test.example resolves
# through the pushed DNS server; after the client exits its routes,
# addresses, firewall and resolver are exactly as before. The profile names
# the server by a host name (resolved from the namespace's /etc/hosts), not
# by the literal address the other scenarios use.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init basic server client certs curl iperf3 dnsmasq

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config
e2e_server_start
C=$(client_ns c1)
echo "$SRV_LAN4 vpn.e2e.test" >"/etc/netns/$C/hosts"
$PY - "$E2E_DIR/alice.json" <<'PYEOF' || die "profile with a host name"
import json, os, sys
p = json.load(open(sys.argv[1]))
p["remotes"] = [{"host": "vpn.e2e.test", "port": 443}]
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
with os.fdopen(fd, "w") as f:
    json.dump(p, f)
PYEOF

net_state "$C" >"$E2E_DIR/before"
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "client gets a tunnel address and routes within 10 s"
ADDR=$(client_addr4 c1)
log "client tunnel address $ADDR"
check "the remote vpn.e2e.test resolved to $SRV_LAN4" \
	grep -q "event=tcp_connected remote=vpn.e2e.test addr=$SRV_LAN4 " "$E2E_DIR/client-c1.log"

check "client address $ADDR is in the pool $POOL4" \
	sh -c "case $ADDR in 10.8.0.*) exit 0;; *) exit 1;; esac"
check "server turned IP forwarding on" \
	test "$(nsx "$E2E_NS_SERVER" sysctl -n net.ipv4.ip_forward)" = 1
check "client pings the server's tunnel address $TUN_GW4" \
	probe "$C" ping $TUN_GW4 -c 5 -i 0.1
check "client pings the internet host $INET4 through the tunnel" \
	probe "$C" ping $INET4 -c 5 -i 0.1
TUN=$(client_tun c1)
check "route to $INET4 goes through the client's TUN '$TUN'" \
	sh -c "ip -n $C route get $INET4 | grep -q 'dev $TUN '"
check "host route to the server $SRV_LAN4 kept via the old gateway (eth0)" \
	sh -c "ip -n $C route get $SRV_LAN4 | grep -q 'dev eth0'"

whoami=$(cfetch c1 http://$INET4/whoami)
check "internet host saw the source $SRV_WAN4 (NAT), got '$whoami'" test "$whoami" = $SRV_WAN4
check "internet web server log shows peer=$SRV_WAN4 and no other peer" \
	sh -c "grep -q 'peer=$SRV_WAN4 path=/whoami' $E2E_DIR/web.log && ! grep -v 'peer=$SRV_WAN4 ' $E2E_DIR/web.log | grep -q peer="
sum=$(cfetch c1 http://$INET4/blob.bin | sha256sum | cut -d' ' -f1)
check "3 MB download through the tunnel has the right checksum" test "$sum" = "$WWW_SUM"

check "client's resolv.conf names the pushed server $INET4" \
	sh -c "ip netns exec $C cat /etc/resolv.conf | grep -q '^nameserver $INET4'"
check "the host's /etc/resolv.conf was not touched" \
	sh -c "! grep -q '$INET4' /etc/resolv.conf"
name=$(probe "$C" resolve test.example)
check "test.example resolves to $INET4 through the pushed DNS, got '$name'" test "$name" = $INET4
check "dnsmasq saw the query from $SRV_WAN4 (through the tunnel and NAT)" \
	grep -q "query\[A\] test.example from $SRV_WAN4" "$E2E_DIR/dnsmasq.log"

iperf() {
	# $1: "" (client -> internet) or -R (internet -> client)
	nsx "$C" iperf3 -c $INET4 -t 5 -f m $1 >"$E2E_DIR/iperf3$1.log" 2>&1 || return 1
	_r=$(awk '/receiver$/ { print $7, $8 }' "$E2E_DIR/iperf3$1.log")
	log "iperf3 ${1:-up}: $_r"
	[ -n "$_r" ]
}
check "iperf3 5 s client -> internet through the tunnel" iperf ""
check "iperf3 5 s internet -> client through the tunnel" iperf -R

e2e_client_stop c1 || fail "client exits within 5 s of SIGTERM"
check "the client said goodbye (bye client_exit) and the server logged it" \
	grep -q "client said bye client_exit" "$E2E_DIR/server.log"
net_state "$C" >"$E2E_DIR/after"
same_state() {
	diff -u "$E2E_DIR/before" "$E2E_DIR/after"
}
check "after the client exits: routes, addresses, rules, nftables, resolv.conf as before" same_state
check "client TUN device removed" sh -c "! ip -n $C -o link show type tun | grep -q ."
check "the client logged its tunnel address" grep -q "$ADDR" "$E2E_DIR/client-c1.log"

e2e_server_stop || fail "server exits within 5 s of SIGTERM"
check "server removed its NAT table" \
	sh -c "! ip netns exec $E2E_NS_SERVER nft list tables | grep -q ."
# An honest client sends nothing the server counts as spoofed: the TUN's own
# IPv6 link-local chatter (router solicitations) is told apart from spoofing.
check "server counted no spoofed packet from the honest client" \
	grep -q "event=relay_totals .*drops_spoofed=0 " "$E2E_DIR/server.log"
e2e_finish
