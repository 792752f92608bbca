"""A check from another package, with its own portal, works end to end (issue 13).

The package is installed the way pip leaves one, as an importable module beside a `.dist-info`
folder whose `entry_points.txt` names the check in the `monitor.checks` group, on a path of its
own; the monitor then runs in a subprocess with that path, so nothing is left in the test venv.
Its portal is served on 127.0.0.1 by the project's demo server.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from demo.server import DemoPortal, Response, Route

TINY_CHECK = '''
"""A tiny check: every notice of the registry of notices is published within 5 days."""
from datetime import date, timedelta

from monitor.check import Check, Commitment, Words
from monitor.listing import Listing, PageRequest


class NoticesCheck(Check):
    """Notices published within 5 days of being signed (a plugin's own help text)."""

    name = "notices"
    portals = {"noticeboard": "https://notices.example.mn"}
    sources = ("notices.list",)
    rules = ("notices.published",)
    labels = {"notices.published": Words("Мэдэгдэл нийтлэх", "Notice published"),
              "notices.list": Words("Мэдэгдлийн жагсаалт", "List of notices")}
    basis = {"notices.published": Words("Жишээ журам", "An example rule")}
    commitment = Commitment("9.9.9", "completed", Words("Жишээ амлалт", "An example commitment"))
    defaults = {"due_days": 5}

    def collect(self, source, ctx):
        url = f"{ctx.portals['noticeboard']}/notices"
        listing = Listing("the notices", lambda page: PageRequest("GET", url, {"params": {"page": page}}),
                          lambda page: page.json()["items"],
                          listed_before=ctx.listed_on_last_read("notices.notice").get(None, 0))
        for _, items in ctx.pages(listing):
            ctx.save("notices.notice", ((item["id"], item) for item in items))

    def evaluate(self, ctx):
        for key, notice in ctx.records("notices.notice").items():
            published, baseline = ctx.published(notice, notice.data.get("published"), "notices.list")
            yield ctx.judge(depends_on=("notices.list",), rule="notices.published", agency=notice.data["agency"],
                            agency_key=notice.data["agency"], subject=key,
                            due=ctx.calendar.days_after(date.fromisoformat(notice.data["signed"]),
                                                        ctx.config["due_days"]),
                            published=published, baseline=baseline)


CHECKS = [NoticesCheck]
'''

NOTICES = [{"id": "n-1", "agency": "Жишээ газар", "signed": "2026-11-02", "published": "2026-11-04"},
           {"id": "n-2", "agency": "Жишээ газар", "signed": "2026-11-02", "published": "2026-11-20"}]


def _install(root: Path) -> Path:
    site = root / "site"
    (site / "tiny_check").mkdir(parents=True)
    (site / "tiny_check" / "__init__.py").write_text(TINY_CHECK, encoding="utf-8")
    info = site / "tiny_check-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-check\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[monitor.checks]\nnotices = tiny_check:NoticesCheck\n", encoding="utf-8")
    return site


def _notices(request):  # type: ignore[no-untyped-def]
    page = int(request.query.get("page", "1"))
    return Response.json({"items": NOTICES if page == 1 else []})


def _monitor(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(Path(__file__).resolve().parents[1])])}
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_a_plugin_check_with_its_own_portal_runs_end_to_end(tmp_path):
    site = _install(tmp_path)
    with DemoPortal([Route("GET", r"/notices", _notices, "notices.list")]) as portal:
        config = tmp_path / "monitor.toml"
        config.write_text(f'[portals]\nnoticeboard = "{portal.url}"\n[checks.notices]\ndue_days = 5\n'
                          "[fetch]\ndelay = 0.0\n", encoding="utf-8")
        done = _monitor(site, "--config", str(config), "--db", str(tmp_path / "monitor.db"),
                        "check", "notices", "--as-of", "2026-11-30", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sources"] == [{"name": "notices.list", "ok": True, "error": None}]
    [late] = result["findings"]
    assert (late["subject"], late["status"], late["due"], late["days_late"]) == ("n-2", "late", "2026-11-09", 11)


def test_monitor_checks_shows_every_check_with_a_plugin_among_them(tmp_path):
    done = _monitor(_install(tmp_path), "checks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("budget", "declarations", "extractives", "legal", "tender", "notices"):
        assert f"\n{name}\n{'=' * len(name)}\n" in f"\n{done.stdout}"
    assert "[portals] noticeboard = https://notices.example.mn" in done.stdout
    assert "notices.published: Notice published / Мэдэгдэл нийтлэх" in done.stdout
    assert "Notices published within 5 days of being signed (a plugin's own help text)." in done.stdout
    assert "[portals] cadastre = https://cmcs.mrpam.gov.mn" in done.stdout
    assert "extractives.eiti_report: Yearly EITI report filed / ОҮИТБС-ын жилийн тайлан" in done.stdout
