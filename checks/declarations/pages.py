"""Parsers for xacxom.iaac.mn (portals.md section 3): JSON in, plain records out.

Verified shape: the search answer (3a) `{"retdata": [{aid_user_num, first_name, last_name,
organization_name, organization_id, position_num, position_name, years}]}`, whose `years` are
all the check needs (one person's declarations, 3b, are only linked as the evidence, never read).
Assumed, because no capture shows it: a letter nobody's name starts with answers
`"retdata": []` or `"retdata": null` (both read as nobody). Ids come as JSON numbers or strings
(`aid_user_num`, `organization_id`); both are read as the same decimal string. Each parser raises
LayoutChanged when the structure it relies on is absent: a missing `retdata`, a person without
`aid_user_num`, a `years` entry that is not a year.
"""
from __future__ import annotations

from typing import Any

from monitor.errors import LayoutChanged
from monitor.mongolian import normalize_text

# The declaration years read as years; any other is a changed layout.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2200
# The first letters of the Mongolian Cyrillic alphabet, in the order the register is walked.
LETTERS = tuple("АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯ")


def parse_search(payload: Any) -> list[dict[str, Any]]:
    """The officials of one search answer (3a), names and organisation normalised (NFC, spacing)."""
    return [_official(item) for item in _retdata(payload, "search")]


def register_id(value: Any) -> str:
    """`aid_user_num` (or `organization_id`) as a string: 100234, "100234" and 100234.0 are one id."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an id: {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not an id: {value!r}")
        value = int(value)
    text = normalize_text(str(value))
    if not text:
        raise ValueError("empty id")
    return text


def _retdata(payload: Any, what: str) -> list[Any]:
    if not isinstance(payload, dict) or "retdata" not in payload:
        raise LayoutChanged(f"{what} answer without retdata")
    items = payload["retdata"]
    if items is None:
        return []
    if not isinstance(items, list):
        raise LayoutChanged(f"{what} retdata is not a list")
    return items


def _official(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise LayoutChanged("search result that is not an object")
    try:
        aid = register_id(item.get("aid_user_num"))
    except ValueError:
        raise LayoutChanged("search result without aid_user_num") from None
    if "years" not in item:
        raise LayoutChanged("search result without years")
    years = item["years"] or []
    if not isinstance(years, list):
        raise LayoutChanged(f"years of {aid} is not a list")
    try:
        organization_id = register_id(item.get("organization_id"))
    except ValueError:
        organization_id = None
    return {
        "aid_user_num": aid,
        "first_name": normalize_text(item.get("first_name")),
        "last_name": normalize_text(item.get("last_name")),
        "organization_name": normalize_text(item.get("organization_name")),
        "organization_id": organization_id,
        "position_num": item.get("position_num"),
        "position_name": normalize_text(item.get("position_name")),
        "years": sorted({_year(year) for year in years}),
    }


def _year(value: Any) -> int:
    """A declaration year: an integer or a string of digits, within reason."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise LayoutChanged(f"declaration year {value!r}")
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise LayoutChanged(f"declaration year {value!r}") from None
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise LayoutChanged(f"declaration year {value!r}")
    return year
