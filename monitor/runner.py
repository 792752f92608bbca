"""One run: for each check, read its sources, judge its obligations, update its findings.

One run has one date (`as_of`) and holds one lock. A source that fails is recorded with its
reason and makes the obligations depending on it unknown; the other sources still run.
What a source stored before it failed is kept: records are only ever added or refreshed.
"""
from __future__ import annotations

import fcntl
import functools
import logging
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from .agencies import rebuild_agencies
from .calendar import WorkCalendar
from .check import Check, CollectContext, EvaluateContext, Notes
from .config import Config
from .errors import ConfigError, MonitorError, SourceError
from .fetcher import Fetcher
from .findings import FINDING_STATES, finding_json, rows_to_judge, update_findings
from .obligations import FINDING_STATUSES, STATUSES, Obligation, agency_figures
from .owner_thread import OwnerThread, StoreOnOwner
from .store import Store, is_storage_fault

log = logging.getLogger(__name__)
# what rows_to_judge reads of a stored finding, and its identity
JUDGED = ("rule", "agency_key", "subject", "is_open", "judged_on", "state")

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SOURCE_FAILED, EXIT_DIGEST_QUEUED = 0, 1, 2, 3, 4


@dataclass
class CheckResult:
    """What one check saw and judged on one run, in the shape of `check --json`."""

    check: str
    as_of: date
    sources: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    obligations: list[Obligation]
    notes: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None  # the check itself failed (a bug): exit 1, findings kept as they were
    agency_ids: dict[str, str] = field(default_factory=dict)  # agency key -> agency id (monitor.agencies)
    counts: dict[str, int] = field(default_factory=dict)  # obligations by status (counted when not given)
    finding_states: dict[str, int] = field(default_factory=dict)  # open findings by state (new, ongoing, resolved)

    def __post_init__(self) -> None:
        self.counts = self.counts or count_by(STATUSES, (ob.status for ob in self.obligations))
        self.finding_states = self.finding_states or count_by(FINDING_STATES, (f["state"] for f in self.findings))

    @property
    def ok(self) -> bool:
        return all(source["ok"] for source in self.sources)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return EXIT_ERROR
        return EXIT_OK if self.ok else EXIT_SOURCE_FAILED

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "as_of": self.as_of.isoformat(), "sources": self.sources,
               "findings": [self._with_agency_id(f) for f in self.findings],
               "agencies": [self._with_agency_id(row.as_dict()) for row in agency_figures(self.obligations)]}
        if self.notes:
            out["notes"] = self.notes
        if self.error:
            out["error"] = self.error
        return out


    def _with_agency_id(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row with `agency_id` beside `agency_key`: the agency across portals (None if not yet known)."""
        out: dict[str, Any] = {}
        for name, value in row.items():
            out[name] = value
            if name == "agency_key":
                out["agency_id"] = self.agency_ids.get(value)
        return out


def count_by(keys: tuple[str, ...], values: Iterable[str]) -> dict[str, int]:
    """How many of `values` are each of `keys`, every key present (0 when none is)."""
    counts = dict.fromkeys(keys, 0)
    for value in values:
        counts[value] += 1
    return counts


def run_exit_code(results: list[CheckResult]) -> int:
    """1 when a check itself failed, else 3 when a source could not be read, else 0."""
    codes = {result.exit_code for result in results}
    return next((code for code in (EXIT_ERROR, EXIT_SOURCE_FAILED) if code in codes), EXIT_OK)


def delivery_exit_code(checks_exit_code: int, all_sent: bool) -> int:
    """A digest left in the outbox is 4, unless the checks already ended worse (1, or 3)."""
    return EXIT_DIGEST_QUEUED if checks_exit_code == EXIT_OK and not all_sent else checks_exit_code


@dataclass
class RunRecord:
    """The `runs` row of one run; `exit_code` is what the process will exit with, set by its caller."""

    id: int
    exit_code: int = EXIT_ERROR


class RunLocked(MonitorError):
    """Another run holds the database's lock."""


@contextmanager
def run_lock(db_path: str) -> Iterator[None]:
    """One run at a time per database: a second one stops at once instead of waiting.

    The lock is the resolved file's: the same database reached through a symlink (or `..`) is
    the same database, and two runs on it would each send their digests."""
    lock_path = Path(f"{os.path.realpath(db_path)}.lock")
    try:
        handle = open(lock_path, "w")
    except OSError as exc:
        raise ConfigError(f"{lock_path}: cannot create the run's lock file beside the database "
                          f"({exc.strerror})") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another run is using {db_path} (lock {lock_path})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Runner:
    """Runs checks against the portals and the store, for one run date."""

    def __init__(self, config: Config, store: Store, checks: Mapping[str, type[Check]],
                 environ: Mapping[str, str] = os.environ) -> None:
        self.config = config
        self.store = store
        self.checks = checks
        self.environ = environ
        self.calendar = WorkCalendar(config.days_off)

    def run(self, names: list[str], as_of: date, command: str) -> list[CheckResult]:
        """The checks as one recorded run, whose exit code is theirs."""
        with self.recorded(as_of, command) as run:
            results = self.run_checks(run.id, names, as_of)
            run.exit_code = run_exit_code(results)
        return results

    @contextmanager
    def recorded(self, as_of: date, command: str) -> Iterator[RunRecord]:
        """A `runs` row from start to finish, with the exit code the caller sets on the record.

        An exception records the code the command line gives it (2 for a usage or configuration
        error, else 1), so the row never says 0 for a run that failed after its checks. The row's
        end (exit code, finished_at) is written last, after whatever the caller does in the block
        (the digests too): a run killed before that looks unfinished, as it is.
        """
        run = RunRecord(self.store.start_run(as_of, command))
        try:
            yield run
        except BaseException as exc:
            run.exit_code = EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR
            try:
                self.store.finish_run(run.id, run.exit_code)
            except sqlite3.Error as unrecorded:  # the disk that failed the run: its error is the one to tell
                log.info("the run's end could not be recorded: %s", unrecorded)
            raise
        self.store.finish_run(run.id, run.exit_code)

    def run_checks(self, run_id: int, names: list[str], as_of: date, keep_obligations: bool = True) -> list[CheckResult]:
        """Read every check's sources, the checks side by side when the fetcher keeps a delay
        between requests (monitor.owner_thread); then judge each, in the order given, and join the
        agencies. Without `keep_obligations`, each result keeps its counts only: a national night's
        51,000 obligations and 16,000 open findings are in the store, not held to the end of the run."""
        owner = OwnerThread()
        store = StoreOnOwner(self.store, owner)
        fetcher = Fetcher({urlsplit(url).hostname or "" for url in self.config.portals.values()},
                          self.config.fetch, cache=store)
        checks = [self.checks[name]() for name in names]
        jobs = [functools.partial(self.collect, run_id, check, as_of, fetcher, store) for check in checks]
        # With no delay between requests (a portal on this machine, a test) nothing waits on
        # politeness, and threads would only contend for the interpreter: one check after another.
        read = owner.side_by_side(jobs) if self.config.fetch.delay > 0 else [job() for job in jobs]
        results = [self.judge(run_id, check, as_of, notes, failed, whole=keep_obligations)
                   for check, (notes, failed) in zip(checks, read)]
        ids = self.rebuild_agencies()
        for result in results:
            result.agency_ids = {key: agency_id for (check, key), agency_id in ids.items() if check == result.check}
        return results

    def rebuild_agencies(self) -> dict[tuple[str, str], str]:
        """One identity per agency, after the checks and before the digest: the id of each (check, key)."""
        rebuild_agencies(self.store, self.checks, self.config.agency_aliases)
        return self.store.agency_ids()

    def collect(self, run_id: int, check: Check, as_of: date, fetcher: Fetcher,
                store: Store | StoreOnOwner) -> tuple[Notes, dict[str, str]]:
        """Read the check's sources in order (a later one may use what an earlier one stored), each
        recording its own requests; the notes taken, and each failed source's reason."""
        notes = Notes()
        collect = CollectContext(as_of, self.config.checks[check.name], self.config.portals, notes, _store=store,
                                 _fetcher=fetcher, environ=self.environ, shrink_tolerance=self.config.listing_shrink)
        failed: dict[str, str] = {}
        for source in check.sources:
            reading = replace(collect, _fetcher=fetcher.with_recorder(store.request_recorder(run_id, source)))
            error = self._collect(check, source, reading)
            if error is not None:
                failed[source] = error
            store.record_source(run_id, check.name, source, as_of, error)
        return notes, failed

    def judge(self, run_id: int, check: Check, as_of: date, notes: Notes, failed: dict[str, str],
              whole: bool = True) -> CheckResult:
        """Evaluate the check's rules over what is stored and update its findings. Not `whole`: the
        result holds neither its obligations nor its findings, only their counts."""
        evaluate = EvaluateContext(as_of, self.config.checks[check.name], self.config.portals, notes,
                                   _store=self.store, calendar=self.calendar, failed=failed)
        sources = [{"name": s, "ok": s not in failed, "error": failed.get(s)} for s in check.sources]
        with_finding = {(row["rule"], row["agency_key"], row["subject"]) for row
                        in rows_to_judge(self.store.iter_findings(check.name, open_only=False, columns=JUDGED), as_of)}
        counts = dict.fromkeys(STATUSES, 0)
        kept: list[Obligation] = []  # for a whole result only: a national night's tender rules judge 23,000
        bearing: dict[tuple[str, str, str], Obligation] = {}  # what update_findings can act on (see below)

        def judged() -> Iterator[Obligation]:
            """Each obligation on its way to the store, counted; kept aside when it bears on a finding:
            late or missing, or with a finding stored. The last of one identity counts, as stored."""
            for ob in check.evaluate(evaluate):
                counts[ob.status] += 1
                if whole:
                    kept.append(ob)
                if ob.status in FINDING_STATUSES or ob.identity in with_finding:
                    bearing[ob.identity] = ob
                else:
                    bearing.pop(ob.identity, None)
                yield ob

        try:  # each obligation goes to the store as it is judged; a failure rolls them all back
            self.store.replace_obligations(check.name, as_of, judged())
        except Exception as exc:  # a bug in a rule: keep every finding as it was, judge nothing
            if is_storage_fault(exc):
                raise
            log.exception("unexpected failure judging %s", check.name)
            self.store.save_notes(run_id, check.name, notes.items)
            unjudged = [{**finding_json(row), "state": "ongoing", "rechecked": False}
                        for row in self.store.findings(check.name)]
            return CheckResult(check.name, as_of, sources, unjudged, [], notes.items,
                               error=f"judging failed: {type(exc).__name__}: {exc}")
        self.store.save_notes(run_id, check.name, notes.items)  # with those `evaluate` added
        stored = rows_to_judge(self.store.iter_findings(check.name, open_only=False), as_of)
        rows = update_findings(check.name, as_of, bearing.values(), stored)  # it passes over any other obligation
        self.store.save_findings(rows)
        open_rows = [row for row in rows if row["is_open"]]
        findings = [finding_json(row) for row in open_rows] if whole else []  # a national tender night has 8,000
        return CheckResult(check.name, as_of, sources, findings, kept, notes.items, counts=counts,
                           finding_states=count_by(FINDING_STATES, (row["state"] for row in open_rows)))

    @staticmethod
    def _collect(check: Check, source: str, ctx: CollectContext) -> str | None:
        """Read one source; the one-line reason it could not be read, or None."""
        try:
            check.collect(source, ctx)
        except SourceError as exc:
            return str(exc)
        except Exception as exc:  # a parser bug must not cost the other sources their run
            if is_storage_fault(exc):  # the disk, not the source: every other source would meet it too
                raise
            log.exception("unexpected failure reading %s", source)
            return f"unexpected error: {type(exc).__name__}: {exc}"
        return None
