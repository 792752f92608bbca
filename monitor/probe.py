"""`monitor probe`: one page of each source, read by the check's own parser, and what came of it.

For whoever runs the monitor against the real portals for the first time (and for us after a
parser changes): per source `ok` with what was found, `blocked` (a bot challenge or captcha),
`unreachable`, `auth` (the portal refuses the credentials) or `changed` (the parser's reason),
with the HTTP status, content type and size of the last answer. Nothing is stored in the database
and nothing is judged. `--save DIR` keeps every raw answer, its headers and the verdicts, with the
secrets taken out, so that the folder can be sent to the maintainers and become a test fixture.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .check import Check, ProbeContext
from .config import Config
from .errors import Blocked, ConfigError, FetchError, LayoutChanged, SourceError
from .fetcher import Fetcher, Page, request_payload

OK, BLOCKED, UNREACHABLE, AUTH, CHANGED, UNPROBED = "ok", "blocked", "unreachable", "auth", "changed", "unprobed"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
SECRET_PARAMS = re.compile(r"token|key|secret|password|passwd|auth|session|sig", re.IGNORECASE)
REDACTED = "REDACTED"
EXTENSIONS = {"json": "json", "html": "html", "xml": "xml"}


@dataclass(frozen=True)
class Answer:
    """One raw answer as it came: what was asked, and what the portal said."""

    method: str
    url: str
    payload: str | None
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


@dataclass
class Outcome:
    """One source's verdict, with what it found or why not, and the answers it read."""

    check: str
    source: str
    verdict: str
    detail: str
    answers: list[Answer] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == OK

    def line(self) -> str:
        last = self.answers[-1] if self.answers else None
        http = (f"HTTP {last.status}, {last.content_type or 'no content type'}, {len(last.body)} bytes"
                if last else "no answer")
        return f"{self.source:<28} {self.verdict:<11} {self.detail}  [{http}]"


class RecordingFetcher(Fetcher):
    """The fetcher, keeping every raw answer (headers included) for the probe to show and save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: list[Answer] = []

    def _send_following_redirects(self, method: str, url: str, **kwargs: Any) -> Page:
        # the one place every answer passes with its headers, before the fetcher judges its status
        page = super()._send_following_redirects(method, url, **kwargs)
        self.answers.append(Answer(method, page.url, request_payload(kwargs), page.status, dict(page.headers),
                                   page.body))
        return page


def probe(config: Config, checks: Mapping[str, type[Check]], sources: Sequence[str], as_of: date,
          environ: Mapping[str, str]) -> list[Outcome]:
    """Probe each named source (every source of every check when none is named), in check order."""
    known = {source: name for name in sorted(checks) for source in checks[name].sources}
    unknown = [source for source in sources if source not in known]
    if unknown:
        raise ConfigError(f"--source: no source named {', '.join(unknown)}; sources: {', '.join(known)}")
    hosts = {urlsplit(url).hostname or "" for url in config.portals.values()}
    fetcher = RecordingFetcher(hosts, replace(config.fetch, retries=0))
    outcomes = []
    for source, name in known.items():
        if sources and source not in sources:
            continue
        check = checks[name]()
        ctx = ProbeContext(as_of, config.checks[name], config.portals, fetcher, environ)
        fetcher.answers = []
        outcomes.append(_probe_one(check, source, ctx, fetcher))
    return outcomes


def _probe_one(check: Check, source: str, ctx: ProbeContext, fetcher: RecordingFetcher) -> Outcome:
    try:
        found = check.probe(source, ctx)
    except NotImplementedError:
        return Outcome(check.name, source, UNPROBED, "the check declares no probe", fetcher.answers)
    except Exception as exc:  # a parser bug says as much as a changed page: the page is saved either way
        verdict, reason = verdict_of(exc)
        return Outcome(check.name, source, verdict, reason, fetcher.answers)
    return Outcome(check.name, source, OK, found, fetcher.answers)


def verdict_of(exc: Exception) -> tuple[str, str]:
    """What a failure says of the portal: kept out, not there, refusing us, or not what the parser knows."""
    if isinstance(exc, Blocked):
        return BLOCKED, str(exc)
    if isinstance(exc, FetchError):
        if exc.status in (401, 403):
            return AUTH, str(exc)
        if exc.status is None or exc.status >= 500 or exc.status == 429:
            return UNREACHABLE, str(exc)
        return CHANGED, str(exc)  # 404 and the like: the address is no longer what the check knows
    if isinstance(exc, LayoutChanged):
        return CHANGED, str(exc)
    if isinstance(exc, SourceError):
        return (AUTH if re.search(r"\b40[13]\b", str(exc)) else CHANGED), str(exc)
    return CHANGED, f"unexpected error: {type(exc).__name__}: {exc}"


def secrets_of(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The secret values the probe may have sent: those of every environment variable a check's
    configuration names (`*_env` keys, e.g. the procurement API token)."""
    names = {value for check in config.checks.values() for key, value in check.items()
             if key.endswith("_env") and isinstance(value, str)}
    return sorted({environ[name] for name in names if environ.get(name)}, key=len, reverse=True)


def strip_secrets(text: str, secrets: Sequence[str]) -> str:
    """`text` with every known secret value replaced."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def strip_url(url: str, secrets: Sequence[str]) -> str:
    """A URL without credentials: no user:password, no token-like query parameter, no known secret."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, REDACTED if SECRET_PARAMS.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    return strip_secrets(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), secrets)


def save(outcomes: Sequence[Outcome], folder: Path, secrets: Sequence[str]) -> None:
    """Each answer's body and headers, and every verdict, in `folder`, secrets taken out."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        verdicts = []
        for outcome in outcomes:
            files = []
            for number, answer in enumerate(outcome.answers, start=1):
                stem = f"{outcome.source}-{number}"
                body = folder / f"{stem}.{_extension(answer.content_type)}"
                body.write_bytes(_strip_bytes(answer.body, secrets))
                meta = {"request": {"method": answer.method, "url": strip_url(answer.url, secrets),
                                    "payload": strip_secrets(answer.payload, secrets) if answer.payload else None},
                        "status": answer.status,
                        "headers": {k: strip_secrets(v, secrets) for k, v in answer.headers.items()
                                    if k.lower() not in SECRET_HEADERS},
                        "body": body.name}
                (folder / f"{stem}.headers.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                                             encoding="utf-8")
                files.append(body.name)
            verdicts.append({"check": outcome.check, "source": outcome.source, "verdict": outcome.verdict,
                             "detail": strip_secrets(outcome.detail, secrets), "answers": files})
        (folder / "verdicts.json").write_text(json.dumps(verdicts, ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--save {folder}: cannot write there ({exc.strerror})") from None


def _strip_bytes(body: bytes, secrets: Sequence[str]) -> bytes:
    for secret in secrets:
        body = body.replace(secret.encode("utf-8"), REDACTED.encode())
    return body


def _extension(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    return next((ext for word, ext in EXTENSIONS.items() if word in kind), "txt")
