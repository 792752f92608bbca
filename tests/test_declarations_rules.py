"""The rule declarations.published (rules.md section 3), run through the CLI against the register as
demo-world data (demo.declarations_world) with exactly the officials each test needs, served by
`declarations_routes` on `responses` (tests/mocked_routes.py), broken with demo.server.Fault."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
import responses

from checks.declarations import OFFICIAL, YEAR
from demo.declarations_world import CUSTOMS, MINERALS, TAX, DeclarationsWorld, Official, Organization, \
    declarations_routes
from demo.server import JSON, Fault
from mocked_routes import install_routes
from monitor.cli import main
from monitor.store import Store

BASE = "https://xacxom.test"
ORG_IDS = {TAX: 311, CUSTOMS: 312, MINERALS: 327, "Сангийн яам": 120}


def person(aid: int, first: str, last: str, organization: str, years: list[int],
           organization_id: Any = "default") -> Official:
    """An official whose record (3a) shows `organization` as written and these declaration years."""
    org_id = ORG_IDS.get(organization.strip()) if organization_id == "default" else organization_id
    return Official(aid, first, last, first, last, Organization(org_id, organization.strip(), "typical"),
                    organization, None, None, 3, "Улсын байцаагч", date(2015, 1, 1),
                    {year: date(year + 1, 3, 1) for year in years})


def register(*officials: Official) -> DeclarationsWorld:
    organizations = tuple({o.organization: None for o in officials})
    return DeclarationsWorld(date(2026, 12, 31), date(2026, 12, 31), organizations, officials)


def letter_is(letters: str) -> Callable[[Any], bool]:
    """A Fault's `where`: the searches for one of these letters."""
    return lambda request: request.json["firstname"] in letters


def records(change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    """A Fault's `rewrite`: every record of the search answer changed in place by `change`."""
    def rewrite(body: bytes) -> bytes:
        answer = json.loads(body)
        for record in answer["retdata"]:
            change(record)
        return json.dumps(answer, ensure_ascii=False).encode("utf-8")
    return rewrite


class Monitor:
    """One database and configuration; `check(day)` runs `monitor check declarations --as-of day --json`."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        self.db = tmp_path / "monitor.db"
        self.config = tmp_path / "monitor.toml"
        self.asked: list[str] = []  # the letters searched by the last check
        self.config.write_text("\n".join([
            "[portals]", f'xacxom = "{BASE}"', "[fetch]", "delay = 0", "backoff = 0", "retries = 0",
            "[checks.declarations]", *(f"{key} = {json.dumps(value, ensure_ascii=False)}"
                                       for key, value in settings.items())]) + "\n", encoding="utf-8")

    def check(self, day: str, world: DeclarationsWorld,
              faults: dict[str, Fault] | None = None) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            install_routes(mock, BASE, declarations_routes(world), faults)
            code = main(["--config", str(self.config), "--db", str(self.db), "check", "declarations",
                         "--as-of", day, "--json"], stdout=out)
            assert {(call.request.method, call.request.url) for call in mock.calls} <= {  # 3a only
                ("POST", f"{BASE}/api/public/xacxom/search")}
            self.asked = [json.loads(call.request.body)["firstname"] for call in mock.calls]
        return code, json.loads(out.getvalue()) if out.getvalue() else {}

    def obligations(self) -> dict[str, dict[str, Any]]:
        """Today's obligations by subject."""
        store = Store(self.db)
        try:
            return {ob.subject: {"status": ob.status, "agency": ob.agency, "agency_key": ob.agency_key,
                                 "due": ob.due.isoformat(), "published": ob.published and ob.published.isoformat(),
                                 "days_late": ob.days_late, "days_overdue": ob.days_overdue}
                    for ob in store.obligations("declarations")}
        finally:
            store.close()

    def store(self) -> Store:
        return Store(self.db)


def statuses(monitor: Monitor) -> dict[str, str]:
    return {subject: ob["status"] for subject, ob in monitor.obligations().items()}


# --- scope and published -----------------------------------------------------------------------

def test_the_default_years_are_the_two_before_the_run_and_due_is_1_april_of_the_next(tmp_path):
    monitor = Monitor(tmp_path)
    code, _ = monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2023, 2024])))
    assert code == 0
    obligations = monitor.obligations()
    assert set(obligations) == {"1/2024", "1/2025"}
    assert obligations["1/2024"]["due"] == "2025-04-01"
    assert obligations["1/2025"]["due"] == "2026-04-01"


def test_a_due_date_on_a_weekend_moves_to_the_next_working_day(tmp_path):
    monitor = Monitor(tmp_path, years=[2025], publication_due="04-04")  # Saturday 4 April 2026
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024])))
    assert monitor.obligations()["1/2025"]["due"] == "2026-04-06"


def test_baseline_presence_is_met_even_after_the_due_date(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    code, result = monitor.check("2026-09-01", register(person(1, "Бат", "Дорж", TAX, [2024, 2025])))
    assert code == 0
    assert monitor.obligations()["1/2025"] == {
        "status": "met", "agency": TAX, "agency_key": "311", "due": "2026-04-01", "published": None,
        "days_late": None, "days_overdue": None}
    assert result["findings"] == []


def test_a_year_first_seen_after_the_due_date_is_late_by_first_sight(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    official = person(1, "Бат", "Дорж", TAX, [2024])
    monitor.check("2026-03-02", register(official))
    assert statuses(monitor) == {"1/2025": "pending"}
    official = person(1, "Бат", "Дорж", TAX, [2024, 2025])
    code, result = monitor.check("2026-04-10", register(official))
    assert code == 0
    [finding] = result["findings"]
    assert finding | {"evidence": None} == {
        "rule": "declarations.published", "agency": TAX, "agency_key": "311", "agency_id": "tax-authority",
        "subject": "1/2025",
        "status": "late", "due": "2026-04-01", "published": "2026-04-10", "days_late": 9,
        "days_overdue": None, "state": "new", "rechecked": True, "evidence": None}
    assert finding["evidence"] == {"url": f"{BASE}/api/public/xacxom/1"}


def test_a_year_first_seen_on_the_due_date_is_met(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    official = person(1, "Бат", "Дорж", TAX, [2024])
    monitor.check("2026-03-02", register(official))
    official = person(1, "Бат", "Дорж", TAX, [2024, 2025])
    monitor.check("2026-04-01", register(official))
    assert monitor.obligations()["1/2025"]["status"] == "met"
    assert monitor.obligations()["1/2025"]["published"] == "2026-04-01"


def test_a_missing_declaration_that_appears_later_is_resolved_as_late(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    official = person(1, "Бат", "Дорж", TAX, [2024])
    monitor.check("2026-03-02", register(official))
    _, result = monitor.check("2026-04-06", register(official))
    assert [(f["status"], f["days_overdue"], f["state"]) for f in result["findings"]] == [("missing", 5, "new")]
    official = person(1, "Бат", "Дорж", TAX, [2024, 2025])
    _, result = monitor.check("2026-04-20", register(official))
    assert [(f["status"], f["days_late"], f["state"]) for f in result["findings"]] == [("late", 19, "resolved")]


def test_only_officials_who_declared_the_year_before_are_in_scope(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2023]),  # skipped 2024
                                         person(2, "Сүх", "Болд", TAX, [2025]),  # first declared 2025
                                         person(3, "Нараа", "Пүрэв", TAX, [2024])))
    assert statuses(monitor) == {"3/2025": "missing"}


def test_a_moved_official_is_out_of_scope(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    official = person(1, "Бат", "Дорж", TAX, [2024])
    _, result = monitor.check("2026-05-10", register(official))
    assert [f["subject"] for f in result["findings"]] == ["1/2025"]
    moved = person(1, "Бат", "Дорж", "Сангийн яам", [2024])
    _, result = monitor.check("2026-05-11", register(moved))
    assert monitor.obligations() == {}
    assert result["findings"] == []
    assert result["agencies"] == []


def test_organisations_are_compared_by_normalised_name(tmp_path):
    decomposed = unicodedata.normalize("NFD", CUSTOMS)
    assert decomposed != CUSTOMS
    monitor = Monitor(tmp_path, years=[2025], organizations=["гаалийн ерөнхий  газар"])
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", f" {decomposed}  ", [2024], organization_id=312),
                                         person(2, "Сүх", "Болд", TAX, [2024])))
    assert monitor.obligations() == {"1/2025": {
        "status": "missing", "agency": CUSTOMS, "agency_key": "312", "due": "2026-04-01", "published": None,
        "days_late": None, "days_overdue": 39}}


def test_an_organisation_without_id_is_keyed_by_its_name(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024], organization_id=None)))
    assert monitor.obligations()["1/2025"]["agency_key"] == TAX


def test_names_never_appear_in_subjects_or_agencies(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024])))
    [(subject, ob)] = monitor.obligations().items()
    for text in (subject, ob["agency"], ob["agency_key"]):
        assert "Бат" not in text and "Дорж" not in text


# --- de-duplication ------------------------------------------------------------------------------

def test_a_person_answered_under_two_letters_counts_once(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    _, result = monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024])))
    assert monitor.asked.count("Б") == 1 and monitor.asked.count("Д") == 1
    assert statuses(monitor) == {"1/2025": "missing"}
    assert [(a["missing"], a["met"]) for a in result["agencies"]] == [(1, 0)]
    store = monitor.store()
    assert list(store.records(OFFICIAL)) == ["1"]
    store.close()


def test_an_id_sent_as_a_number_under_one_letter_and_a_string_under_another_is_one_person(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])

    as_text = Fault(where=letter_is("Д"), rewrite=records(lambda record: record.update(aid_user_num="1")))
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024])), {"declarations.search": as_text})
    assert statuses(monitor) == {"1/2025": "missing"}


def test_a_person_answered_differently_under_two_letters_keeps_every_year_seen(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])

    monitor.check("2026-03-02", register(person(1, "Бат", "Дорж", TAX, [2024])))
    older = Fault(where=letter_is("Б"), rewrite=records(lambda record: record.update(years=[2024])))
    _, result = monitor.check("2026-03-03", register(person(1, "Бат", "Дорж", TAX, [2024, 2025])),
                              {"declarations.search": older})
    assert monitor.obligations()["1/2025"]["status"] == "met"
    assert monitor.obligations()["1/2025"]["published"] == "2026-03-03"
    assert result["notes"] == [{"source": "declarations.search",
                                "message": "official 1 answered differently under two letters; the years were merged"}]


# --- the roster ----------------------------------------------------------------------------------

def write_roster(tmp_path: Path, text: str) -> str:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def roster_csv(*rows: list[str]) -> str:
    """CSV text as a spreadsheet writes it (the organisation of mineral resources has a comma)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_roster_officials_join_the_scope_by_id_by_names_and_without_a_record(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Өлзийбаяр")
    roster = write_roster(tmp_path, roster_csv(
        ["organization", "last_name", "first_name", "aid_user_num"],
        [TAX, "Дорж", "Бат", "1"],                               # by id: skipped 2024, so not in scope otherwise
        ["гаалийн  ерөнхий газар ", "  ЧУЛУУН ", decomposed, ""],  # by folded names
        [TAX, "Жаргал", "Туяа", "555"],                          # an id the register does not know
        [MINERALS, "Очир", "Равдан", ""],                        # names the register does not know
        [],
    ))
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    _, result = monitor.check("2026-05-10", register(
        person(1, "Бат", "Дорж", TAX, [2023]),
        person(2, "Өлзийбаяр", "Чулуун", CUSTOMS, [2025]),
        person(3, "Сүх", "Болд", TAX, [2023])))
    obligations = monitor.obligations()
    roster_only = next(s for s in obligations if s.startswith("roster:"))
    assert {s: (ob["status"], ob["agency"], ob["agency_key"]) for s, ob in obligations.items()} == {
        "1/2025": ("missing", TAX, "311"),
        "2/2025": ("met", CUSTOMS, "312"),
        "555/2025": ("missing", TAX, "311"),
        roster_only: ("missing", MINERALS, MINERALS),
    }
    assert roster_only.endswith("/2025") and len(roster_only) == len("roster:") + 16 + len("/2025")
    assert {f["subject"] for f in result["findings"]} == {"1/2025", "555/2025", roster_only}


def test_a_roster_official_without_a_record_is_pending_until_due(tmp_path):
    roster = write_roster(tmp_path, f"organization,last_name,first_name\n{TAX},Жаргал,Туяа\n")
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    monitor.check("2026-03-02", register(person(3, "Сүх", "Болд", TAX, [2023])))
    assert list(statuses(monitor).values()) == ["pending"]


def test_the_roster_subject_is_stable_and_names_are_kept_only_in_the_officials_table(tmp_path):
    roster = write_roster(tmp_path, roster_csv(["organization", "last_name", "first_name"],
                                               [MINERALS, "Очир", "Равдан"]))
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2024])))
    first = set(monitor.obligations())
    monitor.check("2026-05-11", register(person(1, "Бат", "Дорж", TAX, [2024])))
    assert set(monitor.obligations()) == first
    store = monitor.store()
    names = store.official_names()
    people = {ob.subject: names[ob.official] for ob in store.obligations("declarations")}
    assert sorted(people.values()) == ["Дорж Бат", "Очир Равдан"]
    assert not any(name in subject for subject in people for name in ("Бат", "Равдан", "Дорж", "Очир"))


def test_a_roster_official_who_moved_out_of_scope_drops_out_with_a_note(tmp_path):
    roster = write_roster(tmp_path, f"organization,last_name,first_name,aid_user_num\n{TAX},Дорж,Бат,1\n")
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    _, result = monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", "Сангийн яам", [2024])))
    assert monitor.obligations() == {}
    assert result["notes"] == [{"source": "declarations.roster",
                                "message": "roster line 2: official 1 now belongs to Сангийн яам, out of scope"}]


def test_a_roster_row_matching_two_officials_by_names_is_unknown(tmp_path):
    roster = write_roster(tmp_path, f"organization,last_name,first_name\n{TAX},Дорж,Бат\n")
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    _, result = monitor.check("2026-05-10", register(person(1, "Бат", "Дорж", TAX, [2023]),
                                                     person(2, "Бат", "Дорж", TAX, [2023])))
    [(subject, ob)] = monitor.obligations().items()
    assert subject.startswith("roster:") and ob["status"] == "unknown" and ob["agency_key"] == "311"
    assert result["findings"] == []
    assert "give aid_user_num" in result["notes"][0]["message"]


# --- a register that cannot be read --------------------------------------------------------------

def test_a_failing_letter_fails_the_source_keeps_what_was_read_and_drops_nobody(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    early = person(1, "Бат", "Болд", TAX, [2024])        # answered under Б, before the failing letter
    late = person(2, "Сүх", "Цэрэн", TAX, [2024])        # answered only under С and Ц, after it
    _, result = monitor.check("2026-05-10", register(early, late))
    assert {f["subject"]: f["status"] for f in result["findings"]} == {"1/2025": "missing", "2/2025": "missing"}

    early = person(1, "Бат", "Болд", TAX, [2024, 2025])
    code, result = monitor.check("2026-05-11", register(early, late),
                                 {"declarations.search": Fault(503, where=letter_is("Л"))})
    assert code == 3
    [source] = result["sources"]
    assert source["name"] == "declarations.search" and not source["ok"]
    assert source["error"].startswith("letter Л: HTTP 503")
    assert "the 1 officials read before it are kept" in source["error"]
    assert monitor.asked[-1] == "Л"
    assert statuses(monitor) == {"1/2025": "unknown", "2/2025": "unknown"}
    assert {(f["subject"], f["status"], f["rechecked"]) for f in result["findings"]} == {
        ("1/2025", "missing", False), ("2/2025", "missing", False)}
    store = monitor.store()
    assert store.records(YEAR)["1/2025"].first_seen == date(2026, 5, 11)  # seen on the failed run
    store.close()

    code, result = monitor.check("2026-05-12", register(early))  # complete again; official 2 has left
    assert code == 0
    assert statuses(monitor) == {"1/2025": "late"}
    assert monitor.obligations()["1/2025"]["published"] == "2026-05-11"
    assert [(f["subject"], f["state"]) for f in result["findings"]] == [("1/2025", "resolved")]


def test_a_first_run_that_fails_leaves_everything_unknown(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    code, result = monitor.check("2026-05-10", register(person(1, "Бат", "Болд", TAX, [2024])),
                                 {"declarations.search": Fault(503, where=letter_is("Я"))})
    assert code == 3
    assert statuses(monitor) == {"1/2025": "unknown"}
    assert result["findings"] == []


def test_a_register_that_answers_nobody_is_not_believed(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])
    monitor.check("2026-05-10", register(person(1, "Бат", "Болд", TAX, [2024])))
    code, result = monitor.check("2026-05-11", register())
    assert code == 3
    assert result["sources"][0]["error"] == "layout changed: no official under any letter"
    assert statuses(monitor) == {"1/2025": "unknown"}
    assert [(f["subject"], f["rechecked"]) for f in result["findings"]] == [("1/2025", False)]


def test_a_changed_answer_fails_the_source(tmp_path):
    monitor = Monitor(tmp_path, years=[2025])

    changed = Fault(body=json.dumps({"data": []}).encode(), content_type=JSON)
    code, result = monitor.check("2026-05-10", register(), {"declarations.search": changed})
    assert code == 3
    assert result["sources"][0]["error"] == "letter А: layout changed: search answer without retdata " \
                                            "(the 0 officials read before it are kept)"


# --- configuration -------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, message", [
    ({"publication_due": "4-1"}, "checks.declarations.publication_due: '4-1' is not a month and day (MM-DD)"),
    ({"publication_due": "02-30"}, "checks.declarations.publication_due: '02-30' is not a month and day (MM-DD)"),
    ({"publication_due": "02-29"}, "checks.declarations.publication_due: '02-29' is not a month and day (MM-DD)"),
    ({"publication_due": "13-01"}, "checks.declarations.publication_due: '13-01' is not a month and day (MM-DD)"),
    ({"organizations": []}, "checks.declarations.organizations: must name at least one organisation"),
    ({"organizations": [" "]}, "checks.declarations.organizations: ' ' is not a name"),
    ({"years": [25]}, "checks.declarations.years: 25 is not a year"),
])
def test_bad_settings_are_refused(tmp_path, capsys, settings, message):
    monitor = Monitor(tmp_path, **settings)
    code, _ = monitor.check("2026-05-10", register())
    assert code == 2
    assert capsys.readouterr().err.strip() == f"monitor: {message}"


@pytest.mark.parametrize("text, problem", [
    ("organization,last_name\nX,Y\n", "the header lacks first_name"),
    ("organization,last_name,first_name,aid_user_num\nX,Y,Z,12a\n", "line 2: aid_user_num '12a' is not a number"),
    ("organization,last_name,first_name\nX,,Z\n", "line 2: empty last_name"),
    ("organization,last_name,first_name,aid_user_num\n,,,12\n", "line 2: empty organization"),
])
def test_a_bad_roster_is_refused(tmp_path, capsys, text, problem):
    roster = write_roster(tmp_path, text)
    monitor = Monitor(tmp_path, roster=roster)
    code, _ = monitor.check("2026-05-10", register())
    assert code == 2
    assert capsys.readouterr().err.strip() == f"monitor: checks.declarations.roster: {roster}: {problem}"


def test_a_missing_roster_file_is_refused(tmp_path, capsys):
    monitor = Monitor(tmp_path, roster=str(tmp_path / "nowhere.csv"))
    code, _ = monitor.check("2026-05-10", register())
    assert code == 2
    assert "nowhere.csv: No such file or directory" in capsys.readouterr().err


def test_a_roster_header_is_read_ignoring_case_and_spacing(tmp_path):
    roster = write_roster(tmp_path, f" Organization , LAST_NAME,First_Name\n{TAX},Жаргал,Туяа\n")
    monitor = Monitor(tmp_path, years=[2025], roster=roster)
    monitor.check("2026-05-10", register(person(3, "Сүх", "Болд", TAX, [2023])))
    assert list(statuses(monitor).values()) == ["missing"]
