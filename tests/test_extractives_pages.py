"""checks/extractives/pages.py against the samples of portals.md section 5 and hostile variants."""
from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from checks.extractives.pages import licence_code_key, parse_eiti_reports, parse_licence_detail, parse_licence_grid
from monitor.errors import LayoutChanged, PortalError


@pytest.fixture
def sample(fixture_bytes):
    """A fixture: JSON files parsed, HTML as text."""
    def read(name: str) -> Any:
        body = fixture_bytes(name)
        return json.loads(body) if name.endswith(".json") else body.decode("utf-8")
    return read


def _grid(*cells: list[Any], total: Any = 1, records: Any = 1) -> dict[str, Any]:
    return {"total": total, "page": 1, "records": records,
            "rows": [{"id": cell[0] if cell else None, "cell": cell} for cell in cells]}


def _cells(code: Any = "MV-099129", status: Any = "Хүчинтэй", holder: Any = "Жишээ ресурс ХХК") -> list[Any]:
    return [99058211, code, "Жишээ толгой", "Ашиглалтын", status, holder, "1240.5"]


def _detail_page(script: str) -> str:
    return f'<html><body><script src="/Scripts/jquery.js"></script><script>{script}</script></body></html>'


def _licence(**fields: Any) -> dict[str, Any]:
    licence = {"Id": 99058211, "Code": "MV-099129", "StatusName": "Хүчинтэй", "HolderLookup": "Жишээ ресурс ХХК",
               "HolderRegNo": "9950691", "GrantedDate": "2012-03-14", "ExpiryDate": "2042-03-14"}
    licence.update(fields)
    return {name: value for name, value in licence.items() if value is not ...}  # ...: the name is absent


def _detail(**fields: Any) -> dict[str, Any]:
    return parse_licence_detail(_detail_page(f"var license = {json.dumps(_licence(**fields), ensure_ascii=False)};"))


def _report(**fields: Any) -> dict[str, Any]:
    row = {"entityTin": "9950691", "entityName": "Жишээ ресурс ХХК", "licenseNumber": "MV-099129", "year": 2025,
           "submittedDate": "2026-04-10 14:22:00", "statusName": "Илгээсэн"}
    row.update(fields)
    [report] = parse_eiti_reports({"data": [{name: value for name, value in row.items() if value is not ...}]})
    return report


# the licence code key: how the grid, the licence page and the reports are joined

@pytest.mark.parametrize("written", ["XV-099231", "xv-099231 ", "  xv-099231", "xv - 099231", "Xv-\t099231\n"])
def test_lower_case_codes_with_spaces_have_the_listed_code_s_key(written):
    assert licence_code_key(written) == "XV-099231"


def test_the_sample_report_in_lower_case_with_a_space_joins_the_grid_s_licence(sample):
    grid_keys = {row["code_key"] for row in parse_licence_grid(sample("cadastre/licences/sample.json"))[2]}
    report_keys = {row["code_key"] for row in parse_eiti_reports(sample("eiti/sample.json"))}
    assert report_keys == grid_keys == {"MV-099129", "XV-099231", "MV-099340"}


# 5a: the licence grid

def test_the_sample_grid_page_gives_pages_records_and_three_licences(sample):
    assert parse_licence_grid(sample("cadastre/licences/sample.json")) == (2, 4, [
        {"id": "99058211", "code": "MV-099129", "code_key": "MV-099129", "area": "Жишээ толгой",
         "type": "Ашиглалтын", "status": "Хүчинтэй", "holder": "Жишээ ресурс ХХК", "valid": True},
        {"id": "99058212", "code": "XV-099231", "code_key": "XV-099231", "area": "Туршилтын хөндий",
         "type": "Хайгуулын", "status": "Хүчинтэй", "holder": "Туршилт майнинг ХХК", "valid": True},
        {"id": "99058213", "code": "MV-099340", "code_key": "MV-099340", "area": "Жишээ нуруу",
         "type": "Ашиглалтын", "status": "Цуцлагдсан", "holder": "Жишээ ресурс ХХК", "valid": False}])


def test_a_grid_page_past_the_end_has_no_licences(sample):
    assert parse_licence_grid(sample("cadastre/licences/past_end.json")) == (2, 4, [])


def test_a_listed_code_is_kept_as_written_and_keyed_upper_case_without_spaces():
    [row] = parse_licence_grid(_grid(_cells(code="  mv 099129 ")))[2]
    assert (row["code"], row["code_key"]) == ("mv 099129", "MV099129")


@pytest.mark.parametrize("status, valid", [("Хүчинтэй", True), (" Хүчинтэй\n", True), ("хүчинтэй", True),
                                           ("Цуцлагдсан", False), ("Хугацаа дууссан", False),
                                           ("Түдгэлзүүлсэн", False), (None, False)])
def test_only_the_valid_status_is_valid(status, valid):
    assert parse_licence_grid(_grid(_cells(status=status)))[2][0]["valid"] is valid


def test_ids_and_counts_written_as_strings_or_floats_read_the_same():
    answer = _grid(["58211", *_cells()[1:]], total="8", records="3745")
    answer["rows"][0]["id"] = 58211.0
    total, records, [row] = parse_licence_grid(answer)
    assert (total, records, row["id"]) == (8, 3745, "58211")


@pytest.mark.parametrize("holder", ['<b onclick="x()">Жишээ</b>  ресурс\tХХК', "javascript:alert(1)",
                                    "Жишээ </td><script>alert(1)</script> ХХК"])
def test_markup_in_a_holder_s_name_is_kept_as_text(holder):
    assert parse_licence_grid(_grid(_cells(holder=holder)))[2][0]["holder"] == " ".join(holder.split())


def test_a_holder_written_in_decomposed_unicode_reads_as_nfc():
    decomposed = unicodedata.normalize("NFD", "Тайж Ёроол ХХК")
    assert decomposed != "Тайж Ёроол ХХК"
    assert parse_licence_grid(_grid(_cells(holder=decomposed)))[2][0]["holder"] == "Тайж Ёроол ХХК"


@pytest.mark.parametrize("licence_id", ["../../x", "1?x=javascript:", "58211/../1", "//evil.example", "５８２１１", "1e3"])
def test_an_id_that_is_not_digits_is_refused_for_it_becomes_a_path_on_the_cadastre(licence_id):
    with pytest.raises(LayoutChanged, match="numeric id"):
        parse_licence_grid(_grid([licence_id, *_cells()[1:]]))


MAINTENANCE = "<html><body><h1>Засвар үйлчилгээ хийгдэж байна</h1></body></html>"


@pytest.mark.parametrize("answer", [
    MAINTENANCE, "blocked/bot_challenge.html", None, [], {}, {"total": 2, "records": 4},
    {"total": 2, "records": 4, "rows": None}, {"total": 2, "records": 4, "rows": {"id": 1}},
    _grid(_cells()[:6]), _grid([]), {"total": 1, "records": 1, "rows": [{"id": 1}]},
    {"total": 1, "records": 1, "rows": ["58211"]}, _grid(_cells(), total=None), _grid(_cells(), total="two"),
    _grid(_cells(), records=True), _grid(_cells(), total=-1), _grid([None, *_cells()[1:]]),
    _grid(_cells(code="  ")), _grid(_cells(holder={"name": "Жишээ"})),
], ids=lambda answer: str(answer)[:40])
def test_a_grid_answer_without_its_structure_is_a_changed_layout(answer, sample):
    with pytest.raises(LayoutChanged):
        parse_licence_grid(sample(answer) if answer == "blocked/bot_challenge.html" else answer)


# 5b: one licence's page

def test_the_sample_licence_page(sample):
    assert parse_licence_detail(sample("cadastre/licence_detail/sample.html")) == {
        "code": "MV-099129", "code_key": "MV-099129", "status": "Хүчинтэй", "holder": "Жишээ ресурс ХХК",
        "holder_reg_no": "9950691", "granted": "2012-03-14", "expiry": "2042-03-14", "unreadable": {}}


def test_the_sample_licence_page_without_a_register_number(fixture_bytes):
    assert parse_licence_detail(fixture_bytes("cadastre/licence_detail/sample_without_register_number.html")) == {
        "code": "XV-099412", "code_key": "XV-099412", "status": "Хүчинтэй", "holder": "Жишээ алт ХХК",
        "holder_reg_no": None, "granted": "2026-02-10", "expiry": "2031-02-10", "unreadable": {}}


OBJECT = '{"Code": "xv-099231 ", "StatusName": "Хүчинтэй", "HolderLookup": "Жишээ", "GrantedDate": "2020-01-02"}'


@pytest.mark.parametrize("script", [
    f"var license = {OBJECT};", f"var license={OBJECT}", f"\n  var   license =\n{OBJECT}  ;  \n",
    "var license = " + OBJECT.replace(", ", ",\n        ").replace("{", "{\n        ") + "\n;",
    f"var map;\nvar licenseList = [];\nvar license = {OBJECT};\n$(function () {{ init(license); }});",
])
def test_the_licence_object_is_read_however_it_is_spaced(script):
    licence = parse_licence_detail(_detail_page(script))
    assert (licence["code"], licence["code_key"], licence["granted"]) == ("xv-099231", "XV-099231", "2020-01-02")


@pytest.mark.parametrize("holder", ["Жишээ <\\/script><b>ХХК</b>", "javascript:alert(1)",
                                    "<img src=x onerror=alert(1)>"])
def test_markup_in_the_licence_object_s_holder_is_kept_as_text(holder):
    script = f'var license = {{"Code": "MV-1", "StatusName": "Хүчинтэй", "HolderLookup": "{holder}"}};'
    assert parse_licence_detail(_detail_page(script))["holder"] == holder.replace("\\/", "/")


@pytest.mark.parametrize("page", [
    "blocked/bot_challenge.html", "", MAINTENANCE, _detail_page("var licence = {};"), _detail_page("var x = 1;"),
    "<html><body><p>var license = {\"Code\": \"MV-1\"};</p></body></html>",
    _detail_page("var license = {Code: 'MV-1', StatusName: 'Хүчинтэй', HolderLookup: 'Жишээ'};"),
    _detail_page('var license = {"Code": "MV-1", "StatusName": "Хүчинтэй",'),
    _detail_page("var license = null;"), _detail_page('var license = ["MV-1"];'),
    _detail_page('var license = {"Code": "MV-1", "StatusName": "Хүчинтэй", "HolderLookup": "a</script>b"};'),
    _detail_page(f"var license = {json.dumps(_licence(Code=...))};"),
    _detail_page(f"var license = {json.dumps(_licence(Code=' '))};"),
    _detail_page(f"var license = {json.dumps(_licence(HolderLookup=...))};"),
    _detail_page(f"var license = {json.dumps(_licence(StatusName=...))};"),
    _detail_page(f"var license = {json.dumps(_licence(HolderLookup={'Name': 'Жишээ'}))};"),
], ids=lambda page: page[-50:])
def test_a_licence_page_without_a_readable_licence_object_is_a_changed_layout(page, sample):
    with pytest.raises(LayoutChanged):
        parse_licence_detail(sample(page) if page == "blocked/bot_challenge.html" else page)


def test_no_licence_object_says_so():
    with pytest.raises(LayoutChanged, match="no `var license` object on the licence page"):
        parse_licence_detail(_detail_page("var x = 1;"))


@pytest.mark.parametrize("reg_no, expected", [("9950691", "9950691"), (9950691, "9950691"), (" 9950691 ", "9950691"),
                                              (None, None), ("", None), (..., None)])
def test_a_register_number_is_seven_digits_or_none(reg_no, expected):
    licence = _detail(HolderRegNo=reg_no)
    assert (licence["holder_reg_no"], licence["unreadable"]) == (expected, {})


@pytest.mark.parametrize("reg_no", ["995069", "99506911", "УБ99506911", "995-0691"])
def test_a_register_number_that_is_not_seven_digits_is_unreadable_not_dropped(reg_no):
    licence = _detail(HolderRegNo=reg_no)
    assert (licence["holder_reg_no"], licence["unreadable"]) == (None, {"HolderRegNo": reg_no})


# dates, as portals.md lists their formats (read by monitor.mongolian)

FORMATS = ["2012-03-14", "2012-03-14 00:00:00", "2012-03-14T08:30:00", "14/03/2012", "2012.03.14", "2012/03/14",
           "2012 оны 03 дугаар сарын 14", "2012 оны 3 дугаар сарын 14", "2012 оны 3-р сарын 14",
           "2012 ОНЫ 3-Р САРЫН 14 ӨДӨР"]
UNREADABLE = ["14 March 2012", "2012-02-30", "2012 оны 3 дугаар сар", "/Date(1331683200000)/"]


@pytest.mark.parametrize("written", FORMATS)
def test_grant_and_expiry_dates_in_every_listed_format(written):
    licence = _detail(GrantedDate=written, ExpiryDate=written)
    assert (licence["granted"], licence["expiry"], licence["unreadable"]) == ("2012-03-14", "2012-03-14", {})


@pytest.mark.parametrize("written", UNREADABLE)
def test_an_unreadable_grant_date_is_noted_never_taken_for_none(written):
    licence = _detail(GrantedDate=written)
    assert (licence["granted"], licence["expiry"], licence["unreadable"]) == (None, "2042-03-14",
                                                                             {"GrantedDate": written})


@pytest.mark.parametrize("absent", [None, "", "  ", ...])
def test_an_absent_date_is_none_and_not_unreadable(absent):
    licence = _detail(GrantedDate=absent, ExpiryDate=absent)
    assert (licence["granted"], licence["expiry"], licence["unreadable"]) == (None, None, {})


@pytest.mark.parametrize("written", FORMATS)
def test_a_submitted_date_in_every_listed_format(written):
    report = _report(submittedDate=written)
    assert (report["submitted"], report["unreadable"]) == ("2012-03-14", {})


@pytest.mark.parametrize("written", UNREADABLE)
def test_an_unreadable_submitted_date_is_noted(written):
    report = _report(submittedDate=written)
    assert (report["submitted"], report["unreadable"]) == (None, {"submittedDate": written})


# 5c: the EITI reports

def test_the_sample_reports(sample):
    assert parse_eiti_reports(sample("eiti/sample.json")) == [
        {"licence": "xv-099231 ", "code_key": "XV-099231", "year": 2025, "submitted": "2026-04-17",
         "entity_tin": "9950702", "entity_name": "Туршилт майнинг ХХК", "status": "Илгээсэн", "unreadable": {}},
        {"licence": "MV-099129", "code_key": "MV-099129", "year": 2025, "submitted": "2026-04-10",
         "entity_tin": "9950691", "entity_name": "Жишээ ресурс ХХК", "status": "Илгээсэн", "unreadable": {}},
        {"licence": "MV-099340", "code_key": "MV-099340", "year": 2025, "submitted": None,
         "entity_tin": "9950691", "entity_name": "Жишээ ресурс ХХК", "status": "Илгээсэн", "unreadable": {}}]


@pytest.mark.parametrize("absent", [..., None, ""])
def test_a_report_without_a_submitted_date_has_none_and_nothing_unreadable(absent):
    report = _report(submittedDate=absent)
    assert (report["submitted"], report["unreadable"]) == (None, {})


def test_a_year_written_as_a_string_and_an_empty_answer():
    assert _report(year="2025")["year"] == 2025
    assert parse_eiti_reports({"data": []}) == []


def test_markup_in_an_entity_s_name_is_kept_as_text():
    assert _report(entityName="<a href='javascript:alert(1)'>Жишээ</a>")["entity_name"] == \
        "<a href='javascript:alert(1)'>Жишээ</a>"


@pytest.mark.parametrize("answer, message", [
    ({"message": "year шаардлагатай"}, "year шаардлагатай"), ({"error": "Unauthorized"}, "Unauthorized"),
    ({"error": {"code": 500, "message": "Дотоод алдаа"}}, "Дотоод алдаа"),
    ({"data": None, "message": "  Хугацаа\nдууссан "}, "Хугацаа дууссан"),
])
def test_an_error_answer_is_the_portal_s_error_with_its_message(answer, message):
    with pytest.raises(PortalError, match=f"^EITI e-reporting answered: {message}$"):
        parse_eiti_reports(answer)


@pytest.mark.parametrize("answer", [
    "blocked/bot_challenge.html", MAINTENANCE, None, [], {}, {"data": "none"}, {"data": {"rows": []}},
    {"message": ""}, {"error": True}, {"data": [None]}, {"data": [{"year": 2025}]},
    {"data": [{"licenseNumber": " ", "year": 2025}]}, {"data": [{"licenseNumber": "MV-1"}]},
    {"data": [{"licenseNumber": "MV-1", "year": "2025 он"}]}, {"data": [{"licenseNumber": "MV-1", "year": True}]},
    {"data": [{"licenseNumber": ["MV-1"], "year": 2025}]},
], ids=lambda answer: str(answer)[:40])
def test_a_reports_answer_without_its_structure_is_a_changed_layout(answer, sample):
    with pytest.raises(LayoutChanged):
        parse_eiti_reports(sample(answer) if answer == "blocked/bot_challenge.html" else answer)


def test_an_answer_without_data_says_so():
    with pytest.raises(LayoutChanged, match="EITI answer has no data list"):
        parse_eiti_reports({"rows": []})
