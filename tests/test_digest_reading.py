"""What a reader meets in a digest (issue 12, items 2–8): evidence, order, wording, the scorecard,
the methodology link and the digest's date, each rendered from a store the test fills."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from monitor import cli
from monitor.agencies import rebuild_agencies
from monitor.config import METHODOLOGY_URL, parse_config
from monitor.digest import LIST_SHOWN, DigestView, digest_context, digest_subject, render_digest, write_digests
from monitor.errors import ConfigError
from monitor.findings import update_findings
from monitor.obligations import Obligation, judge
from monitor.registry import available_checks
from monitor.store import Store

AS_OF = date(2026, 11, 30)
TENDER_URL = "https://www.tender.gov.mn/mn/result/?year=2026"


def overdue(rule: str, agency: str, agency_key: str, subject: str, days: int,
            evidence_url: str | None = TENDER_URL) -> Obligation:
    return judge(rule=rule, agency=agency, agency_key=agency_key, subject=subject,
                 due=AS_OF - timedelta(days=days), published=None, as_of=AS_OF, evidence_url=evidence_url)


def met(rule: str, agency: str, agency_key: str, subject: str) -> Obligation:
    due = AS_OF - timedelta(days=30)
    return judge(rule=rule, agency=agency, agency_key=agency_key, subject=subject, due=due, published=due,
                 as_of=AS_OF, evidence_url=TENDER_URL)


def store_with(tmp_path, obligations: list[Obligation]) -> Store:
    """A store as a first run on AS_OF leaves it: obligations judged, their findings new."""
    store = Store(tmp_path / "m.db")
    store.finish_run(store.start_run(AS_OF, "run"), 0)
    for check in sorted({ob.rule.split(".")[0] for ob in obligations}):
        mine = [ob for ob in obligations if ob.rule.startswith(check + ".")]
        store.replace_obligations(check, AS_OF, mine)
        store.save_findings(update_findings(check, AS_OF, mine, []))
    return store


def render(store: Store, lang: str, fmt: str, **options) -> str:
    return render_digest(digest_context(store, AS_OF, DigestView(language=lang), **options), fmt)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def draft_store(tmp_path) -> Store:
    return store_with(tmp_path, [overdue("legal.draft_comment_period", "Засгийн газар", "gov",
                                         "bc941201-972c-4cd4-8d85-6007ebcd3ce2", 12, evidence_url=None)])


@pytest.mark.parametrize("lang, words", [("en", "no page of its own"), ("mn", "тусдаа хуудасгүй")])
def test_a_draft_without_a_page_says_so_and_links_the_parliament_list(draft_store, lang, words):
    html, text = render(draft_store, lang, "html"), render(draft_store, lang, "text")
    for body in (html, text):
        assert not re.search(r"None(?!\.)", body)  # "None." is the English for an empty list
        assert words in body
        assert "https://d.parliament.mn/" in body
    assert 'href="None"' not in html and '<a href="https://d.parliament.mn/"' in html


def test_newly_behind_lists_the_most_overdue_first_and_says_1_day(tmp_path):
    obligations = [overdue("tender.result_published", f"Агентлаг {i}", f"a{i}", f"S/{i}", 1) for i in range(20)]
    obligations.append(overdue("declarations.published", "Гаалийн ерөнхий газар", "customs", "544863/2024", 611))
    store = store_with(tmp_path, obligations)
    context = digest_context(store, AS_OF, DigestView(language="en"))
    assert [f["days_overdue"] for f in context["newly_behind"]][:2] == [611, 1]
    english, mongolian = render(store, "en", "text"), render(store, "mn", "text")
    assert english.index("611 days overdue") < english.index("1 day overdue")
    assert not re.search(r"\b1 days", english + visible_text(render(store, "en", "html")))
    assert "1 хоног хэтэрсэн" in mongolian and "611 хоног хэтэрсэн" in mongolian


def test_the_list_footer_points_to_the_csv_attached_or_written_beside(tmp_path):
    obligations = [overdue("tender.result_published", f"Агентлаг {i}", f"a{i}", f"S/{i}", i + 1)
                   for i in range(LIST_SHOWN + 5)]
    store = store_with(tmp_path, obligations)
    for lang, phrase in (("en", "5 more; the complete list is in the attached file findings.csv"),
                         ("mn", "5 бусад; бүрэн жагсаалт хавсаргасан findings.csv файлд байна")):
        for fmt in ("html", "text"):
            body = render(store, lang, fmt)
            assert phrase in body and "`" not in body and "monitor findings" not in body
    written = write_digests(store, AS_OF, tmp_path / "out", ["en"])
    beside = tmp_path / "out" / f"findings-{AS_OF}.csv"
    assert beside in written
    with beside.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == LIST_SHOWN + 5
    digest = (tmp_path / "out" / f"digest-{AS_OF}.en.txt").read_text(encoding="utf-8")
    assert f"the complete list is in the file findings-{AS_OF}.csv beside this digest" in digest


def test_one_agency_is_one_scorecard_entry_and_the_headline_counts_the_same(tmp_path):
    # The ministry is keyed one way by the budget check and another by the tender check.
    ministry = "Зам, тээврийн хөгжлийн яам"
    obligations = [overdue("budget.monthly_report", ministry, "budget-17", f"budget-17/2026-0{m}", 30 * m)
                   for m in range(1, 4)]
    obligations += [overdue("tender.result_published", ministry, "ЗТХЯ", "ЗТХЯ/1", 5),
                    met("tender.result_published", ministry, "ЗТХЯ", "ЗТХЯ/2")]
    # Two agencies with one missing each: the one with the lower on-time rate ranks first.
    obligations += [overdue("tender.result_published", "Сайн агентлаг", "good", "G/0", 3)]
    obligations += [met("tender.result_published", "Сайн агентлаг", "good", f"G/{i}") for i in range(1, 9)]
    obligations += [overdue("tender.result_published", "Муу агентлаг", "bad", "B/0", 3)]
    obligations += [met("tender.result_published", "Муу агентлаг", "bad", f"B/{i}") for i in range(1, 5)]
    obligations += [met("tender.result_published", "Гүйцэтгэгч", "ok", f"O/{i}") for i in range(6)]
    store = store_with(tmp_path, obligations)
    rebuild_agencies(store, available_checks())  # as a run does after its checks
    context = digest_context(store, AS_OF, DigestView(language="en"))
    names = [row.agency for row in context["scorecard"]]
    # The English digest names agencies in English (the alias table's) or transliterated, never in Cyrillic.
    english = "Ministry of Road and Transport Development"
    assert names == [english, "Muu agyentlag", "Sain agyentlag", "Guitsetgegch"]  # е is ye by MNS 5217:2012
    ministry_row = context["scorecard"][0]
    assert ministry_row.missing == 4
    assert {r.rule for r in ministry_row.rules} == {"budget.monthly_report", "tender.result_published"}
    behind = sum(1 for row in context["scorecard"] if row.missing)
    assert context["figures"]["agencies_behind"] == behind == 3
    text = render(store, "en", "text")
    assert "Agencies behind: 3" in text and "3 agencies behind. Ranked by obligations missing" in text
    assert text.count(english) == 1 + 4  # once in the scorecard, once per finding listed
    assert visible_text(render(store, "en", "html")).count(f"{english} · 4 missing") == 1
    mongolian = digest_context(store, AS_OF, DigestView(language="mn"))["scorecard"]
    assert [row.agency for row in mongolian] == [ministry, "Муу агентлаг", "Сайн агентлаг", "Гүйцэтгэгч"]


def test_the_agencies_past_the_scorecard_are_counted_with_those_behind(tmp_path):
    obligations = [overdue("tender.result_published", f"Агентлаг {i:02}", f"a{i}", f"S/{i}", 3) for i in range(25)]
    obligations += [met("tender.result_published", f"Гүйцэтгэгч {i}", f"ok{i}", f"O/{i}") for i in range(3)]
    store = store_with(tmp_path, obligations)
    context = digest_context(store, AS_OF, DigestView(language="en"))
    shown_behind = sum(1 for row in context["scorecard"] if row.missing)
    assert shown_behind + context["scorecard_more_behind"] == context["figures"]["agencies_behind"] == 25
    assert "… 8 more agencies (5 of them behind)" in render(store, "en", "text")


def test_the_mongolian_digest_names_sources_and_bases_in_mongolian(tmp_path):
    store = store_with(tmp_path, [overdue("budget.mof_consolidated", "Сангийн яам", "mof", "2026-09", 40),
                                  overdue("tender.contract_published", "Яам", "y", "Y/1", 9)])
    run_id = store.start_run(AS_OF, "run")
    store.record_source(run_id, "budget", "budget.mof", AS_OF, None)
    mongolian, english = render(store, "mn", "text"), render(store, "en", "text")
    assert "Сангийн яамны мэдээ (budget.mof)" in mongolian and "Ministry of Finance reports" in english
    for words in ("Glass Account", "PEFA", "contracts above", "MNT", "OGP"):
        assert words not in mongolian
    assert "ЗТНТ 3.3.1.8; 80,000,000 төгрөгөөс дээш гэрээ" in mongolian


def test_each_rule_links_its_section_of_the_methodology(draft_store):
    html = render(draft_store, "en", "html")
    assert f'href="{METHODOLOGY_URL}#legaldraft_comment_period"' in html
    assert "rules.md" not in visible_text(html).replace(METHODOLOGY_URL, "")
    custom = render(draft_store, "mn", "text", methodology_url="https://example.org/m")
    assert "https://example.org/m#legaldraft_comment_period" in custom and METHODOLOGY_URL not in custom


def test_methodology_url_is_configured_and_checked():
    checks = available_checks()
    assert parse_config({}, checks).methodology_url == METHODOLOGY_URL
    assert parse_config({"digest": {"methodology_url": "https://ngo.mn/rules"}}, checks).methodology_url \
        == "https://ngo.mn/rules"
    with pytest.raises(ConfigError, match=r"^digest\.methodology_url: expected an http\(s\) URL"):
        parse_config({"digest": {"methodology_url": "docs/rules.md"}}, checks)
    with pytest.raises(ConfigError, match=r"^digest\.methodology_url: expected a string"):
        parse_config({"digest": {"methodology_url": 1}}, checks)


def test_monitor_digest_is_dated_by_the_latest_run_not_today(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = store_with(tmp_path, [overdue("tender.result_published", "Яам", "y", "Y/1", 3)])
    store.close()
    out = io.StringIO()
    assert cli.main(["--db", str(tmp_path / "m.db"), "digest", "--language", "en"], stdout=out) == 0
    assert out.getvalue().startswith(f"Disclosure monitor digest — As of {AS_OF}\n")
    out = io.StringIO()
    assert cli.main(["--db", str(tmp_path / "m.db"), "digest", "--as-of", "2026-12-03", "--language", "en"],
                    stdout=out) == 0
    assert "As of 2026-12-03" in out.getvalue()


def test_the_subject_says_when_sources_could_not_be_read(tmp_path):
    store = store_with(tmp_path, [overdue("tender.result_published", "Яам", "y", "Y/1", 3)])
    store.record_source(store.start_run(AS_OF, "run"), "tender", "tender.results", AS_OF, "unreachable")
    context = digest_context(store, AS_OF, DigestView(language="en"))
    assert digest_subject(context) == f"Disclosure monitor digest {AS_OF}: 1 agency behind (1 source could not be read)"
    mongolian = digest_context(store, AS_OF, DigestView(language="mn"))
    assert digest_subject(mongolian).endswith(": 1 байгууллага хоцорсон (1 эх сурвалжийг уншиж чадсангүй)")


def test_each_list_shows_its_first_findings_in_its_order_and_counts_the_rest(tmp_path):
    """The digest reads the open findings once: each list keeps the first LIST_SHOWN in its order."""
    store, day1 = Store(tmp_path / "m.db"), AS_OF - timedelta(days=1)

    def missing(i: int, days: int, as_of: date) -> Obligation:
        return judge(rule="tender.result_published", agency=f"Агентлаг {i % 3}", agency_key=f"a{i % 3}",
                     subject=f"S/{i:02}", due=day1 - timedelta(days=days), published=None, as_of=as_of,
                     evidence_url=TENDER_URL)

    def late(i: int) -> Obligation:
        return judge(rule="tender.result_published", agency=f"Агентлаг {i % 3}", agency_key=f"a{i % 3}",
                     subject=f"S/{i:02}", due=day1 - timedelta(days=5 + i % 4), published=day1, as_of=AS_OF,
                     evidence_url=TENDER_URL)

    for as_of, obligations in ((day1, [missing(i, 5 + i % 4, day1) for i in range(40)]),
                               (AS_OF, [late(i) if i < 18 else missing(i, 5 + i % 4, AS_OF) for i in range(40)]
                                + [missing(i, i % 4, AS_OF) for i in range(40, 60)])):
        store.finish_run(store.start_run(as_of, "run"), 0)
        store.replace_obligations("tender", as_of, obligations)
        store.save_findings(update_findings("tender", as_of, obligations, store.findings("tender", open_only=False)))
    context = digest_context(store, AS_OF, DigestView(language="en"))

    open_rows = store.findings(open_only=True)
    newly = sorted((f for f in open_rows if f["state"] == "new"), key=lambda f: (-f["days_overdue"], f["agency"], f["subject"]))
    still = sorted((f for f in open_rows if f["status"] == "missing" and f["state"] != "new"),
                   key=lambda f: (f["due"], f["agency"], f["subject"]))
    caught_up = [f for f in open_rows if f["state"] == "resolved"]
    assert (len(newly), len(still), len(caught_up)) == (20, 22, 18)  # each longer than a list shows
    for name, whole in (("newly_behind", newly), ("still_behind", still), ("caught_up", caught_up)):
        assert [f["subject"] for f in context[name]] == [f["subject"] for f in whole[:LIST_SHOWN]]
        assert context[f"{name}_more"] == len(whole) - LIST_SHOWN
    assert context["figures"] | {"agencies_behind": None} == {"agencies_behind": None, "obligations_missing": 42,
                                                              "newly_behind": 20, "caught_up": 18}
