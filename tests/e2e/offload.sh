#!/bin/sh
# TCP segmentation offload (PROTOCOL.md 3.1). With offloads on both sides, TCP
# crosses the tunnel as GSO super-packets in both directions; when one side has
# them off, the other cuts its super-packets into ordinary packets itself. In
# every combination the same bytes arrive: downloads and uploads over IPv4 and
# IPv6, each checked by SHA-256, and the logs show which path carried them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init offload server client certs curl

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config "{\"pool\": {\"ipv6\": \"$POOL6\"}}"
e2e_server_start
C=$(client_ns c1)
head -c 4000000 /dev/urandom >"$E2E_DIR/up.bin"
UP_SUM=$(sha256sum <"$E2E_DIR/up.bin" | cut -d' ' -f1)

# transfers LABEL: a download and an upload over IPv4 and over IPv6.
transfers() {
	_d4=$(cfetch c1 "http://$INET4/blob.bin" | sha256sum | cut -d' ' -f1)
	check "$1: IPv4 download has the right checksum" test "$_d4" = "$WWW_SUM"
	_d6=$(cfetch c1 "http://[$INET6]/blob.bin" | sha256sum | cut -d' ' -f1)
	check "$1: IPv6 download has the right checksum" test "$_d6" = "$WWW_SUM"
	_u4=$(cfetch c1 "http://$INET4/sha256" --data-binary "@$E2E_DIR/up.bin")
	check "$1: IPv4 upload arrives intact" test "$_u4" = "$UP_SUM"
	_u6=$(cfetch c1 "http://[$INET6]/sha256" --data-binary "@$E2E_DIR/up.bin")
	check "$1: IPv6 upload arrives intact" test "$_u6" = "$UP_SUM"
}

# upload_dstopts: the upload over IPv6 from a socket that sends a destination
# options header (IPV6_DSTOPTS, as root may), so the client's TUN reads
# super-packets with an extension header; prints the host's SHA-256.
upload_dstopts() {
	nsx "$C" $PY - "$INET6" "$E2E_DIR/up.bin" <<'EOF'
import socket, sys
body = open(sys.argv[2], "rb").read()
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(20)
# next header (filled in by the kernel), length 0 (8 bytes), PadN of 4 bytes
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.connect((sys.argv[1], 80))
s.sendall(b"POST /sha256 HTTP/1.0\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
reply = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
print(reply.split(b"\r\n\r\n", 1)[-1].decode().strip())
EOF
}

# session_field NAME: NAME=value from the server's last session_closed line.
session_field() {
	grep 'event=session_closed' "$E2E_DIR/server.log" | tail -n 1 |
		sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

# run_client LABEL [client options]: one session from start to exit.
run_client() {
	_label=$1
	shift
	e2e_client_start c1 "$E2E_DIR/alice.json" "$@"
	e2e_client_wait c1 10 || die "$_label: client gets its tunnel within 10 s"
	wait_for 3 sh -c "[ -n \"\$(ip -n $C -o -6 addr show scope global | grep ' fd00:8:')\" ]"
	transfers "$_label"
	_m=$(mark "$E2E_DIR/server.log")
	e2e_client_stop c1 || fail "$_label: client exits within 5 s of SIGTERM"
	wait_for 3 log_has "$E2E_DIR/server.log" "$_m" 'event=session_closed'
}

# 1. Both sides offload: super-packets travel whole.
run_client "both offload"
check "both offload: the client's TUN has offloads" \
	grep -q 'event=tun_created .*offload=on' "$E2E_DIR/client-c1.log"
check "both offload: the client agreed to GSO frames" \
	grep -q 'event=tunnel_up .*gso=yes' "$E2E_DIR/client-c1.log"
gso=$(session_field tx_gso)
cut=$(session_field tx_segmented)
check "both offload: the server sent GSO frames (tx_gso=$gso)" test "${gso:-0}" -gt 0
check "both offload: the server cut nothing (tx_segmented=$cut)" test "${cut:-1}" -eq 0
# An IPv6 super-packet with an extension header never travels as a GSO frame:
# the client cuts it in software, the header copied into every segment.
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "dstopts: client gets its tunnel within 10 s"
wait_for 3 sh -c "[ -n \"\$(ip -n $C -o -6 addr show scope global | grep ' fd00:8:')\" ]"
_ud=$(upload_dstopts 2>&1)
check "IPv6 upload with a destination options header arrives intact" test "$_ud" = "$UP_SUM"
e2e_client_stop c1 || fail "dstopts: client exits within 5 s of SIGTERM"

# 2. The client without offload: the server cuts its super-packets.
run_client "client --no-offload" --no-offload
check "client --no-offload: no GSO frames agreed" \
	sh -c "grep 'event=tunnel_up' '$E2E_DIR/client-c1.log' | tail -n 1 | grep -q 'gso=no'"
gso=$(session_field tx_gso)
cut=$(session_field tx_segmented)
check "client --no-offload: the server sent no GSO frame (tx_gso=$gso)" test "${gso:-1}" -eq 0
check "client --no-offload: the server cut super-packets itself (tx_segmented=$cut)" \
	test "${cut:-0}" -gt 0

e2e_server_stop || fail "server exits within 5 s of SIGTERM"
check "the server's totals count super-packets read and written whole" \
	sh -c "grep 'event=relay_totals' '$E2E_DIR/server.log' | grep -q 'rx_gso=[1-9].* tx_gso=[1-9]'"

# 3. The server without offload: the client cuts its own super-packets, and
#    the server's TUN only ever sees ordinary packets.
e2e_server_config "{\"pool\": {\"ipv6\": \"$POOL6\"}, \"tun\": {\"offload\": false}}"
e2e_server_start
check "server with tun.offload false starts without offloads" \
	sh -c "grep 'event=started' '$E2E_DIR/server.log' | tail -n 1 | grep -q 'offload=off'"
run_client "server offload off"
check "server offload off: no GSO frames agreed" \
	sh -c "grep 'event=tunnel_up' '$E2E_DIR/client-c1.log' | tail -n 1 | grep -q 'gso=no'"
gso=$(session_field tx_gso)
check "server offload off: the server sent no GSO frame (tx_gso=$gso)" test "${gso:-1}" -eq 0
e2e_finish
