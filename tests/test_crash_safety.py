"""Crash safety (issue 8): `python -m monitor run --no-send` killed with SIGKILL at many points of
every phase, against the demo portal on 127.0.0.1; and two runs started at once.

After each kill: `PRAGMA integrity_check` is `ok` and `PRAGMA foreign_key_check` finds nothing;
the next full run of the same day (in-process) exits 0; and its findings, obligations and records
equal, row for row, those of an uninterrupted run from the same starting database.

Two nights are killed: the first (an empty database: baselines are being set) and the second (a
database holding a run of a week before: findings go ongoing and resolved). The kill points are
named, not timed, where they can be: when the database file appears (migrations), when the first
request of each source reaches the portal (counted per source in `portal.hits` and killed within
about a millisecond, so the run is reading that source; the checks are read side by side, so
others may be being read too), when the last request of a source reaches it (still reading it),
and when the digests directory appears (every check is judged; the digests are being written).
Judging has no request to count, so it is reached by small delays past the last request of a check
or of the run (4 to 50 ms; judging a small world takes a few ms). Each kill is asserted to be
real (the process died of SIGKILL), and a last test checks that the kills together reached every
phase: starting or migrating, reading each source, judging, writing digests. 35 kills in all.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from monitor import cli
from monitor.config import portal_defaults
from demo.budget_world import budget_routes, build_budget_world
from demo.declarations_world import build_declarations_world, declarations_routes
from demo.extractives_world import build_extractives_world, extractives_routes
from demo.legal_world import build_legal_world, legal_routes
from demo.server import DemoPortal, Fault, Route
from demo.tender_world import build_tender_world, tender_routes
from monitor.registry import available_checks

from smtp_server import Inbox, SmtpServer

REPO = Path(__file__).resolve().parent.parent
PREVIOUS, D = date(2026, 11, 26), date(2026, 12, 3)
TOKEN = "crash-token"
BASES = tuple(portal_defaults(available_checks()))  # every portal a check reads
CHECKS = sorted(available_checks())  # the order `run` reads them in
SOURCES = [source for name in CHECKS for source in available_checks()[name].sources]
COMPARED = {"findings": "rule, agency_key, subject", "obligations": "rule, agency_key, subject",
            "records": "kind, key"}
POLL = 0.001


@dataclass(frozen=True)
class KillAt:
    """Where to kill: when a file appears; else `after` seconds past the n-th request (1-based;
    negative: from the end) of a source reaching the portal, or past the run's last request."""

    label: str
    file: str | None = None
    source: str | None = None
    nth: int = 1
    after: float = 0.0


def _first(source: str) -> KillAt:
    return KillAt(f"first request of {source}", source=source, nth=1)


def _after_last(source: str | None, after: float) -> KillAt:
    where = f"the last request of {source}" if source else "the run's last request"
    return KillAt(f"{after * 1000:.0f} ms after {where}", source=source, nth=-1, after=after)


FIRST_NIGHT = [KillAt("database file appears", file="m.db"),
               *(_first(s) for s in SOURCES),
               *(_after_last(s, 0.0) for s in ("budget.reports", "declarations.search", "tender.result_detail")),
               _after_last("budget.mof", 0.02), _after_last("declarations.search", 0.005),
               _after_last("legal.drafts", 0.005), _after_last(None, 0.0), _after_last(None, 0.004),
               _after_last(None, 0.05),
               KillAt("digests directory appears", file="digests")]
SECOND_NIGHT = [KillAt("database file appears", file="m.db"),
                *(_first(s) for s in ("budget.organizations", "budget.reports", "declarations.search",
                                      "legal.register", "legal.drafts", "tender.results")),
                _after_last("budget.mof", 0.02), _after_last("budget.mof", 0.04), _after_last(None, 0.05),
                KillAt("digests directory appears", file="digests")]
CASES = [pytest.param("first", k, id=f"first-night: {k.label}") for k in FIRST_NIGHT] + \
        [pytest.param("second", k, id=f"second-night: {k.label}") for k in SECOND_NIGHT]


def _routes(as_of: date) -> list[Route]:
    """Small worlds drawn around D, shown as on `as_of`."""
    return [*tender_routes(build_tender_world(as_of, agencies=8, invitations=20, anchor=D), token=TOKEN),
            *budget_routes(build_budget_world(as_of, entities=20, anchor=D)),
            *declarations_routes(build_declarations_world(as_of, officials=60, anchor=D)),
            *legal_routes(build_legal_world(as_of, anchor=D, years=1)),
            *extractives_routes(build_extractives_world(as_of, licences=30, anchor=D))]


@contextlib.contextmanager
def _scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A RAM disk where there is one (fsync per commit is most of a run's time on disk); a SIGKILL
    kills the process, not the kernel, so what was written stays in the page cache either way."""
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        root = Path(tempfile.mkdtemp(prefix="crash-safety-", dir="/dev/shm"))
        try:
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("crash")


def _config(case: Path, portal_url: str, extra: str = "") -> Path:
    path = case / "monitor.toml"
    portals = "".join(f'{base} = "{portal_url}"\n' for base in BASES)
    # A delay, however short, as on a real night: the checks are read side by side (monitor.runner).
    path.write_text(f'[portals]\n{portals}[fetch]\ndelay = 0.001\nbackoff = 0.0\nretries = 1\ntimeout = 10.0\n'
                    f'[digest]\nout_dir = "{case / "digests"}"\n{extra}', encoding="utf-8")
    return path


def _argv(case: Path, as_of: date, send: bool = False) -> list[str]:
    return ["--config", str(case / "monitor.toml"), "--db", str(case / "m.db"), "run",
            *([] if send else ["--no-send"]), "--as-of", as_of.isoformat()]


def _run_in_process(case: Path, as_of: date) -> int:
    with contextlib.redirect_stderr(io.StringIO()):
        return cli.main(_argv(case, as_of), stdout=io.StringIO())


def _start(case: Path, as_of: date, send: bool = False) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TENDER_OPENDATA_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "monitor", *_argv(case, as_of, send)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        yield db
    finally:
        db.close()


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What a run leaves that matters: findings, obligations and records, every column, in order;
    evidence links with the demo portal's port written `http://portal`."""
    with _connect(db) as conn:
        return {table: [tuple(re.sub(r"http://127\.0\.0\.1:\d+", "http://portal", v) if isinstance(v, str) else v
                              for v in row)
                        for row in conn.execute(f"select * from {table} order by {order}")]
                for table, order in COMPARED.items()}


def _differing_rows(got: dict[str, list[tuple[Any, ...]]], reference: dict[str, list[tuple[Any, ...]]]
                    ) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Per table, the rows only the killed-and-rerun database has and those only the reference has."""
    return {table: {"only after the kill": sorted(set(got[table]) - set(rows), key=repr)[:5],
                    "only in the reference": sorted(set(rows) - set(got[table]), key=repr)[:5]}
            for table, rows in reference.items() if got[table] != rows}


@dataclass
class Night:
    """A night on D to kill: its starting database (None: empty), its reference, its requests per source."""

    start: Path | None
    reference: dict[str, list[tuple[Any, ...]]]
    hits: dict[str, int]


@dataclass
class Crash:
    root: Path
    portal: DemoPortal
    nights: dict[str, Night]
    kills: list[tuple[str, str, str]] = field(default_factory=list)  # (night, kill point, phase reached)
    cases: int = 0

    def case(self, name: str) -> Path:
        """A fresh directory with a configuration pointing at the portal."""
        self.cases += 1
        path = self.root / f"{self.cases:02d}-{re.sub(r'[^a-z0-9.]+', '-', name)}"
        path.mkdir()
        _config(path, self.portal.url)
        return path


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory):
    with _scratch(tmp_path_factory) as root, pytest.MonkeyPatch.context() as mp:
        mp.setenv("TENDER_OPENDATA_TOKEN", TOKEN)
        week_before = root / "week-before"
        week_before.mkdir()
        with DemoPortal(_routes(PREVIOUS)) as previous:
            _config(week_before, previous.url)
            assert _run_in_process(week_before, PREVIOUS) == 0
        with DemoPortal(_routes(D)) as portal:
            # A source of one small request (the EITI reports) is read and judged before a kill at
            # its first request can land: its answer comes 0.1 s late, so the kill falls while it is read.
            portal.faults["extractives.reports"] = Fault(delay=0.1)
            crash = Crash(root, portal, {})
            for night, start in (("first", None), ("second", week_before / "m.db")):
                case = crash.case(f"reference-{night}")
                if start is not None:
                    shutil.copy(start, case / "m.db")
                portal.hits.clear()
                assert _run_in_process(case, D) == 0
                crash.nights[night] = Night(start, _tables(case / "m.db"), dict(portal.hits))
            yield crash


def _kill_when(proc: subprocess.Popen[bytes], kill: KillAt, case: Path, portal: DemoPortal, night: Night) -> None:
    """Poll until the kill point is reached (or the run ends), then SIGKILL the run."""
    target = sum(night.hits.values())
    if kill.source:  # the checks are read side by side: a source's own requests say how far it got
        assert night.hits.get(kill.source), f"{kill.source} sends no request on this night: nothing to kill at"
        target = kill.nth if kill.nth > 0 else night.hits[kill.source] + 1 + kill.nth

    def reached() -> int:
        return portal.hits.get(kill.source, 0) if kill.source else sum(portal.hits.values())

    while proc.poll() is None:
        if kill.file and (case / kill.file).exists():
            break
        if not kill.file and reached() >= target:
            time.sleep(kill.after)
            break
        time.sleep(POLL)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _phase(case: Path, source: str | None = None) -> str:
    """How far the killed run got, read from what it left. The checks are read side by side, so
    several sources may be being read at once: a kill at a request of `source`, before that
    source's health was recorded and its check judged, reached "reading {source}"."""
    db = case / "m.db"
    if not db.exists():
        return "starting"
    with _connect(db) as conn:
        if not conn.execute("select 1 from sqlite_master where name = 'runs'").fetchone():
            return "migrating"
        run = conn.execute("select id, finished_at from runs where as_of = ? order by id desc limit 1",
                           [D.isoformat()]).fetchone()
        if run is None:
            return "migrating"
        run_id, finished = run
        if finished or (case / "digests").exists():  # every check judged: the digests are being written
            return "writing digests"
        read = {row[0] for row in conn.execute("select source from source_health where run_id = ?", [run_id])}
        judged = {row[0] for row in conn.execute("select distinct check_name from findings where judged_on = ?",
                                                 [D.isoformat()])}
    if source in SOURCES and source not in read and _check_of(source) not in judged:
        return f"reading {source}"
    for name in CHECKS:
        if name in judged:
            continue
        unread = [s for s in available_checks()[name].sources if s not in read]
        return f"reading {unread[0]}" if unread else f"judging {name}"
    return "judged every check"


def _check_of(source: str) -> str:
    return next(name for name in CHECKS if source in available_checks()[name].sources)


@pytest.mark.parametrize("night_name,kill", CASES)
def test_a_run_killed_at_any_point_leaves_a_sound_database_and_the_next_run_catches_up(crash, night_name, kill):
    night = crash.nights[night_name]
    case = crash.case(f"{night_name}-{kill.label}")
    if night.start is not None:
        shutil.copy(night.start, case / "m.db")
    crash.portal.hits.clear()
    proc = _start(case, D)
    _kill_when(proc, kill, case, crash.portal, night)
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, stderr)
    if (case / "m.db").exists():
        with _connect(case / "m.db") as conn:
            assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
            assert conn.execute("pragma foreign_key_check").fetchall() == []
    phase = _phase(case, kill.source)
    crash.kills.append((night_name, kill.label, phase))
    assert _run_in_process(case, D) == 0, phase
    tables = _tables(case / "m.db")
    # Equal tables have no differing rows; a failure shows those rows, not both tables whole (a CI
    # log keeps only its tail).
    assert _differing_rows(tables, night.reference) == {}, phase


def test_the_kills_covered_every_phase(crash):
    if len(crash.kills) < len(CASES):
        pytest.skip("needs every kill of this file to have run first")
    phases = {phase for *_, phase in crash.kills}
    assert len(crash.kills) >= 30
    assert {"starting", "migrating"} & phases
    assert {f"reading {s}" for s in SOURCES} <= phases, sorted(phases)
    assert {p for p in phases if p.startswith("judging")}, sorted(phases)
    assert "writing digests" in phases, sorted(phases)


def test_two_runs_started_at_once_one_runs_the_other_says_so_and_nothing_is_doubled(crash):
    """Both are started together; the first request is held 1.5 s so that their lives overlap."""
    inbox = Inbox()
    with SmtpServer(inbox) as smtp:
        case = crash.case("two-at-once")
        _config(case, crash.portal.url,
                f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom = "monitor@example.mn"\n'
                'timeout = 5.0\n[[recipients]]\nname = "ngo"\naddress = "desk@ngo.example"\n')
        crash.portal.faults[SOURCES[0]] = Fault(delay=1.5, times=1)
        try:
            procs = [_start(case, D, send=True), _start(case, D, send=True)]
            errors = [proc.communicate(timeout=60)[1].decode() for proc in procs]
            outcomes = [(proc.returncode, error) for proc, error in zip(procs, errors)]
        finally:
            crash.portal.faults.clear()
    assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
    [(_, refused)] = [(code, err) for code, err in outcomes if code == 1]
    assert "another run is using" in refused and len(refused.strip().splitlines()) == 1
    with _connect(case / "m.db") as conn:
        assert conn.execute("select count(*), max(exit_code) from runs").fetchone() == (1, 0)
        assert conn.execute("select recipient, status from outbox").fetchall() == [("ngo", "sent")]
    assert len(inbox.messages) == 1 and inbox.envelopes[0][1] == ["desk@ngo.example"]
    assert _tables(case / "m.db") == crash.nights["first"].reference
