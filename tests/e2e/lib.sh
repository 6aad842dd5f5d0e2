# tests/e2e/lib.sh: the end-to-end test network (DESIGN.md section 7), sourced by
# every scenario and by scripts/demo.
#
#   [client ns] eth0 198.18.1.N/24 fd00:18:1::N/64
#        |  veth, one per client, on the bridge lan0
#   [server ns] lan0 198.18.1.1/24 fd00:18:1::1/64 | wan0 198.18.2.1/24 fd00:18:2::1/64
#        |  veth
#   [internet ns] eth0 198.18.2.2/24 fd00:18:2::2/64: web server, iperf3, dnsmasq
#
# Every name carries the per-run prefix $E2E_PREFIX (namespaces, /etc/netns
# entries, the temp dir $E2E_DIR); e2e_cleanup, run by the EXIT/INT/TERM trap,
# kills the processes this run started (by PID), deletes the namespaces and
# files, and checks that nothing of this run is left.  Nothing is ever added to
# the root namespace: links are created inside the namespaces themselves.
#
# A scenario does:
#   . "$top_srcdir/tests/e2e/lib.sh"
#   e2e_init NAME           # skips (77) without root, netns, tun or binaries
#   e2e_topology; e2e_internet_start; e2e_pki; e2e_server_config; e2e_server_start
#   e2e_client_add c1; e2e_client_start c1 alice ...
#   check "what" command...  (prints ok/FAIL, counts failures)
#   e2e_finish              # graceful stop + leftover checks, exits 0 or 1

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
E2E_HERE="$top_srcdir/tests/e2e"
SERVER_BIN="$top_builddir/server/tlsvpn-server"
CLIENT_BIN="$top_builddir/client/tlsvpn-client"
CERTS_BIN="$top_builddir/certs/tlsvpn-certs"
PY=python3

# Short: interface and table names derive from it (IFNAMSIZ is 16).
E2E_PREFIX="tv$$"
E2E_NS_SERVER="${E2E_PREFIX}-srv"
E2E_NS_INET="${E2E_PREFIX}-inet"
E2E_DIR=""
E2E_PIDS=""          # "pid:label ..." of every background process of this run
E2E_NAMESPACES=""    # namespaces of this run, in creation order
E2E_CLIENTS=""       # client short names (c1 c2 ...)
E2E_FAILS=0
E2E_NAME=""
E2E_VERBOSE=${E2E_VERBOSE:-0}

# Underlay addresses (DESIGN.md section 7).
SRV_LAN4=198.18.1.1
SRV_LAN6=fd00:18:1::1
SRV_WAN4=198.18.2.1
SRV_WAN6=fd00:18:2::1
INET4=198.18.2.2
INET6=fd00:18:2::2
POOL4=10.8.0.0/24
POOL6=fd00:8::/64
TUN_GW4=10.8.0.1

log() { printf '%s: %s\n' "$E2E_NAME" "$*"; }

skip() {
	log "SKIP: $*"
	exit 77
}

# check "description" command [args...]: runs the command, prints the result.
check() {
	_what=$1
	shift
	if "$@"; then
		printf 'ok   - %s\n' "$_what"
	else
		printf 'FAIL - %s\n' "$_what"
		E2E_FAILS=$((E2E_FAILS + 1))
	fi
}

# fail "description": a check that failed outright.
fail() {
	printf 'FAIL - %s\n' "$*"
	E2E_FAILS=$((E2E_FAILS + 1))
}

# die "why": a precondition of the scenario broke; the rest cannot run.
die() {
	printf 'FAIL - %s (scenario aborted)\n' "$*"
	E2E_FAILS=$((E2E_FAILS + 1))
	e2e_dump_logs
	exit 1
}

# e2e_init NAME [needs...]: checks the prerequisites, installs the trap.
# needs: any of server client certs (binaries that must exist).
e2e_init() {
	E2E_NAME=$1
	shift
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v ip >/dev/null 2>&1 || skip "needs iproute2 (ip)"
	command -v $PY >/dev/null 2>&1 || skip "needs python3"
	[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
	for _need in "$@"; do
		case $_need in
		server) [ -x "$SERVER_BIN" ] || skip "$SERVER_BIN not built" ;;
		client) [ -x "$CLIENT_BIN" ] || skip "$CLIENT_BIN not built" ;;
		certs) [ -x "$CERTS_BIN" ] || skip "$CERTS_BIN not built" ;;
		*) command -v "$_need" >/dev/null 2>&1 || skip "needs $_need" ;;
		esac
	done
	# Probe that namespaces work here (containers may forbid them).
	ip netns add "${E2E_PREFIX}-probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "${E2E_PREFIX}-probe"
	E2E_DIR=$(mktemp -d "/tmp/${E2E_PREFIX}-${E2E_NAME}.XXXXXX") || die "mktemp"
	trap 'e2e_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	log "run prefix $E2E_PREFIX, files in $E2E_DIR"
}

# --- processes ---------------------------------------------------------------

# bg LABEL LOGFILE NS command...: starts command in namespace NS in the
# background; `ip netns exec` execs the command, so $! is its PID.
bg() {
	_label=$1 _logf=$2 _ns=$3
	shift 3
	ip netns exec "$_ns" "$@" >"$_logf" 2>&1 </dev/null &
	_pid=$!
	E2E_PIDS="$E2E_PIDS $_pid:$_label"
	eval "PID_$(echo "$_label" | tr -c 'a-zA-Z0-9_\n' _)=$_pid"
	BG_PID=$_pid
}

# pid_of LABEL
pid_of() {
	eval "echo \${PID_$(echo "$1" | tr -c 'a-zA-Z0-9_\n' _):-}"
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid PID [SIGNAL] [TIMEOUT_S]: signals PID and waits for it to exit;
# returns 1 if it had to be killed with SIGKILL.
stop_pid() {
	_p=$1 _sig=${2:-TERM} _t=${3:-5}
	alive "$_p" || return 0
	kill -"$_sig" "$_p" 2>/dev/null
	_i=0
	while alive "$_p" && [ $_i -lt $((_t * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if alive "$_p"; then
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
		return 1
	fi
	wait "$_p" 2>/dev/null
	return 0
}

forget_pid() {
	_new=""
	for _e in $E2E_PIDS; do
		[ "${_e%%:*}" = "$1" ] || _new="$_new $_e"
	done
	E2E_PIDS=$_new
}

# wait_for TIMEOUT_S command...: polls every 100 ms until command succeeds.
wait_for() {
	_t=$1
	shift
	_i=0
	while [ $_i -lt $((_t * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# --- topology ----------------------------------------------------------------

netns_add() {
	ip netns add "$1" || die "ip netns add $1"
	E2E_NAMESPACES="$E2E_NAMESPACES $1"
	ip -n "$1" link set lo up
	# A process in the namespace must never see (or rewrite) the host's
	# resolver: ip netns exec bind-mounts this file only when it exists.
	mkdir -p "/etc/netns/$1"
	echo "nameserver $SRV_LAN4" >"/etc/netns/$1/resolv.conf"
}

nsx() {
	_ns=$1
	shift
	ip netns exec "$_ns" "$@"
}

# e2e_topology: server and internet namespaces and the link between them.
e2e_topology() {
	netns_add "$E2E_NS_SERVER"
	netns_add "$E2E_NS_INET"
	_s=$E2E_NS_SERVER _i=$E2E_NS_INET
	# Forwarding stays off until tlsvpn-server turns it on for NAT.
	nsx "$_s" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 || die "sysctl"
	ip -n "$_s" link add lan0 type bridge || die "bridge lan0"
	ip -n "$_s" link set lan0 up
	ip -n "$_s" addr add $SRV_LAN4/24 dev lan0
	ip -n "$_s" addr add $SRV_LAN6/64 dev lan0 nodad
	ip -n "$_s" link add wan0 type veth peer name eth0 netns "$_i" || die "veth wan0"
	ip -n "$_s" link set wan0 up
	ip -n "$_s" addr add $SRV_WAN4/24 dev wan0
	ip -n "$_s" addr add $SRV_WAN6/64 dev wan0 nodad
	ip -n "$_i" link set eth0 up
	ip -n "$_i" addr add $INET4/24 dev eth0
	ip -n "$_i" addr add $INET6/64 dev eth0 nodad
	# Deliberately no route back to 198.18.1.0/24 or the tunnel pools: only
	# traffic NATed to the server's 198.18.2.1 can get an answer.
}

client_ns() { echo "${E2E_PREFIX}-$1"; }

# e2e_client_add NAME: a client namespace (index from the order of creation)
# on the server's LAN, default routes via the server as a home router gives.
e2e_client_add() {
	_c=$1
	_n=$(($(echo $E2E_CLIENTS | wc -w) + 2))
	_ns=$(client_ns "$_c")
	netns_add "$_ns"
	E2E_CLIENTS="$E2E_CLIENTS $_c"
	ip -n "$E2E_NS_SERVER" link add "p$_c" type veth peer name eth0 netns "$_ns" ||
		die "veth for $_c"
	ip -n "$E2E_NS_SERVER" link set "p$_c" master lan0 up
	ip -n "$_ns" link set eth0 up
	ip -n "$_ns" addr add "198.18.1.$_n/24" dev eth0
	ip -n "$_ns" addr add "fd00:18:1::$_n/64" dev eth0 nodad
	ip -n "$_ns" route add default via $SRV_LAN4
	ip -n "$_ns" -6 route add default via $SRV_LAN6
	mkdir -p "$E2E_DIR/run-$_c"
	eval "CLIENT_IP_$_c=198.18.1.$_n"
}

# --- the internet host -------------------------------------------------------

# e2e_internet_start: web server (a file to download, /whoami echoing the
# peer address), iperf3 -s, dnsmasq answering test.example.
e2e_internet_start() {
	mkdir -p "$E2E_DIR/www"
	head -c 3000000 /dev/urandom >"$E2E_DIR/www/blob.bin"
	WWW_SUM=$(sha256sum <"$E2E_DIR/www/blob.bin" | cut -d' ' -f1)
	bg web "$E2E_DIR/web.log" "$E2E_NS_INET" \
		$PY "$E2E_HERE/inet-host.py" "$E2E_DIR/www" 80
	if command -v iperf3 >/dev/null 2>&1; then
		bg iperf3 "$E2E_DIR/iperf3-server.log" "$E2E_NS_INET" iperf3 -s -p 5201
	fi
	if command -v dnsmasq >/dev/null 2>&1; then
		bg dnsmasq "$E2E_DIR/dnsmasq.log" "$E2E_NS_INET" dnsmasq \
			--keep-in-foreground --log-facility=- --log-queries \
			--conf-file=/dev/null --pid-file= --no-resolv --no-hosts \
			--user=root --bind-interfaces --listen-address=$INET4 \
			--listen-address=$INET6 --address=/test.example/$INET4
	fi
	wait_for 5 nsx "$E2E_NS_INET" $PY "$E2E_HERE/probe.py" tcp-open $INET4 80 ||
		die "internet web server did not start"
}

# --- PKI and configs -----------------------------------------------------------

certs() { "$CERTS_BIN" --dir "$E2E_DIR/pki" "$@"; }

# e2e_pki: CA, server certificate "vpn" for 198.18.1.1.
e2e_pki() {
	certs init --name "e2e $E2E_PREFIX CA" >"$E2E_DIR/certs.log" 2>&1 ||
		{ cat "$E2E_DIR/certs.log"; die "tlsvpn-certs init"; }
	certs server vpn --san IP:$SRV_LAN4 >>"$E2E_DIR/certs.log" 2>&1 ||
		{ cat "$E2E_DIR/certs.log"; die "tlsvpn-certs server"; }
}

# e2e_profile NAME [tlsvpn-certs client options]: a client profile at
# $E2E_DIR/NAME.json.
e2e_profile() {
	_n=$1
	shift
	certs client "$_n" --remote $SRV_LAN4 -o "$E2E_DIR/$_n.json" "$@" \
		>>"$E2E_DIR/certs.log" 2>&1 ||
		{ cat "$E2E_DIR/certs.log"; die "tlsvpn-certs client $_n"; }
}

# e2e_server_config [JSON]: writes $E2E_DIR/server.json; JSON is merged over
# the defaults (objects recursively, null deletes a key).
e2e_server_config() {
	$PY - "$E2E_DIR/server.json" "${1:-{\}}" <<EOF || die "server config"
import json, sys
conf = {
    "listen": "$SRV_LAN4:443",
    "ca": "pki/ca.crt", "cert": "pki/vpn.crt", "key": "pki/vpn.key",
    "crl": "pki/crl.pem",
    "tun": {"name": "tlsvpn0", "mtu": 1500},
    "pool": {"ipv4": "$POOL4"},
    "leases": "leases.json",
    "push": {"redirect_gateway": True, "dns": ["$INET4"]},
    "nat": {"out_interface": "wan0"},
    "keepalive": {"interval": 10, "timeout": 60},
    "log": {"level": "debug"},
}
def merge(a, b):
    for k, v in b.items():
        if v is None:
            a.pop(k, None)
        elif isinstance(v, dict) and isinstance(a.get(k), dict):
            merge(a[k], v)
        else:
            a[k] = v
merge(conf, json.loads(sys.argv[2]))
with open(sys.argv[1], "w") as f:
    json.dump(conf, f, indent=2)
EOF
}

# --- server and clients --------------------------------------------------------

server_listening() {
	nsx "$E2E_NS_SERVER" ss -Hltn "sport = :443" | grep -q LISTEN
}

server_tun() {
	ip -n "$E2E_NS_SERVER" -o link show type tun 2>/dev/null | grep -q .
}

# e2e_server_start: starts tlsvpn-server and waits until it listens.
e2e_server_start() {
	bg server "$E2E_DIR/server.log" "$E2E_NS_SERVER" \
		"$SERVER_BIN" -c "$E2E_DIR/server.json"
	SERVER_PID=$BG_PID
	if ! wait_for 10 server_listening; then
		alive "$SERVER_PID" || die "tlsvpn-server exited at start"
		die "tlsvpn-server does not listen on $SRV_LAN4:443"
	fi
}

# e2e_server_stop [SIGNAL]: stops the server; 1 when it did not exit in time.
e2e_server_stop() {
	_r=0
	stop_pid "$SERVER_PID" "${1:-TERM}" 5 || _r=1
	forget_pid "$SERVER_PID"
	return $_r
}

# client_cleanup NAME: tlsvpn-client --cleanup in client NAME's namespace.
# Each client records its host changes in its own state directory
# ($E2E_DIR/run-NAME, not the default /run/tlsvpn-client): parallel runs and
# the host never see each other's records.
client_cleanup() {
	nsx "$(client_ns "$1")" "$CLIENT_BIN" --cleanup --state-dir "$E2E_DIR/run-$1"
}

# e2e_client_start NAME PROFILE [client options]: starts tlsvpn-client in
# namespace NAME (log: $E2E_DIR/client-NAME.log).
e2e_client_start() {
	_c=$1 _prof=$2
	shift 2
	chmod 600 "$_prof"
	eval "CLIENT_MARK_$_c=$(mark "$E2E_DIR/client-$_c.log")"
	ip netns exec "$(client_ns "$_c")" "$CLIENT_BIN" -p "$_prof" \
		--state-dir "$E2E_DIR/run-$_c" "$@" \
		>>"$E2E_DIR/client-$_c.log" 2>&1 </dev/null &
	_pid=$!
	E2E_PIDS="$E2E_PIDS $_pid:client-$_c"
	eval "CLIENT_PID_$_c=$_pid"
}

client_pid() { eval "echo \${CLIENT_PID_$1:-}"; }

# client_addr4 NAME: the client's tunnel IPv4 address (empty when none).
client_addr4() {
	ip -n "$(client_ns "$1")" -o -4 addr show 2>/dev/null |
		awk '$4 ~ /^10\./ { sub(/\/.*/, "", $4); print $4; exit }'
}

client_addr6() {
	ip -n "$(client_ns "$1")" -o -6 addr show scope global 2>/dev/null |
		awk '$4 ~ /^fd00:8:/ { sub(/\/.*/, "", $4); print $4; exit }'
}

client_has_tun() {
	ip -n "$(client_ns "$1")" -o link show type tun 2>/dev/null | grep -q .
}

# client_tun NAME: the name of the client's TUN device.
client_tun() {
	ip -n "$(client_ns "$1")" -o link show type tun 2>/dev/null |
		awk -F': ' '{ sub(/@.*/, "", $2); print $2; exit }'
}

client_up() {
	[ -n "$(client_addr4 "$1")" ] &&
		ip -n "$(client_ns "$1")" route show 0.0.0.0/1 2>/dev/null | grep -q .
}

client_up_noredirect() { [ -n "$(client_addr4 "$1")" ]; }

# client_configured NAME: the client has applied the whole config (routes,
# firewall, resolver) since its last start: it logs event=tunnel_up last.
client_configured() {
	eval "_cm=\${CLIENT_MARK_$1:-0}"
	log_has "$E2E_DIR/client-$1.log" "$_cm" 'event=tunnel_up'
}

# e2e_client_wait NAME [TIMEOUT]: waits for the tunnel address and routes,
# and for the client to have finished applying its config.
e2e_client_wait() {
	wait_for "${2:-10}" client_up "$1" && wait_for 3 client_configured "$1"
}

# e2e_client_stop NAME [SIGNAL]
e2e_client_stop() {
	_p=$(client_pid "$1")
	_r=0
	stop_pid "$_p" "${2:-TERM}" 5 || _r=1
	forget_pid "$_p"
	return $_r
}

# net_state NS: routes (v4, v6), addresses, nft tables and resolver of a
# namespace, to compare before and after.
net_state() {
	_ns=$1
	echo "# routes"
	ip -n "$_ns" -4 route show table all 2>/dev/null | grep -v '^local\|^broadcast' | sort
	ip -n "$_ns" -6 route show table all 2>/dev/null | grep -v '^local\|^multicast\|^fe80\|^anycast' | sort
	echo "# rules"
	ip -n "$_ns" -4 rule show | sort
	ip -n "$_ns" -6 rule show | sort
	echo "# addresses"
	ip -n "$_ns" -o addr show | awk '{ print $2, $3, $4 }' | grep -v ' fe80' | sort
	echo "# nftables"
	nsx "$_ns" nft list tables 2>/dev/null | sort
	echo "# resolv.conf"
	nsx "$_ns" cat /etc/resolv.conf
}

# probe NS ARGS...: tests/e2e/probe.py run in namespace NS.
probe() {
	_ns=$1
	shift
	nsx "$_ns" $PY "$E2E_HERE/probe.py" "$@"
}

# cfetch NAME URL [curl options]: downloads URL from client NAME's namespace.
cfetch() {
	_c=$1 _u=$2
	shift 2
	nsx "$(client_ns "$_c")" curl -sS --max-time 10 --connect-timeout 3 "$@" "$_u"
}

# --- logs, leftovers, cleanup --------------------------------------------------

e2e_dump_logs() {
	[ -n "$E2E_DIR" ] && [ -d "$E2E_DIR" ] || return 0
	for _f in "$E2E_DIR"/server*.log "$E2E_DIR"/client-*.log; do
		[ -f "$_f" ] || continue
		echo "----- $(basename "$_f") (last 80 lines) -----"
		tail -n 80 "$_f"
	done
	echo "----- end of logs -----"
}

# leftovers_ns NS: TUN devices and nftables tables left in a live namespace.
leftovers_ns() {
	_ns=$1
	_tuns=$(ip -n "$_ns" -o link show type tun 2>/dev/null | awk -F': ' '{ print $2 }')
	[ -z "$_tuns" ] || echo "TUN device(s) left in $_ns: $_tuns"
	_tables=$(nsx "$_ns" nft list tables 2>/dev/null | grep -v "${E2E_PREFIX}" || true)
	[ -z "$_tables" ] || echo "nftables table(s) left in $_ns: $_tables"
}

# e2e_finish: stops the clients and the server gracefully, checks that they
# removed their TUN devices and nftables tables, then exits 0 or 1; the trap
# then removes the namespaces and checks that nothing of this run is left.
e2e_finish() {
	for _c in $E2E_CLIENTS; do
		_p=$(client_pid "$_c")
		alive "$_p" || continue
		e2e_client_stop "$_c" || fail "tlsvpn-client $_c exits within 5 s of SIGTERM"
	done
	if alive "${SERVER_PID:-}"; then
		e2e_server_stop || fail "tlsvpn-server exits within 5 s of SIGTERM"
	fi
	for _ns in $E2E_NAMESPACES; do
		_l=$(leftovers_ns "$_ns")
		if [ -n "$_l" ]; then
			fail "nothing left after the programs exit: $_l"
		fi
	done
	[ -n "$E2E_NAMESPACES" ] && log "checked: no TUN device or nftables table left in any namespace"
	# A sanitizer's report (a leak found at exit, above all) does not always
	# change what the programs do while the checks look: read their logs.
	_san=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$E2E_DIR"/*.log 2>/dev/null)
	if [ -n "$_san" ]; then
		fail "no sanitizer report in the programs' logs: see $(echo $_san)"
	fi
	if [ "$E2E_FAILS" -ne 0 ]; then
		log "$E2E_FAILS check(s) failed"
		exit 1
	fi
	log "all checks passed"
	exit 0
}

e2e_cleanup() {
	_status=$?
	trap - EXIT INT TERM
	[ "$_status" -ne 0 ] && [ "$_status" -ne 77 ] && e2e_dump_logs
	for _e in $E2E_PIDS; do
		stop_pid "${_e%%:*}" TERM 3
	done
	# Whatever still runs in this run's namespaces was started by this run
	# too, tracked or not (a client that outlived its wrapper, say): stop it
	# by PID, or it would keep its namespace alive after `ip netns del`.
	_strays=""
	for _ns in $E2E_NAMESPACES; do
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			_strays="$_strays $_p"
			stop_pid "$_p" TERM 3
		done
	done
	[ -n "$_strays" ] && log "stopped processes it did not track:$_strays"
	# The mount namespace of `ip netns exec` is the process's; nothing to
	# unmount. Namespaces go last: they take their links, TUNs and tables.
	for _ns in $E2E_NAMESPACES; do
		ip netns del "$_ns" 2>/dev/null
		rm -rf "/etc/netns/$_ns"
	done
	_left=""
	for _e in $E2E_PIDS; do
		alive "${_e%%:*}" && _left="$_left process ${_e#*:} (${_e%%:*});"
	done
	for _p in $_strays; do
		alive "$_p" && _left="$_left untracked process $_p;"
	done
	for _ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $_ns in "$E2E_PREFIX"-*) _left="$_left namespace $_ns;" ;; esac
	done
	for _d in /etc/netns/"$E2E_PREFIX"-*; do
		[ -e "$_d" ] && _left="$_left $_d;"
	done
	if [ "$E2E_KEEP" = 1 ]; then
		log "kept $E2E_DIR"
	elif [ -n "$E2E_DIR" ]; then
		rm -rf "$E2E_DIR"
	fi
	if [ -n "$_left" ]; then
		echo "FAIL - cleanup complete: left behind:$_left"
		[ "$_status" -eq 0 ] && _status=1
	elif [ -n "$E2E_NAMESPACES" ]; then
		echo "ok   - cleanup complete: no process, namespace or /etc/netns entry of $E2E_PREFIX left"
	fi
	exit "$_status"
}
E2E_KEEP=${E2E_KEEP:-0}

# profile_patch IN OUT KEY=FILE...: a copy of profile IN whose KEY ("ca",
# "cert", "key") holds FILE's PEM, or KEY:=VALUE for a plain string; for
# profiles tlsvpn-certs would never write (a certificate from another CA, a
# server certificate used as a client's).
profile_patch() {
	_in=$1 _out=$2
	shift 2
	$PY - "$_in" "$_out" "$@" <<'PYEOF' || die "profile_patch $_in"
import json, os, sys
p = json.load(open(sys.argv[1]))
for arg in sys.argv[3:]:
    if ":=" in arg:
        k, v = arg.split(":=", 1)
        p[k] = v
    else:
        k, f = arg.split("=", 1)
        p[k] = open(f).read()
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(p, f, indent=2)
PYEOF
}

# mark FILE: the current length of FILE in lines, for since().
mark() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# since FILE MARK: the lines of FILE after MARK.
since() { tail -n +"$(($2 + 1))" "$1" 2>/dev/null; }

# log_has FILE MARK REGEX: an extended regex (case-insensitive) in the lines
# of FILE written since MARK.
log_has() { since "$1" "$2" | grep -Eqi "$3"; }
