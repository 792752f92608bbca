"""Digests by email, against a real SMTP server on loopback: content, filters, exactly once."""
from __future__ import annotations

import io
from datetime import date

import pytest

from monitor import cli
from demo.server import DemoPortal, Fault
from monitor.store import Store

from conftest import small_tender_world, tender_portal
from expectations import in_english
from smtp_server import Inbox, SmtpServer, free_port

AS_OF = date(2026, 11, 30)  # a Monday


@pytest.fixture(scope="module")
def world():
    return small_tender_world()


@pytest.fixture
def portal(world, monkeypatch):
    with tender_portal(world, monkeypatch) as portal:
        yield portal


def write_config(tmp_path, portal_url: str, smtp_port: int, recipients: str) -> str:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[monitor]\ndb = "{tmp_path / "m.db"}"\n'
        f'[portals]\ntender_opendata = "{portal_url}"\ntender = "{portal_url}"\nxacxom = "{portal_url}"\n'
        '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n'
        f'[digest]\nout_dir = "{tmp_path / "out"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nfrom = "monitor@example.mn"\n'
        'reply_to = "desk@example.mn"\ntimeout = 5.0\n' + recipients, encoding="utf-8")
    return str(path)


def monitor(*args: str) -> int:
    return cli.main(list(args), stdout=io.StringIO())


TWO_RECIPIENTS = """
[[recipients]]
name = "ngo-mn"
address = "mn@ngo.example"
language = "mn"

[[recipients]]
name = "journalist"
address = "en@press.example"
language = "en"
checks = ["tender"]
agencies = ["{agency_key}"]
"""


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html")}


def test_each_recipient_gets_their_digest_once_in_their_language(world, portal, tmp_path):
    followed = max(world.agencies, key=lambda a: sum(1 for t in world.tenders if t.agency == a))
    inbox = Inbox()
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port,
                              TWO_RECIPIENTS.format(agency_key=followed.client_id))
        assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 0
        assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 0
    assert sorted(rcpt for _, rcpts in inbox.envelopes for rcpt in rcpts) == ["en@press.example", "mn@ngo.example"]
    by_address = {m["To"]: m for m in inbox.messages}
    mongolian, english = by_address["mn@ngo.example"], by_address["en@press.example"]
    for message in (mongolian, english):
        assert message.get_content_type() == "multipart/mixed"  # the digest, then its findings.csv
        assert next(message.iter_parts()).get_content_type() == "multipart/alternative"
        assert set(parts(message)) == {"text/plain", "text/html"}
        assert message["List-Unsubscribe"] == "<mailto:desk@example.mn?subject=unsubscribe>"
        assert message["Reply-To"] == "desk@example.mn"
    assert "Хоцорсон байгууллага" in parts(mongolian)["text/plain"]
    assert "Agencies behind" in parts(english)["text/plain"]
    assert "To stop receiving this digest, write to: mailto:desk@example.mn" in parts(english)["text/plain"]
    others = {a.name.strip() for a in world.agencies if a != followed}
    english_text = parts(english)["text/plain"]
    assert in_english(followed.name) in english_text  # in Latin letters: an English digest names no agency in Cyrillic
    assert not [name for name in others if in_english(name) in english_text or name in english_text]
    assert any(name in parts(mongolian)["text/plain"] for name in others)


def runs_exit_codes(db) -> list[int]:
    return [row[0] for row in Store(db).db.execute("select exit_code from runs order by id")]


def test_a_refused_send_stays_queued_and_goes_out_once_later(portal, tmp_path):
    inbox = Inbox(refuse=1)
    recipient = '[[recipients]]\nname = "ngo"\naddress = "ngo@example.mn"\n'
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port, recipient)
        assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 4
        assert runs_exit_codes(tmp_path / "m.db") == [4]
        assert inbox.messages == []
        [row] = Store(tmp_path / "m.db").queued()
        assert row["attempts"] == 1 and row["last_error"].startswith("SMTP 451")
        assert monitor("--config", config, "send") == 0
        assert monitor("--config", config, "send") == 0
        assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 0
    assert len(inbox.messages) == 1
    assert Store(tmp_path / "m.db").queued() == []


def test_a_server_that_is_down_keeps_the_digest_until_it_returns(portal, tmp_path):
    port = free_port()
    recipient = '[[recipients]]\nname = "ngo"\naddress = "ngo@example.mn"\n'
    config = write_config(tmp_path, portal.url, port, recipient)
    assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 4
    assert runs_exit_codes(tmp_path / "m.db") == [4]
    assert monitor("--config", config, "send") == 4
    inbox = Inbox()
    with SmtpServer(inbox, port=port):
        assert monitor("--config", config, "send") == 0
    assert len(inbox.messages) == 1


def test_a_source_that_failed_outranks_a_digest_still_queued(portal, tmp_path):
    """Both 3 and 4 apply: 3, the judgement itself is incomplete, wins."""
    portal.faults["tender.invitations"] = Fault(status=503)
    recipient = '[[recipients]]\nname = "ngo"\naddress = "ngo@example.mn"\n'
    config = write_config(tmp_path, portal.url, free_port(), recipient)
    assert monitor("--config", config, "run", "--only", "tender", "--as-of", AS_OF.isoformat()) == 3
    assert Store(tmp_path / "m.db").queued() != []


def test_a_weekly_recipient_gets_one_digest_a_week(portal, tmp_path):
    inbox = Inbox()
    recipient = '[[recipients]]\nname = "weekly"\naddress = "w@example.mn"\nfrequency = "weekly"\nweekday = "tuesday"\n'
    with SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port, recipient)
        for day in ("2026-11-30", "2026-12-01", "2026-12-02", "2026-12-07", "2026-12-08"):
            monitor("--config", config, "run", "--only", "tender", "--as-of", day)
    assert len(inbox.messages) == 2
    assert "2026-12-01" in inbox.messages[0]["Subject"] and "2026-12-08" in inbox.messages[1]["Subject"]


def test_officials_are_named_only_to_a_recipient_allowed_to_see_names(tmp_path):
    from demo.declarations_world import build_declarations_world, declarations_routes

    as_of = date(2026, 6, 15)
    world = build_declarations_world(as_of, officials=600)
    recipients = ('[[recipients]]\nname = "named"\naddress = "n@example.mn"\nname_officials = true\n'
                  '[[recipients]]\nname = "anonymous"\naddress = "a@example.mn"\n')
    inbox = Inbox()
    with DemoPortal(declarations_routes(world)) as portal, SmtpServer(inbox) as server:
        config = write_config(tmp_path, portal.url, server.port, recipients)
        assert monitor("--config", config, "run", "--only", "declarations", "--as-of", as_of.isoformat()) == 0
    store = Store(tmp_path / "m.db")
    names = store.official_names()
    people = {names.get(row["official"]) for row in store.findings("declarations")}
    assert people and None not in people
    by_address = {m["To"]: parts(m) for m in inbox.messages}
    for part in by_address["n@example.mn"].values():
        assert all(person in part for person in people)
    for part in by_address["a@example.mn"].values():
        assert not any(person in part for person in people)


def test_a_server_that_never_answers_times_out_and_keeps_the_digest(tmp_path):
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    store = Store(tmp_path / "m.db")
    store.enqueue({"recipient": "r", "address": "r@example.mn", "period": "p", "as_of": "2026-11-30",
                   "language": "en", "subject": "s", "body_text": "t", "body_html": "<p>t</p>"})
    from monitor.config import SmtpSettings
    from monitor.mailer import send_queued
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=listener.getsockname()[1], security="none",
                            sender="m@example.mn", timeout=0.5)
        delivery = send_queued(store, smtp, "", {})
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    assert delivery.sent == [] and [who for who, _ in delivery.failed] == ["r"]
    assert "timed out" in delivery.failed[0][1]
    assert [row["recipient"] for row in store.queued()] == ["r"]
    inbox = Inbox()
    with SmtpServer(inbox) as server:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, security="none", sender="m@example.mn", timeout=5)
        assert send_queued(store, smtp, "", {}).sent == ["r"]
        assert send_queued(store, smtp, "", {}).sent == []
    assert len(inbox.messages) == 1
