"""The runner: a check that breaks does not take the others, or its own findings, with it."""
from __future__ import annotations

from datetime import date

from monitor.check import Check, CollectContext, EvaluateContext
from monitor.config import parse_config
from monitor.obligations import Obligation
from monitor.runner import EXIT_ERROR, EXIT_OK, Runner, run_exit_code
from monitor.store import Store


class Steady(Check):
    """Always one missing obligation; no source to read."""

    name, sources = "steady", ()

    def collect(self, source: str, ctx: CollectContext) -> None:
        raise AssertionError("no sources")

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        return [ctx.judge(depends_on=(), rule=f"{self.name}.rule", agency="A", agency_key="a", subject="s",
                          due=date(2026, 1, 5), published=None)]


class Breaks(Steady):
    """Like Steady on its first day, then its rule raises: a bug."""

    name = "breaks"

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        if ctx.as_of > date(2026, 2, 1):
            raise ZeroDivisionError("division by zero")
        return super().evaluate(ctx)


def test_a_check_whose_rule_crashes_keeps_its_findings_and_spares_the_others(tmp_path):
    checks = {"steady": Steady, "breaks": Breaks}
    runner = Runner(parse_config({}, checks), Store(tmp_path / "m.db"), checks)
    first = runner.run(["breaks", "steady"], date(2026, 2, 1), "test")
    assert run_exit_code(first) == EXIT_OK
    second = runner.run(["breaks", "steady"], date(2026, 2, 2), "test")
    broken, steady = second
    assert run_exit_code(second) == EXIT_ERROR
    assert broken.error == "judging failed: ZeroDivisionError: division by zero"
    assert [(f["subject"], f["status"], f["state"], f["rechecked"]) for f in broken.findings] == [
        ("s", "missing", "ongoing", False)]
    assert steady.error is None and [f["state"] for f in steady.findings] == ["ongoing"]
    assert Store(tmp_path / "m.db").findings("breaks")[0]["is_open"] == 1


class BreaksMidway(Steady):
    """Judges a second obligation on its second day, then raises before its rules are done."""

    name = "midway"

    def evaluate(self, ctx: EvaluateContext):
        yield from super().evaluate(ctx)
        if ctx.as_of > date(2026, 2, 1):
            yield ctx.judge(depends_on=(), rule=f"{self.name}.rule", agency="A", agency_key="a", subject="t",
                            due=date(2026, 1, 5), published=None)
            raise ZeroDivisionError("division by zero")


def test_a_rule_that_fails_after_judging_some_obligations_leaves_none_of_them_stored(tmp_path):
    """Obligations go to the store as they are judged; a failure rolls back every one of that night."""
    checks = {"midway": BreaksMidway}
    store = Store(tmp_path / "m.db")
    runner = Runner(parse_config({}, checks), store, checks)
    runner.run(["midway"], date(2026, 2, 1), "test")
    [broken] = runner.run(["midway"], date(2026, 2, 2), "test")
    assert broken.error == "judging failed: ZeroDivisionError: division by zero"
    assert [(ob.subject, ob.days_overdue) for ob in store.obligations("midway")] == [("s", 27)]  # as judged on day 1
    assert [(f["subject"], f["judged_on"]) for f in store.findings("midway")] == [("s", "2026-02-01")]


def test_a_run_keeping_counts_only_counts_what_a_whole_run_keeps(tmp_path):
    checks = {"steady": Steady, "midway": BreaksMidway}
    whole, counted = (Runner(parse_config({}, checks), Store(tmp_path / f"{name}.db"), checks) for name in ("w", "c"))
    for day in (date(2026, 1, 30), date(2026, 2, 1)):
        kept = [whole.run_checks(whole.store.start_run(day, "run"), ["midway", "steady"], day)]
        kept.append(counted.run_checks(counted.store.start_run(day, "run"), ["midway", "steady"], day,
                                       keep_obligations=False))
        for full, summary in zip(*kept):
            assert (summary.counts, summary.finding_states) == (full.counts, full.finding_states)
            assert full.obligations and full.findings and not summary.obligations and not summary.findings
        assert counted.store.findings() == whole.store.findings()


class JudgedTwice(Steady):
    """Judges one subject twice, missing then met (or the other way round): the last one counts."""

    name, met_last = "twice", True

    def evaluate(self, ctx: EvaluateContext):
        published = [None, date(2026, 1, 2)]
        for day in published[::-1] if not self.met_last else published:
            yield ctx.judge(depends_on=(), rule=f"{self.name}.rule", agency="A", agency_key="a", subject="s",
                            due=date(2026, 1, 5), published=day)


class MetFirst(JudgedTwice):
    met_last = False


def test_an_obligation_judged_twice_counts_as_last_judged_as_the_store_keeps_it(tmp_path):
    for check, status, findings in ((JudgedTwice, "met", []), (MetFirst, "missing", ["s"])):
        store = Store(tmp_path / f"{check.__name__}.db")
        Runner(parse_config({}, {"twice": check}), store, {"twice": check}).run(["twice"], date(2026, 2, 1), "test")
        assert [ob.status for ob in store.obligations("twice")] == [status]
        assert [f["subject"] for f in store.findings("twice")] == findings
