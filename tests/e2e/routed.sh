#!/bin/sh
# A routed gateway, no NAT: the server pushes a route to the internet host's
# network (198.18.2.0/24), not the default route, and that network routes the
# pool back to the server, as an office LAN would. The server must turn IP
# forwarding on by itself, and the internet host must see the client's own
# tunnel address, not the server's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init routed server client certs curl

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config '{"nat": null, "push": {"redirect_gateway": false,
	"routes": ["198.18.2.0/24"], "dns": []}}'
nsx "$E2E_NS_INET" ip route add "$POOL4" via "$SRV_WAN4" || die "route back to the pool"
e2e_server_start
C=$(client_ns c1)
e2e_client_start c1 "$E2E_DIR/alice.json"
# (no redirect-gateway: wait for the address and the client's tunnel_up line)
{ wait_for 10 client_up_noredirect c1 && wait_for 3 client_configured c1; } ||
	die "client gets a tunnel address within 10 s"
ADDR=$(client_addr4 c1)

check "server turned IP forwarding on without NAT" \
	test "$(nsx "$E2E_NS_SERVER" sysctl -n net.ipv4.ip_forward)" = 1
check "server installed no NAT table" \
	sh -c "! ip netns exec $E2E_NS_SERVER nft list tables | grep -q ."
check "the pushed route to 198.18.2.0/24 goes through the tunnel" \
	sh -c "ip -n $C route get $INET4 | grep -q 'dev $(client_tun c1) '"
check "no default route into the tunnel (no redirect-gateway)" \
	sh -c "! ip -n $C route show | grep -q '^0.0.0.0/1'"
whoami=$(cfetch c1 http://$INET4/whoami)
check "internet host saw the client's own tunnel address $ADDR, got '$whoami'" \
	test "$whoami" = "$ADDR"
e2e_finish
