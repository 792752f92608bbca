"""The core's listing walker (monitor.listing, CollectContext.pages and walk_to_end) on a paged
JSON listing faked with `responses`: what every check's listings rely on, tested once here."""
from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
import responses

from monitor.check import CollectContext, Notes
from monitor.errors import LayoutChanged, SourceError
from monitor.fetcher import Fetcher, FetchSettings
from monitor.listing import Listing, PageRequest
from monitor.store import Store

URL = "https://portal.test/items"
DAY = date(2026, 11, 30)


def pages_of(*pages: list[str]) -> Any:
    """A portal answering page N with the Nth list of ids (past them: no rows), announcing the count."""
    def answer(request: Any) -> tuple[int, dict, str]:
        number = int(request.url.rsplit("page=", 1)[1])
        rows = pages[number - 1] if number <= len(pages) else []
        return 200, {}, json.dumps({"pages": len(pages), "rows": [{"id": i} for i in rows]})
    return answer


def listing(listed_before: int = 0, **options: Any) -> Listing[Any]:
    return Listing("the items", lambda page: PageRequest("GET", URL, {"params": {"page": page}}),
                   lambda page: page.json(), rows=lambda answer: answer["rows"], listed_before=listed_before,
                   key=lambda row: row["id"], **options)


@pytest.fixture
def ctx(tmp_path):
    store = Store(tmp_path / "m.db")
    store.migrate()
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0, retries=0))

    def on(day: date) -> CollectContext:
        return CollectContext(day, {"full_walk_days": 7}, {"p": "https://portal.test"}, Notes(), _store=store,
                              _fetcher=fetcher, environ={})
    yield on
    store.close()


def asked(rsps: responses.RequestsMock) -> list[int]:
    return [int(call.request.url.rsplit("page=", 1)[1]) for call in rsps.calls]


@responses.activate
def test_a_listing_ends_at_its_first_page_without_rows(ctx):
    responses.add_callback("GET", URL, pages_of(["a", "b"], ["c"]))
    assert [number for number, _ in ctx(DAY).pages(listing())] == [1, 2]
    assert asked(responses.mock) == [1, 2, 3]


@responses.activate
def test_with_last_page_no_page_past_the_announced_count_is_asked(ctx):
    responses.add_callback("GET", URL, pages_of(["a", "b"], ["c"]))
    assert [number for number, _ in ctx(DAY).pages(listing(last_page=lambda answer: answer["pages"]))] == [1, 2]
    assert asked(responses.mock) == [1, 2]


@responses.activate
def test_a_portal_ignoring_its_page_parameter_fails_instead_of_looping(ctx):
    responses.add_callback("GET", URL, lambda request: (200, {}, json.dumps({"pages": 9, "rows": [{"id": "a"}]})))
    with pytest.raises(LayoutChanged, match="ignores its page parameter"):
        list(ctx(DAY).pages(listing()))


@responses.activate
def test_more_pages_than_the_limit_is_an_error_not_a_silent_stop(ctx):
    responses.add_callback("GET", URL, pages_of(["a"], ["b"], ["c"]))
    with pytest.raises(LayoutChanged, match="more than 2 pages"):
        list(ctx(DAY).pages(listing(max_pages=2)))


@responses.activate
def test_an_empty_first_page_where_rows_were_listed_is_refused_after_a_second_look(ctx):
    responses.add_callback("GET", URL, pages_of())
    with pytest.raises(LayoutChanged, match="the items is empty where 3 rows were listed before"):
        list(ctx(DAY).pages(listing(listed_before=3)))
    assert asked(responses.mock) == [1, 1]


@responses.activate
def test_walk_to_end_stores_the_rows_and_the_walk_and_what_left_is_no_longer_listed(ctx):
    responses.add_callback("GET", URL, pages_of(["a", "b"], ["c"]))
    ctx(DAY).walk_to_end(listing(), "t.item", "t.walk", source="t.items", what="items")
    assert [r.key for r in ctx(DAY).listed_on_last_walk("t.item", "t.walk")] == ["a", "b", "c"]
    responses.mock.remove("GET", URL)
    responses.add_callback("GET", URL, pages_of(["a", "c"]))  # b is gone
    later = DAY + timedelta(days=1)
    ctx(later).walk_to_end(listing(listed_before=3), "t.item", "t.walk", source="t.items", what="items")
    assert [r.key for r in ctx(later).listed_on_last_walk("t.item", "t.walk")] == ["a", "c"]


@responses.activate
def test_a_walk_that_fails_leaves_the_last_complete_walk_standing(ctx):
    responses.add_callback("GET", URL, pages_of(["a", "b"]))
    ctx(DAY).walk_to_end(listing(), "t.item", "t.walk", source="t.items", what="items")
    responses.replace("GET", URL, status=500)
    later = DAY + timedelta(days=1)
    with pytest.raises(SourceError):
        ctx(later).walk_to_end(listing(listed_before=2), "t.item", "t.walk", source="t.items", what="items")
    assert [r.key for r in ctx(later).listed_on_last_walk("t.item", "t.walk")] == ["a", "b"]


@pytest.mark.parametrize("last_full, due", [(None, True), (DAY - timedelta(days=6), False),
                                            (DAY - timedelta(days=7), True)])
def test_a_full_walk_is_due_when_never_walked_or_not_for_full_walk_days(ctx, last_full, due):
    assert ctx(DAY).full_walk_due(last_full) is due
