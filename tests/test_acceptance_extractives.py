"""Acceptance: `monitor check extractives --as-of DATE --json` over a small cadastre and EITI world
faked with `responses`. Every expected figure was derived by hand from the rule
`extractives.eiti_report`: each licence listed valid (`Хүчинтэй`) whose grant date is on or before
31 December of the reporting year (default: the year before the run's) has a report row for that
year by 15 April of the next year (Wednesday 15 April 2026, a working day), codes compared trimmed
and upper-cased; no `submittedDate` → the day first seen, or met when there on the first read.
"""
from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import responses

from monitor.cli import main

from expectations import MockedMonitor, in_english, carried, expect_agencies, expect_findings, finding, ongoing, row

CADASTRE, EITI = "https://cmcs.test", "https://e-reporting.test"
RULE = "extractives.eiti_report"
ERDENE, TURSHILT, GOVI = ("Эрдэнэ ресурс ХХК", "5069106"), ("Туршилт майнинг ХХК", "9950702"), "Говь хайгуул ХХК"


@dataclass
class Cadastre:
    """Licences by id: (code, status, holder, register number, granted); reports of 2025 by code."""

    licences: dict[int, tuple[str, str, str, str | None, str]]
    reports: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False
    missing_details: set[int] = field(default_factory=set)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback("GET", f"{CADASTRE}/CMCS/License/GridData", self._grid)
        for key in self.licences:
            rsps.add_callback("GET", f"{CADASTRE}/CMCS/License/Details/{key}", self._detail(key))
        rsps.add_callback("POST", f"{EITI}/reportListAppend/", self._reports)

    def _grid(self, request: Any) -> tuple[int, dict[str, str], str]:
        if self.down:
            return 503, {}, "Service Unavailable"
        page = int(parse_qs(request.url.split("?", 1)[1])["page"][0])
        rows = [{"id": key, "cell": [key, code, "Жишээ толгой", "Ашиглалтын", status, holder, "100.0"]}
                for key, (code, status, holder, _, _) in self.licences.items()] if page == 1 else []
        return 200, {}, json.dumps({"total": 1, "page": page, "records": len(self.licences), "rows": rows})

    def _detail(self, key: int) -> Any:
        def answer(_: Any) -> tuple[int, dict[str, str], str]:
            if key in self.missing_details:
                return 404, {}, "Not Found"
            code, status, holder, reg_no, granted = self.licences[key]
            licence = {"Id": key, "Code": code, "StatusName": status, "HolderLookup": holder,
                       "GrantedDate": granted, "ExpiryDate": "2045-01-01", **({"HolderRegNo": reg_no} if reg_no else {})}
            return 200, {}, f"<html><body><script>var license = {json.dumps(licence, ensure_ascii=False)};</script></body></html>"
        return answer

    def _reports(self, request: Any) -> tuple[int, dict[str, str], str]:
        year = int(parse_qs(request.body)["year"][0])
        return 200, {}, json.dumps({"data": [r for r in self.reports if r["year"] == year]}, ensure_ascii=False)


def report(code: str, submitted: str | None, tin: str = "5069106") -> dict[str, Any]:
    return {"entityTin": tin, "entityName": "…", "licenseNumber": code, "year": 2025, "statusName": "Илгээсэн",
            **({"submittedDate": submitted} if submitted else {})}


def world() -> Cadastre:
    return Cadastre(
        licences={
            1: ("MV-000001", "Хүчинтэй", *ERDENE, "2012-03-14"),
            2: ("XV-000002", "Хүчинтэй", *TURSHILT, "2020-01-05"),
            3: ("MV-000003", "Хүчинтэй", *ERDENE, "2025-01-20"),    # granted in January of 2025: in scope
            4: ("MV-000004", "Хүчинтэй", *ERDENE, "2026-01-10"),    # granted after 2025: out of scope
            5: ("MV-000005", "Цуцлагдсан", *ERDENE, "2010-01-01"),  # revoked: out of scope
            6: ("XV-000006", "Хүчинтэй", "Говь  хайгуул ХХК", None, "2018-05-05"),  # no register number
        },
        reports=[report("MV-000001", "2026-04-10 14:22:00"),
                 report(" xv-000002 ", "2026-04-17 09:05:00", "9950702"),  # lower case, spaces: late by 2
                 report("XV-000006", None),                               # no date, there on the first read: met
                 report("MV-999999", "2026-04-01 10:00:00")])             # not in the cadastre: a note


def monitor(tmp_path: Any) -> MockedMonitor:
    return MockedMonitor(tmp_path, {"cadastre": CADASTRE, "eiti": EITI}, "extractives", {})


L2_LATE = finding(RULE, TURSHILT[0], TURSHILT[1], "XV-000002/2025", "late", "2026-04-15", "2026-04-17", days_late=2)
L3_MISSING = finding(RULE, ERDENE[0], ERDENE[1], "MV-000003/2025", "missing", "2026-04-15", days_overdue=16)


def test_reports_judged_over_nights_with_an_outage(tmp_path):
    cadastre, check = world(), monitor(tmp_path)
    code, result = check.run("2026-05-01", cadastre)
    assert code == 0
    assert [s["name"] for s in result["sources"]] == ["extractives.licences", "extractives.licence_detail",
                                                      "extractives.reports"]
    expect_findings(result, L2_LATE, L3_MISSING)
    expect_agencies(result, row(RULE, ERDENE[0], ERDENE[1], met=1, missing=1),
                    row(RULE, TURSHILT[0], TURSHILT[1], late=1), row(RULE, GOVI, GOVI, met=1))
    assert [n for n in result["notes"] if "MV-999999" in n["message"]] == [
        {"source": "extractives.reports", "message": "report of MV-999999 for 2025 names no licence in the "
                                                     "cadastre; not judged"}]
    with sqlite3.connect(tmp_path / "monitor.db") as conn:  # a note made while judging is kept, too
        assert conn.execute("select count(*) from notes where message like '%MV-999999%'").fetchone() == (1,)

    # Mon 4 May: MV-000003's report appears, with no date: late from the day first seen.
    cadastre.reports.append(report("mv-000003", None))
    code, result = check.run("2026-05-04", cadastre)
    l3_late = finding(RULE, ERDENE[0], ERDENE[1], "MV-000003/2025", "late", "2026-04-15", "2026-05-04",
                      days_late=19, state="resolved")
    expect_findings(result, ongoing(L2_LATE), l3_late)

    # Tue 5 May: the cadastre answers 503: every obligation unknown, findings carried.
    cadastre.down = True
    code, result = check.run("2026-05-05", cadastre)
    assert code == 3
    assert result["sources"][0] == {"name": "extractives.licences", "ok": False, "error": "HTTP 503 after 1 try"}
    expect_findings(result, carried(ongoing(L2_LATE)), carried(l3_late))
    expect_agencies(result, row(RULE, ERDENE[0], ERDENE[1], unknown=2),
                    row(RULE, TURSHILT[0], TURSHILT[1], unknown=1), row(RULE, GOVI, GOVI, unknown=1))

    # Wed 6 May: back up; XV-000002 was revoked: it leaves the scope.
    cadastre.down = False
    cadastre.licences[2] = ("XV-000002", "Цуцлагдсан", *TURSHILT, "2020-01-05")
    code, result = check.run("2026-05-06", cadastre)
    assert code == 0
    expect_findings(result, ongoing(l3_late, state="ongoing"))


def test_a_licence_whose_detail_page_failed_is_unknown_and_the_others_are_judged(tmp_path):
    cadastre, check = world(), monitor(tmp_path)
    cadastre.missing_details = {3}
    code, result = check.run("2026-05-01", cadastre)
    assert code == 3
    assert result["sources"][1]["error"].startswith("1 of 5 detail pages unreadable; first: HTTP 404")
    expect_findings(result, L2_LATE)
    expect_agencies(result, row(RULE, ERDENE[0], ERDENE[1], met=1), row(RULE, TURSHILT[0], TURSHILT[1], late=1),
                    row(RULE, GOVI, GOVI, met=1), row(RULE, ERDENE[0], ERDENE[0], unknown=1))


def test_the_digest_shows_the_companies_under_their_own_heading_and_the_commitment(tmp_path):
    cadastre, check = world(), monitor(tmp_path)
    check.run("2026-05-01", cadastre)
    for lang, heading, commitment in (("en", "-- Extractive companies --", "3.3.1.4"),
                                      ("mn", "-- Олборлох үйлдвэрийн компаниуд --", "3.3.1.4")):
        out = io.StringIO()
        assert main(["--config", str(check.config), "--db", str(check.db), "digest", "--language", lang],
                    stdout=out) == 0
        text = out.getvalue()
        scorecard = text[text.index(heading):]
        names = (ERDENE[0], TURSHILT[0]) if lang == "mn" else (in_english(ERDENE[0]), in_english(TURSHILT[0]))
        assert all(name in scorecard for name in names)  # the companies stand under it
        assert commitment in text


def test_a_due_date_on_a_weekend_rolls_to_the_next_working_day(tmp_path):
    # Reporting year 2027: 15 April 2028 is a Saturday, so the report is due on Monday 17 April.
    cadastre = world()
    cadastre.reports = [{**report("MV-000001", "2028-04-17 10:00:00"), "year": 2027},
                        {**report(" xv-000002 ", "2028-04-18 10:00:00", "9950702"), "year": 2027}]
    check = MockedMonitor(tmp_path, {"cadastre": CADASTRE, "eiti": EITI}, "extractives", {"years": [2027]})
    code, result = check.run("2028-05-02", cadastre)
    found = {f["subject"]: f for f in result["findings"]}
    assert "MV-000001/2027" not in found  # filed on the Monday: met
    late = found["XV-000002/2027"]
    assert (late["status"], late["due"], late["published"], late["days_late"]) == ("late", "2028-04-17",
                                                                                   "2028-04-18", 1)
