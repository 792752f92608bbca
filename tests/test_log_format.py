"""Log lines in a file (cron, a service) say when they were written; on a terminal they need not."""
from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from datetime import datetime

from monitor import cli

from smtp_server import free_port

ISO_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}) (DEBUG|INFO|WARNING|ERROR) \S+: ")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("monitor", logging.WARNING, __file__, 1, message, None, None)


def test_a_log_line_off_a_terminal_starts_with_an_iso_timestamp():
    line = cli.log_formatter(io.StringIO()).format(record("portal slow"))
    stamp = ISO_LINE.match(line)
    assert stamp and line.endswith("WARNING monitor: portal slow")
    assert abs((datetime.strptime(stamp.group(1), "%Y-%m-%dT%H:%M:%S%z")
                - datetime.now().astimezone()).total_seconds()) < 60


def test_a_log_line_on_a_terminal_has_no_timestamp():
    assert cli.log_formatter(Terminal()).format(record("portal slow")) == "WARNING monitor: portal slow"


def test_the_monitor_writing_to_a_log_file_stamps_every_log_line(tmp_path):
    port = free_port()  # nothing listens: the fetcher logs its attempts, the source fails
    config = tmp_path / "monitor.toml"
    config.write_text(f'[portals]\nlegalinfo = "http://127.0.0.1:{port}"\nparliament = "http://127.0.0.1:{port}"\n'
                      '[fetch]\nretries = 0\ndelay = 0.0\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "monitor", "-v", "--config", str(config), "--db",
                           str(tmp_path / "m.db"), "check", "legal", "--as-of", "2026-11-30"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 3
    logged = [line for line in done.stderr.splitlines() if not line.startswith("monitor: ")]
    assert logged and all(ISO_LINE.match(line) for line in logged), done.stderr
