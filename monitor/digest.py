"""Digests: the figures and findings an NGO reads in the morning, rendered by Jinja2.

This module gathers, filters and orders the data for one reader (a `DigestView`); the
templates in report_templates/ only lay it out, in one language. No rule of compliance is
decided here or in a template.
"""
from __future__ import annotations

import bisect
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TextIO

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .agencies import display_name, normalised_name
from .config import METHODOLOGY_URL, Recipient
from .export import write_findings_csv
from .findings import LEFT_SCOPE, caught_up_since, left_scope_since, new_since
from .i18n import source_error_explanation, translate, translate_count
from .mongolian import normalize_text, transliterate
from .obligations import MIN_DUE_TO_RATE, AgencyFigures, figures_from_counts, ogp_level, summed
from .registry import agency_heading, commitments, rule_basis, rule_name, source_name
from .store import StorageError, Store

FORMATS = {"html": "html", "text": "txt"}
SCORECARD_AGENCIES = 20
LIST_SHOWN = 15  # findings shown per list: a phone-sized digest; the CSV of all open findings has them all
# The complete list of open findings travels beside the digest, and the digest says where, in one
# translated phrase: an email carries it as an attachment of this name (the mailer attaches it),
# and `monitor run` writes it beside the digest files as findings-{date}.csv (write_digests).
ATTACHED_CSV = "findings.csv"

# A finding whose item has no page of its own links the list it was read from, as a page a reader
# can open. legal.draft_comment_period: the drafts are read from `POST {parliament}/tusul/tusulList`,
# an API that answers only a POST, so a link to it opens nothing; the same two lists ("drafts in
# preparation", "drafts submitted") are the public site d.parliament.mn, which the configured API
# base (portals.parliament) does not name, so the site is fixed here.
LIST_PAGES: dict[str, str] = {"legal.draft_comment_period": "https://d.parliament.mn/"}


@dataclass(frozen=True)
class DigestView:
    """One reader's digest: language, the checks and agencies followed, and since when 'new' counts.

    `since` is the date of the reader's previous digest; None counts new and caught up against the
    previous run, as the findings' own states do.
    """

    language: str = "mn"
    checks: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    name_officials: bool = False
    since: date | None = None

    @classmethod
    def for_recipient(cls, recipient: Recipient, since: date | None) -> DigestView:
        return cls(recipient.language, recipient.checks, recipient.agencies, recipient.name_officials, since)

    def follows_check(self, check_name: str) -> bool:
        return not self.checks or check_name in self.checks

    def follows_agency(self, agency_key: str, agency: str, agency_id: str | None = None) -> bool:
        wanted = self._agencies_wanted
        return not wanted or agency_key in wanted or normalize_text(agency) in wanted or agency_id in wanted

    @cached_property
    def _agencies_wanted(self) -> frozenset[str]:
        return frozenset(normalize_text(a) for a in self.agencies)


@dataclass(frozen=True)
class AgencyNames:
    """Each (check, agency key)'s agency id and its name in the digest's language (monitor.agencies).

    A key the identity tables do not know yet (a database no run has rebuilt them in) is joined by
    its normalised name alone, named as the portal names it (transliterated for an English reader)."""

    language: str
    agencies: dict[tuple[str, str], tuple[str, str]]  # (check, key) -> (agency id, name shown)

    @classmethod
    def of(cls, store: Store, language: str) -> AgencyNames:
        return cls(language, {(key["check"], key["key"]): (row["id"], display_name(row["name"], row["name_en"], language))
                              for row in store.agencies() for key in row["keys"]})

    def id_of(self, check: str, agency_key: str, agency: str) -> str:
        known = self.agencies.get((check, agency_key))
        return known[0] if known else f"name:{normalised_name(agency)}"

    def name_of(self, check: str, agency_key: str, agency: str) -> str:
        known = self.agencies.get((check, agency_key))
        if known:
            return known[1]
        return normalize_text(agency) if self.language == "mn" else transliterate(agency, ascii_only=True)


@dataclass
class ScorecardRow:
    """One agency, once, with its figures per rule beneath it.

    An agency is its id across the portals (monitor.agencies): each check keys agencies its own way
    (a budget entity id, a tender agency, a law's issuing body), so one agency has several keys,
    and grouping by key would list it once per check.
    """

    agency: str  # its name in the digest's language
    agency_id: str = ""
    section: str = ""  # "" for public bodies; else the heading a check gives its agencies (companies)
    missing: int = 0
    rules: list[AgencyFigures] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        """met / due over all its rules; None under MIN_DUE_TO_RATE due, as for one rule."""
        due = sum(r.due for r in self.rules)
        return None if due < MIN_DUE_TO_RATE else sum(r.counts["met"] for r in self.rules) / due

    def rank(self) -> tuple:
        """The methodology's ranking: most open missing findings first, then the lowest on-time rate
        (an agency too small to rate after those rated), then by name for a stable order."""
        rate = self.on_time_rate
        return (-self.missing, rate is None, rate or 0.0, self.agency)


# what a digest reads of an open finding: with the three keys it adds, a row stays a small dict
FINDING_COLUMNS = ("rule", "agency_key", "subject", "check_name", "agency", "status", "due", "published",
                   "days_late", "days_overdue", "evidence_url", "state", "rechecked", "judged_on",
                   "first_raised_on", "resolved_on", "official")


def digest_context(store: Store, as_of: date, view: DigestView, *, methodology_url: str = METHODOLOGY_URL,
                   csv_beside: str | None = None) -> dict[str, Any]:
    """Everything the templates show for one reader.

    `csv_beside`: the name of the CSV of all open findings written beside a digest file; None for
    a digest sent by email, which carries that CSV attached as ATTACHED_CSV.
    """
    agencies = AgencyNames.of(store, view.language)
    names = store.official_names() if view.name_officials else {}  # personal data: joined here, stored nowhere else
    # the open findings are read once and not held (a national night's are 16,000): each list keeps
    # the findings it shows and counts the rest
    newly, caught_up = _FirstShown(_most_overdue_first), _FirstShown()
    still = _FirstShown(lambda f: (f["due"], f["agency"], f["subject"]))
    missing: Counter[tuple[str, str, str]] = Counter()
    for f in store.iter_findings(open_only=True, columns=FINDING_COLUMNS):
        if not view.follows_check(f["check_name"]):
            continue
        f["agency_id"] = agencies.id_of(f["check_name"], f["agency_key"], f["agency"])
        if not view.follows_agency(f["agency_key"], f["agency"], f["agency_id"]):
            continue
        f["person"] = names.get(f["official"])
        if view.language != "mn":
            f["agency"] = agencies.name_of(f["check_name"], f["agency_key"], f["agency"])
        f["list_page"] = None if f["evidence_url"] else LIST_PAGES.get(f["rule"])
        tally_missing(missing, f, agencies)
        if new_since(f, view.since):
            newly.add(f)
        elif f["status"] == "missing":
            still.add(f)
        if caught_up_since(f, view.since):
            caught_up.add(f)
    figures = figures_from_counts(
        row for row in store.obligation_counts() if view.follows_check(_check_of(row[0]))
        and view.follows_agency(row[1], row[2], agencies.id_of(_check_of(row[0]), row[1], row[2])))
    left = [f for f in store.findings(open_only=False, state=LEFT_SCOPE) if left_scope_since(f, view.since, as_of)
            and view.follows_check(f["check_name"])
            and view.follows_agency(f["agency_key"], f["agency"], agencies.id_of(f["check_name"], f["agency_key"],
                                                                               f["agency"]))]
    left = [{**f, "person": names.get(f["official"]), "list_page": None,
             "agency": f["agency"] if view.language == "mn" else agencies.name_of(f["check_name"], f["agency_key"],
                                                                                 f["agency"])} for f in left]
    scorecard = scorecard_rows(figures, missing, agencies, view.language)
    shown = _shown(scorecard)
    coverage = _coverage(figures)
    sources = [s for s in store.source_history() if view.follows_check(s["check_name"])]
    return {
        "as_of": as_of.isoformat(),
        "since": view.since.isoformat() if view.since else None,
        "lang": view.language,
        "figures": {
            "agencies_behind": sum(1 for row in scorecard if row.missing),
            "obligations_missing": sum(missing.values()),
            "newly_behind": newly.count,
            "caught_up": caught_up.count,
        },
        "judged": sum(c["judged"] for c in coverage),
        "in_scope": sum(c["in_scope"] for c in coverage),
        "unknown": sum(row.counts["unknown"] for row in figures),
        "failed_sources": [s["source"] for s in sources if not s["last_ok"]],
        "undelivered": [],  # a recipient's own digests given up on; the outbox fills it (queue_digests)
        "newly_behind": newly.shown,
        "newly_behind_more": newly.more,
        "still_behind": still.shown,
        "still_behind_more": still.more,
        "caught_up": caught_up.shown,
        "caught_up_more": caught_up.more,
        "left_scope": left[:LIST_SHOWN],
        "left_scope_more": max(0, len(left) - LIST_SHOWN),
        "full_list": ("full_list_beside", csv_beside) if csv_beside else ("full_list_attached", ATTACHED_CSV),
        "scorecard": shown,
        "scorecard_more": len(scorecard) - len(shown),
        "scorecard_more_behind": sum(1 for row in scorecard if row.missing) - sum(1 for row in shown if row.missing),
        "sources": sources,
        "coverage": coverage,
        "commitments": commitment_rows(figures, view),
        "methodology_url": methodology_url,
        "unsubscribe": None,
    }


def _most_overdue_first(finding: dict[str, Any]) -> tuple:
    """Missing items by days overdue, most first; then those published late, by days late."""
    if finding["status"] == "missing":
        return (0, -(finding["days_overdue"] or 0), finding["agency"], finding["subject"])
    return (1, -(finding["days_late"] or 0), finding["agency"], finding["subject"])


def rule_url(methodology_url: str, rule: str) -> str:
    """The rule's section of the methodology: GitHub's anchor of a `## tender.result_published`
    heading drops the dots (`#tenderresult_published`)."""
    return f"{methodology_url}#{rule.replace('.', '')}"


def _check_of(rule: str) -> str:
    return rule.split(".", 1)[0]


def tally_missing(tally: Counter[tuple[str, str, str]], finding: Mapping[str, Any], agencies: AgencyNames) -> None:
    """Count a missing finding (with its agency_id) against its agency, for scorecard_rows."""
    if finding["status"] == "missing":
        name = agencies.name_of(finding["check_name"], finding["agency_key"], finding["agency"])
        tally[(finding["rule"], finding["agency_id"], name)] += 1


def scorecard_rows(figures: list[AgencyFigures], missing: Mapping[tuple[str, str, str], int], agencies: AgencyNames,
                   lang: str) -> list[ScorecardRow]:
    """Every agency with an obligation due or an open missing finding (`missing`: by rule, agency id
    and name, from tally_missing), once, ranked: public bodies first, then each kind of agency a
    check names under a heading of its own (the extractive companies), each section ranked by the
    methodology and cut at SCORECARD_AGENCIES."""
    rows: dict[tuple[str, str], ScorecardRow] = {}

    def row_of(rule: str, agency_id: str, name: str) -> ScorecardRow:
        section = agency_heading(rule, lang) or ""
        return rows.setdefault((section, agency_id), ScorecardRow(name, agency_id, section))

    for (rule, agency_id, name), count in missing.items():
        row_of(rule, agency_id, name).missing += count
    for row_figures in figures:
        if row_figures.due:
            check, key, agency = _check_of(row_figures.rule), row_figures.agency_key, row_figures.agency
            row_of(row_figures.rule, agencies.id_of(check, key, agency),
                   agencies.name_of(check, key, agency)).rules.append(row_figures)
    return sorted(rows.values(), key=lambda row: (row.section, row.rank()))


class _FirstShown:
    """The first LIST_SHOWN findings of a digest's list, in `order` (else as read; ties as read, as
    a stable sort leaves them), and how many more the list holds, from findings added one by one."""

    def __init__(self, order: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self.order = order
        self.count = 0
        self._kept: list[tuple[Any, int, dict[str, Any]]] = []

    def add(self, finding: dict[str, Any]) -> None:
        self.count += 1
        entry = (self.order(finding) if self.order else (), self.count, finding)
        if len(self._kept) < LIST_SHOWN or entry[:2] < self._kept[-1][:2]:
            bisect.insort(self._kept, entry, key=lambda kept: kept[:2])
            del self._kept[LIST_SHOWN:]

    @property
    def shown(self) -> list[dict[str, Any]]:
        return [finding for _, _, finding in self._kept]

    @property
    def more(self) -> int:
        return self.count - len(self._kept)


def _shown(scorecard: list[ScorecardRow]) -> list[ScorecardRow]:
    """The first SCORECARD_AGENCIES of each section."""
    taken: dict[str, int] = defaultdict(int)
    shown = []
    for row in scorecard:
        taken[row.section] += 1
        if taken[row.section] <= SCORECARD_AGENCIES:
            shown.append(row)
    return shown


def _coverage(figures: Iterable[AgencyFigures]) -> list[dict[str, Any]]:
    """Per rule: obligations that could be judged out of those in scope."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in figures:
        in_scope = sum(row.counts.values())
        totals[row.rule][0] += in_scope - row.counts["unknown"]
        totals[row.rule][1] += in_scope
    return [{"rule": rule, "judged": judged, "in_scope": in_scope}
            for rule, (judged, in_scope) in sorted(totals.items())]


def commitment_rows(figures: list[AgencyFigures], view: DigestView) -> list[dict[str, Any]]:
    """Each commitment's measured completion level beside the level the government claimed."""
    rows = []
    for commitment, rules in commitments():
        if not any(view.follows_check(_check_of(rule)) for rule in rules):
            continue
        total = summed(row for row in figures if row.rule in rules)
        rows.append({"number": commitment.number, "claimed": commitment.claimed,
                     "promise": commitment.promise(view.language),
                     "rate": total.on_time_rate, "measured": ogp_level(total.on_time_rate),
                     "due": total.due})
    return rows


# The bar of an on-time rate takes the colour of the OGP level that rate measures (docs/rules.md).
LEVEL_COLOURS = {"complete": "#26734d", "substantial": "#c98a00", "limited": "#b3261e", "not started": "#b3261e"}


@lru_cache(maxsize=1)
def templates() -> Environment:
    """One Jinja2 environment for the process: templates compile once, not per digest."""
    return Environment(loader=PackageLoader("report_templates", "."), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render_digest(context: dict[str, Any], fmt: str) -> str:
    """Render one digest; `fmt` is 'html' or 'text'."""
    lang = context["lang"]
    template = templates().get_template(f"digest.{FORMATS[fmt]}")
    return template.render(
        t=lambda key, **values: translate(key, lang).format(**values) if values else translate(key, lang),
        count=lambda key, n: translate_count(key, n, lang),
        basis=lambda rule: rule_basis(rule, lang),
        rule_name=lambda rule: rule_name(rule, lang),
        source_name=lambda source: source_name(source, lang),
        explain=lambda error: source_error_explanation(error, lang),
        failed_names=", ".join(source_name(source, lang) for source in context["failed_sources"]),
        rule_url=lambda rule: rule_url(context["methodology_url"], rule),
        level_colour=lambda rate: LEVEL_COLOURS[ogp_level(rate)],
        **context)


def digest_subject(context: dict[str, Any]) -> str:
    """The email subject: title, date and the headline figure; our own words only, never portal text.
    When sources could not be read it says so, so the subject never reads as good news alone."""
    lang = context["lang"]
    subject = (f"{translate('title', lang)} {context['as_of']}: "
               f"{translate_count('n_agencies_behind', context['figures']['agencies_behind'], lang)}")
    if context["failed_sources"]:
        subject += f" ({translate_count('subject_failed', len(context['failed_sources']), lang)})"
    return subject


def write_digests(store: Store, as_of: date, out_dir: Path, languages: Iterable[str],
                  methodology_url: str = METHODOLOGY_URL) -> list[Path]:
    """Write the whole digest (every check and agency) in every language and format, and beside
    them the CSV of all open findings that the digests' lists point to. The CSV is written row by
    row, and one language's context is let go before the next is built (a national night's open
    findings are some 16,000)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{out_dir}: cannot create the digests' folder ({exc.strerror})") from None
    csv_path = out_dir / f"findings-{as_of.isoformat()}.csv"
    _write_whole(csv_path, lambda out: write_findings_csv(store.iter_findings(open_only=True), out))  # BOM: Excel
    return [csv_path] + [path for lang in languages
                         for path in _write_language(store, as_of, out_dir, lang, methodology_url, csv_path.name)]


def _write_language(store: Store, as_of: date, out_dir: Path, lang: str, methodology_url: str,
                    csv_name: str) -> list[Path]:
    context = digest_context(store, as_of, DigestView(language=lang), methodology_url=methodology_url,
                             csv_beside=csv_name)
    written = []
    for fmt, suffix in FORMATS.items():
        path = out_dir / f"digest-{as_of.isoformat()}.{lang}.{suffix}"
        text = render_digest(context, fmt)
        _write_whole(path, lambda out: out.write(text))
        written.append(path)
    return written


def _write_whole(path: Path, write: Callable[[TextIO], object]) -> None:
    """Write UTF-8 text (`write` given the open file) to a temporary file beside `path`, then rename
    it: a full disk or a killed run leaves the previous file or none, never a truncated one; an
    error names the file it was writing. No newline is translated, on any system."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"{path}: cannot write the file ({exc.strerror})") from None
