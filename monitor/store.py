"""The only place that talks SQL. Tables are named for a person reading them in sqlite3 or Datasette.

- runs, source_health, requests: what each run asked and whether each source could be read
- snapshots: raw bodies, zlib-compressed, one row per distinct body (keyed by its SHA-256)
- records: what the portals showed, one row per item, with the run dates it was first and last seen
- obligations: the latest judgement of every obligation of each check
- findings: every late or missing obligation ever raised, with its new/ongoing/resolved state
- officials: the names of the officials the declarations check reads, the only table that holds a
  name; obligations and findings name an official by the key of this table (`official`)
- notes: data notes (an unknown status code, an unreadable month) per run
- outbox: every digest for every recipient and period, queued until sent, sent exactly once; a
  sent digest keeps its subject, not its bodies
- http_cache: the ETag / Last-Modified a portal gave for a URL, for conditional requests
- agencies, agency_keys: one identity per agency across the portals, and every (check, key) under
  which a portal lists it (monitor.agencies rebuilds both after each run's checks)
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import sys
import zlib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import sqlite_utils

from .check import Record
from .errors import ConfigError, MonitorError
from .fetcher import Recorder, RequestRecord, Validators
from .obligations import Obligation




def _migrate_1(db: sqlite_utils.Database) -> None:
    db["runs"].create({"id": int, "as_of": str, "command": str, "started_at": str,
                       "finished_at": str, "exit_code": int}, pk="id")
    db["source_health"].create({"run_id": int, "check_name": str, "source": str, "as_of": str,
                                "ok": int, "error": str, "requests": int, "bytes": int},
                               pk=("run_id", "source"), foreign_keys=[("run_id", "runs", "id")])
    db["snapshots"].create({"sha256": str, "size": int, "body_zlib": bytes}, pk="sha256")
    db["requests"].create({"id": int, "run_id": int, "source": str, "method": str, "url": str,
                           "payload": str, "status": int, "attempts": int, "bytes": int,
                           "elapsed_ms": int, "error": str, "snapshot": str}, pk="id",
                          foreign_keys=[("run_id", "runs", "id"), ("snapshot", "snapshots", "sha256")])
    db["records"].create({"kind": str, "key": str, "data": str, "first_seen": str, "last_seen": str},
                         pk=("kind", "key"))
    db["obligations"].create({"check_name": str, "rule": str, "agency_key": str, "subject": str,
                              "agency": str, "due": str, "status": str, "published": str,
                              "days_late": int, "days_overdue": int, "evidence_url": str, "as_of": str},
                             pk=("rule", "agency_key", "subject"))
    db["findings"].create({"rule": str, "agency_key": str, "subject": str, "check_name": str,
                           "agency": str, "status": str, "due": str, "published": str,
                           "days_late": int, "days_overdue": int, "evidence_url": str,
                           "state": str, "rechecked": int, "judged_on": str,
                           "previous_status": str, "previous_judged_on": str,
                           "first_raised_on": str, "is_open": int},
                          pk=("rule", "agency_key", "subject"))
    db["notes"].create({"run_id": int, "check_name": str, "source": str, "message": str},
                       foreign_keys=[("run_id", "runs", "id")])
    db["requests"].create_index(["run_id", "source"])
    db["obligations"].create_index(["check_name"])
    db["findings"].create_index(["check_name", "is_open"])


def _migrate_2(db: sqlite_utils.Database) -> None:
    """Digests by email: the outbox, the day a finding was resolved, and the person an obligation names."""
    db["outbox"].create({"id": int, "recipient": str, "address": str, "period": str, "as_of": str,
                         "language": str, "subject": str, "body_text": str, "body_html": str,
                         "status": str, "attempts": int, "last_error": str, "queued_at": str,
                         "sent_at": str}, pk="id")
    db["outbox"].create_index(["recipient", "period"], unique=True)
    db["findings"].add_column("resolved_on", str)
    db["findings"].add_column("person", str)
    db["obligations"].add_column("person", str)


def _migrate_3(db: sqlite_utils.Database) -> None:
    """Conditional requests: the validators a portal gave for each URL, and the body they name."""
    db["http_cache"].create({"url": str, "etag": str, "last_modified": str, "snapshot": str}, pk="url",
                            foreign_keys=[("snapshot", "snapshots", "sha256")])


def _migrate_4(db: sqlite_utils.Database) -> None:
    """The CSV of the open findings a digest covers, made when it is queued and attached when it is sent."""
    db["outbox"].add_column("findings_csv", str)


OFFICIAL_RECORDS = "declarations.official"  # the register's officials, as the declarations check stores them
NAME_FIELDS = ("last_name", "first_name")


def _migrate_5(db: sqlite_utils.Database) -> None:
    """Officials' names in one table: moved out of the register's records, findings and obligations.

    Obligations and findings name the official by key (`official`: the person part of the subject,
    `{official}/Y`); a name only a finding held (a roster row) is kept whole as the last name.
    Deleted content is overwritten (secure_delete, off by default in some SQLite builds), so the old
    names do not linger in the file's free space.
    """
    secure_delete = db.execute("PRAGMA secure_delete").fetchone()[0]
    db.execute("PRAGMA secure_delete = ON")
    db["officials"].create({"official": str, "last_name": str, "first_name": str}, pk="official")
    names: dict[str, tuple[str, str]] = {}
    records = []
    for key, text in db.execute("select key, data from records where kind = ?", [OFFICIAL_RECORDS]).fetchall():
        data = json.loads(text)
        names[key] = (data.pop("last_name", None) or "", data.pop("first_name", None) or "")
        records.append((json.dumps(data, ensure_ascii=False, sort_keys=True), OFFICIAL_RECORDS, key))
    db.conn.executemany("update records set data = ? where kind = ? and key = ?", records)
    for table in ("obligations", "findings"):
        db[table].add_column("official", str)
        rows = db.execute(f"select rowid, subject, person from {table} where person is not null").fetchall()
        for rowid, subject, person in rows:
            official = subject.rsplit("/", 1)[0]
            names.setdefault(official, (person, ""))
            db.execute(f"update {table} set official = ? where rowid = ?", [official, rowid])
        db.execute(f"alter table {table} drop column person")
    db.conn.executemany("insert into officials (official, last_name, first_name) values (?, ?, ?)",
                        [(official, *parts) for official, parts in names.items()])
    db.execute(f"PRAGMA secure_delete = {secure_delete}")


def _migrate_agencies(db: sqlite_utils.Database) -> None:
    """One identity per agency: `agencies` (id, Mongolian and English name, register number, how it was
    matched) and `agency_keys`, each check's own key of it. Derived data, rebuilt after every run."""
    db["agencies"].create({"id": str, "name": str, "name_en": str, "register_no": str, "matched_by": str},
                          pk="id")
    db["agency_keys"].create({"check_name": str, "agency_key": str, "agency": str, "register_no": str,
                              "agency_id": str}, pk=("check_name", "agency_key"),
                             foreign_keys=[("agency_id", "agencies", "id")])
    db["agency_keys"].create_index(["agency_id"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_1, _migrate_2, _migrate_3, _migrate_4,
                                                             _migrate_5, _migrate_agencies]


FINDING_COLUMNS = ("rule", "agency_key", "subject", "check_name", "agency", "status", "due", "published",
                   "days_late", "days_overdue", "evidence_url", "state", "rechecked", "judged_on",
                   "previous_status", "previous_judged_on", "first_raised_on", "is_open", "resolved_on", "official")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class StorageError(MonitorError):
    """The disk refused a write (full, an I/O error, read-only): one line naming the file and the cause (exit 1)."""


# SQLite's primary result codes that mean the file or its disk, not the query, failed.
_STORAGE_FAULTS = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CORRUPT,
                   sqlite3.SQLITE_CANTOPEN}


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> date:
    """A stored day, one object per day: 200,000 records seen on a few hundred days share them."""
    return date.fromisoformat(text)


def _record(columns: Sequence[Any], fields: Sequence[str] | None) -> Record | None:
    """A record from its key, data, first_seen and last_seen columns; None for a key with no record.
    Picked fields' texts are shared (sys.intern): many records hold the same agency or date."""
    key, data, first_seen, last_seen = columns
    if key is None:
        return None
    values = json.loads(data)
    if fields is not None:
        values = {name: sys.intern(value) if type(value) is str else value for name, value in values.items()}
    return Record(key, values, _day(first_seen), _day(last_seen))


def is_storage_fault(exc: BaseException) -> bool:
    """A database error of the disk or the file: the whole run's, never one source's."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _STORAGE_FAULTS


class StoreUnavailable(ConfigError):
    """The database cannot be opened as the command needs it: one line naming the path (exit 2)."""


def prepare_location(path: str | Path, *, may_create: bool, init: bool = False) -> None:
    """Refuse a database the command may not create, or whose folder is not there.

    Only `run` and `check` may create a database, and only in an existing folder unless `--init`
    asks for it: a typo in a crontab's --db must not start a fresh database, in which every
    finding would be new again.
    """
    if str(path) == ":memory:" or Path(path).exists():
        return
    if not may_create:
        raise _no_database(path)
    folder = Path(path).parent
    if init:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"{folder}: cannot create the database's folder ({exc.strerror})") from None
    elif not folder.is_dir():
        raise StoreUnavailable(f"{folder}: no such folder for the database {path} "
                               "(check --db, or pass --init to create it)")


def _no_database(path: str | Path) -> StoreUnavailable:
    return StoreUnavailable(f"{path}: no database there (check --db or [monitor] db; `monitor run` creates one)")


class Store:
    """The monitor's SQLite database; `read_only` opens an existing one without writing a byte to it."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        try:
            if read_only:
                self.db = sqlite_utils.Database(_connect_read_only(Path(path)))
                self._refuse_newer_schema()
                self._refuse_old_schema()
                return
            if Path(path).exists() and not os.access(path, os.W_OK):
                raise StoreUnavailable(f"{path}: the database is read-only and this command writes to it")
            self.db = sqlite_utils.Database(path)
            # Both refusals come before the first write (journal_mode=WAL may rewrite the header):
            # a file this version cannot read rightly, or a damaged one, is left exactly as it was.
            self._refuse_newer_schema()
            self._refuse_damaged_file()
            self.db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL: a killed process loses nothing committed and the file stays
            # whole; only a power cut may lose the last commits. One fsync per commit would otherwise
            # cost more than the HTTP of a night's thousands of small writes.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{path}: cannot open the database ({exc})") from None

    def _refuse_newer_schema(self) -> None:
        """A newer monitor's database: its tables may mean what this version does not know."""
        version = self.schema_version
        if version > len(MIGRATIONS):
            self.db.close()
            raise StoreUnavailable(f"{self.path}: made by a newer version of the monitor: schema "
                                   f"{version} > {len(MIGRATIONS)}; nothing was written to it")

    def _refuse_damaged_file(self) -> None:
        """SQLite's quick_check (page structure, not index contents): a run must not add to a
        corrupted file, which is restored from a backup instead."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems != ["ok"]:
            self.db.close()
            raise StoreUnavailable(f"{self.path}: the database is damaged (quick_check: {problems[0]}"
                                   f"{f' and {len(problems) - 1} more' if len(problems) > 1 else ''}); "
                                   "nothing was written to it: restore it from a backup")

    def _refuse_old_schema(self) -> None:
        if self.schema_version < len(MIGRATIONS):
            raise StoreUnavailable(f"{self.path}: not a database of this monitor version (schema "
                                   f"{self.schema_version} of {len(MIGRATIONS)}); `monitor run` brings it up to date")

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Apply, in order, the migrations this database lacks, each with its version number in one
        transaction (`atomic`: sqlite-utils would otherwise commit each table it creates on its own),
        so that a run killed halfway leaves the database at the version before, not between two."""
        for version, migration in enumerate(MIGRATIONS, start=1):
            if self.schema_version < version:
                with self.db.atomic():
                    migration(self.db)
                    self.db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        self.db.close()

    # runs and source health

    def start_run(self, as_of: date, command: str) -> int:
        with self.db.conn:
            table = self.db["runs"].insert({"as_of": as_of.isoformat(), "command": command,
                                            "started_at": _now()})
        return int(table.last_pk)

    def finish_run(self, run_id: int, exit_code: int) -> None:
        with self.db.conn:
            self.db["runs"].update(run_id, {"finished_at": _now(), "exit_code": exit_code})

    def latest_run_date(self) -> date | None:
        """The date of the latest run (in time): the date of the data a digest shows."""
        row = self.db.execute("select as_of from runs order by id desc limit 1").fetchone()
        return date.fromisoformat(row[0]) if row else None

    def latest_run_as_of(self) -> date | None:
        """The latest date any run was stamped with: what a back-dated run must not go behind."""
        row = self.db.execute("select max(as_of) from runs").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def record_source(self, run_id: int, check_name: str, source: str, as_of: date,
                      error: str | None) -> None:
        totals = self.db.execute(
            "select count(*), coalesce(sum(bytes), 0) from requests where run_id = ? and source = ?",
            [run_id, source]).fetchone()
        with self.db.conn:
            self.db["source_health"].upsert({
                "run_id": run_id, "check_name": check_name, "source": source,
                "as_of": as_of.isoformat(), "ok": int(error is None), "error": error,
                "requests": totals[0], "bytes": totals[1]}, pk=("run_id", "source"))

    def baseline(self, source: str) -> date | None:
        """The date of the first run, in time, that read a source successfully: its baseline.

        The first run in time, not the earliest date: a later run back-dated with --as-of
        must not move the baseline and make history judgeable.
        """
        row = self.db.execute("select as_of from source_health where source = ? and ok = 1 "
                              "order by run_id limit 1", [source]).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    def source_history(self) -> list[dict[str, Any]]:
        """Per source: last run, last success, and the first failure of the current failing streak."""
        sql = """
        select source, check_name,
               max(as_of) as last_read_on,
               max(case when ok then as_of end) as last_ok_on,
               (select error from source_health h2 where h2.source = h.source
                  order by run_id desc limit 1) as last_error,
               (select ok from source_health h2 where h2.source = h.source
                  order by run_id desc limit 1) as last_ok
        from source_health h group by source order by source"""
        rows = [dict(zip(("source", "check_name", "last_read_on", "last_ok_on", "last_error", "last_ok"), r))
                for r in self.db.execute(sql).fetchall()]
        for row in rows:
            failing_since = None
            if not row["last_ok"]:
                failing_since = self.db.execute(
                    "select min(as_of) from source_health where source = ? and ok = 0 and as_of > ?",
                    [row["source"], row["last_ok_on"] or ""]).fetchone()[0]
            row["failing_since"] = failing_since
        return rows

    # requests and snapshots

    def request_recorder(self, run_id: int, source: str) -> Recorder:
        """A recorder for the fetcher that logs each request of `source` and keeps its body.

        Plain SQL, and no commit of its own: this runs thousands of times a night. The row joins the
        open transaction, which the page's records commit (save_records), or else the next write
        that commits (the source's health at its end): one commit per page, not three."""
        def record(request: RequestRecord, body: bytes | None) -> None:
            digest = self._keep_body(body) if body else None
            self.db.conn.execute(
                """insert into requests (run_id, source, method, url, payload, status, attempts, bytes,
                   elapsed_ms, error, snapshot) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, source, request.method, request.url, request.payload, request.status,
                 request.attempts, request.bytes, request.elapsed_ms, request.error, digest])
        return record

    def _keep_body(self, body: bytes) -> str:
        """Keep a body once, compressed; the same body seen again costs a hash and a lookup."""
        digest = hashlib.sha256(body).hexdigest()
        if self.db.conn.execute("select 1 from snapshots where sha256 = ?", [digest]).fetchone() is None:
            self.db.conn.execute("insert into snapshots (sha256, size, body_zlib) values (?, ?, ?)",
                                 [digest, len(body), zlib.compress(body, 6)])
        return digest

    # the response cache of conditional requests (monitor.fetcher.ResponseCache)

    def lookup(self, url: str) -> Validators | None:
        row = self.db.conn.execute("select etag, last_modified, snapshot from http_cache where url = ?",
                                   [url]).fetchone()
        if row is None:
            return None
        try:
            return Validators(row[0], row[1], self.snapshot(row[2]))
        except KeyError:
            return None

    def remember(self, url: str, validators: Validators) -> None:
        """Keep a page's validators; like a request row, committed with the page's records."""
        digest = self._keep_body(validators.body)
        self.db.conn.execute(
            """insert into http_cache (url, etag, last_modified, snapshot) values (?, ?, ?, ?)
               on conflict (url) do update set etag = excluded.etag,
                 last_modified = excluded.last_modified, snapshot = excluded.snapshot""",
            [url, validators.etag, validators.last_modified, digest])

    def snapshot(self, digest: str) -> bytes:
        row = self.db.conn.execute("select body_zlib from snapshots where sha256 = ?", [digest]).fetchone()
        if row is None:
            raise KeyError(digest)
        return zlib.decompress(row[0])

    # records

    def save_records(self, kind: str, items: Iterable[tuple[str, dict[str, Any]]], seen_on: date) -> int:
        """Upsert items as seen on `seen_on`: data is replaced, first_seen keeps the earliest date."""
        return self.save_records_together([(kind, items)], seen_on)

    def save_records_together(self, batches: Iterable[tuple[str, Iterable[tuple[str, dict[str, Any]]]]],
                              seen_on: date) -> int:
        """Upsert the items of several kinds in one transaction: all of them are stored, or (a run
        killed or failing on the way) none."""
        day = seen_on.isoformat()
        saved = 0

        def rows() -> Iterator[tuple[str, str, str, str, str]]:  # one at a time: 190,000 rows need not be held
            nonlocal saved
            for kind, items in batches:
                for key, data in items:
                    saved += 1
                    yield kind, str(key), json.dumps(data, ensure_ascii=False, sort_keys=True), day, day

        with self.db.conn:
            self.db.conn.executemany(
                """insert into records (kind, key, data, first_seen, last_seen) values (?, ?, ?, ?, ?)
                   on conflict (kind, key) do update set data = excluded.data,
                     first_seen = min(first_seen, excluded.first_seen),
                     last_seen = max(last_seen, excluded.last_seen)""", rows())
        return saved

    def records(self, kind: str, fields: Sequence[str] | None = None) -> dict[str, Record]:
        return {r.key: r for r in self.iter_records(kind, fields)}

    def iter_records(self, kind: str, fields: Sequence[str] | None = None) -> Iterator[Record]:
        """The records of a kind, by key; with `fields`, each record's data holds only those (None
        where a record has none), picked out by SQLite: a rule that reads three fields of 40,000
        records need not decode, nor hold, the rest of them; and a text many of them hold (an
        agency's name, a date) is then one object in all of them."""
        return (record for record, in self.iter_joined((kind, fields)))

    def iter_joined(self, first: tuple[str, Sequence[str] | None],
                    *others: tuple[str, Sequence[str] | None]) -> Iterator[tuple[Record | None, ...]]:
        """Each record of the first kind (with its fields, as iter_records reads them), by key,
        beside the record of each other kind stored under the same key, or None: a rule that
        matches tens of thousands of records by key lets SQLite join them, one row at a time,
        instead of holding every one of a kind in a dict. The first of each tuple is never None."""
        kinds = [first, *others]
        columns, args = [], []
        for n, (kind, fields) in enumerate(kinds):
            data = f"k{n}.data"
            if fields is not None:
                data = f"json_object({', '.join(f'?, json_extract(k{n}.data, ?)' for _ in fields)})"
                args += [part for name in fields for part in (name, f"$.{name}")]
            columns.append(f"k{n}.key, {data}, k{n}.first_seen, k{n}.last_seen")
        joins = "".join(f" left join records k{n} on k{n}.kind = ? and k{n}.key = k0.key" for n in range(1, len(kinds)))
        cursor = self.db.execute(f"select {', '.join(columns)} from records k0{joins} where k0.kind = ? order by k0.key",
                                 [*args, *(kind for kind, _ in others), first[0]])
        for row in cursor:
            yield tuple(_record(row[4 * n:4 * n + 4], fields) for n, (_, fields) in enumerate(kinds))

    def first_seen(self, kind: str, key_suffixes: Iterable[str] = ()) -> dict[str, date]:
        """The first_seen date of each record of a kind (only keys ending with one of the suffixes,
        if given), without decoding the records' data: cheap where a rule needs only that date."""
        suffixes = tuple(key_suffixes)
        return {key: _day(first)
                for key, first in self.db.execute("select key, first_seen from records where kind = ?", [kind])
                if not suffixes or key.endswith(suffixes)}

    def field(self, kind: str, name: str) -> dict[str, Any]:
        """One field of every record of a kind, read by SQLite: for a rule that needs no more."""
        return dict(self.db.execute("select key, json_extract(data, '$.' || ?) from records where kind = ?",
                                    [name, kind]))

    def listed_on_last_read(self, kind: str, group: str | None = None) -> dict[Any, int]:
        """Per value of the field `group`, how many records the latest read that saw any of them
        listed (those whose last_seen is the group's latest), counted by SQLite."""
        rows = self.db.execute(
            """select grp, count(*) from (
                 select grp, last_seen, max(last_seen) over (partition by grp) as latest
                 from (select case when ? is null then null else json_extract(data, '$.' || ?) end as grp,
                              last_seen from records where kind = ?))
               where last_seen = latest group by grp""", [group, group, kind])
        return dict(rows.fetchall())

    def record_keys(self, kind: str) -> set[str]:
        return {row[0] for row in self.db.execute("select key from records where kind = ?", [kind])}

    # notes, obligations and findings

    def save_notes(self, run_id: int, check_name: str, notes: Iterable[dict[str, str]]) -> None:
        with self.db.conn:
            self.db["notes"].insert_all({"run_id": run_id, "check_name": check_name, **n} for n in notes)

    def replace_obligations(self, check_name: str, as_of: date, obligations: Iterable[Obligation]) -> None:
        day = as_of.isoformat()
        rows = ((check_name, ob.rule, ob.agency_key, ob.subject, ob.agency, _iso(ob.due), ob.status,
                 _iso(ob.published), ob.days_late, ob.days_overdue, ob.evidence_url, ob.official, day)
                for ob in obligations)  # one at a time: a national tender night has 23,000
        with self.db.conn:
            self.db.conn.execute("delete from obligations where check_name = ?", [check_name])
            self.db.conn.executemany(
                """insert or replace into obligations (check_name, rule, agency_key, subject, agency, due, status,
                   published, days_late, days_overdue, evidence_url, official, as_of)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)

    def obligations(self, check_name: str | None = None) -> list[Obligation]:
        """The latest judgement of every obligation (of one check, or of all)."""
        return list(self.iter_obligations(check_name))

    def iter_obligations(self, check_name: str | None = None) -> Iterator[Obligation]:
        """The same, one at a time: a national database holds some 50,000."""
        where, args = ("where check_name = ?", [check_name]) if check_name else ("", [])
        rows = self.db.query(f"select * from obligations {where} order by rule, agency, subject", args)
        return (Obligation(rule=r["rule"], agency=r["agency"], agency_key=r["agency_key"], subject=r["subject"],
                           due=date.fromisoformat(r["due"]), status=r["status"],
                           published=date.fromisoformat(r["published"]) if r["published"] else None,
                           days_late=r["days_late"], days_overdue=r["days_overdue"],
                           evidence_url=r["evidence_url"], official=r["official"]) for r in rows)

    def obligation_counts(self) -> list[tuple[str, str, str, str, int]]:
        """(rule, agency_key, agency, status, count) rows: what figures need, counted by SQLite."""
        return self.db.conn.execute(
            "select rule, agency_key, agency, status, count(*) from obligations "
            "group by rule, agency_key, agency, status order by rule, agency_key, agency").fetchall()

    def findings(self, check_name: str | None = None, *, open_only: bool = True, state: str | None = None,
                 columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Finding rows, newest judgement first: open ones only unless `open_only` is False; with
        `state`, those in that state only (the left-scope ones, without every closed finding ever);
        with `columns`, those columns only (a national night's open findings are some 16,000).
        A value that many rows hold (a date, an agency, a rule) is one object in all of them."""
        return list(self.iter_findings(check_name, open_only=open_only, state=state, columns=columns))

    def iter_findings(self, check_name: str | None = None, *, open_only: bool = True, state: str | None = None,
                      columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """The rows of `findings`, one at a time, for a reader that needs each once."""
        clauses, args = [], []
        if check_name:
            clauses.append("check_name = ?")
            args.append(check_name)
        if open_only:
            clauses.append("is_open = 1")
        if state:
            clauses.append("state = ?")
            args.append(state)
        where = f"where {' and '.join(clauses)}" if clauses else ""
        cursor = self.db.conn.execute(f"select {', '.join(columns) if columns else '*'} from findings {where} "
                                      "order by judged_on desc, rule, agency, subject", args)
        names = [column[0] for column in cursor.description]
        shared = [name not in UNSHARED_FINDING_COLUMNS for name in names]
        return ({name: sys.intern(value) if share and type(value) is str else value
                 for name, share, value in zip(names, shared, row)} for row in cursor)

    def save_findings(self, rows: list[dict[str, Any]]) -> None:
        """Store finding rows whole (a row read back and updated, or a new one: what it lacks is null)."""
        columns = FINDING_COLUMNS
        with self.db.conn:
            self.db.conn.executemany(
                f"insert or replace into findings ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                ([row.get(column) for column in columns] for row in rows))

    # officials' names: personal data, kept here and nowhere else

    def save_officials(self, names: Iterable[tuple[str, str, str]]) -> None:
        """Keep (official, last name, first name) rows; a later name replaces an earlier one."""
        with self.db.conn:
            self.db.conn.executemany(
                """insert into officials (official, last_name, first_name) values (?, ?, ?)
                   on conflict (official) do update set last_name = excluded.last_name,
                     first_name = excluded.first_name""", names)

    def officials(self) -> dict[str, tuple[str, str]]:
        """Each official's (last name, first name), by key."""
        return {official: (last, first) for official, last, first
                in self.db.execute("select official, last_name, first_name from officials")}

    def official_names(self) -> dict[str, str]:
        """Each official's name as a reader sees it ("last first"), by key."""
        return {official: " ".join(part for part in parts if part) for official, parts in self.officials().items()}

    # agencies: one identity across the portals (monitor.agencies)

    def agency_key_names(self) -> list[tuple[str, str, str, int]]:
        """(check, agency key, name, obligations) for every key an obligation or a finding names, with
        the name it is given most often (the latest judgement's obligations, then open findings)."""
        return self.db.conn.execute(
            """select check_name, agency_key, agency, n from (
                 select check_name, agency_key, agency, n,
                        row_number() over (partition by check_name, agency_key order by n desc, agency) as pick,
                        sum(n) over (partition by check_name, agency_key) as total
                 from (select check_name, agency_key, agency, sum(n) as n from (
                         select check_name, agency_key, agency, count(*) as n from obligations
                         group by check_name, agency_key, agency
                         union all
                         select check_name, agency_key, agency, 0 from findings where is_open = 1)
                       group by check_name, agency_key, agency))
               where pick = 1 order by check_name, agency_key""").fetchall()

    def register_numbers(self, kind: str, key_field: str, number_field: str) -> dict[str, str]:
        """Register number by agency key, from the records of one kind (Check.registers), read by SQLite."""
        rows = self.db.conn.execute(
            """select distinct json_extract(data, '$.' || ?), json_extract(data, '$.' || ?) from records
               where kind = ? and json_extract(data, '$.' || ?) is not null""",
            [key_field, number_field, kind, number_field])
        return {str(key): str(number) for key, number in rows if key is not None}

    def replace_agencies(self, agencies: Iterable[tuple[str, str, str | None, str | None, str | None]],
                         keys: Iterable[tuple[str, str, str, str | None, str]]) -> None:
        """Replace the identity tables whole: (id, name, name_en, register_no, matched_by) rows and
        (check, agency key, name, register_no, agency id) rows."""
        with self.db.conn:
            self.db.conn.execute("delete from agency_keys")
            self.db.conn.execute("delete from agencies")
            self.db.conn.executemany("insert into agencies (id, name, name_en, register_no, matched_by) "
                                     "values (?, ?, ?, ?, ?)", agencies)
            self.db.conn.executemany("insert into agency_keys (check_name, agency_key, agency, register_no, "
                                     "agency_id) values (?, ?, ?, ?, ?)", keys)

    def agency_ids(self) -> dict[tuple[str, str], str]:
        """The agency id of each (check, agency key)."""
        return {(check, key): agency_id for check, key, agency_id
                in self.db.execute("select check_name, agency_key, agency_id from agency_keys")}

    def agencies(self) -> list[dict[str, Any]]:
        """Every agency with its keys: [{id, name, name_en, register_no, matched_by, keys: [...]}]."""
        rows = {r["id"]: {**r, "keys": []} for r in self.db.query("select * from agencies order by name, id")}
        for key in self.db.query("select * from agency_keys order by check_name, agency_key"):
            rows[key["agency_id"]]["keys"].append(
                {"check": key["check_name"], "key": key["agency_key"], "name": key["agency"],
                 "register_no": key["register_no"]})
        return list(rows.values())

    def on_time_by_month(self) -> list[tuple[str, str, str, int, int, int]]:
        """(agency id, rule, YYYY-MM of the due date, met, late, missing) over every month held.

        Counted by SQLite from the obligations (the latest judgement of each) joined with the
        agency keys; pending and unknown obligations are not due or not judged, so not counted."""
        return self.db.conn.execute(
            """select k.agency_id, o.rule, substr(o.due, 1, 7) as month,
                      sum(o.status = 'met'), sum(o.status = 'late'), sum(o.status = 'missing')
               from obligations o join agency_keys k
                 on k.check_name = o.check_name and k.agency_key = o.agency_key
               where o.status in ('met', 'late', 'missing')
               group by k.agency_id, o.rule, month order by k.agency_id, o.rule, month""").fetchall()

    # the outbox

    def enqueue(self, row: dict[str, Any]) -> bool:
        """Queue a digest unless one for this recipient and period exists already; True when queued."""
        with self.db.conn:
            cursor = self.db.execute(
                """insert or ignore into outbox (recipient, address, period, as_of, language, subject,
                   body_text, body_html, findings_csv, status, attempts, queued_at)
                   values (:recipient, :address, :period, :as_of, :language, :subject, :body_text,
                   :body_html, :findings_csv, 'queued', 0, :queued_at)""",
                {"findings_csv": None, **row, "queued_at": _now()})
        return cursor.rowcount == 1

    def queued(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from outbox where status = 'queued' order by id"))

    def mark_sent(self, outbox_id: int) -> None:
        """A digest sent is the recipient's now: its bodies, which may name officials, are erased."""
        with self.db.conn:
            self.db.execute("update outbox set status = 'sent', sent_at = ?, attempts = attempts + 1, "
                            "last_error = null, body_text = null, body_html = null where id = ?",
                            [_now(), outbox_id])

    def mark_failed(self, outbox_id: int, error: str, give_up: bool = False) -> None:
        """A try that failed; `give_up`: none follows (status 'failed' until a later digest reports it)."""
        with self.db.conn:
            self.db.execute("update outbox set attempts = attempts + 1, last_error = ?, "
                            "status = case when ? then 'failed' else status end where id = ?",
                            [error, give_up, outbox_id])

    def undelivered(self, recipient: str) -> list[dict[str, Any]]:
        """The recipient's digests given up on that no later digest has reported yet."""
        return list(self.db.query("select period, last_error from outbox where recipient = ? and status = 'failed' "
                                  "order by id", [recipient]))

    def mark_reported(self, recipient: str) -> None:
        with self.db.conn:
            self.db.execute("update outbox set status = 'failed, reported' where recipient = ? and status = 'failed'",
                            [recipient])

    def last_digest_date(self, recipient: str, before: date) -> date | None:
        """The run date of the recipient's previous digest: what 'since the last digest' counts from."""
        row = self.db.execute("select max(as_of) from outbox where recipient = ? and as_of < ?",
                              [recipient, before.isoformat()]).fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    # pruning (monitor.prune): old request rows and the bodies only they referred to

    def prune_requests(self, before: date) -> tuple[int, int, int]:
        """Delete the request rows of runs dated before `before` that are not evidence (see
        PRUNE_KEEPS), then every body no request row and no cached page refers to any more.
        Returns (request rows, snapshots, compressed bytes of those snapshots) removed."""
        with self.db.conn:
            for statement in PRUNE_KEEPS:
                self.db.conn.execute(statement)
            removed_requests = self.db.conn.execute(
                """delete from requests where run_id in (select id from runs where as_of < ?)
                   and id not in (select id from temp.kept_requests)""", [before.isoformat()]).rowcount
            orphans = """from snapshots where sha256 not in (select snapshot from requests where snapshot is not null)
                         and sha256 not in (select snapshot from http_cache where snapshot is not null)"""
            count, size = self.db.conn.execute(
                f"select count(*), coalesce(sum(length(body_zlib)), 0) {orphans}").fetchone()
            self.db.conn.execute(f"delete {orphans}")
            self.db.conn.execute("drop table temp.kept_requests")
            self.db.conn.execute("drop table temp.first_request_of_body")
        return removed_requests, count, size

    def vacuum(self) -> None:
        """Give the freed pages back to the file system, and empty the write-ahead log into the file."""
        self.db.conn.execute("VACUUM")
        self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# the columns of a finding that are its own, not shared by many findings as dates, agencies and rules are
UNSHARED_FINDING_COLUMNS = frozenset({"subject", "evidence_url", "days_late", "days_overdue", "official"})


# The request rows pruning keeps, whatever their age (their bodies stay with them):
# - the latest request with a body of every page (source, method, URL, payload): what each page showed last;
# - first sightings: on each day a record of a check was first seen (records.first_seen, the check
#   being the kind's prefix), the requests of that check's sources on that day's runs whose body was
#   new, i.e. referred to by no earlier request row still kept: a body that first showed an item was
#   never received before;
# - findings' evidence: on the day each finding, open or resolved, was first raised, every request of
#   its check's sources on that day's runs, new body or not (a missing item's evidence is the whole
#   listing as it was read).
# A request's check is the one source_health names for its run and source, else its source's prefix.
PRUNE_KEEPS = (
    """create temp table first_request_of_body as
       select snapshot, min(id) as id from requests where snapshot is not null group by snapshot""",
    """create temp table kept_requests as
       with checked as (
         select q.id, q.snapshot, r.as_of,
                coalesce(h.check_name, substr(q.source, 1, instr(q.source, '.') - 1)) as check_name
         from requests q join runs r on r.id = q.run_id
         left join source_health h on h.run_id = q.run_id and h.source = q.source
         where q.snapshot is not null)
       select max(id) as id from requests where snapshot is not null group by source, method, url, payload
       union
       select c.id from checked c
         join first_request_of_body b on b.id = c.id
         join (select distinct substr(kind, 1, instr(kind, '.') - 1) as check_name, first_seen from records) s
           on s.check_name = c.check_name and s.first_seen = c.as_of
       union
       select c.id from checked c
         join (select distinct check_name, first_raised_on from findings) f
           on f.check_name = c.check_name and f.first_raised_on = c.as_of""",
)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open without writing: mode=ro, or where even SQLite's WAL index cannot be created beside the
    file (a read-only file system, on which no one can be writing it either), immutable."""
    if not path.is_file():
        raise _no_database(path)
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    return conn


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
