#!/usr/bin/env python3
"""Loopback HTTP/1.1 server for tests/unit/test_transport_curl.c.

Usage: http_test_server.py PORT_FILE [CERT_PEM KEY_PEM]

Binds 127.0.0.1 on a free port, writes the port number to PORT_FILE (atomically, via rename) and
serves until killed. With CERT_PEM/KEY_PEM it serves HTTPS (ALPN http/1.1). It exits by itself when
its parent dies or after a few minutes, so a crashed test leaves nothing behind.

Endpoints (any method; a proxy-style absolute URL "http://host/path" is accepted and reported):
  /echo          200, text body describing the request (see echo()).
  /status?code=N status N with "X-Test:  a  value  " (padded) and body "status N".
  /continue      an unsolicited "100 Continue", then 200 "done".
  /redirect      302 to /echo with an empty body.
  /big?n=N       N bytes of the pattern i % 251, written in 16 KiB pieces.
  /truncate      Content-Length 100 but only 10 bytes, then the connection is closed.
  /stall         reads the request and never answers (closes after 15 s).
  /stats         "connections N": how many connections were accepted so far.
"""
import http.server
import os
import socketserver
import ssl
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
CONNECTIONS = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        global CONNECTIONS
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # here, in the connection's thread, not in accept()
        super().setup()
        with LOCK:
            CONNECTIONS += 1
            self.conn_id = CONNECTIONS

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxied = self.path.startswith("http://")
        url = urlsplit(self.path)
        path, query = url.path or "/", parse_qs(url.query)

        if path == "/echo":
            lines = [
                "method " + self.command,
                "path " + (url.path + ("?" + url.query if url.query else "")),
                "conn %d" % self.conn_id,
                "port %d" % self.client_address[1],
                "proxied %d" % proxied,
            ]
            lines += ["header %s: %s" % (k, v) for k, v in self.headers.items()]
            lines.append("body %d" % len(body))
            self.reply(200, ("\n".join(lines) + "\n").encode() + body,
                       [("Content-Type", "text/plain")])
        elif path == "/status":
            code = int(query.get("code", ["200"])[0])
            # Padding after the colon and at the end of the value, which the client must trim.
            self.reply(code, ("status %d" % code).encode(), [("X-Test", "  a  value  ")])
        elif path == "/continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.reply(200, b"done")
        elif path == "/redirect":
            self.reply(302, b"", [("Location", "/echo")])
        elif path == "/big":
            n = int(query.get("n", ["1000000"])[0])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            pattern = bytes(i % 251 for i in range(251 * 66))  # 16566 bytes, a whole period
            sent = 0
            while sent < n:
                piece = pattern[: min(16 * 1024 // 251 * 251, n - sent)]
                self.wfile.write(piece)
                sent += len(piece)
        elif path == "/truncate":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall":
            time.sleep(15)
            self.close_connection = True
        elif path == "/stats":
            with LOCK:
                n = CONNECTIONS
            self.reply(200, ("connections %d\n" % n).encode())
        else:
            self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    ssl_context = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        pass  # failed handshakes and reset connections are what several tests provoke


def watchdog(parent):
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    if len(sys.argv) not in (2, 4):
        sys.stderr.write(__doc__)
        return 2
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        ctx.set_alpn_protocols(["http/1.1"])
        server.ssl_context = ctx
    threading.Thread(target=watchdog, args=(os.getppid(),), daemon=True).start()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, sys.argv[1])
    server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
