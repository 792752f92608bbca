"""Parsers for the mining cadastre and EITI e-reporting (portals.md section 5): JSON or HTML in, plain records out.

- 5a, cadastre `GET /CMCS/License/GridData` (verified endpoint and paging; cell order verified
  in 2020 code): jqGrid JSON `{"total": pages, "page", "records", "rows": [{"id", "cell": [id,
  code, area, type, status, holder, hectares]}]}`. Past the end, `rows` is empty.
- 5b, cadastre `GET /CMCS/License/Details/{id}` (names partly verified): an HTML page whose script
  holds `var license = {...};`, a JSON object literal. `Code`, `StatusName` and `HolderLookup`
  are verified names; `HolderRegNo` (7 digits), `GrantedDate` and `ExpiryDate` are assumed.
- 5c, e-reporting `POST /reportListAppend/` (verified request; answer fields assumed):
  `{"data": [{"entityTin", "entityName", "licenseNumber", "year", "submittedDate", "statusName"}]}`.

Licence codes are matched by `licence_code_key` (the rules compare them trimmed and upper-cased;
`xv-099231 ` is `XV-099231`). Each parser raises LayoutChanged when the structure it relies on
is absent (a verified name missing included); the e-reporting portal's own error answer is a
PortalError. A value that is there but unreadable (a date in no known format, a register number
that is not 7 digits) is not a changed layout: it becomes None and the record's `unreadable` map
keeps its text under the portal's field name (`GrantedDate`, `submittedDate`, …), so the check
can tell "no date" from "a date it cannot read". An assumed name that is absent reads as None.
Names are kept as text (NFC, spacing collapsed): markup in them is escaped where it is shown.
"""
from __future__ import annotations

import json
import re
from typing import Any

from monitor.errors import LayoutChanged, PortalError
from monitor.mongolian import normalize_text, parse_datetime

from monitor.markup import SoupStrainer, soup

VALID = "Хүчинтэй"  # the cadastre's status of a valid licence
GRID_CELLS = 7  # id, code, area, type, status, holder, hectares


def licence_code_key(code: str | None) -> str:
    """A licence code as the rules compare it: NFC, every space dropped, upper case."""
    return "".join(normalize_text(code).split()).upper()


def parse_licence_grid(answer: Any) -> tuple[int, int, list[dict[str, Any]]]:
    """The number of pages, the number of licences and the licences of one grid page (5a)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("rows"), list):
        raise LayoutChanged("licence grid answer without a rows list")
    return _count(answer, "total"), _count(answer, "records"), [_licence_row(row) for row in answer["rows"]]


def _count(answer: dict[str, Any], name: str) -> int:
    """jqGrid's `total` or `records`: a JSON number, or digits in a string as some servers write them."""
    value = answer.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise LayoutChanged(f"licence grid {name} is not a number: {value!r}")


def _licence_row(row: Any) -> dict[str, Any]:
    cell = row.get("cell") if isinstance(row, dict) else None
    if not isinstance(cell, list) or len(cell) < GRID_CELLS:
        raise LayoutChanged(f"licence grid row without its {GRID_CELLS} cells")
    licence_id = _id(row.get("id")) or _id(cell[0])
    code = normalize_text(_text(cell[1]))
    if licence_id is None or not code:
        raise LayoutChanged("licence grid row without a numeric id or a code")
    status = normalize_text(_text(cell[4]))
    return {
        "id": licence_id,
        "code": code,
        "code_key": licence_code_key(code),
        "area": normalize_text(_text(cell[2])),
        "type": normalize_text(_text(cell[3])),
        "status": status,
        "holder": normalize_text(_text(cell[5])),
        "valid": status.casefold() == VALID.casefold(),
    }


def parse_licence_detail(html: bytes | str) -> dict[str, Any]:
    """One licence's code, status, holder, register number and dates (5b)."""
    licence = _licence_object(html)
    missing = [name for name in ("Code", "StatusName", "HolderLookup") if name not in licence]
    code = normalize_text(_text(licence.get("Code")))
    if missing or not code:
        raise LayoutChanged(f"licence object without {', '.join(missing) or 'a Code'}")
    unreadable: dict[str, str] = {}
    return {
        "code": code,
        "code_key": licence_code_key(code),
        "status": normalize_text(_text(licence["StatusName"])),
        "holder": normalize_text(_text(licence["HolderLookup"])),
        "holder_reg_no": _register_number(licence.get("HolderRegNo"), unreadable),
        "granted": _read_date(licence.get("GrantedDate"), "GrantedDate", unreadable),
        "expiry": _read_date(licence.get("ExpiryDate"), "ExpiryDate", unreadable),
        "unreadable": unreadable,
    }


_LICENCE_VAR = re.compile(r"\bvar\s+license\s*=\s*")


def _licence_object(html: bytes | str) -> dict[str, Any]:
    """The object literal of `var license = {...};`, read as JSON (never run as script).

    The script text is the HTML parser's, as a browser reads it: a `</script>` written raw inside
    a string ends the script there, so such an object is cut short and refused as invalid JSON."""
    for script in soup(html, SoupStrainer("script")).find_all("script"):
        code = script.string or ""
        found = _LICENCE_VAR.search(code)
        if found is None:
            continue
        try:
            licence, _ = json.JSONDecoder().raw_decode(code, found.end())
        except ValueError:
            raise LayoutChanged("the licence page's `var license` is not a JSON object") from None
        if not isinstance(licence, dict):
            raise LayoutChanged("the licence page's `var license` is not a JSON object")
        return licence
    raise LayoutChanged("no `var license` object on the licence page")


def _register_number(value: Any, unreadable: dict[str, str]) -> str | None:
    """A state register number: 7 digits, as a string; None when absent, noted when not 7 digits."""
    text = normalize_text(_text(value))
    if not text:
        return None
    if re.fullmatch(r"\d{7}", text):
        return text
    unreadable["HolderRegNo"] = text
    return None


def parse_eiti_reports(answer: Any) -> list[dict[str, Any]]:
    """The submitted reports of one e-reporting answer (5c), one per licence and year."""
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        message = _error_message(answer)
        if message:
            raise PortalError(f"EITI e-reporting answered: {message}")
        raise LayoutChanged("EITI answer has no data list")
    return [_report(row) for row in answer["data"]]


def _error_message(answer: Any) -> str:
    """The message of an error answer (`{"message": …}`, `{"error": …}` or `{"error": {"message": …}}`)."""
    if not isinstance(answer, dict):
        return ""
    error = answer.get("error")
    for message in (answer.get("message"), error.get("message") if isinstance(error, dict) else error):
        if isinstance(message, str) and normalize_text(message):
            return normalize_text(message)
    return ""


def _report(row: Any) -> dict[str, Any]:
    licence = row.get("licenseNumber") if isinstance(row, dict) else None
    if not normalize_text(_text(licence)):
        raise LayoutChanged("EITI report without a licenseNumber")
    unreadable: dict[str, str] = {}
    return {
        "licence": _text(licence),
        "code_key": licence_code_key(_text(licence)),
        "year": _report_year(row.get("year")),
        "submitted": _read_date(row.get("submittedDate"), "submittedDate", unreadable),
        "entity_tin": normalize_text(_text(row.get("entityTin"))) or None,
        "entity_name": normalize_text(_text(row.get("entityName"))),
        "status": normalize_text(_text(row.get("statusName"))),
        "unreadable": unreadable,
    }


def _report_year(value: Any) -> int:
    """A report's year: a JSON number or digits in a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        return int(value)
    raise LayoutChanged(f"EITI report year {value!r}")


def _read_date(value: Any, field: str, unreadable: dict[str, str]) -> str | None:
    """The ISO day a date or a timestamp names (Ulaanbaatar time); None when absent or empty, and
    when unreadable, with `unreadable[field]` keeping the text."""
    text = normalize_text(_text(value))
    if not text:
        return None
    try:
        return parse_datetime(text).date().isoformat()
    except ValueError:
        unreadable[field] = text
        return None


def _id(value: Any) -> str | None:
    """A row id as a decimal string: 58211, "58211" and 58211.0 are one id; None when empty or not
    digits, for the id becomes a path on the cadastre (`/CMCS/License/Details/{id}`)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalize_text(_text(value))
    return text if text.isascii() and text.isdigit() else None


def _text(value: Any) -> str:
    """A JSON scalar as text: null is empty, a number its digits; an object or a list is a changed layout."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    raise LayoutChanged(f"a {type(value).__name__} where text was expected")
