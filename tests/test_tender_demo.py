"""End to end over real HTTP on 127.0.0.1: `monitor check tender` against the demo procurement world.

The expected findings are computed here from the world's own data, with a calendar written
out independently of monitor.calendar, so the test is a second reading of rules.md.
"""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import holidays
import pytest

from monitor import cli
from demo.server import DemoPortal, Fault
from demo.tender_world import build_tender_world, tender_routes

AS_OF = date(2026, 11, 29)
TOKEN = "test-token"


def roll(day: date) -> date:
    mn = holidays.country_holidays("MN", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in mn:
        day += timedelta(days=1)
    return day


def expected_findings(world) -> dict[tuple[str, str], tuple[str, str, int]]:
    """(rule, subject) -> (status, due, days) for every late or missing obligation of the world."""
    expected = {}
    for t in world.tenders:
        if t.year not in (AS_OF.year - 1, AS_OF.year) or t.status_code == "CANCELLED_TENDER":
            continue
        due = roll(t.open_at.date() + timedelta(days=30))
        published = t.result.notice_date if t.result else None
        _add(expected, "tender.result_published", t.invitation_number, due, published)
        if t.result and t.awarded_amount > 80_000_000:
            due = roll(t.result.notice_date + timedelta(days=30))
            _add(expected, "tender.contract_published", t.invitation_number, due,
                 t.contract.published if t.contract else None)
    return expected


def _add(expected: dict, rule: str, subject: str, due: date, published: date | None) -> None:
    if published is None and AS_OF > due:
        expected[(rule, subject)] = ("missing", due.isoformat(), (AS_OF - due).days)
    elif published is not None and published > due:
        expected[(rule, subject)] = ("late", due.isoformat(), (published - due).days)


def run_check(portal_url: str, tmp_path, as_of: date) -> tuple[int, dict]:
    config = tmp_path / "monitor.toml"
    config.write_text(
        "[portals]\n" + "".join(f'{name} = "{portal_url}"\n' for name in ("tender_opendata", "tender"))
        + "[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 1\n", encoding="utf-8")
    out = io.StringIO()
    code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", "tender",
                     "--as-of", as_of.isoformat(), "--json"], stdout=out)
    return code, json.loads(out.getvalue())


@pytest.fixture
def world():
    return build_tender_world(AS_OF, seed=7)


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", TOKEN)


def test_findings_match_the_rules_finding_for_finding(world, tmp_path):
    with DemoPortal(tender_routes(world, token=TOKEN)) as portal:
        code, output = run_check(portal.url, tmp_path, AS_OF)
    assert code == 0
    assert all(source["ok"] for source in output["sources"])
    got = {(f["rule"], f["subject"]): (f["status"], f["due"], f["days_overdue"] or f["days_late"])
           for f in output["findings"]}
    expected = expected_findings(world)
    assert len(expected) > 50 and {status for status, *_ in expected.values()} == {"late", "missing"}
    assert got == expected
    assert {f["state"] for f in output["findings"]} == {"new"}
    agencies = {a.client_id: a.name for a in world.agencies}
    for finding in output["findings"]:
        assert agencies[int(finding["agency_key"])].strip() == finding["agency"]


def test_a_failing_endpoint_keeps_every_finding_as_it_was(world, tmp_path):
    with DemoPortal(tender_routes(world, token=TOKEN)) as portal:
        _, first = run_check(portal.url, tmp_path, AS_OF)
        portal.faults["tender.results"] = Fault(status=503)
        code, second = run_check(portal.url, tmp_path, AS_OF + timedelta(days=1))
    assert code == 3
    failed = {s["name"]: s["error"] for s in second["sources"] if not s["ok"]}
    assert list(failed) == ["tender.results"]
    assert failed["tender.results"].startswith("HTTP 503 after 2 tries")
    keep = ("rule", "agency_key", "subject", "status", "due", "published", "days_late", "days_overdue")
    assert [{k: f[k] for k in keep} for f in second["findings"]] == [{k: f[k] for k in keep} for f in first["findings"]]
    assert {(f["state"], f["rechecked"]) for f in second["findings"]} == {("ongoing", False)}
    for row in second["agencies"]:
        assert row["met"] == row["late"] == row["missing"] == row["pending"] == 0


def test_a_wrong_token_is_reported_and_accuses_nobody(world, tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "expired")
    with DemoPortal(tender_routes(world, token=TOKEN)) as portal:
        code, output = run_check(portal.url, tmp_path, AS_OF)
    assert code == 3
    invitations = next(s for s in output["sources"] if s["name"] == "tender.invitations")
    assert invitations == {"name": "tender.invitations", "ok": False, "error": "return_code 401: Token expired"}
    assert not [f for f in output["findings"] if f["rule"] == "tender.result_published"]


def test_result_pages_are_fetched_once_across_nights(world, tmp_path):
    with DemoPortal(tender_routes(world, token=TOKEN)) as portal:
        run_check(portal.url, tmp_path, AS_OF)
        first = portal.hits["tender.result_detail"]
        run_check(portal.url, tmp_path, AS_OF + timedelta(days=1))
        assert first == sum(1 for t in world.tenders if t.result)
        assert portal.hits["tender.result_detail"] == first
