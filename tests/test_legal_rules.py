"""The legal rules (rules.md section 3, "Legal register"), run through `monitor check legal --json`
over hand-built worlds served by the demo portal on 127.0.0.1."""
from __future__ import annotations

import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

from checks.legal import LegalCheck
from monitor.cli import main
from monitor.config import parse_config
from demo.legal_world import Act, Creator, Draft, LegalWorld, legal_routes
from demo.server import DemoPortal, Fault
from monitor.errors import ConfigError
from monitor.store import Store

BASELINE = date(2026, 3, 2)  # a Monday: the first run of every test
GOVERNMENT = Creator(99001, "Засгийн газар")
MP = Creator(99101, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан")


class Monitor:
    """One database and one fake portal: `run(on)` moves the world to the day `on` and runs the check."""

    def __init__(self, tmp_path: Path, world: LegalWorld, portal: DemoPortal) -> None:
        self.tmp_path, self.world, self.portal = tmp_path, world, portal
        self.legal: dict[str, Any] = {}

    def run(self, on: date) -> tuple[int, dict[str, Any]]:
        self.world.today = on
        config = self.tmp_path / "monitor.toml"
        legal = "".join(f"{key} = {json.dumps(value)}\n" for key, value in self.legal.items())
        config.write_text(f"[fetch]\ndelay = 0\nbackoff = 0\nretries = 1\n"
                          f"[portals]\nlegalinfo = \"{self.portal.url}\"\nparliament = \"{self.portal.url}\"\n"
                          f"[checks.legal]\n{legal}", encoding="utf-8")
        out = io.StringIO()
        code = main(["--config", str(config), "--db", str(self.tmp_path / "monitor.db"), "check", "legal",
                     "--as-of", on.isoformat(), "--json"], stdout=out)
        return code, json.loads(out.getvalue())


@pytest.fixture
def monitor(tmp_path: Path) -> Iterator[Monitor]:
    world = LegalWorld(BASELINE)
    with DemoPortal(legal_routes(world)) as portal:
        yield Monitor(tmp_path, world, portal)


def day(text: str) -> date:
    return date.fromisoformat(text)


def act(law_id: int, enacted: str, appears: str, enforcement: str | None = None, category: int = 27) -> Act:
    return Act(law_id, category, f"Жишээ акт {law_id}", "Төрийн мэдээлэл эмхэтгэл: 2026 он, №9", day(enacted),
               day(enforcement) if enforcement else None, day(appears))


def draft(draft_id: str, name: str, posted: str, law_date: str | None = None, leaves: str | None = None,
          creator: Creator = GOVERNMENT) -> Draft:
    return Draft(draft_id, name, creator, datetime.combine(day(posted), time(10)),
                 day(law_date) if law_date else None, day(leaves) if leaves else None)


def submitted(draft_id: str, name: str, law_date: str, creator: Creator = GOVERNMENT) -> Draft:
    """A draft in the submitted list, listed from its lawDate on."""
    return draft(draft_id, name, law_date, law_date=law_date, creator=creator)


def findings(result: dict[str, Any], rule: str) -> dict[str, dict[str, Any]]:
    return {f["subject"]: f for f in result["findings"] if f["rule"] == rule}


def counts(result: dict[str, Any], rule: str) -> dict[str, int]:
    """Obligations of one rule by status, summed over agencies."""
    total = dict.fromkeys(("met", "late", "missing", "pending", "unknown"), 0)
    for row in result["agencies"]:
        if row["rule"] == rule:
            for status in total:
                total[status] += row[status]
    return total


# legal.act_published and legal.effective_before_published

def test_the_first_run_flags_nothing_from_history(monitor):
    monitor.world.acts += [
        act(1, "2024-05-01", "2026-02-20", enforcement="2024-05-01"),  # listed two years late, in force long before
        act(2, "2025-12-01", "2026-03-01", enforcement="2025-12-01", category=33),
        act(3, "2026-03-02", "2026-03-02", enforcement="2026-02-25"),  # enacted on the baseline, retroactive
    ]
    code, result = monitor.run(BASELINE)
    assert code == 0
    assert result["findings"] == []
    assert counts(result, "legal.act_published") == {"met": 1, "late": 0, "missing": 0, "pending": 0, "unknown": 0}
    assert counts(result, "legal.effective_before_published")["met"] == 1
    assert counts(result, "legal.effective_before_published")["late"] == 0


def test_an_act_seen_on_a_later_run_past_its_due_date_is_late(monitor):
    monitor.world.acts += [
        act(10, "2026-03-04", "2026-03-18"),  # due 2026-03-14 is a Saturday: rolled to Monday 16th
        act(11, "2026-03-04", "2026-03-16", category=33),  # listed on the rolled due date
    ]
    monitor.run(BASELINE)
    code, result = monitor.run(day("2026-03-16"))
    assert findings(result, "legal.act_published") == {}
    assert counts(result, "legal.act_published")["met"] == 1
    code, result = monitor.run(day("2026-03-18"))
    assert code == 0
    assert findings(result, "legal.act_published") == {"10": {
        "rule": "legal.act_published", "agency": "Улсын Их Хурал", "agency_key": "Улсын Их Хурал",
        "agency_id": "parliament", "subject": "10",
        "status": "late", "due": "2026-03-16", "published": "2026-03-18", "days_late": 2, "days_overdue": None,
        "state": "new", "rechecked": True, "evidence": {"url": f"{monitor.portal.url}/mn/detail?lawId=10"}}}


def test_an_act_in_force_before_the_monitor_first_saw_it_is_late(monitor):
    monitor.world.acts += [
        act(20, "2026-03-03", "2026-03-09", enforcement="2026-03-05"),  # in force 4 days before it was listed
        act(21, "2026-03-03", "2026-03-09", enforcement="2026-04-01"),  # not yet in force when seen: met
        act(22, "2026-03-03", "2026-03-09", enforcement="2026-03-09"),  # in force the day it was listed: met
        act(23, "2026-03-03", "2026-03-09"),  # no enforcement date: no obligation
    ]
    monitor.run(BASELINE)
    code, result = monitor.run(day("2026-03-09"))
    late = findings(result, "legal.effective_before_published")
    assert list(late) == ["20"]
    assert {k: late["20"][k] for k in ("status", "due", "published", "days_late", "state")} == {
        "status": "late", "due": "2026-03-05", "published": "2026-03-09", "days_late": 4, "state": "new"}
    assert counts(result, "legal.effective_before_published") == {
        "met": 2, "late": 1, "missing": 0, "pending": 0, "unknown": 0}
    assert counts(result, "legal.act_published")["met"] == 4


def test_an_act_stays_judged_as_first_seen_on_later_runs(monitor):
    monitor.world.acts.append(act(20, "2026-03-03", "2026-03-09", enforcement="2026-03-05"))
    monitor.run(BASELINE)
    monitor.run(day("2026-03-09"))
    code, result = monitor.run(day("2026-03-20"))
    [finding] = findings(result, "legal.effective_before_published").values()
    assert (finding["published"], finding["days_late"], finding["state"]) == ("2026-03-09", 4, "ongoing")


def test_the_agency_is_the_issuing_body_of_the_category(monitor):
    monitor.legal["categories"] = [27, 28, 33, 34, 35, 41]
    monitor.world.acts += [act(n, "2026-03-03", "2026-03-25", category=n) for n in (27, 28, 33, 34, 35, 41)]
    monitor.run(BASELINE)
    code, result = monitor.run(day("2026-03-25"))
    found = findings(result, "legal.act_published")
    agencies = {subject: (f["agency"], f["agency_key"]) for subject, f in found.items()}
    assert agencies == {"27": ("Улсын Их Хурал", "Улсын Их Хурал"), "28": ("Улсын Их Хурал", "Улсын Их Хурал"),
                        "33": ("Засгийн газар", "Засгийн газар"), "34": ("Яамд", "Яамд"),
                        "35": ("Агентлагууд", "Агентлагууд"), "41": ("unknown", "category-41")}


def test_acts_of_categories_not_configured_are_not_judged(monitor):
    monitor.legal["categories"] = [27]
    monitor.world.acts += [act(1, "2026-03-03", "2026-03-25", category=27),
                           act(2, "2026-03-03", "2026-03-25", category=33)]
    monitor.run(BASELINE)
    code, result = monitor.run(day("2026-03-25"))
    assert list(findings(result, "legal.act_published")) == ["1"]
    assert all("filtercategorytypeid" not in target for _, target in monitor.portal.requests)  # form, not query


def test_where_the_monitor_did_not_look_deep_enough_the_status_is_unknown(monitor):
    """With a 5-day look-back the run on 9 March stops before two acts enacted on 2 March that
    appeared on the 7th; the weekly full walk on the 12th finds them. The act in force on the 8th
    may have been listed before it (unknown); the one in force on the 4th was not (late)."""
    monitor.legal.update(categories=[27], lookback_days=5)
    newer = [act(100 + n, f"2026-03-0{6 + n % 3}", f"2026-03-0{6 + n % 3}") for n in range(20)]
    older = [act(200 + n, "2026-03-03", "2026-03-03") for n in range(20)]
    monitor.world.acts += [*newer, *older,
                           act(50, "2026-03-02", "2026-03-07", enforcement="2026-03-08"),
                           act(51, "2026-03-02", "2026-03-07", enforcement="2026-03-04")]
    hits = []
    for run_day in ("2026-03-02", "2026-03-05", "2026-03-09", "2026-03-12"):
        before = monitor.portal.hits["legal.register"]
        code, result = monitor.run(day(run_day))
        hits.append(monitor.portal.hits["legal.register"] - before)
    assert hits == [1, 2, 2, 4]  # full (empty), to the end, stopped after page 2, full
    assert list(findings(result, "legal.effective_before_published")) == ["51"]
    assert findings(result, "legal.effective_before_published")["51"]["days_late"] == 8
    assert counts(result, "legal.effective_before_published") == {
        "met": 0, "late": 1, "missing": 0, "pending": 0, "unknown": 1}
    assert counts(result, "legal.act_published") == {"met": 42, "late": 0, "missing": 0, "pending": 0, "unknown": 0}


def test_the_register_is_walked_in_full_weekly_and_shallow_in_between(monitor):
    monitor.legal["categories"] = [33]
    monitor.world.acts += [act(1000 + n, (date(2022, 1, 3) + timedelta(days=9 * n)).isoformat(),
                               (date(2022, 1, 5) + timedelta(days=9 * n)).isoformat(), category=33)
                           for n in range(100)]  # 5 pages, every act enacted before the baseline
    hits = []
    for offset in (0, 1, 2, 6, 7, 8):
        before = monitor.portal.hits["legal.register"]
        monitor.run(BASELINE + timedelta(days=offset))
        hits.append(monitor.portal.hits["legal.register"] - before)
    assert hits == [6, 1, 1, 1, 6, 1]
    assert {method for method, target in monitor.portal.requests if "ajaxListBody" in target} == {"POST"}


def test_a_changed_register_layout_fails_the_source_and_keeps_what_was_stored(monitor):
    monitor.world.acts.append(act(20, "2026-03-03", "2026-03-09", enforcement="2026-03-05"))
    monitor.run(BASELINE)
    monitor.run(day("2026-03-09"))
    maintenance = json.dumps({"Html": "<p>Засвар хийгдэж байна</p>"}).encode()
    monitor.portal.faults["legal.register"] = Fault(body=maintenance, content_type="application/json")
    code, result = monitor.run(day("2026-03-10"))
    assert code == 3
    assert result["sources"][0] == {"name": "legal.register", "ok": False,
                                    "error": "layout changed: no div.legal-list-component in the register's Html"}
    [finding] = findings(result, "legal.effective_before_published").values()
    assert (finding["status"], finding["state"], finding["rechecked"]) == ("late", "ongoing", False)
    assert counts(result, "legal.effective_before_published")["unknown"] == 1
    store = Store(monitor.tmp_path / "monitor.db")
    assert store.records("legal.act")["20"].first_seen == day("2026-03-09")
    store.close()


def test_an_unreadable_date_is_noted_and_never_taken_for_no_date(monitor):
    monitor.legal["categories"] = [27]
    monitor.run(BASELINE)
    rows = [("1", "2026.03.03", "тодорхойгүй"), ("2", "3-р сар", "2026-03-03")]
    html = "".join(
        f'<div class="legal-list-component"><div data-block="title"><a class="act-name" '
        f'href="https://legalinfo.mn/mn/detail?lawId={law_id}">Акт</a></div>'
        f'<div data-block="enacteddate"><span>{enacted}</span></div>'
        f'<div data-block="enforcementdate"><span>{enforcement}</span></div><div data-block="inactive"></div></div>'
        for law_id, enacted, enforcement in rows)
    monitor.portal.faults["legal.register"] = Fault(times=1, body=json.dumps({"Html": html}).encode(),
                                                    content_type="application/json")
    code, result = monitor.run(day("2026-03-20"))
    assert code == 0
    assert result["notes"] == [
        {"source": "legal.register", "message": "act 1 (category 27): unreadable enforcementdate 'тодорхойгүй'; "
                                                "legal.effective_before_published does not judge it"},
        {"source": "legal.register", "message": "act 2 (category 27): unreadable enacteddate '3-р сар'; "
                                                "the act is not judged"}]
    assert list(findings(result, "legal.act_published")) == ["1"]
    assert counts(result, "legal.effective_before_published") == dict.fromkeys(
        ("met", "late", "missing", "pending", "unknown"), 0)


def test_a_posting_with_an_unreadable_date_leaves_its_submission_unknown(monitor):
    posting = {"id": "u-1", "name": "А тухай хуулийн төсөл", "lawDate": None, "publishDate": "01 Feb 2026",
               "creator": {"id": 99001, "name": "Засгийн газар"}}
    monitor.portal.faults["legal.drafts"] = Fault(times=1, body=json.dumps({"count": 1, "list": [posting]}).encode(),
                                                  content_type="application/json")
    monitor.world.submitted.append(submitted("u-1", "А тухай хуулийн төсөл", "2026-02-25"))
    code, result = monitor.run(BASELINE)
    assert result["notes"] == [{"source": "legal.drafts", "message": "draft u-1: unreadable publishDate '01 Feb 2026'"}]
    assert findings(result, "legal.draft_comment_period") == {}
    assert counts(result, "legal.draft_comment_period")["unknown"] == 1


# legal.draft_comment_period

NAME = "“Шилэн дансны тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл"


def test_a_draft_matched_by_normalised_name_only_counts_as_posted(monitor):
    monitor.world.preparation += [draft("p-1", NAME, "2026-01-05"),
                                  draft("p-2", "“Төсвийн тухай хууль”-д өөрчлөлт оруулах тухай хуулийн төсөл",
                                        "2026-02-10")]
    monitor.run(BASELINE)
    monitor.world.submitted += [
        submitted("s-1", "«ШИЛЭН  дансны тухай хууль» -д нэмэлт оруулах тухай хуулийн төсөл", "2026-03-02"),
        submitted("s-2", "‟Төсвийн тухай хууль‟-д өөрчлөлт оруулах тухай  Хуулийн Төсөл", "2026-03-02"),
        submitted("s-3", "Төсвийн тухай хуулийн төсөл", "2026-03-02"),  # another draft: never posted
    ]
    code, result = monitor.run(day("2026-03-03"))
    assert code == 0
    found = findings(result, "legal.draft_comment_period")
    assert sorted(found) == ["s-2", "s-3"]
    assert {k: found["s-2"][k] for k in ("status", "due", "published", "days_late")} == {
        "status": "late", "due": "2026-01-31", "published": "2026-02-10", "days_late": 10}
    assert found["s-3"]["status"] == "missing"
    assert counts(result, "legal.draft_comment_period")["met"] == 1


def test_a_posting_submitted_under_its_own_id_is_not_matched_by_name_to_another(monitor):
    monitor.world.preparation.append(draft("p-2025", NAME, "2025-04-01"))
    monitor.world.submitted.append(submitted("p-2025", NAME, "2025-06-01"))  # last year's amendment, same name
    monitor.run(BASELINE)
    monitor.world.submitted.append(submitted("s-2026", NAME, "2026-03-02"))  # this year's, never posted
    code, result = monitor.run(day("2026-03-03"))
    found = findings(result, "legal.draft_comment_period")
    assert list(found) == ["s-2026"] and found["s-2026"]["status"] == "missing"


def test_a_draft_that_left_the_preparation_list_still_counts_as_posted(monitor):
    monitor.world.preparation.append(draft("d-1", NAME, "2026-02-01", leaves="2026-03-05"))
    monitor.world.submitted.append(submitted("d-1", NAME, "2026-03-05"))
    monitor.run(BASELINE)
    code, result = monitor.run(day("2026-03-06"))
    assert monitor.world.drafts(monitor.world.preparation_list) == []
    assert findings(result, "legal.draft_comment_period") == {}
    assert counts(result, "legal.draft_comment_period")["met"] == 1


def test_a_draft_never_posted_is_missing(monitor):
    monitor.run(BASELINE)
    monitor.world.submitted += [submitted("n-1", "Жижиг дунд үйлдвэрийн тухай хуулийн төсөл", "2026-03-02", MP),
                                submitted("n-2", "Зөвшөөрлийн тухай хуулийн төсөл", "2026-03-03",
                                          Creator(None, " Хууль зүй,  дотоод хэргийн яам "))]
    code, result = monitor.run(day("2026-03-04"))
    found = findings(result, "legal.draft_comment_period")
    assert found["n-1"] == {
        "rule": "legal.draft_comment_period", "agency": MP.name, "agency_key": "99101", "agency_id": "legal-99101",
        "subject": "n-1",
        "status": "missing", "due": "2026-01-31", "published": None, "days_late": None, "days_overdue": 32,
        "state": "new", "rechecked": True, "evidence": {"url": None}}
    assert (found["n-2"]["agency"], found["n-2"]["agency_key"]) == ("Хууль зүй, дотоод хэргийн яам",
                                                                     "Хууль зүй, дотоод хэргийн яам")


def test_a_draft_submitted_before_the_drafts_were_first_read_and_never_posted_is_unknown(monitor):
    # It may have left the preparation list before the monitor watched: unknown, for good.
    monitor.world.submitted.append(submitted("old", "Жижиг дунд үйлдвэрийн тухай хуулийн төсөл", "2026-03-01", MP))
    for on in (BASELINE, day("2026-04-15")):
        code, result = monitor.run(on)
        assert findings(result, "legal.draft_comment_period") == {}
        assert counts(result, "legal.draft_comment_period")["unknown"] == 1


def test_the_comment_window_includes_both_ends(monitor):
    monitor.world.submitted += [submitted("edge", "А тухай хуулийн төсөл", "2025-03-02"),  # exactly 365 days before
                                submitted("outside", "Б тухай хуулийн төсөл", "2025-03-01"),
                                submitted("today", "В тухай хуулийн төсөл", "2026-03-02")]
    code, result = monitor.run(BASELINE)
    # "edge" is in the window but submitted before the drafts were first read: unknown
    assert sorted(findings(result, "legal.draft_comment_period")) == ["today"]
    assert counts(result, "legal.draft_comment_period") == {"met": 0, "late": 0, "missing": 1, "pending": 0,
                                                             "unknown": 1}


def test_the_comment_due_date_is_not_rolled_even_on_a_holiday(monitor):
    # 30 days before 13 August 2026 is 14 July, a Naadam holiday: the due date stays there.
    monitor.world.preparation += [draft("h-1", "А тухай хуулийн төсөл", "2026-07-15"),
                                  draft("h-2", "Б тухай хуулийн төсөл", "2026-07-14")]
    monitor.world.submitted += [submitted("h-1", "А тухай хуулийн төсөл", "2026-08-13"),
                                submitted("h-2", "Б тухай хуулийн төсөл", "2026-08-13")]
    code, result = monitor.run(day("2026-08-20"))
    found = findings(result, "legal.draft_comment_period")
    assert list(found) == ["h-1"]
    assert (found["h-1"]["due"], found["h-1"]["days_late"]) == ("2026-07-14", 1)


def test_a_failed_draft_source_raises_nothing_new_and_carries_what_was_open(monitor):
    monitor.run(BASELINE)
    monitor.world.submitted.append(submitted("n-1", "А тухай хуулийн төсөл", "2026-03-02"))
    monitor.run(day("2026-03-03"))
    monitor.world.submitted.append(submitted("n-2", "Б тухай хуулийн төсөл", "2026-03-03"))
    monitor.portal.faults["legal.drafts"] = Fault(status=503)
    code, result = monitor.run(day("2026-03-04"))
    assert code == 3
    assert result["sources"][1] == {"name": "legal.drafts", "ok": False,
                                    "error": "HTTP 503 after 2 tries"}
    found = findings(result, "legal.draft_comment_period")
    assert list(found) == ["n-1"]
    assert (found["n-1"]["status"], found["n-1"]["state"], found["n-1"]["rechecked"]) == ("missing", "ongoing", False)


# configuration

@pytest.mark.parametrize("legal, message", [
    ({"categories": [27, "28"]}, "checks.legal.categories: '28' is not a category id"),
    ({"categories": [0]}, "checks.legal.categories: 0 is not a category id"),
    ({"publish_due_days": -1}, "checks.legal.publish_due_days: must not be negative"),
    ({"lookback_days": -5}, "checks.legal.lookback_days: must not be negative"),
    ({"preparation_list": " "}, "checks.legal.preparation_list: must name a list id"),
    ({"submitted_list": "eb5c6c00-0000-4000-8000-000000000001"},
     "checks.legal.submitted_list: must differ from preparation_list"),
    ({"full_walk_days": "weekly"}, "checks.legal.full_walk_days: expected an integer, got 'weekly'"),
])
def test_bad_configuration_is_named(legal, message):
    with pytest.raises(ConfigError, match=f"^{message}$"):
        parse_config({"checks": {"legal": legal}}, {"legal": LegalCheck})


def test_the_defaults_are_interface_md_plus_the_paging_keys():
    assert parse_config({}, {"legal": LegalCheck}).checks["legal"] == {
        "categories": [27, 28, 33], "publish_due_days": 10, "comment_days": 30, "window_days": 365,
        "preparation_list": "eb5c6c00-0000-4000-8000-000000000001",
        "submitted_list": "6101970e-2fb0-4394-8113-db13d7374fb6", "lookback_days": 365, "full_walk_days": 7}
