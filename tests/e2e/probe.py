#!/usr/bin/env python3
"""Network probes for the end-to-end tests, run inside a namespace.

  probe.py tcp-open HOST PORT             exit 0 if a TCP connect succeeds (2 s)
  probe.py ping DST [-c N] [-i SEC] [-W SEC] [-s SRC]
        ICMP/ICMPv6 echo (raw socket, no iputils needed); prints
        "sent=N received=M lost=K"; exit 0 when every echo was answered.
  probe.py udp-listen ADDR PORT SECONDS [STOP]
        prints one line "from=ADDR data=..." per datagram received within
        SECONDS (or until a datagram that says STOP), then "count=N"
  probe.py udp-send DST PORT TEXT [--src ADDR]
        sends one UDP datagram; with --src, a raw IPv4 packet carrying that
        (possibly foreign) source address, as a spoofing client would
  probe.py garbage HOST PORT KIND         talks nonsense to a TLS port:
        KIND = http | random | half-tls | hold (open and say nothing)
  probe.py resolve NAME                   getaddrinfo through /etc/resolv.conf
"""
import os
import random
import select
import signal
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def tcp_open(host, port):
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return 0
    except OSError:
        return 1


def ping(args):
    dst = args[0]
    count, interval, wait, src = 3, 0.2, 1.0, None
    i = 1
    while i < len(args):
        opt, val = args[i], args[i + 1]
        if opt == "-c":
            count = int(val)
        elif opt == "-i":
            interval = float(val)
        elif opt == "-W":
            wait = float(val)
        elif opt == "-s":
            src = val
        else:
            sys.exit("ping: unknown option " + opt)
        i += 2
    v6 = ":" in dst
    if v6:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        etype, rtype = 128, 129
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        etype, rtype = 8, 0
    if src:
        sock.bind((src, 0))
    # SIGINT/SIGTERM end a long run cleanly: stop sending, wait for the
    # replies still due, print the counts.
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    ident = os.getpid() & 0xFFFF
    sent, answered = {}, set()
    deadline_last = None
    seq = 0
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if stop and seq < count:
            count = seq
            deadline_last = now + wait
        if seq < count and now >= next_send:
            payload = struct.pack("!d", now) + b"tlsvpn-e2e" * 4
            hdr = struct.pack("!BBHHH", etype, 0, 0, ident, seq)
            # The kernel fills in the ICMPv6 checksum (it needs the pseudo-header).
            csum = 0 if v6 else checksum(hdr + payload)
            pkt = struct.pack("!BBHHH", etype, 0, csum, ident, seq) + payload
            try:
                sock.sendto(pkt, (dst, 0))
            except OSError as e:
                print("send seq=%d error=%s" % (seq, e.strerror), file=sys.stderr)
            sent[seq] = now
            seq += 1
            next_send += interval
            if seq == count:
                deadline_last = now + wait
        if seq == count and (len(answered) == count or now >= deadline_last):
            break
        timeout = max(0.0, (next_send if seq < count else deadline_last) - now)
        r, _, _ = select.select([sock], [], [], timeout)
        if not r:
            continue
        data, _ = sock.recvfrom(65535)
        if not v6:
            data = data[(data[0] & 0x0F) * 4:]
        if len(data) < 8:
            continue
        typ, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
        if typ == rtype and rid == ident and rseq in sent:
            if time.monotonic() - sent[rseq] <= wait:
                answered.add(rseq)
    lost = count - len(answered)
    print("sent=%d received=%d lost=%d" % (count, len(answered), lost))
    if lost and lost <= 20:
        print("lost seq=" + ",".join(str(s) for s in sorted(set(sent) - answered)))
    return 0 if lost == 0 else 1


def udp_listen(addr, port, seconds, stopword=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.bind((addr, int(port)))
    end = time.monotonic() + float(seconds)
    n = 0
    print("listening", flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([sock], [], [], left)
        if r:
            data, peer = sock.recvfrom(65535)
            n += 1
            text = data.decode(errors="replace")
            print("from=%s data=%s" % (peer[0], text), flush=True)
            if stopword and text == stopword:
                break
    print("count=%d" % n, flush=True)
    return 0


def udp_send(args):
    dst, port, text = args[0], int(args[1]), args[2].encode()
    src = args[4] if len(args) > 4 and args[3] == "--src" else None
    if src is None:
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        socket.socket(fam, socket.SOCK_DGRAM).sendto(text, (dst, port))
        return 0
    # A raw IPv4/UDP packet with a source address that is not ours: the
    # kernel routes it by destination (into the tunnel) without checking it.
    sport = 40000
    udp_len = 8 + len(text)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s + d + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, port, udp_len, 0) + text
    ucsum = checksum(pseudo + udp) or 0xFFFF
    udp = struct.pack("!HHHH", sport, port, udp_len, ucsum) + text
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, random.randint(0, 0xFFFF), 0, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sock.sendto(ip + udp, (dst, 0))
    return 0


def garbage(host, port, kind):
    sock = socket.create_connection((host, int(port)), timeout=5)
    if kind == "http":
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\n\r\n")
    elif kind == "random":
        sock.sendall(os.urandom(4096))
    elif kind == "half-tls":
        # The first bytes of a TLS 1.2 ClientHello record that promises more
        # than it sends: the server must time the handshake out.
        body = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\x00\x02\xc0\x2b" + b"\x01\x00"
        hello = b"\x01" + struct.pack("!I", len(body) + 200)[1:] + body
        sock.sendall(b"\x16\x03\x01" + struct.pack("!H", len(hello) + 200) + hello)
    elif kind != "hold":
        sys.exit("garbage: unknown kind " + kind)
    # Read whatever comes back until the server closes or 3 s pass.
    end = time.monotonic() + 3
    got = 0
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], end - time.monotonic())
        if not r:
            break
        try:
            data = sock.recv(4096)
        except OSError as e:
            print("closed by server (%s) after %d bytes" % (e.strerror, got))
            return 0
        if not data:
            print("closed by server after %d bytes" % got)
            return 0
        got += len(data)
    print("still open after 3 s (%d bytes received)" % got)
    return 0


def resolve(name):
    try:
        for info in socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM):
            print(info[4][0])
            return 0
    except socket.gaierror as e:
        print("resolve %s: %s" % (name, e), file=sys.stderr)
    return 1


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "tcp-open":
        return tcp_open(args[0], args[1])
    if cmd == "ping":
        return ping(args)
    if cmd == "udp-listen":
        return udp_listen(*args[:4])
    if cmd == "udp-send":
        return udp_send(args)
    if cmd == "garbage":
        return garbage(*args[:3])
    if cmd == "resolve":
        return resolve(args[0])
    sys.exit("probe.py: unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
