"""`monitor prune`: keep the database a manageable size without losing any finding's evidence.

Every night stores the bodies of the pages that changed; over months they are most of the file.
Pruning deletes the request rows of runs dated more than `keep_days` days before the latest run's
date, and with them every body no remaining row refers to, then VACUUMs. It keeps, whatever its
age, every request row that is evidence (store.PRUNE_KEEPS: the latest body of each page, the new
bodies of the day a record was first seen, every body read on the day a finding was first raised)
and every body the response cache still revalidates (http_cache). Runs, source health, records,
obligations, findings and notes are never pruned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .store import Store


@dataclass(frozen=True)
class Pruned:
    """What one prune removed, and the database's size on disk before and after it."""

    keep_days: int
    before: date | None  # request rows of runs dated before this day were candidates; None: no run yet
    requests: int = 0
    snapshots: int = 0
    snapshot_bytes: int = 0
    size_before: int = 0
    size_after: int = 0

    def summary(self) -> str:
        if self.before is None:
            return "nothing to prune: the database has no run yet"
        return (f"pruned requests of runs before {self.before} (keep {self.keep_days} days): removed "
                f"{self.requests:,} request rows and {self.snapshots:,} snapshots ({_mb(self.snapshot_bytes)} MB "
                f"compressed); the database went from {_mb(self.size_before)} MB to {_mb(self.size_after)} MB")


def prune(store: Store, keep_days: int) -> Pruned:
    """Delete what is older than `keep_days` days before the latest run's date, except the evidence."""
    latest = store.latest_run_date()
    if latest is None:
        return Pruned(keep_days, None)
    before = latest - timedelta(days=keep_days)
    size_before = size_on_disk(store.path)
    requests, snapshots, snapshot_bytes = store.prune_requests(before)
    store.vacuum()
    return Pruned(keep_days, before, requests, snapshots, snapshot_bytes, size_before, size_on_disk(store.path))


def size_on_disk(path: str) -> int:
    """The database file and its write-ahead log, as they stand."""
    return sum(Path(name).stat().st_size for name in (path, f"{path}-wal") if Path(name).exists())


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f}"
