"""Demo routes (demo.server.Route) answered on a `responses.RequestsMock` instead of 127.0.0.1:
the same worlds, routed and faulted by the same code as DemoPortal (demo.server.Routing), for unit
tests that want no server. No ETags, as the fakes these tests replaced had none."""
from __future__ import annotations

import re
from email.message import Message
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import responses

from demo.server import Fault, Request, Route, Routing


def install_routes(rsps: responses.RequestsMock, base_url: str, routes: Iterable[Route],
                   faults: Mapping[str, Fault] | None = None) -> Routing:
    """Answer every GET and POST under `base_url` as DemoPortal would answer it with `faults` armed."""
    routing = Routing(routes, etags=False)
    for name, fault in (faults or {}).items():
        routing.faults[name] = fault  # a name no route has is refused (FaultTable)

    def callback(prepared: Any) -> tuple[int, dict[str, str], bytes]:
        response = routing.dispatch(_request(prepared))
        return response.status, {"Content-Type": response.content_type, **response.headers}, response.body

    for method in (responses.GET, responses.POST):
        rsps.add_callback(method, re.compile(re.escape(base_url) + r"(/.*)?"), callback=callback)
    return routing


def _request(prepared: Any) -> Request:
    split = urlsplit(prepared.url)
    headers = Message()
    for name, value in prepared.headers.items():
        headers[name] = value
    body = prepared.body or b""
    return Request.of(prepared.method, split.path + (f"?{split.query}" if split.query else ""), headers,
                      body.encode("utf-8") if isinstance(body, str) else body)
