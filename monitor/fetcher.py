"""The only place that talks HTTP.

Timeouts, retries with backoff on 5xx and 429 (honouring Retry-After), a User-Agent that
names the project, a delay between requests to one host and a bound on how many are in flight
to it at once, a cap on response size, no redirect off the configured hosts, conditional GETs
where the server gives validators, and a record of every request handed to a recorder.

Requests may be sent from worker threads (`get_each`), but the cache and the recorder, which
write SQLite, are only ever called on the caller's thread.
"""
from __future__ import annotations

import copy
import email.utils
import json
import re
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from .errors import BOT_CHALLENGE, CAPTCHA, Blocked, FetchError, LayoutChanged
from .watchdog import WatchedAdapter, time_left

USER_AGENT = "disclosure-monitor/0.1 (civic oversight of Mongolian public disclosure; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
DEADLINE_FACTOR = 4  # `deadline = 0`: a request may take 4 timeouts in all
READ_SIZE = 65536


@dataclass(frozen=True)
class FetchSettings:
    """Politeness and patience; every number is a configuration key under [fetch].

    `timeout` bounds each wait for the server (connecting, each read); `deadline` bounds one try
    from its first byte sent to its last byte read, so a server that drips its answer a byte at a
    time cannot hold a run: past it the try counts as timed out and is retried like one. A
    deadline of 0 means DEADLINE_FACTOR (4) × timeout. The clock is read after every read, so a
    try ends at most one `timeout` past its deadline.
    """

    timeout: float = 30.0
    deadline: float = 0.0
    retries: int = 3
    backoff: float = 2.0
    max_retry_after: float = 120.0
    delay: float = 1.0          # seconds between the starts of two requests to one host
    concurrency: int = 1        # requests in flight to one host at once
    max_bytes: int = 20_000_000
    user_agent: str = USER_AGENT

    @property
    def total_deadline(self) -> float:
        """Seconds one try may take in all."""
        return self.deadline or self.timeout * DEADLINE_FACTOR


@dataclass(frozen=True)
class Page:
    """One successful answer: where it came from and its body."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    cache_key: str | None = None  # the GET's own URL, under which its validators may be kept

    def text(self) -> str:
        """The body decoded by its declared charset (UTF-8 when none): a wrongly encoded page fails
        loudly, because garbled Cyrillic would silently stop invitation numbers from matching."""
        charset = _charset(self.headers.get("Content-Type", "")) or "utf-8"
        try:
            return self.body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            raise LayoutChanged(f"body is not valid {charset}") from None

    def json(self) -> Any:
        try:
            return json.loads(self.text())
        except ValueError:
            raise LayoutChanged("not JSON") from None


@dataclass(frozen=True)
class RequestRecord:
    """What the store keeps of every request: enough to audit what the monitor asked and saw."""

    method: str
    url: str
    payload: str | None
    status: int | None
    attempts: int
    bytes: int
    elapsed_ms: int
    error: str | None


Recorder = Callable[[RequestRecord, bytes | None], None]


@dataclass(frozen=True)
class Validators:
    """What a server said identifies a body (ETag, Last-Modified), and that body."""

    etag: str | None
    last_modified: str | None
    body: bytes


class ResponseCache(Protocol):
    """Where the fetcher keeps validators for conditional GETs (the store implements it)."""

    def lookup(self, url: str) -> Validators | None: ...

    def remember(self, url: str, validators: Validators) -> None: ...


@dataclass
class _Exchange:
    """One request: prepared on the caller's thread, sent on any, settled on the caller's again."""

    method: str
    url: str
    kwargs: dict[str, Any]
    full_url: str
    cached: Validators | None
    elapsed: float = 0.0  # seconds spent sending, retries and waits included
    attempts: int = 0
    status: int | None = None
    body: bytes | None = None
    page: Page | None = None
    error: FetchError | None = None


class Fetcher:
    """Polite HTTP for the checks: `get` and `post` return a Page or raise FetchError."""

    def __init__(
        self,
        allowed_hosts: set[str],
        settings: FetchSettings = FetchSettings(),
        recorder: Recorder | None = None,
        cache: ResponseCache | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.settings = settings
        self.recorder = recorder
        self.cache = cache
        self.session = session or _watched_session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.sleep = sleep
        self.clock = clock
        self._lock = threading.Lock()
        self._next_start: dict[str, float] = {}
        self._in_flight: dict[str, threading.BoundedSemaphore] = {}
        self._environments: dict[str, dict[str, Any]] = {}

    def with_recorder(self, recorder: Recorder | None) -> Fetcher:
        """This fetcher, recording to `recorder`: the same session, cache and politeness (each host's
        turn and places in flight are shared), so that sources read side by side by one run each
        record their own requests while a host is still asked no faster than the settings allow."""
        clone = copy.copy(self)
        clone.recorder = recorder
        return clone

    def get(self, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None) -> Page:
        return self.request("GET", url, params=params, headers=headers)

    def post(self, url: str, *, data: Mapping[str, Any] | None = None, json: Any = None,
             headers: Mapping[str, str] | None = None) -> Page:
        return self.request("POST", url, data=data, json=json, headers=headers)

    def request(self, method: str, url: str, revalidate: bool = True, **kwargs: Any) -> Page:
        """Send one request, retrying as configured. A GET revalidates the body kept for it (see
        `keep`) unless `revalidate` is False; a 304 answer gives that body back."""
        exchange = self._prepare(method, url, revalidate, kwargs)
        self._send(exchange)
        return self._settle(exchange)

    def get_each(self, urls: Iterable[str]) -> Iterator[tuple[str, Page | FetchError]]:
        """GET each URL, answering in order, with up to `concurrency` requests in flight to a host:
        the next pages arrive while the caller works on this one. A failure is handed back, not
        raised, so the caller decides whether it ends the walk; after one, nothing is sent ahead
        until an answer succeeds again, so a portal that is down is asked no more than one by one."""
        ahead = self.settings.concurrency
        window: deque[tuple[_Exchange, Future[None]]] = deque()
        failing = False

        def oldest() -> tuple[str, Page | FetchError]:
            nonlocal failing
            answer = self._answer(*window.popleft())
            failing = isinstance(answer[1], FetchError)
            return answer

        with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="fetch") as pool:
            try:
                for url in urls:
                    while failing and window:
                        yield oldest()
                    exchange = self._prepare("GET", url, True, {})
                    window.append((exchange, pool.submit(self._send, exchange)))
                    if failing or len(window) > ahead:
                        yield oldest()
                while window:
                    yield oldest()
            finally:  # the caller stopped early: what was sent is still recorded, the rest not sent
                for exchange, future in window:
                    if not future.cancel():
                        self._answer(exchange, future)

    def keep(self, page: Page) -> None:
        """Keep a GET's validators and body for the next night's conditional request. Called once
        the page has parsed, so a broken page is never revalidated as if it were good."""
        etag, last_modified = page.headers.get("ETag"), page.headers.get("Last-Modified")
        if self.cache is not None and page.cache_key and (etag or last_modified):
            self.cache.remember(page.cache_key, Validators(etag, last_modified, page.body))

    # one exchange: prepare (caller's thread), send (any thread), settle (caller's thread)

    def _prepare(self, method: str, url: str, revalidate: bool, kwargs: dict[str, Any]) -> _Exchange:
        address = full_url(url, kwargs.get("params"))
        usable = revalidate and self.cache is not None and method == "GET"
        cached = self.cache.lookup(address) if usable else None
        if cached is not None:
            kwargs = {**kwargs, "headers": {**(kwargs.get("headers") or {}), **_conditional_headers(cached)}}
        return _Exchange(method, url, kwargs, address, cached)

    def _send(self, exchange: _Exchange) -> None:
        """The retry loop; what came of it is left on the exchange, never raised."""
        started = self.clock()
        try:
            while True:
                exchange.attempts += 1
                try:
                    page = self._send_following_redirects(exchange.method, exchange.url, **exchange.kwargs)
                except requests.RequestException as exc:
                    if exchange.attempts > self.settings.retries:
                        raise FetchError(f"{_failure(exc)} after {_tries(exchange.attempts)}") from None
                    self.sleep(self._backoff(exchange.attempts))
                    continue
                exchange.status, exchange.body = page.status, page.body
                blocked = blocked_by(page)
                if blocked is not None:
                    raise Blocked(blocked, page.status)
                if page.status in RETRY_STATUSES:
                    if exchange.attempts > self.settings.retries:
                        raise FetchError(f"HTTP {page.status} after {_tries(exchange.attempts)}", page.status)
                    self.sleep(self._retry_wait(page, exchange.attempts))
                    continue
                if page.status == 304 and exchange.cached is not None:
                    exchange.body = exchange.cached.body
                    exchange.page = Page(page.url, 200, exchange.cached.body, page.headers)
                elif page.status >= 400:
                    raise FetchError(f"HTTP {page.status}", page.status)
                else:
                    exchange.page = replace(page, cache_key=exchange.full_url) if exchange.method == "GET" else page
                return
        except FetchError as exc:
            exchange.error = exc
        finally:
            exchange.elapsed = self.clock() - started

    def _settle(self, exchange: _Exchange) -> Page:
        """Record the exchange; its page, or its error raised."""
        if self.recorder is not None:
            received = 0 if exchange.status == 304 else len(exchange.body or b"")
            record = RequestRecord(exchange.method, exchange.full_url, request_payload(exchange.kwargs),
                                   exchange.status, exchange.attempts, received, int(exchange.elapsed * 1000),
                                   str(exchange.error) if exchange.error else None)
            self.recorder(record, exchange.body)
        if exchange.error is not None:
            raise exchange.error
        assert exchange.page is not None
        return exchange.page

    def _answer(self, exchange: _Exchange, sent: Future[None]) -> tuple[str, Page | FetchError]:
        sent.result()
        try:
            return exchange.url, self._settle(exchange)
        except FetchError as exc:
            return exchange.url, exc

    def _send_following_redirects(self, method: str, url: str, **kwargs: Any) -> Page:
        deadline = None  # set when the first request of this try goes out, after its turn
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url)
            prepared = self.session.prepare_request(requests.Request(method, url, **kwargs))
            with self._turn(url):
                deadline = deadline or self.clock() + self.settings.total_deadline
                try:
                    with time_left(deadline - self.clock()):
                        response = self.session.send(prepared, timeout=self.settings.timeout,
                                                     allow_redirects=False, **self._environment(url))
                except requests.ConnectionError:
                    self._check_deadline(deadline)  # the watchdog cut a dripping head: a deadline, not a refusal
                    raise
                with response:
                    if response.is_redirect:
                        url = urljoin(response.url, response.headers["Location"])
                        method = "GET" if response.status_code in (301, 302, 303) else method
                        kwargs = {k: v for k, v in kwargs.items() if k == "headers"} if method == "GET" else kwargs
                        continue
                    return Page(response.url, response.status_code, self._read_capped(response, deadline),
                                CaseInsensitiveDict(response.headers))
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    # politeness

    def _check_host(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.allowed_hosts:
            raise FetchError(f"refused to leave the configured hosts for {host or url}")

    def _turn(self, url: str) -> threading.BoundedSemaphore:
        """Wait for this host's turn: `delay` after the previous request to it started, and a free
        place among its `concurrency` requests in flight (held while the answer is read)."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            now = self.clock()
            last = self._next_start.get(host)
            start = now if last is None else max(now, last + self.settings.delay)
            self._next_start[host] = start
            places = self._in_flight.setdefault(host, threading.BoundedSemaphore(self.settings.concurrency))
        if start > now:
            self.sleep(start - now)
        return places

    def _environment(self, url: str) -> dict[str, Any]:
        """Proxies and CA bundle from the environment, as requests reads them, once per host:
        requests would otherwise read the environment again on every request."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._environments:
                self._environments[origin] = self.session.merge_environment_settings(origin, {}, True, None, None)
            return self._environments[origin]

    def _read_capped(self, response: requests.Response, deadline: float) -> bytes:
        """The body, refused past max_bytes; one read at a time (`read1`: whatever one receive
        brings), with the clock checked after each, so a dripping body meets its deadline."""
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
            raise FetchError(f"response larger than {self.settings.max_bytes} bytes")
        self._check_deadline(deadline)
        chunks, size = [], 0
        for chunk in _body_reads(response):
            size += len(chunk)
            if size > self.settings.max_bytes:
                raise FetchError(f"response larger than {self.settings.max_bytes} bytes")
            self._check_deadline(deadline)
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_deadline(self, deadline: float) -> None:
        if self.clock() > deadline:
            raise DeadlineExceeded(f"deadline of {self.settings.total_deadline:g} s exceeded")

    def _backoff(self, attempts: int) -> float:
        return self.settings.backoff * (2 ** (attempts - 1))

    def _retry_wait(self, page: Page, attempts: int) -> float:
        wait = _retry_after_seconds(page.headers.get("Retry-After"))
        if wait is None:
            wait = self._backoff(attempts)
        return min(max(wait, 0.0), self.settings.max_retry_after)

def _watched_session() -> requests.Session:
    """A session whose answers' heads are cut at the try's deadline (monitor.watchdog)."""
    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, WatchedAdapter())
    return session


class DeadlineExceeded(requests.Timeout):
    """A try that outlived `fetch.deadline`: a timeout, retried like one."""


def _body_reads(response: requests.Response) -> Iterator[bytes]:
    """The decoded body, one receive at a time, urllib3's errors raised as requests raises them."""
    try:
        while chunk := response.raw.read1(READ_SIZE, decode_content=True):
            yield chunk
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None
    except (urllib3.exceptions.ProtocolError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from None


# A bot challenge or a captcha is told from a changed page before any parser runs (portals.md 1b).
# Signs of a Cloudflare challenge: the `cf-mitigated: challenge` header, or its page (the title
# "Just a moment..." or "Attention Required! | Cloudflare", the `_cf_chl_opt` script). A captcha:
# a reCAPTCHA, hCaptcha or Turnstile widget on a small HTML page or on an error answer; a widget on
# a large page that answered 200 is a form somewhere on a real page (a feedback box), not a wall.
# Plain substring tests on the lowered head of the page: this runs on every HTML answer.
_CHALLENGE_WORDS = (b"just a moment", b"attention required!", b"_cf_chl_opt")
_CHALLENGE_PAGE = re.compile(rb"<title>\s*(just a moment\.\.\.|attention required! \| cloudflare)\s*</title>"
                             rb"|window\._cf_chl_opt")
_CAPTCHA_WIDGETS = (b"g-recaptcha", b"h-captcha", b"cf-turnstile", b"google.com/recaptcha/",
                    b"hcaptcha.com/1/api.js", b"challenges.cloudflare.com/turnstile")
CAPTCHA_PAGE_MAX_BYTES = 32_768
SNIFFED_BYTES = 32_768  # the head of a page, where a challenge page says what it is


def blocked_by(page: Page) -> str | None:
    """BOT_CHALLENGE or CAPTCHA when the answer is one, else None (see the signs above)."""
    if page.headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return BOT_CHALLENGE
    if "html" not in page.headers.get("Content-Type", "text/html").lower():
        return None
    head = page.body[:SNIFFED_BYTES].lower()
    if any(word in head for word in _CHALLENGE_WORDS) and _CHALLENGE_PAGE.search(head):
        return BOT_CHALLENGE
    if (len(page.body) <= CAPTCHA_PAGE_MAX_BYTES or page.status >= 400) and any(w in head for w in _CAPTCHA_WIDGETS):
        return CAPTCHA
    return None


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def _conditional_headers(cached: Validators) -> dict[str, str]:
    headers = {}
    if cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _tries(attempts: int) -> str:
    return "1 try" if attempts == 1 else f"{attempts} tries"


def _failure(exc: requests.RequestException) -> str:
    if isinstance(exc, DeadlineExceeded):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return "truncated answer"
    if isinstance(exc, requests.ConnectionError):
        return "unreachable"
    return f"broken answer ({type(exc).__name__})"


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"').lower()
    return None


def full_url(url: str, params: Mapping[str, Any] | None) -> str:
    """The URL a GET with these query parameters asks for, the key of its validators: encoded as
    requests encodes them (a None value is left out), without preparing a whole request."""
    query = urlencode([(k, v) for k, v in (params or {}).items() if v is not None], doseq=True)
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def request_payload(kwargs: Mapping[str, Any]) -> str | None:
    """The request body as one line of JSON, for the request log."""
    body = kwargs.get("data") or kwargs.get("json")
    return json.dumps(body, ensure_ascii=False, sort_keys=True) if body else None
