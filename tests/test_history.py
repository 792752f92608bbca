"""monitor.history: on-time rate by month of the due date, per agency and rule, and its direction."""
from __future__ import annotations

from datetime import date

from monitor.agencies import rebuild_agencies
from monitor.history import History, Month, agency_history, last_months
from monitor.obligations import judge
from monitor.registry import available_checks
from monitor.store import Store

AS_OF = date(2026, 11, 30)


def month_of(rule: str, agency: str, key: str, year: int, month: int, met: int, late: int, missing: int,
             pending: int = 0) -> list:
    """Obligations due on the 10th of a month: `met` on time, `late` a day late, `missing` unpublished."""
    due = date(year, month, 10)
    rows = []
    for index, published in enumerate([due] * met + [date(year, month, 11)] * late + [None] * missing):
        rows.append(judge(rule=rule, agency=agency, agency_key=key, subject=f"{key}/{year}-{month}/{index}",
                          due=due, published=published, as_of=AS_OF))
    rows += [judge(rule=rule, agency=agency, agency_key=key, subject=f"{key}/{year}-{month}/p{i}",
                   due=date(2027, 1, 10), published=None, as_of=AS_OF) for i in range(pending)]
    return rows


def test_counts_by_month_of_the_due_date_per_agency_and_rule_over_every_month(tmp_path):
    store = Store(tmp_path / "m.db")
    budget = month_of("budget.monthly_report", "Сангийн яам", "30156", 2025, 3, 1, 0, 0)
    budget += month_of("budget.mof_consolidated", "Сангийн яам", "Сангийн яам", 2025, 3, 0, 0, 1)
    budget += month_of("budget.monthly_report", "Сангийн яам", "30156", 2026, 10, 0, 1, 0, pending=2)
    tender = month_of("tender.result_published", "Эрүүл мэндийн яам", "1712", 2026, 10, 4, 1, 2)
    store.replace_obligations("budget", AS_OF, budget)
    store.replace_obligations("tender", AS_OF, tender)
    rebuild_agencies(store, available_checks())
    assert store.on_time_by_month() == [
        ("ministry-of-finance", "budget.mof_consolidated", "2025-03", 0, 0, 1),
        ("ministry-of-finance", "budget.monthly_report", "2025-03", 1, 0, 0),
        ("ministry-of-finance", "budget.monthly_report", "2026-10", 0, 1, 0),  # pending ones are not due
        ("ministry-of-health", "tender.result_published", "2026-10", 4, 1, 2),
    ]
    history = agency_history(store)
    assert [m.month for m in history[("ministry-of-finance", None)].months] == ["2025-03", "2026-10"]
    assert history[("ministry-of-finance", None)].months[0] == Month("2025-03", 1, 0, 1)  # both rules together
    assert history[("ministry-of-health", "tender.result_published")].months[0].on_time_rate == 4 / 7
    assert history[("ministry-of-finance", None)].months[0].on_time_rate is None  # under 5 due
    store.close()


def rates(*percentages: float | None, end: str = "2026-11") -> History:
    """A history of 10 due a month, with these on-time rates for the months ending with `end`."""
    year, month = map(int, end.split("-"))
    months = last_months(date(year, month, 1), len(percentages))
    return History("a", "r", [Month(m, round(p / 10), 10 - round(p / 10), 0)
                              for m, p in zip(months, percentages) if p is not None])


def test_direction_is_the_least_squares_slope_in_points_per_year():
    assert rates(50, 60, 70).trend(AS_OF) == 120.0  # 10 points a month
    assert rates(50, 60, 70).direction(AS_OF) == "improving"
    assert rates(90, 80, 60, 50).direction(AS_OF) == "worse"
    assert rates(80, 80, 80, 80).direction(AS_OF) == "steady"
    # a month of a 12-point year changes the trend by under the 5 points of 'steady'
    assert rates(*([80] * 11), 90).direction(AS_OF) == "steady"
    assert rates(*([80] * 11), 100).direction(AS_OF) == "improving"


def test_direction_needs_three_rated_months_within_the_last_twelve():
    assert rates(50, 90).direction(AS_OF) is None
    assert rates(50, None, None, 90).direction(AS_OF) is None
    old = rates(10, 20, 30, end="2025-06")  # all before the last 12 months
    assert old.direction(AS_OF) is None
    few = History("a", "r", [Month(m, 1, 1, 1) for m in last_months(AS_OF, 6)])  # 3 due: no rate
    assert few.direction(AS_OF) is None
    assert few.last_months(AS_OF)[-6:] == few.months and few.last_months(AS_OF)[:6] == [None] * 6


def test_last_months_cross_the_year():
    assert last_months(date(2026, 2, 28), 3) == ["2025-12", "2026-01", "2026-02"]
    assert len(last_months(AS_OF, 12)) == 12 and last_months(AS_OF, 12)[0] == "2025-12"
