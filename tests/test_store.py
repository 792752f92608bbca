"""monitor/store.py: the writes of the hot path, in plain SQL, against the schema they assume."""
from __future__ import annotations

from datetime import date

import pytest

from monitor.fetcher import RequestRecord, Validators
from monitor.store import FINDING_COLUMNS, Store


def test_finding_columns_are_the_findings_tables_columns():
    store = Store(":memory:")
    assert FINDING_COLUMNS == tuple(row[1] for row in store.db.execute("pragma table_info(findings)"))


def test_saved_findings_read_back_whole_and_are_replaced_by_identity():
    store = Store(":memory:")
    row = {"rule": "tender.result_published", "agency_key": "1", "subject": "A/1", "check_name": "tender",
           "agency": "Газар", "status": "missing", "due": "2026-11-02", "days_overdue": 27, "state": "new",
           "rechecked": 1, "judged_on": "2026-11-29", "first_raised_on": "2026-11-29", "is_open": 1}
    store.save_findings([row])
    [stored] = store.findings()
    assert {k: stored[k] for k in row} == row and stored["resolved_on"] is None
    store.save_findings([{**stored, "status": "late", "state": "resolved", "resolved_on": "2026-11-30"}])
    [again] = store.findings()
    assert again["status"] == "late" and again["resolved_on"] == "2026-11-30" and again["days_overdue"] == 27


def test_a_request_its_body_and_its_validators_are_kept_once():
    store = Store(":memory:")
    run_id = store.start_run(date(2026, 11, 29), "test")
    record = store.request_recorder(run_id, "tender.results")
    request = RequestRecord("GET", "https://x.test/a", None, 200, 1, 5, 3, None)
    record(request, b"hello")
    record(request, b"hello")
    store.remember("https://x.test/a", Validators('"v1"', None, b"hello"))
    assert store.db.execute("select count(*) from snapshots").fetchone()[0] == 1
    assert store.db.execute("select count(*), count(distinct snapshot) from requests").fetchone() == (2, 1)
    assert store.lookup("https://x.test/a") == Validators('"v1"', None, b"hello")
    store.remember("https://x.test/a", Validators('"v2"', "Sun, 29 Nov 2026 00:00:00 GMT", b"hello again"))
    assert store.lookup("https://x.test/a") == Validators('"v2"', "Sun, 29 Nov 2026 00:00:00 GMT", b"hello again")


def test_a_request_row_is_committed_with_its_pages_records(tmp_path):
    import sqlite3
    store = Store(tmp_path / "m.db")
    run_id = store.start_run(date(2026, 11, 29), "test")
    store.request_recorder(run_id, "tender.results")(
        RequestRecord("GET", "https://x.test/a", None, 200, 1, 5, 3, None), b"hello")
    store.remember("https://x.test/a", Validators('"v1"', None, b"hello"))
    reader = sqlite3.connect(tmp_path / "m.db")
    assert reader.execute("select count(*) from requests").fetchone()[0] == 0   # one commit per page, not three
    store.save_records("tender.result", [("A/1", {"number": "A/1"})], date(2026, 11, 29))
    assert reader.execute("select count(*) from requests").fetchone()[0] == 1
    assert reader.execute("select count(*) from http_cache").fetchone()[0] == 1
    assert reader.execute("select count(*) from records").fetchone()[0] == 1


def test_records_saved_together_are_all_stored_or_none(tmp_path):
    store = Store(tmp_path / "m.db")
    day = date(2026, 11, 29)

    def failing_poll():
        yield "41207", {"polled_on": day.isoformat()}
        raise OSError("the process is going")

    with pytest.raises(OSError):
        store.save_records_together([("budget.posting", [("41207/202610", {"month": 10})]),
                                     ("budget.reports_poll", failing_poll())], day)
    assert store.db.execute("select count(*) from records").fetchone()[0] == 0
    saved = store.save_records_together([("budget.posting", [("41207/202610", {"month": 10})]),
                                         ("budget.reports_poll", [("41207", {"polled_on": day.isoformat()})])], day)
    assert saved == 2
    assert [(kind, key) for kind, key in store.db.execute("select kind, key from records order by kind")] == [
        ("budget.posting", "41207/202610"), ("budget.reports_poll", "41207")]


def test_records_with_fields_hold_only_those_fields_as_stored(tmp_path):
    store = Store(tmp_path / "m.db")
    store.save_records("k", [("a", {"name": "Сангийн яам", "years": [2024, 2025], "n": 3, "big": "x" * 1000}),
                             ("b", {"name": "Гаалийн ерөнхий газар", "n": None})], date(2026, 11, 30))
    picked = store.records("k", ("name", "years", "n"))
    assert picked["a"].data == {"name": "Сангийн яам", "years": [2024, 2025], "n": 3}
    assert picked["b"].data == {"name": "Гаалийн ерөнхий газар", "years": None, "n": None}
    assert picked["a"].first_seen == store.records("k")["a"].first_seen == date(2026, 11, 30)
    assert store.records("k")["a"].data["big"] == "x" * 1000  # without fields, the whole record
    store.close()


def test_records_joined_by_key_give_each_record_of_the_first_kind_beside_the_others_or_none(tmp_path):
    store = Store(tmp_path / "m.db")
    day = date(2026, 11, 30)
    store.save_records("tender.invitation", [("T-1", {"agency": "Сангийн яам", "client_id": "7", "x": 1}),
                                             ("T-2", {"agency": "Сангийн яам", "client_id": None}),
                                             ("T-3", {"agency": "Гаалийн ерөнхий газар"})], day)
    store.save_records("tender.result", [("T-3", {"notice_date": "2026-11-02", "big": "x" * 100}),
                                         ("T-1", {"notice_date": "2026-11-01"}),
                                         ("T-9", {"notice_date": "2026-11-09"})], date(2026, 12, 1))
    store.save_records("tender.contract", [("T-1", {"published": "2026-11-20"})], day)
    joined = list(store.iter_joined(("tender.invitation", ("agency", "client_id")), ("tender.result", ("notice_date",)),
                                    ("tender.contract", None)))
    assert [tuple(r and (r.key, r.data) for r in row) for row in joined] == [
        (("T-1", {"agency": "Сангийн яам", "client_id": "7"}), ("T-1", {"notice_date": "2026-11-01"}),
         ("T-1", {"published": "2026-11-20"})),
        (("T-2", {"agency": "Сангийн яам", "client_id": None}), None, None),
        (("T-3", {"agency": "Гаалийн ерөнхий газар", "client_id": None}), ("T-3", {"notice_date": "2026-11-02"}), None),
    ]  # by the first kind's key; T-9 has no invitation, so it is in no row
    assert joined[0][1].first_seen == date(2026, 12, 1) and joined[0][0].first_seen == day
    assert joined[0][0].data["agency"] is joined[1][0].data["agency"]  # a picked text many hold is one object
    assert [r.key for r in store.iter_records("tender.result")] == ["T-1", "T-3", "T-9"]
    store.close()


def test_finding_rows_read_with_columns_hold_only_those(tmp_path):
    store = Store(tmp_path / "m.db")
    row = {"rule": "r.x", "agency_key": "a", "subject": "s", "check_name": "r", "agency": "A", "status": "missing",
           "due": "2026-11-01", "state": "new", "rechecked": 1, "judged_on": "2026-11-30",
           "first_raised_on": "2026-11-30", "is_open": 1}
    store.save_findings([row, {**row, "subject": "t"}])
    [first, second] = store.findings(columns=("subject", "status", "due"))
    assert first == {"subject": "s", "status": "missing", "due": "2026-11-01"}
    assert first["due"] is second["due"]  # shared, not one copy a row
    store.close()
