"""National-scale benchmark (issue 7): the monitor against a country's worth of portals, and the floor.

Serves a generated world for every portal (`--scale` times the national sizes: some 15,000
tender invitations a year with their results and contracts, 1,800 budget entities, 40,000
declarants, 14,000 acts, 3,745 mining and exploration licences with their EITI reports) with demo.server.DemoPortal on 127.0.0.1, then:

1. COLD: `monitor run --no-send --as-of D` on an empty database, as a separate process.
2. WARM: `monitor run --no-send --as-of D+1` on that database, against the world a day later
   (same anchor, D+7, so the next day brings a trickle of new results, contracts, postings,
   declarations and acts).
3. The FLOOR of each: a bare sequential loop (one requests.Session, no parsing, no storing, in a
   separate process too) over the same server, fetching the minimal set of pages defined below.

For each it prints the process's wall and CPU time, requests and body bytes per source (read
from the run's rows of the SQLite `requests` table, checked against `source_health`), the peak
resident memory of the process (its `ru_maxrss`, read by a fresh small parent), and the digest's
render time (`monitor digest --format html` as its own process, and digest_context +
render_digest timed inside a fresh process on the resulting database); then the ratios
monitor/floor side by side, and issue 7's targets beside the figures. Loopback only; every child
is killed after `--timeout` seconds.

The floor, page sizes as portals.md gives them (a listing without a count ends at its first
short or empty page; one with a count ends when the count is read):
- cold: every listing page once and every detail page once: the invitations API per year (100 a
  page, it gives `total`), the results and contracts listings per year (20 a page), every
  result's detail page, the organisations listing (100 a page, with `total`), each entity's
  postings per year in the budget scope, the Ministry's listing (10 a page, newest first) down
  to the first page that reaches before the scope's start, the 35 letters of the declarations
  search, every page of each register category (20 a page), and both draft lists (100 a page).
- warm (D+1, given everything stored on D): what a perfectly incremental monitor must still ask.
  Listings sorted newest first (results by notice date, contracts by publication date, the
  Ministry's listing, the draft lists by publishDate) down to the page that holds the last item
  new since D: new // page_size + 1 pages. One detail page per new result. One request per
  budget entity and year that still has a month in scope with no posting (an open obligation:
  it may be posted any night); an entity whose months are all posted is not asked. Sources with
  no usable order or filter are read in full: the invitations API (portals.md: no guaranteed
  order, and a cancellation can land on any page), the organisations listing (a new entity can
  land on any page) and the 35 letters (no other way to see a new declaration year). The
  register is sorted by enacted date, not by listing date, so a late-listed act can sit deep:
  the floor counts pages down to the deepest page holding an act new since D (an oracle: no real
  client knows where that is, so it is a lower bound), at least one page per category.
The floor sends no validators (every answer is a 200 with its body). Both it and the monitor pay
the demo server's own cost (about 1.5 ms a request: a thread and a connection each, HTTP/1.0); the
legal world's register is sorted once per category for the benchmark (sort_register_once).

Usage: python benchmarks/national.py [--scale 0.05] [--as-of 2026-11-25] [--keep DIR] [--profile]
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:  # imported where used, so that the floor's own process loads requests and nothing else
    from demo.worlds import Worlds, WorldSizes

# Page sizes of portals.md (the checks' own choices are measured, not assumed).
INVITATIONS_PER_PAGE, LISTING_PER_PAGE, ORGANIZATIONS_PER_PAGE = 100, 20, 100
MOF_PER_PAGE, REGISTER_PER_PAGE, DRAFTS_PER_PAGE = 10, 20, 100
LETTERS = tuple("АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯ")  # portals.md 3a
CATEGORIES = (27, 28, 33)  # interface.md's default [checks.legal] categories
APP_ID = "56cc90a2-83a0-4e1f-994d-7fdebfdfbf68"
PREPARATION_LIST, SUBMITTED_LIST = "eb5c6c00-0000-4000-8000-000000000001", "6101970e-2fb0-4394-8113-db13d7374fb6"
BUDGET_GROUP = 5
LICENCES_PER_PAGE, VALID = 500, "Хүчинтэй"  # portals.md 5a; the cadastre's valid status
SOURCES = ("tender.invitations", "tender.results", "tender.result_detail", "tender.contracts",
           "budget.organizations", "budget.reports", "budget.mof", "declarations.search",
           "legal.register", "legal.drafts",
           "extractives.licences", "extractives.licence_detail", "extractives.reports")
ANCHOR_DAYS_AHEAD = 7
# Issue 7's targets, measured at full scale.
COLD_WALL_RATIO, WARM_REQUEST_RATIO, PEAK_MB, DIGEST_SECONDS, DIGEST_AGENCIES = 1.5, 1.2, 120, 1.0, 2000
SITE_SECONDS, SITE_AGENCIES = 60.0, 2800  # issue 17: `monitor site` for the national agencies


# --- the floor: which pages, computed from the worlds --------------------------------------------

@dataclass(frozen=True)
class Fetch:
    """One request of the floor, relative to the server's base URL."""

    source: str
    method: str
    path: str
    params: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def listing_pages(rows: int, per_page: int) -> int:
    """Pages of a listing without a count: the client stops at its first short (or empty) page."""
    return rows // per_page + 1


def counted_pages(rows: int, per_page: int) -> int:
    """Pages of a listing that gives its count: at least one, to learn the count."""
    return max(1, math.ceil(rows / per_page))


def new_pages(new: int, per_page: int, cap: int) -> int:
    """Pages of a newest-first listing down to the one that shows where the known items begin."""
    return min(new // per_page + 1, cap)


def years_of(as_of: date) -> list[int]:
    """interface.md: checks.tender.years empty means the run's year and the year before."""
    return [as_of.year - 1, as_of.year]


def budget_scope(as_of: date) -> list[tuple[int, int]]:
    """checks.budget start_month empty: January of the run's year up to the month before the run's date."""
    return [(as_of.year, month) for month in range(1, as_of.month)]


def cold_floor(worlds: Worlds, as_of: date) -> list[Fetch]:
    """Every listing page once and every detail page once."""
    tender, budget, legal = worlds.tender, worlds.budget, worlds.legal
    fetches: list[Fetch] = []
    for year in years_of(as_of):
        fetches += _invitation_pages(year, counted_pages(len(tender.invitations(year)), INVITATIONS_PER_PAGE))
    for year in years_of(as_of):
        fetches += _listing("tender.results", "/mn/result/", year, listing_pages(len(tender.results(year)), LISTING_PER_PAGE))
    fetches += [Fetch("tender.result_detail", "GET", f"/mn/result/detail/{t.result.detail_id}")
                for year in years_of(as_of) for t in tender.results(year)]
    for year in years_of(as_of):
        fetches += _listing("tender.contracts", "/mn/contract/", year,
                            listing_pages(len(tender.contracts(year)), LISTING_PER_PAGE))
    fetches += _organization_pages(counted_pages(len(budget.entities), ORGANIZATIONS_PER_PAGE))
    years = sorted({year for year, _ in budget_scope(as_of)})
    fetches += [_reports(entity.id, year) for entity in budget.entities for year in years]
    fetches += _mof_pages(_mof_cold_pages(worlds, as_of))
    fetches += _letters()
    for category in CATEGORIES:
        fetches += _register_pages(category, listing_pages(len(legal.register(category, active_only=True)),
                                                           REGISTER_PER_PAGE))
    for list_id in (PREPARATION_LIST, SUBMITTED_LIST):
        fetches += _draft_pages(list_id, counted_pages(len(legal.drafts(list_id)), DRAFTS_PER_PAGE))
    listed = worlds.extractives.listed()
    fetches += _licence_pages(counted_pages(len(listed), LICENCES_PER_PAGE))
    fetches += [_licence_detail(licence.id) for licence in listed if licence.status == VALID]
    fetches.append(_eiti_reports(as_of.year - 1))
    return fetches


def warm_floor(before: Worlds, after: Worlds, as_of: date) -> list[Fetch]:
    """What a perfectly incremental monitor must ask on `as_of`, having stored everything the day before."""
    fetches: list[Fetch] = []
    for year in years_of(as_of):
        fetches += _invitation_pages(year, counted_pages(len(after.tender.invitations(year)), INVITATIONS_PER_PAGE))
    new_results = []
    for year in years_of(as_of):
        known = {t.result.detail_id for t in before.tender.results(year)}
        listed = after.tender.results(year)
        fresh = [t for t in listed if t.result.detail_id not in known]
        new_results += fresh
        fetches += _listing("tender.results", "/mn/result/", year,
                            new_pages(len(fresh), LISTING_PER_PAGE, listing_pages(len(listed), LISTING_PER_PAGE)))
    fetches += [Fetch("tender.result_detail", "GET", f"/mn/result/detail/{t.result.detail_id}") for t in new_results]
    for year in years_of(as_of):
        known = {t.contract.document_id for t in before.tender.contracts(year)}
        listed = after.tender.contracts(year)
        fresh = sum(1 for t in listed if t.contract.document_id not in known)
        fetches += _listing("tender.contracts", "/mn/contract/", year,
                            new_pages(fresh, LISTING_PER_PAGE, listing_pages(len(listed), LISTING_PER_PAGE)))
    fetches += _organization_pages(counted_pages(len(after.budget.entities), ORGANIZATIONS_PER_PAGE))
    fetches += [_reports(entity_id, year) for entity_id, year in _open_entity_years(before, as_of)]
    known_mof = {item.article_id for item in before.budget.mof_items}
    fresh_mof = sum(1 for item in after.budget.mof_items if item.article_id not in known_mof)
    fetches += _mof_pages(new_pages(fresh_mof, MOF_PER_PAGE, _mof_cold_pages(after, as_of)))
    fetches += _letters()
    for category in CATEGORIES:
        known_acts = {act.law_id for act in before.legal.register(category, active_only=True)}
        listed_acts = after.legal.register(category, active_only=True)
        deepest = max((i for i, act in enumerate(listed_acts) if act.law_id not in known_acts), default=0)
        fetches += _register_pages(category, deepest // REGISTER_PER_PAGE + 1)
    for list_id in (PREPARATION_LIST, SUBMITTED_LIST):
        known_drafts = {d.id for d in before.legal.drafts(list_id)}
        listed_drafts = after.legal.drafts(list_id)
        fresh = sum(1 for d in listed_drafts if d.id not in known_drafts)
        fetches += _draft_pages(list_id, new_pages(fresh, DRAFTS_PER_PAGE,
                                                   counted_pages(len(listed_drafts), DRAFTS_PER_PAGE)))
    listed = after.extractives.listed()
    fetches += _licence_pages(counted_pages(len(listed), LICENCES_PER_PAGE))  # the whole grid: it is the scope
    known_valid = {licence.id for licence in before.extractives.listed() if licence.status == VALID}
    fetches += [_licence_detail(licence.id) for licence in listed
                if licence.status == VALID and licence.id not in known_valid]
    fetches.append(_eiti_reports(as_of.year - 1))
    return fetches


def _open_entity_years(before: Worlds, as_of: date) -> list[tuple[int, int]]:
    """(entity, year) with a month in `as_of`'s scope that had no readable posting by the day before."""
    posted = {(p.entity_id, p.year, p.month) for p in before.budget.postings if p.readable}
    scope = budget_scope(as_of)
    return sorted({(entity.id, year) for entity in before.budget.entities for year, month in scope
                   if (entity.id, year, month) not in posted})


def _mof_cold_pages(worlds: Worlds, as_of: date) -> int:
    """The Ministry's listing, newest first, down to the page that shows an item older than the scope."""
    start = date(as_of.year, 1, 1)
    items = worlds.budget.mof_items
    in_scope = [i for i, item in enumerate(items) if item.day >= start]
    if not in_scope:
        return 1
    last = in_scope[-1]
    page = last // MOF_PER_PAGE + 1
    page_end = page * MOF_PER_PAGE  # index of the first item of the next page
    shows_older = last + 1 < min(page_end, len(items))
    short = len(items) < page_end
    return page if shows_older or short else page + 1


def _invitation_pages(year: int, pages: int) -> list[Fetch]:
    from demo.worlds import DEMO_TOKEN

    return [Fetch("tender.invitations", "POST", "/api/invitation",
                  data={"current_page": page, "per_page": INVITATIONS_PER_PAGE, "tenderYear": year},
                  headers={"Authorization": f"Bearer {DEMO_TOKEN}"}) for page in range(1, pages + 1)]


def _listing(source: str, path: str, year: int, pages: int) -> list[Fetch]:
    return [Fetch(source, "GET", path, params={"year": year, "perpage": LISTING_PER_PAGE, "page": page})
            for page in range(1, pages + 1)]


def _organization_pages(pages: int) -> list[Fetch]:
    return [Fetch("budget.organizations", "GET", "/portal-api/v1/organizations",
                  params={"page": page, "size": ORGANIZATIONS_PER_PAGE}) for page in range(1, pages + 1)]


def _reports(entity_id: int, year: int) -> Fetch:
    return Fetch("budget.reports", "GET", f"/portal-api/v1/organization/{entity_id}/reports",
                 params={"year": year, "group": BUDGET_GROUP})


def _mof_pages(pages: int) -> list[Fetch]:
    return [Fetch("budget.mof", "GET", "/c/budget-performance", params={"page": page}) for page in range(1, pages + 1)]


def _letters() -> list[Fetch]:
    return [Fetch("declarations.search", "POST", "/api/public/xacxom/search", json={"firstname": letter})
            for letter in LETTERS]


def _register_pages(category: int, pages: int) -> list[Fetch]:
    return [Fetch("legal.register", "POST", "/mn/ajaxListBody/",
                  data={"filtercategorytypeid": category, "isactive": 1, "page": page,
                        "sort": "enacteddate", "sortType": "desc"}) for page in range(1, pages + 1)]


def _draft_pages(list_id: str, pages: int) -> list[Fetch]:
    return [Fetch("legal.drafts", "POST", "/tusul/tusulList",
                  json={"appId": APP_ID, "parentId": list_id, "page": page, "limit": DRAFTS_PER_PAGE,
                        "orderBy": "publishDate", "orderDir": "DESC"}) for page in range(1, pages + 1)]


def _licence_pages(pages: int) -> list[Fetch]:
    return [Fetch("extractives.licences", "GET", "/CMCS/License/GridData",
                  params={"page": page, "rows": LICENCES_PER_PAGE, "sidx": "Id", "sord": "asc", "_search": "false"})
            for page in range(1, pages + 1)]


def _licence_detail(licence_id: int) -> Fetch:
    return Fetch("extractives.licence_detail", "GET", f"/CMCS/License/Details/{licence_id}")


def _eiti_reports(year: int) -> Fetch:
    return Fetch("extractives.reports", "POST", "/reportListAppend/",
                 data={"year": year, "aimagId": "", "isSubmited": 1, "entityTin": "", "licenseNumber": "",
                       "pageSize": 10000, "sortColumn": "submittedDate", "sortType": "desc"})


def floor_worker(plan_path: str, stdlib: bool = False) -> int:
    """The floor's own process: fetch every planned page once, in order, and report as JSON.

    Two floors: a `requests` session (one connection kept open), and with `stdlib` a bare
    `urllib.request` loop (one connection per request), the least a Python client can do."""
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    fetch_one = _stdlib_fetcher(plan["base"]) if stdlib else _requests_fetcher(plan["base"])
    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    failures = 0
    started = time.perf_counter()
    for fetch in plan["fetches"]:
        status, size = fetch_one(fetch)
        counts[fetch["source"]] += 1
        sizes[fetch["source"]] += size
        failures += status != 200
    print(json.dumps({"loop_seconds": time.perf_counter() - started, "requests": counts, "bytes": sizes,
                      "failures": failures}))
    return 0


def _requests_fetcher(base: str) -> Any:
    import requests

    session = requests.Session()

    def fetch_one(fetch: dict[str, Any]) -> tuple[int, int]:
        response = session.request(fetch["method"], base + fetch["path"], params=fetch.get("params"),
                                   data=fetch.get("data"), json=fetch.get("json"), headers=fetch.get("headers"),
                                   timeout=30)
        return response.status_code, len(response.content)
    return fetch_one


def _stdlib_fetcher(base: str) -> Any:
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    def fetch_one(fetch: dict[str, Any]) -> tuple[int, int]:
        url = base + fetch["path"] + ("?" + urlencode(fetch["params"]) if fetch.get("params") else "")
        headers = dict(fetch.get("headers") or {})
        body = None
        if fetch.get("data") is not None:
            body = urlencode(fetch["data"]).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif fetch.get("json") is not None:
            body = json.dumps(fetch["json"]).encode()
            headers["Content-Type"] = "application/json"
        with urlopen(Request(url, data=body, headers=headers, method=fetch["method"]), timeout=30) as answer:
            return answer.status, len(answer.read())
    return fetch_one


def sort_register_once(worlds: Worlds) -> Worlds:
    """The legal world filters and sorts its whole register on every request, because tests change
    it between requests (13 ms a page at scale 1.0, paid by the monitor and the floor alike); the
    benchmark's worlds never change while served, so each category is sorted once."""
    legal = worlds.legal
    register = functools.cache(legal.register)
    legal.register = lambda category, active_only: list(register(category, active_only))  # type: ignore[method-assign]
    return worlds


# --- running a child and measuring it ------------------------------------------------------------

@dataclass
class Measured:
    """One child process: its wall time, CPU time (user + system), exit code and peak resident memory."""

    wall: float
    cpu: float
    exit_code: int
    peak_mb: float
    output: str


# A fresh small process runs each measured command and reports its children's rusage: the
# command is forked from that small process, so its ru_maxrss is its own peak (a child forked
# straight from this process would count this process's worlds, whose pages it shares until exec).
MEASURER = """import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(json.dumps({"exit_code": code, "maxrss_kb": usage.ru_maxrss,
                                          "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run_child(argv: list[str], env: dict[str, str], timeout: float, log: Path) -> Measured:
    """Run `argv` from the repository root under the measurer; past `timeout` seconds, kill the
    measurer's process group (it and the command, started here in a session of their own)."""
    report = log.with_suffix(".rusage.json")
    started = time.perf_counter()
    with open(log, "wb") as out:
        child = subprocess.Popen([sys.executable, "-I", "-c", MEASURER, str(report), *argv], cwd=ROOT, env=env,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise TimeoutError(f"{' '.join(argv[1:6])} ... still running after {timeout:.0f} s, killed; "
                               f"its last output:\n{tail}") from None
    wall = time.perf_counter() - started
    usage = json.loads(report.read_text(encoding="utf-8"))
    return Measured(wall, usage["cpu"], usage["exit_code"], usage["maxrss_kb"] / 1024,
                    log.read_text(encoding="utf-8", errors="replace"))


@dataclass
class RunFigures:
    """One monitor run and its floor."""

    label: str
    monitor: Measured
    requests: dict[str, int]
    bytes: dict[str, int]
    fetch_seconds: float  # time spent sending requests (elapsed_ms of the requests table); overlaps when fetched ahead
    not_modified: int  # answers 304 Not Modified
    failed_sources: dict[str, str]
    floor: Measured
    floor_requests: dict[str, int] = field(default_factory=dict)
    floor_bytes: dict[str, int] = field(default_factory=dict)
    floor_loop: float = 0.0
    stdlib_floor: Measured | None = None  # the bare urllib.request loop over the same pages


def monitor_argv(config: Path, db: Path, *args: str, profile: Path | None = None) -> list[str]:
    prefix = [sys.executable, "-m", "cProfile", "-o", str(profile)] if profile else [sys.executable]
    return [*prefix, "-m", "monitor", "--config", str(config), "--db", str(db), *args]


def read_run(db: Path) -> tuple[dict[str, int], dict[str, int], float, int, dict[str, str]]:
    """Requests and bytes per source of the latest run, the time inside the fetcher, the 304 answers,
    the failed sources.

    The counts come from the `requests` rows and are checked against `source_health`.
    """
    import sqlite3

    with sqlite3.connect(db) as conn:
        run_id = conn.execute("select max(id) from runs").fetchone()[0]
        rows = conn.execute("select source, count(*), coalesce(sum(bytes), 0), coalesce(sum(elapsed_ms), 0) "
                            "from requests where run_id = ? group by source", [run_id]).fetchall()
        not_modified = conn.execute("select count(*) from requests where run_id = ? and status = 304",
                                    [run_id]).fetchone()[0]
        health = conn.execute("select source, ok, error, requests from source_health where run_id = ?",
                              [run_id]).fetchall()
    counts = {source: n for source, n, _, _ in rows}
    for source, _, _, logged in health:
        if logged != counts.get(source, 0):
            raise RuntimeError(f"source_health counts {logged} requests for {source}, the requests table "
                               f"{counts.get(source, 0)}")
    return (counts, {source: size for source, _, size, _ in rows}, sum(ms for *_, ms in rows) / 1000, not_modified,
            {source: error for source, ok, error, _ in health if not ok})


def run_floor(fetches: list[Fetch], base: str, work: Path, label: str, timeout: float,
              stdlib: bool = False) -> tuple[Measured, dict]:
    plan = work / f"floor-{label}.json"
    plan.write_text(json.dumps({"base": base, "fetches": [f.as_dict() for f in fetches]}, ensure_ascii=False),
                    encoding="utf-8")
    measured = run_child([sys.executable, str(Path(__file__).resolve()), "--floor-worker", str(plan),
                          *(["--stdlib"] if stdlib else [])], dict(os.environ), timeout, work / f"floor-{label}.log")
    if measured.exit_code != 0:
        raise RuntimeError(f"the floor loop failed: {measured.output[-2000:]}")
    report = json.loads(measured.output.strip().splitlines()[-1])
    if report["failures"]:
        raise RuntimeError(f"the floor loop had {report['failures']} answers other than 200: its plan is wrong")
    return measured, report


def write_config(path: Path, bases: str | dict[str, str], work: Path, concurrency: int, delay: float = 0.0) -> None:
    """The monitor's configuration: every portal at `bases` (one URL, or one per portal key)."""
    from monitor.config import portal_defaults
    from monitor.registry import available_checks
    names = portal_defaults(available_checks())
    portals = "\n".join(f'{name} = "{bases if isinstance(bases, str) else bases[name]}"' for name in names)
    path.write_text(f'[monitor]\ndb = "{work / "monitor.db"}"\n\n[portals]\n{portals}\n\n'
                    f'[fetch]\ndelay = {delay}\nconcurrency = {concurrency}\nbackoff = 0.1\n\n'
                    f'[digest]\nout_dir = "{work / "digests"}"\n', encoding="utf-8")


@dataclass(frozen=True)
class PoliteFigures:
    """A cold night with [fetch] delay, each portal on a loopback address of its own (a host apart)."""

    monitor: Measured
    delay: float
    per_host: dict[str, int]  # requests by host, each named by its portal key

    @property
    def sum_seconds(self) -> float:
        """Every request's delay one after another: the night read one host after another."""
        return sum(self.per_host.values()) * self.delay

    @property
    def busiest_seconds(self) -> float:
        """The busiest host's requests × delay: the night read side by side can be no shorter."""
        return max(self.per_host.values()) * self.delay


def measure_polite(worlds: Worlds, as_of: date, work: Path, timeout: float, delay: float,
                   concurrency: int) -> PoliteFigures:
    """A cold run with `delay` on a database of its own, each portal key served on 127.0.0.N (N from 2):
    hosts apart, as the real portals are, so each keeps its own politeness."""
    import contextlib
    from urllib.parse import urlsplit

    from demo.server import DemoPortal
    from demo.worlds import DEMO_TOKEN
    from monitor.config import portal_defaults
    from monitor.registry import available_checks

    polite = work / "polite"
    polite.mkdir(exist_ok=True)
    for stale in ("monitor.db", "monitor.db-wal", "monitor.db-shm", "monitor.db.lock"):
        (polite / stale).unlink(missing_ok=True)
    env = {**os.environ, "TENDER_OPENDATA_TOKEN": DEMO_TOKEN}
    with contextlib.ExitStack() as servers:
        bases = {name: servers.enter_context(DemoPortal(worlds.routes(), host=f"127.0.0.{number + 2}")).url
                 for number, name in enumerate(sorted(portal_defaults(available_checks())))}
        write_config(polite / "monitor.toml", bases, polite, concurrency, delay)
        monitor = run_child(monitor_argv(polite / "monitor.toml", polite / "monitor.db", "run", "--no-send",
                                         "--as-of", as_of.isoformat()), env, timeout, polite / "monitor.log")
    if monitor.exit_code not in (0, 3):
        raise RuntimeError(f"the polite run exited {monitor.exit_code}: {monitor.output[-2000:]}")
    portal_of = {urlsplit(url).hostname: name for name, url in bases.items()}
    with sqlite3.connect(polite / "monitor.db") as conn:
        per_host = Counter(portal_of[urlsplit(url).hostname] for (url,) in conn.execute("select url from requests"))
    return PoliteFigures(monitor, delay, dict(per_host))


def measure_night(label: str, worlds: Worlds, fetches: list[Fetch], as_of: date, work: Path, port: int,
                  timeout: float, profile: bool, concurrency: int) -> tuple[RunFigures, int]:
    """Serve one day's world on `port` (0: any); run the monitor, then the floor, against it.

    Returns the port, so the next night is served on the same one: the monitor's response cache
    keys its validators by URL, port included."""
    from demo.server import DemoPortal
    from demo.worlds import DEMO_TOKEN

    env = {**os.environ, "TENDER_OPENDATA_TOKEN": DEMO_TOKEN}
    config, db = work / "monitor.toml", work / "monitor.db"
    with DemoPortal(worlds.routes(), port=port) as portal:
        write_config(config, portal.url, work, concurrency)
        prof = work / f"monitor-{label}.prof" if profile else None
        monitor = run_child(monitor_argv(config, db, "run", "--no-send", "--as-of", as_of.isoformat(), profile=prof),
                            env, timeout, work / f"monitor-{label}.log")
        if monitor.exit_code not in (0, 3):
            raise RuntimeError(f"monitor run exited {monitor.exit_code}: {monitor.output[-2000:]}")
        requests_, bytes_, fetch_seconds, not_modified, failed = read_run(db)
        floor, report = run_floor(fetches, portal.url, work, label, timeout)
        stdlib_floor, _ = run_floor(fetches, portal.url, work, f"{label}-stdlib", timeout, stdlib=True)
        port = int(portal.url.rsplit(":", 1)[1])
    figures = RunFigures(label, monitor, requests_, bytes_, fetch_seconds, not_modified, failed, floor,
                         report["requests"], report["bytes"], report["loop_seconds"], stdlib_floor)
    return figures, port


# Times digest_context + render_digest in a fresh process (this one holds two worlds, whose
# millions of objects would slow its garbage collector down while the digest allocates).
RENDER_TIMER = """import json, sys, time
from datetime import date
from monitor.digest import DigestView, digest_context, render_digest
from monitor.store import Store
store = Store(sys.argv[1])
started = time.perf_counter()
render_digest(digest_context(store, date.fromisoformat(sys.argv[2]), DigestView(language="mn")), "html")
seconds = time.perf_counter() - started
agencies = store.db.execute("select count(distinct agency_key) from obligations").fetchone()[0]
print(json.dumps({"seconds": seconds, "agencies": agencies}))
"""


def measure_digest(work: Path, as_of: date, timeout: float) -> tuple[Measured, float, int]:
    """`monitor digest --format html` as its own process, and the render alone timed inside a process."""
    config, db = work / "monitor.toml", work / "monitor.db"
    process = run_child(monitor_argv(config, db, "digest", "--format", "html", "--as-of", as_of.isoformat(),
                                     "--out", str(work / "digest.html")), dict(os.environ), timeout,
                        work / "digest.log")
    if process.exit_code != 0:
        raise RuntimeError(f"monitor digest exited {process.exit_code}: {process.output[-2000:]}")
    timed = run_child([sys.executable, "-c", RENDER_TIMER, str(db), as_of.isoformat()], dict(os.environ), timeout,
                      work / "render.log")
    if timed.exit_code != 0:
        raise RuntimeError(f"timing the digest failed: {timed.output[-2000:]}")
    report = json.loads(timed.output.strip().splitlines()[-1])
    return process, report["seconds"], report["agencies"]


@dataclass(frozen=True)
class SiteFigures:
    """`monitor site` as its own process on the warm night's database."""

    process: Measured
    agencies: int
    pages: int
    megabytes: float


def measure_site(work: Path, as_of: date, timeout: float) -> SiteFigures:
    config, db, out = work / "monitor.toml", work / "monitor.db", work / "site"
    process = run_child(monitor_argv(config, db, "site", str(out), "--as-of", as_of.isoformat()), dict(os.environ),
                        timeout, work / "site.log")
    if process.exit_code != 0:
        raise RuntimeError(f"monitor site exited {process.exit_code}: {process.output[-2000:]}")
    with sqlite3.connect(db) as conn:
        agencies = conn.execute("select count(*) from agencies").fetchone()[0]
    files = [path for path in out.rglob("*") if path.is_file()]
    return SiteFigures(process, agencies, sum(path.suffix == ".html" for path in files),
                       sum(path.stat().st_size for path in files) / 1e6)


# --- the report ----------------------------------------------------------------------------------

def print_polite(polite: PoliteFigures) -> None:
    busiest = max(polite.per_host, key=polite.per_host.get)
    print(f"\nPOLITE COLD NIGHT ([fetch] delay = {polite.delay:g} s, each portal on a host of its own)\n"
          f"  wall time                   {polite.monitor.wall:8.2f} s (CPU {polite.monitor.cpu:.2f} s, "
          f"peak memory {polite.monitor.peak_mb:.0f} MB)\n"
          f"  every request one after another: {sum(polite.per_host.values()):,} x {polite.delay:g} s = "
          f"{polite.sum_seconds:.2f} s\n"
          f"  busiest host (portal {busiest}): {polite.per_host[busiest]:,} x {polite.delay:g} s = "
          f"{polite.busiest_seconds:.2f} s\n"
          f"  wall / busiest host's share {polite.monitor.wall / polite.busiest_seconds:8.2f}   "
          f"(1.00: the night is the busiest host's requests; {polite.sum_seconds / polite.busiest_seconds:.2f}: "
          "one host after another)\n"
          "  requests by portal: " + ", ".join(f"{host} {n:,}" for host, n in sorted(polite.per_host.items())),
          flush=True)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f}"


def print_report(scale: float, sizes: WorldSizes, worlds: Worlds, as_of: date, build_seconds: float,
                 cold: RunFigures, warm: RunFigures, digest: tuple[Measured, float, int], site: SiteFigures) -> None:
    out = []
    out.append(f"\nworld at {as_of}: {len(worlds.tender.tenders):,} tender invitations "
               f"({sizes.tender_agencies:,} agencies; results listed: "
               + ", ".join(f"{y} {len(worlds.tender.results(y)):,}" for y in years_of(as_of))
               + f"), {len(worlds.budget.entities):,} budget entities, {len(worlds.declarations.officials):,} "
               f"declarants, {len(worlds.legal.acts):,} acts ({sum(len(worlds.legal.register(c, True)) for c in CATEGORIES):,}"
               f" active in categories {', '.join(map(str, CATEGORIES))}), "
               f"{len(worlds.extractives.licences):,} licences "
               f"({sum(1 for licence in worlds.extractives.listed() if licence.status == VALID):,} valid); "
               f"built in {build_seconds:.1f} s")
    rows = [("wall time (s)", cold.monitor.wall, cold.floor.wall, warm.monitor.wall, warm.floor.wall, "{:.2f}"),
            ("  of which in fetcher (s)", cold.fetch_seconds, cold.floor_loop, warm.fetch_seconds, warm.floor_loop, "{:.2f}"),
            ("CPU time (s)", cold.monitor.cpu, cold.floor.cpu, warm.monitor.cpu, warm.floor.cpu, "{:.2f}"),
            ("requests", sum(cold.requests.values()), sum(cold.floor_requests.values()),
             sum(warm.requests.values()), sum(warm.floor_requests.values()), "{:,.0f}"),
            ("  of which 304", cold.not_modified, 0, warm.not_modified, 0, "{:,.0f}"),
            ("bytes (MB)", sum(cold.bytes.values()) / 1e6, sum(cold.floor_bytes.values()) / 1e6,
             sum(warm.bytes.values()) / 1e6, sum(warm.floor_bytes.values()) / 1e6, "{:.1f}"),
            ("peak memory (MB)", cold.monitor.peak_mb, cold.floor.peak_mb, warm.monitor.peak_mb, warm.floor.peak_mb,
             "{:.0f}")]
    header = f"{'':24}{'COLD monitor':>13}{'floor':>9}{'ratio':>7}   {'WARM monitor':>13}{'floor':>9}{'ratio':>7}"
    out += ["", header, "-" * len(header)]
    for name, cm, cf, wm, wf, fmt in rows:
        out.append(f"{name:24}{fmt.format(cm):>13}{fmt.format(cf):>9}{_ratio(cm, cf):>7}   "
                   f"{fmt.format(wm):>13}{fmt.format(wf):>9}{_ratio(wm, wf):>7}")
    out += ["", f"{'REQUESTS PER SOURCE':24}{'COLD monitor':>13}{'floor':>9}{'ratio':>7}   "
                f"{'WARM monitor':>13}{'floor':>9}{'ratio':>7}{'cold MB':>9}{'warm MB':>9}"]
    for source in SOURCES:
        cm, cf = cold.requests.get(source, 0), cold.floor_requests.get(source, 0)
        wm, wf = warm.requests.get(source, 0), warm.floor_requests.get(source, 0)
        out.append(f"{source:24}{cm:>13,}{cf:>9,}{_ratio(cm, cf):>7}   {wm:>13,}{wf:>9,}{_ratio(wm, wf):>7}"
                   f"{_mb(cold.bytes.get(source, 0)):>9}{_mb(warm.bytes.get(source, 0)):>9}")
    process, in_process, agencies = digest
    cold_ratio = cold.monitor.wall / cold.floor.wall
    warm_ratio = sum(warm.requests.values()) / max(1, sum(warm.floor_requests.values()))
    peak = max(cold.monitor.peak_mb, warm.monitor.peak_mb)
    stdlib_ratio = cold.monitor.wall / cold.stdlib_floor.wall if cold.stdlib_floor else float("nan")
    out += ["", f"STANDARD-LIBRARY FLOOR (urllib.request, one connection a request): cold "
                f"{cold.stdlib_floor.wall if cold.stdlib_floor else float('nan'):.2f} s, warm "
                f"{warm.stdlib_floor.wall if warm.stdlib_floor else float('nan'):.2f} s",
            "", f"TARGETS (issues 7 and 18, for scale 1.0; this run: scale {scale:g})",
            f"  cold wall / floor wall      {cold_ratio:8.2f}   target <= {COLD_WALL_RATIO}     "
            f"{_verdict(cold_ratio <= COLD_WALL_RATIO)}",
            f"  cold wall / stdlib floor    {stdlib_ratio:8.2f}   target <= {COLD_WALL_RATIO}     "
            f"{_verdict(stdlib_ratio <= COLD_WALL_RATIO)}",
            f"  warm requests / floor       {warm_ratio:8.2f}   target <= {WARM_REQUEST_RATIO}     "
            f"{_verdict(warm_ratio <= WARM_REQUEST_RATIO)}",
            f"  peak memory (MB)            {peak:8.0f}   target <= {PEAK_MB} (issue 18; 200 in issue 7)   "
            f"{_verdict(peak <= PEAK_MB)}",
            f"  digest render (s)           {in_process:8.2f}   target < {DIGEST_SECONDS:g} s for {DIGEST_AGENCIES:,} "
            f"agencies; this digest: {agencies:,} agencies   {_verdict(in_process < DIGEST_SECONDS)}",
            f"  (`monitor digest --format html` as a process: {process.wall:.2f} s wall, {process.peak_mb:.0f} MB peak)",
            f"  site build (s)              {site.process.wall:8.2f}   target < {SITE_SECONDS:g} s for {SITE_AGENCIES:,} "
            f"agencies; this site: {site.agencies:,} agencies   {_verdict(site.process.wall < SITE_SECONDS)}",
            f"  (`monitor site` as a process: {site.pages:,} pages, {site.megabytes:.0f} MB, "
            f"{site.process.cpu:.2f} s CPU, {site.process.peak_mb:.0f} MB peak)"]
    for figures in (cold, warm):
        for source, error in figures.failed_sources.items():
            out.append(f"  WARNING: {figures.label} run: source {source} failed: {error}")
    print("\n".join(out), flush=True)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


# --- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="fraction of the national sizes (default 0.05)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25),
                        help="the cold run's date D (default 2026-11-25); the warm run is D+1")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds before a child process is killed (default 90 + 1200 x scale)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    parser.add_argument("--profile", action="store_true",
                        help="run the monitor under cProfile (slower: its times are not the benchmark's) "
                             "and print where its time goes")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="the monitor's [fetch] concurrency: requests in flight per host (default 1, as "
                             "shipped; the floor always sends one at a time)")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="also time a polite cold night with this [fetch] delay, each portal on a host of its "
                             "own, beside the sum of its requests' delays and the busiest host's share")
    parser.add_argument("--floor-worker", metavar="PLAN", help=argparse.SUPPRESS)
    parser.add_argument("--stdlib", action="store_true", help=argparse.SUPPRESS)  # the floor worker's client
    args = parser.parse_args(argv)
    if args.floor_worker:
        return floor_worker(args.floor_worker, args.stdlib)
    from demo.worlds import WorldSizes, build_worlds

    timeout = args.timeout or 90 + 1200 * args.scale
    sizes = WorldSizes.national(args.scale)
    cold_day, warm_day = args.as_of, args.as_of + timedelta(days=1)
    anchor = args.as_of + timedelta(days=ANCHOR_DAYS_AHEAD)
    print(f"NATIONAL BENCHMARK: scale {args.scale:g} of national (1.0 = 15,000 invitations a year, 1,800 budget "
          f"entities, 40,000 declarants, 14,000 acts); cold {cold_day}, warm {warm_day}, anchor {anchor}, "
          f"seed {args.seed}; monitor [fetch] delay = 0, concurrency = {args.concurrency}\n{_machine()}", flush=True)
    started = time.perf_counter()
    before = sort_register_once(build_worlds(cold_day, anchor, args.seed, sizes))
    after = sort_register_once(build_worlds(warm_day, anchor, args.seed, sizes))
    build_seconds = (time.perf_counter() - started) / 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in ("monitor.db", "monitor.db-wal", "monitor.db-shm", "monitor.db.lock"):
        (work / stale).unlink(missing_ok=True)
    try:
        return _measure(args, sizes, before, after, build_seconds, work, timeout)
    except (TimeoutError, RuntimeError) as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _measure(args: argparse.Namespace, sizes: WorldSizes, before: Worlds, after: Worlds, build_seconds: float,
             work: Path, timeout: float) -> int:
    """Cold, warm, their floors and the digest; then the report."""
    cold_day, warm_day = args.as_of, args.as_of + timedelta(days=1)
    cold, port = measure_night("cold", before, cold_floor(before, cold_day), cold_day, work, 0, timeout, args.profile,
                               args.concurrency)
    warm, _ = measure_night("warm", after, warm_floor(before, after, warm_day), warm_day, work, port, timeout,
                            args.profile, args.concurrency)
    digest = measure_digest(work, warm_day, timeout)
    site = measure_site(work, warm_day, timeout)
    print_report(args.scale, sizes, before, cold_day, build_seconds, cold, warm, digest, site)
    if args.delay:
        print_polite(measure_polite(before, cold_day, work, timeout + 2 * args.delay * 40_000 * args.scale,
                                    args.delay, args.concurrency))
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (wall times suffer from other load; "
          "CPU times much less)", flush=True)
    if args.profile:
        print_profiles(work)
    return 0


def _machine() -> str:
    """What was measured, and on what: the revision, the CPUs and how busy they already were."""
    try:
        revision = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                                  text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        revision = "unknown"
    return (f"revision {revision}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
            f"load average at the start {os.getloadavg()[0]:.2f}")


def print_profiles(work: Path) -> None:
    import pstats

    for label in ("cold", "warm"):
        print(f"\nPROFILE of the {label} run (cProfile, top 25 by cumulative time)", flush=True)
        pstats.Stats(str(work / f"monitor-{label}.prof"), stream=sys.stdout).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    raise SystemExit(main())
