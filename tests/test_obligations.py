"""monitor/obligations.py: an obligation's status (rules.md section 2) and the figures (section 5)."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from monitor.obligations import AgencyFigures, Obligation, agency_figures, judge, ogp_level

DUE = date(2026, 10, 14)


def _judge(**kw):
    base = dict(rule="tender.result_published", agency="Жишээ газар", agency_key="1990000000101",
                subject="ЖШГ/1/01/01", due=DUE, published=None, as_of=date(2026, 11, 29))
    base.update(kw)
    return judge(**base)


def test_published_on_the_due_date_is_met():
    ob = _judge(published=DUE)
    assert ob.status == "met"
    assert ob.published == DUE
    assert ob.days_late is None and ob.days_overdue is None


def test_published_before_the_due_date_is_met():
    assert _judge(published=date(2026, 10, 1)).status == "met"


def test_published_a_day_after_is_late_by_one_day():
    ob = _judge(published=date(2026, 10, 15))
    assert ob.status == "late"
    assert ob.days_late == 1
    assert ob.published == date(2026, 10, 15)
    assert ob.days_overdue is None


def test_published_later_counts_calendar_days_late():
    assert _judge(published=date(2026, 11, 2)).days_late == 19


def test_not_published_and_past_due_is_missing_with_days_overdue():
    ob = _judge(published=None, as_of=date(2026, 11, 29))
    assert ob.status == "missing"
    assert ob.days_overdue == 46
    assert ob.days_late is None and ob.published is None


def test_not_published_the_day_after_due_is_missing_by_one_day():
    ob = _judge(as_of=date(2026, 10, 15))
    assert (ob.status, ob.days_overdue) == ("missing", 1)


def test_not_published_on_the_due_date_is_pending():
    ob = _judge(as_of=DUE)
    assert ob.status == "pending"
    assert ob.days_overdue is None


def test_not_published_before_the_due_date_is_pending():
    assert _judge(as_of=date(2026, 10, 1)).status == "pending"


def test_unreadable_source_is_unknown():
    ob = _judge(readable=False)
    assert ob.status == "unknown"
    assert ob.days_late is None and ob.days_overdue is None


def test_unreadable_source_is_unknown_even_when_published_late():
    assert _judge(published=date(2026, 10, 20), readable=False).status == "unknown"


def test_baseline_without_a_date_is_met():
    ob = _judge(published=None, baseline=True)
    assert ob.status == "met"
    assert ob.days_overdue is None


def test_published_after_as_of_is_not_yet_published_so_missing():
    ob = _judge(published=date(2026, 11, 1), as_of=date(2026, 10, 20))
    assert ob.status == "missing"
    assert ob.published is None
    assert ob.days_overdue == 6


def test_published_after_as_of_is_not_yet_published_so_pending():
    ob = _judge(published=date(2026, 10, 12), as_of=date(2026, 10, 10))
    assert ob.status == "pending"
    assert ob.published is None


def test_agency_key_and_subject_are_strings():
    ob = _judge(agency_key=1990000000101, subject=42)
    assert ob.agency_key == "1990000000101"
    assert ob.subject == "42"
    assert ob.identity == ("tender.result_published", "1990000000101", "42")


_SUBJECTS = itertools.count()


def _ob(status, rule="tender.result_published", key="1", agency="Газар"):
    return Obligation(rule=rule, agency=agency, agency_key=key, subject=f"s{next(_SUBJECTS)}", due=DUE,
                      status=status)


def test_agency_figures_counts_per_rule_and_agency():
    obs = [_ob("met"), _ob("late"), _ob("missing"), _ob("pending"), _ob("unknown"),
           _ob("met", key="2", agency="Өөр газар"), _ob("met", rule="tender.contract_published")]
    rows = {(r.rule, r.agency_key): r for r in agency_figures(obs)}
    assert set(rows) == {("tender.result_published", "1"), ("tender.result_published", "2"),
                         ("tender.contract_published", "1")}
    row = rows[("tender.result_published", "1")]
    assert row.counts == {"met": 1, "late": 1, "missing": 1, "pending": 1, "unknown": 1}
    assert row.due == 3


def test_on_time_rate_is_none_under_five_due():
    rows = agency_figures([_ob("met")] * 4 + [_ob("pending")] * 10 + [_ob("unknown")] * 10)
    assert rows[0].due == 4
    assert rows[0].on_time_rate is None
    assert rows[0].as_dict()["on_time_rate"] is None


def test_on_time_rate_with_exactly_five_due():
    rows = agency_figures([_ob("met")] * 3 + [_ob("late"), _ob("missing")])
    assert rows[0].on_time_rate == pytest.approx(0.6)


def test_on_time_rate_leaves_out_pending_and_unknown():
    obs = [_ob("met")] * 3 + [_ob("late")] * 2 + [_ob("missing")] + [_ob("pending")] * 7 + [_ob("unknown")] * 5
    [row] = agency_figures(obs)
    assert row.on_time_rate == pytest.approx(3 / 6)


def test_coverage_is_judged_over_in_scope():
    [row] = agency_figures([_ob("met")] * 3 + [_ob("unknown")])
    assert row.coverage == pytest.approx(0.75)


def test_as_dict_has_the_interface_columns():
    [row] = agency_figures([_ob("met")] * 5)
    assert row.as_dict() == {"rule": "tender.result_published", "agency": "Газар", "agency_key": "1",
                             "met": 5, "late": 0, "missing": 0, "pending": 0, "unknown": 0,
                             "on_time_rate": 1.0}


def test_agency_figures_rows_in_stable_order():
    obs = [_ob("met", key="2", agency="Б"), _ob("met", key="1", agency="А"),
           _ob("met", rule="a.rule", key="3", agency="В")]
    assert [(r.rule, r.agency_key) for r in agency_figures(obs)] == [
        ("a.rule", "3"), ("tender.result_published", "1"), ("tender.result_published", "2")]


def test_agency_figures_default_counts_are_independent():
    a, b = AgencyFigures("r", "a", "1"), AgencyFigures("r", "b", "2")
    a.counts["met"] += 1
    assert b.counts["met"] == 0


@pytest.mark.parametrize("rate, level", [
    (1.0, "complete"),
    (0.9, "complete"),
    (0.8999, "substantial"),
    (0.5, "substantial"),
    (0.4999, "limited"),
    (0.0501, "limited"),
    (0.05, "not started"),
    (0.0, "not started"),
    (None, None),
])
def test_ogp_level_thresholds(rate, level):
    assert ogp_level(rate) == level


def test_figures_counted_by_the_store_equal_figures_counted_here():
    from monitor.obligations import figures_from_counts
    from monitor.store import Store
    obs = ([_ob("met") for _ in range(6)] + [_ob("late"), _ob("missing"), _ob("pending"), _ob("unknown")]
           + [_ob("missing", key="2", agency="Өөр газар") for _ in range(3)]
           + [_ob("met", rule="budget.monthly_report") for _ in range(2)])  # one subject each: the store's key
    store = Store(":memory:")
    store.replace_obligations("tender", date(2026, 11, 29), [ob for ob in obs if ob.rule.startswith("tender")])
    store.replace_obligations("budget", date(2026, 11, 29), [ob for ob in obs if ob.rule.startswith("budget")])
    assert ([row.as_dict() for row in figures_from_counts(store.obligation_counts())]
            == [row.as_dict() for row in agency_figures(obs)])
