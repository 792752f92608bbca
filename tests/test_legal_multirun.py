"""Several `monitor check legal --as-of` runs with one database over a changing demo world on
127.0.0.1: findings new, ongoing and resolved as rules.md section 4 says."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from monitor.cli import main
from demo.legal_world import build_legal_world, legal_routes
from demo.server import DemoPortal, Fault

ANCHOR = date(2026, 3, 2)
ACT_RULES = ("legal.act_published", "legal.effective_before_published")

Identity = tuple[str, str, str]


def _run(tmp_path: Path, portal: DemoPortal, as_of: date) -> tuple[int, dict[str, Any]]:
    config = tmp_path / "monitor.toml"
    config.write_text(f"[fetch]\ndelay = 0\nbackoff = 0\nretries = 1\n"
                      f"[portals]\nlegalinfo = \"{portal.url}\"\nparliament = \"{portal.url}\"\n", encoding="utf-8")
    out = io.StringIO()
    code = main(["--config", str(config), "--db", str(tmp_path / "monitor.db"), "check", "legal",
                 "--as-of", as_of.isoformat(), "--json"], stdout=out)
    return code, json.loads(out.getvalue())


def _by_identity(result: dict[str, Any]) -> dict[Identity, dict[str, Any]]:
    return {(f["rule"], f["agency_key"], f["subject"]): f for f in result["findings"]}


def _assert_states_follow(previous: dict[str, Any] | None, current: dict[str, Any]) -> None:
    """rules.md section 4 between two runs on different days, every source read on both."""
    before = _by_identity(previous) if previous else {}
    for identity, finding in _by_identity(current).items():
        was = before.get(identity)
        expected = ("new" if was is None else
                    "resolved" if was["status"] == "missing" and finding["status"] == "late" else "ongoing")
        assert finding["state"] == expected, identity
        assert finding["rechecked"] is True


def _planted(result: dict[str, Any], subject: str) -> dict[str, tuple[str, str]]:
    """The planted subject's findings by rule: (status, state)."""
    return {f["rule"]: (f["status"], f["state"]) for f in result["findings"] if f["subject"] == subject}


def test_findings_live_across_runs_over_a_changing_world(tmp_path):
    world = build_legal_world(ANCHOR)
    planted = world.planted
    with DemoPortal(legal_routes(world)) as portal:
        def run(offset: int) -> tuple[int, dict[str, Any]]:
            world.today = ANCHOR + timedelta(days=offset)
            return _run(tmp_path, portal, world.today)

        # the baseline: nothing from the register's history, nor from a draft submitted before the
        # monitor watched the preparation list
        code, first = run(0)
        assert code == 0
        assert [f for f in first["findings"] if f["rule"] in ACT_RULES] == []
        assert _planted(first, planted["unwatched"]) == {}
        assert _planted(first, planted["never_posted"]) == {}
        assert _planted(first, planted["short_comment"]) == {"legal.draft_comment_period": ("late", "new")}
        assert _planted(first, planted["name_only"]) == {}
        _assert_states_follow(None, first)

        # four days on: the draft that left the preparation list on submission counts as posted
        code, second = run(4)
        assert code == 0
        assert planted["left_preparation"] not in {d.id for d in world.drafts(world.preparation_list)}
        assert planted["left_preparation"] in {d.id for d in world.drafts(world.submitted_list)}
        assert _planted(second, planted["left_preparation"]) == {}
        assert _planted(second, planted["never_posted"]) == {"legal.draft_comment_period": ("missing", "new")}
        assert _planted(second, planted["posted_after"]) == {"legal.draft_comment_period": ("missing", "new")}
        assert _planted(second, planted["unwatched"]) == {}
        _assert_states_follow(first, second)

        # a re-run on the same day repeats the first run of that day, states included
        code, again = run(4)
        assert again == second

        # the draft posted after its submission: the agency caught up, late
        code, third = run(12)
        assert _planted(third, planted["posted_after"]) == {"legal.draft_comment_period": ("late", "resolved")}
        _assert_states_follow(second, third)
        code, fourth = run(13)
        assert _planted(fourth, planted["posted_after"]) == {"legal.draft_comment_period": ("late", "ongoing")}
        _assert_states_follow(third, fourth)

        # the act listed 18 days after enactment, in force before that: late twice, new
        code, fifth = run(21)
        assert _planted(fifth, planted["late_act"]) == {"legal.act_published": ("late", "new"),
                                                        "legal.effective_before_published": ("late", "new")}
        assert _planted(fifth, planted["prompt_act"]) == {}
        assert _planted(fifth, planted["old_act"]) == {}
        _assert_states_follow(fourth, fifth)

        # the register is down: its open findings are carried, not re-checked; the drafts are read
        portal.faults["legal.register"] = Fault(status=503)
        code, sixth = run(22)
        assert code == 3
        assert sixth["sources"] == [
            {"name": "legal.register", "ok": False,
             "error": "HTTP 503 after 2 tries"},
            {"name": "legal.drafts", "ok": True, "error": None}]
        open_before = _by_identity(fifth)
        carried = _by_identity(sixth)
        for identity, finding in open_before.items():
            assert identity in carried
            if identity[0] in ACT_RULES:
                assert (carried[identity]["status"], carried[identity]["state"], carried[identity]["rechecked"]) == (
                    finding["status"], "ongoing", False)
            else:
                assert carried[identity]["rechecked"] is True
        assert {f["rule"] for f in sixth["findings"] if not f["rechecked"]} == set(ACT_RULES)
        def draft_unknowns(result: dict[str, Any]) -> dict[str, int]:  # those submitted before the baseline
            return {row["agency_key"]: row["unknown"] for row in result["agencies"] if row["rule"] not in ACT_RULES}
        assert draft_unknowns(sixth) == draft_unknowns(fifth)  # the register's outage leaves the drafts judged
        assert all(row["unknown"] == row["met"] + row["late"] + row["missing"] + row["pending"] + row["unknown"]
                   for row in sixth["agencies"] if row["rule"] in ACT_RULES)

        # back up: re-checked again, still ongoing
        del portal.faults["legal.register"]
        code, seventh = run(23)
        assert code == 0
        assert _planted(seventh, planted["late_act"]) == {"legal.act_published": ("late", "ongoing"),
                                                          "legal.effective_before_published": ("late", "ongoing")}
        assert all(f["rechecked"] for f in seventh["findings"])
