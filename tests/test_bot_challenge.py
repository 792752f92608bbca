"""A portal that keeps the monitor out (a Cloudflare challenge, a captcha) is told from a changed one:
its source fails with its own line after one request, and the digest explains it in both languages."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
import responses

from monitor import cli
from monitor.config import portal_defaults
from demo.server import DemoPortal, Fault
from demo.worlds import DEMO_TOKEN, demo_routes
from monitor.errors import BOT_CHALLENGE, CAPTCHA, Blocked, FetchError
from monitor.fetcher import Fetcher, FetchSettings
from monitor.i18n import translate
from monitor.registry import available_checks

from conftest import FIXTURES

URL = "https://portal.test/mn/result/"
CHALLENGE = (FIXTURES / "blocked/bot_challenge.html").read_bytes()
CLOUDFLARE = {"server": "cloudflare", "cf-mitigated": "challenge", "cf-ray": "8f1c2d3e4f5a6b7c-HKG"}
HTML = "text/html; charset=UTF-8"
D = date(2026, 11, 26)


def captcha_page(widget: str) -> bytes:
    return (f"<html><head><title>Security check</title></head><body><form>{widget}"
            "<button>Continue</button></form></body></html>").encode()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def fetcher(retries: int = 3) -> Fetcher:
    return Fetcher({"portal.test"}, FetchSettings(delay=0.0, retries=retries, backoff=0.0), sleep=lambda _: None)


# the fetcher: told before any parser runs, never retried

@pytest.mark.parametrize("status, headers, body", [
    (403, CLOUDFLARE, CHALLENGE),
    (503, CLOUDFLARE, CHALLENGE),
    (503, {}, CHALLENGE),                      # the page alone, its title "Just a moment..."
    (200, {}, CHALLENGE),
    (403, {"cf-mitigated": "challenge"}, b""),  # the header alone
], ids=["403 header and page", "503 header and page", "503 page", "200 page", "403 header"])
def test_a_cloudflare_challenge_is_blocked_after_one_request(rsps, status, headers, body):
    rsps.add(responses.GET, URL, status=status, body=body, headers=headers, content_type=HTML)
    with pytest.raises(Blocked) as info:
        fetcher().get(URL)
    assert str(info.value) == BOT_CHALLENGE
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("widget", [
    '<div class="g-recaptcha" data-sitekey="6Lc_x"></div>',
    '<div class="h-captcha" data-sitekey="10000000"></div>',
    '<div class="cf-turnstile" data-sitekey="0x4AAA"></div>',
    '<script src="https://www.google.com/recaptcha/api.js" async defer></script>',
])
def test_a_captcha_page_is_blocked_by_a_captcha(rsps, widget):
    rsps.add(responses.GET, URL, status=200, body=captcha_page(widget), content_type=HTML)
    with pytest.raises(Blocked) as info:
        fetcher().get(URL)
    assert str(info.value) == CAPTCHA
    assert len(rsps.calls) == 1


def test_a_captcha_on_a_feedback_form_of_a_full_page_is_not_a_wall(rsps):
    rows = "".join(f"<tr><td>row {i}</td><td>{'x' * 200}</td></tr>" for i in range(200))
    page = (f"<html><body><div id='tender-result-table'><table><tbody>{rows}</tbody></table></div>"
            "<footer><form><div class='g-recaptcha' data-sitekey='6Lc_x'></div></form></footer></body></html>").encode()
    rsps.add(responses.GET, URL, status=200, body=page, content_type=HTML)
    assert fetcher().get(URL).body == page


@pytest.mark.parametrize("status, body, content_type", [
    (403, b"<html><title>403 Forbidden</title></html>", HTML),   # a refusal, but no challenge
    (200, json.dumps({"Html": "<title>Just a moment...</title>"}).encode(), "application/json"),
])
def test_other_answers_are_not_taken_for_a_challenge(rsps, status, body, content_type):
    rsps.add(responses.GET, URL, status=status, body=body, content_type=content_type)
    try:
        fetcher(retries=0).get(URL)
    except FetchError as exc:
        assert not isinstance(exc, Blocked)


# every source, through the demo portals: `check --json`, one request, and the digest

SOURCES = {  # demo route -> check
    "tender.invitations": "tender", "tender.results": "tender", "tender.result_detail": "tender",
    "budget.organizations": "budget", "budget.reports": "budget", "budget.mof": "budget",
    "declarations.search": "declarations", "legal.register": "legal", "legal.drafts": "legal",
    "extractives.licences": "extractives", "extractives.licence_detail": "extractives",
    "extractives.reports": "extractives",
}
AHEAD = frozenset({"tender.result_detail", "budget.reports", "extractives.licence_detail"})


def write_config(tmp_path, portal) -> str:
    portals = "\n".join(f'{name} = "{portal.url}"' for name in portal_defaults(available_checks()))
    config = tmp_path / "monitor.toml"
    config.write_text(f"[portals]\n{portals}\n[fetch]\ndelay = 0.0\nbackoff = 0.0\n", encoding="utf-8")
    return str(config)


def check_json(tmp_path, portal, check: str) -> dict:
    out = io.StringIO()
    code = cli.main(["--config", write_config(tmp_path, portal), "--db", str(tmp_path / "m.db"), "check", check,
                     "--json", "--as-of", D.isoformat()], stdout=out)
    assert code == 3
    return json.loads(out.getvalue())


@pytest.mark.parametrize("route", sorted(SOURCES))
def test_a_challenged_source_fails_with_its_own_line_after_one_request(tmp_path, monkeypatch, route):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
    with DemoPortal(demo_routes(D)) as portal:
        portal.faults[route] = Fault(status=403, body=CHALLENGE, headers=CLOUDFLARE)
        result = check_json(tmp_path, portal, SOURCES[route])
        hits = portal.hits[route]
    errors = {source["name"]: source["error"] for source in result["sources"]}
    assert errors[route] == BOT_CHALLENGE
    assert not any("layout changed" in (error or "") for error in errors.values())
    # No retry, no second look, no further page of that source; only where pages are fetched while
    # the one before is read (read_each: details, the entities' postings) may the next one be on
    # its way already ([fetch] concurrency 1: one).
    assert hits <= (2 if route in AHEAD else 1)


def test_the_digest_explains_a_blocked_source_in_both_languages(tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
    with DemoPortal(demo_routes(D)) as portal:
        portal.faults["tender.results"] = Fault(body=CHALLENGE)  # the page alone, with HTTP 200
        result = check_json(tmp_path, portal, "tender")
        config = write_config(tmp_path, portal)
    assert {s["name"]: s["error"] for s in result["sources"]}["tender.results"] == BOT_CHALLENGE
    for language in ("mn", "en"):
        for fmt in ("text", "html"):
            out = io.StringIO()
            assert cli.main(["--config", config, "--db", str(tmp_path / "m.db"), "digest", "--language", language,
                             "--format", fmt], stdout=out) == 0
            digest = out.getvalue().replace("&#39;", "'")
            assert BOT_CHALLENGE in digest
            assert translate("blocked_challenge", language) in digest, (language, fmt)
    assert translate("blocked_challenge", "mn") != translate("blocked_challenge", "en")
