"""Every page parser on its pairs (tests/fixtures/README.md): each `<case>.html|json` in a parser's folder
is read by that parser, and what it gives, made plain JSON, must be `<case>.expected.json`. Below the
pairs, what a pair cannot say: one page read two ways, and the helpers that read no page."""
from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest

from checks.budget.consolidated_pages import parse_mof_page
from checks.budget.entity_pages import parse_organizations_page, parse_reports
from checks.declarations.pages import LETTERS, parse_search, register_id
from checks.extractives.pages import licence_code_key, parse_eiti_reports, parse_licence_detail, parse_licence_grid
from checks.legal.pages import draft_name_key, parse_drafts_page, parse_register_page
from checks.tender.pages import parse_contracts_page, parse_invitation_page, parse_result_detail, parse_results_page
from conftest import FIXTURES
from monitor.errors import MonitorError

PARSERS: dict[str, Callable[[Any], Any]] = {  # folder: its parser (the probe's source); .json is parsed, .html is text
    "tender/invitations": parse_invitation_page,  # tender.invitations
    "tender/results": parse_results_page,  # tender.results
    "tender/result_detail": parse_result_detail,  # tender.result_detail
    "tender/contracts": parse_contracts_page,  # tender.contracts
    "legalinfo": parse_register_page,  # legal.register
    "parliament": parse_drafts_page,  # legal.drafts
    "shilendans/organizations": parse_organizations_page,  # budget.organizations
    "shilendans/reports": lambda payload: parse_reports(payload, 2026),  # budget.reports, asked for 2026
    "mof": parse_mof_page,  # budget.mof
    "xacxom/search": parse_search,  # declarations.search
    "cadastre/licences": parse_licence_grid,  # extractives.licences
    "cadastre/licence_detail": parse_licence_detail,  # extractives.licence_detail
    "eiti": parse_eiti_reports,  # extractives.reports
}
EXPECTED = ".expected.json"
CASES = sorted(path for folder in PARSERS for path in (FIXTURES / folder).iterdir()
               if path.is_file() and path.suffix in (".html", ".json") and not path.name.endswith(EXPECTED))


def plain(value: Any) -> Any:
    """A parser's result as JSON: Decimal -> string, date -> ISO string, tuple -> list."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"no plain JSON for {value!r}")


def outcome(parse: Callable[[Any], Any], given: Any) -> Any:
    """What the parser gives, or the refusal it raises; any other exception is a bug and fails the test."""
    try:
        return plain(parse(given))
    except MonitorError as error:
        return {"raises": type(error).__name__, "message": str(error)}


def dump(value: Any) -> str:
    """JSON as the pairs keep it: keys sorted, combining and invisible characters escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return "".join(json.dumps(c)[1:-1] if unicodedata.category(c)[0] in "CMZ" and c not in " \n" else c
                   for c in text) + "\n"


def _folder(case: Path) -> str:
    return case.parent.relative_to(FIXTURES).as_posix()


def _id(case: Path) -> str:
    return f"{_folder(case)}/{case.stem}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_parser(case: Path, request: pytest.FixtureRequest) -> None:
    text = case.read_bytes().decode("utf-8")
    got = outcome(PARSERS[_folder(case)], json.loads(text) if case.suffix == ".json" else text)
    expected_file = case.with_name(case.stem + EXPECTED)
    if request.config.getoption("--write-expected"):
        expected_file.write_text(dump(got), encoding="utf-8")
        pytest.skip(f"wrote {expected_file.relative_to(FIXTURES)}: check it against what the case shows")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    if "message_contains" in expected:  # a refusal written by hand may name part of its message
        assert isinstance(got, dict) and got.get("raises") == expected["raises"], got
        assert expected["message_contains"] in got["message"]
    else:
        assert dump(got) == dump(expected)


def test_every_case_has_its_expected_file_and_every_expected_file_its_case() -> None:
    expected = {f"{_folder(path)}/{path.name.removesuffix(EXPECTED)}" for path in FIXTURES.rglob("*" + EXPECTED)}
    assert len({_id(case) for case in CASES}) == len(CASES)
    assert expected == {_id(case) for case in CASES}


# one page read two ways

@pytest.mark.parametrize("case", [case for case in CASES if case.suffix == ".html"], ids=_id)
def test_an_html_case_reads_the_same_from_its_bytes(case: Path) -> None:
    parse = PARSERS[_folder(case)]
    assert outcome(parse, case.read_bytes()) == outcome(parse, case.read_bytes().decode("utf-8"))


@pytest.mark.parametrize("parse, table", [(parse_results_page, "#tender-result-table"),
                                          (parse_result_detail, "#bidder_tableId"),
                                          (parse_contracts_page, "#contract-table")])
def test_bytes_that_are_no_utf8_text_are_the_named_layout_change(parse: Callable[[Any], Any], table: str) -> None:
    assert outcome(parse, b"\xff\xfe") == {"raises": "LayoutChanged", "message": f"layout changed: no {table}"}


def test_bytes_are_decoded_by_their_declared_charset_and_text_keeps_its_own() -> None:
    page = ('<html><head><meta charset="windows-1251"></head><body><div id="tender-result-table"><table><tbody>'
            '<tr><td>А/1/01/01</td><td>А/1</td><td><a href="/mn/result/detail/1">Сургуулийн тавилга</a> 14/11/2026</td>'
            '<td>Боловсролын газар</td><td>96,000,000</td></tr></tbody></table></div></body></html>')
    [from_bytes] = parse_results_page(page.encode("cp1251"))
    [from_text] = parse_results_page(page)   # a str was decoded already: its meta charset is not read again
    assert from_bytes == from_text
    assert (from_text["tender_name"], from_text["agency"]) == ("Сургуулийн тавилга", "Боловсролын газар")
    xml_declared = '<?xml version="1.0" encoding="utf-8"?>' + page   # lxml refuses such a str as it is
    assert parse_results_page(xml_declared) == [from_text]


def test_the_sample_reports_join_the_sample_grid_s_licences_by_their_code_key() -> None:
    grid = parse_licence_grid(json.loads((FIXTURES / "cadastre/licences/sample.json").read_bytes()))[2]
    reports = parse_eiti_reports(json.loads((FIXTURES / "eiti/sample.json").read_bytes()))
    assert {row["code_key"] for row in reports} == {row["code_key"] for row in grid} == {
        "MV-099129", "XV-099231", "MV-099340"}


# the helpers that read no page

@pytest.mark.parametrize("written", ["XV-099231", "xv-099231 ", "  xv-099231", "xv - 099231", "Xv-\t099231\n"])
def test_lower_case_codes_with_spaces_have_the_listed_code_s_key(written: str) -> None:
    assert licence_code_key(written) == "XV-099231"


@pytest.mark.parametrize("variant", [
    "«Туршилтын тухай хууль»-д нэмэлт оруулах тухай хуулийн төсөл",
    '"Туршилтын тухай хууль" -д нэмэлт оруулах тухай хуулийн төсөл',
    "„Туршилтын  тухай хууль“-д нэмэлт оруулах тухай ХУУЛИЙН ТӨСӨЛ",
    "‟Туршилтын тухай хууль‟-д нэмэлт оруулах тухай хуулийн төсөл",
    "‹Туршилтын тухай хууль›-д нэмэлт оруулах тухай хуулийн\u00a0төсөл",
    "＂Туршилтын тухай хууль＂-д нэмэлт оруулах тухай хуулийн төсөл",
    " “Туршилтын тухай хууль” -д нэмэлт оруулах тухай хуулийн төсөл ",
])
def test_draft_names_fold_quotes_case_and_spacing(variant: str) -> None:
    assert draft_name_key(variant) == draft_name_key("“Туршилтын тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл")


def test_different_draft_names_stay_different() -> None:
    assert draft_name_key("Туршилтын тухай хуулийн төсөл") != draft_name_key("Туршилтын тухай хуульд нэмэлт")


def test_ids_as_numbers_or_strings_are_one_id() -> None:
    assert register_id(100234) == register_id("100234") == register_id(" 100234 ") == register_id(100234.0) == "100234"


@pytest.mark.parametrize("value", [None, "", True, 1.5])
def test_a_missing_or_odd_id_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        register_id(value)


def test_the_walk_covers_the_35_letters_of_the_mongolian_alphabet() -> None:
    assert "".join(LETTERS) == "АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯ"
    assert len(set(LETTERS)) == 35
