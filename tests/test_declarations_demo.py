"""The demo declarations world, and `monitor check declarations` against it over real HTTP on 127.0.0.1.

The expected obligations are computed here from the world's own data (clean names, publication
dates, current organisations), with a calendar written out independently of monitor.calendar,
so the test is a second reading of rules.md.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import unicodedata
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
import pytest
import requests

from monitor.config import portal_defaults
from monitor.registry import available_checks
from checks.declarations.pages import LETTERS, parse_search
from monitor import cli
from demo.declarations_world import (IN_SCOPE_ORGANIZATIONS, TAX, DeclarationsWorld,
                                             build_declarations_world, declarations_routes)
from demo.server import DemoPortal, Fault
from monitor.store import Store

ANCHOR = date(2026, 11, 29)
RUNS = (date(2026, 3, 2), date(2026, 3, 31), date(2026, 6, 15))  # baseline, before the due date, after it
YEARS = (2024, 2025)  # the default: the two years before 2026
ROSTER_ONLY_ID = 99  # the world's ids have six digits


def roll(day: date) -> date:
    mn = holidays.country_holidays("MN", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in mn:
        day += timedelta(days=1)
    return day


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@pytest.fixture(scope="module")
def worlds() -> list[DeclarationsWorld]:
    return [build_declarations_world(day, anchor=ANCHOR) for day in RUNS]


# --- the world -----------------------------------------------------------------------------------

def test_the_world_is_deterministic_and_depends_on_the_seed():
    one, two = (build_declarations_world(ANCHOR) for _ in range(2))
    assert one == two
    assert build_declarations_world(ANCHOR, seed=1).officials != one.officials


def test_the_world_has_thousands_of_officials_hundreds_in_scope_some_moved_some_oddly_written(worlds):
    world = worlds[-1]
    by_organization = Counter(o.organization.name for o in world.officials)
    assert 2000 <= len(world.officials) <= 4000
    assert len(world.organizations) >= 40
    assert all(by_organization[name] >= 50 for name in IN_SCOPE_ORGANIZATIONS)
    assert 300 <= sum(by_organization[name] for name in IN_SCOPE_ORGANIZATIONS) <= 800
    moved = [o for o in world.officials if o.former is not None]
    assert moved and all(o.former.in_scope and not o.organization.in_scope for o in moved)
    assert any(o.written_first != o.first_name and " " in o.written_first for o in world.officials)
    assert any(unicodedata.normalize("NFC", o.written_first) != o.written_first for o in world.officials)
    assert any(o.organization_written != o.organization.name for o in world.officials if o.organization.in_scope)
    skipped = [o for o in world.officials if o.organization.in_scope and 2024 in o.years and 2025 not in o.years]
    assert skipped


def test_nothing_shown_is_dated_after_the_day_one_looks(worlds):
    for world in worlds:
        for official in world.officials:
            assert official.published and all(day <= world.as_of for day in official.published.values())
            assert official.assigned <= world.as_of
            assert official.moved_on is None or official.moved_on <= world.as_of


def test_an_earlier_look_shows_a_part_of_the_same_register(worlds):
    early, late = worlds[0], worlds[-1]
    later = {o.aid_user_num: o for o in late.officials}
    for official in early.officials:
        if official.aid_user_num in later:
            assert set(official.years) <= set(later[official.aid_user_num].years)


def test_search_answers_first_or_last_names_so_people_come_twice(worlds):
    world = worlds[-1]
    answered = [o.aid_user_num for letter in LETTERS for o in world.search(letter)]
    assert set(answered) == {o.aid_user_num for o in world.officials}
    assert len(answered) > len(set(answered))


def test_the_routes_answer_in_the_shapes_of_the_register(worlds):
    world = worlds[-1]
    official = next(o for o in world.officials if len(o.years) >= 2)
    with DemoPortal(declarations_routes(world)) as portal:
        answer = requests.post(f"{portal.url}/api/public/xacxom/search", json={"firstname": "Б"}, timeout=10)
        detail = requests.get(f"{portal.url}/api/public/xacxom/{official.aid_user_num}", timeout=10)
        bad = requests.post(f"{portal.url}/api/public/xacxom/search", data="x", timeout=10)
        unknown = requests.get(f"{portal.url}/api/public/xacxom/1", timeout=10)
        assert portal.hits == Counter({"declarations.search": 2, "declarations.declaration": 2})
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(answer.json()["retdata"][0]) == {"aid_user_num", "first_name", "last_name", "organization_name",
                                                "organization_id", "position_num", "position_name", "years"}
    assert {o["aid_user_num"] for o in parse_search(answer.json())} == {
        str(o.aid_user_num) for o in world.search("Б")}
    assert sorted(int(d["year"]) for d in detail.json()["retdata"]) == official.years
    assert set(detail.json()["retdata"][0]) >= {"org_names", "name", "position_name", "rocivilservice",
                                                "assigned_date", "year", "owner_total", "family_total",
                                                "lands", "transports", "loan_total_value"}
    assert bad.status_code == 400
    assert unknown.json() == {"retdata": []}


# --- end to end ----------------------------------------------------------------------------------

def roster_rows(world: DeclarationsWorld) -> tuple[list[list[str]], dict[str, int]]:
    """A roster: new hires of the tax authority by id, oddly written officials by names, two nobody knows.

    Returns the rows and, for each roster-added person (subject prefix), the aid it stands for (0: none).
    """
    names = Counter((o.organization.name, o.last_name, o.first_name) for o in world.officials)
    new_hires = [o for o in world.officials if o.organization.name == TAX and o.years == [2025]][:3]
    odd = [o for o in world.officials if o.organization.in_scope and 2024 not in o.years and o not in new_hires
           and names[(o.organization.name, o.last_name, o.first_name)] == 1
           and (o.written_first, o.written_last) != (o.first_name, o.last_name)][:2]
    assert len(new_hires) == 3 and len(odd) == 2
    rows = [["aid_user_num", "organization", "last_name", "first_name"]]
    rows += [[str(o.aid_user_num), TAX, o.last_name, o.first_name] for o in new_hires]
    rows += [["", f" {o.organization.name.upper()} ", f"{o.last_name}  ", o.first_name] for o in odd]
    rows += [[str(ROSTER_ONLY_ID), TAX, "Туршилт", "Жишээ"], ["", TAX, "Туршилтдаваа", "Жишээсүрэн"]]
    hashed = hashlib.sha256("\x1f".join((fold(TAX), fold("Туршилтдаваа"), fold("Жишээсүрэн"))).encode()).hexdigest()
    added = {str(o.aid_user_num): o.aid_user_num for o in new_hires + odd}
    added |= {str(ROSTER_ONLY_ID): 0, f"roster:{hashed[:16]}": 0}
    return rows, added


def expected_obligations(worlds: list[DeclarationsWorld], roster: dict[str, int]) -> dict[str, dict[str, Any]]:
    """subject -> status, agency key and figures on the last run, from the worlds of every run."""
    first_seen: dict[tuple[int, int], date] = {}
    for world in worlds:
        for official in world.officials:
            for year in official.years:
                first_seen.setdefault((official.aid_user_num, year), world.as_of)
    last = worlds[-1]
    as_of, baseline = last.as_of, worlds[0].as_of
    expected = {}
    for year in YEARS:
        due = roll(date(year + 1, 4, 1))
        for official in last.officials:
            listed = str(official.aid_user_num) in roster
            if not official.organization.in_scope or (year - 1 not in official.years and not listed):
                continue
            seen = first_seen.get((official.aid_user_num, year)) if year in official.years else None
            expected[f"{official.aid_user_num}/{year}"] = _judged(seen, baseline, due, as_of,
                                                                  str(official.organization.organization_id))
        for person, aid in roster.items():
            if aid == 0:
                expected[f"{person}/{year}"] = _judged(None, baseline, due, as_of, "311")
    return expected


def _judged(seen: date | None, baseline: date, due: date, as_of: date, agency_key: str) -> dict[str, Any]:
    if seen is not None and (seen == baseline or seen <= due):
        status, days = "met", None
    elif seen is not None:
        status, days = "late", (seen - due).days
    elif as_of > due:
        status, days = "missing", (as_of - due).days
    else:
        status, days = "pending", None
    return {"status": status, "agency_key": agency_key, "days": days}


def run_check(world: DeclarationsWorld, tmp_path: Path, roster: Path,
              fault: Fault | None = None) -> tuple[int, dict[str, Any]]:
    with DemoPortal(declarations_routes(world)) as portal:
        if fault is not None:
            portal.faults["declarations.search"] = fault
        config = tmp_path / "monitor.toml"
        config.write_text(
            "[portals]\n" + "".join(f'{name} = "{portal.url}"\n' for name in tuple(portal_defaults(available_checks())))
            + "[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 1\n"
            + f"[checks.declarations]\nroster = {json.dumps(str(roster))}\n", encoding="utf-8")
        out = io.StringIO()
        code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", "declarations",
                         "--as-of", world.as_of.isoformat(), "--json"], stdout=out)
        assert fault is not None or portal.hits == Counter({"declarations.search": len(LETTERS)})
    return code, json.loads(out.getvalue())


def test_three_nights_of_the_demo_register_match_the_rules(worlds, tmp_path):
    rows, roster = roster_rows(worlds[-1])
    roster_path = tmp_path / "roster.csv"
    with open(roster_path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    outputs = []
    for world in worlds:
        code, output = run_check(world, tmp_path, roster_path)
        assert code == 0 and all(source["ok"] for source in output["sources"])
        outputs.append(output)

    expected = expected_obligations(worlds, roster)
    store = Store(tmp_path / "m.db")
    got = {ob.subject: {"status": ob.status, "agency_key": ob.agency_key,
                        "days": ob.days_late if ob.status == "late" else ob.days_overdue}
           for ob in store.obligations("declarations")}
    stored_officials = store.records("declarations.official")
    store.close()
    assert got == expected
    statuses = Counter(ob["status"] for ob in expected.values())
    assert statuses["met"] > 100 and statuses["late"] > 10 and statuses["missing"] > 10

    findings = {f["subject"]: (f["status"], f["agency_key"], f["days_late"] or f["days_overdue"])
                for f in outputs[-1]["findings"]}
    assert findings == {s: (e["status"], e["agency_key"], e["days"]) for s, e in expected.items()
                        if e["status"] in ("late", "missing")}
    earlier = {f["subject"]: f["status"] for f in outputs[1]["findings"]}
    states = Counter(f["state"] for f in outputs[-1]["findings"])
    assert states["new"] == sum(1 for s in findings if s not in earlier)
    assert states["resolved"] == sum(1 for s, f in findings.items() if earlier.get(s) == "missing" and f[0] == "late")

    counts = Counter((ob["agency_key"], ob["status"]) for ob in expected.values())
    for row in outputs[-1]["agencies"]:
        for status in ("met", "late", "missing", "pending", "unknown"):
            assert row[status] == counts[(row["agency_key"], status)], (row, status)

    everyone = {str(o.aid_user_num) for world in worlds for o in world.officials}
    assert set(stored_officials) == everyone  # each person stored once, whatever letters answered them
    moved = [o for o in worlds[-1].officials if o.former and {2024, 2023} & set(o.years)]
    assert moved and not any(s.startswith(f"{o.aid_user_num}/") for o in moved for s in got)


def test_a_night_the_register_is_down_changes_nothing_and_accuses_nobody(worlds, tmp_path):
    rows, _ = roster_rows(worlds[-1])
    roster_path = tmp_path / "roster.csv"
    with open(roster_path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    _, before = run_check(worlds[-1], tmp_path, roster_path)
    store = Store(tmp_path / "m.db")
    judged = {ob.subject for ob in store.obligations("declarations")}
    store.close()
    down = worlds[-1].as_of + timedelta(days=1)
    code, after = run_check(build_declarations_world(down, anchor=ANCHOR), tmp_path, roster_path,
                            Fault(status=503))
    assert code == 3
    assert after["sources"][0]["error"].startswith("letter А: HTTP 503 after 2 tries")
    store = Store(tmp_path / "m.db")
    obligations = store.obligations("declarations")
    store.close()
    assert {ob.subject for ob in obligations} == judged
    assert {ob.status for ob in obligations} == {"unknown"}
    assert {(f["subject"], f["status"], f["due"]) for f in after["findings"]} == {
        (f["subject"], f["status"], f["due"]) for f in before["findings"]}
    assert not any(f["rechecked"] for f in after["findings"])
