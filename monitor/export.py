"""Findings as CSV, the one export a spreadsheet opens: `findings --csv` and the digest's attachment.

UTF-8 with a byte-order mark, so that Excel shows the Cyrillic correctly on a double-click; a
script reads it with Python's `encoding="utf-8-sig"`, which accepts the file with or without the
mark. There is no column for an official's name: exports never carry personal data.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Mapping, TextIO

CSV_COLUMNS = ["rule", "agency", "agency_key", "subject", "status", "due", "published", "days_late",
                   "days_overdue", "state", "rechecked", "first_raised_on", "judged_on", "is_open", "evidence_url"]
BOM = "\ufeff"


def findings_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV text with a header, starting with the byte-order mark; encode it as UTF-8."""
    buffer = io.StringIO()
    write_findings_csv(rows, buffer)
    return buffer.getvalue()


def write_findings_csv(rows: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    """The same CSV written row by row to `out` (a text file opened with `newline=""`): a national
    night's 16,000 open findings never held as one text."""
    out.write(BOM)
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
