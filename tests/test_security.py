"""Hostile input and secrets: portal text is escaped, links are ours, secrets stay out of the store."""
from __future__ import annotations

import io
import shutil
import ssl
import subprocess
import zlib
from datetime import date

import pytest

from monitor import cli
from monitor.config import SmtpSettings
from monitor.demo.server import DemoPortal, Fault
from monitor.demo.tender_world import build_tender_world, tender_routes
from monitor.digest import DigestView, digest_context, render_digest
from monitor.mailer import build_message, send_queued
from monitor.runner import run_lock
from monitor.store import Store

from smtp_server import Inbox, SmtpServer

AS_OF = date(2026, 11, 29)
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<a href='javascript:alert(1)'>x</a>",
    "</td></tr></table><h1>injected</h1>",
]
TEMPLATE_SYNTAX = "{{ 7*7 }}{% raw %}"


def finding_row(text: str, index: int) -> dict:
    return {"rule": "tender.result_published", "agency_key": f"k{index}", "subject": f"{text}/{index}",
            "check_name": "tender", "agency": text, "status": "missing", "due": "2026-10-01", "published": None,
            "days_late": None, "days_overdue": 59, "evidence_url": "https://www.tender.gov.mn/mn/result/?year=2026",
            "state": "new", "rechecked": 1, "judged_on": AS_OF.isoformat(), "previous_status": None,
            "previous_judged_on": None, "first_raised_on": AS_OF.isoformat(), "is_open": 1,
            "resolved_on": None, "official": str(index)}


def test_portal_text_is_escaped_in_the_html_digest(tmp_path):
    store = Store(tmp_path / "m.db")
    texts = [*PAYLOADS, TEMPLATE_SYNTAX]
    store.save_findings([finding_row(text, i) for i, text in enumerate(texts)])
    store.save_officials((str(i), text, "") for i, text in enumerate(texts))  # names, too, come from a portal
    html = render_digest(digest_context(store, AS_OF, DigestView(language="en", name_officials=True)), "html")
    for text in PAYLOADS:
        assert text not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"<strong>{TEMPLATE_SYNTAX}</strong>" in html  # shown as text, never evaluated


@pytest.fixture
def world():
    return build_tender_world(AS_OF, seed=3, agencies=10, invitations=80)


def run_tender(tmp_path, portal_url: str, token: str) -> tuple[int, str, str]:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[portals]\ntender_opendata = "{portal_url}"\ntender = "{portal_url}"\n'
                      '[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n', encoding="utf-8")
    out = io.StringIO()
    code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", "tender",
                     "--as-of", AS_OF.isoformat(), "--json"], stdout=out)
    return code, out.getvalue(), str(config)


def test_a_link_the_portal_chose_never_becomes_evidence(world, tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    with DemoPortal(tender_routes(world, token="t")) as portal:
        portal.faults["tender.contracts"] = Fault(
            rewrite=lambda body: body.replace(b'href="/mn/download/', b'href="javascript:alert(1)//'))
        code, out, _ = run_tender(tmp_path, portal.url, "t")
    assert code == 0
    assert "javascript:" not in out


def test_the_token_never_reaches_the_database_snapshots_or_output(world, tmp_path, monkeypatch, capsys):
    secret = "s3cr3t-T0KEN-do-not-store"
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", secret)
    with DemoPortal(tender_routes(world, token="another")) as portal:
        code, out, _ = run_tender(tmp_path, portal.url, secret)
    assert code == 3  # the portal refused the token
    assert secret not in out and secret not in capsys.readouterr().err
    store = Store(tmp_path / "m.db")
    for (body,) in store.db.execute("select body_zlib from snapshots"):
        assert secret.encode() not in zlib.decompress(body)
    store.close()
    for path in tmp_path.glob("m.db*"):
        assert secret.encode() not in path.read_bytes()


def test_a_line_break_can_never_add_an_email_header():
    row = {"recipient": "r", "address": "r@example.mn", "period": "2026-11-29", "language": "en",
           "subject": "Digest\r\nBcc: everyone@example.mn", "body_text": "x", "body_html": "<p>x</p>"}
    with pytest.raises(ValueError):
        build_message(row, SmtpSettings(host="h", sender="m@example.mn"), "")


def test_a_second_run_while_one_holds_the_lock_stops_at_once(tmp_path, capsys):
    db = str(tmp_path / "m.db")
    with run_lock(db):
        code = cli.main(["--db", db, "check", "tender", "--json"], stdout=io.StringIO())
    assert code == 1
    assert "another run is using" in capsys.readouterr().err
    assert not Store(db).db["runs"].count


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_certificates_are_verified(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    store = Store(tmp_path / "m.db")
    store.enqueue({"recipient": "r", "address": "r@example.mn", "period": "p", "as_of": "2026-11-29",
                   "language": "en", "subject": "s", "body_text": "t", "body_html": "<p>t</p>"})
    with SmtpServer(inbox, tls_context=context) as server:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, security="starttls", sender="m@example.mn", timeout=5)
        delivery = send_queued(store, smtp, "", {})
    assert inbox.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.failed[0][1]
    assert len(store.queued()) == 1
