"""The budget check (rules.md section 3, budget): due dates, earliest postings, months from titles, the
Ministry's listing, the entity filter, the polling economy and failing sources. Each test builds the
portals as demo-world data (demo.budget_world) with exactly the items it needs, served by
`budget_routes` on `responses` (tests/mocked_routes.py), broken with demo.server.Fault; each run goes
through monitor.cli.main like `monitor check budget --json`."""
from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from checks.budget import POLL_KIND, POSTING_KIND
from demo.budget_world import GROUP, BudgetWorld, Entity, MofItem, Posting, budget_routes
from demo.server import Fault
from dying import Died, stored_records
from mocked_routes import install_routes
from monitor.cli import main
from monitor.obligations import Obligation
from monitor.store import Store

SHILENDANS, MOF = "https://shilendans.test", "https://mof.test"
MINISTRY = Entity(30156, "Сангийн яам", "2011964", "САНГИЙН САЙД", None, "typical")
AIMAG = Entity(41207, "Хөвсгөл аймгийн  Засаг даргын Тамгын газар ", "5012345", "ХӨВСГӨЛ АЙМГИЙН ЗАСАГ ДАРГА", None,
               "typical")
SCHOOL = Entity(52318, "Хөвсгөл аймгийн Мөрөн сумын ерөнхий боловсролын сургууль", "6023456",
                "МӨРӨН СУМЫН ЗАСАГ ДАРГА", 41207, "typical")


def posting(entity: int, report_id: int, year: int, month: int, posted: str | None, title: str | None = None,
            sent: bool = True, group: int = GROUP) -> Posting:
    """One item of 2b; `sent=False` leaves the month field out, `posted=None` leaves postedDate out."""
    title = title if title is not None else f"Төсвийн гүйцэтгэлийн {year} оны {month}-р сарын мэдээ"
    return Posting(report_id, entity, year, month, title, posted and datetime.fromisoformat(posted),
                   month_field=sent, title_names_month=str(month) in title, group=group)


def monthly(entity: int, year: int, months: range, day: int = 5) -> list[Posting]:
    """On-time postings (day `day` of the next month, 10:00) for every month in `months`."""
    items = []
    for month in months:
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        items.append(posting(entity, year * 100 + month, year, month,
                             f"{next_year}-{next_month:02d}-{day:02d} 10:00:00"))
    return items


def world(entities: list[Entity], postings: list[Posting] = (), mof: list[tuple[str, str]] = ()) -> BudgetWorld:
    """The two sites as the test needs them; `mof` is (title, "YYYY.MM.DD"), newest first."""
    items = tuple(MofItem(9000 - i, title, datetime.strptime(day, "%Y.%m.%d").date(), None)
                  for i, (title, day) in enumerate(mof))
    return BudgetWorld(date(2026, 12, 31), date(2026, 12, 31), tuple(entities), tuple(postings), items, {})


def failing(status: int, *entities: int, year: int | None = None) -> dict[str, Fault]:
    """The reports of these entities (of `year` only, if given) answered with `status`."""
    return {"budget.reports": Fault(status, where=lambda request: int(request.params["id"]) in entities
                                    and year in (None, int(request.query["year"])))}


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@dataclass
class Run:
    code: int
    output: dict[str, Any]
    urls: list[str]
    obligations: dict[tuple[str, str], Obligation]

    def monthly(self, subject: str) -> Obligation:
        return self.obligations[("budget.monthly_report", subject)]

    def mof(self, subject: str) -> Obligation:
        return self.obligations[("budget.mof_consolidated", subject)]

    def findings(self, **match: Any) -> list[dict[str, Any]]:
        return [f for f in self.output["findings"] if all(f[k] == v for k, v in match.items())]

    def report_requests(self, entity_id: int) -> list[str]:
        return [url for url in self.urls if f"/organization/{entity_id}/reports" in url]


def configure(tmp_path: Path, **budget: Any) -> Path:
    """A config pointing shilendans and mof at the mocked world, with no waiting and one retry."""
    config = tmp_path / "monitor.toml"
    lines = ["[portals]", f'shilendans = "{SHILENDANS}"', f'mof = "{MOF}"',
             "[fetch]", "delay = 0", "backoff = 0", "retries = 1", "[checks.budget]"]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in budget.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def run(tmp_path: Path, portals: BudgetWorld, as_of: str, faults: dict[str, Fault] | None = None,
        **budget: Any) -> Run:
    """`monitor check budget --as-of AS_OF --json` against the world, in one store per test."""
    config = configure(tmp_path, **budget)
    db = tmp_path / "monitor.db"
    out = io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for base in (SHILENDANS, MOF):
            install_routes(rsps, base, budget_routes(portals), faults)
        code = main(["--config", str(config), "--db", str(db), "check", "budget", "--as-of", as_of, "--json"],
                     stdout=out)
        urls = [call.request.url for call in rsps.calls]
    store = Store(db)
    obligations = {(ob.rule, ob.subject): ob for ob in store.obligations("budget")}
    store.close()
    return Run(code, json.loads(out.getvalue()), urls, obligations)


# due dates and published dates

@pytest.mark.parametrize("month, posted, due, status, days_late", [
    ((2026, 3), "2026-04-10 16:00:00", date(2026, 4, 10), "met", None),         # due on the 10th itself
    ((2026, 3), "2026-04-10 23:59:59", date(2026, 4, 10), "met", None),         # 23:59 on the due date
    ((2026, 3), "2026-04-11 00:00:00", date(2026, 4, 10), "late", 1),           # a second after midnight
    ((2026, 4), "2026-05-11 17:30:00", date(2026, 5, 11), "met", None),         # 10 May 2026 is a Sunday
    ((2026, 9), "2026-10-12 23:59:00", date(2026, 10, 12), "met", None),        # 10 Oct 2026 is a Saturday
    ((2026, 9), "2026-10-13 08:00:00", date(2026, 10, 12), "late", 1),
    ((2026, 6), "2026-07-16 23:59:00", date(2026, 7, 16), "met", None),         # Naadam 10-15 July, then a weekend
    ((2026, 6), "2026-07-17 00:00:10", date(2026, 7, 16), "late", 1),
    ((2026, 10), "2026-11-11 23:59:59", date(2026, 11, 11), "met", None),       # 10 Nov 2026: Genghis Khan's birthday
    ((2026, 1), "2026-02-11 09:00:00", date(2026, 2, 10), "late", 1),           # Tsagaan Sar (18-20 Feb) does not move it
])
def test_due_on_the_10th_rolled_off_weekends_and_holidays(tmp_path, month, posted, due, status, days_late):
    year, number = month
    portals = world([MINISTRY], [posting(30156, 1, year, number, posted)])
    result = run(tmp_path, portals, "2026-12-20", start_month=f"{year}-{number:02d}")
    ob = result.monthly(f"30156/{year}-{number:02d}")
    assert (ob.due, ob.status, ob.days_late) == (due, status, days_late)
    assert ob.published == date.fromisoformat(posted[:10])


@pytest.mark.parametrize("due_day, month, due", [
    (18, (2026, 1), date(2026, 2, 23)),   # Tsagaan Sar 18-20 Feb 2026, then a weekend
    (1, (2025, 2), date(2025, 3, 4)),     # Tsagaan Sar 1-3 Mar 2025 (Sat-Mon)
])
def test_configured_due_day_rolls_off_tsagaan_sar(tmp_path, due_day, month, due):
    year, number = month
    portals = world([MINISTRY], [posting(30156, 1, year, number, f"{due:%Y-%m-%d} 18:00:00")])
    result = run(tmp_path, portals, "2026-12-20", start_month=f"{year}-{number:02d}", report_due_day=due_day)
    ob = result.monthly(f"30156/{year}-{number:02d}")
    assert (ob.due, ob.status) == (due, "met")


def test_two_postings_for_one_month_the_earliest_counts(tmp_path):
    portals = world([MINISTRY, AIMAG], [
        posting(30156, 12, 2026, 3, "2026-05-02 10:00:00", "засвар"), posting(30156, 11, 2026, 3, "2026-04-09 15:00:00"),
        posting(41207, 22, 2026, 3, "2026-06-01 10:00:00"), posting(41207, 21, 2026, 3, "2026-04-14 11:00:00")])
    result = run(tmp_path, portals, "2026-07-01", start_month="2026-03")
    ministry, aimag = result.monthly("30156/2026-03"), result.monthly("41207/2026-03")
    assert (ministry.status, ministry.published) == ("met", date(2026, 4, 9))
    assert (aimag.status, aimag.published, aimag.days_late) == ("late", date(2026, 4, 14), 4)
    assert aimag.evidence_url == f"{SHILENDANS}/files/21.xlsx"


@pytest.mark.parametrize("title", ["ТГ-4: 2026 оны 5-р сарын төсвийн гүйцэтгэл",
                                   "ТГ-4: 2026 оны 5 дугаар сарын төсвийн гүйцэтгэл"])
def test_month_only_in_the_title(tmp_path, title):
    portals = world([MINISTRY], [posting(30156, 1, 2026, 5, "2026-06-08 12:00:00", title, sent=False)])
    result = run(tmp_path, portals, "2026-07-01", start_month="2026-05")
    ob = result.monthly("30156/2026-05")
    assert (ob.status, ob.published) == ("met", date(2026, 6, 8))
    assert "notes" not in result.output


def test_posting_with_no_readable_month_is_a_note_not_a_crash(tmp_path):
    portals = world([MINISTRY], [posting(30156, 7, 2026, 5, "2026-06-08 12:00:00", "Төсвийн гүйцэтгэлийн мэдээ",
                                         sent=False)])
    result = run(tmp_path, portals, "2026-07-01", start_month="2026-05")
    assert result.code == 0
    assert result.output["notes"] == [{"source": "budget.reports", "message":
                                       "entity 30156, posting 7: no month in its fields or its title "
                                       "'Төсвийн гүйцэтгэлийн мэдээ'"}]
    assert result.monthly("30156/2026-05").status == "missing"


def test_other_groups_do_not_count(tmp_path):
    portals = world([MINISTRY], [posting(30156, 1, 2026, 5, "2026-06-08 12:00:00", group=4)])
    result = run(tmp_path, portals, "2026-07-01", start_month="2026-05")
    assert result.monthly("30156/2026-05").status == "missing"


def test_scope_and_findings_as_the_json_shows_them(tmp_path):
    portals = world([MINISTRY, AIMAG], monthly(30156, 2026, range(1, 9)) + monthly(41207, 2026, range(1, 8))
                    + [posting(41207, 99, 2026, 8, "2026-09-25 10:00:00")])
    result = run(tmp_path, portals, "2026-10-05")
    assert {ob.subject for ob in result.obligations.values() if ob.rule == "budget.monthly_report"} == {
        f"{entity}/2026-{month:02d}" for entity in (30156, 41207) for month in range(1, 10)}
    assert result.monthly("30156/2026-09").status == "pending"    # due 12 October
    assert result.findings(rule="budget.monthly_report") == [
        {"rule": "budget.monthly_report", "agency": "Хөвсгөл аймгийн Засаг даргын Тамгын газар",
         "agency_key": "41207", "agency_id": "governor-khuvsgul", "subject": "41207/2026-08", "status": "late",
         "due": "2026-09-10",
         "published": "2026-09-25", "days_late": 15, "days_overdue": None, "state": "new", "rechecked": True,
         "evidence": {"url": f"{SHILENDANS}/files/99.xlsx"}}]
    assert result.monthly("41207/2026-09").status == "pending"
    assert result.monthly("41207/2026-09").evidence_url == f"{SHILENDANS}/organization/41207?ry=2026&group=5"


def test_posting_without_a_date_is_met_on_the_baseline_else_dated_first_seen(tmp_path):
    portals = world([MINISTRY], [posting(30156, 1, 2026, 1, None)])
    first = run(tmp_path, portals, "2026-03-05")
    assert first.monthly("30156/2026-01").status == "met"
    assert first.monthly("30156/2026-02").status == "pending"          # due 10 March
    assert {"source": "budget.reports", "message": "entity 30156, posting 1: unreadable postedDate ''; "
            "dated by the day the monitor first saw it"} in first.output["notes"]
    portals = replace(portals, postings=portals.postings + (posting(30156, 2, 2026, 2, None),))
    second = run(tmp_path, portals, "2026-03-20")
    assert (second.monthly("30156/2026-02").status, second.monthly("30156/2026-02").days_late) == ("late", 10)
    assert second.monthly("30156/2026-01").status == "met"


# the Ministry of Finance

def test_mof_item_counts_when_its_title_names_the_month_and_contains_guitsetgel(tmp_path):
    portals = world([MINISTRY], monthly(30156, 2026, range(1, 6)), mof=[
        ("Улсын нэгдсэн төсвийн 2026 оны 5-р сарын ГҮЙЦЭТГЭЛИЙН мэдээ", "2026.06.09"),
        ("2026 оны 4 дүгээр сарын төсвийн орлогын төлөвлөгөө", "2026.05.08"),          # no гүйцэтгэл
        ("2025 оны улсын төсвийн гүйцэтгэлийн жилийн тайлан", "2026.04.20"),           # no month
        ("2026 оны 3 дугаар сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.04.14"),     # late
        ("2025 оны 2 дугаар сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.03.05"),     # another year
        ("2026 оны 1 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.02.10"),
        ("2026 оны 1 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл (засвар)", "2026.02.19"),
    ])
    result = run(tmp_path, portals, "2026-06-20")
    assert {month: result.mof(f"2026-{month:02d}").status for month in range(1, 6)} == {
        1: "met", 2: "missing", 3: "late", 4: "missing", 5: "met"}
    assert result.mof("2026-03").days_late == 4
    assert result.mof("2026-01").published == date(2026, 2, 10)
    [late] = result.findings(rule="budget.mof_consolidated", status="late")
    assert (late["agency"], late["agency_key"], late["subject"]) == ("Сангийн яам", "Сангийн яам", "2026-03")
    assert late["evidence"]["url"] == f"{MOF}/article/8997"


def test_mof_cumulative_titles_name_their_last_month_and_the_earliest_item_counts(tmp_path):
    portals = world([MINISTRY], monthly(30156, 2026, range(1, 6)), mof=[
        ("2026 оны 1–5-р сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.06.12"),          # May, late
        ("2026 оны 4 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.05.12"),      # April, a day later
        ("2026 оны 1-4 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.05.11"),    # April: the earliest
        ("2026 оны 1-3 дугаар сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.04.14"),    # March, late
        ("2026 оны эхний 2 сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.03.10"),        # February
        ("2026 оны эхний 13 сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.02.10"),       # no such month
    ])
    result = run(tmp_path, portals, "2026-06-20")
    assert {month: result.mof(f"2026-{month:02d}").status for month in range(1, 6)} == {
        1: "missing", 2: "met", 3: "late", 4: "met", 5: "late"}
    # April's due date is Mon 11 May (the 10th is a Sunday): the item of the 11th counts, not the 12th
    assert result.mof("2026-04").published == date(2026, 5, 11)
    assert (result.mof("2026-03").days_late, result.mof("2026-05").days_late) == (4, 2)


def test_mof_listing_is_paged_only_as_deep_as_the_scope_needs(tmp_path):
    items = [(f"Мэдээ {i}", f"{date(2026, 12, 28) - timedelta(days=7 * i):%Y.%m.%d}") for i in range(50)]
    portals = world([MINISTRY], mof=items)                                # weekly, 28 Dec back to 2026-01-13
    result = run(tmp_path, portals, "2026-12-30", start_month="2026-10")
    mof_pages = [url for url in result.urls if "/c/budget-performance" in url]
    assert [_query(url)["page"] for url in mof_pages] == ["1", "2", "3"]  # page 3 is all before 1 October


def test_mof_listing_stops_at_an_empty_page(tmp_path):
    portals = world([MINISTRY], mof=[("Мэдээ", "2026.11.02")] * 12)
    result = run(tmp_path, portals, "2026-12-30")
    assert [_query(url)["page"] for url in result.urls if "/c/budget-performance" in url] == ["1", "2", "3"]


# the organisations listing and the entity filter

def test_organisations_listing_is_paged_until_total_is_read(tmp_path):
    entities = [replace(SCHOOL, id=60000 + i, name=f"Нийслэлийн {i} дугаар цэцэрлэг") for i in range(1, 251)]
    result = run(tmp_path, world(entities), "2026-02-20")
    pages = [_query(url) for url in result.urls if "/organizations" in url]
    assert pages == [{"page": "1", "size": "100"}, {"page": "2", "size": "100"}, {"page": "3", "size": "100"}]
    assert len([ob for ob in result.obligations.values() if ob.rule == "budget.monthly_report"]) == 250


def test_organisations_listing_that_ends_early_fails_and_judges_nothing_monthly(tmp_path):
    short = Fault(rewrite=lambda body: body.replace(b'"total": 2', b'"total": 150'))
    result = run(tmp_path, world([MINISTRY, AIMAG], mof=[("Мэдээ", "2025.12.01")]), "2026-03-20",
                 {"budget.organizations": short})
    assert result.code == 3
    assert result.output["sources"][0] == {"name": "budget.organizations", "ok": False,
                                           "error": "layout changed: organisations listing ended with 2 of 150 entities"}
    assert not any(ob.rule == "budget.monthly_report" for ob in result.obligations.values())
    assert result.mof("2026-01").status == "missing"


@pytest.mark.parametrize("entities", [["41207"], [41207], ["хөвсгөл аймгийн засаг даргын тамгын газар"]])
def test_entity_filter_by_id_or_by_name(tmp_path, entities):
    portals = world([MINISTRY, AIMAG, SCHOOL], monthly(41207, 2026, range(1, 3)))
    result = run(tmp_path, portals, "2026-03-20", entities=entities + ["Байхгүй газар"])
    monthly_keys = {ob.agency_key for ob in result.obligations.values() if ob.rule == "budget.monthly_report"}
    assert monthly_keys == {"41207"}
    assert result.report_requests(30156) == [] and result.report_requests(52318) == []
    assert {"source": "budget.organizations",
            "message": "checks.budget.entities: 'Байхгүй газар' matches no listed entity"} in result.output["notes"]


@pytest.mark.parametrize("key, value, message", [
    ("start_month", "2026-13", 'checks.budget.start_month: expected "YYYY-MM", got \'2026-13\''),
    ("start_month", "2026/01", 'checks.budget.start_month: expected "YYYY-MM", got \'2026/01\''),
    ("report_due_day", 31, "checks.budget.report_due_day: must be 1 to 28, a day every month has"),
    ("entities", [""], "checks.budget.entities: '' is neither an entity id nor a name"),
])
def test_bad_configuration_is_refused(tmp_path, capsys, key, value, message):
    config = configure(tmp_path, **{key: value})
    code = main(["--config", str(config), "--db", str(tmp_path / "monitor.db"), "check", "budget", "--json"],
                stdout=io.StringIO())
    assert code == 2
    assert capsys.readouterr().err == f"monitor: {message}\n"


# the polling economy

def test_an_entity_with_every_month_posted_is_not_asked_again_until_the_next_month(tmp_path):
    portals = world([MINISTRY, AIMAG, SCHOOL], [
        *monthly(30156, 2025, range(11, 13)), *monthly(30156, 2026, range(1, 11)),  # all posted
        *monthly(41207, 2025, range(11, 13)), *monthly(41207, 2026, range(1, 10)),  # October not yet
        *monthly(52318, 2025, range(12, 13)), *monthly(52318, 2026, range(1, 11))])  # November 2025 never
    first = run(tmp_path, portals, "2026-11-12", start_month="2025-11")
    assert [_query(u)["year"] for u in first.report_requests(30156)] == ["2025", "2026"]
    assert [_query(u)["year"] for u in first.report_requests(41207)] == ["2025", "2026"]

    second = run(tmp_path, portals, "2026-11-13", start_month="2025-11")
    assert second.report_requests(30156) == []                                  # settled: not asked
    assert [_query(u)["year"] for u in second.report_requests(41207)] == ["2026"]  # only the year lacking
    assert [_query(u)["year"] for u in second.report_requests(52318)] == ["2025"]
    skipped = [ob for ob in second.obligations.values()
               if ob.agency_key == "30156" and ob.rule == "budget.monthly_report"]
    assert len(skipped) == 12 and {ob.status for ob in skipped} == {"met"}     # judged, not unknown
    assert second.monthly("41207/2026-10").status == "missing"

    portals = replace(portals, postings=portals.postings + tuple(monthly(41207, 2026, range(10, 11), day=14)))
    third = run(tmp_path, portals, "2026-11-20", start_month="2025-11")
    assert (third.monthly("41207/2026-10").status, third.findings(subject="41207/2026-10")[0]["state"]) == (
        "late", "resolved")
    fourth = run(tmp_path, portals, "2026-11-21", start_month="2025-11")
    assert fourth.report_requests(30156) == [] and fourth.report_requests(41207) == []

    december = run(tmp_path, portals, "2026-12-01", start_month="2025-11")   # November enters the scope
    assert [_query(u)["year"] for u in december.report_requests(30156)] == ["2026"]
    assert [_query(u)["year"] for u in december.report_requests(41207)] == ["2026"]


def test_a_run_dying_as_an_entity_s_poll_is_stored_leaves_neither_its_postings_nor_its_poll(tmp_path, monkeypatch):
    """An entity's postings and the poll that read them are stored together. Were the postings
    stored alone, the same day's next run would find no month lacking, not ask the entity, and keep
    its poll a night behind: unlike a night that was not interrupted."""
    behind = world([MINISTRY, AIMAG], [*monthly(30156, 2026, range(1, 10)), *monthly(41207, 2026, range(1, 10))])
    caught_up = replace(behind, postings=behind.postings + tuple(monthly(41207, 2026, range(10, 11), day=14)))
    first, interrupted, whole = (tmp_path / name for name in ("first", "interrupted", "whole"))
    for folder in (first, interrupted, whole):
        folder.mkdir()
    run(first, behind, "2026-11-12", start_month="2026-01")
    for folder in (interrupted, whole):
        shutil.copy(first / "monitor.db", folder / "monitor.db")
    run(whole, caught_up, "2026-11-20", start_month="2026-01")

    save = Store.save_records_together

    def dying_at_the_aimag_s_poll(store: Store, batches: Any, seen_on: date) -> int:
        def items() -> Any:
            for kind, batch in batches:
                yield kind, (item if kind != POLL_KIND or item[0] != "41207" else _die() for item in batch)
        return save(store, items(), seen_on)

    def _die() -> Any:
        monkeypatch.setattr(Store, "save_records_together", save)  # one death
        raise Died

    monkeypatch.setattr(Store, "save_records_together", dying_at_the_aimag_s_poll)
    with pytest.raises(Died):
        run(interrupted, caught_up, "2026-11-20", start_month="2026-01")
    assert not [row for row in stored_records(interrupted / "monitor.db")
                if row[0] == POSTING_KIND and row[1] == "41207/202610"]  # October's posting went with the poll
    again = run(interrupted, caught_up, "2026-11-20", start_month="2026-01")
    assert [_query(u)["year"] for u in again.report_requests(41207)] == ["2026"]  # still behind, so asked again
    assert stored_records(interrupted / "monitor.db") == stored_records(whole / "monitor.db")


# failing sources

def test_entities_failing_fail_the_source_and_every_month_is_unknown(tmp_path):
    portals = world([MINISTRY, AIMAG, SCHOOL], [*monthly(30156, 2026, range(1, 9)), *monthly(41207, 2026, range(1, 9)),
                                                *monthly(52318, 2026, range(1, 8))])   # August never posted
    first = run(tmp_path, portals, "2026-10-12", start_month="2026-07")
    assert [f["subject"] for f in first.findings(rule="budget.monthly_report")] == ["52318/2026-08"]
    assert first.monthly("41207/2026-09").status == "pending"               # due 12 October

    second = run(tmp_path, portals, "2026-10-13", failing(500, 41207, 52318), start_month="2026-07")
    assert second.code == 3
    reports = second.output["sources"][1]
    assert reports["name"] == "budget.reports" and not reports["ok"]
    assert reports["error"] == "2 of 3 entities unreadable; first: entity 41207: HTTP 500 after 2 tries"
    for subject in ("41207/2026-09", "41207/2026-08", "52318/2026-08", "30156/2026-09"):
        assert second.monthly(subject).status == "unknown"                    # rules.md s.2: the source failed
    assert second.findings(subject="52318/2026-08") == [{
        **first.findings(subject="52318/2026-08")[0], "state": "ongoing", "rechecked": False}]
    assert second.findings(rule="budget.monthly_report", state="new") == []

    third = run(tmp_path, portals, "2026-10-13", start_month="2026-07")     # a same-day re-run that reads them
    assert third.code == 0
    assert third.monthly("41207/2026-09").status == "missing"
    assert third.monthly("30156/2026-09").status == "missing"


def test_an_empty_answer_where_postings_were_seen_before_is_not_believed(tmp_path):
    portals = world([MINISTRY, AIMAG], monthly(30156, 2026, range(1, 2)) + monthly(41207, 2026, range(1, 2)))
    first = run(tmp_path, portals, "2026-03-20")
    assert first.monthly("41207/2026-02").status == "missing"
    portals = replace(portals, postings=tuple(p for p in portals.postings if p.entity_id != 41207))
    second = run(tmp_path, portals, "2026-03-21")
    assert second.output["sources"][1]["error"] == (
        "1 of 2 entities unreadable; first: entity 41207: layout changed: no postings for 2026 "
        "where postings were seen before")
    assert {second.monthly(s).status for s in ("41207/2026-01", "41207/2026-02", "30156/2026-02")} == {"unknown"}
    assert second.findings(subject="41207/2026-02")[0]["rechecked"] is False


def test_mof_listing_empty_where_items_were_seen_before_fails(tmp_path):
    portals = world([MINISTRY], monthly(30156, 2026, range(1, 3)),
                    mof=[("2026 оны 1 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.02.09")])
    assert run(tmp_path, portals, "2026-03-20").mof("2026-02").status == "missing"
    portals = replace(portals, mof_items=())
    second = run(tmp_path, portals, "2026-03-21")
    assert second.output["sources"][2] == {
        "name": "budget.mof", "ok": False,
        "error": "layout changed: /c/budget-performance is empty where 1 row was listed before"}
    assert {second.mof("2026-01").status, second.mof("2026-02").status} == {"unknown"}


def test_a_year_that_fails_does_not_cost_the_entity_the_year_that_was_read(tmp_path):
    portals = world([SCHOOL], monthly(52318, 2025, range(11, 13)) + monthly(52318, 2026, range(1, 3)))
    first = run(tmp_path, portals, "2026-03-20", failing(503, 52318, year=2025), start_month="2025-11")
    assert first.output["sources"][1]["error"] == "1 of 1 entities unreadable; first: entity 52318: HTTP 503 after 2 tries"
    assert {first.monthly(f"52318/{m}").status for m in ("2025-11", "2025-12", "2026-01", "2026-02")} == {"unknown"}
    store = Store(tmp_path / "monitor.db")
    assert sorted(store.record_keys("budget.posting")) == ["52318/202601", "52318/202602"]  # 2026 was read and kept
    store.close()
    second = run(tmp_path, portals, "2026-03-21", start_month="2025-11")
    assert {second.monthly(f"52318/{m}").status for m in ("2025-11", "2025-12", "2026-01", "2026-02")} == {"met"}


def test_portal_down_stops_after_five_failures_in_a_row(tmp_path):
    entities = [replace(SCHOOL, id=60000 + i, name=f"Сургууль {i}") for i in range(8)]
    result = run(tmp_path, world(entities), "2026-03-20", failing(503, *range(60000, 60008)))
    assert sum("/reports" in url for url in result.urls) == 5 * 2   # five entities, two tries each
    assert result.output["sources"][1]["error"].startswith(
        "stopped after 5 failures in a row, 3 of 8 entities not asked; first: entity 60000: HTTP 503 after 2 tries")
    monthly_statuses = {ob.status for ob in result.obligations.values() if ob.rule == "budget.monthly_report"}
    assert monthly_statuses == {"unknown"}
    assert result.findings(rule="budget.monthly_report") == []


def test_organisations_failing_makes_every_monthly_obligation_unknown_and_carries_findings(tmp_path):
    portals = world([MINISTRY, AIMAG], monthly(30156, 2026, range(1, 3)))
    first = run(tmp_path, portals, "2026-03-20")
    assert [f["subject"] for f in first.findings(rule="budget.monthly_report")] == ["41207/2026-01", "41207/2026-02"]
    second = run(tmp_path, portals, "2026-04-20", {"budget.organizations": Fault(503)})
    assert second.code == 3
    assert {ob.status for ob in second.obligations.values() if ob.rule == "budget.monthly_report"} == {"unknown"}
    carried = second.findings(rule="budget.monthly_report")
    assert [(f["subject"], f["status"], f["state"], f["rechecked"]) for f in carried] == [
        ("41207/2026-01", "missing", "ongoing", False), ("41207/2026-02", "missing", "ongoing", False)]
    assert carried[0]["days_overdue"] == first.findings(subject="41207/2026-01")[0]["days_overdue"]  # as last judged


def test_garbled_mof_page_makes_its_obligations_unknown_and_raises_nothing_new(tmp_path):
    portals = world([MINISTRY], monthly(30156, 2026, range(1, 4)),
                    mof=[("2026 оны 1 дүгээр сарын улсын нэгдсэн төсвийн гүйцэтгэл", "2026.02.16")])
    first = run(tmp_path, portals, "2026-03-20")
    assert [(f["subject"], f["status"]) for f in first.findings()] == [("2026-01", "late"), ("2026-02", "missing")]
    garbled = Fault(body="<html><body>Түр хаалттай</body></html>".encode("utf-8"))
    second = run(tmp_path, portals, "2026-04-20", {"budget.mof": garbled})
    assert second.output["sources"][2] == {"name": "budget.mof", "ok": False,
                                           "error": "layout changed: 0 ul.news-list on the budget-performance "
                                                    "page, expected 1"}
    assert {second.mof(f"2026-{m:02d}").status for m in (1, 2, 3)} == {"unknown"}
    assert [(f["subject"], f["state"], f["rechecked"]) for f in second.findings()] == [
        ("2026-01", "ongoing", False), ("2026-02", "ongoing", False)]               # 2026-03 not raised
    assert second.monthly("30156/2026-03").status == "met"
