"""Shared test helpers: where the sample payloads live, and the small tender portal several
tests of running and mailing share."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from demo.server import DemoPortal
from demo.tender_world import TenderWorld, build_tender_world, tender_routes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TENDER_TOKEN = "t"


def small_tender_world(as_of: date = date(2026, 11, 30)) -> TenderWorld:
    """Twelve agencies, eighty invitations: enough findings for a digest, quick to serve."""
    return build_tender_world(as_of, seed=5, agencies=12, invitations=80)


@contextmanager
def tender_portal(world: TenderWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoPortal]:
    """The world served on 127.0.0.1, with the token the monitor reads set."""
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", TENDER_TOKEN)
    with DemoPortal(tender_routes(world, token=TENDER_TOKEN)) as portal:
        yield portal


@pytest.fixture
def fixture_bytes():
    """Read one file of tests/fixtures as bytes."""
    return lambda name: (FIXTURES / name).read_bytes()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--write-expected", action="store_true",
                     help="tests/test_parsers.py: write each selected case's <case>.expected.json from what its "
                          "parser gives, instead of comparing (tests/fixtures/README.md)")
