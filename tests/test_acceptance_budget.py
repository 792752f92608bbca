"""Acceptance of `monitor check budget --json` against rules.md, interface.md and portals.md.

Written as the acceptance harness would: small hand-written worlds served on fake base URLs with
`responses`, the CLI run in-process, and every expected finding, agency row and source entry
derived by hand from the specification (never from running the code). Due dates were worked out
from the `holidays` package's MN calendar, which rules.md names as the truth:
2026-01-01, 2026-02-18..20 (Tsagaan Sar), 2026-03-08, 2026-05-31, 2026-06-01, 2026-07-10..15
(Naadam), 2026-11-10 (Genghis Khan's birthday), 2026-11-26, 2026-12-29; 2025-03-01..03, 2025-07-10..15,
2025-11-21, 2025-11-26, 2025-12-29; 2027-01-01, 2027-02-07..09.

Where the code disagrees with the specification the test is `xfail(strict=True)` with the reason.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from expectations import CheckOutput, MockedMonitor

GLASS, MOF = "https://glass.accept.test", "https://mof.accept.test"
PORTALS = {"tender_opendata": "https://opendata.accept.test", "tender": "https://tender.accept.test",
           "shilendans": GLASS, "mof": MOF, "xacxom": "https://xacxom.accept.test",
           "legalinfo": "https://legal.accept.test", "parliament": "https://parliament.accept.test"}
SOURCES = ["budget.organizations", "budget.reports", "budget.mof"]
MONTHLY, MOF_RULE = "budget.monthly_report", "budget.mof_consolidated"
MINISTRY_NAME = "Сангийн яам"

E1 = {"id": 30156, "name": "Сангийн яам", "registerNo": "2011964", "budgetGovernor": "САНГИЙН САЙД",
      "parentId": None}
# extra and trailing spaces: the agency is the name with whitespace runs collapsed and trimmed
E2 = {"id": 41207, "name": "  Хөвсгөл аймгийн  Засаг даргын Тамгын газар ", "registerNo": "5012345",
      "budgetGovernor": "ХӨВСГӨЛ АЙМГИЙН ЗАСАГ ДАРГА", "parentId": None}
E2_NAME = "Хөвсгөл аймгийн Засаг даргын Тамгын газар"
# decomposed Unicode (й as и + U+0306): the agency is the NFC name
E3_NAME = "Мөрөн сумын ерөнхий боловсролын сургууль"
E3 = {"id": 52318, "name": unicodedata.normalize("NFD", E3_NAME), "registerNo": "6023456",
      "budgetGovernor": "МӨРӨН СУМЫН ЗАСАГ ДАРГА", "parentId": 41207}


def post(report_id: int, year: int, month: int | None, posted: str, title: str | None = None,
         group: int = 5) -> dict[str, Any]:
    """One posting of portals.md 2b; month=None leaves the `month` field out (read it from the title)."""
    item: dict[str, Any] = {"reportId": report_id, "group": group, "year": year}
    if month is not None:
        item["month"] = month
    item["title"] = title or f"Төсвийн гүйцэтгэлийн {year} оны {month}-р сарын мэдээ"
    item["postedDate"] = posted
    item["fileUrl"] = f"/files/{report_id}.xlsx"
    return item


def mof_item(href: int, title: str, day: str) -> tuple[str, str, str]:
    return (f"/article/{href}", title, day)


@dataclass
class World:
    """The Glass Account (2a, 2b) and the Ministry of Finance listing (2c), as one fake portal."""

    entities: list[dict[str, Any]]
    postings: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)
    mof: list[tuple[str, str, str]] = field(default_factory=list)  # newest first
    failing: dict[Any, int] = field(default_factory=dict)           # "organizations", "mof" or an entity id
    mof_garbled: bool = False

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, re.compile(rf"{GLASS}/portal-api/v1/organizations(\?.*)?$"),
                          callback=self._organizations)
        rsps.add_callback(responses.GET, re.compile(rf"{GLASS}/portal-api/v1/organization/\d+/reports(\?.*)?$"),
                          callback=self._reports)
        rsps.add_callback(responses.GET, re.compile(rf"{MOF}/c/budget-performance(\?.*)?$"), callback=self._mof)

    def _organizations(self, request: Any) -> tuple[int, dict, str]:
        if self.failing.get("organizations") == "layout":
            return 200, {}, json.dumps({"result": "error", "message": "Системийн алдаа"}, ensure_ascii=False)
        if "organizations" in self.failing:
            return self.failing["organizations"], {}, "<h1>Internal Server Error</h1>"
        query = _query(request.url)
        page, size = int(query["page"]), int(query["size"])
        items = self.entities[(page - 1) * size:page * size]
        return 200, {}, json.dumps({"total": len(self.entities), "page": page, "size": size, "items": items},
                                   ensure_ascii=False)

    def _reports(self, request: Any) -> tuple[int, dict, str]:
        entity = int(re.search(r"/organization/(\d+)/reports", request.url)[1])
        failure = self.failing.get(entity, self.failing.get("reports"))
        if failure == "layout":
            return 200, {}, json.dumps({"error": "not found"})
        if failure is not None:
            return self.failing.get(entity, self.failing.get("reports")), {}, "<h1>Internal Server Error</h1>"
        query = _query(request.url)
        assert query["group"] == "5"
        return 200, {}, json.dumps({"items": self.postings.get((entity, int(query["year"])), [])},
                                   ensure_ascii=False)

    def _mof(self, request: Any) -> tuple[int, dict, str]:
        if "mof" in self.failing:
            return self.failing["mof"], {}, "<h1>Internal Server Error</h1>"
        if self.mof_garbled:
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<html><body><div>Засвартай</div></body></html>"
        page = int(_query(request.url).get("page", "1"))
        rows = "".join(f'<li class="news-item"><a href="{href}">{title}</a>\n      <span class="date">{day}</span></li>\n'
                       for href, title, day in self.mof[(page - 1) * 10:page * 10])
        return 200, {"Content-Type": "text/html; charset=utf-8"}, (
            '<!DOCTYPE html><html lang="mn"><head><meta charset="utf-8"><title>Төсвийн гүйцэтгэл</title></head>'
            f'<body><main><ul class="news-list">\n{rows}</ul></main></body></html>')


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class Monitor:
    """One configuration and one database; `check(day, world)` is `monitor check budget --as-of day --json`."""

    def __init__(self, tmp_path: Path, monitor: dict[str, Any] | None = None, **budget: Any) -> None:
        self.mocked = MockedMonitor(tmp_path, PORTALS, "budget", budget, monitor)

    def check(self, day: str, world: World) -> CheckOutput:
        return CheckOutput(*self.mocked.run(day, world))


def finding(rule: str, agency: str, key: str, subject: str, status: str, due: str, *, published: str | None = None,
            days_late: int | None = None, days_overdue: int | None = None, state: str = "new",
            rechecked: bool = True) -> dict[str, Any]:
    return {"rule": rule, "agency": agency, "agency_key": key, "subject": subject, "status": status, "due": due,
            "published": published, "days_late": days_late, "days_overdue": days_overdue, "state": state,
            "rechecked": rechecked}


def row(rule: str, agency: str, key: str, met: int = 0, late: int = 0, missing: int = 0, pending: int = 0,
        unknown: int = 0, rate: float | None = None) -> dict[str, Any]:
    return {"rule": rule, "agency": agency, "agency_key": key, "met": met, "late": late, "missing": missing,
            "pending": pending, "unknown": unknown, "on_time_rate": rate}


def sorted_rows(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda a: (a["rule"], a["agency_key"]))


def sorted_findings(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda f: (f["rule"], f["agency_key"], f["subject"]))


def all_ok(result: CheckOutput) -> None:
    assert result.code == 0
    assert result.output["sources"] == [{"name": name, "ok": True, "error": None} for name in SOURCES]


def mof_report(href: int, year: int, month: int, day: str, form: str = "дугаар") -> tuple[str, str, str]:
    """A Ministry item naming `year`-`month` and containing гүйцэтгэл."""
    named = f"{month}-р" if form == "р" else f"{month} {form}"
    return mof_item(href, f"{year} оны {named} сарын улсын нэгдсэн төсвийн гүйцэтгэл", day)


# --- due dates: the 10th of the next month, rolled off weekends and MN holidays -----------------------

@pytest.mark.parametrize("month, due, as_of, overdue", [
    ("2026-01", "2026-02-10", "2026-02-20", 10),   # Tuesday; Tsagaan Sar (18-20 Feb) comes later
    ("2026-03", "2026-04-10", "2026-04-13", 3),    # Friday
    ("2026-04", "2026-05-11", "2026-05-20", 9),    # 10 May is a Sunday
    ("2026-06", "2026-07-16", "2026-07-31", 15),   # 10 Jul Naadam (Fri), 11-12 weekend+Naadam, 13-15 Naadam
    ("2026-09", "2026-10-12", "2026-10-20", 8),    # 10 Oct is a Saturday
    ("2026-10", "2026-11-11", "2026-11-30", 19),   # 10 Nov 2026 is Genghis Khan's birthday (Tue)
    ("2025-12", "2026-01-12", "2026-01-15", 3),    # start_month in the previous year; 10 Jan 2026 Sat
    ("2026-12", "2027-01-11", "2027-01-29", 18),   # 10 Jan 2027 is a Sunday
])
def test_due_on_the_10th_rolled_met_at_2359_late_a_day_after_missing(tmp_path, month, due, as_of, overdue):
    year, number = int(month[:4]), int(month[5:])
    day_after = {"2026-02-10": "2026-02-11", "2026-04-10": "2026-04-11", "2026-05-11": "2026-05-12",
                 "2026-07-16": "2026-07-17", "2026-10-12": "2026-10-13", "2026-11-11": "2026-11-12",
                 "2026-01-12": "2026-01-13", "2027-01-11": "2027-01-12"}[due]
    world = World([E1, E2, E3], {
        (30156, year): [post(1, year, number, f"{due} 23:59:59")],          # on the due date, at 23:59
        (52318, year): [post(2, year, number, f"{day_after} 00:00:01")],    # a second into the next day
    }, mof=[mof_report(1, year, number, due.replace("-", "."))])
    result = Monitor(tmp_path, start_month=month).check(as_of, world)
    all_ok(result)
    assert result.output["check"] == "budget" and result.output["as_of"] == as_of
    assert result.findings == sorted_findings(
        finding(MONTHLY, E2_NAME, "41207", f"41207/{month}", "missing", due, days_overdue=overdue),
        finding(MONTHLY, E3_NAME, "52318", f"52318/{month}", "late", due, published=day_after, days_late=1),
    )
    assert result.agencies == sorted_rows(
        row(MONTHLY, "Сангийн яам", "30156", met=1),
        row(MONTHLY, E2_NAME, "41207", missing=1),
        row(MONTHLY, E3_NAME, "52318", late=1),
        row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1),
    )


def test_configured_days_off_move_the_due_date(tmp_path):
    """[monitor] days_off: 10 Mar 2026 (Tue) declared a day off moves February's due date to 11 Mar."""
    world = World([E1], {(30156, 2026): [post(1, 2026, 2, "2026-03-11 12:00:00")]},
                  mof=[mof_report(1, 2026, 2, "2026.03.12")])
    result = Monitor(tmp_path, {"days_off": ["2026-03-10"]}, start_month="2026-02").check("2026-03-20", world)
    all_ok(result)
    assert result.findings == [finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", "late", "2026-03-11",
                                       published="2026-03-12", days_late=1)]
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, late=1))


# --- one world, every status, the agency rows ---------------------------------------------------------

def full_world() -> World:
    """As of 2026-07-14: months Jan-Jun 2026 in scope; June (due 16 Jul) still pending."""
    return World([E1, E2, E3], {
        (30156, 2026): [post(101, 2026, 1, "2026-02-09 10:00:00"), post(102, 2026, 2, "2026-03-10 17:00:00"),
                        post(103, 2026, 3, "2026-04-08 09:00:00"), post(104, 2026, 4, "2026-05-11 23:59:00"),
                        post(105, 2026, 5, "2026-06-10 08:00:00")],
        (41207, 2026): [post(201, 2026, 1, "2026-02-10 11:00:00"),
                        post(212, 2026, 2, "2026-03-25 10:00:00"),             # a later copy of February
                        post(202, 2026, 2, "2026-03-12 15:30:00"),             # the earliest: 2 days late
                        post(204, 2026, 4, "2026-05-11 16:00:00"),
                        post(215, 2026, 5, "2026-06-20 10:00:00"),             # a later copy of May
                        post(205, 2026, 5, "2026-06-10 09:00:00"),
                        post(206, 2026, 6, "2026-07-13 12:00:00")],            # before its due date, in Naadam
        (52318, 2026): [post(301, 2026, None, "2026-02-05 10:00:00",
                             "Мөрөн сумын ЕБС-ийн төсвийн гүйцэтгэлийн 2026 оны 1-р сарын мэдээ"),
                        post(302, 2026, None, "2026-03-05 10:00:00",
                             "Мөрөн сумын ЕБС-ийн төсвийн гүйцэтгэлийн 2026 оны 2 дугаар сарын мэдээ"),
                        post(303, 2026, 3, "2026-04-06 10:00:00"), post(304, 2026, 4, "2026-05-06 10:00:00"),
                        post(305, 2026, 5, "2026-06-05 10:00:00"),
                        post(306, 2026, 6, "2026-07-01 10:00:00", "Хөрөнгө оруулалтын мэдээ", group=3)],
    }, mof=[
        mof_item(21, "2026 оны 5 дугаар сарын улсын нэгдсэн төсвийн гүйцэтгэл (засварласан)", "2026.06.20"),
        mof_report(20, 2026, 5, "2026.06.09"),
        mof_report(19, 2026, 4, "2026.05.11", form="дүгээр"),
        mof_item(18, "2026 оны 3 дугаар сарын төсвийн тодотголын танилцуулга", "2026.04.08"),  # no гүйцэтгэл
        mof_report(17, 2026, 2, "2026.03.11", form="р"),
        mof_report(16, 2026, 1, "2026.02.09", form="дүгээр"),
        mof_report(15, 2025, 3, "2025.04.09"),                                             # another year's March
        mof_report(14, 2025, 2, "2025.03.10"),
    ])


def test_every_status_and_the_agency_rows(tmp_path):
    result = Monitor(tmp_path).check("2026-07-14", full_world())
    all_ok(result)
    assert result.findings == sorted_findings(
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-02", "late", "2026-03-10", published="2026-03-12", days_late=2),
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-03", "missing", "2026-04-10", days_overdue=95),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", "late", "2026-03-10", published="2026-03-11",
                days_late=1),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-03", "missing", "2026-04-10", days_overdue=95),
    )
    assert result.agencies == sorted_rows(
        row(MONTHLY, "Сангийн яам", "30156", met=5, pending=1, rate=1.0),
        row(MONTHLY, E2_NAME, "41207", met=4, late=1, missing=1, rate=pytest.approx(4 / 6)),
        row(MONTHLY, E3_NAME, "52318", met=5, pending=1, rate=1.0),   # the group-3 item is not June's report
        row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=3, late=1, missing=1, pending=1, rate=0.6),
    )


def test_same_day_rerun_gives_the_same_output(tmp_path):
    monitor = Monitor(tmp_path)
    first = monitor.check("2026-07-14", full_world())
    second = monitor.check("2026-07-14", full_world())
    assert (second.code, second.output) == (first.code, first.output)
    assert {f["state"] for f in second.output["findings"]} == {"new"}


def test_under_five_due_is_too_few_to_rate(tmp_path):
    """As of 2026-05-20: Jan-Apr are all due (April's on 11 May): four due obligations, no rate."""
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-02 10:00:00"), post(2, 2026, 2, "2026-03-02 10:00:00"),
                                         post(3, 2026, 3, "2026-04-02 10:00:00"), post(4, 2026, 4, "2026-05-04 10:00:00")]})
    result = Monitor(tmp_path).check("2026-05-20", world)
    all_ok(result)
    assert result.findings == sorted_findings(
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-01", "missing", "2026-02-10", days_overdue=99),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", "missing", "2026-03-10", days_overdue=71),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-03", "missing", "2026-04-10", days_overdue=40),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-04", "missing", "2026-05-11", days_overdue=9),
    )
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=4),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, missing=4))


def test_exactly_five_due_is_rated(tmp_path):
    """As of 2026-06-15: Jan-May all due (May's on 10 Jun): 4 met, 1 late."""
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-02 10:00:00"), post(2, 2026, 2, "2026-03-02 10:00:00"),
                                         post(3, 2026, 3, "2026-04-13 10:00:00"), post(4, 2026, 4, "2026-05-04 10:00:00"),
                                         post(5, 2026, 5, "2026-06-10 23:00:00")]})
    result = Monitor(tmp_path).check("2026-06-15", world)
    all_ok(result)
    assert [f for f in result.findings if f["rule"] == MONTHLY] == [
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-03", "late", "2026-04-10", published="2026-04-13",
                days_late=3)]
    assert [a for a in result.agencies if a["rule"] == MONTHLY] == [
        row(MONTHLY, "Сангийн яам", "30156", met=4, late=1, rate=0.8)]


def test_january_run_has_no_month_in_scope(tmp_path):
    """start_month empty = January of the run's year; on 15 Jan nothing before the run's month is in scope."""
    world = World([E1], {(30156, 2026): []})
    result = Monitor(tmp_path).check("2026-01-15", world)
    all_ok(result)
    assert result.findings == [] and result.agencies == []


def test_start_month_in_the_previous_year(tmp_path):
    """start_month 2025-11 as of 2026-02-20: Nov 2025 (due 10 Dec 2025), Dec 2025 (12 Jan 2026), Jan 2026 (10 Feb)."""
    world = World([E1], {
        (30156, 2025): [post(1, 2025, 11, "2025-12-10 10:00:00"), post(2, 2025, 12, "2026-01-13 10:00:00")],
        (30156, 2026): [],
    }, mof=[mof_report(3, 2025, 12, "2026.01.12"), mof_report(2, 2025, 11, "2025.12.09", form="дүгээр"),
            mof_report(1, 2025, 10, "2025.11.10")])
    result = Monitor(tmp_path, start_month="2025-11").check("2026-02-20", world)
    all_ok(result)
    assert result.findings == sorted_findings(
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2025-12", "late", "2026-01-12", published="2026-01-13",
                days_late=1),
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-01", "missing", "2026-02-10", days_overdue=10),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-01", "missing", "2026-02-10", days_overdue=10),
    )
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=1, late=1, missing=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2, missing=1))


def test_entities_filter_by_id_and_by_name(tmp_path):
    world = World([E1, E2, E3], {(41207, 2026): [post(1, 2026, 1, "2026-02-12 10:00:00")]},
                  mof=[mof_report(1, 2026, 1, "2026.02.10")])
    result = Monitor(tmp_path, entities=[41207, E3_NAME]).check("2026-02-20", world)
    all_ok(result)
    assert result.findings == sorted_findings(
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "late", "2026-02-10", published="2026-02-12", days_late=2),
        finding(MONTHLY, E3_NAME, "52318", "52318/2026-01", "missing", "2026-02-10", days_overdue=10),
    )
    assert result.agencies == sorted_rows(row(MONTHLY, E2_NAME, "41207", late=1),
                                          row(MONTHLY, E3_NAME, "52318", missing=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1))


def test_organisations_listing_over_several_pages(tmp_path):
    """120 entities: two pages of 100; every one is judged, once."""
    entities = [{"id": 70000 + i, "name": f"Туршилтын {i}-р сургууль", "registerNo": str(9000000 + i),
                 "budgetGovernor": "ЗАСАГ ДАРГА", "parentId": None} for i in range(120)]
    postings = {(70000 + i, 2026): [post(i, 2026, 1, "2026-02-09 10:00:00")] for i in range(119)}
    world = World(entities, postings, mof=[mof_report(1, 2026, 1, "2026.02.09")])
    result = Monitor(tmp_path).check("2026-02-20", world)
    all_ok(result)
    assert result.findings == [finding(MONTHLY, "Туршилтын 119-р сургууль", "70119", "70119/2026-01", "missing",
                                       "2026-02-10", days_overdue=10)]
    assert len(result.agencies) == 121
    assert sum(a["met"] for a in result.agencies if a["rule"] == MONTHLY) == 119


def test_entity_no_longer_listed_is_out_of_scope(tmp_path):
    monitor = Monitor(tmp_path)
    world = World([E1, E2], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00")]},
                  mof=[mof_report(1, 2026, 1, "2026.02.09")])
    assert monitor.check("2026-02-20", world).findings == [
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10", days_overdue=10)]
    world.entities = [E1]
    second = monitor.check("2026-02-21", world)
    all_ok(second)
    assert second.findings == []
    assert second.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1))


# --- the Ministry of Finance listing ------------------------------------------------------------------

def test_mof_item_on_the_second_page_and_other_date_forms(tmp_path):
    """Ten unrelated items first; January's and February's reports follow on page 2."""
    news = [mof_item(100 + i, f"Сангийн яамны мэдээлэл №{i}", f"2026.03.{20 - i:02d}") for i in range(10)]
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00"), post(2, 2026, 2, "2026-03-09 10:00:00")]},
                  mof=[*news, mof_report(2, 2026, 2, "2026-03-10"), mof_report(1, 2026, 1, "09/02/2026", form="дүгээр"),
                       mof_report(0, 2025, 12, "2026.01.09")])
    result = Monitor(tmp_path).check("2026-03-20", world)
    all_ok(result)
    assert result.findings == []
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


def test_mof_title_needs_performance_and_the_month_of_that_year(tmp_path):
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00")]}, mof=[
        mof_item(3, "2026 оны 1 дүгээр сарын төсвийн тодотголын төсөл", "2026.02.05"),     # no гүйцэтгэл
        mof_item(2, "Төсвийн гүйцэтгэлийн тайлан", "2026.02.05"),                          # no month
        mof_report(1, 2025, 1, "2026.02.04", form="дүгээр"),                               # January 2025
    ])
    result = Monitor(tmp_path).check("2026-02-20", world)
    all_ok(result)
    assert result.findings == [finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-01", "missing", "2026-02-10",
                                       days_overdue=10)]


# --- sources that cannot be read ----------------------------------------------------------------------

def _one_line_error(result: CheckOutput, source: str, starts: str) -> str:
    entry = result.sources[source]
    assert entry["ok"] is False
    assert entry["error"].startswith(starts) and "\n" not in entry["error"]
    return entry["error"]


@pytest.mark.parametrize("failure, starts", [({"failing": {"mof": 500}}, "HTTP 500"),
                                             ({"mof_garbled": True}, "layout changed")])
def test_mof_unreadable_makes_its_obligations_unknown(tmp_path, failure, starts):
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00")]}, **failure)
    result = Monitor(tmp_path).check("2026-03-20", world)
    assert result.code == 3
    assert [s["name"] for s in result.output["sources"]] == SOURCES
    assert result.sources["budget.organizations"] == {"name": "budget.organizations", "ok": True, "error": None}
    assert result.sources["budget.reports"] == {"name": "budget.reports", "ok": True, "error": None}
    _one_line_error(result, "budget.mof", starts)
    assert result.findings == [finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-02", "missing", "2026-03-10",
                                       days_overdue=10)]
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=1, missing=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, unknown=2))


@pytest.mark.parametrize("failure, says", [(500, "HTTP 500"), ("layout", "layout changed")])
def test_reports_unreadable_for_every_entity_first_run(tmp_path, failure, says):
    world = World([E1, E2], {}, failing={"reports": failure}, mof=[mof_report(2, 2026, 2, "2026.03.10"),
                                                                   mof_report(1, 2026, 1, "2026.02.10")])
    result = Monitor(tmp_path).check("2026-03-20", world)
    assert result.code == 3
    _one_line_error(result, "budget.reports", "")
    assert says in result.sources["budget.reports"]["error"]
    assert result.findings == []
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", unknown=2),
                                          row(MONTHLY, E2_NAME, "41207", unknown=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


def test_reports_failing_for_one_entity_makes_the_source_unknown(tmp_path):
    world = World([E1, E2], {(30156, 2026): [post(1, 2026, 1, "2026-02-11 10:00:00")]}, failing={41207: 500},
                  mof=[mof_report(2, 2026, 2, "2026.03.10"), mof_report(1, 2026, 1, "2026.02.10")])
    result = Monitor(tmp_path).check("2026-03-20", world)
    assert result.code == 3
    _one_line_error(result, "budget.reports", "")
    assert result.findings == []
    assert result.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", unknown=2),
                                          row(MONTHLY, E2_NAME, "41207", unknown=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


@pytest.mark.parametrize("failure, starts", [(500, "HTTP 500"), ("layout", "layout changed")])
def test_organisations_unreadable_on_the_first_run(tmp_path, failure, starts):
    """No listing ever read: the entities are unknown, so no monthly obligation can be named; exit 3."""
    world = World([E1], {}, failing={"organizations": failure}, mof=[mof_report(1, 2026, 1, "2026.02.10")])
    result = Monitor(tmp_path).check("2026-02-20", world)
    assert result.code == 3
    _one_line_error(result, "budget.organizations", starts)
    assert result.findings == []
    assert result.agencies == [row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1)]


def test_organisations_unreadable_later_carries_open_findings(tmp_path):
    monitor = Monitor(tmp_path)
    world = World([E1, E2], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00")]},
                  mof=[mof_report(1, 2026, 1, "2026.02.09")])
    first = monitor.check("2026-02-20", world)
    assert first.findings == [finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10",
                                      days_overdue=10)]
    world.failing = {"organizations": 503}
    second = monitor.check("2026-02-25", world)
    assert second.code == 3
    _one_line_error(second, "budget.organizations", "HTTP 503")
    assert second.findings == [finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10",
                                       days_overdue=10, state="ongoing", rechecked=False)]
    assert second.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", unknown=1),
                                          row(MONTHLY, E2_NAME, "41207", unknown=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1))


def test_reports_unreadable_later_carries_open_missing_findings(tmp_path):
    monitor = Monitor(tmp_path)
    world = World([E2], {}, mof=[mof_report(2, 2026, 2, "2026.03.10"), mof_report(1, 2026, 1, "2026.02.10")])
    first = monitor.check("2026-03-20", world)
    assert first.findings == sorted_findings(
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10", days_overdue=38),
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-02", "missing", "2026-03-10", days_overdue=10))
    world.failing = {"reports": 500}
    second = monitor.check("2026-03-25", world)
    assert second.code == 3
    assert second.findings == sorted_findings(
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10", days_overdue=38,
                state="ongoing", rechecked=False),
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-02", "missing", "2026-03-10", days_overdue=10,
                state="ongoing", rechecked=False))
    assert second.agencies == sorted_rows(row(MONTHLY, E2_NAME, "41207", unknown=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


def test_reports_unreadable_later_carries_open_late_findings_unrechecked(tmp_path):
    monitor = Monitor(tmp_path)
    world = World([E1, E2], {(30156, 2026): [post(1, 2026, 1, "2026-02-11 10:00:00"),
                                             post(2, 2026, 2, "2026-03-09 10:00:00")]},
                  mof=[mof_report(2, 2026, 2, "2026.03.10"), mof_report(1, 2026, 1, "2026.02.10")])
    monitor.check("2026-03-20", world)
    world.failing = {"reports": 500}
    second = monitor.check("2026-03-25", world)
    assert second.code == 3
    assert second.findings == sorted_findings(
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-01", "late", "2026-02-10", published="2026-02-11",
                days_late=1, state="ongoing", rechecked=False),
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-01", "missing", "2026-02-10", days_overdue=38,
                state="ongoing", rechecked=False),
        finding(MONTHLY, E2_NAME, "41207", "41207/2026-02", "missing", "2026-03-10", days_overdue=10,
                state="ongoing", rechecked=False))
    assert second.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", unknown=2),
                                          row(MONTHLY, E2_NAME, "41207", unknown=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


def test_reports_down_when_every_month_is_already_posted(tmp_path):
    monitor = Monitor(tmp_path)
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00"),
                                         post(2, 2026, 2, "2026-03-09 10:00:00")]},
                  mof=[mof_report(2, 2026, 2, "2026.03.10"), mof_report(1, 2026, 1, "2026.02.10")])
    all_ok(monitor.check("2026-03-20", world))
    world.failing = {"reports": 500}
    second = monitor.check("2026-03-25", world)
    assert second.code == 3
    _one_line_error(second, "budget.reports", "")
    assert second.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", unknown=2),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=2))


# --- findings over several runs -----------------------------------------------------------------------

def test_new_ongoing_resolved_then_ongoing(tmp_path):
    """February (due 10 Mar 2026) appears on the portal on 13 Mar (entity) and 14 Mar (Ministry)."""
    monitor = Monitor(tmp_path)
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00")]},
                  mof=[mof_report(1, 2026, 1, "2026.02.09")])

    def expected(status: str, state: str, **figures: Any) -> list[dict[str, Any]]:
        entity = {k: v for k, v in figures.items() if k != "mof"}
        mof = figures.get("mof", entity)
        return sorted_findings(
            finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-02", status, "2026-03-10", state=state, **entity),
            finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", status, "2026-03-10", state=state, **mof))

    first = monitor.check("2026-03-11", world)
    all_ok(first)
    assert first.findings == expected("missing", "new", days_overdue=1)
    assert monitor.check("2026-03-11", world).output == first.output

    second = monitor.check("2026-03-12", world)
    assert second.findings == expected("missing", "ongoing", days_overdue=2)

    world.postings[(30156, 2026)].append(post(2, 2026, 2, "2026-03-13 09:00:00"))
    world.mof.insert(0, mof_report(2, 2026, 2, "2026.03.14"))
    third = monitor.check("2026-03-16", world)
    all_ok(third)
    assert third.findings == expected("late", "resolved", published="2026-03-13", days_late=3,
                                      mof={"published": "2026-03-14", "days_late": 4})
    assert monitor.check("2026-03-16", world).output == third.output

    fourth = monitor.check("2026-03-17", world)
    assert fourth.findings == expected("late", "ongoing", published="2026-03-13", days_late=3,
                                       mof={"published": "2026-03-14", "days_late": 4})
    assert fourth.agencies == sorted_rows(row(MONTHLY, "Сангийн яам", "30156", met=1, late=1),
                                          row(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, met=1, late=1))


def test_posting_dated_after_the_run_counts_as_not_yet_published(tmp_path):
    """A back-dated run against a portal that already shows a later posting (rules.md s.1: as on that day)."""
    monitor = Monitor(tmp_path)
    world = World([E1], {(30156, 2026): [post(1, 2026, 1, "2026-02-09 10:00:00"),
                                         post(2, 2026, 2, "2026-03-12 10:00:00")]},
                  mof=[mof_report(2, 2026, 2, "2026.03.12"), mof_report(1, 2026, 1, "2026.02.09")])
    first = monitor.check("2026-03-11", world)
    assert first.findings == sorted_findings(
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-02", "missing", "2026-03-10", days_overdue=1),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", "missing", "2026-03-10", days_overdue=1))
    second = monitor.check("2026-03-13", world)
    assert second.findings == sorted_findings(
        finding(MONTHLY, "Сангийн яам", "30156", "30156/2026-02", "late", "2026-03-10", published="2026-03-12",
                days_late=2, state="resolved"),
        finding(MOF_RULE, MINISTRY_NAME, MINISTRY_NAME, "2026-02", "late", "2026-03-10", published="2026-03-12",
                days_late=2, state="resolved"))
