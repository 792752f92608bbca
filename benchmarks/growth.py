"""Thirty nights (issue 18): how big the database grows, with and without `monitor prune`.

Builds the demo worlds (demo.worlds.build_worlds) for each night D, D+1, ... with one
fixed anchor, so the world moves as the real one does: each day brings new invitations and
results, postings, declarations, acts, licences and EITI reports. Each night it serves that
day's world on one port (the response cache keys its validators by URL, port included) and runs
`monitor run --no-send --as-of D+i` as a process on two databases side by side: one never
pruned, one pruned after every run with `monitor prune --keep-days K`. It prints, per night,
each database's size (the file plus any WAL left, after the process has closed it) and its
growth since the night before, then the totals.

The two databases see the same requests answered with the same pages: pruning keeps every
record, finding and the response cache's validators, so it changes what the next night asks
for in no way.

Usage: python benchmarks/growth.py [--scale 0.02] [--nights 30] [--keep-days 7] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANCHOR_DAYS_AFTER_LAST_NIGHT = 7


@dataclass
class Night:
    """One night's sizes, in bytes, and what pruning reported."""

    as_of: date
    plain: int
    pruned: int
    prune_report: str


def db_size(db: Path) -> int:
    """The file and what its write-ahead log still holds."""
    wal = db.with_name(db.name + "-wal")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def write_config(path: Path, base: str, db: Path) -> None:
    from monitor.config import portal_defaults
    from monitor.registry import available_checks

    portals = "\n".join(f'{name} = "{base}"' for name in portal_defaults(available_checks()))
    path.write_text(f'[monitor]\ndb = "{db}"\n\n[portals]\n{portals}\n\n[fetch]\ndelay = 0.0\nbackoff = 0.1\n\n'
                    f'[digest]\nout_dir = "{db.parent / "digests"}"\n', encoding="utf-8")


def monitor(config: Path, *args: str, timeout: float) -> str:
    """`monitor ARGS` as a process; its output, or RuntimeError when it exits neither 0 nor 3."""
    from demo.worlds import DEMO_TOKEN

    env = {**os.environ, "TENDER_OPENDATA_TOKEN": DEMO_TOKEN}
    done = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"monitor {' '.join(args)} exited {done.returncode}: {(done.stdout + done.stderr)[-2000:]}")
    return done.stdout


def simulate(args: argparse.Namespace, work: Path) -> list[Night]:
    from demo.server import DemoPortal
    from demo.worlds import WorldSizes, build_worlds

    sizes = WorldSizes.national(args.scale)
    anchor = args.as_of + timedelta(days=args.nights - 1 + ANCHOR_DAYS_AFTER_LAST_NIGHT)
    plain_dir, pruned_dir = work / "plain", work / "pruned"
    for folder in (plain_dir, pruned_dir):
        folder.mkdir(parents=True, exist_ok=True)
    port, nights = 0, []
    for night in range(args.nights):
        as_of = args.as_of + timedelta(days=night)
        started = time.perf_counter()
        with DemoPortal(build_worlds(as_of, anchor, args.seed, sizes).routes(), port=port) as portal:
            port = int(portal.url.rsplit(":", 1)[1])
            for folder in (plain_dir, pruned_dir):
                write_config(folder / "monitor.toml", portal.url, folder / "monitor.db")
                monitor(folder / "monitor.toml", "run", "--no-send", "--as-of", as_of.isoformat(),
                        timeout=args.timeout)
        report = monitor(pruned_dir / "monitor.toml", "prune", "--keep-days", str(args.keep_days),
                         timeout=args.timeout).strip()
        nights.append(Night(as_of, db_size(plain_dir / "monitor.db"), db_size(pruned_dir / "monitor.db"), report))
        print(f"  night {night + 1:2} ({as_of}) done in {time.perf_counter() - started:.1f} s: {report}",
              file=sys.stderr, flush=True)
    return nights


def _mb(n: float) -> str:
    return f"{n / 1e6:.2f}"


def print_table(nights: list[Night], keep_days: int) -> None:
    header = (f"{'NIGHT':>5}  {'AS OF':10}  {'DB (MB)':>8}  {'GROWTH':>7}   "
              f"{f'PRUNED, keep {keep_days} d (MB)':>24}  {'GROWTH':>7}")
    print(header)
    print("-" * len(header))
    previous = None
    for number, night in enumerate(nights, start=1):
        plain_growth = _mb(night.plain - previous.plain) if previous else "-"
        pruned_growth = _mb(night.pruned - previous.pruned) if previous else "-"
        print(f"{number:>5}  {night.as_of.isoformat():10}  {_mb(night.plain):>8}  {plain_growth:>7}   "
              f"{_mb(night.pruned):>24}  {pruned_growth:>7}")
        previous = night
    first, last = nights[0], nights[-1]
    span = max(1, len(nights) - 1)
    print(f"\nafter night 1: {_mb(first.plain)} MB; after night {len(nights)}: {_mb(last.plain)} MB without pruning "
          f"({_mb((last.plain - first.plain) / span)} MB a night), {_mb(last.pruned)} MB pruned to {keep_days} days "
          f"({_mb((last.pruned - first.pruned) / span)} MB a night)")
    tail = nights[-min(7, len(nights)):]
    if len(tail) > 1:
        print(f"last {len(tail) - 1} nights: {_mb((tail[-1].plain - tail[0].plain) / (len(tail) - 1))} MB a night "
              f"without pruning, {_mb((tail[-1].pruned - tail[0].pruned) / (len(tail) - 1))} MB a night pruned")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02, help="fraction of the national sizes (default 0.02)")
    parser.add_argument("--nights", type=int, default=30, help="consecutive nights (default 30)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 1),
                        help="the first night (default 2026-11-01)")
    parser.add_argument("--keep-days", type=int, default=7,
                        help="monitor prune --keep-days on the pruned database (default 7)")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a monitor process is killed")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="monitor-growth-"))
    if args.keep:
        shutil.rmtree(work / "plain", ignore_errors=True)
        shutil.rmtree(work / "pruned", ignore_errors=True)
    print(f"GROWTH BENCHMARK: {args.nights} nights from {args.as_of}, scale {args.scale:g} of national, seed "
          f"{args.seed}; `monitor run --no-send` each night on two databases, one pruned after each run with "
          f"`monitor prune --keep-days {args.keep_days}`", flush=True)
    started = time.perf_counter()
    try:
        nights = simulate(args, work)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"benchmark stopped: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(nights, args.keep_days)
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
