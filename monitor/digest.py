"""Digests: the figures and findings an NGO reads in the morning, rendered by Jinja2.

This module gathers, filters and orders the data for one reader (a `DigestView`); the
templates in report_templates/ only lay it out, in one language. No rule of compliance is
decided here or in a template.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .commitments import COMMITMENTS, RULE_BASIS
from .config import Recipient
from .i18n import translate
from .mongolian import normalize_text
from .obligations import AgencyFigures, figures_from_counts, ogp_level
from .store import Store

FORMATS = {"html": "html", "text": "txt"}
SCORECARD_AGENCIES = 20
LIST_SHOWN = 15  # findings shown per list: a phone-sized digest; `monitor findings --csv` has them all


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

    def follows_agency(self, agency_key: str, agency: str) -> bool:
        wanted = self._agencies_wanted
        return not wanted or agency_key in wanted or normalize_text(agency) in wanted

    @cached_property
    def _agencies_wanted(self) -> frozenset[str]:
        return frozenset(normalize_text(a) for a in self.agencies)


@dataclass
class ScorecardRow:
    """One agency's figures per rule, ranked by open missing findings, then by on-time rate."""

    agency: str
    agency_key: str
    missing: int
    rules: list[AgencyFigures] = field(default_factory=list)

    @property
    def worst_rate(self) -> float:
        rates = [r.on_time_rate for r in self.rules if r.on_time_rate is not None]
        return min(rates) if rates else 1.0


def digest_context(store: Store, as_of: date, view: DigestView) -> dict[str, Any]:
    """Everything the templates show for one reader."""
    findings = [f for f in store.findings(open_only=True)
                if view.follows_check(f["check_name"]) and view.follows_agency(f["agency_key"], f["agency"])]
    if not view.name_officials:
        findings = [{**f, "person": None} for f in findings]
    figures = figures_from_counts(row for row in store.obligation_counts()
                                  if view.follows_check(_check_of(row[0])) and view.follows_agency(row[1], row[2]))
    newly = [f for f in findings if _is_new(f, view.since)]
    newly_keys = {_identity(f) for f in newly}
    still = sorted((f for f in findings if f["status"] == "missing" and _identity(f) not in newly_keys),
                   key=lambda f: (f["due"], f["agency"], f["subject"]))
    caught_up = [f for f in findings if _is_caught_up(f, view.since)]
    scorecard = _scorecard(figures, findings)
    return {
        "as_of": as_of.isoformat(),
        "since": view.since.isoformat() if view.since else None,
        "lang": view.language,
        "figures": {
            "agencies_behind": len({f["agency_key"] for f in findings if f["status"] == "missing"}),
            "obligations_missing": sum(1 for f in findings if f["status"] == "missing"),
            "newly_behind": len(newly),
            "caught_up": len(caught_up),
        },
        "newly_behind": sorted(newly, key=lambda f: (f["first_raised_on"], f["due"]), reverse=True)[:LIST_SHOWN],
        "newly_behind_more": max(0, len(newly) - LIST_SHOWN),
        "still_behind": still[:LIST_SHOWN],
        "still_behind_more": max(0, len(still) - LIST_SHOWN),
        "caught_up": caught_up[:LIST_SHOWN],
        "caught_up_more": max(0, len(caught_up) - LIST_SHOWN),
        "scorecard": scorecard[:SCORECARD_AGENCIES],
        "scorecard_more": max(0, len(scorecard) - SCORECARD_AGENCIES),
        "sources": [s for s in store.source_history() if view.follows_check(s["check_name"])],
        "coverage": _coverage(figures),
        "commitments": _commitments(figures, view),
        "basis": RULE_BASIS,
        "unsubscribe": None,
    }


def _check_of(rule: str) -> str:
    return rule.split(".", 1)[0]


def _identity(finding: dict[str, Any]) -> tuple[str, str, str]:
    return (finding["rule"], finding["agency_key"], finding["subject"])


def _is_new(finding: dict[str, Any], since: date | None) -> bool:
    if since is None:
        return finding["state"] == "new"
    return finding["first_raised_on"] > since.isoformat()


def _is_caught_up(finding: dict[str, Any], since: date | None) -> bool:
    if since is None:
        return finding["state"] == "resolved"
    return bool(finding.get("resolved_on")) and finding["resolved_on"] > since.isoformat()


def _scorecard(figures: list[AgencyFigures], findings: list[dict[str, Any]]) -> list[ScorecardRow]:
    missing: dict[str, int] = defaultdict(int)
    for f in findings:
        if f["status"] == "missing":
            missing[f["agency_key"]] += 1
    rows: dict[str, ScorecardRow] = {}
    for row_figures in figures:
        if row_figures.due == 0:
            continue
        row = rows.setdefault(row_figures.agency_key, ScorecardRow(row_figures.agency, row_figures.agency_key,
                                                                   missing[row_figures.agency_key]))
        row.rules.append(row_figures)
    return sorted(rows.values(), key=lambda r: (-r.missing, r.worst_rate, r.agency))


def _coverage(figures: Iterable[AgencyFigures]) -> list[dict[str, Any]]:
    """Per rule: obligations that could be judged out of those in scope."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in figures:
        in_scope = sum(row.counts.values())
        totals[row.rule][0] += in_scope - row.counts["unknown"]
        totals[row.rule][1] += in_scope
    return [{"rule": rule, "judged": judged, "in_scope": in_scope}
            for rule, (judged, in_scope) in sorted(totals.items())]


def _commitments(figures: list[AgencyFigures], view: DigestView) -> list[dict[str, Any]]:
    """Each commitment's measured completion level beside the level the government claimed."""
    rows = []
    for commitment in COMMITMENTS:
        if not any(view.follows_check(_check_of(rule)) for rule in commitment.rules):
            continue
        total = AgencyFigures("", "", "")
        for row in figures:
            if row.rule in commitment.rules:
                for status, count in row.counts.items():
                    total.counts[status] += count
        rows.append({"number": commitment.number, "claimed": commitment.claimed,
                     "promise": commitment.promise_mn if view.language == "mn" else commitment.promise_en,
                     "rate": total.on_time_rate, "measured": ogp_level(total.on_time_rate),
                     "due": total.due})
    return rows


@lru_cache(maxsize=1)
def _templates() -> Environment:
    """One Jinja2 environment for the process: templates compile once, not per digest."""
    return Environment(loader=PackageLoader("report_templates", "."), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def render_digest(context: dict[str, Any], fmt: str) -> str:
    """Render one digest; `fmt` is 'html' or 'text'."""
    lang = context["lang"]
    template = _templates().get_template(f"digest.{FORMATS[fmt]}")
    return template.render(t=lambda key: translate(key, lang), **context)


def digest_subject(context: dict[str, Any]) -> str:
    """The email subject: title, date and the headline figure; our own words only, never portal text."""
    lang = context["lang"]
    return (f"{translate('title', lang)} {context['as_of']}: "
            f"{context['figures']['agencies_behind']} {translate('agencies_behind', lang).lower()}")


def write_digests(store: Store, as_of: date, out_dir: Path, languages: Iterable[str]) -> list[Path]:
    """Write the whole digest (every check and agency) in every language and format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in languages:
        context = digest_context(store, as_of, DigestView(language=lang))
        for fmt, suffix in FORMATS.items():
            path = out_dir / f"digest-{as_of.isoformat()}.{lang}.{suffix}"
            path.write_text(render_digest(context, fmt), encoding="utf-8")
            written.append(path)
    return written
