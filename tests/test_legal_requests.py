"""The requests of the legal check (portals.md section 4), and the demo world in the parsers' shapes;
the parsers themselves are tested on their pairs (tests/test_parsers.py)."""
from __future__ import annotations

from datetime import date

import pytest
import responses
from responses import matchers

from checks.legal import APP_ID, WALK, LegalCheck
from checks.legal.pages import parse_register_page
from monitor.check import CollectContext, Notes
from demo.legal_world import Act, LegalWorld, legal_routes
from demo.server import DemoPortal
from monitor.errors import LayoutChanged
from monitor.fetcher import Fetcher, FetchSettings
from monitor.store import Store

LEGALINFO, PARLIAMENT = "https://legalinfo.test", "https://parliament.test"
PREPARATION = "eb5c6c00-0000-4000-8000-000000000001"
SUBMITTED = "6101970e-2fb0-4394-8113-db13d7374fb6"


def _component(law_id: str = "99230709635751", enacted: str = "2026-06-04", enforcement: str = "2026-09-01",
               inactive: str = "", title: str = "Жишээ ил тод байдлын тухай") -> str:
    return (f'<div class="legal-list-component"><div data-block="title">'
            f'<a href="https://legalinfo.mn/mn/detail?lawId={law_id}" class="act-name">{title}</a>'
            f'<span style="font-style: italic">Төрийн мэдээлэл эмхэтгэл: 2026 он, №24</span></div>'
            f'<div data-block="enacteddate"><span>{enacted}</span></div>'
            f'<div data-block="enforcementdate"><span>{enforcement}</span></div>'
            f'<div data-block="inactive">{inactive}</div></div>')


def _context(store: Store, as_of: date = date(2026, 3, 2), **config) -> CollectContext:
    fetcher = Fetcher({"legalinfo.test", "parliament.test"}, FetchSettings(delay=0, backoff=0, retries=0))
    return CollectContext(as_of, {**LegalCheck.defaults, **config}, {"legalinfo": LEGALINFO, "parliament": PARLIAMENT},
                          Notes(), _store=store, _fetcher=fetcher, environ={})


def _register_form(category: int, page: int) -> dict[str, str]:
    return {"filtercategorytypeid": str(category), "isactive": "1", "page": str(page),
            "sort": "enacteddate", "sortType": "desc"}


@responses.activate
def test_the_register_is_posted_per_category_and_paged_to_the_empty_page():
    url = f"{LEGALINFO}/mn/ajaxListBody/"
    for page, html in ((1, _component("1", "2026-02-20") + _component("2", "2026-01-10")),
                       (2, _component("3", "2025-12-01")), (3, "")):
        responses.post(url, json={"Html": html, "word": ""},
                       match=[matchers.urlencoded_params_matcher(_register_form(27, page))])
    store = Store(":memory:")
    LegalCheck().collect("legal.register", _context(store, categories=[27]))
    assert [c.request.method for c in responses.calls] == ["POST"] * 3
    assert sorted(store.records("legal.act")) == ["1", "2", "3"]
    assert store.records("legal.act")["3"].data["category"] == 27
    assert store.records(WALK)["27/2026-03-02"].data == {"category": 27, "on": "2026-03-02", "covers_from": None}


@responses.activate
def test_a_nightly_walk_stops_after_a_page_older_than_the_cutoff():
    url = f"{LEGALINFO}/mn/ajaxListBody/"
    store = Store(":memory:")
    store.save_records(WALK, [("33/2026-03-01", {"category": 33, "on": "2026-03-01", "covers_from": None})],
                       date(2026, 3, 1))
    responses.post(url, json={"Html": _component("1", "2026-03-02") + _component("2", "2026-03-01")},
                   match=[matchers.urlencoded_params_matcher(_register_form(33, 1))])
    responses.post(url, json={"Html": _component("3", "2026-02-28") + _component("4", "2026-02-27")},
                   match=[matchers.urlencoded_params_matcher(_register_form(33, 2))])
    LegalCheck().collect("legal.register", _context(store, categories=[33]))
    assert len(responses.calls) == 2
    assert store.records(WALK)["33/2026-03-02"].data["covers_from"] == "2026-03-01"


@responses.activate
def test_a_register_out_of_order_is_walked_to_the_end_with_a_note():
    url = f"{LEGALINFO}/mn/ajaxListBody/"
    store = Store(":memory:")
    store.save_records(WALK, [("33/2026-03-01", {"category": 33, "on": "2026-03-01", "covers_from": None})],
                       date(2026, 3, 1))
    pages = ((1, _component("1", "2026-03-02") + _component("2", "2026-02-01")),
             (2, _component("3", "2026-02-20")), (3, ""))  # page 2 alone would stop a walk in order
    for page, html in pages:
        responses.post(url, json={"Html": html}, match=[matchers.urlencoded_params_matcher(_register_form(33, page))])
    ctx = _context(store, categories=[33])
    LegalCheck().collect("legal.register", ctx)
    assert len(responses.calls) == 3
    assert ctx.notes.items == [{"source": "legal.register",
                                "message": "category 33 is not sorted by enacted date (page 2): walked to the end"}]
    assert store.records(WALK)["33/2026-03-02"].data["covers_from"] is None


@responses.activate
def test_a_register_that_ignores_the_page_parameter_is_a_changed_layout():
    responses.post(f"{LEGALINFO}/mn/ajaxListBody/", json={"Html": _component("1", "2026-02-01")})
    store = Store(":memory:")
    with pytest.raises(LayoutChanged, match="ignores its page parameter"):
        LegalCheck().collect("legal.register", _context(store, categories=[27]))
    assert store.record_keys("legal.act") == {"1"}
    assert store.record_keys(WALK) == set()


def _draft_body(list_id: str, page: int) -> dict:
    return {"appId": APP_ID, "parentId": list_id, "page": page, "limit": 100, "orderBy": "publishDate",
            "orderDir": "DESC"}


def _drafts(prefix: str, count: int) -> list[dict]:
    return [{"id": f"{prefix}-{n}", "name": f"Төсөл {n}", "lawDate": None, "publishDate": "2026-01-05 10:00:00",
             "creator": {"id": 1, "name": "Засгийн газар"}} for n in range(count)]


@responses.activate
def test_both_draft_lists_are_posted_as_json_and_paged_until_count():
    url = f"{PARLIAMENT}/tusul/tusulList"
    responses.post(url, json={"count": 150, "list": _drafts("p", 100)},
                   match=[matchers.json_params_matcher(_draft_body(PREPARATION, 1))])
    responses.post(url, json={"count": 150, "list": _drafts("q", 50)},
                   match=[matchers.json_params_matcher(_draft_body(PREPARATION, 2))])
    responses.post(url, json={"count": 1, "list": [{**_drafts("s", 1)[0], "lawDate": "2026-02-01"}]},
                   match=[matchers.json_params_matcher(_draft_body(SUBMITTED, 1))])
    store = Store(":memory:")
    LegalCheck().collect("legal.drafts", _context(store))
    assert len(responses.calls) == 3
    assert len(store.record_keys("legal.draft_preparation")) == 150
    assert store.record_keys("legal.draft_submitted") == {"s-0"}


@responses.activate
def test_a_short_list_is_noted_and_a_submitted_draft_without_law_date_too():
    url = f"{PARLIAMENT}/tusul/tusulList"
    responses.post(url, json={"count": 3, "list": _drafts("p", 2)},
                   match=[matchers.json_params_matcher(_draft_body(PREPARATION, 1))])
    responses.post(url, json={"count": 3, "list": []},
                   match=[matchers.json_params_matcher(_draft_body(PREPARATION, 2))])
    responses.post(url, json={"count": 1, "list": _drafts("s", 1)},
                   match=[matchers.json_params_matcher(_draft_body(SUBMITTED, 1))])
    ctx = _context(Store(":memory:"))
    LegalCheck().collect("legal.drafts", ctx)
    assert ctx.notes.items == [
        {"source": "legal.drafts", "message": f"list {PREPARATION} counts 3 drafts but listed 2"},
        {"source": "legal.drafts", "message": "submitted draft s-0 has no readable lawDate; not judged"}]


# the demo world speaks the same shapes

def test_the_demo_register_round_trips_through_the_parser():
    world = LegalWorld(date(2026, 3, 2), acts=[
        Act(11, 27, "Шилэн дансны тухай", "Төрийн мэдээлэл эмхэтгэл: 2014 он, №28", date(2014, 7, 1),
            date(2015, 1, 1), date(2014, 7, 20)),
        Act(12, 33, "Журам батлах тухай", "Төрийн мэдээлэл эмхэтгэл: 2026 он, №2", date(2026, 1, 5), None,
            date(2026, 1, 9)),
        Act(13, 27, "Ирээдүйн тухай", "Төрийн мэдээлэл эмхэтгэл: 2026 он, №9", date(2026, 3, 1), None,
            date(2026, 3, 3))])
    with DemoPortal(legal_routes(world)) as portal:
        import requests
        answer = requests.post(f"{portal.url}/mn/ajaxListBody/", data=_register_form(27, 1), timeout=5).json()
        ignored = requests.get(f"{portal.url}/mn/ajaxListBody/", params=_register_form(27, 2), timeout=5).json()
        past_end = requests.post(f"{portal.url}/mn/ajaxListBody/", data=_register_form(27, 2), timeout=5).json()
        no_app = requests.post(f"{portal.url}/tusul/tusulList", json={"parentId": PREPARATION}, timeout=5)
    acts = parse_register_page(answer)
    assert [(a["law_id"], a["enacted"], a["enforcement"]) for a in acts] == [("11", "2014-07-01", "2015-01-01")]
    assert [a["law_id"] for a in parse_register_page(ignored)] == ["12", "11"]
    assert past_end == {"Html": "", "word": ""}
    assert no_app.status_code == 400
