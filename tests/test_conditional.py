"""Conditional requests: a GET revalidates what it fetched before, and a 304 costs no body."""
from __future__ import annotations

from datetime import date

import pytest
import responses

from monitor.fetcher import Fetcher, FetchSettings, Validators
from monitor.store import Store

URL = "https://portal.test/list?page=1"


@responses.activate
def test_a_304_answer_gives_back_the_stored_body(tmp_path):
    store = Store(tmp_path / "m.db")
    records = []
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0), recorder=lambda r, b: records.append(r), cache=store)
    responses.add(responses.GET, URL, body=b"<table>rows</table>", headers={"ETag": '"v1"'})
    responses.add(responses.GET, URL, status=304, headers={"ETag": '"v1"'})
    first = fetcher.get("https://portal.test/list", params={"page": 1})
    fetcher.keep(first)  # what CollectContext.read does once the page has parsed
    second = fetcher.get("https://portal.test/list", params={"page": 1})
    assert first.body == second.body == b"<table>rows</table>" and second.status == 200
    assert "If-None-Match" not in responses.calls[0].request.headers
    assert responses.calls[1].request.headers["If-None-Match"] == '"v1"'
    assert [(r.status, r.bytes) for r in records] == [(200, 19), (304, 0)]


@responses.activate
def test_a_changed_page_replaces_the_validators(tmp_path):
    store = Store(tmp_path / "m.db")
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0), cache=store)
    responses.add(responses.GET, URL, body=b"old", headers={"Last-Modified": "Mon, 30 Nov 2026 01:00:00 GMT"})
    responses.add(responses.GET, URL, body=b"new", headers={"ETag": '"v2"'})
    fetcher.keep(fetcher.get(URL))
    fetcher.keep(new := fetcher.get(URL))
    assert new.body == b"new"
    assert responses.calls[1].request.headers["If-Modified-Since"] == "Mon, 30 Nov 2026 01:00:00 GMT"
    assert store.lookup(URL).etag == '"v2"' and store.lookup(URL).body == b"new"


@responses.activate
def test_posts_and_answers_without_validators_are_not_cached(tmp_path):
    store = Store(tmp_path / "m.db")
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0), cache=store)
    responses.add(responses.GET, URL, body=b"plain")
    responses.add(responses.POST, URL, body=b"posted", headers={"ETag": '"p"'})
    fetcher.keep(fetcher.get(URL))
    fetcher.keep(fetcher.post(URL, data={"a": 1}))
    assert store.lookup(URL) is None


@responses.activate
def test_a_page_that_does_not_parse_is_fetched_afresh_and_never_kept(tmp_path):
    from monitor.check import CollectContext, Notes
    from monitor.errors import LayoutChanged

    store = Store(tmp_path / "m.db")
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0), cache=store)
    ctx = CollectContext(date(2026, 11, 30), {}, {}, Notes(), _store=store, _fetcher=fetcher, environ={})
    store.remember(URL, Validators('"v1"', None, b"<table>good</table>"))
    responses.add(responses.GET, URL, body=b"<html>maintenance</html>", headers={"ETag": '"broken"'})
    responses.add(responses.GET, URL, body=b"<html>maintenance</html>", headers={"ETag": '"broken"'})

    def parse(page):
        if b"<table>" not in page.body:
            raise LayoutChanged("no table")
        return page.body

    with pytest.raises(LayoutChanged):
        ctx.read(parse, "GET", URL)
    assert responses.calls[0].request.headers["If-None-Match"] == '"v1"'
    assert "If-None-Match" not in responses.calls[1].request.headers  # the second try is afresh
    assert store.lookup(URL).etag == '"v1"'  # the broken page was not kept
