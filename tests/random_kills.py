"""Kill `monitor run` at random moments and check that each next run catches up exactly.

Not part of the suite: its kills are timed, so what it covers differs from machine to machine. The
suite's own crash tests (test_crash_safety.py) kill at named points; this looks between them. Each
kill is followed, as there, by a run of the same day in this process, whose findings, obligations
and records must equal an uninterrupted run's from the same starting database.

    python tests/random_kills.py --kills 60 --seed 1 --night week

`--night first` starts from no database; `week` from one a run made a week earlier (listings are
walked in full again); `day` from one made the day before (listings stop at the first known page).
Exit 1 when any kill ended different; the differing rows and the killed case's folder are printed.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from demo.server import DemoPortal  # noqa: E402
from test_crash_safety import (D, TOKEN, Crash, _config, _differing_rows, _routes, _run_in_process,  # noqa: E402
                               _start, _tables)

NIGHTS = {"first": None, "week": timedelta(days=7), "day": timedelta(days=1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--night", choices=sorted(NIGHTS), default="week")
    args = parser.parse_args()
    os.environ["TENDER_OPENDATA_TOKEN"] = TOKEN
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="random-kills-"))
    start = _starting_database(root, NIGHTS[args.night])
    with DemoPortal(_routes(D)) as portal:
        crash = Crash(root, portal, {})
        reference = crash.case("reference")
        _copy(start, reference)
        began = time.monotonic()
        run = _start(reference, D)
        run.communicate()
        span = time.monotonic() - began
        expected = _tables(reference / "m.db")
        different = 0
        for n in range(args.kills):
            case = crash.case(f"kill-{n}")
            _copy(start, case)
            after = rng.uniform(0.1, span)
            run = _start(case, D)
            time.sleep(after)
            run.send_signal(signal.SIGKILL)
            run.communicate()
            code = _run_in_process(case, D)
            tables = _tables(case / "m.db")
            if code == 0 and tables == expected:
                shutil.rmtree(case)
                continue
            different += 1
            print(f"kill {n} at {after:.3f} s: next run exit {code}; {case}\n"
                  f"  {_differing_rows(tables, expected)}", flush=True)
    print(f"{args.kills} kills on a {args.night} night over a {span:.2f} s run: {different} ended different")
    if different:
        return 1
    shutil.rmtree(root)
    return 0


def _starting_database(root: Path, before: timedelta | None) -> Path | None:
    """The database a run on D starts from: none, or one a run made `before` D."""
    if before is None:
        return None
    folder = root / "before"
    folder.mkdir()
    with DemoPortal(_routes(D - before)) as portal:
        _config(folder, portal.url)
        if _run_in_process(folder, D - before) != 0:
            raise SystemExit("the run that makes the starting database failed")
    return folder / "m.db"


def _copy(start: Path | None, case: Path) -> None:
    if start is not None:
        shutil.copy(start, case / "m.db")


if __name__ == "__main__":
    sys.exit(main())
