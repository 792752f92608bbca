"""A local stand-in for the disclosure portals, for tests and the demo.

One ThreadingHTTPServer on 127.0.0.1 answers for all seven portal bases at once (their paths do not
collide), so the monitor is pointed at it by setting every `[portals]` URL to `portal.url`. Each
"world" (procurement, budget, ...) contributes a list of `Route`s; the server itself knows nothing
of any portal. Tests break it on purpose through `portal.faults` and check what the monitor asked
through `portal.hits` and `portal.requests`.
"""
from __future__ import annotations

import hashlib
import json as jsonlib
import re
import sys
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Request:
    """What a handler sees of one HTTP request; `headers` look up names case-insensitively."""

    method: str
    path: str
    target: str
    query: dict[str, str]
    form: dict[str, str]
    json: Any
    headers: Message
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route's regex

    @classmethod
    def of(cls, method: str, target: str, headers: Message, body: bytes) -> Request:
        """A request as it came (its target: path and query), its form or JSON body read by its type."""
        split = urlsplit(target)
        content_type = headers.get_content_type()
        form = _first_values(body.decode("utf-8", "replace")) if content_type == "application/x-www-form-urlencoded" else {}
        return cls(method=method, path=split.path or "/", target=target, query=_first_values(split.query), form=form,
                   json=_json_or_none(body) if content_type == "application/json" else None, headers=headers,
                   body=body)


@dataclass(frozen=True)
class Response:
    """One answer; the helpers set the content type the real portals send."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: Mapping[str, str] = field(default_factory=dict)
    declared_length: int | None = None  # a Content-Length that differs from the body: truncation

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode("utf-8"), HTML)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, jsonlib.dumps(data, ensure_ascii=False).encode("utf-8"), JSON)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """`path_regex` must match the whole path (no query); `name` is what faults and hits use."""

    method: str
    path_regex: str
    handler: Handler
    name: str

    def match(self, path: str) -> re.Match[str] | None:
        return re.fullmatch(self.path_regex, path)


@dataclass
class Fault:
    """A breakage of one route: the first `times` requests (None: all) are answered with it.

    `status` alone gives an error page; `body` alone replaces the normal answer with HTTP 200
    (garbage, a page without its table); `delay` alone slows the normal answer down. They combine.
    `headers` adds headers (a `Location` for a redirect); `rewrite` transforms the normal answer's
    body (another encoding, an empty listing); `truncate` sends half of it under the full length.
    `where` narrows it to the requests it holds for (one entity's, say); the others pass untouched.
    """

    status: int | None = None
    times: int | None = None
    body: bytes | None = None
    delay: float = 0.0
    retry_after: int | str | None = None
    content_type: str = HTML
    headers: Mapping[str, str] = field(default_factory=dict)
    rewrite: Callable[[bytes], bytes] | None = None
    truncate: bool = False
    where: Callable[[Request], bool] | None = None
    served: int = field(default=0, init=False)

    def alter(self, response: Response) -> Response:
        """The normal answer as this fault spoils it."""
        body = self.rewrite(response.body) if self.rewrite else response.body
        if self.truncate:
            return replace(response, body=body[: len(body) // 2], declared_length=len(body))
        return replace(response, body=body)

    def exhausted(self) -> bool:
        return self.times is not None and self.served >= self.times

    def applies(self, request: Request) -> bool:
        return self.where is None or self.where(request)

    def replaces_answer(self) -> bool:
        return self.status is not None or self.body is not None

    def response(self) -> Response:
        status = self.status or 200
        body = self.body if self.body is not None else _status_page(status)
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return Response(status, body, self.content_type, headers)


class FaultTable(dict[str, Fault]):
    """`portal.faults`: refuses a name no route has, so a typo cannot silently test nothing."""

    def __init__(self, route_names: Iterable[str]) -> None:
        super().__init__()
        self.route_names = frozenset(route_names)

    def __setitem__(self, name: str, fault: Fault) -> None:
        if name not in self.route_names:
            raise KeyError(f"no route named {name!r}; routes: {sorted(self.route_names)}")
        super().__setitem__(name, fault)


class Routing:
    """The portals without a server: each request routed to its handler, with the faults armed.
    DemoPortal serves it on 127.0.0.1; the unit tests answer it on `responses` (tests/mocked_routes.py).

    `requests` logs every request, routed or not; `hits` counts routed ones by route name.
    """

    def __init__(self, routes: Iterable[Route], etags: bool = True) -> None:
        self.routes = list(routes)
        self.etags = etags  # answer GETs with an ETag and If-None-Match with 304, as many portals do
        self.faults = FaultTable(route.name for route in self.routes)
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # set when the server stops: a request sleeping in a `delay` wakes

    def dispatch(self, request: Request) -> Response:
        """Route one request, applying the route's fault if one is armed."""
        with self._lock:
            self.requests.append((request.method, request.target))
        route, params = self._find_route(request)
        if route is None:
            return self._unrouted(request)
        request = replace(request, params=params)
        fault = self._take_fault(route.name, request)
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.replaces_answer():
            return fault.response()
        try:
            response = route.handler(request)
        except Exception:  # a bug in a world must show as a 500 and a traceback, not a hang
            traceback.print_exc()
            return Response(500, _status_page(500))
        response = fault.alter(response) if fault is not None else response
        return _conditional(request, response) if self.etags else response

    def _find_route(self, request: Request) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            if route.method == request.method and (m := route.match(request.path)):
                return route, m.groupdict()
        return None, {}

    def _unrouted(self, request: Request) -> Response:
        allowed = sorted({r.method for r in self.routes if r.match(request.path)})
        if allowed:
            return Response(405, _status_page(405), HTML, {"Allow": ", ".join(allowed)})
        return Response(404, _status_page(404))

    def _take_fault(self, name: str, request: Request) -> Fault | None:
        with self._lock:
            self.hits[name] += 1
            fault = self.faults.get(name)
            if fault is None or fault.exhausted() or not fault.applies(request):
                return None
            fault.served += 1
            return fault


class DemoPortal(Routing):
    """The server: `with DemoPortal(routes) as portal:` serves on `portal.url` until the block ends."""

    def __init__(self, routes: Iterable[Route], host: str = "127.0.0.1", port: int = 0, etags: bool = True) -> None:
        super().__init__(routes, etags)
        self._server = _Server((host, port), _RequestHandler)
        self._server.portal = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DemoPortal:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="demo-portal", daemon=True)  # short poll: tests stop it often
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; a request sleeping in a `delay` fault is woken and let go."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> DemoPortal:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _conditional(request: Request, response: Response) -> Response:
    """Give a successful GET an ETag; answer 304 Not Modified when the client already holds it."""
    if request.method != "GET" or response.status != 200:
        return response
    etag = '"' + hashlib.sha256(response.body).hexdigest()[:20] + '"'
    if request.headers.get("If-None-Match") == etag:
        return Response(304, b"", response.content_type, {"ETag": etag})
    return replace(response, headers={**response.headers, "ETag": etag})


def _status_page(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"<html><body><h1>{status} {phrase}</h1></body></html>".encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    portal: DemoPortal

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout during a `delay` fault) is expected, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoPortal/1.0"

    def do_GET(self) -> None:
        self._answer(self.server.portal.dispatch(self._request()))

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests assert on `portal.requests` instead of reading a log."""

    def _request(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        return Request.of(self.command, self.path, self.headers, self.rfile.read(length) if length else b"")

    def _answer(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        length = len(response.body) if response.declared_length is None else response.declared_length
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


def _first_values(encoded: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(encoded, keep_blank_values=True).items()}


def _json_or_none(body: bytes) -> Any:
    try:
        return jsonlib.loads(body)
    except ValueError:
        return None
