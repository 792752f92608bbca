"""The demo portal serves the generated procurement world in the shapes of portals.md section 1."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import lxml.html
import pytest
import requests

from demo.server import DemoPortal, Fault, Response, Route
from demo.tender_world import SELECTED, TenderWorld, build_tender_world, tender_routes
from monitor.mongolian import parse_amount, parse_date

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = date(2026, 11, 29)
TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def world() -> TenderWorld:
    return build_tender_world(AS_OF)


@pytest.fixture(scope="module")
def server(world: TenderWorld):
    with DemoPortal(tender_routes(world, token=TOKEN)) as portal:
        yield portal


@pytest.fixture
def portal(server: DemoPortal) -> DemoPortal:
    """The shared server with its faults and counters reset, so tests do not see each other."""
    server.faults.clear()
    server.hits.clear()
    server.requests.clear()
    return server


def invitations(portal: DemoPortal, **form: object) -> dict:
    response = requests.post(f"{portal.url}/api/invitation", data=form, headers=AUTH, timeout=5)
    assert response.status_code == 200
    return response.json()


def tbody_rows(html: str, table_id: str) -> list[list]:
    """The cells of every row of the table inside `div#table_id`, failing if the table is absent."""
    tbodies = lxml.html.fromstring(html).xpath("//div[@id=$id]//table//tbody", id=table_id)
    assert tbodies
    return [row.findall(".//td") for row in tbodies[0].iter("tr")]


def walk_listing(portal: DemoPortal, path: str, table_id: str, year: int) -> list[list]:
    rows, page = [], 1
    while True:
        html = requests.get(f"{portal.url}{path}", params={"year": year, "perpage": 20, "page": page}, timeout=5).text
        page_rows = tbody_rows(html, table_id)
        if not page_rows:
            return rows
        assert len(page_rows) <= 20
        rows += page_rows
        page += 1


# --- the world --------------------------------------------------------------------------------

def test_world_is_deterministic(world: TenderWorld) -> None:
    assert build_tender_world(AS_OF) == world
    assert build_tender_world(AS_OF, seed=7) != world


def test_world_shows_nothing_dated_after_as_of(world: TenderWorld) -> None:
    assert len(world.tenders) == 300
    for tender in world.tenders:
        assert tender.publish_at.date() <= AS_OF
        assert AS_OF - timedelta(days=440) <= tender.open_at.date() <= AS_OF + timedelta(days=23)
        assert tender.year in (AS_OF.year - 1, AS_OF.year)
        if tender.status_code == "CANCELLED_TENDER":
            assert tender.result is None
        if tender.result is not None:
            assert tender.open_at.date() < tender.result.notice_date <= AS_OF
        if tender.contract is not None:
            assert tender.result.notice_date < tender.contract.signed < tender.contract.published <= AS_OF


def test_world_holds_the_cases_the_checks_must_meet(world: TenderWorld) -> None:
    assert "Эрдэнэс Таван Толгой " in {a.name for a in world.agencies}
    assert len(world.agencies) == 30 and len({a.client_id for a in world.agencies}) == 30
    assert all(len(str(a.client_id)) == 13 for a in world.agencies)
    assert {type(t.record()["invitationId"]) for t in world.tenders} == {int, str}
    awarded = Counter(t.awarded_amount for t in world.tenders if t.result is not None)
    assert awarded[80_000_000] >= 2
    assert any(80_000_000 < amount <= 81_000_000 for amount in awarded)
    assert any(not any(b.status == SELECTED for b in t.result.bidders) for t in world.tenders if t.result)
    assert any(t.result is None and t.status_code == "EVALUATE_TENDER" for t in world.tenders)
    late = [t for t in world.tenders if t.result and (t.result.notice_date - t.open_at.date()).days > 31]
    assert late


def test_habits_show_in_what_gets_published(world: TenderWorld) -> None:
    def posted_share(habit: str) -> float:
        due = [t for t in world.tenders if t.agency.habit == habit and t.open_at.date() < AS_OF - timedelta(days=130)
               and t.status_code != "CANCELLED_TENDER"]
        return sum(t.result is not None for t in due) / len(due)

    assert posted_share("diligent") > 0.9
    assert posted_share("silent") < 0.45


def test_a_fixed_anchor_shows_the_same_world_progressing() -> None:
    earlier = build_tender_world(AS_OF, anchor=AS_OF)
    later = build_tender_world(AS_OF + timedelta(days=30), anchor=AS_OF)
    by_number = {t.invitation_number: t for t in later.tenders}
    for tender in earlier.tenders:
        seen_later = by_number[tender.invitation_number]
        assert seen_later.total_budget == tender.total_budget
        if tender.result is not None:
            assert seen_later.result == tender.result
    assert sum(t.result is not None for t in later.tenders) > sum(t.result is not None for t in earlier.tenders)


# --- 1a invitations ---------------------------------------------------------------------------

def test_invitations_envelope_and_records_match_the_live_shape(portal: DemoPortal, world: TenderWorld) -> None:
    answer = invitations(portal, current_page=1, per_page=3)
    sample = json.loads((FIXTURES / "tender/invitations/sample.json").read_text("utf-8"))
    assert answer.keys() == sample.keys()
    assert (answer["return_code"], answer["message"], answer["total"]) == (200, "Амжилттай", len(world.tenders))
    assert (answer["per_page"], answer["current_page"], len(answer["data"])) == (3, 1, 3)
    real = json.loads((FIXTURES / "tender/invitations/real_records.json").read_text("utf-8"))["data"]
    always = set.intersection(*(set(r) for r in real))
    anywhere = set.union(*(set(r) for r in real))
    for record in (t.record() for t in world.tenders):
        assert always <= record.keys() <= anywhere
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", record["openDate"])


def test_invitations_page_through_everything_and_filter_by_year(portal: DemoPortal, world: TenderWorld) -> None:
    numbers = []
    for page in (1, 2, 3, 4):
        numbers += [r["invitationNumber"] for r in invitations(portal, current_page=page, per_page=100)["data"]]
    assert sorted(numbers) == sorted(t.invitation_number for t in world.tenders)
    older = invitations(portal, current_page=1, per_page=100, tenderYear=AS_OF.year - 1)
    assert older["total"] == sum(t.year == AS_OF.year - 1 for t in world.tenders)
    assert {r["tenderYear"] for r in older["data"]} == {AS_OF.year - 1}


def test_invitations_without_the_token_answer_401_inside_http_200(portal: DemoPortal) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = requests.post(f"{portal.url}/api/invitation", data={"current_page": 1, "per_page": 3},
                                 headers=headers, timeout=5)
        assert response.status_code == 200
        assert response.json() == json.loads((FIXTURES / "tender/invitations/token_expired.json").read_text("utf-8"))


def test_invitations_refuse_per_page_out_of_range(portal: DemoPortal) -> None:
    assert invitations(portal, current_page=1, per_page=101)["return_code"] != 200


# --- 1b results, 1c detail, 1d contracts ------------------------------------------------------

def test_results_listing_pages_to_an_empty_tbody(portal: DemoPortal, world: TenderWorld) -> None:
    rows = walk_listing(portal, "/mn/result/", "tender-result-table", AS_OF.year)
    expected = world.results(AS_OF.year)
    assert len(rows) == len(expected) > 20
    for cells, tender in zip(rows, expected):
        assert len(cells) == 5
        assert cells[0].text_content() == tender.invitation_number
        assert cells[2].find(".//a").get("href") == f"/mn/result/detail/{tender.result.detail_id}"
        assert parse_date(cells[2].text_content().split()[-1]) == tender.result.notice_date
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", cells[2].text_content().split()[-1])
        assert cells[3].text_content() == tender.agency.name
        assert parse_amount(cells[4].text_content()) == tender.total_budget


def test_results_listing_honours_perpage_and_keeps_the_sample_layout(portal: DemoPortal) -> None:
    html = requests.get(f"{portal.url}/mn/result/", params={"year": AS_OF.year, "perpage": 7, "page": 2},
                        timeout=5).text
    assert len(tbody_rows(html, "tender-result-table")) == 7
    headers = lxml.html.fromstring(html).xpath("//div[@id='tender-result-table']//thead//th")
    sample = lxml.html.fromstring((FIXTURES / "tender/results/sample.html").read_text("utf-8")).xpath("//thead//th")
    assert [h.text_content() for h in headers] == [h.text_content() for h in sample]


def test_result_detail_lists_bidders(portal: DemoPortal, world: TenderWorld) -> None:
    tender = next(t for t in world.results(AS_OF.year) if len(t.result.bidders) > 2)
    html = requests.get(f"{portal.url}/mn/result/detail/{tender.result.detail_id}", timeout=5).text
    assert "Тендер шалгаруулалтын төрөл:" in html and tender.rule_name in html
    rows = [row.findall(".//td")
            for row in lxml.html.fromstring(html).xpath("//table[@id='bidder_tableId']//tbody//tr")]
    assert len(rows) == len(tender.result.bidders)
    for cells, bidder in zip(rows, tender.result.bidders):
        assert cells[0].find(".//a") is not None and cells[0].text_content() == bidder.name
        assert cells[1].text_content() == bidder.registration_number
        assert parse_amount(cells[2].text_content()) == bidder.price
        assert cells[3].text_content() == bidder.status
    assert sum(cells[3].text_content() == SELECTED for cells in rows) <= 1


def test_unknown_result_detail_is_404(portal: DemoPortal) -> None:
    assert requests.get(f"{portal.url}/mn/result/detail/1", timeout=5).status_code == 404


def test_contracts_listing_pages_to_an_empty_tbody(portal: DemoPortal, world: TenderWorld) -> None:
    rows = walk_listing(portal, "/mn/contract/", "contract-table", AS_OF.year)
    expected = world.contracts(AS_OF.year)
    assert len(rows) == len(expected) > 20
    for cells, tender in zip(rows, expected):
        assert len(cells) == 7
        assert [c.text_content() for c in cells[:3]] == [tender.invitation_number, tender.contract.number,
                                                         tender.contract.supplier]
        assert parse_amount(cells[3].text_content()) == tender.contract.amount
        assert [cells[4].text_content(), cells[5].text_content()] == [tender.contract.signed.isoformat(),
                                                                      tender.contract.published.isoformat()]
        assert cells[6].find(".//a").get("href").startswith("/mn/download/")


# --- the server -------------------------------------------------------------------------------

def test_unknown_path_is_404_and_wrong_method_405(portal: DemoPortal) -> None:
    assert requests.get(f"{portal.url}/nowhere", timeout=5).status_code == 404
    assert requests.get(f"{portal.url}/api/invitation", timeout=5).status_code == 405
    assert portal.requests == [("GET", "/nowhere"), ("GET", "/api/invitation")]


def test_status_fault_fails_times_then_recovers(portal: DemoPortal) -> None:
    portal.faults["tender.results"] = Fault(status=503, times=2, retry_after=1)
    url = f"{portal.url}/mn/result/?year={AS_OF.year}&perpage=20&page=1"
    answers = [requests.get(url, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "1"
    assert portal.hits["tender.results"] == 3
    assert portal.requests[-1] == ("GET", f"/mn/result/?year={AS_OF.year}&perpage=20&page=1")


def test_body_fault_replaces_the_page_forever(portal: DemoPortal) -> None:
    portal.faults["tender.contracts"] = Fault(body=b"<html><p>maintenance</p></html>")
    for _ in range(2):
        answer = requests.get(f"{portal.url}/mn/contract/?year={AS_OF.year}", timeout=5)
        assert (answer.status_code, answer.content) == (200, b"<html><p>maintenance</p></html>")


def test_fault_where_spoils_only_the_requests_it_holds_for() -> None:
    def echo(request):
        return Response.json({"id": request.params["id"]})

    with DemoPortal([Route("GET", r"/item/(?P<id>\d+)", echo, "item")]) as portal:
        portal.faults["item"] = Fault(status=503, where=lambda request: request.params["id"] == "2")
        answers = [requests.get(f"{portal.url}/item/{n}", timeout=5) for n in (1, 2, 3)]
        assert [a.status_code for a in answers] == [200, 503, 200]
        assert (portal.faults["item"].served, portal.hits["item"]) == (1, 3)


def test_delay_fault_slows_a_normal_answer(portal: DemoPortal) -> None:
    portal.faults["tender.invitations"] = Fault(delay=0.3, times=1)
    started = time.monotonic()
    assert invitations(portal, current_page=1, per_page=1)["return_code"] == 200
    assert time.monotonic() - started >= 0.25
    with pytest.raises(requests.Timeout):
        portal.faults["tender.invitations"] = Fault(delay=2.0, times=1)
        requests.post(f"{portal.url}/api/invitation", data={}, headers=AUTH, timeout=0.2)


def test_fault_on_a_route_that_does_not_exist_is_refused(portal: DemoPortal) -> None:
    with pytest.raises(KeyError):
        portal.faults["tender.invitation"] = Fault(status=500)


def test_routes_get_path_groups_and_a_handler_bug_is_a_500() -> None:
    def echo(request):
        return Response.json({"id": request.params["id"], "q": request.query, "json": request.json})

    def broken(request):
        raise RuntimeError("bug in a world")

    routes = [Route("POST", r"/echo/(?P<id>\d+)", echo, "echo"), Route("GET", r"/broken", broken, "broken")]
    with DemoPortal(routes) as portal:
        answer = requests.post(f"{portal.url}/echo/42?a=1&a=2", json={"firstname": "А"}, timeout=5).json()
        assert answer == {"id": "42", "q": {"a": "1"}, "json": {"firstname": "А"}}
        assert requests.get(f"{portal.url}/broken", timeout=5).status_code == 500
