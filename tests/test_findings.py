"""monitor/findings.py: the life of a finding (rules.md section 4, interface.md `findings`).

The runs are replayed the way monitor.runner does it: the stored rows handed to update_findings
are those `rows_to_judge` picks, and the result is saved in a real Store.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from monitor.findings import LEFT_SCOPE, finding_json, rows_to_judge, update_findings
from monitor.obligations import judge
from monitor.store import Store

RULE = "tender.result_published"
KEY = "1990000000101"
SUBJECT = "ЖШГ/20260801000/01/01"
DUE = date(2026, 10, 14)
D1, D2, D3, D4 = (date(2026, 11, 2) + timedelta(days=n) for n in range(4))
IDENTITY = (RULE, KEY, SUBJECT)


def ob(as_of, published=None, readable=True, subject=SUBJECT, key=KEY):
    return judge(rule=RULE, agency="Жишээ аймгийн Боловсролын газар", agency_key=key, subject=subject,
                 due=DUE, published=published, as_of=as_of, readable=readable,
                 evidence_url="https://tender.test/mn/result/?year=2026")


class Life:
    """Successive runs of one check against one store."""

    def __init__(self, path):
        self.store = Store(path)

    def run(self, as_of, obligations):
        stored = rows_to_judge(self.store.findings("tender", open_only=False), as_of)
        rows = update_findings("tender", as_of, obligations, stored)
        self.store.save_findings(rows)
        return {(r["rule"], r["agency_key"], r["subject"]): r for r in rows}

    def open_json(self, rows):
        return [finding_json(r) for r in rows.values() if r["is_open"]]


@pytest.fixture
def life(tmp_path):
    return Life(tmp_path / "monitor.db")


def test_first_missing_is_new(life):
    rows = life.run(D1, [ob(D1)])
    row = rows[IDENTITY]
    assert row["is_open"] == 1
    assert row["status"] == "missing"
    assert row["state"] == "new"
    assert row["days_overdue"] == (D1 - DUE).days
    assert row["first_raised_on"] == D1.isoformat()
    [out] = life.open_json(rows)
    assert out["state"] == "new" and out["rechecked"] is True
    assert out["subject"] == SUBJECT and out["agency_key"] == KEY
    assert out["due"] == DUE.isoformat() and out["published"] is None


def test_first_late_is_new(life):
    rows = life.run(D1, [ob(D1, published=date(2026, 10, 20))])
    assert (rows[IDENTITY]["status"], rows[IDENTITY]["state"], rows[IDENTITY]["days_late"]) == ("late", "new", 6)


def test_missing_again_next_day_is_ongoing(life):
    life.run(D1, [ob(D1)])
    rows = life.run(D2, [ob(D2)])
    assert rows[IDENTITY]["state"] == "ongoing"
    assert rows[IDENTITY]["status"] == "missing"
    assert rows[IDENTITY]["days_overdue"] == (D2 - DUE).days
    assert rows[IDENTITY]["first_raised_on"] == D1.isoformat()


def test_missing_then_late_is_resolved_then_ongoing(life):
    life.run(D1, [ob(D1)])
    published = D2
    rows = life.run(D2, [ob(D2, published=published)])
    assert rows[IDENTITY]["status"] == "late"
    assert rows[IDENTITY]["state"] == "resolved"
    assert rows[IDENTITY]["days_late"] == (published - DUE).days
    assert rows[IDENTITY]["is_open"] == 1
    rows = life.run(D3, [ob(D3, published=published)])
    assert rows[IDENTITY]["status"] == "late"
    assert rows[IDENTITY]["state"] == "ongoing"


def test_same_day_rerun_repeats_new(life):
    first = life.open_json(life.run(D1, [ob(D1)]))
    again = life.open_json(life.run(D1, [ob(D1)]))
    assert again == first
    assert again[0]["state"] == "new"


def test_same_day_rerun_repeats_ongoing(life):
    life.run(D1, [ob(D1)])
    first = life.open_json(life.run(D2, [ob(D2)]))
    again = life.open_json(life.run(D2, [ob(D2)]))
    assert again == first
    assert again[0]["state"] == "ongoing"


def test_same_day_rerun_repeats_resolved(life):
    life.run(D1, [ob(D1)])
    first = life.open_json(life.run(D2, [ob(D2, published=D2)]))
    again = life.open_json(life.run(D2, [ob(D2, published=D2)]))
    assert again == first
    assert again[0]["state"] == "resolved"
    third = life.open_json(life.run(D2, [ob(D2, published=D2)]))
    assert third == first


def test_same_day_rerun_does_not_double_a_finding(life):
    life.run(D1, [ob(D1)])
    life.run(D1, [ob(D1)])
    assert len(life.store.findings("tender", open_only=False)) == 1


def test_source_failure_carries_open_finding_as_last_judged(life):
    life.run(D1, [ob(D1)])
    rows = life.run(D2, [ob(D2, readable=False)])
    row = rows[IDENTITY]
    assert row["is_open"] == 1
    assert row["status"] == "missing"
    assert row["days_overdue"] == (D1 - DUE).days  # as last judged
    assert row["state"] == "ongoing"
    assert row["rechecked"] == 0
    [out] = life.open_json(rows)
    assert out["rechecked"] is False
    assert out["state"] == "ongoing"
    assert out["status"] == "missing"


def test_source_failure_carries_a_late_finding_as_late(life):
    life.run(D1, [ob(D1, published=date(2026, 10, 20))])
    rows = life.run(D2, [ob(D2, published=date(2026, 10, 20), readable=False)])
    out = life.open_json(rows)[0]
    assert (out["status"], out["state"], out["rechecked"], out["days_late"]) == ("late", "ongoing", False, 6)


def test_only_an_unknown_obligation_carries_a_finding_one_not_produced_closes(life):
    """A check judges every stored item (unknown when unread); an obligation it no longer produces
    has left scope, whatever else failed, and its finding closes (rules.md s.4: 'that depends on it')."""
    life.run(D1, [ob(D1)])
    rows = life.run(D2, [])
    assert life.open_json(rows) == [] and rows[IDENTITY]["is_open"] == 0


def test_finding_carried_over_two_failing_days_stays_missing(life):
    life.run(D1, [ob(D1)])
    life.run(D2, [ob(D2, readable=False)])
    rows = life.run(D3, [ob(D3, readable=False)])
    assert (rows[IDENTITY]["status"], rows[IDENTITY]["state"], rows[IDENTITY]["rechecked"]) == ("missing", "ongoing", 0)


def test_same_day_rerun_of_a_failing_run_repeats_it(life):
    life.run(D1, [ob(D1)])
    first = life.open_json(life.run(D2, [ob(D2, readable=False)]))
    again = life.open_json(life.run(D2, [ob(D2, readable=False)]))
    assert again == first


def test_rechecked_again_after_the_source_is_back(life):
    life.run(D1, [ob(D1)])
    life.run(D2, [ob(D2, readable=False)])
    rows = life.run(D3, [ob(D3)])
    assert (rows[IDENTITY]["state"], rows[IDENTITY]["rechecked"]) == ("ongoing", 1)
    assert rows[IDENTITY]["days_overdue"] == (D3 - DUE).days


def test_missing_then_failure_then_late_is_resolved(life):
    life.run(D1, [ob(D1)])
    life.run(D2, [ob(D2, readable=False)])
    rows = life.run(D3, [ob(D3, published=D3)])
    assert (rows[IDENTITY]["status"], rows[IDENTITY]["state"]) == ("late", "resolved")


def test_failing_same_day_rerun_keeps_a_finding_raised_that_day(life):
    life.run(D1, [ob(D1)])
    rows = life.run(D1, [ob(D1, readable=False)])
    row = rows[IDENTITY]
    assert row["is_open"] == 1
    assert row["status"] == "missing"
    assert row["rechecked"] == 0
    assert row["state"] == "ongoing"


def test_no_new_finding_from_unknown(life):
    rows = life.run(D1, [ob(D1, readable=False)])
    assert IDENTITY not in rows
    assert life.store.findings("tender", open_only=False) == []


def test_no_finding_from_pending_or_met(life):
    rows = life.run(D1, [ob(DUE), ob(D1, published=DUE, subject="other")])
    assert rows == {}


def test_finding_whose_obligation_becomes_met_is_no_longer_open(life):
    life.run(D1, [ob(D1)])
    # the portal now shows the item with its own date, on time
    rows = life.run(D2, [ob(D2, published=DUE)])
    assert rows[IDENTITY]["is_open"] == 0
    assert life.open_json(rows) == []
    assert life.store.findings("tender") == []
    assert life.run(D3, [ob(D3, published=DUE)]) == {}


def test_finding_out_of_scope_without_failure_is_closed(life):
    life.run(D1, [ob(D1)])
    rows = life.run(D2, [])
    assert rows[IDENTITY]["is_open"] == 0


def test_identity_is_rule_agency_key_and_subject(life):
    rows = life.run(D1, [ob(D1), ob(D1, key="1990000000102")])
    assert set(rows) == {IDENTITY, (RULE, "1990000000102", SUBJECT)}
    assert all(r["state"] == "new" for r in rows.values())


# leaving the scope (issue 14, item 3b): never silently, and back as it was

def test_a_finding_whose_obligation_leaves_the_scope_is_closed_as_left_scope(life):
    life.run(D1, [ob(D1)])
    rows = life.run(D2, [])
    row = rows[IDENTITY]
    assert (row["is_open"], row["state"], row["status"]) == (0, LEFT_SCOPE, "missing")
    assert life.open_json(rows) == []
    assert life.run(D2, [])[IDENTITY]["state"] == LEFT_SCOPE  # a same-day re-run says the same
    assert life.run(D3, []) == {}  # later nights leave it as it was
    assert life.store.findings("tender", open_only=False)[0]["judged_on"] == D2.isoformat()


def test_a_finding_whose_obligation_returns_resumes_its_identity_and_first_raised_on(life):
    life.run(D1, [ob(D1)])
    life.run(D2, [])
    row = life.run(D3, [ob(D3)])[IDENTITY]
    assert (row["is_open"], row["state"], row["first_raised_on"]) == (1, "ongoing", D1.isoformat())


def test_a_finding_that_returns_published_is_caught_up(life):
    life.run(D1, [ob(D1)])
    life.run(D2, [])
    row = life.run(D4, [ob(D4, published=D3)])[IDENTITY]
    assert (row["status"], row["state"], row["first_raised_on"]) == ("late", "resolved", D1.isoformat())
