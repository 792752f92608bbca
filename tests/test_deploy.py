"""The shipped deployment files install as they are: the systemd units verify, the crontab's command
parses and, run by bash as cron would, timestamps the log and speaks up when the exit is not 0."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVICE, TIMER = DEPLOY / "disclosure-monitor.service", DEPLOY / "disclosure-monitor.timer"
INSTALLED_MONITOR = "/opt/disclosure-monitor/.venv/bin/monitor"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_service_runs_as_its_own_user_with_secrets_from_a_file_and_a_state_directory():
    service = unit(SERVICE)["Service"]
    assert service["User"] == "disclosure-monitor" and service["Type"] == "oneshot"
    assert service["EnvironmentFile"] == "/etc/disclosure-monitor/monitor.env"
    assert service["StateDirectory"] == "disclosure-monitor"
    assert service["ExecStart"].startswith(INSTALLED_MONITOR + " ")
    assert "${STATE_DIRECTORY}/monitor.db" in service["ExecStart"] and service["ExecStart"].endswith(" run")
    assert "TOKEN" not in SERVICE.read_text(encoding="utf-8").replace("TENDER_OPENDATA_TOKEN", "")


def test_the_timer_fires_at_half_past_two_in_ulaanbaatar():
    timer = unit(TIMER)
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30 Asia/Ulaanbaatar"
    assert timer["Timer"]["Unit"] == SERVICE.name and timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_verifies_the_units(tmp_path):
    """Verified as installed, but with the monitor this test runs (verify wants ExecStart to exist)."""
    here = Path(sys.executable).parent / "monitor"
    (tmp_path / SERVICE.name).write_text(SERVICE.read_text(encoding="utf-8").replace(INSTALLED_MONITOR, str(here)),
                                         encoding="utf-8")
    shutil.copy(TIMER, tmp_path / TIMER.name)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    calendar = subprocess.run(["systemd-analyze", "calendar", unit(TIMER)["Timer"]["OnCalendar"]],
                              capture_output=True, text=True, timeout=60)
    assert calendar.returncode == 0 and "Asia/Ulaanbaatar" in calendar.stdout


def crontab() -> tuple[dict[str, str], list[str]]:
    """The crontab's variables, and the commands of its schedule lines (cron turns % into newlines)."""
    variables, commands = {}, []
    for line in (ROOT / "cron.example").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, line
        assert "%" not in fields[5].replace("\\%", ""), "an unescaped % would cut the command"
        commands.append(fields[5])
    return variables, commands


def test_the_crontab_keeps_secrets_out_and_names_its_path_once():
    variables, [command] = crontab()
    text = (ROOT / "cron.example").read_text(encoding="utf-8")
    assert "CRON_TZ" not in variables and variables["TZ"] == "Asia/Ulaanbaatar"
    assert variables["SHELL"] == "/bin/bash" and "@" in variables["MAILTO"]
    assert not any("TOKEN" in name or "PASSWORD" in name for name in variables)
    assert text.count(variables["MONITOR_HOME"]) == 1 and "$MONITOR_HOME" in command
    assert ". ./monitor.env" in command


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_cron_command_parses_in_bash():
    _, commands = crontab()
    for command in commands:
        done = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr


FAKE_MONITOR = """#!/bin/bash
echo "token ${TENDER_OPENDATA_TOKEN:-unset}"
echo "args $*"
echo "monitor: tender: HTTP 503 after 4 tries" >&2
exit 3
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_cron_command_sources_the_secrets_stamps_the_log_and_reports_exit_3(tmp_path):
    variables, [command] = crontab()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / "state").mkdir()
    fake = tmp_path / ".venv" / "bin" / "monitor"
    fake.write_text(FAKE_MONITOR, encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "monitor.env").write_text("TENDER_OPENDATA_TOKEN=s3cret\n", encoding="utf-8")
    environ = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TZ": variables["TZ"],
               "MONITOR_HOME": str(tmp_path)}
    done = subprocess.run([variables["SHELL"], "-c", command], env=environ, capture_output=True, text=True,
                          timeout=30, cwd="/")
    log = (tmp_path / "state" / "monitor.log").read_text(encoding="utf-8").splitlines()
    stamp = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00 "
    assert [re.sub(stamp, "", line, count=1) for line in log] == [
        "token s3cret", "args --config monitor.toml run", "monitor: tender: HTTP 503 after 4 tries"]
    assert all(re.match(stamp, line) for line in log)
    assert done.stdout.startswith("disclosure monitor: exit 3 ")  # what cron mails to MAILTO
    assert "HTTP 503 after 4 tries" in done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_a_clean_night_mails_nothing(tmp_path):
    variables, [command] = crontab()
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / "state").mkdir()
    fake = tmp_path / ".venv" / "bin" / "monitor"
    fake.write_text("#!/bin/bash\necho 'tender: 10 obligations'\n", encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "monitor.env").write_text("", encoding="utf-8")
    done = subprocess.run([variables["SHELL"], "-c", command], capture_output=True, text=True, timeout=30,
                          env={"PATH": os.environ["PATH"], "TZ": variables["TZ"], "MONITOR_HOME": str(tmp_path)})
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert (tmp_path / "state" / "monitor.log").read_text(encoding="utf-8").endswith(" tender: 10 obligations\n")


def test_logrotate_rotates_the_log_the_crontab_writes():
    variables, [command] = crontab()
    snippet = (DEPLOY / "disclosure-monitor.logrotate").read_text(encoding="utf-8")
    assert ">> state/monitor.log" in command
    assert f"{variables['MONITOR_HOME']}/state/monitor.log {{" in snippet
    assert snippet.count("{") == snippet.count("}") == 1
