"""Servers on 127.0.0.1 that answer one byte at a time: a per-read timeout never fires, only a deadline.

`DripProxy` stands in front of a demo portal and drips the answers of the paths it is told to (its
headers at once, then its body a byte every `interval` seconds); `DripSmtp` greets one byte every
`interval` seconds and says nothing else. Each gives up after `limit` seconds, so a client without
a deadline makes its test fail slowly instead of hanging it.
"""
from __future__ import annotations

import http.client
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit


class _Dripping:
    """What both servers share: a stop signal, and writing bytes one by one until it is given."""

    def __init__(self, interval: float, limit: float) -> None:
        self.interval, self.limit = interval, limit
        self.stopping = threading.Event()

    def drip(self, write: Callable[[bytes], None], data: bytes) -> None:
        ends = time.monotonic() + self.limit
        for byte in data:
            if self.stopping.wait(self.interval) or time.monotonic() > ends:
                return
            try:
                write(bytes([byte]))
            except OSError:  # the client gave up: what the test wants
                return


class DripProxy(_Dripping):
    """`with DripProxy(portal.url, lambda path: path.startswith("/x")) as proxy:` serves on proxy.url."""

    def __init__(self, upstream: str, drips: Callable[[str], bool], interval: float = 0.3,
                 limit: float = 60.0, head: bool = False) -> None:
        super().__init__(interval, limit)
        self.upstream = urlsplit(upstream)
        self.drips = drips
        self.head = head  # drip the status line and headers too, not only the body
        self.dripped: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._relay(self)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _relay(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "accept-encoding")}
        upstream.request(handler.command, handler.path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
        upstream.close()
        if self.head and self.drips(handler.path):
            self.dripped.append(handler.path)
            kept = [(n, v) for n, v in answer.getheaders()
                    if n.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")]
            raw = (f"HTTP/1.1 {answer.status} {answer.reason}\r\n"
                   + "".join(f"{n}: {v}\r\n" for n, v in kept)
                   + f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n").encode("latin-1") + content
            self.drip(lambda b: (handler.wfile.write(b), handler.wfile.flush()), raw)
            handler.close_connection = True
            return
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        if not self.drips(handler.path):
            handler.wfile.write(content)
            return
        self.dripped.append(handler.path)
        handler.wfile.flush()
        self.drip(lambda b: (handler.wfile.write(b), handler.wfile.flush()), content)
        handler.close_connection = True

    def __enter__(self) -> DripProxy:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


class DripSmtp(_Dripping):
    """An SMTP server whose greeting never ends: `with DripSmtp() as server:` listens on server.port."""

    GREETING = b"220 " + b"slow" * 1000 + b"\r\n"

    def __init__(self, interval: float = 0.3, limit: float = 60.0) -> None:
        super().__init__(interval, limit)
        smtp = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                smtp.drip(self.request.sendall, smtp.GREETING)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self) -> DripSmtp:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

