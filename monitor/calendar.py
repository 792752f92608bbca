"""Ulaanbaatar days, working days and due dates (docs/rules.md section 1). Pure functions, no I/O."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ULAANBAATAR = ZoneInfo("Asia/Ulaanbaatar")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


def today_in_ulaanbaatar(now: datetime | None = None) -> date:
    """The monitor's day: the calendar date in Asia/Ulaanbaatar."""
    now = now or datetime.now(ULAANBAATAR)
    return now.astimezone(ULAANBAATAR).date()


def month_day(value: str) -> tuple[int, int]:
    """A yearly due day written "MM-DD" (e.g. "04-01") as (month, day); ValueError unless it names
    a day of every year (02-29 would vanish three years in four)."""
    match = _MONTH_DAY.fullmatch(value)
    if match is None:
        raise ValueError(f"{value!r} is not a month and day (MM-DD)")
    month, day = int(match[1]), int(match[2])
    try:
        date(2001, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a month and day (MM-DD)") from None
    return month, day


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

    def day_of_next_year(self, year: int, month_and_day: str) -> date:
        """'MM-DD of the year after `year`', rolled: the due day of a yearly filing."""
        return self.roll_forward(date(year + 1, *month_day(month_and_day)))

    def day_of_next_month(self, year: int, month: int, day: int) -> date:
        """'Day N of the month after (year, month)', rolled."""
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return self.roll_forward(date(year, month, day))
