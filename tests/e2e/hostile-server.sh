#!/bin/sh
# A hostile or broken server: instead of tlsvpn-server, tests/e2e/fake-server.py
# (real TLS, the test PKI, ALPN tlsvpn/1) answers the client's hello with
#   malformed-json        a control frame whose JSON is cut short
#   version-2             a config with "version": 2 (the client speaks 1..1)
#   unknown-kind          a frame whose first byte is 0x57
#   length-0              a frame of length 0
#   packet-before-config  an IPv4 packet before any config
# each followed, in the same write, by a valid config. For every mode the
# client must log the problem, answer with `bye protocol_error` naming it and
# close gracefully (PROTOCOL.md section 6), write nothing to its TUN, never
# bring the tunnel up (no address, no route into the TUN), keep running, and
# reconnect only after its backoff (1 s +-25 %); after SIGTERM it exits 0 and
# its namespace is exactly as before. Last, after a valid config, a packet
# frame that is no IP packet: the client drops and counts it, keeps the
# tunnel, and writes the valid packet behind it to its TUN.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init hostile-server client certs ss

e2e_topology
e2e_client_add c1
e2e_pki
e2e_profile alice
C=$(client_ns c1)
CLOG="$E2E_DIR/client-c1.log"
net_state "$C" >"$E2E_DIR/before"

fake_listening() {
	nsx "$E2E_NS_SERVER" ss -Hltn "sport = :443" | grep -q LISTEN
}

# gap_ok FILE: the fake server's second connection came at least 0.7 s
# after it closed the first (backoff 1 s, jitter -25 %, minus slack).
gap_ok() {
	awk '/^event=accepted conn=2 / {
		for (i = 1; i <= NF; i++) if ($i ~ /^gap_s=/) { sub(/^gap_s=/, "", $i); g = $i }
	} END { if (g == "") exit 1; print "    gap " g " s"; exit !(g >= 0.7) }' "$1"
}

# no_tunnel: no tunnel address, nothing routed into the TUN device, and the
# TUN device is not up.
no_tunnel() {
	[ -z "$(client_addr4 c1)" ] || return 1
	_t=$(client_tun c1)
	[ -n "$_t" ] || return 0
	[ -z "$(ip -n "$C" -4 route show table all dev "$_t" 2>/dev/null)" ] || return 1
	[ -z "$(ip -n "$C" -6 route show table all dev "$_t" 2>/dev/null | grep -v '^fe80\|^multicast\|^local')" ] || return 1
	! ip -n "$C" -o link show dev "$_t" | grep -q '[<,]UP[,>]'
}

# tun_rx_zero: the client wrote no packet into its TUN (the kernel counts
# what the program writes as the device's received packets, also dropped).
tun_rx_zero() {
	_t=$(client_tun c1)
	[ -n "$_t" ] || return 1
	_rx=$(nsx "$C" cat "/sys/class/net/$_t/statistics/rx_packets")
	_dr=$(nsx "$C" cat "/sys/class/net/$_t/statistics/rx_dropped")
	log "TUN $_t rx_packets=$_rx rx_dropped=$_dr"
	[ "$_rx" = 0 ] && [ "$_dr" = 0 ]
}

# not_in_log FILE MARK REGEX: REGEX is absent from FILE's lines since MARK.
not_in_log() { ! log_has "$@"; }

# bye_then_close FLOG: the last frame the client sent on the first connection
# was its bye, and it then ended TLS with close_notify (a graceful close).
bye_then_close() {
	grep -E '^event=(rx|closed) conn=1 ' "$1" | tail -n 2 | tr '\n' ' ' |
		grep -q '"type":"bye".*event=closed conn=1 how=close_notify'
}

# hostile MODE CLIENT_LOG_REGEX BYE_MESSAGE_REGEX
hostile() {
	_mode=$1 _clre=$2 _byere=$3
	_flog="$E2E_DIR/fake-$_mode.log"
	echo "--- mode $_mode" >>"$CLOG"
	bg "fake-$_mode" "$_flog" "$E2E_NS_SERVER" \
		$PY "$E2E_HERE/fake-server.py" $SRV_LAN4 443 "$E2E_DIR/pki" "$_mode"
	_fpid=$BG_PID
	wait_for 5 fake_listening || die "$_mode: fake server listens on $SRV_LAN4:443"
	_m=$(mark "$CLOG")
	e2e_client_start c1 "$E2E_DIR/alice.json"
	_cpid=$(client_pid c1)
	wait_for 10 grep -q '^event=accepted conn=2 ' "$_flog"
	# Let the second session reach the same point before looking.
	wait_for 3 grep -q '^event=bye conn=2 ' "$_flog"

	check "$_mode: TLS session with the client (TLSv1.2, ALPN tlsvpn/1, CN alice)" \
		grep -q '^event=tls conn=1 version=TLSv1.2 .*alpn=tlsvpn/1 peer_cn=alice' "$_flog"
	check "$_mode: the fake server sent the bad frame after the client's hello" \
		grep -q "^event=sent conn=1 mode=$_mode" "$_flog"
	check "$_mode: client log names the problem: /$_clre/" log_has "$CLOG" "$_m" "$_clre"
	check "$_mode: client answered with bye protocol_error, message /$_byere/" \
		grep -Eq "^event=bye conn=1 reason=protocol_error message=.*$_byere" "$_flog"
	check "$_mode: the bye was the client's last frame, then close_notify" \
		bye_then_close "$_flog"
	check "$_mode: the client never brought the tunnel up" \
		not_in_log "$CLOG" "$_m" 'event=(tunnel_up|dns_set|config_)'
	check "$_mode: the client did not parse the config behind the bad frame" \
		not_in_log "$CLOG" "$_m" 'event=(unexpected_config|address_changed)'

	check "$_mode: no tunnel address, no route into the TUN, TUN not up" no_tunnel
	check "$_mode: nothing written to the client's TUN" tun_rx_zero
	check "$_mode: reconnected, after the backoff" gap_ok "$_flog"
	check "$_mode: the client is still running" alive "$_cpid"

	e2e_client_stop c1 || fail "$_mode: client exits within 5 s of SIGTERM"
	check "$_mode: client exited with status 0" log_has "$CLOG" "$_m" 'event=exit status=0'
	check "$_mode: no sanitizer report in the client log" \
		not_in_log "$CLOG" "$_m" 'Sanitizer|runtime error'
	[ "$_mode" != packet-before-config ] ||
		check "$_mode: the client counted the packet it dropped" \
			log_has "$CLOG" "$_m" 'event=tunnel_stats .*dropped_from_server=[1-9]'

	net_state "$C" >"$E2E_DIR/after-$_mode"
	check "$_mode: after the client exits: routes, addresses, rules, nftables, resolv.conf as before" \
		diff -u "$E2E_DIR/before" "$E2E_DIR/after-$_mode"
	check "$_mode: client TUN device removed" \
		sh -c "! ip -n $C -o link show type tun | grep -q ."
	stop_pid "$_fpid" TERM 3
	forget_pid "$_fpid"
}

hostile malformed-json 'event=protocol_error .*error=.*control message' 'control message'
hostile version-2 'event=protocol_error .*config\.version 2 is outside' 'config\.version 2'
# The channel layer (common/channel.c) answers these two itself.
hostile unknown-kind 'why=.*protocol error: unknown frame kind 0x57' 'unknown frame kind 0x57'
hostile length-0 'why=.*protocol error: frame length 0' 'frame length 0'
hostile packet-before-config 'event=protocol_error .*IP packet before config' \
	'IP packet before config'

# tun_rx_one: exactly one packet written into the client's TUN.
tun_rx_one() {
	_t=$(client_tun c1)
	[ -n "$_t" ] && [ "$(nsx "$C" cat "/sys/class/net/$_t/statistics/rx_packets")" = 1 ]
}

flog="$E2E_DIR/fake-malformed-packet.log"
echo "--- mode malformed-packet" >>"$CLOG"
bg fake-malformed-packet "$flog" "$E2E_NS_SERVER" \
	$PY "$E2E_HERE/fake-server.py" $SRV_LAN4 443 "$E2E_DIR/pki" malformed-packet
fpid=$BG_PID
wait_for 5 fake_listening || die "malformed-packet: fake server listens on $SRV_LAN4:443"
m=$(mark "$CLOG")
e2e_client_start c1 "$E2E_DIR/alice.json"
wait_for 10 client_configured c1 || die "malformed-packet: the client brings its tunnel up"
check "malformed-packet: the packet behind the bad one reached the TUN" wait_for 3 tun_rx_one
check "malformed-packet: the client kept its session (no bye, no reconnect)" \
	sh -c "! grep -Eq '^event=(bye conn=1|accepted conn=2) ' '$flog'"
e2e_client_stop c1 || fail "malformed-packet: client exits within 5 s of SIGTERM"
check "malformed-packet: the client counted the packet it dropped" \
	log_has "$CLOG" "$m" 'event=tunnel_stats .*dropped_from_server=1 '
check "malformed-packet: no sanitizer report in the client log" \
	not_in_log "$CLOG" "$m" 'Sanitizer|runtime error'
stop_pid "$fpid" TERM 3
forget_pid "$fpid"

e2e_finish
