"""Acceptance: `monitor check tender --as-of DATE --json`, run as the hidden harness would run it.

The world is the samples of tests/fixtures (portals.md section 1): the three invitations of
tender_opendata_invitation.json, the three rows of tender_results.html, the detail page
tender_result_detail.html, the two rows of tender_contracts.html, plus five invitations written
in the same shape (a cancelled tender, an unknown docStatusCode, the threshold pair, a late result).
`responses` serves it at fake base URLs; each listing shows a row from its own date on (a result
from its notice date, a contract from its publication date), so running on several `--as-of` days
makes results appear later. The CLI runs in-process. Every expected figure was derived by hand
from rules.md and interface.md; the derivation is written beside it.

Calendar facts used (2026): 14 and 21 October and 4 and 25 November are Wednesdays; 1 and 8
November are Sundays; 10 November (Genghis Khan's birthday) is a public holiday.

Readings chosen where the spec leaves room (each the most literal one):
- `tender.contract_published` depends on the results, their detail pages and the contracts
  listing; the invitations only supply the agency key. With the invitations unreadable but the
  invitation stored, a contract obligation is judged.
- The error text of a failed source: interface.md gives `HTTP 503 after 4 tries` (with the
  default 3 retries); with `retries = 0` that is `HTTP 503 after 1 try`, and a URL may follow.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from expectations import carried, check_runner, expect_agencies, expect_findings, finding, ongoing, row
from expectations import expect_sources as shared_expect_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OPENDATA, TENDER = "https://opendata.tender.test", "https://www.tender.test"
PORTALS = {"tender_opendata": OPENDATA, "tender": TENDER, "shilendans": "https://shilendans.test",
           "mof": "https://mof.test", "xacxom": "https://xacxom.test", "legalinfo": "https://legalinfo.test",
           "parliament": "https://api-d.parliament.test"}
TOKEN = "acceptance-token"
RESULT, CONTRACT = "tender.result_published", "tender.contract_published"
SOURCES = ("tender.invitations", "tender.results", "tender.result_detail", "tender.contracts")

AIMAG, AIMAG_KEY = "Жишээ аймгийн Боловсролын газар", "1990000000101"
DISTRICT, DISTRICT_KEY = "Туршилт дүүргийн Засаг даргын Тамгын газар", "1990000000102"
I1, I2, I3 = "ЖШГ/20260801000/01/01", "ЖШГ/20260802001/02/01", "ЖШГ/20260803002/03/01"  # the sample's three
R3 = "ЖШГ/20260601009/01/01"  # the sample's third result: no invitation in the world
I4, I5 = "ЖШГ/20260804003/01/01", "ЖШГ/20260805004/02/01"
I6, I7, I8 = "ЖШГ/20260806005/01/01", "ЖШГ/20260807006/01/01", "ЖШГ/20260808007/03/01"


# the world: the samples, and five invitations more in the sample's shape

def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _invitations() -> list[dict[str, Any]]:
    sample = json.loads(_fixture("tender_opendata_invitation.json"))["data"]
    aimag, district = sample[0], sample[1]

    def like(base: dict[str, Any], number: str, serial: int, open_date: str, status: str) -> dict[str, Any]:
        item = copy.deepcopy(base)
        item.update(invitationId=str(1990000001000 + serial), invitationNumber=number,
                    tenderCode=number.rsplit("/", 2)[0], tenderId=430000 + serial,
                    openDate=open_date, receiveDate=open_date, docStatusCode=status)
        return item
    return sample + [
        like(aimag, I4, 4, "2026-09-01 10:00:00", "CANCELLED_TENDER"),  # no result ever: out of scope
        like(district, I5, 5, "2026-10-26 10:00:00", "SUSPENDED_TENDER"),  # a code portals.md does not list
        like(aimag, I6, 6, "2026-09-28 10:00:00", "RESULT_TENDER"),
        like(aimag, I7, 7, "2026-09-28 10:00:00", "RESULT_TENDER"),
        like(aimag, I8, 8, "2026-09-14 10:00:00", "RESULT_TENDER"),
    ]


@dataclass
class Result:
    number: str
    detail_id: str
    name: str
    notice: str  # dd/mm/yyyy, as the listing writes it
    agency: str
    budget: str

    @property
    def appears(self) -> date:
        day, month, year = self.notice.split("/")
        return date(int(year), int(month), int(day))

    def html(self) -> str:
        return (f"<tr><td>{self.number}</td><td>{self.number.rsplit('/', 2)[0]}</td>"
                f"<td><a href=\"/mn/result/detail/{self.detail_id}\">{self.name}</a> {self.notice}</td>"
                f"<td>{self.agency}</td><td>{self.budget}</td></tr>\n")


RESULTS = [
    Result(I1, "1990000009001", "Жишээ сургуулийн тавилга", "02/10/2026", AIMAG, "96,000,000 ₮"),      # sample
    Result(I2, "1990000009002", "Туршилтын эмнэлгийн багаж", "28/10/2026", DISTRICT, "45,500,000.00 ₮"),  # sample
    Result(R3, "1990000009003", "Жишээ хүнсний бүтээгдэхүүн", "15/07/2026", AIMAG, "30,000,000 ₮"),    # sample
    Result(I6, "1990000009006", "Жишээ сургуулийн засвар", "09/10/2026", AIMAG, "85,000,000 ₮"),
    Result(I7, "1990000009007", "Жишээ дотуур байрны засвар", "09/10/2026", AIMAG, "79,000,000 ₮"),
    Result(I8, "1990000009008", "Жишээ сургуулийн сурах бичиг", "15/10/2026", AIMAG, "50,000,000 ₮"),
]


def _detail(*bidders: tuple[str, str]) -> str:
    """The sample detail page with other bidder rows (supplier, registration, price, status)."""
    rows = "".join(f"<tr><td><a href=\"/mn/supplier/99000{i}\">Жишээ Нийлүүлэгч {i} ХХК</a></td><td>99000{i}</td>"
                   f"<td>{price}</td><td>{status}</td></tr>\n" for i, (price, status) in enumerate(bidders, 20))
    return re.sub(r"(<table id=\"bidder_tableId\".*?<tbody>).*?(</tbody>)", lambda m: m[1] + rows + m[2],
                  _fixture("tender_result_detail.html"), flags=re.S)


DETAILS = {
    "1990000009001": _fixture("tender_result_detail.html"),  # Шалгарсан 91,420,000: above the threshold
    "1990000009002": _detail(("44,800,000 ₮", "Шалгарсан"), ("45,000,000 ₮", "Шалгараагүй")),
    "1990000009003": _detail(("30,500,000 ₮", "Шалгараагүй"), ("29,000,000 ₮", "Татгалзсан")),  # none selected
    # two selected summing to exactly 80,000,000 (the listing's budget of 85,000,000 does not count)
    "1990000009006": _detail(("50,000,000 ₮", "Шалгарсан"), ("30,000,000 ₮", "Шалгарсан"),
                             ("100,000,000 ₮", "Шалгараагүй")),
    # selected 80,000,001: strictly above (the listing's budget of 79,000,000 does not count)
    "1990000009007": _detail(("80,000,001 ₮", "Шалгарсан"), ("82,000,000 ₮", "Шалгараагүй")),
    "1990000009008": _detail(("49,000,000 ₮", "Татгалзсан")),  # none selected: budget 50,000,000
}


def _contract_rows() -> list[tuple[date, str]]:
    """The sample's contract rows, each shown from its publication date (the sixth cell) on."""
    rows = re.findall(r"<tr>.*?</tr>", _fixture("tender_contracts.html"), flags=re.S)
    return [(date.fromisoformat(re.findall(r"<td>(\d{4}-\d\d-\d\d)</td>", row)[1]), row) for row in rows]


class TenderPortal:
    """tender.gov.mn and its open-data API as of `today`; `broken` names the endpoints failing."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.today = date.min
        self.token = TOKEN
        self.broken: set[str] = set()
        self.invitations = _invitations()
        rsps.add_callback(responses.POST, f"{OPENDATA}/api/invitation", callback=self._invitations)
        rsps.add_callback(responses.GET, re.compile(rf"^{re.escape(TENDER)}/mn/result/detail/(\d+)$"),
                          callback=self._detail)
        rsps.add_callback(responses.GET, re.compile(rf"^{re.escape(TENDER)}/mn/result/(\?.*)?$"), callback=self._results)
        rsps.add_callback(responses.GET, re.compile(rf"^{re.escape(TENDER)}/mn/contract/(\?.*)?$"),
                          callback=self._contracts)

    def _invitations(self, request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {"Content-Type": "application/json"}, _fixture("tender_opendata_unauthorized.json")
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        page, per_page = int(form["current_page"]), int(form["per_page"])
        chosen = [i for i in self.invitations if "tenderYear" not in form or str(i["tenderYear"]) == form["tenderYear"]]
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"return_code": 200, "message": "Амжилттай", "total": len(chosen), "per_page": per_page,
             "current_page": page, "data": chosen[(page - 1) * per_page:page * per_page]}, ensure_ascii=False)

    @staticmethod
    def _query(request: Any) -> tuple[int, int, int]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        return int(query["year"]), int(query.get("page", 1)), int(query.get("perpage", 20))

    def _results(self, request: Any) -> tuple[int, dict[str, str], str]:
        if "results" in self.broken:  # a maintenance page where the listing was
            return 200, {"Content-Type": "text/html; charset=utf-8"}, (
                "<!DOCTYPE html><html lang=\"mn\"><body><main><h1>Засвар үйлчилгээ</h1>"
                "<p>Түр хүлээнэ үү.</p></main></body></html>")
        year, page, per_page = self._query(request)
        shown = [r for r in RESULTS if r.appears <= self.today and r.appears.year == year]
        rows = "".join(r.html() for r in shown[(page - 1) * per_page:page * per_page])
        page_html = _fixture("tender_results_past_end.html").replace("<tbody>\n", f"<tbody>\n{rows}", 1)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page_html

    def _contracts(self, request: Any) -> tuple[int, dict[str, str], str]:
        if "contracts" in self.broken:
            return 503, {"Content-Type": "text/html"}, "<html><body>503 Service Unavailable</body></html>"
        year, page, per_page = self._query(request)
        shown = [row for published, row in _contract_rows() if published <= self.today and published.year == year]
        rows = "\n".join(shown[(page - 1) * per_page:page * per_page])
        page_html = re.sub(r"(<tbody>).*?(</tbody>)", lambda m: m[1] + rows + m[2], _fixture("tender_contracts.html"),
                           flags=re.S)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page_html

    def _detail(self, request: Any) -> tuple[int, dict[str, str], str]:
        detail_id = request.url.rsplit("/", 1)[1]
        if detail_id not in DETAILS:
            return 404, {}, "Not Found"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, DETAILS[detail_id]


@pytest.fixture
def portal(monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield TenderPortal(rsps)


@pytest.fixture
def check(tmp_path: Path, portal: TenderPortal):
    """Run `monitor check tender --as-of DAY --json` on one database; the portal shows that day."""
    return check_runner(tmp_path, PORTALS, "tender", lambda day: setattr(portal, "today", day))


def expect_sources(result: dict[str, Any], failed: dict[str, str] | None = None) -> None:
    shared_expect_sources(result, list(SOURCES), failed)


def expect_status_note(result: dict[str, Any]) -> None:
    """The one data note: I5's docStatusCode, reported against tender.invitations."""
    notes = result.get("notes", [])
    assert len(notes) == 1, notes
    assert notes[0]["source"] == "tender.invitations"
    assert "SUSPENDED_TENDER" in notes[0]["message"]


# I8: opened 14 Sep, due 14 Oct (Wed); result notice 15 Oct: late by 1
I8_LATE = finding(RESULT, AIMAG, AIMAG_KEY, I8, "late", "2026-10-14", "2026-10-15", days_late=1)
# I2: opened 21 Sep, due 21 Oct (Wed); no result on 22 Oct: missing by 1
I2_MISSING = finding(RESULT, DISTRICT, DISTRICT_KEY, I2, "missing", "2026-10-21", days_overdue=1)
# I2's result, notice 28 Oct: late by 7
I2_LATE = finding(RESULT, DISTRICT, DISTRICT_KEY, I2, "late", "2026-10-21", "2026-10-28", days_late=7)
# I3: opened 5 Oct, due 4 Nov (Wed); never a result
I3_MISSING = finding(RESULT, AIMAG, AIMAG_KEY, I3, "missing", "2026-11-04", days_overdue=1)
# I5 (unknown status code, still in scope): opened 26 Oct, due 25 Nov (Wed); never a result
I5_MISSING = finding(RESULT, DISTRICT, DISTRICT_KEY, I5, "missing", "2026-11-25", days_overdue=4)
# I7's contract: awarded 80,000,001; notice 9 Oct + 30 = Sun 8 Nov, rolled to Mon 9 Nov; never published
I7_CONTRACT = finding(CONTRACT, AIMAG, AIMAG_KEY, I7, "missing", "2026-11-09", days_overdue=20)


def test_results_and_contracts_over_five_runs(portal, check):
    # Tue 20 Oct, the first run. Listed: results of I1 (2 Oct), R3 (15 Jul), I6, I7 (9 Oct), I8 (15 Oct);
    # no contract yet. I1, I6, I7 met; I8 late by 1; I2, I3, I5 pending; I4 cancelled: out of scope;
    # R3 has no invitation: no result obligation. Contracts: I1 (91,420,000, due 2 Oct + 30 = Sun 1 Nov
    # -> Mon 2 Nov) and I7 (due Mon 9 Nov) pending; I6 exactly 80,000,000, I8 and R3 below: none.
    code, result = check("2026-10-20")
    assert code == 0
    assert result["check"] == "tender" and result["as_of"] == "2026-10-20"
    expect_sources(result)
    expect_findings(result, I8_LATE)
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, met=3, late=1, pending=1),   # I1, I6, I7; I8; I3
                    row(RESULT, DISTRICT, DISTRICT_KEY, pending=2),            # I2, I5
                    row(CONTRACT, AIMAG, AIMAG_KEY, pending=2))                # I1, I7
    expect_status_note(result)

    # Thu 22 Oct: I2's result is a day overdue.
    code, result = check("2026-10-22")
    assert code == 0
    expect_findings(result, ongoing(I8_LATE), I2_MISSING)
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, met=3, late=1, pending=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, missing=1, pending=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, pending=2))

    # Thu 29 Oct: I2's result appeared (notice 28 Oct): missing -> late by 7, resolved. I1's contract
    # (published 23 Oct, due 2 Nov): met. I2's award of 44,800,000 is below the threshold: no contract.
    code, result = check("2026-10-29")
    assert code == 0
    expect_findings(result, ongoing(I8_LATE), {**I2_LATE, "state": "resolved"})
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, met=3, late=1, pending=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, late=1, pending=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, met=1, pending=1))

    # Thu 5 Nov: I3 a day overdue; the aimag has 5 results due: 3 on time of 5.
    code, result = check("2026-11-05")
    assert code == 0
    expect_findings(result, ongoing(I8_LATE), ongoing(I2_LATE), I3_MISSING)
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, 0.6, met=3, late=1, missing=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, late=1, pending=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, met=1, pending=1))

    # Sun 29 Nov: I5 4 days overdue; I3 25; I7's contract 20 days overdue (due Mon 9 Nov).
    code, first = check("2026-11-29")
    assert code == 0
    expect_sources(first)
    expect_findings(first, ongoing(I8_LATE), ongoing(I2_LATE), ongoing(I3_MISSING, days_overdue=25), I5_MISSING,
                    I7_CONTRACT)
    expect_agencies(first,
                    row(RESULT, AIMAG, AIMAG_KEY, 0.6, met=3, late=1, missing=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, late=1, missing=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, met=1, missing=1))
    expect_status_note(first)

    # the same day again, same data: the same answer, states included
    code, again = check("2026-11-29")
    assert code == 0
    assert again == first


def test_invitations_refused_with_return_code_401(portal, check):
    """The token expired: every result obligation unknown, I8's finding carried, I2 not raised."""
    check("2026-10-20")
    portal.token = "rotated-by-the-agency"
    code, result = check("2026-10-22")
    assert code == 3
    expect_sources(result, failed={"tender.invitations": "return_code 401: Token expired"})
    assert result["sources"][0]["error"] == "return_code 401: Token expired"
    expect_findings(result, carried(I8_LATE))
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, unknown=5),      # I1, I3, I6, I7, I8
                    row(RESULT, DISTRICT, DISTRICT_KEY, unknown=2),  # I2, I5
                    row(CONTRACT, AIMAG, AIMAG_KEY, pending=2))      # I1, I7: judged from what was read


def test_results_listing_whose_layout_changed(portal, check):
    """No #tender-result-table: both rules unknown (a contract's scope and due date come from the results)."""
    check("2026-10-20")
    check("2026-10-22")
    portal.broken = {"results"}
    code, result = check("2026-10-23")
    assert code == 3
    expect_sources(result, failed={"tender.results": "layout changed: no #tender-result-table"})
    assert result["sources"][1]["error"] == "layout changed: no #tender-result-table"
    expect_findings(result, carried(I8_LATE), carried(I2_MISSING))  # I2 as judged on the 22nd: 1 day
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, unknown=5),
                    row(RESULT, DISTRICT, DISTRICT_KEY, unknown=2),
                    row(CONTRACT, AIMAG, AIMAG_KEY, unknown=2))

    # Thu 29 Oct, the listing is back with I2's result (notice 28 Oct): the missing listed on the
    # failed run (its previous run) is now late by 7: resolved.
    portal.broken = set()
    code, result = check("2026-10-29")
    assert code == 0
    expect_sources(result)
    expect_findings(result, ongoing(I8_LATE), {**I2_LATE, "state": "resolved"})
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, met=3, late=1, pending=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, late=1, pending=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, met=1, pending=1))


def test_contracts_listing_answering_503(portal, check):
    """Contracts unreadable: contract obligations unknown, I7's finding carried; results judged as usual."""
    check("2026-10-20")
    check("2026-11-29")
    portal.broken = {"contracts"}
    code, result = check("2026-11-30")
    assert code == 3
    expect_sources(result, failed={"tender.contracts": "HTTP 503 after 1 try"})
    # I2: pending on the 20th, late when next judged (29th): new then, ongoing now
    expect_findings(result, ongoing(I8_LATE), ongoing(I2_LATE), ongoing(I3_MISSING, days_overdue=26),
                    ongoing(I5_MISSING, days_overdue=5), carried(I7_CONTRACT))
    expect_agencies(result,
                    row(RESULT, AIMAG, AIMAG_KEY, 0.6, met=3, late=1, missing=1),
                    row(RESULT, DISTRICT, DISTRICT_KEY, late=1, missing=1),
                    row(CONTRACT, AIMAG, AIMAG_KEY, unknown=2))
    expect_status_note(result)
