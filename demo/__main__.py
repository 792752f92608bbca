"""The demo: the whole monitor, night after night, against generated portals on 127.0.0.1.

`python -m demo` runs `monitor run --no-send` on three nights a week apart, ending
today (Ulaanbaatar), each against the world as it stood that night, so the digest shows findings
that are new, ongoing and caught up. `python -m demo serve` only serves the portals.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

from monitor import cli
from monitor.config import portal_defaults
from monitor.registry import available_checks
from monitor.calendar import today_in_ulaanbaatar

from .server import DemoPortal
from .worlds import DEMO_TOKEN, demo_routes

NIGHTS_BEFORE_TODAY = (14, 7, 0)
DB_NAME = "monitor.db"
WRITTEN = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}.lock", "monitor.toml")


def demo_config(portal_url: str, out_dir: Path) -> str:
    """A configuration that points every portal at the demo server and keeps politeness short; each
    night rebuilds the report site, as an NGO's would."""
    portals = "\n".join(f'{name} = "{portal_url}"' for name in portal_defaults(available_checks()))
    return (f'[monitor]\ndb = "{out_dir / DB_NAME}"\n\n[portals]\n{portals}\n\n'
            f'[fetch]\ndelay = 0.0\nbackoff = 0.2\nretries = 2\n\n[digest]\nout_dir = "{out_dir / "digests"}"\n\n'
            f'[site]\nout_dir = "{out_dir / "site"}"\n')


def clear_previous_demo(out_dir: Path) -> None:
    """Remove what an earlier demo wrote, and only that: a running `serve` keeps its files beside it."""
    for name in WRITTEN:
        (out_dir / name).unlink(missing_ok=True)
    for pattern in ("digest-*", "findings-*.csv"):  # the digests and the CSV written beside them
        for written in (out_dir / "digests").glob(pattern):
            written.unlink()


def run_demo(out_dir: Path, today: date, nights_before_today: tuple[int, ...] = NIGHTS_BEFORE_TODAY) -> int:
    """Run the nightly job on each demo night, from a fresh database; returns the last night's exit code."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_previous_demo(out_dir)
    os.environ["TENDER_OPENDATA_TOKEN"] = DEMO_TOKEN
    exit_code = 0
    for days_before in nights_before_today:
        as_of = today - timedelta(days=days_before)
        with DemoPortal(demo_routes(as_of, anchor=today)) as portal:
            config = out_dir / "monitor.toml"
            config.write_text(demo_config(portal.url, out_dir), encoding="utf-8")
            print(f"\n== night of {as_of}: monitor run --no-send --as-of {as_of} (portals on {portal.url})")
            exit_code = cli.main(["--config", str(config), "run", "--no-send", "--as-of", as_of.isoformat()])
    print(f"\nThe demo's database is {out_dir / DB_NAME}; open the digests listed above in a browser, "
          f"and the report site at {out_dir / 'site' / 'index.html'}.")
    return exit_code


def serve(as_of: date, port: int, out_dir: Path) -> int:
    """Serve the demo portals, and write a configuration that points the monitor at them."""
    try:
        portal = DemoPortal(demo_routes(as_of), port=port)
    except OSError as exc:  # most often a serve already running: one line, exit 2
        print(f"python -m demo: 127.0.0.1:{port}: cannot serve there ({exc.strerror}); "
              "stop the other server or choose another --port", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    with portal:
        config = out_dir / "serve.toml"
        config.write_text(demo_config(portal.url, out_dir / "serve"), encoding="utf-8")
        print(f"demo portals for {as_of} on {portal.url} (token {DEMO_TOKEN}; Ctrl-C to stop)\n"
              f"try: TENDER_OPENDATA_TOKEN={DEMO_TOKEN} monitor --config {config} check budget "
              f"--as-of {as_of} --replay", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["run", "serve"], default="run")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="the demo's today")
    parser.add_argument("--port", type=int, default=8765, help="for serve")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="where the demo writes")
    args = parser.parse_args()
    today = args.as_of or today_in_ulaanbaatar()
    if args.command == "serve":
        return serve(today, args.port, args.out)
    return run_demo(args.out, today)


if __name__ == "__main__":
    raise SystemExit(main())
