"""The demo's own files: `make demo` rebuilds what it writes and nothing else; `serve` on a used port."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from datetime import date

from demo.__main__ import run_demo
from monitor.store import Store

TODAY = date(2026, 11, 30)


def test_the_demo_rebuilds_its_database_and_digests_and_leaves_other_files_alone(tmp_path):
    out = tmp_path / "demo-output"
    (out / "serve").mkdir(parents=True)
    kept = {out / "serve.toml": "a running serve's configuration", out / "serve" / "notes.txt": "mine",
            out / "notes.txt": "also mine"}
    for path, text in kept.items():
        path.write_text(text, encoding="utf-8")
    stale = Store(out / "monitor.db")
    stale.start_run(date(2020, 1, 1), "an earlier demo")
    stale.close()
    (out / "digests").mkdir()
    (out / "digests" / "digest-2020-01-01.en.html").write_text("old", encoding="utf-8")
    (out / "digests" / "findings-2020-01-01.csv").write_text("old", encoding="utf-8")

    assert run_demo(out, TODAY, nights_before_today=(0,)) == 0

    assert {path: path.read_text(encoding="utf-8") for path in kept} == kept
    with sqlite3.connect(out / "monitor.db") as conn:
        assert conn.execute("select as_of from runs").fetchall() == [(TODAY.isoformat(),)]
    digests = sorted(p.name for p in (out / "digests").iterdir())
    assert digests and all(name.startswith((f"digest-{TODAY}", f"findings-{TODAY}")) for name in digests)


def test_a_second_serve_on_a_used_port_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "demo", "serve", "--port", str(port),
                               "--as-of", TODAY.isoformat(), "--out", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"127.0.0.1:{port}: cannot serve there (Address already in use)" in done.stderr
    assert not (tmp_path / "out").exists()
