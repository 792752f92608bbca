"""The digests of whole runs: the demo's two nights, and a night when no portal answers."""
from __future__ import annotations

import io
import re
import socket
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor import cli
from monitor.config import portal_defaults
from demo.server import DemoPortal
from demo.worlds import DEMO_TOKEN, demo_routes
from monitor.digest import DigestView, digest_context, render_digest
from monitor.registry import available_checks
from monitor.store import Store

PORTALS = portal_defaults(available_checks())

TODAY = date(2026, 12, 3)
NIGHTS = (TODAY - timedelta(days=7), TODAY)
# Names a Mongolian reader sees in Latin letters because that is what they are: the portals'
# addresses, as the bases cite them.
PORTAL_NAMES = {"tender.gov.mn", "xacxom.iaac.mn", "legalinfo.mn", "d.parliament.mn", "shilendans.gov.mn",
                "mof.gov.mn"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The demo's database after two nights a week apart, as `make demo` builds it."""
    out = tmp_path_factory.mktemp("demo")
    for night in NIGHTS:
        with DemoPortal(demo_routes(night, anchor=TODAY)) as portal:
            portals = "\n".join(f'{name} = "{portal.url}"' for name in PORTALS)
            config = out / "monitor.toml"
            config.write_text(f'[portals]\n{portals}\n[fetch]\ndelay = 0.0\n[digest]\nout_dir = "{out / "d"}"\n',
                              encoding="utf-8")
            with pytest.MonkeyPatch.context() as env:
                env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
                assert cli.main(["--config", str(config), "--db", str(out / "m.db"), "run", "--no-send",
                                 "--as-of", night.isoformat()], stdout=io.StringIO()) == 0
    return out / "m.db"


def latin_words(text: str) -> set[str]:
    """Every run of letters, digits and id punctuation that holds a Latin letter."""
    runs = re.findall(r"[0-9A-Za-z][0-9A-Za-z._:/?=&%#-]*", text)
    return {run.rstrip(".:-") for run in runs if re.search(r"[A-Za-z]", run)}


def test_the_mongolian_digest_of_the_demo_has_no_english(demo_db):
    store = Store(demo_db)
    context = digest_context(store, TODAY, DigestView(language="mn"))
    # What may be in Latin letters, each named: the ids shown as evidence or detail (finding
    # subjects, source ids, the evidence and methodology URLs), agency names as the portals write
    # them, the portals' own names, and the name of the file that holds the complete list.
    shown = context["newly_behind"] + context["still_behind"] + context["caught_up"]
    allowed = set(PORTAL_NAMES)
    allowed |= {word for f in shown for word in latin_words(f["subject"] + " " + f["agency"])}
    allowed |= {s["source"] for s in context["sources"]}
    allowed.add(context["full_list"][1])
    html = render_digest(context, "html")
    text = render_digest(context, "text")
    assert shown and context["caught_up"] and context["sources"]
    for body in (re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " "), text):
        body = re.sub(r"https?://\S+", " ", body)  # URLs: evidence and the methodology
        assert latin_words(body) - allowed == set()
    assert "&nbsp;" in html  # the stripping above is of markup, not of reader text
    store.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_night_when_no_portal_answers_opens_with_the_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("TENDER_OPENDATA_TOKEN", "t")
    url = f"http://127.0.0.1:{closed_port()}"
    portals = "\n".join(f'{name} = "{url}"' for name in PORTALS)
    config = tmp_path / "monitor.toml"
    config.write_text(f'[portals]\n{portals}\n[fetch]\ndelay = 0.0\nretries = 0\n'
                      f'[digest]\nout_dir = "{tmp_path / "d"}"\n', encoding="utf-8")
    code = cli.main(["--config", str(config), "--db", str(tmp_path / "m.db"), "run", "--no-send",
                     "--as-of", "2026-11-30"], stdout=io.StringIO())
    assert code == 3
    english = (tmp_path / "d" / "digest-2026-11-30.en.txt").read_text(encoding="utf-8")
    banner = english.index("Some sources could not be read")
    assert banner < english.index("Agencies behind: 0")
    assert "Ministry of Finance reports" in english[banner:english.index("Agencies behind")]
    assert "10 obligations could not be checked" in english and "silence is not compliance" in english
    assert "Judged: 0 of 10 obligations in scope (0.0%)" in english
    html = (tmp_path / "d" / "digest-2026-11-30.mn.html").read_text(encoding="utf-8")
    assert html.index("Зарим эх сурвалжийг уншиж чадсангүй") < html.index("Хоцорсон байгууллага")
    assert "Сангийн яамны мэдээ" in html and "10 үүргийг шалгаж чадсангүй" in html
