"""Every demo world at once: the routes of all the portals the monitor reads, for one day."""
from __future__ import annotations

from datetime import date

from .server import Route
from .budget_world import build_budget_world, budget_routes
from .declarations_world import build_declarations_world, declarations_routes
from .legal_world import build_legal_world, legal_routes
from .tender_world import build_tender_world, tender_routes

DEMO_TOKEN = "demo-token"


def demo_routes(as_of: date, anchor: date | None = None, seed: int = 2016) -> list[Route]:
    """The routes of every world as seen on `as_of`; a fixed `anchor` keeps the same world across days."""
    anchor = anchor or as_of
    return [
        *tender_routes(build_tender_world(as_of, seed=seed, anchor=anchor), token=DEMO_TOKEN),
        *budget_routes(build_budget_world(as_of, seed=seed, anchor=anchor)),
        *declarations_routes(build_declarations_world(as_of, seed=seed, anchor=anchor)),
        *legal_routes(build_legal_world(as_of, seed=seed, anchor=anchor)),
    ]
