"""The demo extractives world: the cadastre and the e-reporting portal in the shapes of the samples.

The answers are read here with plain json and a regex, not with the check's parsers, and the due
date is rolled with a calendar written out here, so the test is a second reading of portals.md 5.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
import requests

from demo.extractives_world import (EXPIRED, EXPLORATION, MINING, REVOKED, SUSPENDED, VALID,
                                            ExtractivesWorld, build_extractives_world, extractives_routes)
from demo.server import DemoPortal
from demo.worlds import WorldSizes

SAMPLES = Path(__file__).parent / "fixtures"
ANCHOR = date(2026, 11, 29)
YEAR = 2025
LICENSE_OBJECT = re.compile(r"var license = (\{.*?\});", re.S)
REPORT_FORM = {"year": str(YEAR), "aimagId": "", "isSubmited": "1", "entityTin": "", "licenseNumber": "",
               "pageSize": "10000", "sortColumn": "submittedDate", "sortType": "desc"}


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def roll(day: date) -> date:
    mn = holidays.country_holidays("MN", years=day.year)
    while day.weekday() >= 5 or day in mn:
        day += timedelta(days=1)
    return day


DUE = roll(date(YEAR + 1, 4, 15))


def grid(portal: DemoPortal, page: int, rows: int = 500) -> dict:
    params = {"page": page, "rows": rows, "sidx": "Id", "sord": "asc", "_search": "false"}
    return requests.get(f"{portal.url}/CMCS/License/GridData", params=params, timeout=10).json()


def detail(portal: DemoPortal, licence_id: int) -> requests.Response:
    return requests.get(f"{portal.url}/CMCS/License/Details/{licence_id}", timeout=10)


def reports(portal: DemoPortal, **form: str) -> list[dict]:
    answer = requests.post(f"{portal.url}/reportListAppend/", data={**REPORT_FORM, **form}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json; charset=utf-8"
    return answer.json()["data"]


@pytest.fixture(scope="module")
def world() -> ExtractivesWorld:
    return build_extractives_world(ANCHOR)


@pytest.fixture
def portal(world: ExtractivesWorld):
    with DemoPortal(extractives_routes(world)) as served:
        yield served


def by_code(world: ExtractivesWorld) -> dict:
    return {licence.code: licence for licence in world.licences}


# --- the world ---------------------------------------------------------------------------------

def test_the_world_is_deterministic_and_does_not_depend_on_the_day_one_looks(world):
    assert build_extractives_world(ANCHOR) == world
    assert build_extractives_world(ANCHOR, seed=7).licences != world.licences
    earlier = build_extractives_world(ANCHOR - timedelta(days=14), anchor=ANCHOR)
    assert (earlier.licences, earlier.reports, earlier.planted) == (world.licences, world.reports, world.planted)


def test_a_few_hundred_licences_of_both_kinds_and_every_status_held_by_companies(world):
    listed = world.listed()
    assert len(world.licences) == 300 and 280 <= len(listed) <= 300
    statuses = Counter(licence.status for licence in listed)
    assert set(statuses) == {VALID, REVOKED, EXPIRED, SUSPENDED}
    assert 0.5 <= statuses[VALID] / len(listed) <= 0.7
    assert {licence.kind for licence in listed} == {MINING, EXPLORATION}
    assert all(re.fullmatch(r"MV-0\d{5}" if lic.kind == MINING else r"XV-0\d{5}", lic.code) for lic in listed)
    assert len({licence.aimag_id for licence in listed}) >= 15
    assert {holder.name.rsplit(" ", 1)[1] for holder in world.holders} == {"ХХК", "ХК", "ТӨХК"}
    assert all(re.fullmatch(r"\d{7}", holder.reg_no) for holder in world.holders)
    assert len({holder.reg_no for holder in world.holders}) == len(world.holders)
    assert max(Counter(licence.holder for licence in listed).values()) >= 5


def test_reports_come_on_time_late_and_never(world):
    reported = {r.license_number.strip().upper(): r.submitted.date() for r in world.submitted(YEAR)}
    in_scope = [lic for lic in world.listed() if lic.status == VALID and lic.granted <= date(YEAR, 12, 31)]
    days = Counter("missing" if lic.code not in reported else "late" if reported[lic.code] > DUE else "on time"
                   for lic in in_scope)
    assert days["on time"] > 50 and days["late"] > 10 and days["missing"] > 10
    assert world.submitted(YEAR - 1) and not world.submitted(YEAR + 1)


def test_the_planted_cases_are_there(world):
    licences, year_end = by_code(world), date(YEAR, 12, 31)
    rows = {r.license_number: r for r in world.submitted(YEAR)}
    planted = world.planted
    for case in ("on_time", "late", "missing", "lower_case_code", "no_submitted_date", "no_regno",
                 "granted_january", "granted_after_year", "caught_up"):
        assert licences[planted[case]].status == VALID, case
    assert rows[planted["on_time"]].submitted.date() < date(YEAR + 1, 4, 15)
    assert rows[planted["late"]].submitted.date() > DUE
    assert rows[planted["caught_up"]].submitted.date() == ANCHOR - timedelta(days=4)
    assert licences[planted["newly_granted"]].granted == ANCHOR - timedelta(days=4)
    assert planted["lower_case_code"] == "MV-017129" and " mv-017129 " in rows
    assert not rows[planted["no_submitted_date"]].dated
    assert not licences[planted["no_regno"]].reg_no_shown
    assert licences[planted["granted_january"]].granted == date(YEAR, 1, 20)
    assert licences[planted["granted_after_year"]].granted > year_end
    assert licences[planted["revoked"]].status == REVOKED
    assert planted["unlisted_licence"] in rows and planted["unlisted_licence"] not in licences
    unreported = {r.license_number.strip().upper() for r in world.reports if r.year == YEAR}
    for case in ("missing", "no_regno", "granted_after_year", "revoked"):
        assert planted[case] not in unreported, case


def test_national_sizes_ask_thousands_of_licences_60_percent_valid_three_quarters_of_them_reported():
    assert WorldSizes().licences == 300
    assert WorldSizes.national(1.0).licences == 3745 and WorldSizes.national(0.001).licences == 100
    world = build_extractives_world(ANCHOR, licences=3745)
    valid = [lic for lic in world.listed() if lic.status == VALID]
    reported = {r.license_number.strip().upper() for r in world.submitted(YEAR)}
    assert 3600 <= len(world.listed()) <= 3745
    assert 0.55 <= len(valid) / len(world.listed()) <= 0.65
    assert 0.68 <= sum(lic.code in reported for lic in valid) / len(valid) <= 0.82


# --- the served answers ----------------------------------------------------------------------------

def test_the_grid_answers_in_the_sample_shape_and_pages_by_500():
    world = build_extractives_world(ANCHOR, licences=1200)
    shape = json.loads(sample("cadastre/licences/sample.json"))
    with DemoPortal(extractives_routes(world)) as portal:
        pages = [grid(portal, page) for page in (1, 2, 3)]
        past_end = grid(portal, 4)
        asked = {target for _, target in portal.requests}
    assert list(pages[0]) == list(shape)
    assert list(pages[0]["rows"][0]) == ["id", "cell"]
    assert [type(v) for v in pages[0]["rows"][0]["cell"]] == [type(v) for v in shape["rows"][0]["cell"]]
    assert [len(p["rows"]) for p in pages][:2] == [500, 500] and [p["page"] for p in pages] == [1, 2, 3]
    assert all((p["total"], p["records"]) == (3, len(world.listed())) for p in pages)
    ids = [row["id"] for p in pages for row in p["rows"]]
    assert ids == sorted(set(ids)) == [lic.id for lic in world.listed()]
    assert past_end == {"total": 3, "page": 4, "records": len(world.listed()), "rows": []}
    assert all(re.search(r"rows=500&sidx=Id&sord=asc&_search=false", target) for target in asked)


def test_the_detail_page_holds_a_json_object_of_the_sample_keys(world, portal):
    shape = json.loads(LICENSE_OBJECT.search(sample("cadastre/licence_detail/sample.html")).group(1))
    late, no_regno = by_code(world)[world.planted["late"]], by_code(world)[world.planted["no_regno"]]
    page = detail(portal, late.id)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    shown = json.loads(LICENSE_OBJECT.search(page.text).group(1))
    assert list(shown) == list(shape)
    assert {k: type(v) for k, v in shown.items() if k != "Hectares"} == {
        k: type(v) for k, v in shape.items() if k != "Hectares"}
    assert isinstance(shown["Hectares"], (int, float)) and shown["Hectares"] == float(late.hectares)
    assert (shown["Code"], shown["StatusName"], shown["HolderLookup"]) == (late.code, VALID, late.holder.name)
    assert re.fullmatch(r"\d{7}", shown["HolderRegNo"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", shown["GrantedDate"]) and shown["GrantedDate"] == late.granted.isoformat()
    assert json.loads(LICENSE_OBJECT.search(detail(portal, no_regno.id).text).group(1))["HolderRegNo"] is None
    assert detail(portal, 1).status_code == 404


def test_the_reports_answer_in_the_sample_shape_newest_first(world, portal):
    shape = json.loads(sample("eiti/sample.json"))["data"]
    rows = reports(portal)
    assert len(rows) == len(world.submitted(YEAR))
    assert {tuple(row) for row in rows} == {tuple(row) for row in shape}  # key sets and order, dated or not
    assert all(row["statusName"] == "Илгээсэн" and row["year"] == YEAR for row in rows)
    dated = [row["submittedDate"] for row in rows if "submittedDate" in row]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stamp) for stamp in dated)
    assert dated == sorted(dated, reverse=True) and "submittedDate" not in rows[-1]
    assert " mv-017129 " in {row["licenseNumber"] for row in rows}
    assert reports(portal, year=str(YEAR + 3)) == []
    assert requests.post(f"{portal.url}/reportListAppend/", data={}, timeout=10).status_code == 400


def test_reports_and_licences_appear_only_from_their_dates():
    world = build_extractives_world(ANCHOR)
    planted, licences = world.planted, by_code(world)
    late_day = next(r.submitted.date() for r in world.reports if r.license_number == planted["late"])
    new_licence = licences[planted["granted_after_year"]]

    def shown(today: date) -> tuple[set[str], set[int], int]:
        world.today = today
        return ({row["licenseNumber"] for row in reports(portal)}, {row["id"] for row in grid(portal, 1)["rows"]},
                detail(portal, new_licence.id).status_code)

    with DemoPortal(extractives_routes(world)) as portal:
        assert planted["late"] not in shown(late_day - timedelta(days=1))[0]
        assert planted["late"] in shown(late_day)[0]
        _, listed, status = shown(new_licence.granted - timedelta(days=1))
        assert new_licence.id not in listed and status == 404
        _, listed, status = shown(new_licence.granted)
        assert new_licence.id in listed and status == 200
        a_week_ago, today = shown(ANCHOR - timedelta(days=7)), shown(ANCHOR)
    assert planted["caught_up"] in today[0] - a_week_ago[0]
    assert licences[planted["newly_granted"]].id in today[1] - a_week_ago[1]
