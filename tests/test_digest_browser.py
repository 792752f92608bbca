"""The demo's HTML digests as a reader sees them: in Chromium, from file://, on a desktop and a phone."""
from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import browser, page_facts, show  # noqa: F401 (browser is a fixture)
from demo.__main__ import run_demo
from demo.worlds import DEMO_TOKEN

TODAY = date(2026, 12, 3)
WIDTHS = (1280, 390)
READABLE_SCHEMES = {"http", "https", "mailto"}
# Headings of the Mongolian digest: the reader's language, not a translation left in English.
MONGOLIAN_HEADINGS = ("Ил тод байдлын хяналтын тойм", "Хоцорсон байгууллага", "Нийтлээгүй үүрэг")


@pytest.fixture(scope="module")
def digests(tmp_path_factory) -> dict[str, Path]:
    """The HTML digests of the demo's last night, by language, as `make demo` writes them."""
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)  # run_demo sets it; restored after
        env.setattr(sys, "stdout", io.StringIO())
        assert run_demo(out, TODAY, nights_before_today=(7, 0)) == 0
    return {language: out / "digests" / f"digest-{TODAY.isoformat()}.{language}.html" for language in ("en", "mn")}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ("en", "mn"))
def test_the_html_digest_reads_in_a_browser(browser, digests, language, width, tmp_path):
    show(browser, digests[language].as_uri(), width)
    facts = page_facts(browser)
    browser.save_screenshot(str(tmp_path / f"digest-{language}-{width}.png"))
    # A page wider than a phone's screen widens the phone's layout viewport (it zooms out): innerWidth
    # must still be the width asked for.
    assert facts["scrollWidth"] <= facts["innerWidth"] == width, (
        f"the digest is {facts['scrollWidth']} px wide in a {width} px window (innerWidth "
        f"{facts['innerWidth']}): it scrolls sideways, or a phone zooms it out")
    assert facts["links"], "the digest has no links"
    unreadable = [link for link in facts["links"] if urlsplit(link).scheme not in READABLE_SCHEMES]
    assert unreadable == [], "links a mail reader cannot open"
    assert facts["lang"] == language
    if language == "mn":
        assert all(heading in facts["text"] for heading in MONGOLIAN_HEADINGS)
        assert "Сангийн яам" in facts["text"]  # an agency's name as the portal writes it
    else:
        assert "Agencies behind" in facts["text"]
    assert (tmp_path / f"digest-{language}-{width}.png").stat().st_size > 10_000



def test_without_chromedriver_the_browser_tests_say_what_to_install(monkeypatch, tmp_path):
    import browser as harness

    monkeypatch.setattr(harness, "CHROMEDRIVER", tmp_path / "chromedriver")
    assert harness.missing_browser() == "chromedriver not installed: apt-get install chromium chromium-driver"
