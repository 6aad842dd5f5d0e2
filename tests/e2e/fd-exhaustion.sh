#!/bin/sh
# Out of file descriptors: the server runs with a limit of 48 descriptors and
# 100 silent TCP connections arrive at once. accept() fails with EMFILE; the
# server must pause accepting (log event=accept_paused) instead of spinning
# or dying, close the silent connections at the handshake timeout (2 s here),
# and then serve a real client that connects and pings through the tunnel.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init fd-exhaustion server client certs

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config '{"limits": {"handshake_timeout": 2, "max_handshakes": 1000,
	"max_handshakes_per_source": 1000}}'
bg server "$E2E_DIR/server.log" "$E2E_NS_SERVER" \
	prlimit --nofile=48:48 "$SERVER_BIN" -c "$E2E_DIR/server.json"
SERVER_PID=$BG_PID
wait_for 10 server_listening || die "tlsvpn-server listens under a 48-descriptor limit"
C=$(client_ns c1)

# 100 connections that say nothing, held for 4 s: the backlog fills while
# the server has no descriptor left to accept with.
cat >"$E2E_DIR/flood.py" <<'PYEOF'
import socket, sys, time
conns = []
for i in range(100):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((sys.argv[1], 443))
    except BlockingIOError:
        pass
    conns.append(s)
time.sleep(4)
for s in conns:
    s.close()
print("held", len(conns))
PYEOF
nsx "$C" $PY "$E2E_DIR/flood.py" $SRV_LAN4 >"$E2E_DIR/flood.log" 2>&1
check "the flood held its 100 connections" grep -q "held 100" "$E2E_DIR/flood.log"
check "the server ran out of descriptors and paused accepting" \
	grep -q "event=accept_paused error=Too many open files" "$E2E_DIR/server.log"
check "the server is still running" alive "$SERVER_PID"
pauses=$(grep -c "event=accept_paused" "$E2E_DIR/server.log")
check "it paused rather than spun (at most one pause a second: $pauses lines)" \
	test "$pauses" -le 10

# The silent connections are gone (handshake timeout); a real client works.
sleep 3
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 15 || fail "alice connects after the flood"
check "alice pings the server through the tunnel after the flood" \
	probe "$C" ping $TUN_GW4 -c 3 -i 0.1
e2e_finish
