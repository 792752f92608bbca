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
