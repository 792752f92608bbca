"""What a person reads, checked in a real browser: Debian's chromium, driven by its chromedriver.

No browser is downloaded: selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver, and
Selenium Manager is kept offline. Without them the tests that use the `browser` fixture are skipped
with a line saying what to install, never silently (`.ci/run` installs them with apt-get).

    from browser import browser, page_facts, show  # noqa: F401 (browser is a fixture)
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = "apt-get install chromium chromium-driver"
# Headless, and quiet: no GPU, no sandbox (CI runs as root), nothing fetched in the background.
ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    absent = [path.name for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if absent:
        return f"{' and '.join(absent)} not installed: {INSTALL}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed: pip install -e '.[test]'"
    return None


def open_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in `profile`, driven by Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*ARGUMENTS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser for a test module, skipped with the reason when Chromium cannot be driven here."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as env, tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        env.setenv("SE_OFFLINE", "true")  # Selenium Manager downloads nothing
        driver = open_chromium(Path(profile))
        try:
            yield driver
        finally:
            driver.quit()


def show(driver: Any, url: str, width: int, height: int = 900) -> None:
    """Load `url` in a viewport exactly `width` CSS pixels wide (a phone's when narrow: mobile emulation
    honours the page's viewport meta tag, as a phone does)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(url)


def page_facts(driver: Any) -> dict[str, Any]:
    """What the checks of a page read: its widths, its links' resolved addresses, its language and text."""
    return driver.execute_script(
        "return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,"
        " links: Array.from(document.querySelectorAll('a[href]'), a => a.href),"
        " lang: document.documentElement.lang, text: document.body.innerText};")
