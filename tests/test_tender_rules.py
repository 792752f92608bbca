"""The two procurement rules end to end (rules.md section 3 "Procurement"), without a network.

Each test builds tender.gov.mn and its open-data API as demo-world data (demo.tender_world: exactly
the tenders, results and contracts it needs), served by `tender_routes` on `responses`
(tests/mocked_routes.py) at fake base URLs and broken with demo.server.Fault; everything else is the
real code path: parse_config -> Runner(available_checks()) -> Fetcher -> TenderCheck -> Store ->
findings -> CheckResult.as_json().
"""
from __future__ import annotations

import json
import re
import shutil
import zlib
from dataclasses import replace
from datetime import date, datetime
from email.message import Message
from urllib.parse import parse_qs

import pytest
import responses

from checks.tender import PER_PAGE_API
from demo.server import JSON, Fault, Request
from demo.tender_world import OPEN_RULE, Agency, Bidder, Contract, Result, Tender, TenderWorld, tender_routes
from dying import Died, stored_records
from mocked_routes import install_routes
from monitor.config import parse_config
from monitor.registry import available_checks
from monitor.runner import Runner
from monitor.store import Store

OD = "https://opendata.tender.test"
T = "https://www.tender.test"
RESULT, CONTRACT = "tender.result_published", "tender.contract_published"
AGENCY_1, CLIENT_1 = "Жишээ аймгийн Боловсролын газар", 1990000000101
AGENCY_2, CLIENT_2 = "Туршилт дүүргийн Засаг даргын Тамгын газар", "1990000000102"
AS_OF = date(2026, 11, 29)
SELECTED, NOT_SELECTED, REJECTED = "Шалгарсан", "Шалгараагүй", "Татгалзсан"
TOKEN = "test-token"


# the portal: demo-world data

def _agency(client_id, name):
    return Agency(int(client_id), name, "ЖАБГ", "9900101", "education", "ЖИШЭЭ АЙМГИЙН ЗАСАГ ДАРГА", 162,
                  "10001", None, "typical")


def tender(number, open_date="2026-09-14 10:00:00", year=2026, client_id=CLIENT_1, agency=AGENCY_1,
           status="RESULT_TENDER", notice=None, bidders=(), detail_id=None, budget="96,000,000 ₮", contract=None):
    """One invitation; `notice` ("DD/MM/YYYY") publishes its result, `contract` ("YYYY-MM-DD") its contract."""
    key, opens = zlib.crc32(number.encode()) % 1000, datetime.fromisoformat(open_date)
    result = None if notice is None else Result(
        int(detail_id or 5000 + key), datetime.strptime(notice, "%d/%m/%Y").date(),
        tuple(Bidder(f"Нийлүүлэгч {i} ХХК", f"99000{i:02d}", int(re.sub(r"\D", "", price)), status_)
              for i, (price, status_) in enumerate(bidders)), budget)
    published = contract and date.fromisoformat(contract)
    return Tender(_agency(client_id, agency), 1990000001000 + key, False, number, number.rsplit("/", 2)[0], key,
                  f"Тендер {number}", year, 96000000, 96000000, *OPEN_RULE, "PRODUCT", 1, "Улсын төсөв", 1,
                  True, False, None, datetime(2026, 8, 10, 9), opens, opens, opens, status_code=status, result=result,
                  contract=published and Contract("ГЭ-2026/1", "Нийлүүлэгч ХХК", 91420000, published, published, 1))


def records(edit):
    """A Fault.rewrite applying `edit(record)` to every record of the open-data API's answer."""
    def rewrite(body):
        answer = json.loads(body)
        for record in answer["data"]:
            edit(record)
        return json.dumps(answer, ensure_ascii=False).encode()
    return rewrite


def page(request):
    return int(request.query.get("page") or request.form.get("current_page") or 1)


class Portal:
    """The demo routes of both bases over `tenders`, which a test may change between runs."""

    def __init__(self, rsps):
        self.rsps, self.tenders, self.token = rsps, [], TOKEN
        routes = [replace(r, handler=self._live(r.name)) for r in tender_routes(self.world(), TOKEN)]
        self.routings = [install_routes(rsps, OD, routes), install_routes(rsps, T, routes)]

    def world(self):
        return TenderWorld(AS_OF, AS_OF, (), tuple(self.tenders))

    def _live(self, name):
        return lambda request: {r.name: r for r in tender_routes(self.world(), self.token)}[name].handler(request)

    def fault(self, name, **kwargs):
        fault = Fault(**kwargs)   # one fault for both bases: `times` counts once
        for routing in self.routings:
            routing.faults[name] = fault

    def heal(self, name):
        for routing in self.routings:
            del routing.faults[name]

    def calls(self, pattern):
        return sum(1 for c in self.rsps.calls if re.search(pattern, c.request.url))


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def portal(rsps):
    return Portal(rsps)


@pytest.fixture
def make_runner(tmp_path):
    def make(years=(2026,), days_off=(), environ=None, **tender):
        raw = {"monitor": {"days_off": list(days_off)},
               "portals": {"tender_opendata": OD, "tender": T},
               "fetch": {"delay": 0, "retries": 1, "backoff": 0},
               "checks": {"tender": {"years": list(years), **tender}}}
        checks = available_checks()
        config = parse_config(raw, checks)
        env = {"TENDER_OPENDATA_TOKEN": "test-token"} if environ is None else environ
        return Runner(config, Store(tmp_path / "monitor.db"), checks, environ=env)
    return make


def run(runner, as_of=AS_OF):
    [res] = runner.run(["tender"], as_of, "test")
    return res


def obligations(res, rule):
    return {ob.subject: ob for ob in res.obligations if ob.rule == rule}


def findings(res, rule):
    return {f["subject"]: f for f in res.as_json()["findings"] if f["rule"] == rule}


def sources(res):
    return {s["name"]: s for s in res.as_json()["sources"]}


# tender.result_published

def test_all_sources_read(portal, make_runner):
    portal.tenders = [tender("A/1/01/01")]
    res = run(make_runner())
    out = res.as_json()
    assert out["check"] == "tender" and out["as_of"] == "2026-11-29"
    assert out["sources"] == [{"name": n, "ok": True, "error": None} for n in
                              ("tender.invitations", "tender.results", "tender.result_detail", "tender.contracts")]
    assert res.ok


def test_result_on_the_due_date_is_met(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-14 10:00:00", notice="14/10/2026",
                             budget="30,000,000 ₮")]
    res = run(make_runner())
    ob = obligations(res, RESULT)["A/1/01/01"]
    assert (ob.status, ob.due, ob.published) == ("met", date(2026, 10, 14), date(2026, 10, 14))
    assert findings(res, RESULT) == {}
    [row] = [a for a in res.as_json()["agencies"] if a["rule"] == RESULT]
    assert (row["met"], row["late"], row["missing"], row["agency_key"]) == (1, 0, 0, str(CLIENT_1))


def test_result_a_day_after_the_due_date_is_late_by_one(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-14 10:00:00", notice="15/10/2026",
                             budget="30,000,000 ₮")]
    res = run(make_runner())
    f = findings(res, RESULT)["A/1/01/01"]
    assert f["status"] == "late"
    assert f["days_late"] == 1
    assert f["days_overdue"] is None
    assert f["due"] == "2026-10-14" and f["published"] == "2026-10-15"
    assert f["state"] == "new" and f["rechecked"] is True
    assert f["agency"] == AGENCY_1 and f["agency_key"] == str(CLIENT_1)


def test_no_result_after_the_due_date_is_missing(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-14 10:00:00")]
    res = run(make_runner())
    f = findings(res, RESULT)["A/1/01/01"]
    assert f["status"] == "missing"
    assert f["days_overdue"] == (AS_OF - date(2026, 10, 14)).days == 46
    assert f["published"] is None and f["days_late"] is None


def test_no_result_on_the_due_date_is_pending(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-14 10:00:00")]
    res = run(make_runner(), as_of=date(2026, 10, 14))
    assert obligations(res, RESULT)["A/1/01/01"].status == "pending"
    assert res.as_json()["findings"] == []


def test_result_notice_after_the_run_date_is_not_yet_published(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-14 10:00:00", notice="20/10/2026",
                             budget="30,000,000 ₮")]
    res = run(make_runner(), as_of=date(2026, 10, 16))
    f = findings(res, RESULT)["A/1/01/01"]
    assert (f["status"], f["days_overdue"], f["published"]) == ("missing", 2, None)


@pytest.mark.parametrize("open_date, due", [
    ("2026-09-17 10:00:00", "2026-10-19"),   # +30 is Saturday 17 Oct
    ("2026-09-18 09:30:00", "2026-10-19"),   # +30 is Sunday 18 Oct
    ("2026-06-10 10:00:00", "2026-07-16"),   # +30 is 10 July, Naadam (10-15 July)
    ("2026-06-13 10:00:00", "2026-07-16"),   # +30 is 13 July, Naadam
    ("2026-10-27 10:00:00", "2026-11-27"),   # +30 is 26 Nov, Republic Day
])
def test_result_due_on_a_non_working_day_rolls_forward(portal, make_runner, open_date, due):
    portal.tenders = [tender("A/1/01/01", open_date=open_date)]
    res = run(make_runner())
    f = findings(res, RESULT)["A/1/01/01"]
    assert f["due"] == due
    assert f["days_overdue"] == (AS_OF - date.fromisoformat(due)).days


def test_rolled_due_date_is_met_on_the_rolled_day_and_pending_until_then(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-09-17 10:00:00", notice="19/10/2026",
                             budget="30,000,000 ₮"),
                      tender("B/1/01/01", open_date="2026-09-17 10:00:00")]
    runner = make_runner()
    res = run(runner, as_of=date(2026, 10, 19))
    assert obligations(res, RESULT)["A/1/01/01"].status == "met"
    assert obligations(res, RESULT)["B/1/01/01"].status == "pending"
    res = run(runner, as_of=date(2026, 10, 20))
    assert findings(res, RESULT)["B/1/01/01"]["days_overdue"] == 1
    assert "A/1/01/01" not in findings(res, RESULT)


def test_configured_day_off_moves_the_due_date_further(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-06-10 10:00:00")]
    res = run(make_runner(days_off=["2026-07-16"]))
    assert findings(res, RESULT)["A/1/01/01"]["due"] == "2026-07-17"


def test_naadam_result_on_the_rolled_due_date_is_met(portal, make_runner):
    portal.tenders = [tender("A/1/01/01", open_date="2026-06-10 10:00:00", notice="16/07/2026",
                             budget="30,000,000 ₮")]
    res = run(make_runner())
    ob = obligations(res, RESULT)["A/1/01/01"]
    assert (ob.status, ob.due) == ("met", date(2026, 7, 16))


def test_cancelled_tender_is_out_of_scope(portal, make_runner):
    portal.tenders = [tender("C/1/01/01", status="CANCELLED_TENDER"), tender("A/1/01/01")]
    res = run(make_runner())
    assert set(obligations(res, RESULT)) == {"A/1/01/01"}


@pytest.mark.parametrize("open_date", [None, "", "null"])
def test_invitation_without_open_date_is_out_of_scope(portal, make_runner, open_date):
    def edit(record):
        if record["invitationNumber"] == "N/1/01/01":
            record.pop("openDate") if open_date is None else record.update(openDate=open_date and None)
    portal.tenders = [tender("N/1/01/01"), tender("A/1/01/01")]
    portal.fault("tender.invitations", rewrite=records(edit))
    res = run(make_runner())
    assert set(obligations(res, RESULT)) == {"A/1/01/01"}


def test_tender_year_outside_configured_years_is_out_of_scope(portal, make_runner):
    portal.tenders = [tender("A/1/01/01")]   # and the API answers a 2025 record to the 2026 request:
    old = tender("OLD/1/01/01", year=2025, open_date="2025-09-14 10:00:00").record()
    portal.fault("tender.invitations", rewrite=lambda body: body.replace(b'"data": [', b'"data": ['
                                                                            + json.dumps(old).encode() + b", "))
    res = run(make_runner(years=(2026,)))
    assert set(obligations(res, RESULT)) == {"A/1/01/01"}


def test_default_years_are_the_run_year_and_the_year_before(portal, make_runner):
    portal.tenders = [tender("Y24/1/01/01", year=2024, open_date="2024-09-14 10:00:00"),
                      tender("Y25/1/01/01", year=2025, open_date="2025-09-15 10:00:00"),
                      tender("Y26/1/01/01", year=2026)]
    res = run(make_runner(years=()))
    assert set(obligations(res, RESULT)) == {"Y25/1/01/01", "Y26/1/01/01"}
    asked = {parse_qs(c.request.body)["tenderYear"][0] for c in portal.rsps.calls if "/api/invitation" in c.request.url}
    assert asked == {"2025", "2026"}


def test_result_matched_by_trimmed_nfc_invitation_number(portal, make_runner):
    import unicodedata
    portal.tenders = [tender("ЙШГ/1/01/01", notice="14/10/2026", budget="30,000,000 ₮")]
    nfd = "<td> " + unicodedata.normalize("NFD", "ЙШГ/1/01/01") + " </td>"
    portal.fault("tender.results", rewrite=lambda body: body.replace("<td>ЙШГ/1/01/01</td>".encode(), nfd.encode()))
    res = run(make_runner())
    assert obligations(res, RESULT)["ЙШГ/1/01/01"].status == "met"


# tender.contract_published

def _awarded_case(portal, number, detail_id, *bidders, budget="96,000,000 ₮", notice="02/10/2026", contract=None):
    portal.tenders.append(tender(number, notice=notice, detail_id=detail_id, bidders=bidders, budget=budget,
                                 contract=contract))


def test_awarded_exactly_the_threshold_has_no_contract_obligation(portal, make_runner):
    _awarded_case(portal, "EQ/1/01/01", "1001", ("80,000,000 ₮", SELECTED), ("79,000,000 ₮", NOT_SELECTED))
    res = run(make_runner())
    assert "EQ/1/01/01" not in obligations(res, CONTRACT)


def test_awarded_one_above_the_threshold_has_a_contract_obligation(portal, make_runner):
    _awarded_case(portal, "UP/1/01/01", "1002", ("80,000,001 ₮", SELECTED))
    res = run(make_runner())
    ob = obligations(res, CONTRACT)["UP/1/01/01"]
    assert ob.status == "missing"
    assert ob.due == date(2026, 11, 2)   # notice 2 Oct + 30 = Sunday 1 Nov -> Monday


def test_threshold_is_configurable(portal, make_runner):
    _awarded_case(portal, "UP/1/01/01", "1002", ("80,000,001 ₮", SELECTED))
    res = run(make_runner(contract_threshold_mnt=90_000_000))
    assert obligations(res, CONTRACT) == {}


def test_no_selected_bidder_uses_the_listing_budget(portal, make_runner):
    # bidders above the threshold, none selected: the listing's budget decides
    _awarded_case(portal, "LOW/1/01/01", "1003", ("200,000,000 ₮", NOT_SELECTED), ("150,000,000 ₮", REJECTED),
                  budget="50,000,000 ₮")
    # bidders below the threshold, none selected, listing budget above it
    _awarded_case(portal, "HIGH/1/01/01", "1004", ("70,000,000 ₮", NOT_SELECTED), budget="96,000,000 ₮")
    res = run(make_runner())
    assert set(obligations(res, CONTRACT)) == {"HIGH/1/01/01"}


def test_selected_bidder_decides_over_the_listing_budget(portal, make_runner):
    _awarded_case(portal, "SEL/1/01/01", "1005", ("70,000,000 ₮", SELECTED), ("95,000,000 ₮", NOT_SELECTED),
                  budget="96,000,000 ₮")
    res = run(make_runner())
    assert obligations(res, CONTRACT) == {}


def test_several_selected_bidders_are_summed(portal, make_runner):
    _awarded_case(portal, "SUM/1/01/01", "1006", ("50,000,000 ₮", SELECTED), ("40,000,000 ₮", SELECTED),
                  ("10,000,000 ₮", NOT_SELECTED), budget="30,000,000 ₮")
    _awarded_case(portal, "SUM/2/01/01", "1007", ("40,000,000 ₮", SELECTED), ("40,000,000 ₮", SELECTED),
                  budget="96,000,000 ₮")   # 80,000,000 exactly: not above
    res = run(make_runner())
    assert set(obligations(res, CONTRACT)) == {"SUM/1/01/01"}


def test_result_without_detail_link_uses_the_listing_budget(portal, make_runner):
    portal.tenders = [tender("ND/1/01/01", notice="02/10/2026", budget="96,000,000 ₮"),
                      tender("ND/2/01/01", notice="02/10/2026", budget="80,000,000 ₮")]
    portal.fault("tender.results", rewrite=lambda body: re.sub(rb'href="/mn/result/detail/\d+"', b'href="#"', body))
    res = run(make_runner())
    assert set(obligations(res, CONTRACT)) == {"ND/1/01/01"}


@pytest.mark.parametrize("published, status, days_late", [
    ("2026-11-02", "met", None),     # the rolled due date
    ("2026-10-23", "met", None),
    ("2026-11-03", "late", 1),
    ("2026-11-20", "late", 18),
])
def test_contract_published_on_or_after_the_due_date(portal, make_runner, published, status, days_late):
    _awarded_case(portal, "K/1/01/01", "1008", ("91,420,000 ₮", SELECTED), notice="02/10/2026", contract=published)
    res = run(make_runner())
    ob = obligations(res, CONTRACT)["K/1/01/01"]
    assert (ob.status, ob.due, ob.days_late) == (status, date(2026, 11, 2), days_late)
    if status == "late":
        f = findings(res, CONTRACT)["K/1/01/01"]
        assert (f["status"], f["days_late"], f["published"]) == ("late", days_late, published)
    else:
        assert findings(res, CONTRACT) == {}


def test_contract_missing_after_the_due_date(portal, make_runner):
    _awarded_case(portal, "K/1/01/01", "1008", ("91,420,000 ₮", SELECTED), notice="02/10/2026")
    res = run(make_runner())
    f = findings(res, CONTRACT)["K/1/01/01"]
    assert (f["status"], f["due"], f["days_overdue"]) == ("missing", "2026-11-02", 27)


def test_contract_due_counts_from_the_result_notice_date(portal, make_runner):
    _awarded_case(portal, "K/1/01/01", "1008", ("91,420,000 ₮", SELECTED), notice="14/10/2026")
    res = run(make_runner())
    assert obligations(res, CONTRACT)["K/1/01/01"].due == date(2026, 11, 13)


def test_agency_key_is_client_id_as_a_string_from_number_or_string(portal, make_runner):
    portal.tenders = [tender("N/1/01/01", client_id=CLIENT_1, agency=AGENCY_1),
                      tender("S/1/01/01", client_id=CLIENT_2, agency=AGENCY_2)]
    portal.fault("tender.invitations", rewrite=records(   # the API sends some clientIds as strings
        lambda record: record["clientId"] == int(CLIENT_2) and record.update(clientId=CLIENT_2)))
    res = run(make_runner())
    out = res.as_json()
    keys = {f["subject"]: f["agency_key"] for f in out["findings"]}
    assert keys == {"N/1/01/01": "1990000000101", "S/1/01/01": "1990000000102"}
    assert {a["agency_key"] for a in out["agencies"]} == {"1990000000101", "1990000000102"}
    assert all(isinstance(a["agency_key"], str) for a in out["agencies"])
    assert {a["agency"] for a in out["agencies"]} == {AGENCY_1, AGENCY_2}


def test_agency_name_is_normalised(portal, make_runner):
    portal.tenders = [tender("E/1/01/01", client_id=1453535505115, agency="Эрдэнэс  Таван Толгой ")]
    res = run(make_runner())
    f = findings(res, RESULT)["E/1/01/01"]
    assert (f["agency"], f["agency_key"]) == ("Эрдэнэс Таван Толгой", "1453535505115")


def test_contract_agency_key_is_the_invitations_client_id(portal, make_runner):
    portal.tenders = [tender("K/1/01/01", client_id=CLIENT_2, agency=AGENCY_2, notice="02/10/2026", detail_id="1009",
                             bidders=[("91,420,000 ₮", SELECTED)])]
    res = run(make_runner())
    f = findings(res, CONTRACT)["K/1/01/01"]
    assert f["agency_key"] == "1990000000102"
    assert f["agency"] == AGENCY_2


def test_unknown_doc_status_is_a_note_not_a_crash(portal, make_runner):
    portal.tenders = [tender("W/1/01/01")]
    portal.fault("tender.invitations", rewrite=records(lambda record: record.update(docStatusCode="SOMETHING_NEW")))
    res = run(make_runner())
    out = res.as_json()
    assert out["sources"][0]["ok"] is True
    assert any(n["source"] == "tender.invitations" and "SOMETHING_NEW" in n["message"] for n in out["notes"])
    assert "W/1/01/01" in obligations(res, RESULT)


# failures

def _day_one(portal):
    portal.tenders = [tender("A/1/01/01", notice="02/10/2026", detail_id="2001",
                             bidders=[("91,420,000 ₮", SELECTED)]),
                      tender("B/1/01/01")]


def test_results_http_503_makes_both_rules_unknown_and_keeps_open_findings(portal, make_runner):
    _day_one(portal)
    runner = make_runner()
    first = run(runner, as_of=date(2026, 11, 28))
    assert findings(first, RESULT)["B/1/01/01"]["status"] == "missing"
    assert findings(first, CONTRACT)["A/1/01/01"]["status"] == "missing"

    portal.fault("tender.results", status=503, body=b"Service Unavailable")
    res = run(runner, as_of=AS_OF)
    out = res.as_json()
    src = sources(res)
    assert src["tender.results"]["ok"] is False
    assert src["tender.results"]["error"].startswith("HTTP 503 after 2 tries")
    assert "\n" not in src["tender.results"]["error"]
    assert src["tender.invitations"]["ok"] and src["tender.contracts"]["ok"]
    assert not res.ok
    assert {ob.status for ob in res.obligations} == {"unknown"}
    assert set(obligations(res, RESULT)) == {"A/1/01/01", "B/1/01/01"}
    assert set(obligations(res, CONTRACT)) == {"A/1/01/01"}
    kept = {(f["rule"], f["subject"]): f for f in out["findings"]}
    assert set(kept) == {(RESULT, "B/1/01/01"), (CONTRACT, "A/1/01/01")}
    for f in kept.values():
        assert (f["status"], f["state"], f["rechecked"]) == ("missing", "ongoing", False)
    assert kept[(RESULT, "B/1/01/01")]["days_overdue"] == 45    # as last judged, on 28 Nov
    assert kept[(CONTRACT, "A/1/01/01")]["days_overdue"] == 26
    rows = {(a["rule"], a["agency_key"]): a for a in out["agencies"]}
    assert rows[(RESULT, str(CLIENT_1))]["unknown"] == 2
    assert rows[(RESULT, str(CLIENT_1))]["on_time_rate"] is None


def test_results_failing_on_the_first_run_raises_no_finding(portal, make_runner):
    _day_one(portal)
    portal.fault("tender.results", status=503, body=b"")
    res = run(make_runner())
    assert res.as_json()["findings"] == []
    assert {ob.status for ob in obligations(res, RESULT).values()} == {"unknown"}


def test_results_layout_change_is_reported(portal, make_runner):
    _day_one(portal)
    portal.fault("tender.results", body="<html><body><p>Засвар хийгдэж байна</p></body></html>".encode())
    res = run(make_runner())
    assert sources(res)["tender.results"]["error"] == "layout changed: no #tender-result-table"
    assert res.as_json()["findings"] == []


def test_return_code_401_is_reported(portal, make_runner):
    res = run(make_runner(environ={"TENDER_OPENDATA_TOKEN": "expired"}))
    src = sources(res)
    assert src["tender.invitations"] == {"name": "tender.invitations", "ok": False,
                                         "error": "return_code 401: Token expired"}
    assert src["tender.results"]["ok"] and src["tender.contracts"]["ok"]
    assert not res.ok


def test_return_code_401_without_a_token_names_the_variable(portal, make_runner):
    res = run(make_runner(environ={}))
    error = sources(res)["tender.invitations"]["error"]
    assert error.startswith("return_code 401: Token expired")
    assert "TENDER_OPENDATA_TOKEN" in error


def test_token_is_sent_as_bearer(portal, make_runner):
    portal.token = "s3cret"
    run(make_runner(environ={"TENDER_OPENDATA_TOKEN": "s3cret"}))
    [call] = [c for c in portal.rsps.calls if "/api/invitation" in c.request.url]
    assert call.request.headers["Authorization"] == "Bearer s3cret"


def test_detail_pages_are_fetched_once_across_runs(portal, make_runner):
    _day_one(portal)
    portal.tenders.append(tender("C/1/01/01", notice="05/10/2026", detail_id="2002",
                                 bidders=[("50,000,000 ₮", SELECTED)]))
    runner = make_runner()
    run(runner, as_of=date(2026, 11, 28))
    assert portal.calls(r"/mn/result/detail/2001$") == 1
    assert portal.calls(r"/mn/result/detail/2002$") == 1
    run(runner, as_of=AS_OF)
    run(runner, as_of=AS_OF)
    assert portal.calls(r"/mn/result/detail/") == 2
    assert portal.calls(r"/mn/result/\?.*page=1$") == 3   # the listing itself is read on every run


def test_same_day_rerun_gives_identical_json(portal, make_runner):
    _day_one(portal)
    runner = make_runner()
    run(runner, as_of=date(2026, 11, 28))
    first = run(runner, as_of=AS_OF).as_json()
    again = run(runner, as_of=AS_OF).as_json()
    assert again == first
    assert {f["state"] for f in first["findings"]} == {"ongoing"}


def test_same_day_rerun_on_the_first_day_gives_identical_json(portal, make_runner):
    _day_one(portal)
    runner = make_runner()
    first = run(runner).as_json()
    again = run(runner).as_json()
    assert again == first
    assert {f["state"] for f in first["findings"]} == {"new"}


def test_a_rerun_after_a_run_died_in_a_shallow_walk_walks_as_deep_as_an_uninterrupted_night(
        portal, make_runner, tmp_path, monkeypatch):
    """Three days' new results fill three pages of the listing; the run dies once the first page is
    stored. Its rerun must read every new result, as one uninterrupted night does: the rows the dead
    run stored are new tonight, not known from before, or the walk would stop at page one and judge
    the invitations of pages two and three missing until the next full walk."""
    old = [tender(f"Х/{n}/01/01", notice="01/10/2026", detail_id=str(3000 + n)) for n in range(5)]
    new = [tender(f"Ш/{n}/01/01", notice=f"{27 + n % 3}/11/2026", detail_id=str(4000 + n)) for n in range(45)]
    portal.tenders = old
    first = make_runner()
    run(first, as_of=date(2026, 11, 26))  # the full walk of the week
    first.store.close()
    whole, interrupted = tmp_path / "whole.db", tmp_path / "interrupted.db"
    for copy in (whole, interrupted):
        shutil.copy(tmp_path / "monitor.db", copy)
    portal.tenders = old + new

    def runner(db):
        made = make_runner()
        made.store.close()
        return Runner(made.config, Store(db), made.checks, environ=made.environ)

    whole_night = run(runner(whole))
    assert portal.calls(r"/mn/result/\?.*page=3$") == 1  # three pages of new rows, then page four: known
    save, pages = Store.save_records_together, []

    def dying_at_the_second_page(store, batches, seen_on):
        batches = list(batches)
        if [kind for kind, _ in batches] == ["tender.result"]:
            pages.append(seen_on)
            if len(pages) == 2:
                raise Died
        return save(store, batches, seen_on)

    monkeypatch.setattr(Store, "save_records_together", dying_at_the_second_page)
    with pytest.raises(Died):
        run(runner(interrupted))
    monkeypatch.setattr(Store, "save_records_together", save)
    rerun = run(runner(interrupted))
    statuses = {subject: f["status"] for subject, f in findings(rerun, RESULT).items()}
    assert statuses == {subject: f["status"] for subject, f in findings(whole_night, RESULT).items()}
    assert set(statuses.values()) == {"late"}  # every result was read: none is judged missing
    assert stored_records(interrupted) == stored_records(whole)


def test_missing_result_then_published_is_resolved_then_ongoing(portal, make_runner):
    portal.tenders = [tender("B/1/01/01")]
    runner = make_runner()
    run(runner, as_of=date(2026, 11, 27))
    portal.tenders = [tender("B/1/01/01", notice="28/11/2026", budget="30,000,000 ₮")]
    f = findings(run(runner, as_of=date(2026, 11, 28)), RESULT)["B/1/01/01"]
    assert (f["status"], f["state"], f["days_late"]) == ("late", "resolved", 45)
    f = findings(run(runner, as_of=AS_OF), RESULT)["B/1/01/01"]
    assert (f["status"], f["state"]) == ("late", "ongoing")


def test_failing_same_day_rerun_keeps_the_day_s_findings(portal, make_runner):
    _day_one(portal)
    runner = make_runner()
    first = run(runner).as_json()
    assert len(first["findings"]) == 2
    portal.fault("tender.results", status=503, body=b"")
    again = run(runner).as_json()
    assert {(f["rule"], f["subject"], f["status"], f["rechecked"]) for f in again["findings"]} == {
        (RESULT, "B/1/01/01", "missing", False), (CONTRACT, "A/1/01/01", "missing", False)}


def test_invitations_are_paged(portal, make_runner):
    portal.tenders = [tender(f"P/{n}/01/01") for n in range(150)]
    res = run(make_runner())
    assert len(obligations(res, RESULT)) == 150
    pages = sorted(parse_qs(c.request.body)["current_page"][0] for c in portal.rsps.calls
                   if "/api/invitation" in c.request.url)
    assert pages == ["1", "2"]


def test_contract_of_a_year_no_longer_read_is_not_judged_missing(portal, make_runner):
    portal.tenders = [tender("K26/1/01/01", notice="02/10/2026", detail_id="3001",
                             bidders=[("91,420,000 ₮", SELECTED)])]
    runner = make_runner(years=())
    first = run(runner, as_of=date(2027, 12, 30))          # reads 2026 and 2027
    assert obligations(first, CONTRACT)["K26/1/01/01"].status == "missing"
    portal.tenders = [tender("K26/1/01/01", notice="02/10/2026", detail_id="3001", bidders=[("91,420,000 ₮", SELECTED)],
                             contract="2028-01-03")]   # now on the portal
    res = run(runner, as_of=date(2028, 1, 4))              # reads 2027 and 2028 only
    ob = obligations(res, CONTRACT).get("K26/1/01/01")
    assert ob is None or ob.status in ("late", "unknown")


def test_detail_page_404_makes_only_that_contract_unknown(portal, make_runner):
    _day_one(portal)
    portal.tenders.append(tender("G/1/01/01", notice="02/10/2026", detail_id="4040"))
    portal.fault("tender.result_detail", status=404, where=lambda request: request.params["id"] == "4040")
    res = run(make_runner())
    src = sources(res)["tender.result_detail"]
    assert src["ok"] is False
    assert src["error"].startswith("1 of 2 detail pages unreadable; first: HTTP 404")
    contracts = obligations(res, CONTRACT)
    assert contracts["G/1/01/01"].status == "unknown"
    assert contracts["A/1/01/01"].status == "missing"
    assert obligations(res, RESULT)["G/1/01/01"].status == "met"


def test_results_listing_that_ignores_its_page_parameter_is_layout_changed(portal, make_runner):
    rows = "".join(f"<tr><td>R/{n}/01/01</td><td>R/{n}</td><td><a href='#'>x</a> 02/10/2026</td>"
                   f"<td>Газар</td><td>1 ₮</td></tr>" for n in range(20))
    portal.fault("tender.results",
                 body=f"<div id='tender-result-table'><table><tbody>{rows}</tbody></table></div>".encode())
    res = run(make_runner())
    assert sources(res)["tender.results"]["error"] == "layout changed: /mn/result/?year=2026 ignores its page parameter (page 2 repeats)"


def test_contract_finding_identity_is_stable_when_invitations_fail_first(portal, make_runner, fixture_bytes):
    _day_one(portal)
    portal.fault("tender.invitations", body=fixture_bytes("tender/invitations/token_expired.json"), content_type=JSON)
    runner = make_runner()
    first = run(runner, as_of=date(2026, 11, 28))
    assert all(f["agency_key"] == str(CLIENT_1) for f in first.as_json()["findings"] if f["rule"] == CONTRACT)
    portal.heal("tender.invitations")
    run(runner, as_of=AS_OF)
    rows = [r for r in runner.store.findings("tender", open_only=False)
            if r["rule"] == CONTRACT and r["subject"] == "A/1/01/01"]
    assert [r["agency_key"] for r in rows] == [str(CLIENT_1)]


def test_unrelated_source_failure_does_not_keep_an_out_of_scope_finding(portal, make_runner):
    portal.tenders = [tender("X/1/01/01"), tender("G/1/01/01", notice="14/10/2026", detail_id="4040")]
    portal.fault("tender.result_detail", status=404)   # the detail page 404s every run
    runner = make_runner()
    first = run(runner, as_of=date(2026, 11, 28))
    assert findings(first, RESULT)["X/1/01/01"]["status"] == "missing"
    portal.tenders[0] = replace(portal.tenders[0], status_code="CANCELLED_TENDER")   # read fine on day 2
    res = run(runner, as_of=AS_OF)
    assert sources(res)["tender.invitations"]["ok"] and sources(res)["tender.results"]["ok"]
    assert "X/1/01/01" not in findings(res, RESULT)


def test_invitations_api_ignoring_its_page_is_not_silently_truncated(portal, make_runner):
    portal.tenders = [tender(f"P/{n}/01/01") for n in range(150)]
    first_page = tender_routes(portal.world(), None)[0].handler(Request.of(   # what it answers to every page
        "POST", "/api/invitation", Message(), f"current_page=1&per_page={PER_PAGE_API}".encode()))
    portal.fault("tender.invitations", body=first_page.body, content_type=JSON, where=lambda request: page(request) > 1)
    res = run(make_runner())
    src = sources(res)["tender.invitations"]
    noted = any(n["source"] == "tender.invitations" for n in res.as_json().get("notes", []))
    assert not src["ok"] or noted


# the results listing's short end (portals.md 1b: some `&page=` forms answer no rows)

def _year_of_results(portal, n, year=2026):
    """`n` results of `year` whose invitations the API does not answer."""
    portal.tenders = [tender(f"R/{i:03d}/01/01", notice=f"{28 - i // 2:02d}/10/{year}", year=year) for i in range(n)]
    portal.fault("tender.invitations", rewrite=lambda body: json.dumps({**json.loads(body), "total": 0, "data": []},
                                                                      ensure_ascii=False).encode())


def test_full_first_results_page_then_an_empty_one_is_noted_and_read_again_on_the_full_walk(portal, make_runner):
    _year_of_results(portal, 20)
    res = run(make_runner())
    assert sources(res)["tender.results"]["ok"]
    assert portal.calls(r"/mn/result/\?.*[?&]page=2(&|$)") == 2      # the weekly full walk does not take it for the end
    notes = [n["message"] for n in res.as_json().get("notes", []) if n["source"] == "tender.results"]
    assert any("2026" in note and "full first page" in note for note in notes), notes


def test_rows_the_second_read_of_page_two_brings_are_stored(portal, make_runner):
    _year_of_results(portal, 25)
    portal.fault("tender.results", times=1, where=lambda request: page(request) == 2,   # no rows the first time
                 rewrite=lambda body: re.sub(rb"\s*<tr><td>.*?</tr>", b"", body, flags=re.S))
    runner = make_runner()
    res = run(runner)
    assert sources(res)["tender.results"]["ok"]
    assert len(runner.store.records("tender.result")) == 25
    assert not [n for n in res.as_json().get("notes", []) if n["source"] == "tender.results"]


def test_a_short_first_page_ends_the_listing_without_a_second_look(portal, make_runner):
    _year_of_results(portal, 19)
    res = run(make_runner())
    assert portal.calls(r"/mn/result/\?.*[?&]page=2(&|$)") == 1
    assert not [n for n in res.as_json().get("notes", []) if n["source"] == "tender.results"]
