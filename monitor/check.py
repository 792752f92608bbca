"""The check interface: what a check declares, and the two contexts it is given.

A check declares its name, its sources (read in order), its rules and its config defaults.
`collect` turns one source's pages into records; `evaluate` turns records into obligations.
The class docstring is the check's user-facing help.
"""
from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Iterator, Mapping, Sequence, TypeVar

from .calendar import WorkCalendar
from .errors import ConfigError, FetchError, LayoutChanged, PortalError, SourceError
from .fetcher import Fetcher, Page, full_url
from .links import evidence_url, portal_hosts, shown_link
from .listing import Listing, P
from .obligations import Obligation, judge

if TYPE_CHECKING:  # the store imports Record from here
    from .store import Store

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Record:
    """One item a portal showed, as last seen, and when the monitor first and last saw it."""

    key: str
    data: dict[str, Any]
    first_seen: date
    last_seen: date


@dataclass
class Notes:
    """Data notes gathered during a run: odd but harmless things worth telling a reader."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, source: str, message: str) -> None:
        note = {"source": source, "message": message}
        if note not in self.items:
            self.items.append(note)


@dataclass
class Context:
    """What both phases may use: the run's date, the check's config, the portals' base URLs, the
    data notes, and the records stored. The store itself is private: a check reads and writes
    only through these methods, so it never depends on how or where things are kept."""

    as_of: date
    config: Mapping[str, Any]
    portals: Mapping[str, str]
    notes: Notes
    _store: Store

    def records(self, kind: str, fields: Sequence[str] | None = None) -> dict[str, Record]:
        """Stored records by key; with `fields`, their data holds only those fields (memory: a rule
        over tens of thousands of records names what it reads)."""
        return self._store.records(kind, fields)

    def iter_records(self, kind: str, fields: Sequence[str] | None = None) -> Iterator[Record]:
        """Stored records one at a time, for a pass that need not hold them all."""
        return self._store.iter_records(kind, fields)

    def iter_joined(self, first: tuple[str, Sequence[str] | None],
                    *others: tuple[str, Sequence[str] | None]) -> Iterator[tuple[Record | None, ...]]:
        """Each stored record of the first (kind, fields), one at a time, beside the record of each
        other (kind, fields) stored under the same key, or None: records matched by key without
        holding every one of a kind (see Store.iter_joined)."""
        return self._store.iter_joined(first, *others)

    def record_keys(self, kind: str) -> set[str]:
        return self._store.record_keys(kind)

    def listed_on_last_walk(self, kind: str, walk: str, fields: Sequence[str] | None = None) -> Iterator[Record]:
        """The records of a listing whose items may leave (officials, licences) as it stands now,
        one at a time: those seen on or after its latest complete walk (the record WALK_KEY of kind
        `walk`, saved when a walk reaches the end), or every one stored if no walk completed yet. On
        a night its source fails, the last complete walk still stands: nothing leaves for a page unread."""
        last = self.records(walk).get(WALK_KEY)
        return (record for record in self.iter_records(kind, fields)
                if last is None or record.last_seen >= last.last_seen)

    def officials(self) -> dict[str, tuple[str, str]]:
        """Officials' names by key (last, first): personal data, kept in one table only."""
        return self._store.officials()

    def save_officials(self, names: Iterable[tuple[str, str, str]]) -> None:
        """Keep officials' names (key, last, first) in their one table, never in records."""
        self._store.save_officials(names)


@dataclass
class CollectContext(Context):
    """What `collect` may use besides: the fetcher (private: pages come through `read`, `pages`,
    `read_each`, `read_once`), and the environment, where secrets are named."""

    _fetcher: Fetcher
    environ: Mapping[str, str]
    shrink_tolerance: float = 0.2  # [monitor] listing_shrink

    def check_count(self, source: str, what: str, before: int, now: int) -> None:
        """A count assertion for a listing whose items are not expected to leave (officials,
        invitations, results, contracts, entities, licences), as OpenSanctions' crawlers make them:
        one that held LISTED_TO_ASSERT rows or more on its last good read and now holds fewer by
        more than `shrink_tolerance` fails its source, so its obligations are unknown tonight and
        the last complete walk still stands; a smaller drop is a data note."""
        if now >= before:
            return
        line = f"listing shrank from {before:,} to {now:,} {what}"
        if before >= LISTED_TO_ASSERT and now < before * (1 - self.shrink_tolerance):
            raise SourceError(line)
        self.notes.add(source, line)

    def full_walk_due(self, last_full_walk: date | None) -> bool:
        """Whether tonight a listing read newest first (which stops early on most nights) is walked to
        its end: when it never was, or not for the check's `full_walk_days`, so that a row listed
        deep (dated in the past) is met within that many days."""
        return last_full_walk is None or (self.as_of - last_full_walk).days >= self.config["full_walk_days"]

    def walk_to_end(self, listing: Listing[P], kind: str, walk: str, *, source: str, what: str) -> None:
        """Read a listing whose items may leave (licences) to its end, storing each page's rows under
        `kind` by the listing's `key`; then hold the count against the last read and save the walk
        (see `listed_on_last_walk`). A walk that fails on the way saves no walk: the last one stands."""
        assert listing.key is not None, "a walked listing names its rows' keys"
        listed = 0
        for _, parsed in self.pages(listing):
            rows = listing.rows(parsed)
            self.save(kind, ((listing.key(row), row) for row in rows))
            listed += len(rows)
        self.check_count(source, what, listing.listed_before, listed)
        self.save(walk, [(WALK_KEY, {"on": self.as_of.isoformat()})])

    def read(self, parse: Callable[[Page], T], method: str, url: str, **request: Any) -> T:
        """Fetch one page and parse it. A page that does not parse (a changed or broken layout, an
        error code, an empty listing that had rows) is fetched once more, afresh, before the
        source fails: a portal being redeployed serves a broken page now and then. The page's
        validators are kept only once it has parsed."""
        page = self._fetcher.request(method, url, **request)
        return self._parsed(parse, page, lambda: self._fetcher.request(method, url, revalidate=False, **request))

    def read_each(self, pages: Iterable[tuple[str, Mapping[str, Any] | None, Callable[[Page], T]]]
                  ) -> Iterator[tuple[str, Callable[[], T]]]:
        """GET each (URL, query parameters) and parse it with its parser, as `read` does, the next
        pages arriving while this one is parsed ([fetch] concurrency). Yields each page's full URL,
        in order, with its outcome: calling it gives the parsed page, or raises what `read` would."""
        parsers: deque[Callable[[Page], T]] = deque()

        def urls() -> Iterator[str]:
            for url, params, parse in pages:
                parsers.append(parse)
                yield full_url(url, params)

        for url, answer in self._fetcher.get_each(urls()):
            yield url, functools.partial(self._answered, parsers.popleft(), url, answer)

    def _answered(self, parse: Callable[[Page], T], url: str, answer: Page | FetchError) -> T:
        if isinstance(answer, FetchError):
            raise answer
        return self._parsed(parse, answer, lambda: self._fetcher.request("GET", url, revalidate=False))

    def _parsed(self, parse: Callable[[Page], T], page: Page, refetch: Callable[[], Page]) -> T:
        try:
            parsed = parse(page)
        except (LayoutChanged, PortalError):
            page = refetch()
            parsed = parse(page)
        self._fetcher.keep(page)
        return parsed

    def pages(self, listing: Listing[P], from_page: int = 1) -> Iterator[tuple[int, P]]:
        """Each page of a listing that has rows, read in order, with its number (see monitor.listing).
        Stop early by leaving the loop; the end of the listing is its first page without rows (read
        twice when it is page 2 after a full page 1 and the listing doubts such an end), or the last
        page it announces (`last_page`)."""
        previous: Any = None
        met: set[Any] = set()
        for number in range(from_page, from_page + listing.max_pages):
            request = listing.request(number)
            parse = refusing_empty(listing.parse, lambda parsed: not listing.rows(parsed),
                                   number == 1 and listing.listed_before > 0, listing.empty_first_page())
            parsed = self.read(parse, request.method, request.url, **request.options)
            rows = listing.rows(parsed)
            if not rows and number == 2 and previous is not None and listing.doubt_empty_after_full is not None \
                    and len(previous) >= listing.doubt_empty_after_full:
                again = self._fetcher.request(request.method, request.url, revalidate=False, **request.options)
                parsed = parse(again)
                rows = listing.rows(parsed)
            if not rows:
                return
            if listing.key is None and rows == previous:
                raise LayoutChanged(listing.repeats(number))
            if listing.key is not None:
                keys = {listing.key(row) for row in rows}
                if keys <= met:
                    raise LayoutChanged(listing.repeats(number))
                met |= keys
            previous = rows
            yield number, parsed
            if listing.last_page is not None and number >= listing.last_page(parsed):
                return
        raise LayoutChanged(listing.too_long())

    def read_once(self, kind: str, urls: Mapping[str, str], parse: Callable[[Page], dict[str, Any]]) -> None:
        """Fetch and store, under `kind`, each page (record key → URL) not stored yet: for pages that
        never change once published (a tender's result, a licence's grant). A 4xx answer or a
        changed layout skips that page, whose obligations stay unknown, and the others are still
        read; anything worse stops the source. Skipped pages fail the source once all were tried."""
        have = self.record_keys(kind)
        wanted = {url: key for key, url in urls.items() if key not in have}
        failures: list[str] = []
        for url, outcome in self.read_each((url, None, parse) for url in wanted):
            try:
                record = outcome()
            except FetchError as exc:
                if not exc.is_permanent:
                    raise
                failures.append(str(exc))
                continue
            except LayoutChanged as exc:
                failures.append(f"{exc} at {url}")
                continue
            self.save(kind, [(wanted[url], record)])
        if failures:
            raise SourceError(f"{len(failures)} of {len(wanted)} detail pages unreadable; first: {failures[0]}")

    def listed_on_last_read(self, kind: str, group: str | None = None) -> dict[Any, int]:
        """How many records of a kind the latest read that saw any of them listed, per value of the
        field `group` (None: the whole kind, under the key None): what an empty first page is held against."""
        return self._store.listed_on_last_read(kind, group)

    def save(self, kind: str, items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Store items seen on this run's date."""
        return self._store.save_records(kind, items, self.as_of)

    def save_together(self, *batches: tuple[str, Iterable[tuple[str, dict[str, Any]]]]) -> int:
        """Store (kind, items) batches in one transaction, for records a later run reads as one fact:
        a run killed between them must leave neither, or the same day's next run, deciding what to
        read from what is stored, would read less than one uninterrupted run did."""
        return self._store.save_records_together(batches, self.as_of)


@dataclass
class ProbeContext:
    """What `probe` may use: one request, read by the check's own parser, nothing stored, no second look."""

    as_of: date
    config: Mapping[str, Any]
    portals: Mapping[str, str]
    fetcher: Fetcher
    environ: Mapping[str, str]

    def read(self, parse: Callable[[Page], T], method: str, url: str, **request: Any) -> T:
        return parse(self.fetcher.request(method, url, revalidate=False, **request))

    def first_page(self, listing: Listing[P]) -> P:
        """Page 1 of a listing, parsed."""
        request = listing.request(1)
        return self.read(listing.parse, request.method, request.url, **request.options)


def rows_found(rows: Iterable[Mapping[str, Any]], what: str, date_field: str | None = None) -> str:
    """What a probe found, in a few words: "20 rows, newest 2026-11-28"."""
    rows = list(rows)
    found = f"{len(rows)} {what}"
    dates = [str(row[date_field])[:10] for row in rows if date_field and row.get(date_field)]
    return f"{found}, newest {max(dates)}" if dates else found


@dataclass
class EvaluateContext(Context):
    """What `evaluate` may use besides: the calendar, and which sources failed on this run."""

    calendar: WorkCalendar
    failed: Mapping[str, str]
    _baselines: dict[str, date | None] = field(default_factory=dict)

    def field(self, kind: str, name: str) -> dict[str, Any]:
        """One field of every record of a kind, by key, without loading the records."""
        return self._store.field(kind, name)

    def first_seen(self, kind: str, key_suffixes: Iterable[str] = ()) -> dict[str, date]:
        """First-seen dates by key, without loading the records: see Store.first_seen."""
        return self._store.first_seen(kind, key_suffixes)

    def readable(self, *sources: str) -> bool:
        """True when every source an obligation depends on was read on this run."""
        return not any(source in self.failed for source in sources)

    def baseline(self, source: str) -> date | None:
        """The run date of the source's first successful read (cached: it cannot change mid-run)."""
        if source not in self._baselines:
            self._baselines[source] = self._store.baseline(source)
        return self._baselines[source]

    def published(self, record: Record | None, day: str | None, source: str) -> tuple[date | None, bool]:
        """The item's published date and whether it is baseline (see `published_on`), held against
        the first successful read of `source`."""
        return published_on(record, day, self.baseline(source))

    @functools.cached_property
    def _portal_hosts(self) -> frozenset[tuple[str, int]]:
        return portal_hosts(self.portals.values())

    def evidence(self, portal: str, href: str | None, fallback: str, *, source: str) -> str:
        """The evidence link for `href` (a path or URL read from `portal`, or a path the check built),
        else `fallback`, a page the check names itself. A link that is not http(s) on a configured
        portal host is never shown: it is dropped with a data note on `source` (see monitor.links)."""
        if href is None or not href.strip():
            return fallback
        url = evidence_url(self.portals[portal], href, self._portal_hosts)
        if url is None:
            self.notes.add(source, f"link {shown_link(href)} is not an http(s) page on a portal; "
                                   f"the evidence shown is {fallback}")
            return fallback
        return url

    def judge(self, *, depends_on: tuple[str, ...], known: bool = True, **fields: Any) -> Obligation:
        """Judge one obligation as of the run's date.

        Unknown when a source it depends on failed on this run, or when `known` is False
        (what it needs was never read, e.g. a detail page not yet fetched).
        """
        return judge(as_of=self.as_of, readable=known and self.readable(*depends_on), **fields)


def published_on(record: Record | None, day: str | None, baseline: date | None) -> tuple[date | None, bool]:
    """The published date of an item (docs/rules.md section 2), and whether it counts as baseline.

    The portal's own date (`day`, YYYY-MM-DD...) when it gives one; else the run date on which the
    monitor first saw the item; but an item already there on the `baseline` read of its listing,
    with no date of its own, is baseline (None, True): nothing can be held against its agency.
    """
    if record is None:
        return None, False
    if day:
        return date.fromisoformat(day[:10]), False
    if baseline is not None and record.first_seen <= baseline:
        return None, True
    return record.first_seen, False


def judged_years(config: Mapping[str, Any], as_of: date, *offsets: int) -> list[int]:
    """The years a check's `years` key names, else the run's year plus each offset (the
    defaults of docs/configuration.md: tender -1 and 0, declarations -2 and -1, extractives -1)."""
    return list(config["years"]) or [as_of.year + offset for offset in offsets]


def check_years(where: str, years: Iterable[Any]) -> None:
    """ConfigError naming `where` for a value of a `years` list that is not a year."""
    for year in years:
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            raise ConfigError(f"{where}: {year!r} is not a year")


# The key of a listing's walk record (CollectContext.walk_to_end, Context.listed_on_last_walk).
WALK_KEY = "complete"

# A listing that held this many rows is held to its count (CollectContext.check_count).
LISTED_TO_ASSERT = 50

# A list that showed this many rows on its last read and now shows none is taken for broken;
# one that showed fewer may really have emptied (officials leave, drafts move on).
LISTED_TO_DOUBT_SILENCE = 5


def refusing_empty(parse: Callable[[Page], T], is_empty: Callable[[T], bool], had_rows: bool,
                   message: str) -> Callable[[Page], T]:
    """A parser that refuses an empty answer where rows were stored before (`had_rows`), saying
    `message`: listings only grow, so an empty one is a broken portal, never a listing whose rows
    all went away. With CollectContext.read, the page is fetched once more before the source fails."""
    def read(page: Page) -> T:
        parsed = parse(page)
        if had_rows and is_empty(parsed):
            raise LayoutChanged(message)
        return parsed
    return read


@dataclass(frozen=True)
class Words:
    """One thing a reader sees, in Mongolian and in English: each digest is wholly in one language."""

    mn: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.mn if lang == "mn" else self.en


@dataclass(frozen=True)
class Commitment:
    """The OGP commitment (National Action Plan 2014–2016) a check's rules measure, with the
    completion level the government claimed for it in its self-assessment."""

    number: str
    claimed: str
    promise: Words


@dataclass(frozen=True)
class AgencyRegister:
    """Where a check's records give the state register number of the agency a key names: records
    of `kind` whose field `key` is the obligations' agency key and whose field `number` is the
    register number (monitor.agencies matches agencies across portals by it)."""

    kind: str
    key: str
    number: str


class Check:
    """Base class of every check. Subclasses set the class attributes and implement both methods.

    The class is the check's whole description: the core, the digest and the demo know a check
    only through these attributes, so a check installed from another package works like a built-in.
    """

    name: ClassVar[str]
    portals: ClassVar[dict[str, str]] = {}  # the `[portals]` keys it reads, with their default base URLs
    sources: ClassVar[tuple[str, ...]]
    rules: ClassVar[tuple[str, ...]]
    labels: ClassVar[dict[str, Words]] = {}  # each rule and source as a reader knows it
    basis: ClassVar[dict[str, Words]] = {}  # each rule's legal basis
    commitment: ClassVar[Commitment | None] = None  # the OGP commitment its rules measure
    agency_heading: ClassVar[Words | None] = None  # where its agencies are not public bodies (companies)
    registers: ClassVar[tuple[AgencyRegister, ...]] = ()  # where its records give agencies' register numbers
    # its `[checks.<name>]` keys with their defaults; the core checks each value's type against its
    # default's, and by the key's name: a `years` list holds years, a `..._due` text is "MM-DD", a
    # `..._days` number is >= 0 (name a key otherwise if it means something else)
    defaults: ClassVar[dict[str, Any]] = {}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        """Raise ConfigError for values of the right type that still make no sense."""

    def collect(self, source: str, ctx: CollectContext) -> None:
        """Read one source and store what it showed; raise SourceError when it cannot be read."""
        raise NotImplementedError

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        """Every obligation in scope as of the run's date."""
        raise NotImplementedError

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Read one page of `source` (`monitor probe`) through the parser `collect` uses, and say
        what it found ("20 rows, newest 2026-11-28"); raise SourceError as `collect` would. Optional:
        a check without it is reported as not probed."""
        raise NotImplementedError
