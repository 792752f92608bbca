"""Budget on the Glass Account (commitment 3.3.1.3): monthly performance posted by the 10th.

Sources: the Glass Account organisations listing (`budget.organizations`), each entity's
postings of group 5 (`budget.reports`) and the Ministry of Finance listing (`budget.mof`).
Rules: budget.monthly_report and budget.mof_consolidated (docs/rules.md section 3).
The shilendans and mof shapes are assumed; their parsers are entity_pages.py (the entities and
their postings) and consolidated_pages.py (the Ministry's report), one file each, so a real
capture changes one file.
"""
from __future__ import annotations

import functools
import re
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Iterator, Mapping

from monitor.check import (AgencyRegister, Check, CollectContext, Commitment, EvaluateContext, ProbeContext, Record, Words,
                           published_on, refusing_empty, rows_found)
from monitor.errors import Blocked, ConfigError, LayoutChanged, SourceError
from monitor.fetcher import Page
from monitor.listing import Listing, PageRequest
from monitor.mongolian import find_last_month, fold_name, normalize_text
from monitor.obligations import Obligation

from .consolidated_pages import parse_mof_page
from .entity_pages import parse_organizations_page, parse_reports

ORGANIZATIONS, REPORTS, MOF = "budget.organizations", "budget.reports", "budget.mof"
MONTHLY, CONSOLIDATED = "budget.monthly_report", "budget.mof_consolidated"
ORG_KIND, POSTING_KIND, POLL_KIND, MOF_KIND = (
    "budget.organization", "budget.posting", "budget.reports_poll", "budget.mof_item")
# what the rules read of a posting (memory: a national listing holds some 15,000)
POSTING_FIELDS = ("entity_id", "period", "listed_year", "posted_at", "file_url")
GROUP = 5  # the monthly budget-performance report, form ТГ-4
ORG_PAGE_SIZE = 100
MAX_FAILURES_IN_A_ROW = 5
MOF_AGENCY = "Сангийн яам"
PERFORMANCE = "гүйцэтгэл"

Month = tuple[int, int]


class BudgetCheck(Check):
    """Every budget entity's monthly performance, and the Ministry of Finance's consolidated one,
    posted by day `report_due_day` (default 10) of the next month, rolled to a working day.

    Scope: every month from `start_month` ("YYYY-MM"; empty: January of the run's year) up to the
    month before the run's date, for every entity of the organisations listing, or only those
    named in `entities` (ids or names, names compared folded). The earliest posting of group 5
    for a month counts; its date is its postedDate's date, so a posting at 23:59 on the due date
    is met. The month is read from the `month` field, else from the title; a posting naming no
    month is a data note and counts for no month. The Ministry's report for a month is an item
    whose title names that month of that year and contains `гүйцэтгэл` (any case).

    How often each source is polled, and why:
    - budget.organizations: every run, the whole listing (`size=100`, pages until `total` is
      read: 19 requests for 1,843 entities). It is the scope: a stale one would judge entities
      that no longer exist. The entities in scope are those of the last complete read.
    - budget.reports: one request per entity and per year that still has a month in scope
      without a stored posting. An entity with a stored posting for every month in scope (so
      every month whose due date has passed, and the month before the run's date) is not asked
      again until a new month enters the scope on the first day of the next month: what it could
      still post for those months is a later copy, and only the earliest posting counts. An
      entity still lacking a month is asked on every run, so its posting is seen the night it
      appears. So every entity is asked once on the 1st of a month, and after about the 10th
      only the ones still behind are. A skipped entity is judged from its stored postings.
    - budget.mof: every run, from page 1 until a page whose items are all dated before the first
      day of `start_month`, or an empty page: a few pages.

    Decisions where docs/rules.md is silent:
    - Every run asks at least one entity: when all are settled, the one asked longest ago. So a
      reports endpoint that is down is noticed (exit 3) even on a night when nobody needs asking.
    - One entity's request failing (an HTTP error after retries, a 4xx, an answer without its
      items) fails `budget.reports` for the run: as docs/rules.md section 2 says, every monthly
      obligation is then `unknown` and open findings are carried, not re-checked. The other
      entities are still asked and what they answer is stored. After 5 failures in a row the
      portal is taken to be down and no further entity is asked. Each entity's last request is
      kept in records of kind `budget.reports_poll` (its run date, whether it worked, and since
      when each year's postings have been read: an entity's own baseline for undated postings).
    - Postings and the Ministry's listing only accumulate: an entity answering no postings for a
      year where postings were stored before, or a Ministry listing empty where items were stored
      before, is a broken answer and fails (that entity, or the source), never a "missing".
    - An entity's obligations depend on the organisations listing: when it cannot be read, the
      scope is not known and every monthly obligation is `unknown`.
    - A posting with no readable postedDate is dated by the day the monitor first saw it, or
      counts as met when it was there on the first read of that entity's year (its baseline).
      A Ministry item with no readable date likewise, against the source's baseline.
    - `report_due_day` must be 1 to 28, a day every month has.
    - Postings whose `group` is given and is not 5 are ignored; an absent group is taken as 5,
      the group asked for. A posting is filed under its own `year`, else the year asked for.
    - MoF agency key: `Сангийн яам` (the rule gives the Ministry no id).
    """

    name = "budget"
    portals = {"shilendans": "https://shilendans.gov.mn", "mof": "https://mof.gov.mn"}
    sources = (ORGANIZATIONS, REPORTS, MOF)
    rules = (MONTHLY, CONSOLIDATED)
    registers = (AgencyRegister(ORG_KIND, "id", "register_no"),)
    commitment = Commitment("3.3.1.3", "completed", Words(
        "Шилэн данс: төсвийн гүйцэтгэлийг сар бүр дараа сарын 10-ны дотор нийтлэх",
        "Glass Account: budget performance posted within 10 days of each month"))
    labels = {
        "budget.monthly_report": Words("Сарын төсвийн гүйцэтгэл", "Monthly budget performance"),
        "budget.mof_consolidated": Words("Сангийн яамны нэгдсэн гүйцэтгэл", "Consolidated budget performance"),
        "budget.organizations": Words("Шилэн дансны байгууллагууд", "Glass Account organisations"),
        "budget.reports": Words("Шилэн дансны сарын тайлан", "Glass Account monthly reports"),
        "budget.mof": Words("Сангийн яамны мэдээ", "Ministry of Finance reports"),
    }
    basis = {
        "budget.monthly_report": Words("Шилэн дансны тухай хууль (2014), Засгийн газрын 2014 оны 384 дүгээр "
                                       "тогтоол; ЗТНТ 3.3.1.3",
                                       "Glass Account Law (2014), Government Resolution 384 (2014); OGP 3.3.1.3"),
        "budget.mof_consolidated": Words("Шилэн дансны тухай хууль (2014); ЗТНТ 3.3.1.3; Төрийн санхүүгийн "
                                         "удирдлагын үнэлгээний 28 дугаар үзүүлэлт",
                                         "Glass Account Law (2014); OGP 3.3.1.3; PEFA PI-28"),
    }
    defaults = {"start_month": "", "report_due_day": 10, "entities": []}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        if config["start_month"] and _month_of(config["start_month"]) is None:
            raise ConfigError(f"checks.budget.start_month: expected \"YYYY-MM\", got {config['start_month']!r}")
        if not 1 <= config["report_due_day"] <= 28:
            raise ConfigError("checks.budget.report_due_day: must be 1 to 28, a day every month has")
        for entity in config["entities"]:
            if isinstance(entity, bool) or not isinstance(entity, (int, str)) or not str(entity).strip():
                raise ConfigError(f"checks.budget.entities: {entity!r} is neither an entity id nor a name")

    def collect(self, source: str, ctx: CollectContext) -> None:
        {ORGANIZATIONS: self._collect_organizations, REPORTS: self._collect_reports,
         MOF: self._collect_mof}[source](ctx)

    # collecting

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Page 1 of the organisations or of the Ministry's listing; this year's postings of the first entity."""
        if source == MOF:
            return rows_found(ctx.first_page(_mof_listing(ctx)), "items", "date")
        total, entities = ctx.first_page(_organizations_listing(ctx))
        if source == ORGANIZATIONS:
            return rows_found(entities, f"entities ({total} in all)")
        if not entities:
            return "no postings read: the organisations listing names no entity"
        entity, year = entities[0]["id"], ctx.as_of.year
        url = f"{ctx.portals['shilendans']}/portal-api/v1/organization/{entity}/reports"
        postings = ctx.read(functools.partial(_parse_reports, year=year), "GET", url,
                            params={"year": year, "group": GROUP})
        return rows_found(postings, f"postings of entity {entity} for {year}", "posted_at")

    def _collect_organizations(self, ctx: CollectContext) -> None:
        """Read the whole listing, then store it at once: the scope is the last complete read."""
        listed = ctx.listed_on_last_read(ORG_KIND).get(None, 0)
        listing = _organizations_listing(ctx, listed)
        seen: dict[str, dict[str, Any]] = {}
        total = 0
        for _, (total, items) in ctx.pages(listing):
            seen.update((item["id"], item) for item in items if item["id"] not in seen)
            if len(seen) >= total:
                break
        if not seen:
            raise LayoutChanged("organisations listing is empty")
        if len(seen) < total:
            raise LayoutChanged(f"organisations listing ended with {len(seen)} of {total} entities")
        ctx.check_count(ORGANIZATIONS, "entities", listed, len(seen))
        ctx.save(ORG_KIND, seen.items())

    def _collect_reports(self, ctx: CollectContext) -> None:
        """Ask each entity still lacking a month in scope for its postings of the years concerned."""
        months = scope_months(ctx.config, ctx.as_of)
        entities, _ = select_entities(listed_entities(ctx.records(ORG_KIND)), ctx.config["entities"])
        polls = ctx.records(POLL_KIND)
        postings = ctx.records(POSTING_KIND, POSTING_FIELDS).values()
        found = earliest_postings(postings, polls)
        seen_before = {(p.data["entity_id"], p.data["listed_year"]) for p in postings}
        wanted = [(entity, years) for entity in entities
                  if (years := years_lacking(months, entity.key, found, ctx.as_of))]
        if not wanted and entities and months:
            wanted = [(_asked_longest_ago(entities, polls), [months[-1][0]])]  # is the portal still there?
        failures: list[str] = []
        in_a_row = 0
        with closing(ctx.read_each(self._report_pages(ctx, wanted, seen_before))) as answers:
            for asked, (entity, years) in enumerate(wanted, start=1):
                outcomes = [(year, next(answers)[1]) for year in years]
                error = self._poll_entity(ctx, entity, outcomes, polls.get(entity.key))
                if error is None:
                    in_a_row = 0
                    continue
                failures.append(f"entity {entity.key}: {error}")
                in_a_row += 1
                if in_a_row >= MAX_FAILURES_IN_A_ROW:
                    raise SourceError(f"stopped after {in_a_row} failures in a row, {len(wanted) - asked} of "
                                      f"{len(wanted)} entities not asked; first: {failures[0]}")
        if failures:
            raise SourceError(f"{len(failures)} of {len(wanted)} entities unreadable; first: {failures[0]}")

    @staticmethod
    def _report_pages(ctx: CollectContext, wanted: list[tuple[Entity, list[int]]], seen_before: set[tuple[str, int]]
                      ) -> Iterator[tuple[str, dict[str, Any], Callable[[Page], list[dict[str, Any]]]]]:
        """Each entity's postings page (URL, query) of each year asked, with its parser. An empty answer where
        postings were stored before is not believed (postings only accumulate): it is a broken
        answer, not an entity that posted nothing."""
        for entity, years in wanted:
            url = f"{ctx.portals['shilendans']}/portal-api/v1/organization/{entity.key}/reports"
            for year in years:
                parse = refusing_empty(functools.partial(_parse_reports, year=year), lambda parsed: not parsed,
                                       (entity.key, year) in seen_before,
                                       f"no postings for {year} where postings were seen before")
                yield url, {"year": year, "group": GROUP}, parse

    def _poll_entity(self, ctx: CollectContext, entity: Entity,
                     outcomes: list[tuple[int, Callable[[], list[dict[str, Any]]]]],
                     previous: Record | None) -> SourceError | None:
        """Store one entity's postings of each year read and record the outcome; the first error, if any.
        A year that failed does not cost the entity the years that were read. The postings and the
        poll are stored together: the next run asks only the entities whose postings lack a month,
        so postings stored without their poll would leave the poll a day behind for good."""
        first_read = dict(previous.data["first_read"]) if previous else {}
        error: SourceError | None = None
        postings: list[dict[str, Any]] = []
        for year, outcome in outcomes:
            try:
                postings += self._postings(ctx, entity, year, outcome())
            except Blocked:
                raise  # the portal keeps the monitor out: no other entity is asked
            except SourceError as exc:
                error = error or exc
                continue
            first_read.setdefault(str(year), ctx.as_of.isoformat())
        poll = {"polled_on": ctx.as_of.isoformat(), "ok": error is None,
                "error": None if error is None else str(error), "first_read": first_read}
        ctx.save_together((POSTING_KIND, ((f"{entity.key}/{p['report_id']}", p) for p in postings)),
                          (POLL_KIND, [(entity.key, poll)]))
        return error

    @staticmethod
    def _postings(ctx: CollectContext, entity: Entity, year: int,
                  parsed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One entity's postings of one year, of group 5, with a data note for what cannot be read."""
        postings = []
        for posting in parsed:
            if posting["group"] not in (None, GROUP):
                continue
            where = f"entity {entity.key}, posting {posting['report_id']}"
            if posting["period"] is None:
                ctx.notes.add(REPORTS, f"{where}: no month in its fields or its title {posting['title']!r}")
            if posting["posted_at"] is None:
                ctx.notes.add(REPORTS, f"{where}: unreadable postedDate {posting['posted_text']!r}; "
                                       "dated by the day the monitor first saw it")
            postings.append({**posting, "entity_id": entity.key, "listed_year": year})
        return postings

    def _collect_mof(self, ctx: CollectContext) -> None:
        """Page the listing, newest first, until its items are all older than the scope's start.

        An empty first page where items were stored before is a broken listing: the source fails.
        """
        start = date(*scope_start(ctx.config, ctx.as_of), 1).isoformat()
        listing = _mof_listing(ctx, ctx.listed_on_last_read(MOF_KIND).get(None, 0))
        for _, items in ctx.pages(listing):
            for item in items:
                if item["date"] is None:
                    ctx.notes.add(MOF, f"{item['url']}: unreadable date {item['date_text']!r}; "
                                       "dated by the day the monitor first saw it")
            ctx.save(MOF_KIND, ((item["url"], item) for item in items))
            if all(item["date"] is not None and item["date"] < start for item in items):
                break

    # judging

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        months = scope_months(ctx.config, ctx.as_of)
        return [*self._monthly_reports(ctx, months), *self._consolidated_reports(ctx, months)]

    def _monthly_reports(self, ctx: EvaluateContext, months: list[Month]) -> Iterator[Obligation]:
        entities, unmatched = select_entities(listed_entities(ctx.records(ORG_KIND)), ctx.config["entities"])
        for value in unmatched if ctx.readable(ORGANIZATIONS) else ():
            ctx.notes.add(ORGANIZATIONS, f"checks.budget.entities: {value!r} matches no listed entity")
        polls = ctx.records(POLL_KIND)
        found = earliest_postings(ctx.iter_records(POSTING_KIND, POSTING_FIELDS), polls)
        base = ctx.portals["shilendans"]
        for entity in entities:
            for month in months:
                posting = found.get((entity.key, month))
                yield ctx.judge(
                    depends_on=(ORGANIZATIONS, REPORTS), rule=MONTHLY, agency=entity.name, agency_key=entity.key,
                    subject=f"{entity.key}/{month_text(month)}", due=self._due(ctx, month),
                    published=posting.published if posting else None,
                    baseline=posting.baseline if posting else False,
                    evidence_url=ctx.evidence("shilendans", posting.url if posting else None,
                                              f"{base}/organization/{entity.key}?ry={month[0]}&group={GROUP}",
                                              source=REPORTS))

    def _consolidated_reports(self, ctx: EvaluateContext, months: list[Month]) -> Iterator[Obligation]:
        found: dict[Month, Found] = {}
        for record in ctx.records(MOF_KIND).values():
            month = consolidated_month(record.data["title"])
            if month is not None:
                item = Found(*ctx.published(record, record.data["date"], MOF), record.data["url"])
                found[month] = _earlier(found.get(month), item)
        base = ctx.portals["mof"]
        for month in months:
            item = found.get(month)
            yield ctx.judge(
                depends_on=(MOF,), rule=CONSOLIDATED, agency=MOF_AGENCY, agency_key=MOF_AGENCY,
                subject=month_text(month), due=self._due(ctx, month),
                published=item.published if item else None, baseline=item.baseline if item else False,
                evidence_url=ctx.evidence("mof", item.url if item else None, f"{base}/c/budget-performance",
                                          source=MOF))

    @staticmethod
    def _due(ctx: EvaluateContext, month: Month) -> date:
        return ctx.calendar.day_of_next_month(month[0], month[1], ctx.config["report_due_day"])


# the scope

@dataclass(frozen=True)
class Entity:
    """A budget entity as last listed: its id (the agency key) and its normalised name."""

    key: str
    name: str


def scope_start(config: Mapping[str, Any], as_of: date) -> Month:
    """`start_month`, or January of the run's year."""
    return _month_of(config["start_month"]) or (as_of.year, 1)


def scope_months(config: Mapping[str, Any], as_of: date) -> list[Month]:
    """Every month from the start up to the month before the run's date."""
    months, (year, month) = [], scope_start(config, as_of)
    while (year, month) < (as_of.year, as_of.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def listed_entities(records: Mapping[str, Record]) -> list[Entity]:
    """The entities of the last complete read of the listing (it is stored all at once)."""
    if not records:
        return []
    latest = max(record.last_seen for record in records.values())
    return [Entity(key, record.data["name"]) for key, record in records.items() if record.last_seen == latest]


def select_entities(entities: list[Entity], wanted: list[Any]) -> tuple[list[Entity], list[Any]]:
    """The entities named in `entities` by id or folded name (all when empty), and the values matching none."""
    if not wanted:
        return entities, []

    def matches(entity: Entity, value: Any) -> bool:
        return entity.key == str(value).strip() or fold_name(entity.name) == fold_name(str(value))

    chosen = [entity for entity in entities if any(matches(entity, value) for value in wanted)]
    unmatched = [value for value in wanted if not any(matches(entity, value) for entity in entities)]
    return chosen, unmatched


def month_text(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _month_of(text: str) -> Month | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


def consolidated_month(title: str) -> Month | None:
    """The month a Ministry item reports on: its title names a month and contains `гүйцэтгэл`.
    The report is cumulative, so a title naming the months up to M names month M."""
    if PERFORMANCE not in normalize_text(title).casefold():
        return None
    return find_last_month(title)


# what was published

@dataclass(frozen=True)
class Found:
    """The earliest item for one obligation: its date (None when baseline) and where to see it."""

    published: date | None
    baseline: bool
    url: str | None


def earliest_postings(postings: Iterable[Record], polls: Mapping[str, Record]) -> dict[tuple[str, Month], Found]:
    """The earliest posting of each entity and month; a posting naming no month counts for none."""
    found: dict[tuple[str, Month], Found] = {}
    for record in postings:
        data = record.data
        if data["period"] is None:
            continue
        poll = polls.get(data["entity_id"])
        first_read = poll.data["first_read"].get(str(data["listed_year"])) if poll else None
        key = (data["entity_id"], _month_of(data["period"]))
        dated = published_on(record, data["posted_at"], date.fromisoformat(first_read) if first_read else None)
        found[key] = _earlier(found.get(key), Found(*dated, data["file_url"]))
    return found


def _earlier(current: Found | None, candidate: Found) -> Found:
    """The earlier of two items for one obligation; one there since the baseline beats any date."""
    if current is None or current.baseline:
        return current or candidate
    if candidate.baseline or candidate.published < current.published:
        return candidate
    return current


def _settled(found: Found | None, as_of: date) -> bool:
    """A month with a stored posting by the run's date: its entity need not be asked again for it."""
    return found is not None and (found.baseline or found.published <= as_of)


def years_lacking(months: list[Month], entity_key: str, found: Mapping[tuple[str, Month], Found],
                  as_of: date) -> list[int]:
    """The years whose postings an entity must be asked for: those with a month in scope not yet settled."""
    return sorted({month[0] for month in months if not _settled(found.get((entity_key, month)), as_of)})


def _asked_longest_ago(entities: list[Entity], polls: Mapping[str, Record]) -> Entity:
    """The entity whose postings were read longest ago (never read first): tonight's one question
    when every entity is settled, so a reports endpoint that is down is still noticed."""
    return min(entities, key=lambda e: (polls[e.key].data["polled_on"] if e.key in polls else "", e.key))


def _organizations_listing(ctx: CollectContext | ProbeContext, listed_before: int = 0) -> Listing[Any]:
    url = f"{ctx.portals['shilendans']}/portal-api/v1/organizations"
    return Listing(
        "organisations listing",
        lambda page: PageRequest("GET", url, {"params": {"page": page, "size": ORG_PAGE_SIZE}}),
        lambda page: parse_organizations_page(page.json()), rows=lambda answer: answer[1],
        listed_before=listed_before, key=lambda item: item["id"])


def _mof_listing(ctx: CollectContext | ProbeContext, listed_before: int = 0) -> Listing[Any]:
    url = f"{ctx.portals['mof']}/c/budget-performance"
    return Listing("/c/budget-performance", lambda page: PageRequest("GET", url, {"params": {"page": page}}),
                   lambda page: parse_mof_page(page.text()), listed_before=listed_before)


def _parse_reports(page: Page, year: int) -> list[dict[str, Any]]:
    return parse_reports(page.json(), year)


CHECKS = [BudgetCheck]
