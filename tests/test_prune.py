"""`monitor prune`: old requests and bodies go, every finding's evidence and the response cache stay."""
from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor import cli
from monitor.config import portal_defaults
from demo.server import DemoPortal
from monitor.fetcher import RequestRecord
from demo.worlds import DEMO_TOKEN, WorldSizes, build_worlds
from monitor.registry import available_checks
from monitor.runner import run_lock
from monitor.store import Store

from test_file_system import one_line, read_only_run

FIRST = date(2026, 11, 20)
NIGHTS = 4
ANCHOR = FIRST + timedelta(days=NIGHTS + 7)
LAST_NIGHT = FIRST + timedelta(days=NIGHTS - 1)
OLD_REQUESTS = "select count(*) from requests q join runs r on r.id = q.run_id where r.as_of < ?"
SIZES = WorldSizes.national(0.001)  # the smallest world that still holds every planted case


def write_config(folder: Path, url: str, extra: str = "") -> Path:
    config = folder / "monitor.toml"
    portals = "".join(f'{name} = "{url}"\n' for name in portal_defaults(available_checks()))
    config.write_text(f"[portals]\n{portals}[fetch]\ndelay = 0.0\nbackoff = 0.0\n"
                      f'[digest]\nout_dir = "{folder / "digests"}"\n{extra}', encoding="utf-8")
    return config


def night(folder: Path, as_of: date, port: int) -> tuple[int, int]:
    """`monitor run --no-send` against the world of `as_of`, served on `port` (0: any); (exit code, port)."""
    with DemoPortal(build_worlds(as_of, ANCHOR, 2016, SIZES).routes(), port=port) as portal:
        config = write_config(folder, portal.url)
        code = cli.main(["--config", str(config), "--db", str(folder / "m.db"), "run", "--no-send",
                         "--as-of", as_of.isoformat()], stdout=io.StringIO())
        return code, int(portal.url.rsplit(":", 1)[1])


def prune(folder: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["--config", str(folder / "monitor.toml"), "--db", str(folder / "m.db"), "prune", *args],
                    stdout=out)
    return code, out.getvalue()


def finding_evidence(db: Path) -> dict[tuple[str, str, str], set[str]]:
    """Each finding's evidence: the bodies its check's sources received on the day it was first raised."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            """select f.rule, f.agency_key, f.subject, q.snapshot from findings f
               join runs r on r.as_of = f.first_raised_on
               join source_health h on h.run_id = r.id and h.check_name = f.check_name
               join requests q on q.run_id = r.id and q.source = h.source
               where q.snapshot is not null""").fetchall()
    evidence: dict[tuple[str, str, str], set[str]] = {}
    for rule, agency_key, subject, snapshot in rows:
        evidence.setdefault((rule, agency_key, subject), set()).add(snapshot)
    return evidence


@pytest.fixture(scope="module")
def several_nights(tmp_path_factory) -> tuple[Path, int]:
    """A demo database after NIGHTS consecutive nights, all served on one port (as a real portal keeps its URLs)."""
    folder = tmp_path_factory.mktemp("nights")
    mp = pytest.MonkeyPatch()
    mp.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
    port = 0
    try:
        for day in range(NIGHTS):
            code, port = night(folder, FIRST + timedelta(days=day), port)
            assert code == 0
    finally:
        mp.undo()
    return folder, port


def test_pruning_to_zero_days_keeps_every_findings_evidence_and_the_conditional_cache(several_nights, monkeypatch):
    folder, port = several_nights
    db = folder / "m.db"
    evidence = finding_evidence(db)
    with sqlite3.connect(db) as conn:
        findings = conn.execute("select count(*) from findings").fetchone()[0]
        old_requests = conn.execute(OLD_REQUESTS, [LAST_NIGHT.isoformat()]).fetchone()[0]
    assert findings and len(evidence) == findings  # every finding has evidence to lose

    code, report = prune(folder, "--keep-days", "0")

    assert code == 0 and report.count("\n") == 1 and "removed" in report
    with sqlite3.connect(db) as conn:
        left = conn.execute(OLD_REQUESTS, [LAST_NIGHT.isoformat()]).fetchone()[0]
    assert left < old_requests  # something old went
    store = Store(db, read_only=True)
    for finding, snapshots in evidence.items():
        for digest in snapshots:
            assert store.snapshot(digest), finding  # still readable
    assert finding_evidence(db) == evidence  # and still linked to its request rows
    cached = store.db.execute("select url, snapshot from http_cache").fetchall()
    assert cached and all(store.lookup(url) is not None for url, _ in cached)
    store.close()

    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
    code, _ = night(folder, FIRST + timedelta(days=NIGHTS), port)
    assert code == 0
    with sqlite3.connect(db) as conn:
        not_modified = conn.execute("select count(*) from requests where status = 304 and "
                                    "run_id = (select max(id) from runs)").fetchone()[0]
    assert not_modified > 0  # the next night still revalidates what it fetched before pruning


def test_keep_days_comes_from_the_store_section_and_the_option_overrides_it(tmp_path):
    store = Store(tmp_path / "m.db")
    run_id = store.start_run(date(2026, 11, 30), "run")
    store.finish_run(run_id, 0)
    store.close()
    write_config(tmp_path, "http://127.0.0.1:9", "[store]\nkeep_days = 30\n")
    assert "runs before 2026-10-31 (keep 30 days)" in prune(tmp_path)[1]
    assert "runs before 2026-11-25 (keep 5 days)" in prune(tmp_path, "--keep-days", "5")[1]


def test_the_default_is_ninety_days_and_a_negative_keep_days_is_refused(tmp_path, capsys):
    store = Store(tmp_path / "m.db")
    store.finish_run(store.start_run(date(2026, 11, 30), "run"), 0)
    store.close()
    write_config(tmp_path, "http://127.0.0.1:9")
    assert "(keep 90 days)" in prune(tmp_path)[1]
    write_config(tmp_path, "http://127.0.0.1:9", "[store]\nkeep_days = -1\n")
    assert prune(tmp_path)[0] == 2
    assert "store.keep_days: must not be negative" in capsys.readouterr().err


def test_prune_refuses_a_read_only_database_in_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    Store(folder / "m.db").close()
    done = read_only_run(folder, "--config", write_config(tmp_path, "http://127.0.0.1:9"), "--db", folder / "m.db",
                         "prune", "--keep-days", "1")
    assert done.returncode == 2 and str(folder / "m.db") in one_line(done.stderr)


def test_prune_waits_for_no_run_it_stops_when_one_holds_the_lock(tmp_path, capsys):
    Store(tmp_path / "m.db").close()
    write_config(tmp_path, "http://127.0.0.1:9")
    with run_lock(str(tmp_path / "m.db")):
        code, _ = prune(tmp_path, "--keep-days", "1")
    assert code == 1 and "another run is using" in capsys.readouterr().err


def test_prune_creates_no_database(tmp_path, capsys):
    write_config(tmp_path, "http://127.0.0.1:9")
    assert prune(tmp_path)[0] == 2
    assert not (tmp_path / "m.db").exists() and "no database there" in capsys.readouterr().err


def test_each_rule_keeps_its_evidence_and_nothing_else_is_kept(tmp_path):
    """One page, read on four days: its body on the day a record was first seen (X), on the day a
    finding was first raised though unchanged since (X'), a body that showed nothing new (Z), and
    the latest (Y). Pruning to 0 days keeps X, X' and Y, and drops Z and the rows that were no evidence."""
    store = Store(tmp_path / "m.db")
    url = "https://legalinfo.test/list"

    def read(day: int, body: bytes, source: str = "legal.register") -> None:
        run_id = store.start_run(date(2026, 11, day), "run")
        recorder = store.request_recorder(run_id, source)
        recorder(RequestRecord("GET", url, None, 200, 1, len(body), 1, None), body)
        store.record_source(run_id, "legal", source, date(2026, 11, day), None)
        store.finish_run(run_id, 0)

    read(1, b"X: act 1")
    store.save_records("legal.act", [("1", {})], date(2026, 11, 1))
    read(2, b"W: act 1, reformatted")
    read(3, b"W: act 1, reformatted")  # unchanged: a finding raised on day 3 rests on it
    store.save_findings([{"rule": "legal.rule", "agency_key": "a", "subject": "1", "check_name": "legal",
                          "status": "missing", "due": "2026-11-02", "state": "new", "rechecked": 1,
                          "judged_on": "2026-11-03", "first_raised_on": "2026-11-03", "is_open": 1}])
    read(4, b"Z: act 1, again reformatted")  # nothing new, no finding: not evidence
    read(5, b"Y: act 1, the latest")

    def kept() -> set[bytes]:
        """The first letter of every body stored."""
        return {store.snapshot(sha)[:1] for (sha,) in store.db.execute("select sha256 from snapshots")}

    assert kept() == {b"X", b"W", b"Z", b"Y"}

    requests, snapshots, _ = store.prune_requests(date(2026, 11, 5))

    assert kept() == {b"X", b"W", b"Y"}
    assert (requests, snapshots) == (2, 1)  # day 2's row (W, not new, no finding) and day 4's (Z)
    assert [row[0] for row in store.db.execute("select r.as_of from requests q join runs r on r.id = q.run_id "
                                               "order by q.id")] == ["2026-11-01", "2026-11-03", "2026-11-05"]


def test_a_database_without_a_run_has_nothing_to_prune(tmp_path):
    Store(tmp_path / "m.db").close()
    write_config(tmp_path, "http://127.0.0.1:9")
    assert prune(tmp_path) == (0, "nothing to prune: the database has no run yet\n")


def test_the_growth_benchmark_runs_three_nights_and_prints_its_table():
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "growth.py"
    done = subprocess.run([sys.executable, str(script), "--scale", "0.001", "--nights", "3", "--keep-days", "0",
                           "--timeout", "120"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3"] and "PRUNED, keep 0 d (MB)" in done.stdout
    assert done.stderr.count("pruned requests of runs before") == 3
