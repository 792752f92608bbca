"""Asset and income declarations on xacxom.iaac.mn (commitment 3.3.3.4): officials of the
high-risk organisations have their yearly declaration published.

Source `declarations.search` walks the register letter by letter (portals.md 3a, a verified shape)
and keeps every official once, de-duplicated on `aid_user_num`. Rule `declarations.published`
(docs/rules.md section 3) is judged from what was stored.

Configuration ([checks.declarations]):
- `organizations`: the organisations in scope, compared by name after NFC, case, spacing and
  quotes are folded (at least one).
- `years`: the declaration years judged; empty: the two years before the run's year.
- `publication_due`: "MM-DD" of year Y+1 by which the declaration of year Y must be published
  (default "04-01"), moved to the next working day.
- `roster`: path (relative to the working directory) of an optional CSV of officials expected to
  declare, UTF-8 (a byte-order mark is fine), with a header row naming the columns
  `organization`, `last_name`, `first_name` and optionally `aid_user_num` (header names are
  matched ignoring case and spacing; other columns are ignored; blank rows are skipped; a value
  with a comma, such as "Ашигт малтмал, газрын тосны газар", is quoted as CSV quotes it).
  `organization` is required on every row; the names are required where `aid_user_num` is empty.
  A row is matched to the register by `aid_user_num` when given, else by organisation and names
  folded as above (the official's current organisation). Give `aid_user_num` to follow an official
  who moves: a row matched by names only no longer matches once the official's record names
  another organisation.

What is stored: one record per official (`declarations.official`, key `aid_user_num`) with the
current organisation, position and published `years`, and the official's names apart, in the
store's officials table (the only place that holds a name); one record per published year
(`declarations.year`, key `{aid_user_num}/{year}`) whose first_seen is the day the monitor first
saw that year (the API gives no publication date); and `declarations.walk` (key `complete`),
whose last_seen is the date of the latest complete walk.

Published: Y is in the official's current `years`; published date: the first_seen of the year's
record; a year already there the first time the monitor saw the official, on or before the source's
first successful read, is baseline and counts as met.
The declaration itself (3b) is not read (it carries no publication date either); its address is the
evidence link.

Decisions where the rules are silent:
- A letter that listed 5 or more officials on the last complete walk and now lists nobody is a
  broken answer, not an exodus: it is asked once more, then the source fails. (A letter that
  listed fewer may really empty, as people leave.)
- A letter that cannot be read fails the whole source, after storing what the letters before it
  showed (so a year seen that day keeps that day as its first sight). A partial walk never
  removes anyone: the officials judged are those seen on or after the latest complete walk
  (last_seen >= its date), so an official missing from a partial walk stays in scope (and, the
  source having failed, every obligation is unknown). An official absent from a later complete
  walk has left the register and is no longer judged. A complete walk that finds nobody at all is
  not believed: the source fails.
- An official returned under two letters with different data is merged: the later answer's
  fields, the union of the years (a data note says so).
- Scope per year Y: current officials whose organisation is in scope and whose years include Y-1,
  plus current officials matched by a roster row; an official whose record names an organisation
  out of scope is out of scope even when the roster lists them (the roster adds officials, not
  organisations). A roster official is expected for every judged year, whatever they declared
  before (narrow `years` for officials who joined recently). A roster row matching no current
  official (by id, or by names) is in scope as given: nothing is published for it, so it is
  `missing` once due; this includes a roster official who has left the register.
- A roster row whose names match several officials of the organisation cannot be told apart:
  its obligations are `unknown` (subject as for a roster-only row) and a data note asks for
  `aid_user_num`.
- Agency: the official's current organisation, keyed by `organization_id` (the name when the
  record has no id). A roster-only row is attributed to its organisation as the register names
  it (the current officials' organisation with the same folded name and its single id), else to
  the roster's organisation name as both name and key.
- Subject: `{aid_user_num}/Y`; a roster row without `aid_user_num` that matches nobody has the
  person part `roster:{h}`, h the first 16 hex digits of the SHA-256 of its folded organisation,
  last name and first name joined by U+001F: stable across runs and free of names.
- Names are personal data: they never appear in records, subjects, agencies or data notes. They
  are kept in the officials table only (the register's names on each walk, a roster-only row's
  names when judged), keyed by the person part of the subject; each obligation names its official
  by that key (`official`), and the digest joins the name only for a recipient whose
  configuration says `name_officials = true`; `check --json` and the exports never carry it.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator, Mapping
from urllib.parse import quote

from monitor.check import (LISTED_TO_DOUBT_SILENCE, WALK_KEY, Check, CollectContext, Commitment, EvaluateContext,
                           ProbeContext, Record, Words, judged_years, refusing_empty, rows_found)
from monitor.errors import Blocked, ConfigError, LayoutChanged, SourceError
from monitor.mongolian import fold_name, normalize_text
from monitor.obligations import Obligation

from .pages import EARLIEST_YEAR, LETTERS, parse_search

SEARCH = "declarations.search"
FINGERPRINT_BYTES = 16
RULE = "declarations.published"
OFFICIAL, YEAR, WALK = "declarations.official", "declarations.year", "declarations.walk"
NAME_FIELDS = ("last_name", "first_name")  # kept in the officials table only, never in a record
ROSTER = "declarations.roster"  # the `source` of data notes about the roster file
REQUIRED_COLUMNS = ("organization", "last_name", "first_name")
ID_COLUMN = "aid_user_num"


@dataclass(frozen=True)
class RosterEntry:
    """One row of the roster file, values normalised (NFC, spacing)."""

    line: int
    organization: str
    last_name: str
    first_name: str
    aid_user_num: str | None

    @property
    def names_key(self) -> tuple[str, str, str]:
        """How a row without an id is matched: folded organisation and names."""
        return (fold_name(self.organization), fold_name(self.last_name), fold_name(self.first_name))

    @property
    def person(self) -> str:
        """The person part of a subject: the id, else a hash of the folded names."""
        if self.aid_user_num:
            return self.aid_user_num
        digest = hashlib.sha256("\x1f".join(self.names_key).encode("utf-8")).hexdigest()
        return f"roster:{digest[:16]}"


class DeclarationsCheck(Check):
    """Asset declarations of officials of the tax, customs and mineral-resources authorities."""

    name = "declarations"
    portals = {"xacxom": "https://xacxom.iaac.mn"}
    sources = (SEARCH,)
    rules = (RULE,)
    commitment = Commitment("3.3.3.4", "completed", Words(
        "Татвар, гааль, ашигт малтмалын газрын албан тушаалтны хөрөнгө орлогын мэдүүлгийг нийтлэх",
        "Publish the asset declarations of tax, customs and mineral-resources officials"))
    labels = {
        "declarations.published": Words("Хөрөнгө орлогын мэдүүлэг", "Asset declaration published"),
        "declarations.search": Words("Хөрөнгө орлогын мэдүүлгийн хайлт", "Asset declaration search"),
    }
    basis = {
        "declarations.published": Words("ЗТНТ 3.3.3.4; xacxom.iaac.mn", "OGP 3.3.3.4; xacxom.iaac.mn"),
    }
    defaults = {"organizations": ["Татварын ерөнхий газар", "Гаалийн ерөнхий газар",
                                  "Ашигт малтмал, газрын тосны газар"],
                "years": [], "publication_due": "04-01", "roster": ""}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        organizations = config["organizations"]
        if not organizations:
            raise ConfigError("checks.declarations.organizations: must name at least one organisation")
        for organization in organizations:
            if not isinstance(organization, str) or not normalize_text(organization):
                raise ConfigError(f"checks.declarations.organizations: {organization!r} is not a name")
        if config["roster"]:
            read_roster(config["roster"])

    # collecting

    def collect(self, source: str, ctx: CollectContext) -> None:
        """Walk every letter, storing each as it is read (what was read is kept when a letter fails,
        and the source fails); an official met under an earlier letter is stored again, merged."""
        url = f"{ctx.portals['xacxom']}/api/public/xacxom/search"
        last_walk = ctx.records(WALK).get(WALK_KEY)
        listed_before = last_walk.data.get("listed", {}) if last_walk else {}
        officials: dict[str, bytes] = {}  # each one met, as _met keeps it: not 40,000 whole officials
        listed: dict[str, int] = {}
        for letter in LETTERS:
            before = listed_before.get(letter, 0)
            parse = refusing_empty(lambda page: parse_search(page.json()), lambda found: not found,
                                   before >= LISTED_TO_DOUBT_SILENCE,
                                   f"empty where the last complete walk listed {before}")
            try:
                found = ctx.read(parse, "POST", url, json={"firstname": letter})
            except Blocked:
                raise  # its own line: the register keeps the monitor out
            except SourceError as exc:
                raise SourceError(f"letter {letter}: {exc} (the {len(officials)} officials "
                                  "read before it are kept)") from None
            listed[letter] = len(found)
            _save(ctx, [_merged(ctx, officials, official) for official in found])
        if not officials:
            raise LayoutChanged("no official under any letter")
        ctx.check_count(SEARCH, "officials", last_walk.data["officials"] if last_walk else 0, len(officials))
        ctx.save(WALK, [(WALK_KEY, {"listed": listed, "officials": len(officials)})])

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """The search for the alphabet's first letter."""
        found = ctx.read(lambda page: parse_search(page.json()), "POST",
                         f"{ctx.portals['xacxom']}/api/public/xacxom/search", json={"firstname": LETTERS[0]})
        return rows_found(found, f"officials under {LETTERS[0]}")

    # judging

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        roster = read_roster(ctx.config["roster"]) if ctx.config["roster"] else []
        names = ctx.officials() if roster else {}
        in_scope = {fold_name(name) for name in ctx.config["organizations"]}
        current, agencies = _officials_to_judge(ctx, in_scope, roster, names)
        matched, unmatched, ambiguous = _match_roster(roster, current, names)
        ctx.save_officials((entry.person, entry.last_name, entry.first_name)
                                 for entry in unmatched if entry.last_name or entry.first_name)
        years = judged_years(ctx.config, ctx.as_of, -2, -1)
        year_first_seen = ctx.first_seen(YEAR, [f"/{year}" for year in years])  # dates only: 190k records
        obligations: list[Obligation] = []
        for year in years:
            due = ctx.calendar.day_of_next_year(year, ctx.config["publication_due"])
            obligations += self._officials_due(ctx, current, matched, in_scope, year_first_seen, year, due)
            obligations += self._roster_only_due(ctx, agencies, unmatched, year, due)
            obligations += self._ambiguous_due(ctx, ambiguous, in_scope, year, due)
        return obligations

    def _officials_due(self, ctx: EvaluateContext, current: dict[str, Record], matched: dict[str, RosterEntry],
                       in_scope: set[str], year_first_seen: dict[str, date], year: int,
                       due: date) -> Iterator[Obligation]:
        """Officials of the register: in an organisation in scope, and declared Y-1 or on the roster."""
        for aid, official in current.items():
            data = official.data
            if fold_name(data["organization_name"]) not in in_scope:
                if aid in matched:
                    ctx.notes.add(ROSTER, f"roster line {matched[aid].line}: official {aid} now belongs to "
                                          f"{data['organization_name']}, out of scope")
                continue
            if year - 1 not in data["years"] and aid not in matched:
                continue
            published, baseline, known = None, False, True
            if year in data["years"]:
                first_seen = year_first_seen.get(f"{aid}/{year}")
                known = first_seen is not None
                if first_seen is not None:  # baseline: there the first time the monitor saw this official
                    source_baseline = ctx.baseline(SEARCH)
                    baseline = (source_baseline is not None and first_seen <= source_baseline
                                and first_seen <= official.first_seen)
                    published = None if baseline else first_seen
            yield ctx.judge(depends_on=(SEARCH,), known=known, rule=RULE,
                            agency=data["organization_name"],
                            agency_key=data["organization_id"] or data["organization_name"],
                            subject=f"{aid}/{year}", due=due, published=published, baseline=baseline,
                            evidence_url=_official_page(ctx, aid), official=aid)

    def _roster_only_due(self, ctx: EvaluateContext, agencies: dict[str, tuple[str, str]],
                         unmatched: list[RosterEntry], year: int, due: date) -> Iterator[Obligation]:
        """Roster officials with no record in the register: nothing is published for them."""
        for entry in unmatched:
            agency, agency_key = agencies.get(fold_name(entry.organization), (entry.organization,) * 2)
            evidence = _official_page(ctx, entry.aid_user_num) if entry.aid_user_num else ctx.portals["xacxom"]
            yield ctx.judge(depends_on=(SEARCH,), rule=RULE, agency=agency, agency_key=agency_key,
                            subject=f"{entry.person}/{year}", due=due, published=None, evidence_url=evidence,
                            official=entry.person)

    def _ambiguous_due(self, ctx: EvaluateContext, ambiguous: list[tuple[RosterEntry, list[Record]]],
                       in_scope: set[str], year: int, due: date) -> Iterator[Obligation]:
        """Roster rows whose names fit several officials: in scope, but nobody can say whose record it is."""
        for entry, records in ambiguous:
            data = records[0].data
            if fold_name(data["organization_name"]) not in in_scope:
                continue
            ctx.notes.add(ROSTER, f"roster line {entry.line}: {len(records)} officials of "
                                  f"{data['organization_name']} have these names; give aid_user_num")
            yield ctx.judge(depends_on=(SEARCH,), known=False, rule=RULE, agency=data["organization_name"],
                            agency_key=data["organization_id"] or data["organization_name"],
                            subject=f"{entry.person}/{year}", due=due, published=None,
                            evidence_url=ctx.portals["xacxom"])


def _official_page(ctx: EvaluateContext, aid: str) -> str:
    """The register's page of one official, else the register itself."""
    return ctx.evidence("xacxom", f"/api/public/xacxom/{quote(aid, safe='')}", ctx.portals["xacxom"], source=SEARCH)


def read_roster(path: str) -> list[RosterEntry]:
    """The roster file's rows; ConfigError naming the file (and line) for anything unreadable."""
    where = f"checks.declarations.roster: {path}"
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return _roster_rows(csv.reader(handle), where)
    except OSError as exc:
        raise ConfigError(f"{where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ConfigError(f"{where}: not CSV ({exc})") from None


def _roster_rows(reader: Any, where: str) -> list[RosterEntry]:
    header = [normalize_text(name).casefold().replace(" ", "_") for name in next(reader, [])]
    absent = [column for column in REQUIRED_COLUMNS if column not in header]
    if absent:
        raise ConfigError(f"{where}: the header lacks {', '.join(absent)}")
    entries = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = {column: normalize_text(row[i]) if i < len(row) else "" for i, column in enumerate(header)}
        aid = values.get(ID_COLUMN) or None
        if aid is not None and not aid.isdigit():
            raise ConfigError(f"{where}: line {reader.line_num}: aid_user_num {aid!r} is not a number")
        needed = ("organization",) if aid else REQUIRED_COLUMNS
        empty = [column for column in needed if not values[column]]
        if empty:
            raise ConfigError(f"{where}: line {reader.line_num}: empty {', '.join(empty)}")
        entries.append(RosterEntry(reader.line_num, values["organization"], values["last_name"],
                                   values["first_name"], aid))
    return entries


def _merged(ctx: CollectContext, officials: dict[str, bytes], official: dict[str, Any]) -> dict[str, Any]:
    """A person once, whatever letters returned them: one met before and answered differently has
    the years of both (`officials`: each one met on this walk, as _met keeps them)."""
    aid = official["aid_user_num"]
    earlier = officials.get(aid)
    if earlier is not None and earlier[:FINGERPRINT_BYTES] != _fingerprint(official):
        ctx.notes.add(SEARCH, f"official {aid} answered differently under two letters; the years were merged")
        years = {EARLIEST_YEAR + offset for offset in earlier[FINGERPRINT_BYTES:]}
        official = {**official, "years": sorted(years | set(official["years"]))}
    officials[aid] = _met(official)
    return official


def _met(official: dict[str, Any]) -> bytes:
    """What the walk keeps of an official as stored (38,662 at national size): the fingerprint of
    the whole answer, then each year as one byte, its distance from EARLIEST_YEAR (the parser
    reads no year outside 1990-2200)."""
    return _fingerprint(official) + bytes(year - EARLIEST_YEAR for year in official["years"])


def _fingerprint(official: dict[str, Any]) -> bytes:
    return hashlib.blake2b(json.dumps(official, sort_keys=True).encode(), digest_size=FINGERPRINT_BYTES).digest()


def _save(ctx: CollectContext, officials: list[dict[str, Any]]) -> None:
    """Years first: an official's stored years then always have their year records. Names go to
    the officials table, never into a record."""
    ctx.save(YEAR, ((f"{official['aid_user_num']}/{year}", {"aid_user_num": official["aid_user_num"], "year": year})
                    for official in officials for year in official["years"]))
    ctx.save_officials((official["aid_user_num"], official["last_name"], official["first_name"])
                       for official in officials)
    ctx.save(OFFICIAL, ((official["aid_user_num"], {k: v for k, v in official.items() if k not in NAME_FIELDS})
                        for official in officials))


def _officials_to_judge(ctx: EvaluateContext, in_scope: set[str], roster: list[RosterEntry],
                        names: Mapping[str, tuple[str, str]]) -> tuple[dict[str, Record], dict[str, tuple[str, str]]]:
    """The register's current officials that can be judged or matched (those of an organisation in
    scope, and those the roster names by id or by names), and every organisation of the register
    (see _register_agencies): one pass that keeps a few thousand of the 40,000 officials."""
    ids = {entry.aid_user_num for entry in roster if entry.aid_user_num}
    names_keys = {entry.names_key for entry in roster if not entry.aid_user_num}
    kept: dict[str, Record] = {}
    organizations: dict[str, set[tuple[str, str | None]]] = {}
    for record in ctx.listed_on_last_walk(OFFICIAL, WALK, ("organization_name", "organization_id", "years")):
        name = record.data["organization_name"]
        organizations.setdefault(fold_name(name), set()).add((name, record.data["organization_id"]))
        if (fold_name(name) in in_scope or record.key in ids
                or (names_keys and _names_key(record, names) in names_keys)):
            kept[record.key] = record
    return kept, _register_agencies(organizations)


def _names_key(record: Record, names: Mapping[str, tuple[str, str]]) -> tuple[str, str, str]:
    """An official's folded organisation and names, as a roster row without an id is matched."""
    last_name, first_name = names.get(record.key, ("", ""))
    return (fold_name(record.data["organization_name"]), fold_name(last_name), fold_name(first_name))


def _match_roster(roster: list[RosterEntry], current: dict[str, Record], names: Mapping[str, tuple[str, str]]
                  ) -> tuple[dict[str, RosterEntry], list[RosterEntry], list[tuple[RosterEntry, list[Record]]]]:
    """Roster rows matched to one current official (by id), matching none, and matching several;
    `names`: each official's (last name, first name) from the officials table."""
    by_names: dict[tuple[str, str, str], list[Record]] = {}
    for record in current.values():
        by_names.setdefault(_names_key(record, names), []).append(record)
    matched: dict[str, RosterEntry] = {}
    unmatched: dict[str, RosterEntry] = {}
    ambiguous: dict[str, tuple[RosterEntry, list[Record]]] = {}
    for entry in roster:
        if entry.aid_user_num:
            found = [current[entry.aid_user_num]] if entry.aid_user_num in current else []
        else:
            found = by_names.get(entry.names_key, [])
        if len(found) == 1:
            matched.setdefault(found[0].key, entry)
        elif not found:
            unmatched.setdefault(entry.person, entry)
        else:
            ambiguous.setdefault(entry.person, (entry, found))
    return matched, list(unmatched.values()), list(ambiguous.values())


def _register_agencies(seen: Mapping[str, set[tuple[str, str | None]]]) -> dict[str, tuple[str, str]]:
    """Each organisation of the register by folded name (from its (name, id) pairs as the officials
    give them): its name and its single id (else its name)."""
    agencies = {}
    for folded, pairs in seen.items():
        name = sorted(pair[0] for pair in pairs)[0]
        ids = {organization_id for _, organization_id in pairs}
        agencies[folded] = (name, ids.pop()) if len(ids) == 1 and None not in ids else (name, name)
    return agencies


CHECKS = [DeclarationsCheck]
