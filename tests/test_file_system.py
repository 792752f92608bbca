"""File-system problems: one line naming the path and the problem, exit 2; reading never creates or writes.

The read-only file system is real. As root, file modes do not stop a write, so the command runs in
a mount namespace of its own (`unshare --mount`) in which its folder is bind-mounted read-only;
any other user gets the folder's write bits removed instead.
"""
from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from monitor.config import portal_defaults
from monitor.registry import available_checks
from monitor import cli
from monitor.store import Store

from smtp_server import free_port

AS_OF = "2026-11-30"
FINDING = {"rule": "legal.rule", "agency_key": "a1", "subject": "Тогтоол 12", "check_name": "legal",
           "agency": "Сангийн яам", "status": "missing", "due": "2026-11-02", "days_overdue": 28,
           "state": "new", "rechecked": 1, "judged_on": AS_OF, "first_raised_on": AS_OF, "is_open": 1}


def monitor(*args: str | Path) -> tuple[int, str, str]:
    """In process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    try:
        code = cli.main([str(a) for a in args], stdout=out)
    finally:
        sys.stderr = stderr
    return code, out.getvalue(), err.getvalue()


def closed_portals(tmp_path: Path) -> Path:
    """A configuration whose portals are a closed port on loopback: every source fails at once."""
    url = f"http://127.0.0.1:{free_port()}"
    names = tuple(portal_defaults(available_checks()))
    config = tmp_path / "monitor.toml"
    config.write_text("[portals]\n" + "".join(f'{n} = "{url}"\n' for n in names)
                      + "[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n", encoding="utf-8")
    return config


def database_with_findings(path: Path, count: int = 1) -> Path:
    store = Store(path)
    store.save_findings([{**FINDING, "subject": f"{FINDING['subject']}-{n}"} for n in range(count)])
    store.close()
    return path


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("monitor: ") and "Traceback" not in err, err
    return err


def read_only_run(folder: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """`python -m monitor ARGS` with `folder` read-only (a read-only bind mount as root)."""
    command = [sys.executable, "-m", "monitor", *(str(a) for a in args)]
    if os.geteuid() == 0:
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder), *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_a_run_on_a_read_only_file_system_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    done = read_only_run(folder, "--config", closed_portals(tmp_path), "--db", folder / "m.db",
                         "run", "--no-send", "--only", "legal", "--as-of", AS_OF)
    assert done.returncode == 2, done.stderr
    assert str(folder / "m.db") in one_line(done.stderr)
    assert ("Read-only file system" if os.geteuid() == 0 else "Permission denied") in done.stderr


def test_findings_and_digest_read_a_database_on_a_read_only_file_system(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = database_with_findings(folder / "m.db")
    assert sorted(os.listdir(folder)) == ["m.db"]  # closed cleanly: no WAL index to lean on
    found = read_only_run(folder, "--config", closed_portals(tmp_path), "--db", db, "findings")
    assert found.returncode == 0, found.stderr
    assert "Тогтоол 12-0" in found.stdout and found.stderr == ""
    shown = read_only_run(folder, "--config", closed_portals(tmp_path), "--db", db,
                          "digest", "--language", "en", "--as-of", AS_OF)
    assert shown.returncode == 0, shown.stderr
    assert "Тогтоол 12-0" in shown.stdout


def test_the_read_only_commands_open_the_database_read_only_and_leave_it_as_it_was(tmp_path):
    db = database_with_findings(tmp_path / "m.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    assert monitor("--db", db, "findings", "--json")[0] == 0
    assert monitor("--db", db, "digest", "--format", "html", "--as-of", AS_OF)[0] == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        Store(db, read_only=True).start_run(date.fromisoformat(AS_OF), "test")


@pytest.mark.parametrize("command", [["findings"], ["digest"], ["send"]])
def test_a_command_that_does_not_create_a_database_says_none_is_there(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the wrong folder: no state/monitor.db here
    (tmp_path / "monitor.toml").write_text("", encoding="utf-8")
    code, out, err = monitor(*command)
    assert code == 2 and out == ""
    assert "state/monitor.db: no database there" in one_line(err)
    assert os.listdir(tmp_path) == ["monitor.toml"]


def test_a_database_in_a_folder_that_is_not_there_needs_init(tmp_path):
    config = closed_portals(tmp_path)
    typo = tmp_path / "sttae" / "monitor.db"
    code, _, err = monitor("--config", config, "--db", typo, "check", "legal", "--as-of", AS_OF)
    assert code == 2 and "sttae: no such folder" in one_line(err) and "--init" in err
    assert not typo.parent.exists()
    code, _, _ = monitor("--config", config, "--db", typo, "check", "legal", "--as-of", AS_OF, "--init")
    assert code == 3 and typo.exists()  # created; the closed portals make it 3
    code, _, err = monitor("--config", config, "--db", tmp_path / "m.db", "run", "--no-send", "--only", "legal",
                           "--as-of", AS_OF)
    assert code == 3 and (tmp_path / "m.db").exists()  # an existing folder needs no --init


def test_the_runs_row_records_the_exit_code_of_a_run_that_failed_after_its_checks(tmp_path):
    config = closed_portals(tmp_path)
    not_a_folder = tmp_path / "digests"
    not_a_folder.write_text("a file where the digests should go", encoding="utf-8")
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'[digest]\nout_dir = "{not_a_folder}"\n')
    code, _, err = monitor("--config", config, "--db", tmp_path / "m.db", "run", "--no-send", "--only", "legal",
                           "--as-of", AS_OF)
    assert code == 1 and f"{not_a_folder}: cannot create the digests' folder (File exists)" in one_line(err)
    with sqlite3.connect(tmp_path / "m.db") as conn:
        assert conn.execute("select exit_code from runs").fetchall() == [(1,)]


def test_digest_out_into_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    db = database_with_findings(tmp_path / "m.db")
    out = tmp_path / "nope" / "digest.html"
    code, _, err = monitor("--db", db, "digest", "--format", "html", "--out", out, "--as-of", AS_OF)
    assert code == 2 and f"{out}: cannot write the digest there (No such file or directory)" in one_line(err)


def test_findings_into_a_pipe_closed_early_is_one_line_not_a_traceback(tmp_path):
    db = database_with_findings(tmp_path / "m.db", count=3000)  # more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--db", str(db), "findings"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()  # what `head -1` reads, and then it is gone
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2
    assert "standard output" in one_line(err) and "broken pipe" in err
