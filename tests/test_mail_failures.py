"""One digest that fails does not hold the others; a refusal for good is given up and reported; a
server that drips or hangs cannot hold `monitor send` (issue 14, items 1 and 5). Real servers on
loopback: aiosmtpd handlers that misbehave on purpose, and tests/drip_server.py."""
from __future__ import annotations

import asyncio
import io
import time
from datetime import date

import pytest

from monitor import cli
from monitor.store import Store

from conftest import small_tender_world, tender_portal
from drip_server import DripSmtp
from smtp_server import Inbox, SmtpServer

AS_OF = date(2026, 11, 30)
TIMEOUT = 1.0
DEADLINE = 4 * TIMEOUT  # `deadline = 0`: four timeouts
MAX_ATTEMPTS = 3
ADDRESSES = ("first@ngo.example", "second@ngo.example", "third@press.example")


@pytest.fixture(scope="module")
def world():
    return small_tender_world()


@pytest.fixture
def portal(world, monkeypatch):
    with tender_portal(world, monkeypatch) as portal:
        yield portal


def write_config(tmp_path, portal_url: str, smtp_port: int) -> str:
    recipients = "".join(f'[[recipients]]\nname = "{a.partition("@")[0]}"\naddress = "{a}"\nlanguage = "en"\n'
                         for a in ADDRESSES)
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[monitor]\ndb = "{tmp_path / "m.db"}"\n'
        f'[portals]\ntender_opendata = "{portal_url}"\ntender = "{portal_url}"\n'
        '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n'
        f'[digest]\nout_dir = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nfrom = "monitor@example.mn"\n'
        f'timeout = {TIMEOUT}\ndeadline = 0.0\nmax_attempts = {MAX_ATTEMPTS}\n' + recipients, encoding="utf-8")
    return str(path)


def monitor(*args: str) -> int:
    return cli.main(list(args), stdout=io.StringIO())


def run(config: str, day: date = AS_OF) -> int:
    return monitor("--config", config, "run", "--only", "tender", "--as-of", day.isoformat())


def delivered(inbox: Inbox) -> list[str]:
    return sorted(rcpt for _, rcpts in inbox.envelopes for rcpt in rcpts)


def outbox(tmp_path, day: date = AS_OF) -> dict[str, dict]:
    """The outbox rows of one run date, by address."""
    return {row["address"]: row for row in Store(tmp_path / "m.db").db.query(
        "select * from outbox where as_of = ?", [day.isoformat()])}


class DropsOne(Inbox):
    """Closes the connection in the middle of one recipient's DATA, every time."""

    def __init__(self, dropped: str) -> None:
        super().__init__()
        self.dropped = dropped

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.dropped in envelope.rcpt_tos:
            server.transport.close()
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


class RefusesOne(Inbox):
    """Refuses one recipient's DATA with a 550 while `refusing`."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused, self.refusing = refused, True

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusing and self.refused in envelope.rcpt_tos:
            return "550 5.7.1 message rejected by policy"
        return await super().handle_DATA(server, session, envelope)


class HangsAtQuit(Inbox):
    """Accepts every message, then answers QUIT a byte every 0.3 s (a minute at most)."""

    async def handle_QUIT(self, server, session, envelope) -> str:
        for _ in range(200):
            if server.transport.is_closing():
                break
            server.transport.write(b"2")
            await asyncio.sleep(0.3)
        return "221 bye"


def test_a_dropped_connection_fails_only_its_own_digest(portal, tmp_path):
    inbox = DropsOne(ADDRESSES[0])
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port)
        assert run(config) == 4  # the first digest is still queued
        assert delivered(inbox) == sorted(ADDRESSES[1:])
        assert monitor("--config", config, "send") == 4
    assert delivered(inbox) == sorted(ADDRESSES[1:])  # each once
    rows = outbox(tmp_path)
    assert rows[ADDRESSES[0]]["status"] == "queued" and rows[ADDRESSES[0]]["attempts"] == 2
    assert [rows[a]["status"] for a in ADDRESSES[1:]] == ["sent", "sent"]


def test_a_permanent_refusal_is_given_up_after_max_attempts_and_told_in_the_next_digest(portal, tmp_path):
    refused = ADDRESSES[1]
    inbox = RefusesOne(refused)
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port)
        assert run(config) == 4
        assert delivered(inbox) == sorted([ADDRESSES[0], ADDRESSES[2]])
        for _ in range(MAX_ATTEMPTS - 2):
            assert monitor("--config", config, "send") == 4
            assert outbox(tmp_path)[refused]["status"] == "queued"
        assert monitor("--config", config, "send") == 4  # the last try: given up, and said so
        row = outbox(tmp_path)[refused]
        assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
        assert row["last_error"] == "SMTP 550: 5.7.1 message rejected by policy"
        assert monitor("--config", config, "send") == 0  # nothing left to try
        inbox.refusing = False
        assert run(config, date(2026, 12, 1)) == 0
        assert run(config, date(2026, 12, 2)) == 0
    bodies = {address: [m.get_body(("plain",)).get_content() for m in inbox.messages if m["To"] == address]
              for address in ADDRESSES}
    told, again = bodies[refused]
    assert "Digests we could not deliver to you" in told
    assert f"{AS_OF.isoformat()}: SMTP 550: 5.7.1 message rejected by policy" in told
    assert "could not deliver" not in again  # told once
    assert not any("could not deliver" in body for a in (ADDRESSES[0], ADDRESSES[2]) for body in bodies[a])
    assert outbox(tmp_path)[refused]["status"] == "failed, reported"


def test_a_server_that_hangs_at_quit_has_delivered(portal, tmp_path):
    inbox = HangsAtQuit()
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port)
        started = time.monotonic()
        assert run(config) == 0
        elapsed = time.monotonic() - started
    assert delivered(inbox) == sorted(ADDRESSES)
    assert {row["status"] for row in outbox(tmp_path).values()} == {"sent"}
    assert elapsed < DEADLINE + TIMEOUT + 30  # the goodbye cut at its deadline; 30 s: the run itself


def test_a_dripping_greeting_ends_at_the_deadline_and_the_digests_stay_queued(portal, tmp_path):
    with DripSmtp(interval=0.3) as server:
        config = write_config(tmp_path, portal.url, server.port)
        assert run(config) == 4
        started = time.monotonic()
        assert monitor("--config", config, "send") == 4
        elapsed = time.monotonic() - started
    # one connection (the server cannot be reached: the others wait), cut one timeout at most past its deadline
    assert elapsed < DEADLINE + TIMEOUT + 10
    rows = outbox(tmp_path).values()
    assert {row["status"] for row in rows} == {"queued"}
    assert {row["last_error"] for row in rows} == {f"deadline of {DEADLINE:g} s exceeded"}
