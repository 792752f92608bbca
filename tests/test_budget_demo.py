"""The demo budget world (demo/budget_world.py), and `monitor check budget --json` run against it
over real HTTP on 127.0.0.1, with the expected findings computed here from the world's own data."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest
import requests

from checks.budget.consolidated_pages import parse_mof_page
from checks.budget.entity_pages import parse_organizations_page, parse_reports
from monitor.cli import main
from demo.budget_world import BudgetWorld, budget_routes, build_budget_world
from demo.server import DemoPortal

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def world() -> BudgetWorld:
    return build_budget_world(AS_OF)


# the world itself

def test_world_is_deterministic_and_shows_nothing_after_as_of(world):
    again = build_budget_world(AS_OF)
    assert again.postings == world.postings and again.mof_items == world.mof_items
    assert max(p.posted_at.date() for p in world.postings) <= AS_OF
    assert max(item.day for item in world.mof_items) <= AS_OF
    earlier = build_budget_world(date(2026, 10, 1), anchor=AS_OF)
    assert set(earlier.postings) == {p for p in world.postings if p.posted_at.date() <= date(2026, 10, 1)}


def test_world_has_a_few_hundred_entities_with_mongolian_names(world):
    assert len(world.entities) == 300
    assert len({e.id for e in world.entities}) == 300 and len({e.name for e in world.entities}) == 300
    names = [e.name for e in world.entities]
    assert "Сангийн яам" in names and "Эрүүл мэндийн яам " in names
    for word in ("аймгийн Засаг даргын Тамгын газар", "сумын Засаг даргын Тамгын газар", "сургууль", "эмнэлэг"):
        assert any(word in name for name in names), word
    assert all(any("а" <= ch.lower() <= "я" or ch.lower() in "өүё" for ch in name) for name in names)


def test_world_plants_the_boundaries(world):
    planted = world.planted
    assert planted["rolled 2026-06"][1] == (2026, 6)     # Naadam: due 16 July
    assert planted["rolled 2026-10"][1] == (2026, 10)    # Genghis Khan's birthday: due 11 November
    assert planted["rolled 2026-09"][1] == (2026, 9)     # 10 October is a Saturday
    entity, month = planted["rolled 2026-06"]
    [june] = [p for p in world.postings if p.entity_id == entity and (p.year, p.month) == month]
    assert june.posted_at.isoformat() == "2026-07-16T23:59:00"
    entity, month = planted["two postings, first late"]
    assert len([p for p in world.postings if p.entity_id == entity and (p.year, p.month) == month]) == 2
    assert sum(not p.month_field for p in world.postings) > 100
    assert [p for p in world.postings if not p.readable] == [
        p for p in world.postings if (p.entity_id, (p.year, p.month)) == planted["no month"]]
    assert any(item.reports is None and "гүйцэтгэл" in item.title for item in world.mof_items)


def test_routes_serve_the_shapes_the_parsers_read(world):
    with DemoPortal(budget_routes(world)) as portal:
        organizations = requests.get(f"{portal.url}/portal-api/v1/organizations",
                                     params={"page": 3, "size": 100}, timeout=5).json()
        total, entities = parse_organizations_page(organizations)
        assert (total, len(entities)) == (300, 100)
        entity = world.planted["month only in title дугаар"][0]
        answer = requests.get(f"{portal.url}/portal-api/v1/organization/{entity}/reports",
                              params={"year": 2026, "group": 5}, timeout=5).json()
        periods = {p["period"] for p in parse_reports(answer, 2026)}
        assert "2026-07" in periods
        unknown = requests.get(f"{portal.url}/portal-api/v1/organization/1/reports", params={"year": 2026},
                               timeout=5)
        assert unknown.status_code == 404
        first = parse_mof_page(requests.get(f"{portal.url}/c/budget-performance", timeout=5).content)
        assert len(first) == 10 and first[0]["date"] == world.mof_items[0].day.isoformat()
        past_end = requests.get(f"{portal.url}/c/budget-performance", params={"page": 99}, timeout=5)
        assert parse_mof_page(past_end.content) == []


# the check against the world, over HTTP

def _due(year: int, month: int, holidays_mn: Any) -> date:
    """Day 10 of the next month, moved past Saturdays, Sundays and MN public holidays."""
    day = date(year + 1, 1, 10) if month == 12 else date(year, month + 1, 10)
    while day.weekday() >= 5 or day in holidays_mn:
        day += timedelta(days=1)
    return day


def _judged(rule: str, agency: str, key: str, subject: str, due: date, published: date | None,
            as_of: date) -> tuple | None:
    if published is not None and published > due:
        return (rule, agency, key, subject, "late", due.isoformat(), published.isoformat(), (published - due).days, None)
    if published is None and as_of > due:
        return (rule, agency, key, subject, "missing", due.isoformat(), None, None, (as_of - due).days)
    return None


def expected_findings(world: BudgetWorld, as_of: date) -> set[tuple]:
    """rules.md section 3 applied to the world's own data: months January to the month before `as_of`."""
    holidays_mn = holidays.country_holidays("MN", years=range(as_of.year - 1, as_of.year + 2))
    months = [(as_of.year, m) for m in range(1, as_of.month)]
    posted: dict[tuple[int, int, int], list[date]] = {}
    for p in world.postings:
        if p.readable:
            posted.setdefault((p.entity_id, p.year, p.month), []).append(p.posted_at.date())
    expected = set()
    for entity in world.entities:
        agency = " ".join(entity.name.split())
        for year, month in months:
            dates = posted.get((entity.id, year, month), [])
            expected.add(_judged("budget.monthly_report", agency, str(entity.id), f"{entity.id}/{year}-{month:02d}",
                                 _due(year, month, holidays_mn), min(dates, default=None), as_of))
    for year, month in months:
        dates = [item.day for item in world.mof_items if item.reports == (year, month)]
        expected.add(_judged("budget.mof_consolidated", "Сангийн яам", "Сангийн яам", f"{year}-{month:02d}",
                             _due(year, month, holidays_mn), min(dates, default=None), as_of))
    return expected - {None}


def check_budget(tmp_path: Path, portal: DemoPortal, as_of: date) -> tuple[int, dict[str, Any]]:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[portals]\nshilendans = "{portal.url}"\nmof = "{portal.url}"\n'
                      "[fetch]\ndelay = 0\nbackoff = 0\nretries = 1\n", encoding="utf-8")
    out = io.StringIO()
    code = main(["--config", str(config), "--db", str(tmp_path / "monitor.db"), "check", "budget",
                 "--as-of", as_of.isoformat(), "--json"], stdout=out)
    return code, json.loads(out.getvalue())


def test_check_budget_against_the_demo_world_matches_the_rules(tmp_path, world):
    with DemoPortal(budget_routes(world)) as portal:
        code, output = check_budget(tmp_path, portal, AS_OF)
    assert code == 0
    assert [s["ok"] for s in output["sources"]] == [True, True, True]
    found = {(f["rule"], f["agency"], f["agency_key"], f["subject"], f["status"], f["due"], f["published"],
              f["days_late"], f["days_overdue"]) for f in output["findings"]}
    expected = expected_findings(world, AS_OF)
    assert found == expected
    assert len(output["findings"]) == len(expected)
    assert {f["state"] for f in output["findings"]} == {"new"}
    statuses = {f[4] for f in expected if f[0] == "budget.mof_consolidated"}
    assert statuses == {"late", "missing"}
    entity, _ = world.planted["no month"]
    assert [n["source"] for n in output["notes"]] == ["budget.reports"]
    assert output["notes"][0]["message"].startswith(f"entity {entity}, posting ")
    rows = {(a["rule"], a["agency_key"]): a for a in output["agencies"]}
    assert len(rows) == 301
    assert sum(a["met"] + a["late"] + a["missing"] + a["pending"] for a in rows.values()) == 301 * 10


def test_second_night_asks_only_the_entities_still_behind(tmp_path):
    first_world = build_budget_world(AS_OF, entities=120)
    with DemoPortal(budget_routes(first_world)) as portal:
        check_budget(tmp_path, portal, AS_OF)
        assert portal.hits["budget.reports"] == 120
    next_day = AS_OF + timedelta(days=1)
    second_world = build_budget_world(next_day, entities=120, anchor=AS_OF)
    months = [(2026, m) for m in range(1, 11)]
    stored = {(p.entity_id, (p.year, p.month)) for p in first_world.postings if p.readable}
    behind = {e.id for e in first_world.entities if any((e.id, m) not in stored for m in months)}
    assert 0 < len(behind) < 120
    with DemoPortal(budget_routes(second_world)) as portal:
        code, output = check_budget(tmp_path, portal, next_day)
        asked = {int(target.split("/")[4]) for _, target in portal.requests if "/reports" in target}
    assert code == 0
    assert asked == behind
    assert {f[:9] for f in expected_findings(second_world, next_day)} == {
        (f["rule"], f["agency"], f["agency_key"], f["subject"], f["status"], f["due"], f["published"],
         f["days_late"], f["days_overdue"]) for f in output["findings"]}
