#!/bin/sh
# IPv6 through the tunnel: with pool.ipv6 the client gets an address from it
# and reaches the internet host over IPv6, NAT66'd to the server's
# fd00:18:2::1; afterwards the client's IPv6 routes are as before.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init ipv6 server client certs curl

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config "{\"pool\": {\"ipv6\": \"$POOL6\"}}"
e2e_server_start
C=$(client_ns c1)

net_state "$C" >"$E2E_DIR/before"
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "client gets a tunnel address and routes within 10 s"
wait_for 3 sh -c "[ -n \"\$(ip -n $C -o -6 addr show scope global | grep ' fd00:8:')\" ]"
ADDR6=$(client_addr6 c1)
TUN=$(client_tun c1)
log "client tunnel addresses $(client_addr4 c1) $ADDR6 on $TUN"

check "client has an IPv6 tunnel address in $POOL6 (got '$ADDR6')" test -n "$ADDR6"
check "IPv6 redirect-gateway routes ::/1 and 8000::/1 via $TUN" \
	sh -c "ip -n $C -6 route show ::/1 | grep -q 'dev $TUN' && ip -n $C -6 route show 8000::/1 | grep -q 'dev $TUN'"
check "route to $INET6 goes through $TUN" \
	sh -c "ip -n $C -6 route get $INET6 | grep -q 'dev $TUN '"
check "server turned IPv6 forwarding on" \
	test "$(nsx "$E2E_NS_SERVER" sysctl -n net.ipv6.conf.all.forwarding)" = 1
check "client pings $INET6 through the tunnel" probe "$C" ping $INET6 -c 5 -i 0.1
whoami=$(cfetch c1 "http://[$INET6]/whoami")
check "internet host saw the IPv6 source $SRV_WAN6 (NAT66), got '$whoami'" test "$whoami" = $SRV_WAN6
sum=$(cfetch c1 "http://[$INET6]/blob.bin" | sha256sum | cut -d' ' -f1)
check "download over IPv6 through the tunnel has the right checksum" test "$sum" = "$WWW_SUM"
whoami4=$(cfetch c1 "http://$INET4/whoami")
check "IPv4 works alongside: internet host saw $SRV_WAN4, got '$whoami4'" test "$whoami4" = $SRV_WAN4

e2e_client_stop c1 || fail "client exits within 5 s of SIGTERM"
net_state "$C" >"$E2E_DIR/after"
check "after the client exits: routes (v4 and v6), addresses, nftables, resolv.conf as before" \
	diff -u "$E2E_DIR/before" "$E2E_DIR/after"
e2e_finish
