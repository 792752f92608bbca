"""A deadline for the part of an answer `requests` reads by itself: the status line and headers.

The fetcher reads the body one receive at a time and checks its clock after each; but a server
that drips its status line or headers one byte at a time keeps `session.send` inside http.client,
where every receive meets the per-read timeout and none the deadline. The connections made here
arm an alarm around reading the headers that shuts the socket down when the try's time is up, so
the blocked receive returns at once and the try fails; the fetcher then counts it as a deadline
exceeded, retried like a timeout.
"""
from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Iterator

import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .alarms import after

_remaining = threading.local()  # seconds left to the current try on this thread, or unset


@contextlib.contextmanager
def time_left(seconds: float) -> Iterator[None]:
    """Within this block, the headers of an answer must arrive within `seconds`."""
    _remaining.seconds = seconds
    try:
        yield
    finally:
        _remaining.seconds = None


class _Watched:
    """Mixed into urllib3's connections: reading the response head is cut at the deadline."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        seconds = getattr(_remaining, "seconds", None)
        if seconds is None:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        alarm = after(seconds, self._cut)
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            alarm.cancel()

    def _cut(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class WatchedAdapter(requests.adapters.HTTPAdapter):
    """The session's adapter, with connections whose response head honours `time_left`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
