#!/bin/sh
# The server with "user": "nobody": it runs unprivileged after start-up, the
# basic run works (NAT, download, DNS), leases are still written (and --check
# leaves them alone), revocation
# on SIGHUP still works, and at exit it still removes its NAT table and TUN.
# Deployment as a service would give it: the CRL readable, a state directory
# for the leases owned by the user (systemd's StateDirectory=).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init privdrop server client certs curl
id nobody >/dev/null 2>&1 || skip "no user nobody"
GROUP=$(id -gn nobody)

e2e_topology
e2e_client_add c1
e2e_client_add c2
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_profile bob
chmod 755 "$E2E_DIR" "$E2E_DIR/pki"
chmod 644 "$E2E_DIR/pki/crl.pem" "$E2E_DIR/pki/ca.crt"
mkdir -p "$E2E_DIR/state"
chown nobody:"$GROUP" "$E2E_DIR/state"
e2e_server_config "{\"user\": \"nobody\", \"group\": \"$GROUP\", \"leases\": \"state/leases.json\"}"
e2e_server_start
uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$SERVER_PID/status")
check "server runs as nobody after start-up (uids: $uid)" \
	test "$uid" = "$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody)"
# The lease writer is a thread; capabilities and no_new_privs are per thread,
# so it must start after the drop to end up exactly like the loop's thread.
threads() {
	for _s in /proc/"$SERVER_PID"/task/*/status; do
		awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 } /^CapPrm:/ { p = $2 }
			/^CapEff:/ { e = $2 } /^NoNewPrivs:/ { n = $2 } END { print u, p, e, n }' "$_s"
	done
}
two_threads() { test "$(threads | wc -l)" -eq 2; }
check "the server runs its lease writer thread" wait_for 3 two_threads
n=$(id -u nobody)
check "every server thread: uid nobody, only CAP_NET_ADMIN, no_new_privs ($(threads | sort -u | tr '\n' ';'))" \
	test "$(threads | sort -u)" = "$n $n $n $n 0000000000001000 0000000000001000 1"

e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
C=$(client_ns c1)
A1=$(client_addr4 c1)
check "alice pings the internet host through the tunnel" probe "$C" ping $INET4 -c 3 -i 0.1
check "internet host saw $SRV_WAN4 (NAT)" test "$(cfetch c1 http://$INET4/whoami)" = $SRV_WAN4
sum=$(cfetch c1 http://$INET4/blob.bin | sha256sum | cut -d' ' -f1)
check "download through the tunnel has the right checksum" test "$sum" = "$WWW_SUM"
check "test.example resolves through the pushed DNS" \
	test "$(probe "$C" resolve test.example)" = $INET4
check "the leases file names alice ($A1), written after the privilege drop" \
	wait_for 3 grep -q alice "$E2E_DIR/state/leases.json"

certs revoke alice >>"$E2E_DIR/certs.log" 2>&1 || die "tlsvpn-certs revoke alice"
chmod 644 "$E2E_DIR/pki/crl.pem"
ms=$(mark "$E2E_DIR/server.log")
kill -HUP "$SERVER_PID"
gone() { ! probe "$C" ping $INET4 -c 1 -W 0.3 >/dev/null; }
check "SIGHUP as nobody: alice's tunnel stops within 3 s" wait_for 3 gone
check "server logs alice revoked" wait_for 2 log_has "$E2E_DIR/server.log" "$ms" 'revoked'
check "server still running after SIGHUP" alive "$SERVER_PID"

# bob's first lease cannot be written (nobody owns state/ but may not write
# it now); his next connect, with the same lease, must write it.
chmod 555 "$E2E_DIR/state"
ms=$(mark "$E2E_DIR/server.log")
e2e_client_start c2 "$E2E_DIR/bob.json"
check "bob connects after the reload" e2e_client_wait c2 10
check "bob reaches the internet host" probe "$(client_ns c2)" ping $INET4 -c 2 -i 0.1
check "a lease write into a read-only directory is logged as failed" \
	wait_for 3 log_has "$E2E_DIR/server.log" "$ms" 'event=leases_save_failed.*Permission denied'
chmod 755 "$E2E_DIR/state"
e2e_client_stop c2 || fail "client c2 exits within 5 s of SIGTERM"
e2e_client_start c2 "$E2E_DIR/bob.json"
check "bob reconnects" e2e_client_wait c2 10
check "bob's lease written by the unprivileged server after the failed write" \
	wait_for 3 grep -q bob "$E2E_DIR/state/leases.json"

e2e_server_stop || fail "server exits within 5 s of SIGTERM"
# --check, run as root as systemd's ExecStartPre does, reads the lease file
# and must leave it alone: a rewrite would also hand it to root.
before=$(stat -c '%i %U' "$E2E_DIR/state/leases.json")
check "--check accepts the configuration" \
	ip netns exec $E2E_NS_SERVER $SERVER_BIN -c "$E2E_DIR/server.json" --check
check "--check leaves the lease file as it was ($before)" \
	test "$(stat -c '%i %U' "$E2E_DIR/state/leases.json")" = "$before"
check "unprivileged server removed its NAT table at exit" \
	sh -c "! ip netns exec $E2E_NS_SERVER nft list tables | grep -q ."
check "unprivileged server's TUN is gone" sh -c "! ip -n $E2E_NS_SERVER -o link show type tun | grep -q ."
e2e_finish
