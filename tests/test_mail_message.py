"""What a received digest email carries, read from a real SMTP server on loopback: the sender's
name, a date in Ulaanbaatar time, RFC 8058 one-click unsubscribe, and the findings.csv attachment."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from monitor import cli
from demo.server import DemoPortal
from demo.tender_world import build_tender_world, tender_routes
from monitor.store import Store

from smtp_server import Inbox, SmtpServer

AS_OF = date(2026, 11, 30)


@pytest.fixture(scope="module")
def world():
    return build_tender_world(AS_OF, seed=7, agencies=8, invitations=60)


def receive(world, tmp_path, monkeypatch, digest: str = "", recipient: str = "") -> list:
    """Run the tender check once with one recipient and return the messages the server accepted."""
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    inbox = Inbox()
    with DemoPortal(tender_routes(world, token="t")) as portal, SmtpServer(inbox) as server:
        config = tmp_path / "monitor.toml"
        config.write_text(
            f'[monitor]\ndb = "{tmp_path / "m.db"}"\n'
            f'[portals]\ntender_opendata = "{portal.url}"\ntender = "{portal.url}"\n'
            '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n'
            f'[digest]\nout_dir = "{tmp_path / "out"}"\n{digest}'
            f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nfrom = "monitor@example.mn"\n'
            'timeout = 5.0\n'
            f'[[recipients]]\nname = "ngo"\naddress = "ngo@example.mn"\n{recipient}', encoding="utf-8")
        cli.main(["--config", str(config), "run", "--only", "tender", "--as-of", AS_OF.isoformat()],
                 stdout=io.StringIO())
    return inbox.messages


def attachments(message) -> dict[str, object]:
    return {part.get_filename(): part for part in message.iter_attachments()}


def test_the_sender_has_a_display_name_and_the_date_is_ulaanbaatar_time(world, tmp_path, monkeypatch):
    before = datetime.now(timezone.utc)
    [message] = receive(world, tmp_path, monkeypatch)
    assert message["From"].addresses[0].display_name == "Disclosure monitor"
    assert message["From"].addresses[0].addr_spec == "monitor@example.mn"
    sent = parsedate_to_datetime(message["Date"])
    assert sent.utcoffset() == timedelta(hours=8) and message["Date"].endswith("+0800")
    assert before - timedelta(seconds=1) <= sent <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_an_https_unsubscribe_url_offers_one_click(world, tmp_path, monkeypatch):
    [message] = receive(world, tmp_path, monkeypatch, digest='unsubscribe = "https://ngo.example/stop?u=1"\n')
    assert message["List-Unsubscribe"] == "<https://ngo.example/stop?u=1>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mailto_unsubscribe_offers_no_one_click(world, tmp_path, monkeypatch):
    [message] = receive(world, tmp_path, monkeypatch, digest='unsubscribe = "mailto:stop@example.mn"\n')
    assert message["List-Unsubscribe"] == "<mailto:stop@example.mn>"
    assert message["List-Unsubscribe-Post"] is None


def test_the_digest_carries_every_open_finding_it_covers_as_a_csv(world, tmp_path, monkeypatch):
    [message] = receive(world, tmp_path, monkeypatch)
    part = attachments(message)["findings.csv"]
    assert part.get_content_type() == "text/csv"
    raw = part.get_payload(decode=True)
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel reads UTF-8 only with the mark
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    stored = Store(tmp_path / "m.db").findings(open_only=True)
    assert len(stored) > 10 and len(rows) == len(stored)
    assert {(r["rule"], r["agency_key"], r["subject"]) for r in rows} == \
        {(f["rule"], f["agency_key"], f["subject"]) for f in stored}
    assert {r["agency"] for r in rows} == {f["agency"] for f in stored}
    assert any(ch in "абвгдеёжзийклмноөпрстуүфхцчшщъыьэюя" for r in rows for ch in r["agency"].lower())
    assert "person" not in rows[0]


def test_the_csv_covers_only_the_agencies_the_recipient_follows(world, tmp_path, monkeypatch):
    followed = max(world.agencies, key=lambda a: sum(1 for t in world.tenders if t.agency == a))
    [message] = receive(world, tmp_path, monkeypatch, recipient=f'agencies = ["{followed.client_id}"]\n')
    raw = attachments(message)["findings.csv"].get_payload(decode=True)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    stored = Store(tmp_path / "m.db").findings(open_only=True)
    assert rows and {r["agency_key"] for r in rows} == {str(followed.client_id)}
    assert len(rows) == sum(1 for f in stored if f["agency_key"] == str(followed.client_id))
