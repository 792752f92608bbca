"""Obligations and their status (docs/rules.md section 2), and the figures per agency (section 5)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

STATUSES = ("met", "late", "missing", "pending", "unknown")
FINDING_STATUSES = ("late", "missing")
MIN_DUE_TO_RATE = 5


@dataclass(frozen=True, slots=True)
class Obligation:
    """One thing that one agency must publish by one due date, judged as of one day."""

    rule: str
    agency: str
    agency_key: str
    subject: str
    due: date
    status: str
    published: date | None = None
    days_late: int | None = None
    days_overdue: int | None = None
    evidence_url: str | None = None
    official: str | None = None  # the official concerned, by key: their name is kept in the officials table only

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.rule, self.agency_key, self.subject)


def judge(
    *,
    rule: str,
    agency: str,
    agency_key: str,
    subject: str,
    due: date,
    published: date | None,
    as_of: date,
    readable: bool = True,
    baseline: bool = False,
    evidence_url: str | None = None,
    official: str | None = None,
) -> Obligation:
    """Status of one obligation as of `as_of`.

    Something published after `as_of` was not yet published. `baseline`: the item was there
    on the source's first read and the portal gives no date, so it counts as met.
    """
    if published is not None and published > as_of:
        published = None
    common = dict(rule=rule, agency=agency, agency_key=str(agency_key), subject=str(subject),
                  due=due, evidence_url=evidence_url, official=official)
    if not readable:
        return Obligation(status="unknown", published=published, **common)
    if baseline:
        return Obligation(status="met", **common)
    if published is not None:
        if published <= due:
            return Obligation(status="met", published=published, **common)
        return Obligation(status="late", published=published, days_late=(published - due).days, **common)
    if as_of > due:
        return Obligation(status="missing", days_overdue=(as_of - due).days, **common)
    return Obligation(status="pending", **common)


@dataclass
class AgencyFigures:
    """Counts per rule and agency, and the on-time rate (None when too few are due)."""

    rule: str
    agency: str
    agency_key: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    @property
    def due(self) -> int:
        return self.counts["met"] + self.counts["late"] + self.counts["missing"]

    @property
    def on_time_rate(self) -> float | None:
        if self.due < MIN_DUE_TO_RATE:
            return None
        return self.counts["met"] / self.due

    @property
    def coverage(self) -> float | None:
        in_scope = sum(self.counts.values())
        return None if not in_scope else (in_scope - self.counts["unknown"]) / in_scope

    def as_dict(self) -> dict:
        return {"rule": self.rule, "agency": self.agency, "agency_key": self.agency_key,
                **self.counts, "on_time_rate": self.on_time_rate}


def agency_figures(obligations: Iterable[Obligation]) -> list[AgencyFigures]:
    """One row per rule and agency, in a stable order."""
    counted = Counter((ob.rule, ob.agency_key, ob.agency, ob.status) for ob in obligations)
    return figures_from_counts((*key, count) for key, count in counted.items())


def figures_from_counts(counts: Iterable[tuple[str, str, str, str, int]]) -> list[AgencyFigures]:
    """agency_figures from (rule, agency_key, agency, status, count) rows, as the store counts them."""
    rows: dict[tuple[str, str], AgencyFigures] = {}
    for rule, agency_key, agency, status, count in counts:
        row = rows.get((rule, agency_key))
        if row is None:
            row = rows[(rule, agency_key)] = AgencyFigures(rule, agency, agency_key)
        row.counts[status] += count
    return sorted(rows.values(), key=lambda r: (r.rule, r.agency, r.agency_key))


def summed(rows: Iterable[AgencyFigures], rule: str = "") -> AgencyFigures:
    """The counts of several rows as one: a commitment's rules, a rule's agencies, an agency's rules."""
    total = AgencyFigures(rule, "", "")
    for row in rows:
        for status, count in row.counts.items():
            total.counts[status] += count
    return total


def ogp_level(rate: float | None) -> str | None:
    """Measured OGP completion level from an on-time rate (docs/rules.md section 5)."""
    if rate is None:
        return None
    if rate >= 0.9:
        return "complete"
    if rate >= 0.5:
        return "substantial"
    if rate > 0.05:
        return "limited"
    return "not started"
