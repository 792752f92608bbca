"""monitor/calendar.py: Ulaanbaatar days, non-working days and due dates (rules.md section 1)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from monitor.calendar import WorkCalendar, today_in_ulaanbaatar


@pytest.fixture
def cal():
    return WorkCalendar()


@pytest.mark.parametrize("day", [date(2026, 10, 17), date(2026, 10, 18)])  # Saturday, Sunday
def test_weekend_is_not_a_working_day(cal, day):
    assert not cal.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 10, 12), date(2026, 10, 14), date(2026, 10, 16)])
def test_ordinary_weekday_is_a_working_day(cal, day):
    assert cal.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)])
def test_tsagaan_sar_2026_is_off(cal, day):
    assert not cal.is_working_day(day)


def test_days_around_tsagaan_sar_2026_are_working(cal):
    assert cal.is_working_day(date(2026, 2, 17))
    assert cal.is_working_day(date(2026, 2, 23))


@pytest.mark.parametrize("day", [date(2026, 7, d) for d in range(10, 16)])
def test_naadam_2026_is_off(cal, day):
    assert not cal.is_working_day(day)


def test_days_around_naadam_2026_are_working(cal):
    assert cal.is_working_day(date(2026, 7, 9))
    assert cal.is_working_day(date(2026, 7, 16))


def test_configured_day_off_is_not_working():
    cal = WorkCalendar([date(2026, 7, 16)])
    assert not cal.is_working_day(date(2026, 7, 16))
    assert cal.is_working_day(date(2026, 7, 17))
    assert WorkCalendar().is_working_day(date(2026, 7, 16))


@pytest.mark.parametrize("day, expected", [
    (date(2026, 10, 14), date(2026, 10, 14)),   # working day: unchanged
    (date(2026, 10, 17), date(2026, 10, 19)),   # Saturday -> Monday
    (date(2026, 10, 18), date(2026, 10, 19)),   # Sunday -> Monday
    (date(2026, 2, 18), date(2026, 2, 23)),     # Tsagaan Sar Wed-Fri, then the weekend
    (date(2026, 7, 10), date(2026, 7, 16)),     # Naadam 10-15 July
    (date(2026, 7, 13), date(2026, 7, 16)),
    (date(2026, 11, 26), date(2026, 11, 27)),   # Republic Day
])
def test_roll_forward(cal, day, expected):
    assert cal.roll_forward(day) == expected


def test_roll_forward_over_a_configured_day_off():
    cal = WorkCalendar([date(2026, 7, 16)])
    assert cal.roll_forward(date(2026, 7, 10)) == date(2026, 7, 17)


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 9, 14), 30, date(2026, 10, 14)),   # lands on a Wednesday: D + N
    (date(2026, 9, 17), 30, date(2026, 10, 19)),   # lands on Saturday 17 Oct -> Monday
    (date(2026, 6, 10), 30, date(2026, 7, 16)),    # lands on Naadam -> 16 July
    (date(2026, 10, 2), 30, date(2026, 11, 2)),    # lands on Sunday 1 Nov -> Monday
    (date(2026, 1, 19), 30, date(2026, 2, 23)),    # lands on Tsagaan Sar (18 Feb) -> after it and the weekend
    (date(2026, 10, 14), 0, date(2026, 10, 14)),
])
def test_days_after_is_calendar_days_then_rolled(cal, start, n, expected):
    assert cal.days_after(start, n) == expected


@pytest.mark.parametrize("start, n, expected", [
    (date(2026, 10, 12), 1, date(2026, 10, 13)),   # Monday -> Tuesday, strictly after
    (date(2026, 10, 16), 1, date(2026, 10, 19)),   # Friday -> Monday
    (date(2026, 10, 17), 1, date(2026, 10, 19)),   # from a Saturday
    (date(2026, 10, 12), 5, date(2026, 10, 19)),
    (date(2026, 7, 9), 1, date(2026, 7, 16)),      # over Naadam
    (date(2026, 2, 17), 3, date(2026, 2, 25)),     # over Tsagaan Sar and a weekend
    (date(2026, 10, 12), 0, date(2026, 10, 12)),
])
def test_working_days_after_is_nth_working_day_strictly_after(cal, start, n, expected):
    assert cal.working_days_after(start, n) == expected


def test_working_days_after_counts_configured_days_off():
    cal = WorkCalendar([date(2026, 7, 16)])
    assert cal.working_days_after(date(2026, 7, 9), 1) == date(2026, 7, 17)


@pytest.mark.parametrize("year, month, day, expected", [
    (2026, 10, 10, date(2026, 11, 11)),   # 10 Nov 2026 is Genghis Khan's Birthday -> 11 Nov
    (2026, 9, 10, date(2026, 10, 12)),    # 10 Oct 2026 is a Saturday -> Monday 12 Oct
    (2026, 8, 10, date(2026, 9, 10)),     # Thursday: unchanged
    (2026, 12, 10, date(2027, 1, 11)),    # December -> January of the next year; 10 Jan 2027 is a Sunday
    (2025, 12, 10, date(2026, 1, 12)),    # 10 Jan 2026 is a Saturday
    (2026, 6, 10, date(2026, 7, 16)),     # 10 July 2026 is Naadam
])
def test_day_of_next_month(cal, year, month, day, expected):
    assert cal.day_of_next_month(year, month, day) == expected


def test_today_in_ulaanbaatar_is_already_the_next_day():
    # 17:30 UTC on 28 November is 01:30 on 29 November in Ulaanbaatar (UTC+8, no DST).
    now = datetime(2026, 11, 28, 17, 30, tzinfo=timezone.utc)
    assert today_in_ulaanbaatar(now) == date(2026, 11, 29)


def test_today_in_ulaanbaatar_just_before_local_midnight():
    now = datetime(2026, 11, 28, 15, 59, tzinfo=timezone.utc)   # 23:59 in Ulaanbaatar
    assert today_in_ulaanbaatar(now) == date(2026, 11, 28)


def test_today_in_ulaanbaatar_in_summer_has_no_dst():
    now = datetime(2026, 7, 1, 16, 0, tzinfo=timezone.utc)   # 00:00 on 2 July in Ulaanbaatar
    assert today_in_ulaanbaatar(now) == date(2026, 7, 2)


def test_today_in_ulaanbaatar_without_argument_is_a_date():
    assert isinstance(today_in_ulaanbaatar(), date)
