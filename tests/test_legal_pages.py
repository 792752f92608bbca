"""checks/legal/pages.py and the requests of the legal check (portals.md section 4)."""
from __future__ import annotations

import json
from datetime import date

import pytest
import responses
from responses import matchers

from checks.legal import APP_ID, WALK, LegalCheck
from checks.legal.pages import draft_name_key, parse_drafts_page, parse_register_page
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


# the register (4a)

def test_the_sample_register_page_gives_one_act(fixture_bytes):
    assert parse_register_page(json.loads(fixture_bytes("legalinfo/sample.json"))) == [
        {"law_id": "99230709635751", "title": "Жишээ ил тод байдлын тухай",
         "gazette": "Төрийн мэдээлэл эмхэтгэл: 2026 он, №24",
         "url": "https://legalinfo.mn/mn/detail?lawId=99230709635751",
         "enacted": "2026-06-04", "enforcement": "2026-09-01", "inactive": False, "unreadable": {}}]


def test_an_empty_html_is_the_page_past_the_end():
    assert parse_register_page({"Html": "", "word": ""}) == []
    assert parse_register_page({"Html": "  \n "}) == []


def test_an_act_without_enforcement_date_and_an_inactive_act():
    html = _component(law_id="1", enforcement="") + _component(law_id="2", inactive="<span>Хүчингүй болсон</span>")
    acts = parse_register_page({"Html": html, "word": ""})
    assert [(a["law_id"], a["enforcement"], a["inactive"], a["unreadable"]) for a in acts] == [
        ("1", None, False, {}), ("2", "2026-09-01", True, {})]


def test_dates_in_other_portal_formats_are_read():
    acts = parse_register_page({"Html": _component(enacted="2026.06.04", enforcement="01/09/2026")})
    assert (acts[0]["enacted"], acts[0]["enforcement"]) == ("2026-06-04", "2026-09-01")


def test_an_unreadable_date_is_a_note_not_a_changed_layout():
    [act] = parse_register_page({"Html": _component(enacted="тодорхойгүй")})
    assert (act["enacted"], act["unreadable"]) == (None, {"enacteddate": "тодорхойгүй"})


@pytest.mark.parametrize("payload, message", [
    ([], "register answer without an Html string"),
    ({"html": ""}, "register answer without an Html string"),
    ({"Html": None}, "register answer without an Html string"),
    ({"Html": "<p>Засвар хийгдэж байна</p>"}, "no div.legal-list-component in the register's Html"),
    ({"Html": _component().replace('class="act-name"', 'class="name"')}, "register row without a title link"),
    ({"Html": _component().replace("lawId=", "id=")}, "register row without a title link"),
    ({"Html": _component().replace('data-block="enacteddate"', 'data-block="date"')},
     "register row without div[data-block=enacteddate]"),
    ({"Html": _component().replace('data-block="enforcementdate"', 'data-block="x"')},
     "register row without div[data-block=enforcementdate]"),
])
def test_a_changed_register_layout_is_named(payload, message):
    with pytest.raises(LayoutChanged, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_register_page(payload)


def test_register_classes_are_matched_among_several_and_markup_inside_blocks_is_read_as_text():
    html = (_component(title="Жишээ <b>ил тод</b> байдлын&nbsp;тухай<!-- x -->", enacted="<b>2026</b>-06-04")
            .replace('class="legal-list-component"', 'class="row legal-list-component"')
            .replace('class="act-name"', 'class="act-name link"'))
    [act] = parse_register_page({"Html": html})
    assert (act["title"], act["enacted"], act["unreadable"]) == ("Жишээ ил тод байдлын тухай", "2026-06-04", {})


def test_a_fragment_of_comments_only_is_a_changed_layout():
    with pytest.raises(LayoutChanged, match="no div.legal-list-component in the register's Html"):
        parse_register_page({"Html": "<!-- хоосон -->"})


# the drafts (4b)

def test_the_sample_draft_lists(fixture_bytes):
    count, drafts = parse_drafts_page(json.loads(fixture_bytes("parliament/sample_preparation.json")))
    assert count == 2
    assert drafts[0] == {"id": "99c0ffee-0000-4000-8000-000000000002",
                         "name": "“Туршилтын тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл",
                         "law_date": None, "publish_date": "2026-04-20",
                         "creator_id": "99002", "creator_name": "Улсын Их Хурлын гишүүн Жишээ Б.", "unreadable": {}}
    count, drafts = parse_drafts_page(json.loads(fixture_bytes("parliament/sample_submitted.json")))
    assert count == 2
    assert [(d["id"][-1], d["law_date"], d["publish_date"]) for d in drafts] == [
        ("3", "2026-06-10", "2026-06-11"), ("1", "2026-05-05", "2026-05-06")]


def test_a_draft_without_creator_and_an_unreadable_date():
    count, drafts = parse_drafts_page({"count": 1, "list": [
        {"id": "x-1", "name": " Төсөл ", "lawDate": "15 October", "publishDate": "2026-09-01 10:00:00"}]})
    assert drafts == [{"id": "x-1", "name": "Төсөл", "law_date": None, "publish_date": "2026-09-01",
                       "creator_id": None, "creator_name": None, "unreadable": {"lawDate": "15 October"}}]


@pytest.mark.parametrize("payload, message", [
    ({"count": 1}, "tusulList answer without a list"),
    ({"count": "2", "list": []}, "tusulList count is not a number"),
    ({"list": []}, "tusulList count is not a number"),
    ({"count": 1, "list": [{"name": "Төсөл"}]}, "tusulList draft without an id"),
    ({"count": 1, "list": ["x"]}, "tusulList draft without an id"),
])
def test_a_changed_draft_list_layout_is_named(payload, message):
    with pytest.raises(LayoutChanged, match=message):
        parse_drafts_page(payload)


@pytest.mark.parametrize("variant", [
    "«Туршилтын тухай хууль»-д нэмэлт оруулах тухай хуулийн төсөл",
    '"Туршилтын тухай хууль" -д нэмэлт оруулах тухай хуулийн төсөл',
    "„Туршилтын  тухай хууль“-д нэмэлт оруулах тухай ХУУЛИЙН ТӨСӨЛ",
    "‟Туршилтын тухай хууль‟-д нэмэлт оруулах тухай хуулийн төсөл",
    "‹Туршилтын тухай хууль›-д нэмэлт оруулах тухай хуулийн\u00a0төсөл",
    "＂Туршилтын тухай хууль＂-д нэмэлт оруулах тухай хуулийн төсөл",
    " “Туршилтын тухай хууль” -д нэмэлт оруулах тухай хуулийн төсөл ",
])
def test_draft_names_fold_quotes_case_and_spacing(variant):
    assert draft_name_key(variant) == draft_name_key("“Туршилтын тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл")


def test_different_draft_names_stay_different():
    assert draft_name_key("Туршилтын тухай хуулийн төсөл") != draft_name_key("Туршилтын тухай хуульд нэмэлт")


# the requests the check sends

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
