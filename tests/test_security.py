"""Hostile input and secrets: portal text is escaped, links are ours, secrets stay out of the store."""
from __future__ import annotations

import html
import io
import itertools
import json
import re
import shutil
import ssl
import subprocess
import zlib
from datetime import date
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest

from monitor import cli
from monitor.check import EvaluateContext, Notes
from monitor.config import METHODOLOGY_URL, SmtpSettings, portal_defaults
from demo.server import DemoPortal, Fault
from demo.tender_world import build_tender_world, tender_routes
from demo.worlds import DEMO_TOKEN, WorldSizes, build_worlds
from monitor.digest import LIST_PAGES, DigestView, digest_context, render_digest
from monitor.links import evidence_url, portal_hosts
from monitor.mailer import build_message, send_queued
from monitor.mongolian import normalize_text
from monitor.runner import run_lock
from monitor.registry import available_checks
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


# Links a portal might write where the monitor takes an evidence link from: other schemes, other
# hosts (one that begins with the portal's own name), a backslash browsers read as a slash, and
# control characters before the scheme.
HOSTILE_LINKS = [
    "javascript:alert(4)//98149",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/",
    "https://evil.example/",
    "http://127.0.0.1.evil.example/",
    "/\\evil.example/",
    "\tjavascript:alert(1)",
    "\x01javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "https://127.0.0.1@evil.example/",
]
PORTAL = "http://127.0.0.1:8765"


@pytest.mark.parametrize("href", HOSTILE_LINKS)
def test_a_link_off_the_portals_or_not_http_is_never_an_evidence_link(href):
    assert evidence_url(PORTAL, href, portal_hosts([PORTAL, "https://mof.gov.mn"])) is None


@pytest.mark.parametrize("href, expected", [
    ("/files/990001.xlsx", f"{PORTAL}/files/990001.xlsx"),
    ("files/990001.xlsx", f"{PORTAL}/files/990001.xlsx"),
    (f"{PORTAL}/mn/download/7", f"{PORTAL}/mn/download/7"),
    ("https://MOF.gov.mn/article/3", "https://mof.gov.mn/article/3"),  # another configured portal
    (" /mn/detail?lawId=12 ", f"{PORTAL}/mn/detail?lawId=12"),
    ('/files/гэрээ 1".pdf', f"{PORTAL}/files/%D0%B3%D1%8D%D1%80%D1%8D%D1%8D%201%22.pdf"),
])
def test_a_path_or_a_link_on_a_portal_is_kept_resolved_and_quoted(href, expected):
    assert evidence_url(PORTAL, href, portal_hosts([PORTAL, "https://mof.gov.mn"])) == expected


def test_a_dropped_link_falls_back_to_the_listing_and_leaves_a_note_that_cannot_be_clicked():
    ctx = EvaluateContext(AS_OF, {}, {"tender": PORTAL}, Notes(), _store=None, calendar=None, failed={})  # type: ignore[arg-type]
    href = "javascript:alert(4)//98149\u202e" + "x" * 200
    assert ctx.evidence("tender", href, f"{PORTAL}/mn/contract/", source="tender.contracts") == f"{PORTAL}/mn/contract/"
    [note] = ctx.notes.items
    assert note["source"] == "tender.contracts"
    assert "javascript[:]alert(4)//98149\\u202e" in note["message"]  # named, escaped, defanged
    assert "javascript:" not in note["message"] and "x" * 100 not in note["message"]  # and cut short


def on_a_portal(url: str, portal_url: str) -> bool:
    """An http link on the demo portal, with no dot segment, backslash, space or control character."""
    parts, portal = urlsplit(url), urlsplit(portal_url)
    return (parts.scheme == "http" and parts.netloc == portal.netloc
            and not {".", ".."} & set(parts.path.split("/"))
            and not re.search(r"[\x00-\x20\x7f\\]", url) and "javascript:" not in url.lower())


def hrefs(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def cycling(pattern: str, replace: Callable[[str, re.Match[str]], str]) -> Callable[[bytes], bytes]:
    """A rewrite putting each hostile link in turn where `pattern` matches in the answer."""
    links = itertools.cycle(HOSTILE_LINKS)
    return lambda body: re.sub(pattern, lambda m: replace(next(links), m), body.decode("utf-8")).encode("utf-8")


def in_json(rewrite: Callable[[Any], None]) -> Callable[[bytes], bytes]:
    def apply(body: bytes) -> bytes:
        data = json.loads(body)
        rewrite(data)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    return apply


def every(items: list[dict[str, Any]], field: str, make: Callable[[str, Any], Any]) -> None:
    for item, link in zip(items, itertools.cycle(HOSTILE_LINKS)):
        item[field] = make(link, item[field])


def _legal_register(data: dict[str, Any]) -> None:
    data["Html"] = cycling(r'href="https://legalinfo\.mn/mn/detail\?lawId=(\d+)"',
                           lambda link, m: f'href="{html.escape(link)}?lawId={m[1]}"')(data["Html"].encode()).decode()


def _licence_grid(data: dict[str, Any]) -> None:
    ids = itertools.cycle(["../../x", "1?x=javascript:", "javascript:alert(1)", "//evil.example", "1/../../x"])
    for row in data["rows"]:
        row["id"] = row["cell"][0] = next(ids)


# (check, route, rewrite of the route's answer): every field a link or a link's id is read from.
LINK_FIELDS = {
    "tender contract document": ("tender", "tender.contracts", cycling(
        r'href="/mn/download/\d+"', lambda link, m: f'href="{html.escape(link)}"')),
    "tender result detail link": ("tender", "tender.results", cycling(
        r'href="(/mn/result/detail/\d+)"', lambda link, m: f'href="{html.escape(link)}{m[1]}"')),
    "budget fileUrl": ("budget", "budget.reports", in_json(
        lambda data: every(data["items"], "fileUrl", lambda link, url: link))),
    "Ministry of Finance href": ("budget", "budget.mof", cycling(  # items are keyed by their link: one each
        r'href="/article/(\d+)"', lambda link, m: f'href="{html.escape(link)}#{m[1]}"')),
    "legal act link": ("legal", "legal.register", in_json(_legal_register)),
    "declarations official id": ("declarations", "declarations.search", in_json(
        lambda data: every(data["retdata"], "aid_user_num", lambda link, aid: f"../../{link}"))),
    "extractives licence id": ("extractives", "extractives.licences", in_json(_licence_grid)),
}
# The fields whose link is taken as the portal wrote it (the others give an id the monitor builds a link from).
LINKS_TAKEN_WHOLE = ("tender contract document", "budget fileUrl", "Ministry of Finance href")
SMALL = WorldSizes(tender_agencies=10, invitations=80, budget_entities=60, officials=300, register_years=1,
                   licences=100)


def run_check_against(tmp_path, check: str, portal: DemoPortal) -> dict[str, Any]:
    portals = "".join(f'{name} = "{portal.url}"\n' for name in portal_defaults(available_checks()))
    config = tmp_path / "monitor.toml"
    config.write_text(f"[portals]\n{portals}[fetch]\ndelay = 0.0\nbackoff = 0.0\nretries = 0\n", encoding="utf-8")
    out = io.StringIO()
    cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "check", check,
              "--as-of", AS_OF.isoformat(), "--json"], stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("field", LINK_FIELDS)
def test_a_hostile_link_in_any_source_never_becomes_a_link_off_the_portal(field, tmp_path, monkeypatch):
    check, route, rewrite = LINK_FIELDS[field]
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
    with DemoPortal(build_worlds(AS_OF, sizes=SMALL).routes()) as portal:
        portal.faults[route] = Fault(rewrite=rewrite)
        result = run_check_against(tmp_path, check, portal)
        assert portal.hits[route]
    store = Store(tmp_path / "m.db")
    stored = [url for (url,) in store.db.execute("select evidence_url from obligations union all "
                                                 "select evidence_url from findings")]
    assert [url for url in stored if url and not on_a_portal(url, portal.url)] == []
    page = render_digest(digest_context(store, AS_OF, DigestView(language="en")), "html")
    assert [href for href in hrefs(page)
            if not (on_a_portal(href, portal.url) or href.startswith(METHODOLOGY_URL)
                    or href in LIST_PAGES.values())] == []  # the monitor's own links
    if field == "extractives licence id":  # ids that are not digits fail the grid: nobody is judged on them
        [licences] = [s for s in result["sources"] if s["name"] == "extractives.licences"]
        assert not licences["ok"] and "numeric id" in licences["error"]
    else:
        assert stored and "evil.example" not in page
    if field in LINKS_TAKEN_WHOLE:  # each one dropped is named in a data note on its source
        dropped = [note["message"] for note in result["notes"] if note["source"] == route]
        assert any("is not an http(s) page on a portal" in message for message in dropped)
        assert not any("javascript:" in message.lower() or "evil.example" in message for message in dropped)


INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]")


def test_direction_controls_and_zero_width_characters_never_reach_a_name_shown(world, tmp_path, monkeypatch):
    def disguise(data: dict[str, Any]) -> None:  # U+202E shows what follows reversed
        for item in data["data"]:
            name = item["budgetEntityName"]
            item["budgetEntityName"] = f"\u202e{name[:4]}\u200b{name[4:]}\u2066\ufeff"

    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    with DemoPortal(tender_routes(world, token="t")) as portal:
        portal.faults["tender.invitations"] = Fault(rewrite=in_json(disguise))
        code, _, _ = run_tender(tmp_path, portal.url, "t")
    assert code == 0
    store = Store(tmp_path / "m.db")
    agencies = {agency for (agency,) in store.db.execute("select agency from findings")}
    assert agencies and agencies <= {normalize_text(tender.agency.name) for tender in world.tenders}
    page = render_digest(digest_context(store, AS_OF, DigestView(language="en")), "html")
    assert not INVISIBLE.search(page)
