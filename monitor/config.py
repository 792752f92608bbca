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

from .check import Check
from .errors import ConfigError
from .fetcher import FetchSettings

DEFAULT_PATH = "monitor.toml"

MONITOR_DEFAULTS: dict[str, Any] = {"db": "state/monitor.db", "days_off": []}
DIGEST_DEFAULTS: dict[str, Any] = {"out_dir": "", "languages": ["mn", "en"]}
PORTAL_DEFAULTS: dict[str, str] = {
    "tender_opendata": "https://opendata.tender.gov.mn",
    "tender": "https://www.tender.gov.mn",
    "shilendans": "https://shilendans.gov.mn",
    "mof": "https://mof.gov.mn",
    "xacxom": "https://xacxom.iaac.mn",
    "legalinfo": "https://legalinfo.mn",
    "parliament": "https://api-d.parliament.mn",
}
FETCH_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(FetchSettings)}
LANGUAGES = ("mn", "en")


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
    known = {"monitor", "portals", "fetch", "digest", "checks"}
    for key in raw:
        if key not in known:
            raise ConfigError(f"{key}: unknown section (expected one of {', '.join(sorted(known))})")
    monitor = _section(raw, "monitor", MONITOR_DEFAULTS)
    portals = _section(raw, "portals", PORTAL_DEFAULTS)
    fetch = _section(raw, "fetch", FETCH_DEFAULTS)
    digest = _section(raw, "digest", DIGEST_DEFAULTS)
    for name, url in portals.items():
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"portals.{name}: expected an http(s) URL, got {url!r}")
    for name in ("timeout", "backoff", "delay", "max_retry_after", "retries", "max_bytes"):
        if fetch[name] < 0:
            raise ConfigError(f"fetch.{name}: must not be negative")
    for lang in digest["languages"]:
        if lang not in LANGUAGES:
            raise ConfigError(f"digest.languages: {lang!r} is not one of {', '.join(LANGUAGES)}")
    checks_raw = raw.get("checks", {})
    if not isinstance(checks_raw, dict):
        raise ConfigError("checks: expected a table")
    for name in checks_raw:
        if name not in checks:
            raise ConfigError(f"checks.{name}: unknown check (known: {', '.join(sorted(checks))})")
    check_configs = {}
    for name, check in checks.items():
        check_configs[name] = _section(checks_raw, name, check.defaults, prefix="checks.")
        check.validate_config(check_configs[name])
    return Config(
        db=monitor["db"],
        days_off=tuple(_day(value, "monitor.days_off") for value in monitor["days_off"]),
        portals={name: url.rstrip("/") for name, url in portals.items()},
        fetch=FetchSettings(**fetch),
        checks=check_configs,
        digest_dir=digest["out_dir"],
        languages=tuple(digest["languages"]),
        source=source,
    )


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
