"""Databases the monitor must not write into, and one lock per database file (issue 14, items 4 and 6)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.runner import run_lock

from test_file_system import AS_OF, closed_portals, database_with_findings, monitor, one_line


def _set_user_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_database_of_a_newer_monitor_is_refused_and_left_as_it_was(tmp_path):
    db = database_with_findings(tmp_path / "m.db")
    _set_user_version(db, 999)
    before = db.read_bytes()
    code, _, err = monitor("--config", closed_portals(tmp_path), "--db", db, "run", "--no-send", "--only", "legal",
                           "--as-of", AS_OF)
    assert code == 2
    assert f"{db}: made by a newer version of the monitor: schema 999 > 5" in one_line(err)
    assert db.read_bytes() == before
    code, out, err = monitor("--db", db, "findings")
    assert code == 2 and out == "" and "schema 999 > 5" in one_line(err)


def test_a_database_with_damaged_pages_is_refused_before_the_first_write(tmp_path):
    """The header (page 1) stays valid; the findings table's root page is overwritten with junk."""
    db = database_with_findings(tmp_path / "m.db", count=300)
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("select rootpage from sqlite_master where name = 'findings'").fetchone()[0]
    conn.close()
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\x0d\xff\xff\xff" * (page_size // 4))
    before = db.read_bytes()
    code, _, err = monitor("--config", closed_portals(tmp_path), "--db", db, "run", "--no-send", "--only", "legal",
                           "--as-of", AS_OF)
    assert code == 2
    assert f"{db}: the database is damaged (quick_check: " in one_line(err)
    assert "restore it from a backup" in err
    assert db.read_bytes() == before
    assert sorted(path.name for path in tmp_path.glob("m.db*")) == ["m.db", "m.db.lock"]  # no WAL holds a write


@pytest.mark.parametrize("locked_as", ["real", "link"])
def test_the_same_database_through_a_symlink_is_one_lock(locked_as, tmp_path):
    real = database_with_findings((tmp_path / "state").mkdir() or tmp_path / "state" / "m.db")
    link = tmp_path / "m.db"
    link.symlink_to(real)
    held, run_on = (real, link) if locked_as == "real" else (link, real)
    with run_lock(str(held)):
        code, _, err = monitor("--config", closed_portals(tmp_path), "--db", run_on, "check", "legal",
                               "--as-of", AS_OF)
    assert code == 1
    assert f"another run is using {run_on}" in one_line(err)
