"""Ulaanbaatar days, working days and due dates (rules.md section 1). Pure functions, no I/O."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ULAANBAATAR = ZoneInfo("Asia/Ulaanbaatar")


def today_in_ulaanbaatar(now: datetime | None = None) -> date:
    """The monitor's day: the calendar date in Asia/Ulaanbaatar."""
    now = now or datetime.now(ULAANBAATAR)
    return now.astimezone(ULAANBAATAR).date()


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("MN", years=year))


class WorkCalendar:
    """Saturdays, Sundays, MN public holidays (from `holidays`) and configured days off."""

    def __init__(self, days_off: tuple[date, ...] | list[date] = ()) -> None:
        self.days_off = frozenset(days_off)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _public_holidays(day.year) and day not in self.days_off

    def roll_forward(self, day: date) -> date:
        """A due date on a non-working day moves to the next working day."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def days_after(self, start: date, days: int) -> date:
        """'N days after D', rolled: the due date D + N, moved off a non-working day."""
        return self.roll_forward(start + timedelta(days=days))

    def working_days_after(self, start: date, days: int) -> date:
        """'N working days after D': the Nth working day strictly after D."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def day_of_next_month(self, year: int, month: int, day: int) -> date:
        """'Day N of the month after (year, month)', rolled."""
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return self.roll_forward(date(year, month, day))
