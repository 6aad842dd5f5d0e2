#!/usr/bin/env python3
"""A scripted, misbehaving tlsvpn server for tests/e2e/hostile-server.sh.

  fake-server.py ADDR PORT PKI_DIR MODE

Speaks TLS 1.2 like tlsvpn-server (PKI_DIR/vpn.crt and vpn.key, the client
certificate required and verified against PKI_DIR/ca.crt, ALPN "tlsvpn/1",
ECDHE with an AEAD cipher), waits for the client's `hello`, then breaks the
protocol (PROTOCOL.md) as MODE says, on every connection:

  malformed-json        a control frame whose JSON is cut short
  version-2             a `config` with "version": 2
  unknown-kind          a frame whose first byte is 0x57
  length-0              a frame with length 0
  packet-before-config  an IPv4 packet frame before any `config`
  malformed-packet      after a valid `config`, a packet frame that is no IP
                        packet (IPv4 header length 12), then a valid one

Right behind the bad frame, in the same write, comes a valid `config`: a
client that went on reading after the error would bring its tunnel up.
(malformed-packet is the exception: config first, the bad frame breaks no
rule of the protocol, only of IP.)
Then it logs every frame the client sends back, until the client closes.

One line per event on stdout, `key=value` words:
  event=listening
  event=accepted conn=N t=SECONDS [gap_s=SECONDS since the previous close]
  event=tls conn=N version=... cipher=... alpn=... peer_cn=...
  event=rx conn=N kind=control json=JSON | kind=ipv4|ipv6|unknown len=N
  event=bye conn=N reason=R message=JSON-STRING
  event=sent conn=N mode=MODE
  event=closed conn=N how=close_notify|eof_without_close_notify|reset|timeout|no_hello
Runs until killed.
"""
import json
import socket
import ssl
import struct
import sys
import time

READ_TIMEOUT = 5.0

CONFIG = {
    "type": "config",
    "version": 1,
    "ipv4": "10.8.0.2/24",
    "gateway4": "10.8.0.1",
    "mtu": 1500,
    "routes": ["10.99.0.0/16"],
    "redirect_gateway": True,
    "keepalive_interval": 10,
    "keepalive_timeout": 60,
}


def say(**kw):
    print(" ".join("%s=%s" % (k, v) for k, v in kw.items()), flush=True)


def frame(payload):
    return struct.pack("!H", len(payload)) + payload


def control(obj):
    return frame(b"\x01" + json.dumps(obj, separators=(",", ":")).encode())


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp_packet():
    """An ICMP echo request 10.8.0.1 -> 10.8.0.2, as the tunnel would carry."""
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"hostile"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                      socket.inet_aton("10.8.0.1"), socket.inet_aton("10.8.0.2"))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + icmp


def bad_frame(mode):
    if mode == "malformed-json":
        return frame(b'\x01{"type":"config","version":1,"ipv4":')
    if mode == "version-2":
        return control(dict(CONFIG, version=2))
    if mode == "unknown-kind":
        return frame(b"\x57hostile")
    if mode == "length-0":
        return b"\x00\x00"
    if mode == "packet-before-config":
        return frame(icmp_packet())
    if mode == "malformed-packet":
        good = icmp_packet()
        return frame(bytes([0x43]) + good[1:])
    raise SystemExit("fake-server: unknown mode %r" % mode)


class Frames:
    """Reads `u16 length | payload` frames from a TLS socket."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = b""

    def next(self):
        """A payload, or raises EOFError on a clean end of the stream."""
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack("!H", self.buf[:2])[0]
                if len(self.buf) >= 2 + n:
                    p = self.buf[2:2 + n]
                    self.buf = self.buf[2 + n:]
                    return p
            data = self.conn.recv(65536)
            if not data:
                raise EOFError
            self.buf += data


def log_frame(cid, p):
    if p[:1] == b"\x01":
        text = p[1:].decode("utf-8", "replace")
        say(event="rx", conn=cid, kind="control", json=text)
        try:
            m = json.loads(text)
        except ValueError:
            return None
        if m.get("type") == "bye":
            say(event="bye", conn=cid, reason=m.get("reason"),
                message=json.dumps(m.get("message", "")))
        return m
    kind = {4: "ipv4", 6: "ipv6"}.get(p[0] >> 4, "unknown") if p else "empty"
    say(event="rx", conn=cid, kind=kind, len=len(p))
    return None


def session(conn, cid, mode):
    frames = Frames(conn)
    # The client's first frame must be its hello; wait for it.
    m = log_frame(cid, frames.next())
    if not m or m.get("type") != "hello":
        return "no_hello"
    if mode == "malformed-packet":
        conn.sendall(control(CONFIG) + bad_frame(mode) + frame(icmp_packet()))
    else:
        conn.sendall(bad_frame(mode) + control(CONFIG))
    say(event="sent", conn=cid, mode=mode)
    while True:
        log_frame(cid, frames.next())


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    addr, port, pki, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    bad_frame(mode)  # refuse an unknown mode at once

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE+CHACHA20:ECDHE+AESGCM")
    ctx.load_cert_chain(pki + "/vpn.crt", pki + "/vpn.key")
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(pki + "/ca.crt")
    ctx.set_alpn_protocols(["tlsvpn/1"])

    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    say(event="listening", addr=addr, port=port, mode=mode)

    cid = 0
    last_close = None
    while True:
        raw, peer = ls.accept()
        cid += 1
        now = time.monotonic()
        extra = {}
        if last_close is not None:
            extra["gap_s"] = "%.3f" % (now - last_close)
        say(event="accepted", conn=cid, t="%.3f" % now, peer=peer[0], **extra)
        raw.settimeout(READ_TIMEOUT)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        how = "close_notify"
        try:
            conn = ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        except (ssl.SSLError, OSError) as e:
            say(event="tls_failed", conn=cid, error=json.dumps(str(e)))
            raw.close()
            last_close = time.monotonic()
            continue
        try:
            cert = conn.getpeercert() or {}
            cn = [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
            say(event="tls", conn=cid, version=conn.version(), cipher=conn.cipher()[0],
                alpn=conn.selected_alpn_protocol(), peer_cn=(cn or ["?"])[0])
            how = session(conn, cid, mode)
        except EOFError:
            how = "close_notify"
        except ssl.SSLEOFError:
            how = "eof_without_close_notify"
        except socket.timeout:
            how = "timeout"
        except (ssl.SSLError, OSError) as e:
            how = "reset"
            say(event="error", conn=cid, error=json.dumps(str(e)))
        try:
            conn.close()
        except OSError:
            pass
        last_close = time.monotonic()
        say(event="closed", conn=cid, how=how)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
