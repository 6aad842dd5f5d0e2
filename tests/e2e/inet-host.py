#!/usr/bin/env python3
"""The "internet" host's web server for the end-to-end tests.

inet-host.py DIR PORT: serves the files of DIR on PORT, IPv4 and IPv6, and
answers GET /whoami with the peer address it saw (IPv4-mapped addresses
unmapped), which is how a test proves NAT: the source must be the server's
public address. POST /sha256 answers with the SHA-256 (hex) of the body it
received, which is how a test proves an upload arrived intact. Every request is logged to stderr as "peer=ADDR path=PATH".
"""
import functools
import hashlib
import http.server
import socket
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def peer(self):
        addr = self.client_address[0]
        return addr[7:] if addr.startswith("::ffff:") else addr

    def do_GET(self):
        if self.path == "/whoami":
            body = (self.peer() + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_POST(self):
        if self.path != "/sha256":
            self.send_error(404)
            return
        left = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        body = (digest.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("peer=%s path=%s status=%s\n" % (self.peer(), self.path, args[1] if len(args) > 1 else "-"))
        sys.stderr.flush()


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        # One socket for both families, so the peer address is what the
        # kernel saw, whichever family the client used.
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = functools.partial(Handler, directory=directory)
    with DualStackServer(("::", port), handler) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()
