"""The TOML configuration (interface.md): every key has a default, so an empty file is valid.

A wrong key or value is a ConfigError whose message names the key and the problem in one line.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .calendar import month_day
from .check import Check, check_years
from .errors import ConfigError
from .fetcher import DEADLINE_FACTOR, FetchSettings

DEFAULT_PATH = "monitor.toml"

MONITOR_DEFAULTS: dict[str, Any] = {"db": "state/monitor.db", "days_off": [], "listing_shrink": 0.2}
# Where a digest's reader opens the definition of each rule: docs/rules.md, one `## rule.id` heading per rule.
METHODOLOGY_URL = "https://github.com/mongolia-disclosure-monitor/monitor/blob/main/docs/rules.md"
DIGEST_DEFAULTS: dict[str, Any] = {"out_dir": "", "languages": ["mn", "en"], "unsubscribe": "",
                                   "methodology_url": METHODOLOGY_URL}
SMTP_DEFAULTS: dict[str, Any] = {"host": "", "port": 587, "security": "starttls", "user": "",
                                 "password_env": "SMTP_PASSWORD", "from": "", "reply_to": "", "timeout": 30.0,
                                 "deadline": 0.0, "max_attempts": 3}
RECIPIENT_DEFAULTS: dict[str, Any] = {"name": "", "address": "", "language": "mn", "checks": [], "agencies": [],
                                      "frequency": "daily", "weekday": "monday", "name_officials": False}
SECURITY = ("starttls", "tls", "none")
FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AGENCIES_DEFAULTS: dict[str, Any] = {"aliases": ""}  # a CSV of agency aliases beside the bundled one
FETCH_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(FetchSettings)}
STORE_DEFAULTS: dict[str, Any] = {"keep_days": 90}
SITE_DEFAULTS: dict[str, Any] = {"out_dir": ""}  # where `monitor run` rebuilds the report site; "" for none
LANGUAGES = ("mn", "en")


@dataclass(frozen=True)
class Recipient:
    """Who gets a digest, in which language, of which checks and agencies, how often."""

    name: str
    address: str
    language: str = "mn"
    checks: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    frequency: str = "daily"
    weekday: str = "monday"
    name_officials: bool = False


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server; the password is named by an environment variable, never written in the file.

    `timeout` bounds each wait for the server; `deadline` bounds each step of a conversation in all
    (connecting with its greeting, STARTTLS and login; each digest; the goodbye), so a server that
    answers a byte at a time cannot hold `monitor send`. 0 means DEADLINE_FACTOR (4) × timeout.
    A digest the server refuses for good (5xx) is given up once it has been tried `max_attempts` times.
    """

    host: str = ""
    port: int = 587
    security: str = "starttls"
    user: str = ""
    password_env: str = "SMTP_PASSWORD"
    sender: str = ""
    reply_to: str = ""
    timeout: float = 30.0
    deadline: float = 0.0
    max_attempts: int = 3

    @property
    def total_deadline(self) -> float:
        """Seconds one step of a conversation may take in all."""
        return self.deadline or self.timeout * DEADLINE_FACTOR


@dataclass(frozen=True)
class Config:
    """The configuration, every default filled in and every value checked."""

    db: str
    days_off: tuple[date, ...]
    portals: dict[str, str]
    fetch: FetchSettings
    checks: dict[str, dict[str, Any]]
    digest_dir: str
    languages: tuple[str, ...]
    unsubscribe: str = ""
    methodology_url: str = METHODOLOGY_URL
    smtp: SmtpSettings = SmtpSettings()
    recipients: tuple[Recipient, ...] = ()
    listing_shrink: float = 0.2  # a listing that loses more than this share of its rows fails its source
    agency_aliases: str = ""
    keep_days: int = 90  # `monitor prune` keeps the requests and bodies of this many days before the latest run
    site_dir: str = ""  # `monitor run` rebuilds the report site here after the digests; "" for none
    source: str = field(default="(defaults)")


def load_config(path: str | None, checks: Mapping[str, type[Check]],
                environ: Mapping[str, str] = os.environ) -> Config:
    """Read the file named by --config, else MONITOR_CONFIG, else monitor.toml if it exists."""
    chosen = path or environ.get("MONITOR_CONFIG")
    if chosen is None and not Path(DEFAULT_PATH).exists():
        return parse_config({}, checks)
    chosen = chosen or DEFAULT_PATH
    try:
        with open(chosen, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {chosen}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {chosen}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"config file {chosen}: {exc.strerror}") from None
    return parse_config(raw, checks, source=chosen)


def parse_config(raw: Mapping[str, Any], checks: Mapping[str, type[Check]], source: str = "(defaults)") -> Config:
    known = {"monitor", "portals", "fetch", "digest", "checks", "smtp", "recipients", "agencies", "store", "site"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown section (expected one of {', '.join(sorted(known))})")
    monitor = _section(raw, "monitor", MONITOR_DEFAULTS)
    portals = _section(raw, "portals", portal_defaults(checks))
    fetch = _section(raw, "fetch", FETCH_DEFAULTS)
    digest = _section(raw, "digest", DIGEST_DEFAULTS)
    for name, url in portals.items():
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"portals.{name}: expected an http(s) URL, got {url!r}")
    for name in ("timeout", "deadline", "backoff", "delay", "max_retry_after", "retries", "max_bytes"):
        if fetch[name] < 0:
            raise ConfigError(f"fetch.{name}: must not be negative")
    if fetch["concurrency"] < 1:
        raise ConfigError("fetch.concurrency: must be at least 1")
    if not 0 <= monitor["listing_shrink"] < 1:
        raise ConfigError("monitor.listing_shrink: must be a share from 0 to below 1 (0.2 is 20 %)")
    for lang in digest["languages"]:
        _one_of("digest.languages", lang, LANGUAGES)
    if not digest["methodology_url"].startswith(("http://", "https://")):
        raise ConfigError(f"digest.methodology_url: expected an http(s) URL, got {digest['methodology_url']!r}")
    store = _section(raw, "store", STORE_DEFAULTS)
    if store["keep_days"] < 0:
        raise ConfigError("store.keep_days: must not be negative")
    smtp = _section(raw, "smtp", SMTP_DEFAULTS)
    agencies = _section(raw, "agencies", AGENCIES_DEFAULTS)
    site = _section(raw, "site", SITE_DEFAULTS)
    _one_of("smtp.security", smtp["security"], SECURITY)
    smtp["sender"] = smtp.pop("from")
    for name in ("timeout", "deadline"):
        if smtp[name] < 0:
            raise ConfigError(f"smtp.{name}: must not be negative")
    if smtp["max_attempts"] < 1:
        raise ConfigError("smtp.max_attempts: must be at least 1")
    checks_raw = raw.get("checks", {})
    if not isinstance(checks_raw, dict):
        raise ConfigError("checks: expected a table")
    for name in checks_raw:
        if name not in checks:
            raise ConfigError(f"checks.{name}: unknown check (known: {', '.join(sorted(checks))})")
    check_configs = {}
    for name, check in checks.items():
        check_configs[name] = _section(checks_raw, name, check.defaults, prefix="checks.")
        _check_by_key_names(f"checks.{name}", check_configs[name])
        check.validate_config(check_configs[name])
    return Config(
        db=monitor["db"],
        days_off=tuple(_day(value, "monitor.days_off") for value in monitor["days_off"]),
        listing_shrink=monitor["listing_shrink"],
        portals={name: url.rstrip("/") for name, url in portals.items()},
        fetch=FetchSettings(**fetch),
        checks=check_configs,
        digest_dir=digest["out_dir"],
        languages=tuple(digest["languages"]),
        unsubscribe=digest["unsubscribe"],
        methodology_url=digest["methodology_url"],
        smtp=SmtpSettings(**smtp),
        recipients=_recipients(raw.get("recipients", []), checks),
        agency_aliases=agencies["aliases"],
        keep_days=store["keep_days"],
        site_dir=site["out_dir"],
        source=source,
    )


def portal_defaults(checks: Mapping[str, type[Check]]) -> dict[str, str]:
    """Every portal the checks declare, with its default base URL: the keys of `[portals]`."""
    defaults: dict[str, str] = {}
    for check in checks.values():
        for name, url in check.portals.items():
            if defaults.setdefault(name, url) != url:
                raise ConfigError(f"portals.{name}: declared by two checks with different defaults")
    return defaults


def _recipients(raw: Any, checks: Mapping[str, type[Check]]) -> tuple[Recipient, ...]:
    """[[recipients]]: each needs an address; names are unique (they name the outbox rows)."""
    if not isinstance(raw, list):
        raise ConfigError("recipients: expected an array of tables ([[recipients]])")
    recipients: list[Recipient] = []
    for index, entry in enumerate(raw):
        where = f"recipients[{index}]"
        table = _section({where: entry}, where, RECIPIENT_DEFAULTS)
        if "@" not in table["address"]:
            raise ConfigError(f"{where}.address: expected an email address, got {table['address']!r}")
        if any(ch in table["address"] + table["name"] for ch in "\r\n"):
            raise ConfigError(f"{where}: line breaks are not allowed in a name or address")
        _one_of(f"{where}.language", table["language"], LANGUAGES)
        _one_of(f"{where}.frequency", table["frequency"], FREQUENCIES)
        _one_of(f"{where}.weekday", table["weekday"], WEEKDAYS)
        for name in table["checks"]:
            _one_of(f"{where}.checks", name, tuple(checks))
        table["name"] = table["name"] or table["address"]
        if any(r.name == table["name"] for r in recipients):
            raise ConfigError(f"{where}.name: {table['name']!r} is used by another recipient")
        recipients.append(Recipient(**{**table, "checks": tuple(table["checks"]),
                                       "agencies": tuple(str(a) for a in table["agencies"])}))
    return tuple(recipients)


def _one_of(where: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def _section(raw: Mapping[str, Any], name: str, defaults: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One table merged over its defaults, each value checked against the default's type."""
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix}{name}: expected a table")
    merged = dict(defaults)
    for key, value in table.items():
        where = f"{prefix}{name}.{key}"
        if key not in defaults:
            raise ConfigError(f"{where}: unknown key")
        merged[key] = _typed(where, value, defaults[key])
    return merged


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list"}


def _typed(where: str, value: Any, default: Any) -> Any:
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    raise ConfigError(f"{where}: expected {_TYPE_NAMES.get(expected, expected.__name__)}, got {value!r}")


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _check_by_key_names(where: str, config: Mapping[str, Any]) -> None:
    """What a check's keys mean by their names, checked once for every check (see Check.defaults):
    a `years` list lists years, a `..._due` text is a yearly day "MM-DD", a `..._days` number is not
    negative. A key of that name holding another type (a plugin's own meaning) is left to the check."""
    for key, value in config.items():
        if key == "years" and isinstance(value, list):
            check_years(f"{where}.years", value)
        elif key.endswith("_due") and isinstance(value, str):
            try:
                month_day(value)
            except ValueError as exc:
                raise ConfigError(f"{where}.{key}: {exc}") from None
        elif key.endswith("_days") and isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{where}.{key}: must not be negative")
