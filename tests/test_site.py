"""The report site (`monitor site OUT_DIR`, and `monitor run` with `[site] out_dir`): built from the
demo's night, read as files, and read in Chromium from file:// on a desktop and a phone."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from browser import browser, page_facts, show  # noqa: F401 (browser is a fixture)
from demo.server import DemoPortal
from demo.worlds import DEMO_TOKEN, demo_routes
from monitor import cli
from monitor.agencies import rebuild_agencies, stored_agencies
from monitor.config import portal_defaults
from monitor.digest import DigestView, digest_context
from monitor.findings import update_findings
from monitor.mongolian import has_cyrillic
from monitor.obligations import judge
from monitor.registry import available_checks
from monitor.site import MARKER, build_site
from monitor.store import Store

TODAY = date(2026, 12, 3)
PAGES = ("index.html", "ogp.html", "sources.html")


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(args), stdout=out), out.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path, Path]:
    """The demo's database after one night whose `monitor run` wrote the site: (db, config, site)."""
    out = tmp_path_factory.mktemp("demo")
    with DemoPortal(demo_routes(TODAY, anchor=TODAY)) as portal:
        portals = "\n".join(f'{name} = "{portal.url}"' for name in portal_defaults(available_checks()))
        config = out / "monitor.toml"
        config.write_text(f'[portals]\n{portals}\n[fetch]\ndelay = 0.0\n[digest]\nout_dir = "{out / "d"}"\n'
                          f'[site]\nout_dir = "{out / "site"}"\n', encoding="utf-8")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
            code, printed = run("--config", str(config), "--db", str(out / "m.db"), "run", "--no-send",
                                "--as-of", TODAY.isoformat())
    assert code == 0
    assert f"site written: {out / 'site'}" in printed
    return out / "m.db", config, out / "site"


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


# what the site holds

def test_run_writes_both_languages_with_a_page_per_agency_and_rule(demo):
    db, _, site = demo
    store = Store(db, read_only=True)
    agencies = stored_agencies(store)
    rules = {ob.rule for ob in store.obligations()}
    store.close()
    declared = {rule for check in available_checks().values() for rule in check.rules}
    assert rules < declared  # a rule with no obligation yet has its page too, for its methodology
    for home in (site, site / "en"):
        assert all((home / page).is_file() for page in PAGES)
        assert {p.stem for p in (home / "agencies").glob("*.html")} == {a.id for a in agencies}
        assert {p.stem for p in (home / "rules").glob("*.html")} == declared
    assert (site / MARKER).is_file() and (site / "style.css").is_file()


def test_every_link_inside_the_site_resolves_and_nothing_is_loaded_from_elsewhere(demo):
    site = demo[2]
    broken, remote, scripts = [], [], []
    for page in html_pages(site):
        document = soup(page)
        scripts += [page] if document.find("script") else []
        for tag in document.find_all(["a", "link", "img", "script", "iframe", "source"]):
            target = tag.get("href") or tag.get("src")
            if not target:
                continue
            parts = urlsplit(target)
            if parts.scheme:
                if tag.name != "a":
                    remote.append((page.name, target))  # a resource from elsewhere, not a link to follow
                continue
            if not (page.parent / unquote(parts.path)).resolve().is_file():
                broken.append((str(page.relative_to(site)), target))
    assert scripts == [] and remote == [] and broken == []


def test_the_index_ranks_agencies_as_the_scorecard_does_and_each_has_a_chart(demo):
    db, _, site = demo
    store = Store(db, read_only=True)
    scorecard = digest_context(store, TODAY, DigestView(language="en"))["scorecard"]
    store.close()
    first_table = soup(site / "en" / "index.html").find("table", class_="rank")
    rows = first_table.find("tbody").find_all("tr")
    assert [row.find("a").get_text() for row in rows[:5]] == [row.agency for row in scorecard[:5]]
    for row in rows:
        assert row.find("svg").find("title").get_text().startswith("On-time rate by month of the due date: ")


def test_every_agency_page_has_its_history_chart_with_a_text_alternative(demo):
    site = demo[2]
    for page in sorted((site / "agencies").glob("*.html")) + sorted((site / "en" / "agencies").glob("*.html")):
        chart = soup(page).find("figure").find("svg")
        assert chart is not None and chart.get("role") == "img", page
        assert re.search(r"\d{4}-\d{2} ", chart.find("title").get_text()), page


def test_every_chart_reads_out_consecutive_months(demo):
    site = demo[2] / "en"
    pages = [site / "ogp.html", *sorted((site / "rules").glob("*.html")), *sorted((site / "agencies").glob("*.html"))[:40]]
    for page in pages:
        for chart in soup(page).find_all("svg"):
            months = [int(y) * 12 + int(m) for y, m in re.findall(r"(\d{4})-(\d{2}) ", chart.find("title").get_text())]
            assert months and months == list(range(months[0], months[0] + len(months))), page.name


def test_the_ministry_of_finance_is_one_page_with_both_budget_rules(demo):
    site = demo[2]
    for home, words in ((site, ("Сангийн яам", "Сарын төсвийн гүйцэтгэл")), (site / "en", ("Ministry of Finance",))):
        page = soup(home / "agencies" / "ministry-of-finance.html")
        assert page.find("h1").get_text() == words[0]
        linked = {a["href"] for a in page.select(".rule h3 a")}
        assert linked == {"../rules/budget.monthly_report.html", "../rules/budget.mof_consolidated.html"}
        subjects = [td.get_text(" ", strip=True) for td in page.select("table.findings td.subject")]
        assert any(s.startswith("30156/") for s in subjects) and any(re.match(r"^\d{4}-\d{2}$", s) for s in subjects)


def test_english_pages_name_no_agency_in_cyrillic(demo):
    db, _, site = demo
    store = Store(db, read_only=True)
    names = {name for row in store.agencies() for name in (row["name"], *(k["name"] for k in row["keys"]))}
    store.close()
    for page in html_pages(site / "en"):
        document = soup(page)
        for quoted in document.select(".methodology"):  # the rules' text quotes the words a portal uses
            quoted.decompose()
        text = str(document)
        assert [name for name in names if name in text] == [], page
    index = soup(site / "en" / "index.html")
    assert [a.get_text() for a in index.select("table.rank a") if has_cyrillic(a.get_text())] == []
    assert "General Customs Administration" in index.get_text()  # the alias table's English name


def test_the_mongolian_pages_are_in_mongolian(demo):
    site = demo[2]
    index = soup(site / "index.html")
    assert index.find("html")["lang"] == "mn"
    assert "Байгууллагын үнэлгээ" in index.get_text() and "Scorecard" not in index.get_text()
    assert "Сангийн яам" in index.get_text()


def test_rule_pages_carry_the_methodology_of_docs_rules(demo):
    site = demo[2]
    english = soup(site / "en" / "rules" / "tender.result_published.html").find(class_="methodology")
    assert english is not None and "Basis" in english.get_text()
    mongolian = soup(site / "rules" / "tender.result_published.html")
    assert mongolian.find("a", href="../en/rules/tender.result_published.html#methodology") is not None


def test_the_downloads_parse_and_agree_with_the_database(demo):
    db, _, site = demo
    store = Store(db, read_only=True)
    open_findings = store.findings(open_only=True)
    obligations = store.obligations()
    agency_ids = {(key["check"], key["key"]): row["id"] for row in store.agencies() for key in row["keys"]}
    store.close()
    findings = list(csv.DictReader(io.StringIO((site / "findings.csv").read_text(encoding="utf-8-sig"))))
    assert len(findings) == len(open_findings)
    agencies = list(csv.DictReader(io.StringIO((site / "agencies.csv").read_text(encoding="utf-8-sig"))))
    assert {row["id"] for row in agencies} == set(agency_ids.values())
    assert all((site / row["page"]).is_file() for row in agencies)
    rows = json.loads((site / "obligations.json").read_text(encoding="utf-8"))
    assert len(rows) == len(obligations)
    assert all(row["agency_id"] == agency_ids[(row["rule"].split(".")[0], row["agency_key"])] for row in rows)
    assert all("official" not in row for row in rows)


def test_the_ogp_page_shows_each_commitment_claimed_and_measured_month_by_month(demo):
    site = demo[2]
    page = soup(site / "en" / "ogp.html")
    sections = page.select("section.commitment")
    assert [s.find("h2").get_text().split()[0] for s in sections] == ["3.3.1.3", "3.3.1.4", "3.3.1.8", "3.3.3.4",
                                                                      "3.3.3.6"]
    for section in sections:
        assert "Claimed by the government" in section.get_text() and "Measured" in section.get_text()
        assert section.find("details") is not None and section.find("svg") is not None


# building and replacing

def test_monitor_site_rebuilds_in_place_and_leaves_no_temporary_folder(demo, tmp_path):
    db = demo[0]
    out = tmp_path / "published"
    assert run("--db", str(db), "site", str(out))[0] == 0
    (out / "agencies" / "gone-since.html").write_text("stale", encoding="utf-8")
    code, printed = run("--db", str(db), "site", str(out), "--as-of", TODAY.isoformat())
    assert code == 0 and printed.startswith(f"site written: {out} (")
    assert not (out / "agencies" / "gone-since.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"]


def test_what_a_killed_build_left_beside_the_site_is_swept_and_nothing_else(demo, tmp_path):
    out = tmp_path / "published"
    assert run("--db", str(demo[0]), "site", str(out))[0] == 0
    staged, old, mine = tmp_path / ".published.k2j4x", tmp_path / ".published.old-k2j4x", tmp_path / ".published.notes"
    for left in (staged, old):
        left.mkdir()
        (left / MARKER).write_text("written by monitor site\n", encoding="utf-8")
    mine.mkdir()
    assert run("--db", str(demo[0]), "site", str(out))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".published.notes", "published"]


def test_a_folder_that_is_not_a_site_is_never_replaced(demo, tmp_path, capsys):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me", encoding="utf-8")
    assert run("--db", str(demo[0]), "site", str(mine))[0] == 2
    err = capsys.readouterr().err.strip()
    assert err == f"monitor: {mine}: not empty and not a site the monitor wrote; name a new or empty folder"
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "keep me"


def test_run_refuses_a_site_folder_it_may_not_replace_before_reading_anything(tmp_path, capsys):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me", encoding="utf-8")
    config = tmp_path / "monitor.toml"
    config.write_text(f'[portals]\ntender_opendata = "http://127.0.0.1:9"\n[site]\nout_dir = "{mine}"\n',
                      encoding="utf-8")
    assert run("--config", str(config), "--db", str(tmp_path / "m.db"), "run", "--no-send", "--init")[0] == 2
    assert capsys.readouterr().err.strip().endswith("not empty and not a site the monitor wrote; name a new or "
                                                     "empty folder")
    store = Store(tmp_path / "m.db", read_only=True)
    assert store.db.execute("select count(*) from runs").fetchone()[0] == 0  # no night was begun
    store.close()
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("section, message", [
    ("[site]\nout_dir = 5\n", "site.out_dir"),
    ("[site]\nfolder = \"x\"\n", "site.folder: unknown key"),
])
def test_a_bad_site_configuration_is_one_line_naming_the_key(tmp_path, capsys, section, message):
    config = tmp_path / "monitor.toml"
    config.write_text(section, encoding="utf-8")
    assert run("--config", str(config), "site", str(tmp_path / "s"))[0] == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_one_ministry_from_two_budget_keys_is_one_page_in_a_small_store(tmp_path):
    as_of = date(2026, 11, 30)
    obligations = [judge(rule=rule, agency="Сангийн яам", agency_key=key, subject=subject, published=None,
                         due=as_of - timedelta(days=20), as_of=as_of)
                   for rule, key, subject in (("budget.monthly_report", "30156", "30156/2026-10"),
                                              ("budget.mof_consolidated", "Сангийн яам", "2026-10"))]
    store = Store(tmp_path / "m.db")
    store.replace_obligations("budget", as_of, obligations)
    store.save_findings(update_findings("budget", as_of, obligations, []))
    rebuild_agencies(store, available_checks())
    summary = build_site(store, as_of, tmp_path / "site")
    store.close()
    pages = sorted(p.name for p in (tmp_path / "site" / "agencies").glob("*.html"))
    rules = sum(len(check.rules) for check in available_checks().values())
    assert pages == ["ministry-of-finance.html"] and summary.pages == 2 * (3 + 1 + rules)
    page = soup(tmp_path / "site" / "en" / "agencies" / "ministry-of-finance.html")
    assert [td.contents[0].strip() for td in page.select("table.findings td.bad")] == ["missing", "missing"]


# in a browser

WIDTHS = (1280, 390)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ("mn", "en"))
def test_the_site_reads_in_a_browser_from_file_urls(browser, demo, language, width):
    home = demo[2] if language == "mn" else demo[2] / "en"
    pages = [home / "index.html", home / "ogp.html", home / "sources.html",
             home / "agencies" / "ministry-of-finance.html", home / "rules" / "budget.monthly_report.html",
             *sorted((home / "agencies").glob("governor-*.html"))[:3]]
    for page in pages:
        show(browser, page.as_uri(), width)
        facts = page_facts(browser)
        assert facts["scrollWidth"] <= facts["innerWidth"] == width, (
            f"{page.relative_to(demo[2])} is {facts['scrollWidth']} px wide in a {width} px window")
        assert facts["lang"] == language
        inside = [unquote(urlsplit(link).path) for link in facts["links"] if urlsplit(link).scheme == "file"]
        assert inside and all(Path(path).is_file() for path in inside), page
        if page.parent.name == "agencies":
            assert browser.execute_script("return document.querySelector('figure svg title').textContent")
        if language == "mn":
            assert "Ил тод байдлын хяналт" in facts["text"]
