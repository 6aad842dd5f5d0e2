#!/bin/sh
# The test network alone, without the VPN: proves the harness. The client
# reaches the server over the underlay; the internet host is unreachable
# from the client (forwarding off, no route back); the internet host's
# services answer locally; cleanup leaves nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init underlay curl

e2e_topology
e2e_client_add c1
e2e_internet_start
C=$(client_ns c1)

check "client pings the server over the underlay (IPv4)" \
	probe "$C" ping $SRV_LAN4 -c 3 -i 0.1
check "client pings the server over the underlay (IPv6)" \
	probe "$C" ping $SRV_LAN6 -c 3 -i 0.1
check "server ns has IP forwarding off before any VPN runs" \
	test "$(nsx "$E2E_NS_SERVER" sysctl -n net.ipv4.ip_forward)" = 0
unreach4() { ! probe "$C" ping $INET4 -c 2 -i 0.2 -W 0.5 >/dev/null; }
unreach6() { ! probe "$C" ping $INET6 -c 2 -i 0.2 -W 0.5 >/dev/null; }
check "internet host unreachable from the client without the VPN (IPv4 ping)" unreach4
check "internet host unreachable from the client without the VPN (IPv6 ping)" unreach6
check "internet web server unreachable from the client without the VPN" \
	sh -c "! ip netns exec $C curl -s --connect-timeout 1 -o /dev/null http://$INET4/whoami"
# With forwarding on, the internet host still has no route back: only NAT
# can make the tunnel work, so a reply here would mean the harness is wrong.
nsx "$E2E_NS_SERVER" sysctl -qw net.ipv4.ip_forward=1
check "no route back from the internet host even with forwarding on" unreach4
nsx "$E2E_NS_SERVER" sysctl -qw net.ipv4.ip_forward=0

check "the server reaches the internet web server; /whoami says 198.18.2.1" \
	test "$(nsx "$E2E_NS_SERVER" curl -sS --max-time 3 http://$INET4/whoami)" = $SRV_WAN4
sum_ok() {
	[ "$(nsx "$E2E_NS_SERVER" curl -sS --max-time 5 http://$INET4/blob.bin | sha256sum | cut -d' ' -f1)" = "$WWW_SUM" ]
}
check "download from the internet web server has the right checksum" sum_ok
check "the server reaches the internet web server over IPv6; /whoami says $SRV_WAN6" \
	test "$(nsx "$E2E_NS_SERVER" curl -sS --max-time 3 "http://[$INET6]/whoami")" = $SRV_WAN6
if [ -n "$(pid_of dnsmasq)" ]; then
	echo "nameserver $INET4" >"/etc/netns/$E2E_NS_SERVER/resolv.conf"
	check "dnsmasq on the internet host answers test.example" \
		test "$(probe "$E2E_NS_SERVER" resolve test.example)" = $INET4
fi
check "client's resolver is its own /etc/netns file, not the host's" \
	test "$(nsx "$C" cat /etc/resolv.conf)" = "nameserver $SRV_LAN4"

e2e_finish
