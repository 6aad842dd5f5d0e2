#!/bin/sh
# A server killed with -9 leaves its NAT table behind; started again it
# replaces that stale table (not a second one, not a failure), the client
# reconnects by itself with the same address, and NAT works.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init server-crash server client certs curl nft

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config
e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
C=$(client_ns c1)
A1=$(client_addr4 c1)
tables() { nsx "$E2E_NS_SERVER" nft list tables | sort | tr '\n' ' '; }
T1=$(tables)
log "server's tables: $T1"

e2e_server_stop KILL
mv "$E2E_DIR/server.log" "$E2E_DIR/server-1.log"
check "kill -9 leaves the NAT table behind (what the restart must handle)" \
	test "$(tables)" = "$T1"
e2e_server_start
back() { probe "$C" ping $INET4 -c 1 -W 0.5 >/dev/null; }
check "alice reconnects by itself to the restarted server" wait_for 15 back
check "the same tables as before the crash, not a second set ($(tables))" \
	test "$(tables)" = "$T1"
check "alice keeps $A1 (got $(client_addr4 c1))" test "$(client_addr4 c1)" = "$A1"
check "internet host sees $SRV_WAN4" test "$(cfetch c1 http://$INET4/whoami)" = $SRV_WAN4
e2e_finish
