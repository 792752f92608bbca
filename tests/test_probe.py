"""`monitor probe` against the demo portals: one page per source, its parser's verdict, nothing stored."""
from __future__ import annotations

import io
import json
import socket
from datetime import date

import pytest

from monitor import cli
from monitor.config import portal_defaults
from demo.server import DemoPortal, Fault
from demo.worlds import build_worlds
from monitor.probe import strip_url
from monitor.registry import available_checks

from conftest import FIXTURES

D = date(2026, 12, 3)
TOKEN = "probe-secret-7f9a2c"
CHALLENGE = (FIXTURES / "blocked/bot_challenge.html").read_bytes()
ALL_SOURCES = [source for name in sorted(available_checks()) for source in available_checks()[name].sources]


@pytest.fixture
def portal(monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", TOKEN)
    monkeypatch.setattr(cli, "today_in_ulaanbaatar", lambda: D)
    with DemoPortal(build_worlds(D).routes(token=TOKEN)) as portal:
        yield portal


def probe(tmp_path, portal, *args: str, portals: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """Exit code, and each source's printed line by source."""
    bases = {name: portal.url for name in portal_defaults(available_checks())} | (portals or {})
    config = tmp_path / "monitor.toml"
    block = "".join(f'{name} = "{url}"\n' for name, url in bases.items())
    config.write_text(f'[monitor]\ndb = "{tmp_path / "m.db"}"\n[portals]\n{block}'
                      + "[fetch]\ndelay = 0.0\n", encoding="utf-8")
    out = io.StringIO()
    code = cli.main(["--config", str(config), "probe", *args], stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if line.split()[0] in ALL_SOURCES}
    return code, lines


def verdict(line: str) -> str:
    return line.split()[1]


def test_every_source_of_every_check_is_ok_against_the_demo_portals(tmp_path, portal):
    code, lines = probe(tmp_path, portal)
    assert code == 0
    assert list(lines) == ALL_SOURCES
    assert {source: verdict(line) for source, line in lines.items()} == {source: "ok" for source in ALL_SOURCES}
    assert "20 results of 2026, newest 2026-" in lines["tender.results"]
    assert "HTTP 200, text/html; charset=utf-8" in lines["tender.results"]
    assert not list(tmp_path.glob("m.db*"))  # no database opened, nothing stored


def test_one_page_of_each_source_is_read(tmp_path, portal):
    probe(tmp_path, portal, "--source", "tender.results", "legal.register")
    assert portal.hits["tender.results"] == 1 and portal.hits["legal.register"] == 1
    assert sum(portal.hits.values()) == 2


def test_a_changed_layout_is_changed_with_the_parsers_reason_and_exit_3(tmp_path, portal):
    portal.faults["tender.results"] = Fault(body=b"<html><body><div class='results-v2'><p>new</p></div></body></html>")
    code, lines = probe(tmp_path, portal)
    assert code == 3
    assert verdict(lines["tender.results"]) == "changed"
    assert "layout changed: no #tender-result-table" in lines["tender.results"]
    assert verdict(lines["tender.contracts"]) == "ok"


def test_a_bot_challenge_is_blocked(tmp_path, portal):
    portal.faults["tender.results"] = Fault(status=403, body=CHALLENGE,
                                            headers={"server": "cloudflare", "cf-mitigated": "challenge"})
    code, lines = probe(tmp_path, portal, "--source", "tender.results")
    assert code == 3
    assert verdict(lines["tender.results"]) == "blocked"
    assert "blocked by a bot challenge (Cloudflare)" in lines["tender.results"]
    assert "HTTP 403, text/html" in lines["tender.results"]
    assert portal.hits["tender.results"] == 1


def test_a_missing_token_is_auth_with_the_reason(tmp_path, portal, monkeypatch):
    monkeypatch.delenv("TENDER_OPENDATA_TOKEN")
    code, lines = probe(tmp_path, portal, "--source", "tender.invitations")
    assert code == 3
    assert verdict(lines["tender.invitations"]) == "auth"
    assert "return_code 401" in lines["tender.invitations"]
    assert "TENDER_OPENDATA_TOKEN is not set" in lines["tender.invitations"]


def test_a_refusing_portal_is_auth_and_a_silent_one_unreachable(tmp_path, portal):
    portal.faults["legal.register"] = Fault(status=401)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    code, lines = probe(tmp_path, portal, "--source", "legal.register", "budget.mof", portals={"mof": closed})
    assert code == 3
    assert verdict(lines["legal.register"]) == "auth" and "HTTP 401" in lines["legal.register"]
    assert verdict(lines["budget.mof"]) == "unreachable" and "no answer" in lines["budget.mof"]


def test_an_unknown_source_is_a_usage_error(tmp_path, portal):
    code, lines = probe(tmp_path, portal, "--source", "tender.nothing")
    assert code == 2 and not lines


def test_save_writes_each_answer_its_headers_and_the_verdicts_without_the_token(tmp_path, portal):
    echo = f'"echo": "Bearer {TOKEN}", "message": '.encode()  # a portal that repeats the credentials it got
    portal.faults["tender.invitations"] = Fault(rewrite=lambda body: body.replace(b'"message": ', echo, 1))
    saved = tmp_path / "probe"
    code, lines = probe(tmp_path, portal, "--save", str(saved))
    assert code == 0
    verdicts = json.loads((saved / "verdicts.json").read_text(encoding="utf-8"))
    assert [v["source"] for v in verdicts] == ALL_SOURCES and {v["verdict"] for v in verdicts} == {"ok"}
    page = saved / "tender.results-1.html"
    assert b"tender-result-table" in page.read_bytes()
    meta = json.loads((saved / "tender.invitations-1.headers.json").read_text(encoding="utf-8"))
    assert meta["status"] == 200 and meta["request"]["method"] == "POST"
    assert "REDACTED" in (saved / "tender.invitations-1.json").read_text(encoding="utf-8")
    files = list(saved.iterdir())
    assert len(files) > 2 * len(ALL_SOURCES)
    for path in files:
        content = path.read_bytes()
        assert TOKEN.encode() not in content, path.name
        assert b"authorization" not in content.lower(), path.name


def test_a_url_keeps_no_credentials():
    url = f"https://user:pw@api.test/list?page=1&access_token={TOKEN}&apiKey=k1&year=2026&q={TOKEN}"
    stripped = strip_url(url, [TOKEN])
    assert TOKEN not in stripped and "k1" not in stripped and "pw" not in stripped
    assert "page=1" in stripped and "year=2026" in stripped
