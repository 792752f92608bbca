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
from typing import Any, Callable, ClassVar, Iterable, Iterator, Mapping, TypeVar

from .calendar import WorkCalendar
from .errors import FetchError, LayoutChanged, PortalError, SourceError
from .fetcher import Fetcher, Page
from .listing import Listing, P
from .obligations import Obligation, judge
from .store import Record, Store

T = TypeVar("T")


@dataclass
class Notes:
    """Data notes gathered during a run: odd but harmless things worth telling a reader."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, source: str, message: str) -> None:
        note = {"source": source, "message": message}
        if note not in self.items:
            self.items.append(note)


@dataclass
class CollectContext:
    """What `collect` may use: the fetcher, the portals' base URLs, and the record store."""

    as_of: date
    config: Mapping[str, Any]
    portals: Mapping[str, str]
    fetcher: Fetcher
    store: Store
    notes: Notes
    environ: Mapping[str, str]

    def read(self, parse: Callable[[Page], T], method: str, url: str, **request: Any) -> T:
        """Fetch one page and parse it. A page that does not parse (a changed or broken layout, an
        error code, an empty listing that had rows) is fetched once more, afresh, before the
        source fails: a portal being redeployed serves a broken page now and then. The page's
        validators are kept only once it has parsed."""
        page = self.fetcher.request(method, url, **request)
        return self._parsed(parse, page, lambda: self.fetcher.request(method, url, revalidate=False, **request))

    def read_each(self, pages: Iterable[tuple[str, Callable[[Page], T]]]) -> Iterator[tuple[str, Callable[[], T]]]:
        """GET each URL and parse it with its parser, as `read` does, the next pages arriving while
        this one is parsed ([fetch] concurrency). Yields each URL, in order, with its outcome:
        calling it gives the parsed page, or raises what `read` would have raised."""
        parsers: deque[Callable[[Page], T]] = deque()

        def urls() -> Iterator[str]:
            for url, parse in pages:
                parsers.append(parse)
                yield url

        for url, answer in self.fetcher.get_each(urls()):
            yield url, functools.partial(self._answered, parsers.popleft(), url, answer)

    def _answered(self, parse: Callable[[Page], T], url: str, answer: Page | FetchError) -> T:
        if isinstance(answer, FetchError):
            raise answer
        return self._parsed(parse, answer, lambda: self.fetcher.request("GET", url, revalidate=False))

    def _parsed(self, parse: Callable[[Page], T], page: Page, refetch: Callable[[], Page]) -> T:
        try:
            parsed = parse(page)
        except (LayoutChanged, PortalError):
            page = refetch()
            parsed = parse(page)
        self.fetcher.keep(page)
        return parsed

    def pages(self, listing: Listing[P], from_page: int = 1) -> Iterator[tuple[int, P]]:
        """Each page of a listing that has rows, read in order, with its number (see monitor.listing).
        Stop early by leaving the loop; the end of the listing is its first page without rows."""
        previous: Any = None
        met: set[Any] = set()
        for number in range(from_page, from_page + listing.max_pages):
            request = listing.request(number)
            parse = refusing_empty(listing.parse, lambda parsed: not listing.rows(parsed),
                                   number == 1 and listing.listed_before > 0, listing.empty_first_page())
            parsed = self.read(parse, request.method, request.url, **request.options)
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
        raise LayoutChanged(listing.too_long())

    def read_once(self, kind: str, urls: Mapping[str, str], parse: Callable[[Page], dict[str, Any]]) -> None:
        """Fetch and store, under `kind`, each page (record key → URL) not stored yet: for pages that
        never change once published (a tender's result, a licence's grant). A 4xx answer or a
        changed layout skips that page, whose obligations stay unknown, and the others are still
        read; anything worse stops the source. Skipped pages fail the source once all were tried."""
        have = self.record_keys(kind)
        wanted = {url: key for key, url in urls.items() if key not in have}
        failures: list[str] = []
        for url, outcome in self.read_each((url, parse) for url in wanted):
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
        return self.store.listed_on_last_read(kind, group)

    def save(self, kind: str, items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        """Store items seen on this run's date."""
        return self.store.save_records(kind, items, self.as_of)

    def records(self, kind: str) -> dict[str, Record]:
        return self.store.records(kind)

    def iter_records(self, kind: str) -> Iterator[Record]:
        """Stored records one at a time, for a pass that need not hold them all."""
        return self.store.iter_records(kind)

    def record_keys(self, kind: str) -> set[str]:
        return self.store.record_keys(kind)


@dataclass
class EvaluateContext:
    """What `evaluate` may use: records, the calendar, and which sources failed on this run."""

    as_of: date
    config: Mapping[str, Any]
    portals: Mapping[str, str]
    calendar: WorkCalendar
    store: Store
    failed: Mapping[str, str]
    notes: Notes
    _baselines: dict[str, date | None] = field(default_factory=dict)

    def records(self, kind: str) -> dict[str, Record]:
        return self.store.records(kind)

    def field(self, kind: str, name: str) -> dict[str, Any]:
        """One field of every record of a kind, by key, without loading the records."""
        return self.store.field(kind, name)

    def first_seen(self, kind: str, key_suffixes: Iterable[str] = ()) -> dict[str, date]:
        """First-seen dates by key, without loading the records: see Store.first_seen."""
        return self.store.first_seen(kind, key_suffixes)

    def readable(self, *sources: str) -> bool:
        """True when every source an obligation depends on was read on this run."""
        return not any(source in self.failed for source in sources)

    def baseline(self, source: str) -> date | None:
        """The run date of the source's first successful read (cached: it cannot change mid-run)."""
        if source not in self._baselines:
            self._baselines[source] = self.store.baseline(source)
        return self._baselines[source]

    def published(self, record: Record | None, day: str | None, source: str) -> tuple[date | None, bool]:
        """The item's published date and whether it is baseline (see `published_on`), held against
        the first successful read of `source`."""
        return published_on(record, day, self.baseline(source))

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


def listed_on_last_walk(records: Mapping[str, Record], walk: Record | None) -> dict[str, Record]:
    """The records a listing whose items may leave (officials, licences) holds now: those seen on or
    after its latest complete walk (the `walk` record a check saves when it reaches the end), or
    every one stored if no walk completed yet. On a night its source fails, the last complete walk
    still stands, so nothing leaves scope because a page could not be read."""
    if walk is None:
        return dict(records)
    return {key: record for key, record in records.items() if record.last_seen >= walk.last_seen}


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
    registers: ClassVar[tuple[AgencyRegister, ...]] = ()  # where its records give agencies' register numbers
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
