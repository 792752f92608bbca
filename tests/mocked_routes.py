"""Demo routes (demo.server.Route) answered on a `responses.RequestsMock` instead of 127.0.0.1:
the same worlds and the same faults as DemoPortal, for unit tests that want no server. No ETags."""
from __future__ import annotations

import re
from email.message import Message
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

import responses

from demo.server import Fault, Request, Response, Route, _status_page


def install_routes(rsps: responses.RequestsMock, base_url: str, routes: Iterable[Route],
                   faults: Mapping[str, Fault] | None = None) -> None:
    """Answer every GET and POST under `base_url` as DemoPortal would answer it with `faults` armed."""
    routes, faults = list(routes), faults or {}
    unknown = set(faults) - {route.name for route in routes}
    if unknown:
        raise KeyError(f"no route named {sorted(unknown)}; routes: {sorted(r.name for r in routes)}")

    def callback(prepared: Any) -> tuple[int, dict[str, str], bytes]:
        response = _dispatch(routes, faults, _request(prepared))
        return response.status, {"Content-Type": response.content_type, **response.headers}, response.body

    for method in (responses.GET, responses.POST):
        rsps.add_callback(method, re.compile(re.escape(base_url) + r"(/.*)?"), callback=callback)


def _dispatch(routes: list[Route], faults: Mapping[str, Fault], request: Request) -> Response:
    for route in routes:
        if route.method == request.method and (match := route.match(request.path)):
            request = Request(**{**request.__dict__, "params": match.groupdict()})
            fault = faults.get(route.name)
            if fault is None or fault.exhausted() or not fault.applies(request):
                return route.handler(request)
            fault.served += 1
            return fault.response() if fault.replaces_answer() else fault.alter(route.handler(request))
    return Response(404, _status_page(404))


def _request(prepared: Any) -> Request:
    split = urlsplit(prepared.url)
    headers = Message()
    for name, value in prepared.headers.items():
        headers[name] = value
    body = prepared.body or b""
    body = body.encode("utf-8") if isinstance(body, str) else body
    return Request(method=prepared.method, path=split.path or "/",
                   target=split.path + (f"?{split.query}" if split.query else ""),
                   query={k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()},
                   form={}, json=None, headers=headers, body=body)
