#!/bin/sh
# Refusals, each with its reason in the log, while a connected client
# pinging through the tunnel every 20 ms loses nothing:
#   the server refuses a client certificate from another CA, an expired one,
#   a revoked one, and its own server certificate used as a client's;
#   the client refuses a server whose certificate is only for clientAuth,
#   and one whose certificate does not carry the expected name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init refused server client certs openssl

e2e_topology
e2e_client_add c1
e2e_client_add c2
e2e_internet_start
e2e_pki
e2e_profile alice
e2e_profile expired --not-before 20200101000000 --not-after 20210101000000
e2e_profile eve
certs revoke eve >>"$E2E_DIR/certs.log" 2>&1 || die "tlsvpn-certs revoke eve"
# A client certificate used as a server's: it names itself "rogue".
e2e_profile rogue
e2e_profile alice-rogue --server-name rogue
e2e_profile alice-wrongname --server-name wrong.example
# Another CA's client certificate, in a profile that trusts our CA (or the
# client would refuse our server before the server sees the certificate).
"$CERTS_BIN" --dir "$E2E_DIR/pki2" init --name "other CA" >>"$E2E_DIR/certs.log" 2>&1 ||
	die "tlsvpn-certs init (second CA)"
"$CERTS_BIN" --dir "$E2E_DIR/pki2" client mallory --remote $SRV_LAN4 -o "$E2E_DIR/mallory-own.json" \
	>>"$E2E_DIR/certs.log" 2>&1 || die "tlsvpn-certs client (second CA)"
profile_patch "$E2E_DIR/mallory-own.json" "$E2E_DIR/mallory.json" ca="$E2E_DIR/pki/ca.crt"
profile_patch "$E2E_DIR/alice.json" "$E2E_DIR/server-as-client.json" \
	cert="$E2E_DIR/pki/vpn.crt" key="$E2E_DIR/pki/vpn.key" name:=vpn

e2e_server_config
e2e_server_start
e2e_client_start c1 "$E2E_DIR/alice.json"
e2e_client_wait c1 10 || die "alice gets a tunnel address and routes within 10 s"
A1=$(client_addr4 c1)
# Pings through the whole scenario: no refusal may disturb alice.
ip netns exec "$(client_ns c1)" $PY "$E2E_HERE/probe.py" ping $INET4 -c 100000 -i 0.02 -W 1 \
	>"$E2E_DIR/ping.log" 2>&1 &
PING_PID=$!
E2E_PIDS="$E2E_PIDS $PING_PID:pinger"

# attempt DESCRIPTION PROFILE LOG REGEX [client options]: runs a client in c2
# with PROFILE until REGEX shows up in LOG (server or client log), at most
# 8 s; checks that it was refused for that reason and got no tunnel.
attempt() {
	_what=$1 _prof=$2 _logf=$3 _re=$4
	shift 4
	echo "--- $_what" >>"$E2E_DIR/client-c2.log"
	_m=$(mark "$_logf")
	_mc=$(mark "$E2E_DIR/client-c2.log")
	e2e_client_start c2 "$_prof" "$@"
	wait_for 8 log_has "$_logf" "$_m" "$_re"
	check "$_what: refused, log says /$_re/" log_has "$_logf" "$_m" "$_re"
	check "$_what: no tunnel address" test -z "$(client_addr4 c2)"
	e2e_client_stop c2
	if [ "$_logf" != "$E2E_DIR/client-c2.log" ]; then
		echo "    client said: $(since "$E2E_DIR/client-c2.log" "$_mc" | grep -E 'level=(error|warn)' | head -n 1)"
	fi
	echo "    log line: $(since "$_logf" "$_m" | grep -Ei "$_re" | head -n 1)"
}

SLOG="$E2E_DIR/server.log"
CLOG="$E2E_DIR/client-c2.log"
attempt "client certificate from another CA" "$E2E_DIR/mallory.json" "$SLOG" \
	'handshake_failed.*(not (correctly )?signed|not trusted|unknown ca)'
attempt "expired client certificate" "$E2E_DIR/expired.json" "$SLOG" 'handshake_failed.*expired'
attempt "revoked client certificate" "$E2E_DIR/eve.json" "$SLOG" 'handshake_failed.*revoked'

# tlsvpn-client itself refuses a profile whose certificate is not for
# clientAuth, so openssl plays the client that presents the server's
# certificate.
check "tlsvpn-client refuses to use a server certificate as its own" \
	sh -c "! ip netns exec $(client_ns c2) $CLIENT_BIN -p $E2E_DIR/server-as-client.json --state-dir $E2E_DIR/run-c2 >$E2E_DIR/sac.log 2>&1"
echo "    client said: $(grep -E 'level=(error|warn)' "$E2E_DIR/sac.log" | head -n 1)"
ms=$(mark "$SLOG")
ip netns exec "$(client_ns c2)" timeout 5 openssl s_client -connect $SRV_LAN4:443 \
	-alpn tlsvpn/1 -servername $SRV_LAN4 -CAfile "$E2E_DIR/pki/ca.crt" \
	-cert "$E2E_DIR/pki/vpn.crt" -key "$E2E_DIR/pki/vpn.key" </dev/null \
	>"$E2E_DIR/sac-openssl.log" 2>&1
RE_EKU='handshake_failed.*(extendedKeyUsage|clientAuth)'
wait_for 3 log_has "$SLOG" "$ms" "$RE_EKU"
check "server certificate used as a client's (openssl s_client): refused, log says /$RE_EKU/" \
	log_has "$SLOG" "$ms" "$RE_EKU"
echo "    log line: $(since "$SLOG" "$ms" | grep -Ei "$RE_EKU" | head -n 1)"

# tlsvpn-server refuses to start with a certificate that is not for
# serverAuth, so openssl s_server presents rogue's clientAuth-only
# certificate on port 8443.
check "tlsvpn-server refuses a certificate without serverAuth" \
	sh -c "sed 's#pki/vpn\\.#pki/rogue.#' $E2E_DIR/server.json >$E2E_DIR/server-rogue.json &&
		! ip netns exec $E2E_NS_SERVER $SERVER_BIN -c $E2E_DIR/server-rogue.json --check >$E2E_DIR/server-rogue.log 2>&1"
echo "    server said: $(tail -n 1 "$E2E_DIR/server-rogue.log")"
bg rogue "$E2E_DIR/rogue-s_server.log" "$E2E_NS_SERVER" openssl s_server -accept 8443 \
	-cert "$E2E_DIR/pki/rogue.crt" -key "$E2E_DIR/pki/rogue.key" -alpn tlsvpn/1 -quiet
ROGUE_PID=$BG_PID
wait_for 5 sh -c "ip netns exec $E2E_NS_SERVER ss -Hltn 'sport = :8443' | grep -q LISTEN" ||
	fail "openssl s_server with the clientAuth-only certificate listens on 8443"
$PY - "$E2E_DIR/alice-rogue.json" "$E2E_DIR/alice-rogue-8443.json" <<'PYEOF'
import json, os, sys
p = json.load(open(sys.argv[1]))
p["remotes"] = [{"host": "198.18.1.1", "port": 8443}]
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(p, f)
PYEOF
attempt "server certificate only for clientAuth" "$E2E_DIR/alice-rogue-8443.json" "$CLOG" \
	'tls_failed.*(extendedKeyUsage|serverAuth)'
stop_pid "$ROGUE_PID" TERM 5
forget_pid "$ROGUE_PID"
attempt "server certificate without the expected name" "$E2E_DIR/alice-wrongname.json" "$CLOG" \
	'tls_failed.*(name|CN|SAN)'

stop_pid "$PING_PID" INT 2
forget_pid "$PING_PID"
sleep 0.2
log "alice's pings: $(grep sent= "$E2E_DIR/ping.log")"
check "alice's pings through the tunnel meanwhile: none lost" \
	sh -c "grep -q 'received=[1-9]' $E2E_DIR/ping.log && grep -q ' lost=0' $E2E_DIR/ping.log"
check "alice still has her address $A1" test "$(client_addr4 c1)" = "$A1"
check "alice still seen as $SRV_WAN4 by the internet host" \
	test "$(cfetch c1 http://$INET4/whoami)" = $SRV_WAN4
check "server still running" alive "$SERVER_PID"
e2e_finish
