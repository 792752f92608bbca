"""A run dying where it stands, in-process, and what it leaves: for the tests of what a rerun on
the same day must make of a run killed halfway (tests/test_budget_rules.py, tests/test_tender_rules.py)."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class Died(BaseException):
    """The process ending where it stands (a SIGKILL, a power cut): nothing catches it."""


def stored_records(db: Path) -> list[tuple[Any, ...]]:
    """Every record row, every column, in key order: what a rerun must leave equal."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select * from records order by kind, key").fetchall()
    finally:
        conn.close()
