"""Parsers for the Glass Account portal, shilendans.gov.mn (portals.md 2a and 2b): JSON in, plain dicts out.

Both shapes are ASSUMED (the live API could not be seen): the organisations listing
`{"total", "page", "size", "items": [{"id", "name", "registerNo", "budgetGovernor", "parentId"}]}`
and an entity's postings `{"items": [{"reportId", "group", "year", "month", "title", "postedDate",
"fileUrl"}]}`. A real capture that differs changes this file only. Each parser raises
LayoutChanged when the structure it relies on is absent; an odd value inside an item (a month
that cannot be read, a date in an unknown format) is returned as None for the check to note.
"""
from __future__ import annotations

from typing import Any

from monitor.errors import LayoutChanged
from monitor.mongolian import find_year_month, normalize_text, parse_datetime


def parse_organizations_page(payload: Any) -> tuple[int, list[dict[str, Any]]]:
    """The listing's `total` and the entities of one page (2a); an empty list past the end."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise LayoutChanged("organisations answer without an items list")
    total = _int(payload.get("total"))
    if total is None:
        raise LayoutChanged(f"organisations total is not a number: {payload.get('total')!r}")
    return total, [_organization(item) for item in payload["items"]]


def _organization(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or _int(item.get("id")) is None or not normalize_text(item.get("name")):
        raise LayoutChanged("organisation without a numeric id and a name")
    parent = _int(item.get("parentId"))
    return {
        "id": str(_int(item["id"])),
        "name": normalize_text(item["name"]),
        "register_no": normalize_text(item.get("registerNo")) or None,
        "governor": normalize_text(item.get("budgetGovernor")) or None,
        "parent_id": str(parent) if parent is not None else None,
    }


def parse_reports(payload: Any, year: int) -> list[dict[str, Any]]:
    """The postings of one entity for the requested `year` (2b).

    `period` is the "YYYY-MM" the posting reports on: from its `year` and `month` fields, or,
    where `month` is missing or unreadable, from its title (`2026 оны 10-р сарын`,
    `2026 оны 10 дугаар сарын`); None when neither names a month. `posted_at` is the
    postedDate as "YYYY-MM-DD HH:MM:SS", None when absent or unreadable (`posted_text` keeps it).
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise LayoutChanged("reports answer without an items list")
    return [_posting(item, year) for item in payload["items"]]


def _posting(item: Any, year: int) -> dict[str, Any]:
    if not isinstance(item, dict) or _int(item.get("reportId")) is None:
        raise LayoutChanged("posting without a numeric reportId")
    title = normalize_text(item.get("title"))
    period, month_from = _period(item, title, year)
    posted_text = normalize_text(item.get("postedDate"))
    posted = _datetime(posted_text)
    return {
        "report_id": str(_int(item["reportId"])),
        "group": _int(item.get("group")),
        "title": title,
        "period": period,
        "month_from": month_from,
        "posted_at": posted.strftime("%Y-%m-%d %H:%M:%S") if posted else None,
        "posted_text": posted_text,
        "file_url": normalize_text(item.get("fileUrl")) or None,
    }


def _period(item: dict[str, Any], title: str, year: int) -> tuple[str | None, str | None]:
    """("YYYY-MM", where the month came from): the fields first, the title when `month` is missing."""
    month = _int(item.get("month"))
    if month is not None and 1 <= month <= 12:
        return f"{_int(item.get('year')) or year:04d}-{month:02d}", "field"
    named = find_year_month(title)
    if named is not None:
        return f"{named[0]:04d}-{named[1]:02d}", "title"
    return None, None


def _datetime(text: str) -> Any:
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    """An integer sent as a JSON number or a string of digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
