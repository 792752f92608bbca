"""Storage: databases the monitor must not write into, one lock per database file, a full disk (issue 14)."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from monitor import cli
from demo.legal_world import build_legal_world, legal_routes
from demo.server import DemoPortal
from monitor.runner import run_lock
from monitor.store import MIGRATIONS, Store

from test_file_system import AS_OF, closed_portals, database_with_findings, monitor, one_line

LEGAL_ANCHOR = date(2026, 3, 2)


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
    assert f"{db}: made by a newer version of the monitor: schema 999 > {len(MIGRATIONS)}" in one_line(err)
    assert db.read_bytes() == before
    code, out, err = monitor("--db", db, "findings")
    assert code == 2 and out == "" and f"schema 999 > {len(MIGRATIONS)}" in one_line(err)


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


_KILLED_IN_MIGRATION = """
import os, signal, sys
from monitor import store
migration = store.MIGRATIONS[int(sys.argv[2])]
def killed_before_its_commit(db):
    migration(db)
    os.kill(os.getpid(), signal.SIGKILL)
store.MIGRATIONS[int(sys.argv[2])] = killed_before_its_commit
store.Store(sys.argv[1])
"""


def _schema(db: Path) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select type, name, sql from sqlite_master order by type, name").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("killed_in", range(len(MIGRATIONS)))
def test_a_process_killed_inside_a_migration_leaves_the_version_before_and_the_next_opening_completes_it(
        killed_in, tmp_path):
    """A migration's tables and its version number are one transaction: a kill after its work and
    before its commit (as a cron job killed on a slow first night) leaves none of that work, and
    the next run migrates as if nothing had happened, instead of meeting a table that exists."""
    db = tmp_path / "m.db"
    done = subprocess.run([sys.executable, "-c", _KILLED_IN_MIGRATION, str(db), str(killed_in)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == killed_in
    conn.close()
    reference = tmp_path / "reference.db"
    Store(str(reference)).close()
    store = Store(str(db))
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    assert _schema(db) == _schema(reference)


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


# A full disk. As root, a real one: the command runs in a mount namespace of its own (`unshare
# --mount`, as tests/test_file_system.py does for a read-only one) in which its folder is a small
# tmpfs, filled by a file until only a few KiB are left; the kernel then answers ENOSPC, which
# SQLite reports as SQLITE_FULL ("database or disk is full") and Python as OSError errno 28, just as
# a full disk in production. Not as root, a mount is not possible and these tests are skipped.
full_disk = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                               reason="a tmpfs of its own needs root and unshare")

_ON_A_SMALL_TMPFS = r'''
folder=$1; free_kib=$2; seed=$3; shift 3
mount -t tmpfs -o size=8m tmpfs "$folder" || exit 99
[ -z "$seed" ] || cp "$seed" "$folder/" || exit 99
dd if=/dev/zero of="$folder/filler" bs=4k 2>/dev/null
truncate -s "-${free_kib}K" "$folder/filler" || exit 99
"$@"; code=$?
ls -A "$folder" > "$folder.listing"
exit $code
'''


def on_a_nearly_full_disk(folder: Path, free_kib: int, *args: str | Path,
                          seed: Path | None = None) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`python -m monitor ARGS` with `folder` a tmpfs holding `seed` (a file copied in first) and
    `free_kib` KiB free; returns the process and the names the folder held when it ended."""
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", _ON_A_SMALL_TMPFS, "sh",
                           str(folder), str(free_kib), str(seed or ""), sys.executable, "-m", "monitor",
                           *(str(a) for a in args)], capture_output=True, text=True, timeout=300)
    assert done.returncode != 99, done.stderr
    listing = folder.with_name(folder.name + ".listing").read_text(encoding="utf-8").split()
    return done, listing


@full_disk
def test_a_full_disk_under_the_database_ends_the_run_with_one_line_not_a_source_failure(tmp_path):
    seed = Store(tmp_path / "m.db")  # made and migrated on a roomy disk, then copied onto the small one
    seed.close()
    world = build_legal_world(LEGAL_ANCHOR)
    world.today = LEGAL_ANCHOR
    with DemoPortal(legal_routes(world)) as portal:
        config = tmp_path / "monitor.toml"
        config.write_text(f'[fetch]\ndelay = 0\nbackoff = 0\nretries = 0\n[portals]\nlegalinfo = "{portal.url}"\n'
                          f'parliament = "{portal.url}"\n', encoding="utf-8")
        disk = tmp_path / "disk"
        done, _ = on_a_nearly_full_disk(disk, 64, "--config", config, "--db", disk / "m.db", "check", "legal",
                                        "--as-of", LEGAL_ANCHOR.isoformat(), seed=tmp_path / "m.db")
    assert done.returncode == 1, done.stderr
    assert one_line(done.stderr) == f"monitor: {disk / 'm.db'}: storage error: database or disk is full\n"
    assert done.stdout == ""  # no check result: the run ended at the disk, not at a source


@full_disk
def test_a_full_digest_folder_names_the_file_leaves_no_partial_digest_and_records_exit_1(tmp_path):
    digests = tmp_path / "digests"
    config = closed_portals(tmp_path)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'[digest]\nout_dir = "{digests}"\n')
    done, listing = on_a_nearly_full_disk(digests, 0, "--config", config, "--db", tmp_path / "m.db", "run",
                                          "--no-send", "--only", "legal", "--as-of", AS_OF)
    assert done.returncode == 1
    assert one_line(done.stderr) == (f"monitor: {digests / f'findings-{AS_OF}.csv'}: cannot write the file "
                                     "(No space left on device)\n")
    assert listing == ["filler"]  # neither a 0-byte digest nor a temporary file left behind
    conn = sqlite3.connect(tmp_path / "m.db")
    [(exit_code, finished_at)] = conn.execute("select exit_code, finished_at from runs").fetchall()
    conn.close()
    assert exit_code == 1 and finished_at is not None


def test_the_runs_row_is_finished_after_the_digests_are_written(tmp_path, monkeypatch):
    """A run killed while it writes its digests must not look finished."""
    seen_while_writing = []

    def write_digests(store, *args, **kwargs):
        conn = sqlite3.connect(tmp_path / "m.db")
        seen_while_writing.extend(conn.execute("select exit_code, finished_at from runs").fetchall())
        conn.close()
        return real_write_digests(store, *args, **kwargs)

    real_write_digests = cli.write_digests
    monkeypatch.setattr(cli, "write_digests", write_digests)
    code, _, _ = monitor("--config", closed_portals(tmp_path), "--db", tmp_path / "m.db", "run", "--no-send",
                         "--only", "legal", "--as-of", AS_OF)
    assert code == 3
    assert seen_while_writing == [(None, None)]
    conn = sqlite3.connect(tmp_path / "m.db")
    [(exit_code, finished_at)] = conn.execute("select exit_code, finished_at from runs").fetchall()
    conn.close()
    assert exit_code == 3 and finished_at is not None

