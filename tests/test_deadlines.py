"""A server that answers a byte at a time cannot hold a run: each try has a deadline, the whole
SMTP conversation too (issue 14, item 1). Real servers on loopback (tests/drip_server.py)."""
from __future__ import annotations

import io
import json
import time
from datetime import date

import pytest

from monitor import cli
from monitor.store import Store

from conftest import small_tender_world, tender_portal
from drip_server import DripProxy

AS_OF = date(2026, 11, 30)
TIMEOUT, RETRIES = 1.0, 1
DEADLINE = 4 * TIMEOUT  # `deadline = 0`: four timeouts
TRIES = RETRIES + 1
MARGIN = 30.0  # the rest of the check, on a busy machine


@pytest.fixture(scope="module")
def world():
    return small_tender_world()


@pytest.fixture
def portal(world, monkeypatch):
    with tender_portal(world, monkeypatch) as portal:
        yield portal


def write_config(tmp_path, portal_url: str, extra: str = "") -> str:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[monitor]\ndb = "{tmp_path / "m.db"}"\n'
        f'[portals]\ntender_opendata = "{portal_url}"\ntender = "{portal_url}"\n'
        f'[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = {RETRIES}\ntimeout = {TIMEOUT}\ndeadline = 0.0\n'
        f'[digest]\nout_dir = "{tmp_path / "out"}"\n' + extra, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("head", [False, True], ids=["dripping body", "dripping status line and headers"])
def test_a_dripping_answer_times_out_at_its_deadline_and_the_check_names_its_source(portal, tmp_path, head):
    with DripProxy(portal.url, lambda path: path.startswith("/mn/contract"), interval=0.3, head=head) as proxy:
        config = write_config(tmp_path, proxy.url)
        out = io.StringIO()
        started = time.monotonic()
        code = cli.main(["--config", config, "check", "tender", "--as-of", AS_OF.isoformat(), "--json"], stdout=out)
        elapsed = time.monotonic() - started
    assert code == 3
    assert len(proxy.dripped) == TRIES  # one dripping request, tried twice, then the source fails
    # each try ends at most one read timeout past its deadline
    assert elapsed < TRIES * (DEADLINE + TIMEOUT) + MARGIN
    failed = {s["name"]: s["error"] for s in json.loads(out.getvalue())["sources"] if not s["ok"]}
    assert list(failed) == ["tender.contracts"]
    assert f"deadline of {DEADLINE:g} s exceeded after {TRIES} tries" in failed["tender.contracts"]
    [row] = Store(tmp_path / "m.db").db.execute(
        "select attempts, error from requests where error is not null").fetchall()
    assert row[0] == TRIES and "deadline" in row[1]
