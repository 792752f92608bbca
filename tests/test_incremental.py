"""A warm night with no changes asks only what the polling cadence requires (not timed)."""
from __future__ import annotations

import io
from datetime import date, timedelta

from monitor import cli
from demo.budget_world import budget_routes, build_budget_world
from demo.server import DemoPortal
from demo.tender_world import build_tender_world, tender_routes

D = date(2026, 11, 25)


def run(tmp_path, portal_url: str, check: str, as_of: date) -> int:
    config = tmp_path / "monitor.toml"
    config.write_text("[portals]\n" + "".join(f'{name} = "{portal_url}"\n' for name in
                                               ("tender_opendata", "tender", "shilendans", "mof"))
                      + "[fetch]\ndelay = 0.0\nbackoff = 0.0\n", encoding="utf-8")
    return cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", check,
                     "--as-of", as_of.isoformat(), "--json"], stdout=io.StringIO())


def test_a_quiet_night_reads_one_page_per_listing_and_no_detail(tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    world = build_tender_world(D, seed=4, agencies=12, invitations=160)
    with DemoPortal(tender_routes(world, token="t")) as portal:
        assert run(tmp_path, portal.url, "tender", D) == 0
        cold = dict(portal.hits)
        portal.hits.clear()
        assert run(tmp_path, portal.url, "tender", D + timedelta(days=1)) == 0
        warm = dict(portal.hits)
    years = 2
    assert cold["tender.results"] > 2 * years and cold["tender.contracts"] > 2 * years  # several pages
    assert warm == {"tender.invitations": cold["tender.invitations"],  # no sort: every page, every night
                    "tender.results": years, "tender.contracts": years}  # page 1 known: stop; no detail


def test_a_listing_is_walked_in_full_again_after_a_week(tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    world = build_tender_world(D, seed=4, agencies=12, invitations=160)
    with DemoPortal(tender_routes(world, token="t")) as portal:
        run(tmp_path, portal.url, "tender", D)
        cold = portal.hits["tender.results"]
        portal.hits.clear()
        run(tmp_path, portal.url, "tender", D + timedelta(days=7))
        assert portal.hits["tender.results"] == cold


def test_settled_budget_entities_are_not_asked_again(tmp_path):
    world = build_budget_world(D, seed=4, entities=40)
    with DemoPortal(budget_routes(world)) as portal:
        run(tmp_path, portal.url, "budget", D)
        cold = dict(portal.hits)
        portal.hits.clear()
        run(tmp_path, portal.url, "budget", D + timedelta(days=1))
        warm = dict(portal.hits)
    unsettled = warm["budget.reports"]
    assert 1 <= unsettled < cold["budget.reports"]  # only entities still lacking a month, or one canary
    assert warm["budget.organizations"] == cold["budget.organizations"]  # the scope: read in full
