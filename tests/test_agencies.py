"""monitor.agencies: one identity per agency across the portals, and `monitor agencies`."""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor import cli
from monitor.agencies import (AliasRow, bundled_aliases, load_aliases, match_agencies, normalised_name,
                              rebuild_agencies, stored_agencies)
from monitor.config import parse_config, portal_defaults
from demo.server import DemoPortal
from demo.worlds import DEMO_TOKEN, demo_routes
from monitor.digest import DigestView, digest_context, render_digest
from monitor.errors import ConfigError
from monitor.findings import update_findings
from monitor.mongolian import has_cyrillic
from monitor.obligations import judge
from monitor.registry import available_checks
from monitor.store import Store

AS_OF = date(2026, 11, 30)
TODAY = date(2026, 12, 3)


def ob(rule: str, agency: str, key: str, subject: str, days_overdue: int = 10):
    return judge(rule=rule, agency=agency, agency_key=key, subject=subject, due=AS_OF - timedelta(days=days_overdue),
                 published=None, as_of=AS_OF)


def store_with(tmp_path: Path, obligations) -> Store:
    store = Store(tmp_path / "m.db")
    for check in sorted({o.rule.split(".")[0] for o in obligations}):
        mine = [o for o in obligations if o.rule.startswith(check + ".")]
        store.replace_obligations(check, AS_OF, mine)
        store.save_findings(update_findings(check, AS_OF, mine, []))
    return store


# matching

@pytest.mark.parametrize("a, b", [
    ("Өмнөговь аймгийн Засаг даргын Тамгын газар", "Өмнөговь аймгийн ЗДТГ"),
    ("Өмнөговь аймгийн ЗДТГ", "Өмнөговь АЗДТГ"),
    ("Нийслэлийн Засаг даргын Тамгын газар", "НЗДТГ"),
    ('"Эрдэнэс Монгол" ХХК', "Эрдэнэс Монгол Хязгаарлагдмал хариуцлагатай компани"),
    ("«Монголын төмөр зам» ТӨХК", "Монголын  төмөр зам төрийн өмчит хувьцаат компани"),
    ("СангийН  яам ", "Сангийн яам"),
    ("Сангийн яам", "Сангийн яам".encode().decode()),
])
def test_normalised_names_read_abbreviations_quotes_case_and_spaces_alike(a, b):
    assert normalised_name(a) == normalised_name(b)


def test_different_names_stay_apart():
    assert normalised_name("Нийслэлийн татварын газар") != normalised_name("Татварын ерөнхий газар")
    assert normalised_name("Эрдэнэс Монгол ХХК") != normalised_name("Эрдэнэс Монгол ХК")


def test_a_shared_register_number_joins_keys_whose_names_differ():
    agencies = match_agencies([("tender", "1668", "Эрдэнэс Таван Толгой"), ("extractives", "2051303", "ЭТТ ХК")],
                              {("tender", "1668"): "2051303", ("extractives", "2051303"): "2051303"}, [])
    [agency] = agencies
    assert agency.id == "reg-2051303" and agency.matched_by == ("register",)
    assert {check for check, _, _ in agency.keys} == {"tender", "extractives"}


def test_different_register_numbers_are_never_joined_by_name():
    agencies = match_agencies([("budget", "1", "Төв эмнэлэг"), ("tender", "9", "Төв эмнэлэг")],
                              {("budget", "1"): "2000001", ("tender", "9"): "2000002"}, [])
    assert len(agencies) == 2 and all(a.unmatched for a in agencies)


def test_an_alias_joins_a_name_and_a_key_and_gives_the_english_name():
    row = AliasRow("statistics-office", "Үндэсний статистикийн хороо", "National Statistics Office", None,
                   ("Статистикийн үндэсний хороо", "legal:77"))
    agencies = match_agencies([("budget", "5", "Үндэсний статистикийн хороо"),
                               ("declarations", "312", "Статистикийн үндэсний хороо"),
                               ("legal", "77", "ҮСХ")], {}, [row])
    [agency] = agencies
    assert (agency.id, agency.name_en, agency.matched_by) == ("statistics-office", "National Statistics Office",
                                                              ("alias",))
    assert len(agency.keys) == 3 and not agency.unmatched


def test_names_that_match_nothing_stay_separate_agencies():
    agencies = match_agencies([("tender", "1", "Хөгжлийн банк"), ("budget", "2", "Хөгжлийн банкны газар")], {}, [])
    assert len(agencies) == 2 and all(a.unmatched for a in agencies)
    assert {a.id for a in agencies} == {"tender-1", "budget-2"}


def test_the_bundled_alias_table_names_ministries_agencies_and_every_governors_office():
    rows = bundled_aliases()
    assert len(rows) >= 60 and len({r.id for r in rows}) == len(rows)
    assert all(r.name_en and not has_cyrillic(r.name_en) for r in rows)
    governors = [r for r in rows if r.name.endswith("аймгийн Засаг даргын Тамгын газар")]
    assert len(governors) == 21  # every aimag
    assert any(r.name == "Нийслэлийн Засаг даргын Тамгын газар" for r in rows)
    assert sum(r.name.endswith("яам") for r in rows) >= 16


def test_a_users_alias_file_extends_the_bundled_table(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("id,name_mn,name_en,register_no,aliases\n"
                    "ministry-of-finance,Санхүүгийн яам,,,budget:99\n"
                    "local-school,Жишээ сургууль,Example School,,\n", encoding="utf-8")
    rows = {r.id: r for r in load_aliases(path)}
    assert rows["ministry-of-finance"].name == "Сангийн яам"
    assert rows["ministry-of-finance"].name_en == "Ministry of Finance"
    assert {"Санхүүгийн яам", "budget:99"} <= set(rows["ministry-of-finance"].aliases)
    assert rows["local-school"].name_en == "Example School"
    config = parse_config({"agencies": {"aliases": str(path)}}, available_checks())
    assert config.agency_aliases == str(path)


def test_an_alias_file_that_cannot_be_used_is_one_line_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="missing.csv: cannot read it"):
        load_aliases(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name_mn\n,Яам\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.csv, line 2: an alias row needs an id and a name_mn"):
        load_aliases(bad)
    with pytest.raises(ConfigError, match="agencies.wrong: unknown key"):
        parse_config({"agencies": {"wrong": "x"}}, available_checks())


# the Ministry of Finance, in a store

def test_the_ministry_of_finance_is_one_agency_with_both_budget_rules(tmp_path):
    store = store_with(tmp_path, [
        ob("budget.monthly_report", "Сангийн яам", "30156", "30156/2026-10"),
        ob("budget.mof_consolidated", "Сангийн яам", "Сангийн яам", "2026-10"),
        ob("budget.monthly_report", "Эрүүл мэндийн яам ", "43621", "43621/2026-10"),
    ])
    store.save_records("budget.organization", [("30156", {"id": "30156", "name": "Сангийн яам",
                                                          "register_no": "2011964"})], AS_OF)
    rebuild_agencies(store, available_checks())
    ids = store.agency_ids()
    assert ids[("budget", "30156")] == ids[("budget", "Сангийн яам")] == "ministry-of-finance"
    [mof] = [a for a in stored_agencies(store) if a.id == "ministry-of-finance"]
    assert mof.register_no == "2011964" and mof.name_en == "Ministry of Finance"
    for lang in ("mn", "en"):
        [row] = [r for r in digest_context(store, AS_OF, DigestView(language=lang))["scorecard"]
                 if {f.rule for f in r.rules} >= {"budget.monthly_report"} and r.missing == 2]
        assert {f.rule for f in row.rules} == {"budget.monthly_report", "budget.mof_consolidated"}
        assert row.agency == {"mn": "Сангийн яам", "en": "Ministry of Finance"}[lang]
    store.close()


# the demo

@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """The demo's database after one night, and its configuration."""
    out = tmp_path_factory.mktemp("demo")
    with DemoPortal(demo_routes(TODAY, anchor=TODAY)) as portal:
        portals = "\n".join(f'{name} = "{portal.url}"' for name in portal_defaults(available_checks()))
        config = out / "monitor.toml"
        config.write_text(f'[portals]\n{portals}\n[fetch]\ndelay = 0.0\n[digest]\nout_dir = "{out / "d"}"\n',
                          encoding="utf-8")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
            assert cli.main(["--config", str(config), "--db", str(out / "m.db"), "run", "--no-send",
                             "--as-of", TODAY.isoformat()], stdout=io.StringIO()) == 0
    return out / "m.db", config


# Every agency of the demo that two or more portals list, and the portals that list it.
DEMO_SHARED = {
    "ministry-of-education": {"budget", "tender"},
    "ministry-of-health": {"budget", "tender"},
    "ministry-of-road-and-transport": {"budget", "tender"},
    "customs": {"budget", "declarations"},
    "mineral-resources-authority": {"budget", "declarations"},
    "governor-bulgan": {"budget", "tender"},
    "governor-darkhan-uul": {"budget", "tender"},
    "governor-khovd": {"budget", "tender"},
    "governor-khuvsgul": {"budget", "tender"},
    "governor-uvurkhangai": {"budget", "tender"},
    "governor-zavkhan": {"budget", "tender"},
    "Баянзүрх дүүргийн Засаг даргын Тамгын газар": {"budget", "tender"},
    "Сонгинохайрхан дүүргийн Засаг даргын Тамгын газар": {"budget", "tender"},
    "Сонгинохайрхан дүүргийн Эрүүл мэндийн төв": {"budget", "tender"},
    "Дархан-Уул аймгийн Нэгдсэн эмнэлэг": {"budget", "tender"},
    "Дорнод аймгийн Нэгдсэн эмнэлэг": {"budget", "tender"},
    "Сэлэнгэ аймгийн Нэгдсэн эмнэлэг": {"budget", "tender"},
    "Монгол Улсын Их Сургууль": {"budget", "tender"},
    "Эх, хүүхдийн эрүүл мэндийн үндэсний төв": {"budget", "tender"},
}


def test_the_demos_agencies_on_two_or_more_portals_are_one_agency_each(demo):
    store = Store(demo[0], read_only=True)
    agencies = stored_agencies(store)
    shared = {(a.id if a.name_en else a.name): {check for check, _, _ in a.keys}
              for a in agencies if len({check for check, _, _ in a.keys}) > 1}
    assert shared == DEMO_SHARED
    # No name is left on two agencies: a name the portals share is one agency.
    names = [normalised_name(name) for a in agencies for name in {name for _, _, name in a.keys}]
    assert len(names) == len(set(names))
    # Budget and tender agencies of one name carry one register number: joined by it, not only by name.
    assert all("register" in a.matched_by for a in agencies if {c for c, _, _ in a.keys} == {"budget", "tender"})
    store.close()


def test_the_english_digest_of_the_demo_names_no_agency_in_cyrillic(demo):
    store = Store(demo[0], read_only=True)
    context = digest_context(store, TODAY, DigestView(language="en"))
    shown = context["newly_behind"] + context["still_behind"] + context["caught_up"]
    assert shown and context["scorecard"]
    assert [f["agency"] for f in shown if has_cyrillic(f["agency"])] == []
    assert [row.agency for row in context["scorecard"] if has_cyrillic(row.agency)] == []
    assert "General Customs Administration" in [row.agency for row in context["scorecard"]]  # the alias table's English
    for fmt in ("text", "html"):
        body = render_digest(context, fmt)
        for row in store.agencies():
            assert row["name"] not in body
    mongolian = digest_context(store, TODAY, DigestView(language="mn"))
    assert all(has_cyrillic(row.agency) for row in mongolian["scorecard"])
    store.close()


def test_check_json_gives_an_agency_id_beside_each_agency_key(demo):
    db, config = demo
    with DemoPortal(demo_routes(TODAY, anchor=TODAY)) as portal:
        portals = "\n".join(f'{name} = "{portal.url}"' for name in portal_defaults(available_checks()))
        config.write_text(f'[portals]\n{portals}\n[fetch]\ndelay = 0.0\n', encoding="utf-8")
        out = io.StringIO()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TENDER_OPENDATA_TOKEN", DEMO_TOKEN)
            cli.main(["--config", str(config), "--db", str(db), "check", "budget", "--json",
                      "--as-of", TODAY.isoformat()], stdout=out)
    result = json.loads(out.getvalue())
    for rows in (result["findings"], result["agencies"]):
        assert rows and all(list(row)[list(row).index("agency_key") + 1] == "agency_id" for row in rows)
    by_key = {row["agency_key"]: row["agency_id"] for row in result["agencies"]}
    assert by_key["30156"] == by_key["Сангийн яам"] == "ministry-of-finance"


def test_monitor_agencies_lists_keys_and_the_unmatched(demo):
    db, _ = demo
    out = io.StringIO()
    assert cli.main(["--db", str(db), "agencies"], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert re.match(r"\s*ID\s+ENGLISH\s+MATCHED BY\s+KEY\s+NAME ON THE PORTAL", lines[0])
    assert any("ministry-of-finance" in line and "budget:30156" in line for line in lines)
    assert any("ministry-of-finance" in line and "budget:Сангийн яам" in line for line in lines)
    unmatched = io.StringIO()
    assert cli.main(["--db", str(db), "agencies", "--unmatched"], stdout=unmatched) == 0
    text = unmatched.getvalue()
    assert "ministry-of-finance" not in text and "budget:" in text
    assert len(text.splitlines()) < len(lines)
