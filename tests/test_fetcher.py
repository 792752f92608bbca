"""monitor/fetcher.py with `responses`: retries, Retry-After, hosts, size cap, politeness, records.

No test sleeps: the fetcher is given a fake clock and a sleep that only records and advances it.
"""
from __future__ import annotations

import pytest
import requests
import responses

from monitor.errors import FetchError
from monitor.fetcher import USER_AGENT, Fetcher, FetchSettings

BASE = "https://portal.test"
URL = f"{BASE}/api/list"


class FakeTime:
    """A monotonic clock that moves only when the fetcher sleeps (or a test says so)."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += max(seconds, 0)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake():
    return FakeTime()


@pytest.fixture
def records():
    return []


def make(fake, records, hosts=("portal.test",), **settings):
    settings.setdefault("delay", 0.0)
    settings.setdefault("retries", 3)
    settings.setdefault("backoff", 2.0)
    return Fetcher(set(hosts), FetchSettings(**settings),
                   recorder=lambda record, body: records.append((record, body)),
                   sleep=fake.sleep, clock=fake.clock)


def test_retries_on_503_then_succeeds(rsps, fake, records):
    rsps.add(responses.GET, URL, status=503)
    rsps.add(responses.GET, URL, status=503)
    rsps.add(responses.GET, URL, body=b"ok", status=200)
    page = make(fake, records).get(URL)
    assert page.status == 200 and page.body == b"ok"
    assert len(rsps.calls) == 3
    assert fake.sleeps == [2.0, 4.0]   # backoff doubles
    [(record, body)] = records
    assert record.attempts == 3 and record.status == 200 and record.error is None
    assert body == b"ok"


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_5xx_are_retried(rsps, fake, records, status):
    rsps.add(responses.GET, URL, status=status)
    rsps.add(responses.GET, URL, body=b"ok")
    assert make(fake, records).get(URL).body == b"ok"
    assert len(rsps.calls) == 2


def test_429_with_retry_after_sleeps_that_long(rsps, fake, records):
    rsps.add(responses.GET, URL, status=429, headers={"Retry-After": "7"})
    rsps.add(responses.GET, URL, body=b"ok")
    assert make(fake, records).get(URL).body == b"ok"
    assert fake.sleeps == [7.0]


def test_retry_after_is_capped(rsps, fake, records):
    rsps.add(responses.GET, URL, status=429, headers={"Retry-After": "100000"})
    rsps.add(responses.GET, URL, body=b"ok")
    make(fake, records, max_retry_after=120.0).get(URL)
    assert fake.sleeps == [120.0]


def test_503_with_retry_after_honours_it(rsps, fake, records):
    rsps.add(responses.GET, URL, status=503, headers={"Retry-After": "3"})
    rsps.add(responses.GET, URL, body=b"ok")
    make(fake, records).get(URL)
    assert fake.sleeps == [3.0]


def test_gives_up_after_retries(rsps, fake, records):
    rsps.add(responses.GET, URL, status=503)
    with pytest.raises(FetchError) as info:
        make(fake, records, retries=3).get(URL)
    assert str(info.value).startswith("HTTP 503 after 4 tries")
    assert "\n" not in str(info.value)
    assert info.value.status == 503
    assert not info.value.is_permanent
    assert len(rsps.calls) == 4
    assert fake.sleeps == [2.0, 4.0, 8.0]
    [(record, _)] = records
    assert record.attempts == 4 and record.status == 503
    assert record.error.startswith("HTTP 503 after 4 tries")


def test_gives_up_at_once_with_no_retries(rsps, fake, records):
    rsps.add(responses.GET, URL, status=503)
    with pytest.raises(FetchError, match=r"^HTTP 503 after 1 try$"):
        make(fake, records, retries=0).get(URL)
    assert len(rsps.calls) == 1
    assert fake.sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_4xx_is_not_retried(rsps, fake, records, status):
    rsps.add(responses.GET, URL, status=status)
    with pytest.raises(FetchError) as info:
        make(fake, records).get(URL)
    assert str(info.value) == f"HTTP {status}"
    assert info.value.status == status
    assert info.value.is_permanent
    assert len(rsps.calls) == 1
    assert fake.sleeps == []
    [(record, _)] = records
    assert record.status == status and record.attempts == 1 and record.error == f"HTTP {status}"


def test_connection_error_is_retried_then_reported(rsps, fake, records):
    rsps.add(responses.GET, URL, body=requests.ConnectionError("refused"))
    with pytest.raises(FetchError) as info:
        make(fake, records, retries=2).get(URL)
    assert str(info.value) == "unreachable after 3 tries"
    assert len(rsps.calls) == 3
    [(record, body)] = records
    assert record.status is None and record.error == str(info.value) and body is None


def test_timeout_is_retried_then_reported(rsps, fake, records):
    rsps.add(responses.GET, URL, body=requests.Timeout("slow"))
    rsps.add(responses.GET, URL, body=b"ok")
    assert make(fake, records).get(URL).body == b"ok"
    rsps.replace(responses.GET, URL, body=requests.Timeout("slow"))
    with pytest.raises(FetchError, match=r"^timed out after 2 tries"):
        make(fake, records, retries=1).get(URL)


def test_redirect_to_another_host_is_refused(rsps, fake, records):
    rsps.add(responses.GET, URL, status=302, headers={"Location": "https://elsewhere.test/phish"})
    rsps.add(responses.GET, "https://elsewhere.test/phish", body=b"bad")
    with pytest.raises(FetchError) as info:
        make(fake, records).get(URL)
    assert "elsewhere.test" in str(info.value)
    assert [c.request.url for c in rsps.calls] == [URL]
    [(record, _)] = records
    assert record.error == str(info.value)


def test_first_request_to_an_unconfigured_host_is_refused(rsps, fake, records):
    with pytest.raises(FetchError):
        make(fake, records).get("https://elsewhere.test/x")
    assert len(rsps.calls) == 0


def test_redirect_within_the_host_is_followed(rsps, fake, records):
    rsps.add(responses.GET, URL, status=301, headers={"Location": "/api/list2"})
    rsps.add(responses.GET, f"{BASE}/api/list2", body=b"moved")
    page = make(fake, records).get(URL)
    assert page.body == b"moved"
    assert page.url == f"{BASE}/api/list2"
    assert [c.request.url for c in rsps.calls] == [URL, f"{BASE}/api/list2"]


def test_response_over_max_bytes_is_refused_when_declared(rsps, fake, records):
    rsps.add(responses.GET, URL, body=b"x" * 100, headers={"Content-Length": "100"})
    with pytest.raises(FetchError, match="larger than 50 bytes"):
        make(fake, records, max_bytes=50).get(URL)
    assert len(rsps.calls) == 1   # not retried


def test_response_over_max_bytes_is_refused_when_streamed(rsps, fake, records):
    rsps.add(responses.GET, URL, body=b"x" * 100, auto_calculate_content_length=False)
    with pytest.raises(FetchError, match="larger than 50 bytes"):
        make(fake, records, max_bytes=50).get(URL)


def test_response_at_max_bytes_is_accepted(rsps, fake, records):
    rsps.add(responses.GET, URL, body=b"x" * 50)
    assert len(make(fake, records, max_bytes=50).get(URL).body) == 50


def test_user_agent_names_the_project(rsps, fake, records):
    rsps.add(responses.GET, URL, body=b"ok")
    make(fake, records).get(URL)
    agent = rsps.calls[0].request.headers["User-Agent"]
    assert agent == USER_AGENT
    assert "disclosure-monitor" in agent


def test_per_host_delay_is_honoured(rsps, fake, records):
    other = "https://other.test/x"
    rsps.add(responses.GET, URL, body=b"ok")
    rsps.add(responses.GET, other, body=b"ok")
    fetcher = make(fake, records, hosts=("portal.test", "other.test"), delay=1.5)
    fetcher.get(URL)
    assert fake.sleeps == []               # the first request to a host does not wait
    fetcher.get(URL)
    assert fake.sleeps == [1.5]            # the second waits the whole delay
    fetcher.get(other)
    assert fake.sleeps == [1.5]            # another host has its own clock
    fake.now += 0.5
    fetcher.get(other)
    assert fake.sleeps == [1.5, 1.0]       # only what is left of the delay
    fake.now += 10
    fetcher.get(URL)
    assert fake.sleeps == [1.5, 1.0]       # the delay has long passed


def test_post_sends_form_and_records_payload(rsps, fake, records):
    rsps.add(responses.POST, URL, json={"return_code": 200})
    page = make(fake, records).post(URL, data={"current_page": 1, "tenderYear": 2026},
                                    headers={"Authorization": "Bearer t"})
    assert page.json() == {"return_code": 200}
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == "Bearer t"
    assert "tenderYear=2026" in request.body
    [(record, _)] = records
    assert record.method == "POST"
    assert record.payload == '{"current_page": 1, "tenderYear": 2026}'


def test_every_request_is_recorded_including_failures(rsps, fake, records):
    ok, missing, down = f"{BASE}/ok", f"{BASE}/missing", f"{BASE}/down"
    rsps.add(responses.GET, ok, body=b"hello")
    rsps.add(responses.GET, missing, status=404, body=b"nope")
    rsps.add(responses.GET, down, status=503)
    fetcher = make(fake, records, retries=1)
    fetcher.get(ok, params={"year": 2026, "page": 1})
    with pytest.raises(FetchError):
        fetcher.get(missing)
    with pytest.raises(FetchError):
        fetcher.get(down)
    with pytest.raises(FetchError):
        fetcher.get("https://elsewhere.test/")
    assert [(r.url, r.status, r.attempts) for r, _ in records] == [
        (f"{ok}?year=2026&page=1", 200, 1), (missing, 404, 1), (down, 503, 2),
        ("https://elsewhere.test/", None, 1)]
    assert [r.error is None for r, _ in records] == [True, False, False, False]
    assert records[0][0].bytes == 5 and records[0][1] == b"hello"
    assert records[0][0].method == "GET" and records[0][0].payload is None


def test_page_json_that_is_not_json_is_layout_changed(rsps, fake, records):
    from monitor.errors import LayoutChanged
    rsps.add(responses.GET, URL, body=b"<html>maintenance</html>")
    with pytest.raises(LayoutChanged):
        make(fake, records).get(URL).json()


# get_each: the next pages in flight while the caller works on this one


def _pages(rsps, count, callback=None):
    urls = [f"{BASE}/detail/{n}" for n in range(count)]
    for n, url in enumerate(urls):
        if callback:
            rsps.add_callback(responses.GET, url, callback=callback)
        else:
            rsps.add(responses.GET, url, body=f"page {n}".encode())
    return urls


def test_get_each_answers_in_order_and_hands_failures_back(rsps, fake, records):
    urls = _pages(rsps, 4)
    rsps.replace(responses.GET, urls[2], status=404)
    answers = list(make(fake, records, concurrency=2).get_each(urls))
    assert [url for url, _ in answers] == urls
    assert [a.body for _, a in answers if not isinstance(a, FetchError)] == [b"page 0", b"page 1", b"page 3"]
    assert isinstance(answers[2][1], FetchError) and answers[2][1].status == 404
    assert [(r.url, r.status) for r, _ in records] == [(u, 404 if u == urls[2] else 200) for u in urls]


def test_get_each_keeps_concurrency_requests_in_flight_and_no_more(rsps, records):
    import threading
    import time as real_time
    lock, in_flight, most = threading.Lock(), [0], [0]
    together = threading.Barrier(2, timeout=10)  # passes only when two requests are in flight at once

    def answer(request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        together.wait()
        real_time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
        return 200, {}, b"ok"

    urls = _pages(rsps, 6, answer)
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0, concurrency=2),
                      recorder=lambda record, body: records.append(record))
    assert all(not isinstance(page, FetchError) for _, page in fetcher.get_each(urls))
    assert most[0] == 2 and len(records) == 6


def test_get_each_with_concurrency_one_sends_one_at_a_time(rsps, records):
    import threading
    import time as real_time
    lock, in_flight, most = threading.Lock(), [0], [0]

    def answer(request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        real_time.sleep(0.01)  # room for a second request to overlap, were one sent
        with lock:
            in_flight[0] -= 1
        return 200, {}, b"ok"

    urls = _pages(rsps, 5, answer)
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0, concurrency=1),
                      recorder=lambda record, body: records.append(record))
    assert len(list(fetcher.get_each(urls))) == 5
    assert most[0] == 1


def test_get_each_records_on_the_callers_thread(rsps, fake):
    import threading
    threads = set()
    urls = _pages(rsps, 5)
    fetcher = Fetcher({"portal.test"}, FetchSettings(delay=0.0, concurrency=3),
                      recorder=lambda record, body: threads.add(threading.get_ident()))
    list(fetcher.get_each(urls))
    assert threads == {threading.get_ident()}  # the recorder writes SQLite: never from a worker


def test_get_each_stopped_early_records_what_it_sent_and_sends_no_more(rsps, fake, records):
    urls = _pages(rsps, 20)
    answers = make(fake, records, concurrency=2).get_each(urls)
    first_url, first = next(answers)
    answers.close()
    assert first_url == urls[0] and first.body == b"page 0"
    sent = [call.request.url for call in rsps.calls]
    assert len(sent) <= 3                                  # the answer taken, and at most two ahead
    assert sorted(r.url for r, _ in records) == sorted(sent)  # every request sent is recorded


def test_get_each_sends_nothing_ahead_while_the_portal_fails(rsps, fake, records):
    urls = _pages(rsps, 10)
    for url in urls:
        rsps.replace(responses.GET, url, status=503)
    answers = make(fake, records, concurrency=2, retries=0).get_each(urls)
    taken = [next(answers) for _ in range(4)]
    answers.close()
    assert all(isinstance(answer, FetchError) for _, answer in taken)
    assert len(rsps.calls) == 4          # once failing, one request per answer taken, none ahead
    assert len(records) == 4


def test_get_each_sends_ahead_again_once_an_answer_succeeds(rsps, fake, records):
    import threading
    urls = _pages(rsps, 6)
    rsps.replace(responses.GET, urls[0], status=404)
    page_3_asked = threading.Event()

    def page_3(request):
        page_3_asked.set()
        return 200, {}, b"page 3"

    rsps.remove(responses.GET, urls[3])
    rsps.add_callback(responses.GET, urls[3], callback=page_3)
    answers = make(fake, records, concurrency=1).get_each(urls)
    assert isinstance(next(answers)[1], FetchError)
    assert next(answers)[1].body == b"page 1"
    assert next(answers)[1].body == b"page 2"
    assert page_3_asked.wait(timeout=10)   # asked for while page 2 is in the caller's hands
    answers.close()


@pytest.mark.parametrize("url, params", [
    (URL, {"year": 2026, "page": 1}), (f"{URL}?x=1", {"name": "Б в"}), (URL, None), (URL, {}),
    (URL, {"skip": None, "many": [1, 2]}), (URL, {"firstname": "Ө"}),
])
def test_full_url_is_the_url_requests_sends(url, params):
    from monitor.fetcher import full_url
    assert full_url(url, params) == requests.Request("GET", url, params=params).prepare().url
