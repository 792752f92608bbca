"""What the acceptance tests expect of `monitor check NAME --json`, written once for every check."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import responses

from monitor.agencies import bundled_aliases, display_name, normalised_name
from monitor.cli import main

FIELDS = ("rule", "agency", "agency_key", "subject", "status", "due", "published", "days_late",
          "days_overdue", "state", "rechecked")
STATUSES = ("met", "late", "missing", "pending", "unknown")
AGENCY_FIELDS = ("rule", "agency", "agency_key", *STATUSES, "on_time_rate")


@dataclass
class CheckOutput:
    """One `monitor check NAME --json`: its exit code, and its findings, agencies and sources in a
    stable order, findings and agencies cut to the fields a test compares."""

    code: int
    output: dict[str, Any]

    @property
    def findings(self) -> list[dict[str, Any]]:
        return sorted(({k: f[k] for k in FIELDS} for f in self.output["findings"]),
                      key=lambda f: (f["rule"], f["agency_key"], f["subject"]))

    @property
    def agencies(self) -> list[dict[str, Any]]:
        return sorted(({k: a[k] for k in AGENCY_FIELDS} for a in self.output["agencies"]),
                      key=lambda a: (a["rule"], a["agency_key"]))

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return {s["name"]: s for s in self.output["sources"]}


def check_runner(tmp_path: Path, portals: dict[str, str], check: str,
                 on_day: Callable[[date], None]) -> Callable[[str], tuple[int, dict[str, Any]]]:
    """`run(DAY)`: `monitor check CHECK --as-of DAY --json` on one database, the portal set to that day."""
    config = tmp_path / "monitor.toml"
    config.write_text("[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n[portals]\n"
                      + "".join(f'{name} = "{url}"\n' for name, url in portals.items()), encoding="utf-8")

    def run(day: str) -> tuple[int, dict[str, Any]]:
        on_day(date.fromisoformat(day))
        out = io.StringIO()
        code = main(["--config", str(config), "--db", str(tmp_path / "monitor.db"), "check", check,
                     "--as-of", day, "--json"], stdout=out)
        return code, json.loads(out.getvalue())
    return run


def finding(rule: str, agency: str, key: str, subject: str, status: str, due: str, published: str | None = None,
            days_late: int | None = None, days_overdue: int | None = None, state: str = "new",
            rechecked: bool = True) -> dict[str, Any]:
    return dict(zip(FIELDS, (rule, agency, key, subject, status, due, published, days_late, days_overdue,
                             state, rechecked)))


def row(rule: str, agency: str, key: str, rate: float | None = None, **counts: int) -> dict[str, Any]:
    return {"rule": rule, "agency": agency, "agency_key": key,
            **{status: counts.get(status, 0) for status in STATUSES}, "on_time_rate": rate}


def expect_findings(result: dict[str, Any], *expected: dict[str, Any]) -> None:
    found = [{field: f[field] for field in FIELDS} for f in result["findings"]]
    keyed = {(f["rule"], f["agency_key"], f["subject"]): f for f in found}
    assert len(keyed) == len(found), "a finding is listed twice"
    assert keyed == {(f["rule"], f["agency_key"], f["subject"]): f for f in expected}


def expect_agencies(result: dict[str, Any], *expected: dict[str, Any]) -> None:
    """The rows as expected, judged by the portal's key; each also names its agency across portals."""
    assert all(isinstance(r["agency_id"], str) and r["agency_id"] for r in result["agencies"])
    rows = [{k: v for k, v in r.items() if k != "agency_id"} for r in result["agencies"]]
    keyed = {(r["rule"], r["agency_key"]): r for r in rows}
    assert len(keyed) == len(rows), "an agency row is listed twice"
    assert keyed == {(r["rule"], r["agency_key"]): r for r in expected}


def expect_sources(result: dict[str, Any], names: list[str], failed: dict[str, str] | None = None) -> None:
    """The sources in interface.md's order; a failed one's error starts with the given text."""
    failed = failed or {}
    assert [s["name"] for s in result["sources"]] == names
    for source in result["sources"]:
        if source["name"] in failed:
            assert source["ok"] is False
            assert source["error"].startswith(failed[source["name"]]), source["error"]
        else:
            assert source == {"name": source["name"], "ok": True, "error": None}


def ongoing(f: dict[str, Any], **changed: Any) -> dict[str, Any]:
    return {**f, "state": "ongoing", "rechecked": True, **changed}


def carried(f: dict[str, Any]) -> dict[str, Any]:
    """An open finding on a run whose source failed: as last judged, ongoing, not re-checked."""
    return {**f, "state": "ongoing", "rechecked": False}


class MockedMonitor:
    """One configuration and one database for a check whose portals `responses` fakes;
    `run(day, world)` is `monitor check CHECK --as-of DAY --json` with `world.install(rsps)` serving."""

    def __init__(self, tmp_path: Path, portals: dict[str, str], check: str, settings: dict[str, Any],
                 monitor: dict[str, Any] | None = None) -> None:
        self.check_name, self.db, self.config = check, tmp_path / "monitor.db", tmp_path / "monitor.toml"
        lines = ["[monitor]", *(f"{k} = {json.dumps(v)}" for k, v in (monitor or {}).items()),
                 "[portals]", *(f'{name} = "{url}"' for name, url in portals.items()),
                 "[fetch]", "delay = 0.0", "backoff = 0.0", "retries = 0",
                 f"[checks.{check}]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in settings.items())]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def run(self, day: str, world: Any) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            world.install(rsps)
            code = main(["--config", str(self.config), "--db", str(self.db), "check", self.check_name,
                         "--as-of", day, "--json"], stdout=out)
        return code, json.loads(out.getvalue())


def in_english(name: str) -> str:
    """An agency's name as an English digest shows it: the alias table's English name, else MNS 5217:2012."""
    row = next((r for r in bundled_aliases()
                if normalised_name(name) in {normalised_name(alias) for alias in (r.name, *r.aliases)}), None)
    return display_name(name, row.name_en if row else None, "en")
