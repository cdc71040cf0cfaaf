#!/usr/bin/env python3
"""Fake "Acme R100" device services for regenerating the scanner fixtures.

Standard library only. Started by nmap.sh and masscan.sh; it can also be run
by hand:

    python3 services.py --bind 127.0.0.1 [--bind ::1] [--ready-file FILE]

On every address given it listens on:

  8080/tcp  HTTP   GET / -> 200, Server: Acme-httpd/1.0, fixed ETag,
                   Set-Cookie: sid=<random>, the Acme title page;
                   GET /favicon.ico -> a fixed 16x16 ICO
  8443/tcp  HTTPS  the same content over TLS with acme-r100.crt/.key
                   (self-signed, CN=acme-r100.local, O=Acme Corp, C=JP)
  2222/tcp  SSH-like: sends "SSH-2.0-AcmeSSH_1.0\\r\\n" and then only waits
  2323/tcp  raw TCP banner: sends "Acme R100 login: " and then only waits

Everything the services send is fixed except the sid cookie. No Date header
is sent, so two runs differ only by the cookie.

Ports can be overridden with --http-port/--https-port/--ssh-port/--telnet-port.
The process runs until SIGTERM/SIGINT.
"""

import argparse
import hashlib
import http.server
import os
import secrets
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
CERT = os.path.join(HERE, "acme-r100.crt")
KEY = os.path.join(HERE, "acme-r100.key")

BODY = b"<html><head><title>Acme R100 (fw 1.2.3)</title></head><body>login</body></html>"
ETAG = '"' + hashlib.sha1(BODY).hexdigest()[:16] + '"'
SERVER = "Acme-httpd/1.0"
SSH_BANNER = b"SSH-2.0-AcmeSSH_1.0\r\n"
TELNET_BANNER = b"Acme R100 login: "
IDLE_TIMEOUT = 30  # seconds a silent client may hold a banner/ssh connection


def make_favicon():
    """A fixed 16x16 32-bit ICO: an orange square with a dark 'A'-ish bar.

    Built from code so the bytes are the same on every run and no binary
    file has to be committed."""
    w = h = 16
    pixels = bytearray()
    for y in range(h):  # BMP rows are stored bottom-up
        for x in range(w):
            dark = (x in (4, 11) and 3 <= y <= 12) or (y in (8, 12) and 4 <= x <= 11)
            b, g, r = (0x20, 0x20, 0x20) if dark else (0x00, 0x80, 0xFF)
            pixels += bytes((b, g, r, 0xFF))
    and_mask = bytes(4 * h)  # 16 px = 2 bytes, padded to 4 bytes per row
    bih = struct.pack("<IiiHHIIiiII", 40, w, h * 2, 1, 32, 0,
                      len(pixels) + len(and_mask), 0, 0, 0, 0)
    image = bih + bytes(pixels) + and_mask
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", w, h, 0, 0, 1, 32, len(image), 6 + 16)
    return header + entry + image


FAVICON = make_favicon()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return SERVER

    def log_message(self, fmt, *args):  # keep the scripts' output short
        if os.environ.get("CPT_SERVICES_VERBOSE"):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _reply(self, code, reason, headers, body, head_only=False):
        # send_response() would add a Date header; build the status line by
        # hand so the bytes stay the same between runs (except the cookie).
        self.send_response_only(code, reason)
        self.send_header("Server", SERVER)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _dispatch(self, head_only=False):
        path = self.path.split("?", 1)[0]
        if path == "/":
            self._reply(200, "OK", [
                ("Content-Type", "text/html; charset=utf-8"),
                ("ETag", ETAG),
                ("Set-Cookie", "sid=%s; Path=/; HttpOnly" % secrets.token_hex(16)),
            ], BODY, head_only)
        elif path == "/favicon.ico":
            self._reply(200, "OK", [
                ("Content-Type", "image/x-icon"),
                ("ETag", '"' + hashlib.sha1(FAVICON).hexdigest()[:16] + '"'),
            ], FAVICON, head_only)
        else:
            body = b"<html><head><title>404 Not Found</title></head><body>not found</body></html>"
            self._reply(404, "Not Found", [("Content-Type", "text/html; charset=utf-8")],
                        body, head_only)

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch(head_only=True)

    def send_error(self, code, message=None, explain=None):
        # BaseHTTPRequestHandler.send_error adds a Date header; keep the
        # same fixed shape as every other reply instead.
        try:
            short, _ = self.responses.get(code, ("Error", ""))
        except Exception:
            short = "Error"
        self.close_connection = True
        # An unparsable request line leaves request_version at HTTP/0.9, for
        # which http.server would send the body alone; a device answers with
        # a status line and headers, so do that.
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        body = ("<html><head><title>%d %s</title></head><body>%s</body></html>"
                % (code, short, short)).encode("ascii")
        self._reply(code, short, [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Connection", "close"),
        ], body, head_only=(getattr(self, "command", "") == "HEAD"))


def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class QuietErrors:
    """Scanners reset connections all the time; don't print tracebacks."""

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class HTTPServer(QuietErrors, socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, tls_context=None):
        self.address_family = _family(addr[0])
        self.tls_context = tls_context
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS is set up here, in the per-connection thread, so a client that
        # never starts a handshake (nmap's NULL probe) does not block accept().
        if self.tls_context is not None:
            request.settimeout(IDLE_TIMEOUT)
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def shutdown_request(self, request):
        try:
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        request.close()


class BannerHandler(socketserver.BaseRequestHandler):
    banner = b""

    def handle(self):
        sock = self.request
        sock.settimeout(IDLE_TIMEOUT)
        try:
            sock.sendall(self.banner)
            # Then only wait: read and discard until the client goes away.
            while sock.recv(4096):
                pass
        except OSError:
            pass


class SSHHandler(BannerHandler):
    banner = SSH_BANNER


class TelnetHandler(BannerHandler):
    banner = TELNET_BANNER


class TCPServer(QuietErrors, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler):
        self.address_family = _family(addr[0])
        super().__init__(addr, handler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bind", action="append", required=True,
                    help="address to listen on (repeatable), e.g. 127.0.0.1 or ::1")
    ap.add_argument("--http-port", type=int, default=8080)
    ap.add_argument("--https-port", type=int, default=8443)
    ap.add_argument("--ssh-port", type=int, default=2222)
    ap.add_argument("--telnet-port", type=int, default=2323)
    ap.add_argument("--ready-file", help="written once every listener is bound")
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # Like many embedded devices, accept old clients too: masscan's built-in
    # ClientHello is TLS 1.1 with CBC-SHA suites, which OpenSSL 3 refuses at
    # its default security level. nmap still negotiates TLS 1.3.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.load_cert_chain(CERT, KEY)

    servers = []
    for addr in args.bind:
        servers.append(HTTPServer((addr, args.http_port), Handler))
        servers.append(HTTPServer((addr, args.https_port), Handler, tls_context=ctx))
        servers.append(TCPServer((addr, args.ssh_port), SSHHandler))
        servers.append(TCPServer((addr, args.telnet_port), TelnetHandler))

    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    sys.stderr.write("services.py: listening on %s (pid %d)\n"
                     % (", ".join(args.bind), os.getpid()))
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()


if __name__ == "__main__":
    main()
