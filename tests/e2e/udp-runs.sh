#!/bin/sh
# Runs of UDP datagrams merged into super-packets for the TUN (common/udpgro.h,
# tunwrite.h). Bursts of one flow cross the tunnel both ways, over IPv4 and
# IPv6, and every datagram must arrive as it was sent, in order, and nothing
# else: the logs show that both ends wrote merged runs. A datagram with a bad
# UDP checksum in the middle of a run must reach the internet host still bad
# (its kernel drops it), never repaired by a merge.
#
# Runs are merged from what one TUN read batch (one TLS record) carries, so a
# relay that keeps up with a slow sender merges nothing. To make the merge
# certain, the relay that reads the burst from its TUN is stopped (SIGSTOP)
# while the burst is sent: the TUN's queue holds it until the relay goes on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init udp-runs server client certs

e2e_topology
e2e_client_add c1
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_server_config "{\"pool\": {\"ipv6\": \"$POOL6\"}}"
e2e_server_start
C=$(client_ns c1)
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "client gets its tunnel within 10 s"
wait_for 3 sh -c "[ -n \"\$(ip -n $C -o -6 addr show scope global | grep ' fd00:8:')\" ]" ||
	die "client gets its tunnel IPv6 address"
ADDR4=$(client_addr4 c1)
CPID=$(client_pid c1)

# The tool both ends run (python, inside a namespace):
#   sink ADDR PORT N       receive until N datagrams or 3 s of silence; print
#                          "count=K sha=HEX" over the payloads in order
#   send DST PORT BURSTS   BURSTS bursts, each one sendmsg with UDP_SEGMENT
#                          (so the datagrams reach a TUN together): 40 of 200
#                          bytes and a last one of 57; print "count sha"
#   raw SRC DST PORT       one IPv4 burst written raw: 30 datagrams, IDs
#                          consecutive, the 15th with a wrong UDP checksum;
#                          print "count sha" of the 29 good ones
#   blast PORT             answer each request "N", 0.3 s later, with N
#                          bursts as "send" builds them
#   ask DST PORT N         send the request, then sink N from the answer
cat >"$E2E_DIR/udp.py" <<'EOF'
import hashlib, select, socket, struct, sys, time

UDP_SEGMENT = 103

def payload(burst, i, last):
    size = 57 if last else 200
    head = b"b%03d-d%03d-" % (burst, i)
    return (head * (size // len(head) + 1))[:size]

def burst_datagrams(burst):
    return [payload(burst, i, i == 40) for i in range(41)]

def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET

def send_burst(sock, dst, burst):
    data = burst_datagrams(burst)
    sock.setsockopt(socket.SOL_UDP, UDP_SEGMENT, 200)
    sock.sendto(b"".join(data), dst)
    return data

def sink(sock, n):
    h, count = hashlib.sha256(), 0
    while count < n:
        r, _, _ = select.select([sock], [], [], 3)
        if not r:
            break
        d = sock.recv(65535)
        h.update(d)
        count += 1
    return "count=%d sha=%s" % (count, h.hexdigest())

def summary(datagrams):
    h = hashlib.sha256()
    for d in datagrams:
        h.update(d)
    return "count=%d sha=%s" % (len(datagrams), h.hexdigest())

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def raw_burst(src, dst, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    good = []
    for i in range(30):
        body = payload(900, i, False)
        ulen = 8 + len(body)
        udp = struct.pack("!HHHH", 40000, port, ulen, 0) + body
        c = csum(s + d + struct.pack("!BBH", 0, 17, ulen) + udp) or 0xFFFF
        if i == 14:
            c ^= 0x0101
        else:
            good.append(body)
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 7000 + i, 0x4000, 64, 17, 0, s, d)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        sock.sendto(ip + udp, (dst, 0))
    return good

cmd = sys.argv[1]
if cmd == "sink":
    sock = socket.socket(family(sys.argv[2]), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
    sock.bind((sys.argv[2], int(sys.argv[3])))
    print("ready", flush=True)
    print(sink(sock, int(sys.argv[4])), flush=True)
elif cmd == "send":
    sock = socket.socket(family(sys.argv[2]), socket.SOCK_DGRAM)
    sent = []
    for b in range(int(sys.argv[4])):
        sent += send_burst(sock, (sys.argv[2], int(sys.argv[3])), b)
        time.sleep(0.05)
    print(summary(sent))
elif cmd == "raw":
    print(summary(raw_burst(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
elif cmd == "blast":
    socks = []
    for addr in ("0.0.0.0", "::"):
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        if addr == "::":
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, int(sys.argv[2])))
        socks.append(s)
    print("ready", flush=True)
    while True:
        for s in select.select(socks, [], [])[0]:
            req, peer = s.recvfrom(100)
            print("request", flush=True)
            time.sleep(0.3)
            for b in range(int(req)):
                send_burst(s, peer, b)
                time.sleep(0.05)
elif cmd == "ask":
    sock = socket.socket(family(sys.argv[2]), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
    sock.connect((sys.argv[2], int(sys.argv[3])))
    sock.send(b"%d" % int(sys.argv[4]))
    print(sink(sock, int(sys.argv[4]) * 41))
    print(summary([d for b in range(int(sys.argv[4])) for d in burst_datagrams(b)]))
EOF

# burst LABEL DST N UDP.PY-ARGS...: a sink on the internet host at DST:9000
# waits for N datagrams while `udp.py UDP.PY-ARGS` sends from the client's
# namespace, the client held meanwhile; what arrives must be what the sender
# says it sent, in order (count and SHA-256 of the payloads).
burst() {
	_bl=$1 _bd=$2 _bn=$3
	shift 3
	_out=$E2E_DIR/sink-$(echo "$_bl" | tr ' ' -).out
	bg "sink" "$_out" "$E2E_NS_INET" $PY "$E2E_DIR/udp.py" sink "$_bd" 9000 "$_bn"
	_sp=$BG_PID
	wait_for 5 grep -q ready "$_out" || die "$_bl: sink listens"
	kill -STOP "$CPID"
	_sent=$(nsx "$C" $PY "$E2E_DIR/udp.py" "$@")
	kill -CONT "$CPID"
	wait_for 10 grep -q count= "$_out"
	check "$_bl: every datagram sent arrives intact and in order ($_sent)" \
		test "$(grep count= "$_out")" = "$_sent"
	stop_pid "$_sp" TERM 3
	forget_pid "$_sp"
}

# Five bursts of 41 from the client, over IPv4 and IPv6.
burst "IPv4 upload" "$INET4" 205 send "$INET4" 9000 5
burst "IPv6 upload" "$INET6" 205 send "$INET6" 9000 5

# A run with a broken datagram inside: the 29 good ones arrive, the bad one is
# dropped by the internet host's kernel (UdpInCsumErrors), not repaired.
errs0=$(nsx "$E2E_NS_INET" nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')
burst "raw burst" "$INET4" 29 raw "$ADDR4" "$INET4" 9000
errs1=$(nsx "$E2E_NS_INET" nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')
check "raw burst: the bad datagram reached the host still bad ($errs0 -> $errs1 checksum errors)" \
	test "$((errs1 - errs0))" -eq 1

# Downloads: the internet host answers a request with bursts, through the NAT.
bg blast "$E2E_DIR/blast.out" "$E2E_NS_INET" $PY "$E2E_DIR/udp.py" blast 9001
bp=$BG_PID
wait_for 5 grep -q ready "$E2E_DIR/blast.out" || die "blast listens"
for dst in "$INET4" "$INET6"; do
	_m=$(mark "$E2E_DIR/blast.out")
	nsx "$C" $PY "$E2E_DIR/udp.py" ask "$dst" 9001 5 >"$E2E_DIR/ask.out" &
	_ap=$!
	# the answer comes 0.3 s after the request: hold the server meanwhile
	wait_for 3 log_has "$E2E_DIR/blast.out" "$_m" request || die "blast gets the request"
	kill -STOP "$SERVER_PID"
	sleep 0.8
	kill -CONT "$SERVER_PID"
	wait "$_ap"
	got=$(cat "$E2E_DIR/ask.out")
	check "download from $dst: every datagram arrives intact and in order" \
		test "$(echo "$got" | sed -n 1p)" = "$(echo "$got" | sed -n 2p)"
done
stop_pid "$bp" TERM 3
forget_pid "$bp"

e2e_client_stop c1 || fail "client exits within 5 s of SIGTERM"
check "the client wrote merged runs to its TUN" \
	grep -Eq 'event=tunnel_stats .*dropped_from_server=0 tun_uso_writes=[1-9]' \
	"$E2E_DIR/client-c1.log"
e2e_server_stop || fail "server exits within 5 s of SIGTERM"
check "the server wrote merged runs to its TUN" \
	grep -Eq 'event=relay_totals .*drops_tun_write=0 .*tx_uso=[1-9][0-9]* tx_uso_datagrams=[1-9]' \
	"$E2E_DIR/server.log"
e2e_finish
