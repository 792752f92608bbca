"""Shared test helpers: where the sample payloads live."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixture_bytes():
    """Read one file of tests/fixtures as bytes."""
    return lambda name: (FIXTURES / name).read_bytes()
