"""History: each agency's on-time rate, per rule and over all its rules, month by month of the due date.

Counted by SQLite from the obligations (the latest judgement of each, which is what a month of due
dates needs) joined with the agency keys (monitor.agencies): see Store.on_time_by_month.

Trend and direction, over the TREND_MONTHS months ending with the month of `as_of`:
- a month counts when at least MIN_DUE_TO_RATE obligations were due in it (met, late or missing),
  as for any on-time rate;
- with at least MIN_MONTHS such months, the trend is the least-squares slope of the monthly on-time
  rate (in percentage points) against the month's number, times 12: points per year;
- `improving` when the trend is above +STEADY_POINTS_PER_YEAR, `worse` when below
  -STEADY_POINTS_PER_YEAR, else `steady`; None (too few months to say) otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .obligations import MIN_DUE_TO_RATE
from .store import Store

TREND_MONTHS = 12
MIN_MONTHS = 3
STEADY_POINTS_PER_YEAR = 5.0


@dataclass(frozen=True)
class Month:
    """One month of due dates: how many were met, late and missing."""

    month: str  # YYYY-MM
    met: int
    late: int
    missing: int

    @property
    def due(self) -> int:
        return self.met + self.late + self.missing

    @property
    def on_time_rate(self) -> float | None:
        """met / due, None under MIN_DUE_TO_RATE due."""
        return None if self.due < MIN_DUE_TO_RATE else self.met / self.due


@dataclass
class History:
    """One agency's months under one rule (`rule` None: all its rules together), oldest first."""

    agency_id: str
    rule: str | None
    months: list[Month] = field(default_factory=list)

    def trend(self, as_of: date) -> float | None:
        """Points per year over the TREND_MONTHS months ending with as_of's month (module docstring)."""
        window = set(last_months(as_of, TREND_MONTHS))
        points = [(_month_number(m.month), m.on_time_rate * 100) for m in self.months
                  if m.month in window and m.on_time_rate is not None]
        if len(points) < MIN_MONTHS:
            return None
        mean_x = sum(x for x, _ in points) / len(points)
        mean_y = sum(y for _, y in points) / len(points)
        spread = sum((x - mean_x) ** 2 for x, _ in points)
        return 12 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread

    def direction(self, as_of: date) -> str | None:
        """`improving`, `steady` or `worse` (module docstring); None when too few months are rated."""
        trend = self.trend(as_of)
        if trend is None:
            return None
        if trend > STEADY_POINTS_PER_YEAR:
            return "improving"
        if trend < -STEADY_POINTS_PER_YEAR:
            return "worse"
        return "steady"

    def last_months(self, as_of: date) -> list[Month | None]:
        """The TREND_MONTHS months ending with as_of's month, oldest first; None for a month with nothing due."""
        by_month = {m.month: m for m in self.months}
        return [by_month.get(month) for month in last_months(as_of, TREND_MONTHS)]


def agency_history(store: Store) -> dict[tuple[str, str | None], History]:
    """Every agency's history per rule, and over all its rules (rule None), by (agency id, rule)."""
    histories: dict[tuple[str, str | None], History] = {}
    totals: dict[str, dict[str, list[int]]] = {}
    for agency_id, rule, month, met, late, missing in store.on_time_by_month():
        histories.setdefault((agency_id, rule), History(agency_id, rule)).months.append(Month(month, met, late, missing))
        counts = totals.setdefault(agency_id, {}).setdefault(month, [0, 0, 0])
        for index, count in enumerate((met, late, missing)):
            counts[index] += count
    for agency_id, months in totals.items():
        histories[(agency_id, None)] = History(agency_id, None, [Month(m, *months[m]) for m in sorted(months)])
    return histories


def last_months(as_of: date, count: int) -> list[str]:
    """The `count` months (YYYY-MM) ending with as_of's month, oldest first."""
    number = as_of.year * 12 + as_of.month - 1
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(number - count + 1, number + 1)]


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1
