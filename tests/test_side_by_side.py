"""Checks read side by side (monitor.owner_thread): two hosts in flight at once, never more than
`concurrency` requests to one host, each source's requests recorded as its own, and the store used
from the one thread that opened it."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from monitor.check import Check
from monitor.config import parse_config
from monitor.owner_thread import OwnerThread, RunStopped, StoreOnOwner
from monitor.runner import Runner
from monitor.store import Store

AS_OF = date(2026, 11, 30)
PAGES = 6


class Gauge:
    """Requests in flight per host (by the Host header), and the most seen at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.most_hosts = 0
        self.release = threading.Event()  # a request waits here until every host has one in flight

    def enter(self, host: str) -> None:
        with self.lock:
            self.now[host] += 1
            self.most[host] = max(self.most[host], self.now[host])
            self.most_hosts = max(self.most_hosts, sum(1 for n in self.now.values() if n))
            if self.most_hosts >= 2:
                self.release.set()

    def leave(self, host: str) -> None:
        with self.lock:
            self.now[host] -= 1


@pytest.fixture
def server() -> Iterator[tuple[int, Gauge]]:
    gauge = Gauge()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            host = self.headers["Host"].rsplit(":", 1)[0]
            gauge.enter(host)
            try:
                gauge.release.wait(2)  # hold the first answers until the other host asks too
                body = f"{host} {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                gauge.leave(host)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], gauge
    httpd.shutdown()
    httpd.server_close()


def reading_check(check_name: str) -> type[Check]:
    """A check that reads PAGES pages of its own portal, in two sources, and judges nothing."""

    class Reading(Check):
        name = check_name
        portals = {check_name: f"http://{check_name}.invalid"}
        sources = (f"{check_name}.first", f"{check_name}.second")
        rules = ()

        def collect(self, source: str, ctx) -> None:
            pages = ((f"{ctx.portals[check_name]}/{source}/{n}", None, lambda page: page.text()) for n in range(PAGES // 2))
            for url, outcome in ctx.read_each(pages):  # the next pages sent ahead, up to `concurrency`
                ctx.save(f"{check_name}.page", [(url.split("/", 3)[3], {"text": outcome()})])

        def evaluate(self, ctx) -> list:
            return []

    return Reading


@pytest.mark.parametrize("concurrency", [1, 2])
def test_two_hosts_are_in_flight_at_once_and_no_host_gets_more_than_concurrency(server, tmp_path, concurrency):
    port, gauge = server
    checks = {"alpha": reading_check("alpha"), "beta": reading_check("beta")}
    config = parse_config({"portals": {"alpha": f"http://127.0.0.1:{port}", "beta": f"http://localhost:{port}"},
                           "fetch": {"delay": 0.001, "concurrency": concurrency}}, checks)
    store = Store(tmp_path / "m.db")
    run_id = store.start_run(AS_OF, "run")
    results = Runner(config, store, checks).run_checks(run_id, ["alpha", "beta"], AS_OF)
    assert [result.check for result in results] == ["alpha", "beta"] and all(result.ok for result in results)
    assert gauge.most_hosts == 2
    assert set(gauge.most) == {"127.0.0.1", "localhost"} and max(gauge.most.values()) <= concurrency
    recorded = store.db.execute("select source, url from requests").fetchall()
    assert len(recorded) == 2 * PAGES
    assert all(f"/{source}/" in url for source, url in recorded)  # each request under its own source
    assert len(store.records("alpha.page")) == len(store.records("beta.page")) == PAGES
    store.close()


def test_with_no_delay_the_checks_are_read_one_after_another(server, tmp_path):
    port, gauge = server
    gauge.release.set()  # nothing to wait for: one host at a time is all there will be
    checks = {"alpha": reading_check("alpha"), "beta": reading_check("beta")}
    config = parse_config({"portals": {"alpha": f"http://127.0.0.1:{port}", "beta": f"http://localhost:{port}"},
                           "fetch": {"delay": 0.0}}, checks)
    store = Store(tmp_path / "m.db")
    results = Runner(config, store, checks).run_checks(store.start_run(AS_OF, "run"), ["alpha", "beta"], AS_OF)
    assert all(result.ok for result in results) and gauge.most_hosts == 1
    sources = [source for (source,) in store.db.execute("select source from requests order by id")]
    assert sources == sorted(sources, key=["alpha.first", "alpha.second", "beta.first", "beta.second"].index)
    store.close()


def test_a_workers_store_calls_run_on_the_owner_thread(tmp_path):
    store = Store(tmp_path / "m.db")
    owner = OwnerThread()
    on_owner = StoreOnOwner(store, owner)

    def job(kind: str) -> tuple[int, int]:
        on_owner.save_records(kind, [("a", {"n": 1})], AS_OF)  # sqlite3 refuses a connection used off its thread
        return threading.get_ident(), len(on_owner.records(kind))

    results = owner.side_by_side([lambda: job("one"), lambda: job("two")])
    assert [count for _, count in results] == [1, 1]
    assert threading.get_ident() not in {ident for ident, _ in results}
    store.close()


def test_a_failing_job_is_raised_once_every_job_has_finished():
    owner = OwnerThread()
    finished = threading.Event()

    def failing() -> None:
        raise ValueError("a bug")

    def slow() -> str:
        owner.call(lambda: None)
        finished.set()
        return "done"

    with pytest.raises(ValueError, match="a bug"):
        owner.side_by_side([failing, slow])
    assert finished.is_set()


def test_an_interrupted_owner_stops_every_worker():
    owner = OwnerThread()
    stopped: list[str] = []

    def interrupt() -> None:
        raise KeyboardInterrupt

    def worker() -> None:
        try:
            owner.call(interrupt)
        except RunStopped as exc:
            stopped.append(str(exc))

    with pytest.raises(KeyboardInterrupt):
        owner.side_by_side([worker, worker])
    assert len(stopped) == 2
