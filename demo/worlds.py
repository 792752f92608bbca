"""Every demo world at once: the routes of all the portals the monitor reads, for one day.

The default sizes are the demo's (a few hundred tenders and budget entities); `scale` asks for a
fraction of the national sizes of issue 7 instead (1.0: some 15,000 tender invitations a year,
1,800 budget entities, 40,000 declarants, 14,000 acts; 3,745 mining licences, issue 16), which the
benchmark serves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .server import Route
from .budget_world import BudgetWorld, build_budget_world, budget_routes
from .declarations_world import DeclarationsWorld, build_declarations_world, declarations_routes
from .extractives_world import ExtractivesWorld, build_extractives_world, extractives_routes
from .legal_world import LegalWorld, build_legal_world, legal_routes
from .tender_world import TenderWorld, build_tender_world, tender_routes

DEMO_TOKEN = "demo-token"

# National sizes (issue 7). The tender world opens bids over 446 days (425 before its anchor to
# 21 after), so its invitation count is the yearly one times 446/365. The register is 20 years
# deep; the legal world draws 110 acts a year at acts_scale 1.0, 20.25 years with its 90 days ahead.
NATIONAL_INVITATIONS_PER_YEAR, TENDER_SPAN_DAYS = 15_000, 446
NATIONAL_TENDER_AGENCIES, NATIONAL_BUDGET_ENTITIES, NATIONAL_OFFICIALS = 1_000, 1_800, 40_000
NATIONAL_ACTS, REGISTER_YEARS, ACTS_PER_YEAR_AT_SCALE_1 = 14_000, 20, 110
NATIONAL_LICENCES = 3_745  # the cadastre's records (issue 16)


@dataclass(frozen=True)
class WorldSizes:
    """How big each world is; the defaults are the demo's own."""

    tender_agencies: int = 30
    invitations: int = 300
    budget_entities: int = 300
    officials: int = 3000
    register_years: int = 4
    acts_scale: float = 1.0
    licences: int = 300

    @classmethod
    def national(cls, scale: float) -> WorldSizes:
        """`scale` times the national sizes, never below what the planted cases need."""
        if scale <= 0:
            raise ValueError(f"scale must be positive, not {scale}")
        drawn_years = REGISTER_YEARS + 90 / 365
        return cls(
            tender_agencies=max(30, round(NATIONAL_TENDER_AGENCIES * scale)),
            invitations=max(100, round(NATIONAL_INVITATIONS_PER_YEAR * scale * TENDER_SPAN_DAYS / 365)),
            budget_entities=max(60, round(NATIONAL_BUDGET_ENTITIES * scale)),
            officials=max(300, round(NATIONAL_OFFICIALS * scale)),
            register_years=REGISTER_YEARS,
            acts_scale=max(0.05, NATIONAL_ACTS * scale / (ACTS_PER_YEAR_AT_SCALE_1 * drawn_years)),
            licences=max(100, round(NATIONAL_LICENCES * scale)),
        )


@dataclass(frozen=True)
class Worlds:
    """The five worlds as seen on one day."""

    tender: TenderWorld
    budget: BudgetWorld
    declarations: DeclarationsWorld
    legal: LegalWorld
    extractives: ExtractivesWorld

    def routes(self, token: str | None = DEMO_TOKEN) -> list[Route]:
        return [*tender_routes(self.tender, token=token), *budget_routes(self.budget),
                *declarations_routes(self.declarations), *legal_routes(self.legal),
                *extractives_routes(self.extractives)]


def build_worlds(as_of: date, anchor: date | None = None, seed: int = 2016,
                 sizes: WorldSizes = WorldSizes()) -> Worlds:
    """Every world as seen on `as_of`; a fixed `anchor` keeps the same world across days."""
    anchor = anchor or as_of
    return Worlds(
        tender=build_tender_world(as_of, seed=seed, agencies=sizes.tender_agencies,
                                  invitations=sizes.invitations, anchor=anchor),
        budget=build_budget_world(as_of, seed=seed, entities=sizes.budget_entities, anchor=anchor),
        declarations=build_declarations_world(as_of, seed=seed, officials=sizes.officials, anchor=anchor),
        legal=build_legal_world(as_of, seed=seed, anchor=anchor, years=sizes.register_years,
                                acts_scale=sizes.acts_scale),
        extractives=build_extractives_world(as_of, seed=seed, licences=sizes.licences, anchor=anchor),
    )


def demo_routes(as_of: date, anchor: date | None = None, seed: int = 2016,
                scale: float | None = None) -> list[Route]:
    """The routes of every world as seen on `as_of`; a fixed `anchor` keeps the same world across days.

    `scale` None: the demo's sizes; a number: that fraction of the national sizes.
    """
    sizes = WorldSizes() if scale is None else WorldSizes.national(scale)
    return build_worlds(as_of, anchor, seed, sizes).routes()
