"""A real install: the wheel, in a fresh virtual environment, renders a digest from another folder.

Offline, as every test: the wheel is built with the hatchling of the test environment
(--no-build-isolation), installed with --no-deps into a venv of the same interpreter, and the
dependencies (requests, lxml, jinja2, ...) are lent from the test environment by a .pth file that
adds its site-packages at the end of the fresh venv's path. A .pth line adds a folder to the path
without running the .pth files inside it, so the checkout's editable install is not lent with them:
`monitor` and `report_templates` come from the wheel alone, which the test asserts.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
from datetime import date
from pathlib import Path

import pytest

from demo.server import DemoPortal
from demo.tender_world import build_tender_world, tender_routes

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 30)


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv holding the wheel of this checkout and nothing else of it."""
    work = tmp_path_factory.mktemp("wheel")
    before = set(os.listdir(ROOT))
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-q", "-w", work / "dist", ROOT)
    assert built.returncode == 0, built.stderr
    assert set(os.listdir(ROOT)) - before == set(), "building the wheel left files in the checkout"
    [wheel] = (work / "dist").glob("*.whl")
    venv = work / "venv"
    made = _run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                     "-q", wheel)
    assert installed.returncode == 0, installed.stderr
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    lent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_test_dependencies.pth").write_text("\n".join(sorted(lent)) + "\n", encoding="utf-8")
    return venv


def test_the_wheel_ships_the_templates_and_runs_from_its_own_files(venv, tmp_path):
    where = _run(venv / "bin" / "python", "-c",
                 "import monitor, report_templates; print(monitor.__file__); print(report_templates.__file__)",
                 cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    for module_file in where.stdout.split():
        assert Path(module_file).is_relative_to(venv), module_file


def test_an_installed_monitor_renders_a_digest_from_another_folder(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    world = build_tender_world(AS_OF, seed=3, agencies=6, invitations=30)
    with DemoPortal(tender_routes(world, token="t")) as portal:
        urls = "".join(f'{name} = "{portal.url}"\n' for name in ("tender_opendata", "tender", "xacxom"))
        config = elsewhere / "monitor.toml"
        config.write_text(f'[monitor]\ndb = "monitor.db"\n[portals]\n{urls}'
                          '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n', encoding="utf-8")
        env = {**os.environ, "TENDER_OPENDATA_TOKEN": "t", "MONITOR_CONFIG": str(config)}
        ran = _run(venv / "bin" / "monitor", "run", "--no-send", "--only", "tender", "--as-of", AS_OF.isoformat(),
                   cwd=elsewhere, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "digest written:" in ran.stdout
    html = (elsewhere / "digests" / f"digest-{AS_OF}.en.html").read_text(encoding="utf-8")
    assert "</html>" in html and "Agencies behind" in html
    with sqlite3.connect(elsewhere / "monitor.db") as conn:
        assert conn.execute("select exit_code from runs").fetchall() == [(0,)]
    shown = _run(venv / "bin" / "monitor", "digest", "--format", "html", "--language", "en",
                 "--as-of", AS_OF.isoformat(), cwd=elsewhere, env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.rstrip().endswith("</html>") and "Agencies behind" in shown.stdout
    site = _run(venv / "bin" / "monitor", "site", "site", cwd=elsewhere, env=env)
    assert site.returncode == 0, site.stderr
    rule_page = (elsewhere / "site" / "en" / "rules" / "tender.result_published.html").read_text(encoding="utf-8")
    assert '<div class="methodology">' in rule_page and "<strong>Basis</strong>" in rule_page  # docs/rules.md, shipped
