"""Acceptance of `monitor check declarations --json` against rules.md, interface.md and portals.md.

Written as the acceptance harness would: small hand-written registers served on a fake base URL with
`responses`, the CLI run in-process, and every expected finding, agency row and source entry derived
by hand from the specification (never from running the code).

Due dates (1 April of Y+1, rolled; the `holidays` MN calendar has no April holiday in these years):
1 Apr 2025 is a Tuesday, 1 Apr 2026 a Wednesday, 1 Apr 2027 a Thursday (all working days);
1 Apr 2028 is a Saturday (due Monday 3 Apr), 1 Apr 2029 a Sunday (due Monday 2 Apr).

Where the code disagrees with the specification the test is `xfail(strict=True)` with the reason.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import responses

from expectations import CheckOutput, MockedMonitor

XACXOM = "https://xacxom.accept.test"
SEARCH_URL = f"{XACXOM}/api/public/xacxom/search"
PORTALS = {"tender_opendata": "https://opendata.accept.test", "tender": "https://tender.accept.test",
           "shilendans": "https://glass.accept.test", "mof": "https://mof.accept.test", "xacxom": XACXOM,
           "legalinfo": "https://legal.accept.test", "parliament": "https://parliament.accept.test"}
LETTERS = "А Б В Г Д Е Ё Ж З И Й К Л М Н О Ө П Р С Т У Ү Ф Х Ц Ч Ш Щ Ъ Ы Ь Э Ю Я".split()
RULE = "declarations.published"
TAX, CUSTOMS, MINERALS, FINANCE = ("Татварын ерөнхий газар", "Гаалийн ерөнхий газар",
                                   "Ашигт малтмал, газрын тосны газар", "Сангийн яам")
ORG_ID = {TAX: 311, CUSTOMS: 312, MINERALS: 313, FINANCE: 120}


def official(aid: int, first: str, last: str, organization: str, years: list[int],
             **under_last_letter: Any) -> dict[str, Any]:
    """A search record (portals.md 3a). `under_last_letter`: fields as answered under the last name's letter."""
    record = {"aid_user_num": aid, "first_name": first, "last_name": last, "organization_name": organization,
              "organization_id": ORG_ID.get(unicodedata.normalize("NFC", " ".join(organization.split()))),
              "position_num": 12, "position_name": "Хэлтсийн дарга", "years": years}
    if under_last_letter:
        record["_alt"] = under_last_letter
    return record


@dataclass
class Register:
    """The register's search: a person is answered under the first letter of the first and of the last name."""

    people: list[dict[str, Any]]
    failing: dict[str, Any] = field(default_factory=dict)  # letter -> HTTP status, or "layout"

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.POST, SEARCH_URL, callback=self._search)

    def _search(self, request: Any) -> tuple[int, dict, str]:
        letter = json.loads(request.body)["firstname"]
        if letter in self.failing:
            failure = self.failing[letter]
            if failure == "layout":
                return 200, {}, json.dumps({"error": "Түр хугацаанд ажиллахгүй"}, ensure_ascii=False)
            return failure, {}, "<h1>Server Error</h1>"
        found = []
        for person in self.people:
            record = {k: v for k, v in person.items() if k != "_alt"}
            if _initial(record["first_name"]) == letter:
                found.append(record)
            elif _initial(record["last_name"]) == letter:
                found.append({**record, **person.get("_alt", {})})
        return 200, {}, json.dumps({"retdata": found}, ensure_ascii=False)


def _initial(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip())[:1].upper()


class Monitor:
    """One configuration and one database; `check(day, register)` is `monitor check declarations --json`."""

    def __init__(self, tmp_path: Path, monitor: dict[str, Any] | None = None, roster: str | None = None,
                 **declarations: Any) -> None:
        if roster is not None:
            path = tmp_path / "roster.csv"
            path.write_text(roster, encoding="utf-8")
            declarations["roster"] = str(path)
        self.mocked = MockedMonitor(tmp_path, PORTALS, "declarations", declarations, monitor)

    def check(self, day: str, register: Register) -> CheckOutput:
        return CheckOutput(*self.mocked.run(day, register))


def finding(agency: str, subject: str, status: str, due: str, *, key: str | None = None,
            published: str | None = None, days_late: int | None = None, days_overdue: int | None = None,
            state: str = "new", rechecked: bool = True) -> dict[str, Any]:
    return {"rule": RULE, "agency": agency, "agency_key": key or str(ORG_ID[agency]), "subject": subject,
            "status": status, "due": due, "published": published, "days_late": days_late,
            "days_overdue": days_overdue, "state": state, "rechecked": rechecked}


def row(agency: str, met: int = 0, late: int = 0, missing: int = 0, pending: int = 0, unknown: int = 0,
        rate: float | None = None) -> dict[str, Any]:
    return {"rule": RULE, "agency": agency, "agency_key": str(ORG_ID[agency]), "met": met, "late": late,
            "missing": missing, "pending": pending, "unknown": unknown, "on_time_rate": rate}


def by_key(*items: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda f: (f["agency_key"], f.get("subject", "")))


def all_ok(result: CheckOutput) -> None:
    assert result.code == 0
    assert result.output["sources"] == [{"name": "declarations.search", "ok": True, "error": None}]


# --- scope, years, baseline -------------------------------------------------------------------------

def baseline_register() -> Register:
    return Register([
        # answered under А as numbers and under Н as strings: one person, counted once
        official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025],
                 aid_user_num="100234", organization_id="311"),
        official(100235, "Болд", "Дорж", CUSTOMS, [2023, 2024]),
        official(100236, "Ганбат", "Пүрэв", MINERALS, [2024]),        # 2024 published but 2023 not declared
        official(100237, "Дулмаа", "Цэрэн", TAX, []),                  # never declared: not in scope
        official(100238, "Энхжаргал", "Очир", FINANCE, [2023, 2024]),  # organisation out of scope
        official(100239, "Цэцэг", "Лхагва", CUSTOMS, [2022, 2023]),
    ])


def test_first_run_default_years_scope_and_baseline(tmp_path):
    """As of 2026-06-15: years 2024 (due 2025-04-01) and 2025 (due 2026-04-01); years present on the
    first run are the baseline: met."""
    result = Monitor(tmp_path).check("2026-06-15", baseline_register())
    all_ok(result)
    assert result.output["check"] == "declarations" and result.output["as_of"] == "2026-06-15"
    assert result.findings == by_key(
        finding(CUSTOMS, "100235/2025", "missing", "2026-04-01", days_overdue=75),
        finding(CUSTOMS, "100239/2024", "missing", "2025-04-01", days_overdue=440),
        finding(MINERALS, "100236/2025", "missing", "2026-04-01", days_overdue=75),
    )
    assert result.agencies == by_key(row(TAX, met=2), row(CUSTOMS, met=1, missing=2), row(MINERALS, missing=1))


def test_default_years_are_the_two_before_the_run_year(tmp_path):
    """As of 2027-01-05: years 2025 and 2026 (not 2024, although 2023 was declared)."""
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025])])
    result = Monitor(tmp_path).check("2027-01-05", register)
    all_ok(result)
    assert result.findings == []
    assert result.agencies == [row(TAX, met=1, pending=1)]


@pytest.mark.parametrize("days_off, year, as_of, due, overdue", [
    ([], 2025, "2026-04-10", "2026-04-01", 9),               # Wednesday
    (["2026-04-01"], 2025, "2026-04-10", "2026-04-02", 8),   # a configured day off
    ([], 2027, "2028-05-01", "2028-04-03", 28),              # Saturday
    ([], 2028, "2029-04-20", "2029-04-02", 18),              # Sunday
])
def test_due_first_of_april_rolled(tmp_path, days_off, year, as_of, due, overdue):
    register = Register([official(100235, "Болд", "Дорж", CUSTOMS, [year - 1]),
                         official(100236, "Ганбат", "Пүрэв", CUSTOMS, [year - 1, year])])
    result = Monitor(tmp_path, {"days_off": days_off}, years=[year]).check(as_of, register)
    all_ok(result)
    assert result.findings == [finding(CUSTOMS, f"100235/{year}", "missing", due, days_overdue=overdue)]
    assert result.agencies == [row(CUSTOMS, met=1, missing=1)]


def test_official_who_moved_out_of_scope(tmp_path):
    monitor = Monitor(tmp_path)
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025]),
                         official(100240, "Мөнхбат", "Ганзориг", TAX, [2024])])
    first = monitor.check("2026-04-10", register)
    assert first.findings == [finding(TAX, "100240/2025", "missing", "2026-04-01", days_overdue=9)]
    register.people[1] = official(100240, "Мөнхбат", "Ганзориг", FINANCE, [2024])
    second = monitor.check("2026-04-20", register)
    all_ok(second)
    assert second.findings == []
    assert second.agencies == [row(TAX, met=2)]


def test_official_gone_from_the_register_is_no_longer_judged(tmp_path):
    """Scope is read from the register's records: a record that is gone names no organisation in scope."""
    monitor = Monitor(tmp_path)
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025]),
                         official(100240, "Мөнхбат", "Ганзориг", TAX, [2024])])
    assert monitor.check("2026-04-10", register).findings == [
        finding(TAX, "100240/2025", "missing", "2026-04-01", days_overdue=9)]
    del register.people[1]
    second = monitor.check("2026-04-20", register)
    all_ok(second)
    assert second.findings == []
    assert second.agencies == [row(TAX, met=2)]


# --- a year that appears on a later run -------------------------------------------------------------

def test_year_seen_later_is_published_that_day(tmp_path):
    monitor = Monitor(tmp_path)
    register = Register([official(100301, "Алтанцэцэг", "Баяр", TAX, [2023, 2024]),
                         official(100302, "Батбаяр", "Сүрэн", CUSTOMS, [2024]),
                         official(100303, "Гэрэлмаа", "Төмөр", CUSTOMS, [2024]),
                         official(100304, "Дамдин", "Жамц", MINERALS, [2024])])
    people = {p["aid_user_num"]: p for p in register.people}

    first = monitor.check("2026-03-20", register)          # the baseline
    all_ok(first)
    assert first.findings == []
    assert first.agencies == by_key(row(TAX, met=1, pending=1), row(CUSTOMS, pending=2), row(MINERALS, pending=1))

    people[100301]["years"] = [2023, 2024, 2025]
    second = monitor.check("2026-03-30", register)         # before the due date: met
    assert second.findings == []
    assert second.agencies == by_key(row(TAX, met=2), row(CUSTOMS, pending=2), row(MINERALS, pending=1))

    people[100302]["years"] = [2024, 2025]
    third = monitor.check("2026-04-01", register)          # on the due date: met
    assert third.findings == []
    assert third.agencies == by_key(row(TAX, met=2), row(CUSTOMS, met=1, pending=1), row(MINERALS, pending=1))

    fourth = monitor.check("2026-04-02", register)
    assert fourth.findings == by_key(
        finding(CUSTOMS, "100303/2025", "missing", "2026-04-01", days_overdue=1),
        finding(MINERALS, "100304/2025", "missing", "2026-04-01", days_overdue=1))

    people[100303]["years"] = [2024, 2025]
    register.people.append(official(100305, "Есөнбаяр", "Нацаг", TAX, [2024, 2025]))  # new in the register
    fifth = monitor.check("2026-04-09", register)
    all_ok(fifth)
    expected_fifth = by_key(
        finding(TAX, "100305/2025", "late", "2026-04-01", published="2026-04-09", days_late=8),
        finding(CUSTOMS, "100303/2025", "late", "2026-04-01", published="2026-04-09", days_late=8,
                state="resolved"),
        finding(MINERALS, "100304/2025", "missing", "2026-04-01", days_overdue=8, state="ongoing"))
    assert fifth.findings == expected_fifth
    assert fifth.agencies == by_key(row(TAX, met=2, late=1), row(CUSTOMS, met=1, late=1), row(MINERALS, missing=1))
    again = monitor.check("2026-04-09", register)          # same-day re-run: the same answer
    assert (again.code, again.output) == (fifth.code, fifth.output)

    sixth = monitor.check("2026-04-10", register)
    assert sixth.findings == by_key(
        finding(TAX, "100305/2025", "late", "2026-04-01", published="2026-04-09", days_late=8, state="ongoing"),
        finding(CUSTOMS, "100303/2025", "late", "2026-04-01", published="2026-04-09", days_late=8,
                state="ongoing"),
        finding(MINERALS, "100304/2025", "missing", "2026-04-01", days_overdue=9, state="ongoing"))


# --- the roster -------------------------------------------------------------------------------------

ROSTER = (
    "organization,last_name,first_name,aid_user_num\n"
    "Татварын ерөнхий газар,Сүхбаатар,Бат-Эрдэнэ,200001\n"                     # by id; never declared
    "ГААЛИЙН  ЕРӨНХИЙ ГАЗАР,  батсүх ,ОЮУНЧИМЭГ,\n"                           # by folded names
    "\"Ашигт малтмал, газрын тосны газар\",Ганбаатар,Доржсүрэн,299999\n"      # no record in the register
    "Татварын ерөнхий газар,Ням,Сарнай,200004\n"                              # moved to an organisation out of scope
)


def roster_register() -> Register:
    return Register([official(200001, "Бат-Эрдэнэ", "Сүхбаатар", TAX, []),
                     official(200002, "Оюунчимэг", "Батсүх", CUSTOMS, [2024]),
                     official(200003, "Мягмар", "Дашдорж", MINERALS, [2023, 2024, 2025]),
                     official(200004, "Сарнай", "Ням", FINANCE, [])])


def test_roster_adds_officials_pending_then_missing(tmp_path):
    monitor = Monitor(tmp_path, roster=ROSTER)
    first = monitor.check("2026-03-20", roster_register())
    all_ok(first)
    assert first.findings == by_key(
        finding(TAX, "200001/2024", "missing", "2025-04-01", days_overdue=353),
        finding(MINERALS, "299999/2024", "missing", "2025-04-01", days_overdue=353))
    assert first.agencies == by_key(row(TAX, missing=1, pending=1), row(CUSTOMS, met=1, pending=1),
                                    row(MINERALS, met=2, missing=1, pending=1))

    second = monitor.check("2026-04-02", roster_register())
    all_ok(second)
    assert second.findings == by_key(
        finding(TAX, "200001/2024", "missing", "2025-04-01", days_overdue=366, state="ongoing"),
        finding(TAX, "200001/2025", "missing", "2026-04-01", days_overdue=1),
        finding(CUSTOMS, "200002/2025", "missing", "2026-04-01", days_overdue=1),
        finding(MINERALS, "299999/2024", "missing", "2025-04-01", days_overdue=366, state="ongoing"),
        finding(MINERALS, "299999/2025", "missing", "2026-04-01", days_overdue=1))
    assert second.agencies == by_key(row(TAX, missing=2), row(CUSTOMS, met=1, missing=1),
                                     row(MINERALS, met=2, missing=2))


def test_roster_only_row_without_an_id(tmp_path):
    """rules.md gives the subject as {aid_user_num}/Y and is silent when the roster has no id: only the
    year part, the status and the agency are asserted (ambiguous)."""
    roster = "organization,last_name,first_name\nГаалийн ерөнхий газар,Отгонбаяр,Лхагвасүрэн\n"
    monitor = Monitor(tmp_path, roster=roster)
    register = Register([official(200002, "Оюунчимэг", "Батсүх", CUSTOMS, [2023, 2024, 2025])])
    first = monitor.check("2026-03-20", register)
    all_ok(first)
    [only] = first.findings
    assert only["subject"].endswith("/2024") and "Лхагвасүрэн" not in only["subject"]
    assert {k: v for k, v in only.items() if k != "subject"} == {
        k: v for k, v in finding(CUSTOMS, "", "missing", "2025-04-01", days_overdue=353).items() if k != "subject"}
    assert first.agencies == [row(CUSTOMS, met=2, missing=1, pending=1)]
    second = monitor.check("2026-03-21", register)
    assert [f["subject"] for f in second.findings] == [only["subject"]]
    assert second.findings[0]["state"] == "ongoing"


def test_names_and_organisations_differing_by_unicode_form_and_spacing(tmp_path):
    """The register writes NFD (й = и + U+0306) and doubled spaces; the roster writes NFC."""
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    register = Register([
        official(300001, nfd("Ойдов"), nfd("Гончигдорж"), nfd("Гаалийн  ерөнхий  газар "), [2023, 2024]),
        official(300002, "Дашням", "Болдбаатар", CUSTOMS, []),
    ])
    roster = ("organization,last_name,first_name\n"
              "Гаалийн ерөнхий газар,Гончигдорж,Ойдов\n"              # the same person as 300001
              "Гаалийн ерөнхий газар,  Болдбаатар,Дашням  \n")
    result = Monitor(tmp_path, roster=roster).check("2026-06-15", register)
    all_ok(result)
    assert result.findings == by_key(
        finding(CUSTOMS, "300001/2025", "missing", "2026-04-01", days_overdue=75),
        finding(CUSTOMS, "300002/2024", "missing", "2025-04-01", days_overdue=440),
        finding(CUSTOMS, "300002/2025", "missing", "2026-04-01", days_overdue=75))
    assert result.agencies == [row(CUSTOMS, met=1, missing=3)]


# --- a letter that cannot be read -------------------------------------------------------------------

@pytest.mark.parametrize("failure, starts", [(500, "HTTP 500"), ("layout", "layout changed")])
def test_letter_failing_on_the_first_run(tmp_path, failure, starts):
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025]),
                         official(100235, "Болд", "Дорж", CUSTOMS, [2023, 2024]),
                         official(100241, "Ялалт", "Батболд", MINERALS, [2024])], failing={"Я": failure})
    result = Monitor(tmp_path).check("2026-06-15", register)
    assert result.code == 3
    [source] = result.output["sources"]
    assert source["name"] == "declarations.search" and source["ok"] is False
    assert starts in source["error"] and "\n" not in source["error"]
    assert result.findings == []
    assert result.agencies == by_key(row(TAX, unknown=2), row(CUSTOMS, unknown=2), row(MINERALS, unknown=1))


@pytest.mark.parametrize("failure", [503, "layout"])
def test_letter_failing_later_keeps_everyone_and_carries_findings(tmp_path, failure):
    monitor = Monitor(tmp_path)
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025]),
                         official(100235, "Болд", "Дорж", CUSTOMS, [2023, 2024])])
    first = monitor.check("2026-04-10", register)
    all_ok(first)
    assert first.findings == [finding(CUSTOMS, "100235/2025", "missing", "2026-04-01", days_overdue=9)]

    register.failing = {"А": failure}
    second = monitor.check("2026-04-20", register)
    assert second.code == 3
    assert second.output["sources"][0]["ok"] is False
    assert second.findings == [finding(CUSTOMS, "100235/2025", "missing", "2026-04-01", days_overdue=9,
                                       state="ongoing", rechecked=False)]
    assert second.agencies == by_key(row(TAX, unknown=2), row(CUSTOMS, unknown=2))

    register.failing = {}
    third = monitor.check("2026-04-21", register)
    all_ok(third)
    assert third.findings == [finding(CUSTOMS, "100235/2025", "missing", "2026-04-01", days_overdue=20,
                                      state="ongoing")]
    assert third.agencies == by_key(row(TAX, met=2), row(CUSTOMS, met=1, missing=1))


def test_year_absent_on_a_partly_failed_first_run_is_not_baseline(tmp_path):
    monitor = Monitor(tmp_path)
    register = Register([official(100234, "Аасүрэн", "Нямдаваа", TAX, [2023, 2024, 2025]),
                         official(100235, "Болд", "Дорж", CUSTOMS, [2023, 2024])], failing={"Я": 500})
    assert monitor.check("2026-03-20", register).code == 3
    register.failing = {}
    register.people[1]["years"] = [2023, 2024, 2025]
    second = monitor.check("2026-04-10", register)
    all_ok(second)
    assert second.findings == [finding(CUSTOMS, "100235/2025", "late", "2026-04-01", published="2026-04-10",
                                       days_late=9)]
    assert second.agencies == by_key(row(TAX, met=2), row(CUSTOMS, met=1, late=1))
