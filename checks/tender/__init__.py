"""Procurement on tender.gov.mn (commitment 3.3.1.8): results and contracts published on time.

Sources: the open-data invitations API, the results listing, each result's detail page
(fetched once: a published result never changes) and the contracts listing.
Rules: tender.result_published and tender.contract_published (docs/rules.md section 3).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import quote

from monitor.check import (AgencyRegister, Check, CollectContext, Commitment, EvaluateContext, ProbeContext, Words,
                           judged_years, rows_found)
from monitor.errors import ConfigError, SourceError
from monitor.listing import Listing, PageRequest
from monitor.obligations import Obligation

from .pages import (CANCELLED, KNOWN_STATUSES, parse_contracts_page, parse_invitation_page,
                           parse_result_detail, parse_results_page)

WALK_KIND = "tender.listing_walk"  # per listing and year, the run date of its last full walk
INVITATIONS, RESULTS, DETAILS, CONTRACTS = (
    "tender.invitations", "tender.results", "tender.result_detail", "tender.contracts")
PER_PAGE_API, PER_PAGE_HTML = 100, 20
# What the rules read of a stored invitation and result (the rest stays in the database: memory).
INVITATION_FIELDS = ("tender_year", "open_date", "doc_status", "agency", "client_id")
RESULT_FIELDS = ("year", "notice_date", "detail_id", "agency", "budget")


class TenderCheck(Check):
    """Tender results and contracts above the threshold, published within their deadlines.

    How often each source is read, and why:
    - tender.invitations: every page, every run, for each configured year: the API has no sort
      and records move between pages; de-duplicated by invitation number.
    - tender.results, tender.contracts (per year, newest first): a full walk on the first run and
      then every `full_walk_days` (default 7) days; on other nights the walk stops after a page
      whose rows are all known with the same dates, while the pages are in date order. When an
      invitation of that year says RESULT_TENDER and the shallow walk did not meet its row, the
      results listing is walked on to its end. Any other row that appears deep in a listing (a
      date set in the past) is found by the weekly full walk. A year whose results listing shows a
      full first page and an empty second one is a data note (some of the listing's page forms
      answer no rows), and a full walk asks for that second page once more before it stops.
    - tender.result_detail: each page once: a published result never changes.
    """

    name = "tender"
    portals = {"tender_opendata": "https://opendata.tender.gov.mn", "tender": "https://www.tender.gov.mn"}
    sources = (INVITATIONS, RESULTS, DETAILS, CONTRACTS)
    rules = ("tender.result_published", "tender.contract_published")
    registers = (AgencyRegister("tender.invitation", "client_id", "registration_number"),)
    commitment = Commitment("3.3.1.8", "completed", Words(
        "80 сая төгрөгөөс дээш төсөвт худалдан авалтын гэрээг ил болгох",
        "Disclose budget-funded procurement contracts above 80 million MNT"))
    labels = {
        "tender.result_published": Words("Тендерийн үр дүн нийтлэх", "Tender result published"),
        "tender.contract_published": Words("Гэрээ нийтлэх (80 сая төгрөгөөс дээш)",
                                           "Contract above 80 million MNT published"),
        "tender.invitations": Words("Тендерийн урилгын нээлттэй өгөгдөл", "Tender invitations (open data)"),
        "tender.results": Words("Тендерийн үр дүнгийн жагсаалт", "Tender results list"),
        "tender.result_detail": Words("Тендерийн үр дүнгийн дэлгэрэнгүй", "Tender result details"),
        "tender.contracts": Words("Гэрээний жагсаалт", "Contracts list"),
    }
    basis = {
        "tender.result_published": Words("ЗТНТ 3.3.1.8; tender.gov.mn дахь тендерийн үр дүн",
                                         "OGP 3.3.1.8; tender.gov.mn results"),
        "tender.contract_published": Words("ЗТНТ 3.3.1.8; 80,000,000 төгрөгөөс дээш гэрээ",
                                           "OGP 3.3.1.8; contracts above 80,000,000 MNT"),
    }
    defaults = {"years": [], "result_due_days": 30, "contract_due_days": 30,
                "contract_threshold_mnt": 80_000_000, "token_env": "TENDER_OPENDATA_TOKEN",
                "full_walk_days": 7}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        if config["contract_threshold_mnt"] < 0:
            raise ConfigError("checks.tender.contract_threshold_mnt: must not be negative")

    def collect(self, source: str, ctx: CollectContext) -> None:
        {INVITATIONS: self._collect_invitations, RESULTS: self._collect_results,
         DETAILS: self._collect_details, CONTRACTS: self._collect_contracts}[source](ctx)

    # collecting

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Page 1 of this year's invitations, results or contracts; one result's detail page."""
        year = judged_years(ctx.config, ctx.as_of, -1, 0)[-1]
        if source == INVITATIONS:
            try:
                total, items = ctx.first_page(_invitations_listing(ctx, year))
            except SourceError as exc:
                raise _token_hint(ctx, exc) from None
            return rows_found(items, f"invitations of {year} ({total} in all)")
        if source == CONTRACTS:
            return rows_found(ctx.first_page(year_listing(ctx.portals["tender"], "contract", parse_contracts_page,
                                                          year)), f"contracts of {year}", "published")
        results = ctx.first_page(year_listing(ctx.portals["tender"], "result", parse_results_page, year))
        if source == RESULTS:
            return rows_found(results, f"results of {year}", "notice_date")
        detail_id = next((row["detail_id"] for row in results if row["detail_id"]), None)
        if detail_id is None:
            return f"no detail page read: no result of {year} links one"
        detail = ctx.read(lambda page: parse_result_detail(page.text()), "GET",
                          f"{ctx.portals['tender']}/mn/result/detail/{detail_id}")
        return f"result {detail_id}: {len(detail['bidders'])} bidders, awarded {detail['awarded']}"

    def _collect_invitations(self, ctx: CollectContext) -> None:
        listed = ctx.listed_on_last_read("tender.invitation", "tender_year")
        for year in judged_years(ctx.config, ctx.as_of, -1, 0):
            listing = _invitations_listing(ctx, year, listed.get(year, 0))
            seen: set[str] = set()
            try:
                for _, (total, items) in ctx.pages(listing):
                    fresh = {item["number"]: item for item in items if item["number"] not in seen}
                    self._note_invitations(ctx, fresh.values())
                    ctx.save("tender.invitation", fresh.items())  # page by page: memory stays flat
                    seen.update(fresh)
                    if len(seen) >= total:
                        break
                ctx.check_count(INVITATIONS, f"invitations of {year}", listed.get(year, 0), len(seen))
            except SourceError as exc:
                raise _token_hint(ctx, exc) from None

    @staticmethod
    def _note_invitations(ctx: CollectContext, items: Iterable[dict[str, Any]]) -> None:
        for item in items:
            if item["doc_status"] not in KNOWN_STATUSES:
                ctx.notes.add(INVITATIONS, f"unknown docStatusCode {item['doc_status']!r} on {item['number']}")
            if item.get("unreadable"):
                ctx.notes.add(INVITATIONS, f"{item['number']}: {item['unreadable']}")

    def _collect_results(self, ctx: CollectContext) -> None:
        self._collect_listing(ctx, RESULTS, "result", parse_results_page, "tender.result", "notice_date")

    def _collect_contracts(self, ctx: CollectContext) -> None:
        self._collect_listing(ctx, CONTRACTS, "contract", parse_contracts_page, "tender.contract", "published")

    def _collect_listing(self, ctx: CollectContext, source: str, path: str, parse: Any, kind: str,
                         date_field: str) -> None:
        """Walk one listing per year: in full when one is due, else only down to a page it already knows.

        Known means first seen before tonight: the rows a run of the same day stored (one killed
        halfway, say) are as new to a rerun as they were to that run, which walks as deep as it did."""
        known = {r.key: (r.data["year"], r.data[date_field]) for r in ctx.iter_records(kind, ("year", date_field))
                 if r.first_seen < ctx.as_of}
        listed = ctx.listed_on_last_read(kind, "year")
        walks = ctx.records(WALK_KIND)
        awaited = self._results_awaited(ctx, known) if path == "result" else {}
        for year in judged_years(ctx.config, ctx.as_of, -1, 0):
            walk = walks.get(f"{path}/{year}")
            full = ctx.full_walk_due(date.fromisoformat(walk.data["full_on"]) if walk else None)
            listing = YearListing(ctx, source, path, parse, kind, date_field, year, known, listed.get(year, 0),
                                  doubt_short_end=path == "result")
            complete = listing.walk(full)
            if not complete and awaited.get(year, set()) - listing.seen:
                complete = full = listing.walk(True, from_page=listing.next_page)  # a result is out: find it
            if complete and full:
                stored = sum(1 for stored_year, _ in known.values() if stored_year == year)
                ctx.check_count(source, f"rows of {year}", stored, len(listing.seen))
                ctx.save(WALK_KIND, [(f"{path}/{year}", {"full_on": ctx.as_of.isoformat()})])

    @staticmethod
    def _results_awaited(ctx: CollectContext, known: Mapping[str, Any]) -> dict[int, set[str]]:
        """Per year, invitations whose status says their result is out but whose row was never seen:
        if a shallow walk does not meet them, the year's listing is walked to its end."""
        awaited: dict[int, set[str]] = defaultdict(set)
        for record in ctx.iter_records("tender.invitation", ("doc_status", "tender_year")):
            if record.data["doc_status"] == "RESULT_TENDER" and record.key not in known:
                awaited[record.data["tender_year"]].add(record.key)
        return awaited

    def _collect_details(self, ctx: CollectContext) -> None:
        """Fetch each result's detail page once: a published result never changes."""
        ids = sorted({r.data["detail_id"] for r in ctx.iter_records("tender.result") if r.data.get("detail_id")})
        ctx.read_once("tender.result_detail", {i: f"{ctx.portals['tender']}/mn/result/detail/{i}" for i in ids},
                      lambda page: parse_result_detail(page.text()))

    # judging

    def evaluate(self, ctx: EvaluateContext) -> Iterator[Obligation]:
        # records matched by invitation number in SQLite, one at a time: 18,000 invitations and
        # 12,700 results a year at national size need not be held
        yield from self._results_due(ctx)
        yield from self._contracts_due(ctx)

    def _results_due(self, ctx: EvaluateContext) -> Iterator[Obligation]:
        """One obligation an invitation in scope, beside its result if one is listed."""
        years = set(judged_years(ctx.config, ctx.as_of, -1, 0))
        tender = ctx.portals["tender"]
        for invitation, result in ctx.iter_joined(("tender.invitation", INVITATION_FIELDS),
                                                  ("tender.result", RESULT_FIELDS)):
            number, data = invitation.key, invitation.data
            if data["tender_year"] not in years or not data["open_date"] or data["doc_status"] == CANCELLED:
                continue
            published, baseline = ctx.published(result, result and result.data.get("notice_date"), RESULTS)
            detail_id = result.data.get("detail_id") if result else None
            evidence = ctx.evidence("tender", f"/mn/result/detail/{quote(detail_id, safe='')}" if detail_id else None,
                                    f"{tender}/mn/result/?year={data['tender_year']}", source=RESULTS)
            yield ctx.judge(
                depends_on=(INVITATIONS, RESULTS), rule="tender.result_published",
                agency=data["agency"], agency_key=data["client_id"] or data["agency"], subject=number,
                due=ctx.calendar.days_after(date.fromisoformat(data["open_date"]), ctx.config["result_due_days"]),
                published=published, baseline=baseline, evidence_url=evidence)

    def _contracts_due(self, ctx: EvaluateContext) -> Iterator[Obligation]:
        """One obligation a result above the threshold, beside its contract and its invitation."""
        awarded_by_page = ctx.field("tender.result_detail", "awarded")  # not the bidders: memory
        threshold = Decimal(ctx.config["contract_threshold_mnt"])
        tender = ctx.portals["tender"]
        years = set(judged_years(ctx.config, ctx.as_of, -1, 0))
        for result, contract, invitation in ctx.iter_joined(("tender.result", RESULT_FIELDS),
                                                            ("tender.contract", ("published", "document")),
                                                            ("tender.invitation", ("client_id",))):
            number, data = result.key, result.data
            if data["year"] not in years:
                continue  # its contracts listing is no longer read
            if data.get("notice_date") and date.fromisoformat(data["notice_date"]) > ctx.as_of:
                continue  # not yet published on the run's date
            detail_unread = data.get("detail_id") is not None and data["detail_id"] not in awarded_by_page
            awarded = awarded_by_page.get(data["detail_id"]) if data.get("detail_id") else None
            amount = Decimal(awarded) if awarded is not None else _decimal(data.get("budget"))
            if not detail_unread and (amount is None or amount <= threshold):
                continue
            notice, _ = ctx.published(result, data.get("notice_date"), RESULTS)
            notice = notice or result.first_seen
            published, baseline = ctx.published(contract, contract and contract.data.get("published"), CONTRACTS)
            agency_key = (invitation and invitation.data["client_id"]) or data["agency"]
            key_unread = invitation is None and not ctx.readable(INVITATIONS)
            document = contract.data.get("document") if contract else None
            evidence = ctx.evidence("tender", document, f"{tender}/mn/contract/?year={data['year']}", source=CONTRACTS)
            yield ctx.judge(
                depends_on=(RESULTS, CONTRACTS), known=not (detail_unread or key_unread),
                rule="tender.contract_published",
                agency=data["agency"], agency_key=agency_key, subject=number,
                due=ctx.calendar.days_after(notice, ctx.config["contract_due_days"]),
                published=published, baseline=baseline, evidence_url=evidence)


class YearListing:
    """One year of an HTML listing (results or contracts), newest first, 20 rows a page.

    A full walk pages to the end of the listing. A shallow walk stops after a page whose rows are
    all known with the same dates, provided the pages seen so far are in date order: what follows
    is older and already stored.

    With `doubt_short_end` (the results listing: some of its `&page=` forms answer no rows), a full
    first page followed by an empty second one is a data note, and a full walk reads that second
    page once more before it takes it for the end.
    """

    def __init__(self, ctx: CollectContext, source: str, path: str, parse: Any, kind: str, date_field: str,
                 year: int, known: Mapping[str, tuple[Any, str | None]], listed_before: int,
                 doubt_short_end: bool = False) -> None:
        self.ctx, self.source, self.kind = ctx, source, kind
        self.date_field, self.year, self.known = date_field, year, known
        self.doubt_short_end = doubt_short_end
        self.listing = year_listing(ctx.portals["tender"], path, parse, year, listed_before)
        self.seen: set[str] = set()
        self.next_page = 1
        self._dates: dict[str, str | None] = {}

    def walk(self, full: bool, from_page: int = 1) -> bool:
        """Store the listing's rows from a page on; True when the walk reached the end of the listing."""
        last_date: str | None = None
        listing = replace(self.listing, doubt_empty_after_full=PER_PAGE_HTML) if full and self.doubt_short_end \
            else self.listing
        first_rows = 0
        for page, rows in self.ctx.pages(listing, from_page):
            self.next_page = page + 1
            first_rows = len(rows) if page == 1 else first_rows
            self._store(rows)
            page_dates = [row[self.date_field] for row in rows]
            in_order = _newest_first(page_dates if page == from_page else [last_date, *page_dates])
            last_date = rows[-1][self.date_field]
            if not full and in_order and all(self.known.get(row["number"]) == (self.year, row[self.date_field])
                                             for row in rows):
                return False
        if self.doubt_short_end and from_page == 1 and self.next_page == 2 and first_rows >= PER_PAGE_HTML:
            self.ctx.notes.add(self.source, f"the results listing for {self.year} has a full first page "
                                            f"({first_rows} rows) and an empty second one: it may hold more")
        return True

    def _store(self, rows: list[dict[str, Any]]) -> None:
        """Save a page's rows; where a number repeats in the listing, the earliest date counts."""
        keep = {}
        for row in rows:
            if row.get("unreadable"):
                self.ctx.notes.add(self.source, f"{row['number']}: {row['unreadable']}")
            number = row["number"]
            self.seen.add(number)
            if number not in self._dates or _earlier(row[self.date_field], self._dates[number]):
                self._dates[number] = row[self.date_field]
                keep[number] = {**row, "year": self.year}
        self.ctx.save(self.kind, keep.items())


def _invitations_listing(ctx: CollectContext | ProbeContext, year: int, listed_before: int = 0) -> Listing[Any]:
    """One year of the open-data invitations API, 100 a page, with the token from the environment."""
    url = f"{ctx.portals['tender_opendata']}/api/invitation"
    token = ctx.environ.get(ctx.config["token_env"])
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Listing(
        f"invitations API for {year}",
        lambda page: PageRequest("POST", url, {"headers": headers, "data": {
            "current_page": page, "per_page": PER_PAGE_API, "tenderYear": year}}),
        lambda page: parse_invitation_page(page.json()), rows=lambda answer: answer[1],
        listed_before=listed_before, key=lambda item: item["number"])


def _token_hint(ctx: CollectContext | ProbeContext, exc: SourceError) -> SourceError:
    """A 401 without a token says which variable should hold it."""
    if not ctx.environ.get(ctx.config["token_env"]) and "401" in str(exc):
        return SourceError(f"{exc} ({ctx.config['token_env']} is not set)")
    return exc


def year_listing(tender: str, path: str, parse: Any, year: int, listed_before: int = 0) -> Listing[Any]:
    """One year of the results (`path` "result") or contracts ("contract") listing of tender.gov.mn."""
    url = f"{tender}/mn/{path}/"
    return Listing(
        f"/mn/{path}/?year={year}",
        lambda page: PageRequest("GET", url, {"params": {"year": year, "perpage": PER_PAGE_HTML, "page": page}}),
        lambda page: parse(page.text()), listed_before=listed_before)


def _newest_first(dates: list[str | None]) -> bool:
    """Dates that are all there and never increase: the order a shallow walk relies on."""
    return all(d is not None for d in dates) and all(a >= b for a, b in zip(dates, dates[1:]))




def _earlier(day: str | None, than: str | None) -> bool:
    return day is not None and (than is None or day < than)


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


CHECKS = [TenderCheck]
