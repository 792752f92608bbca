"""checks/tender/pages.py: the tender.gov.mn parsers on the sample payloads (portals.md section 1)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from checks.tender.pages import (parse_contracts_page, parse_invitation_page, parse_result_detail,
                                 parse_results_page)
from monitor.errors import LayoutChanged, PortalError, SourceError


def _json(fixture_bytes, name):
    return json.loads(fixture_bytes(name))


# invitations (1a)

def test_sample_invitations_parse(fixture_bytes):
    total, items = parse_invitation_page(_json(fixture_bytes, "tender/invitations/sample.json"))
    assert total == 5
    assert [i["number"] for i in items] == [
        "ЖШГ/20260801000/01/01", "ЖШГ/20260802001/02/01", "ЖШГ/20260803002/03/01"]
    first = items[0]
    assert first["tender_year"] == 2026
    assert first["open_date"] == "2026-09-14"
    assert first["doc_status"] == "RESULT_TENDER"
    assert first["agency"] == "Жишээ аймгийн Боловсролын газар"
    assert first["client_id"] == "1990000000101"
    assert first["registration_number"] == "6702987"  # the agency's state register number: agencies match on it
    assert first["tender_name"] == "Жишээ сургуулийн тавилга"


def test_invitation_ids_as_numbers_or_strings_both_give_strings(fixture_bytes):
    _, items = parse_invitation_page(_json(fixture_bytes, "tender/invitations/sample.json"))
    # the sample has invitationId once as a string and once as a JSON number
    assert [i["invitation_id"] for i in items] == ["1990000001000", "1990000001001", "1990000001002"]
    assert all(isinstance(i["invitation_id"], str) and isinstance(i["client_id"], str) for i in items)


def test_client_id_as_string_or_number_gives_the_same_string():
    def page(client_id):
        return {"return_code": 200, "total": 1, "data": [
            {"invitationNumber": "A/1/01/01", "invitationId": 1990000001000, "clientId": client_id,
             "tenderYear": 2026, "openDate": "2026-09-14 10:00:00", "budgetEntityName": "Газар"}]}
    assert parse_invitation_page(page(1990000000101))[1][0]["client_id"] == "1990000000101"
    assert parse_invitation_page(page("1990000000101"))[1][0]["client_id"] == "1990000000101"
    assert parse_invitation_page(page(" 1990000000101 "))[1][0]["client_id"] == "1990000000101"


def test_all_seven_real_records_parse(fixture_bytes):
    payload = _json(fixture_bytes, "tender/invitations/real_records.json")
    total, items = parse_invitation_page(payload)
    assert total == 7
    assert len(items) == 7
    raw = payload["data"]
    for item, source in zip(items, raw):
        assert item["number"] == source["invitationNumber"].strip()
        assert item["invitation_id"] == str(source["invitationId"])
        assert item["client_id"] == str(source["clientId"])
        assert item["tender_year"] == 2026
        assert item["open_date"] == source["openDate"][:10]
        assert item["doc_status"] == "RECEIVE_TENDER"
        assert item["agency"] == " ".join(source["budgetEntityName"].split())


def test_real_record_trailing_space_agency_is_normalised(fixture_bytes):
    _, items = parse_invitation_page(_json(fixture_bytes, "tender/invitations/real_records.json"))
    [ett] = [i for i in items if i["number"] == "ЭТТХК/20260102321/01/01"]
    assert ett["agency"] == "Эрдэнэс Таван Толгой"
    assert ett["client_id"] == "1453535505115"


def test_invitation_number_is_trimmed_and_nfc():
    import unicodedata
    raw = unicodedata.normalize("NFD", " ЙШГ/20260801000/01/01 ")
    _, [item] = parse_invitation_page({"return_code": 200, "total": 1, "data": [
        {"invitationNumber": raw, "tenderYear": 2026}]})
    assert item["number"] == "ЙШГ/20260801000/01/01"


def test_invitation_without_open_date_has_none():
    _, [item] = parse_invitation_page({"return_code": 200, "total": 1, "data": [
        {"invitationNumber": "A/1/01/01", "tenderYear": "2026", "openDate": None}]})
    assert item["open_date"] is None
    assert item["tender_year"] == 2026


def test_unauthorized_answer_is_a_portal_error(fixture_bytes):
    with pytest.raises(PortalError) as info:
        parse_invitation_page(_json(fixture_bytes, "tender/invitations/token_expired.json"))
    assert str(info.value) == "return_code 401: Token expired"
    assert isinstance(info.value, SourceError)


@pytest.mark.parametrize("payload", [
    [], "Амжилттай", None, 200, [{"return_code": 200}],
])
def test_non_dict_json_is_layout_changed(payload):
    with pytest.raises(LayoutChanged):
        parse_invitation_page(payload)


@pytest.mark.parametrize("payload", [
    {"message": "ok", "data": []},                            # no return_code
    {"return_code": 200, "data": None},                       # no data list
    {"return_code": 200, "total": "many", "data": []},        # total not a number
    {"return_code": 200, "total": 1, "data": [{"tenderYear": 2026}]},  # no invitationNumber
    {"return_code": 200, "total": 1, "data": ["x"]},
])
def test_invitation_answer_without_expected_structure_is_layout_changed(payload):
    with pytest.raises(LayoutChanged) as info:
        parse_invitation_page(payload)
    assert str(info.value).startswith("layout changed: ")


# results listing (1b)

def test_results_page_parses(fixture_bytes):
    rows = parse_results_page(fixture_bytes("tender/results/sample.html"))
    assert [r["number"] for r in rows] == [
        "ЖШГ/20260801000/01/01", "ЖШГ/20260802001/02/01", "ЖШГ/20260601009/01/01"]
    first = rows[0]
    assert first["tender_code"] == "ЖШГ/20260801000"
    assert first["tender_name"] == "Жишээ сургуулийн тавилга"
    assert first["detail_id"] == "1990000009001"
    assert first["notice_date"] == "2026-10-02"     # 02/10/2026 is dd/mm/yyyy
    assert first["agency"] == "Жишээ аймгийн Боловсролын газар"
    assert Decimal(first["budget"]) == Decimal("96000000")


def test_results_page_reads_decimal_budget_and_dmy_notice_date(fixture_bytes):
    rows = parse_results_page(fixture_bytes("tender/results/sample.html"))
    second = rows[1]
    assert Decimal(second["budget"]) == Decimal("45500000")      # "45,500,000.00 ₮"
    assert second["notice_date"] == "2026-10-28"                 # "28/10/2026"
    assert rows[2]["notice_date"] == "2026-07-15"                # "15/07/2026"
    assert rows[2]["detail_id"] == "1990000009003"


@pytest.mark.parametrize("page", ["tender/results/sample.html", "tender/results/sample_table_as_class.html"],
                         ids=["id (2023 captures)", "class (the 2025-26 site)"])
def test_results_listing_is_read_whether_tender_result_table_is_an_id_or_a_class(fixture_bytes, page):
    rows = parse_results_page(fixture_bytes(page))
    assert [(r["number"], r["detail_id"], r["notice_date"]) for r in rows] == [
        ("ЖШГ/20260801000/01/01", "1990000009001", "2026-10-02"),
        ("ЖШГ/20260802001/02/01", "1990000009002", "2026-10-28"),
        ("ЖШГ/20260601009/01/01", "1990000009003", "2026-07-15")]


def test_results_page_accepts_text_as_well_as_bytes(fixture_bytes):
    html = fixture_bytes("tender/results/sample.html")
    assert parse_results_page(html.decode("utf-8")) == parse_results_page(html)


def test_results_page_past_the_end_is_empty(fixture_bytes):
    assert parse_results_page(fixture_bytes("tender/results/past_end.html")) == []


def test_results_page_without_the_table_is_layout_changed():
    with pytest.raises(LayoutChanged) as info:
        parse_results_page(b"<html><body><div id='other'><table><tr><td>x</td></tr></table></div></body></html>")
    assert str(info.value) == "layout changed: no #tender-result-table"


def test_results_page_with_container_but_no_table_is_layout_changed():
    with pytest.raises(LayoutChanged):
        parse_results_page(b"<div id='tender-result-table'><p>maintenance</p></div>")


def test_results_row_with_too_few_cells_is_layout_changed():
    html = "<div id='tender-result-table'><table><tbody><tr><td>A/1</td><td>A</td></tr></tbody></table></div>"
    with pytest.raises(LayoutChanged):
        parse_results_page(html)


# result detail (1c)

def test_result_detail_awards_only_the_selected_bidder(fixture_bytes):
    detail = parse_result_detail(fixture_bytes("tender/result_detail/sample.html"))
    assert Decimal(detail["awarded"]) == Decimal("91420000")
    assert detail["procedure"] == "Нээлттэй тендер шалгаруулалтын арга"
    assert [b["status"] for b in detail["bidders"]] == ["Шалгарсан", "Шалгараагүй", "Татгалзсан"]
    assert detail["bidders"][0]["supplier"] == "Жишээ Тавилга ХХК"
    assert detail["bidders"][0]["registration"] == "9900011"
    assert [Decimal(b["price"]) for b in detail["bidders"]] == [
        Decimal("91420000"), Decimal("94000000"), Decimal("99900000")]


def _detail(*rows):
    body = "".join(f"<tr><td><a href='/s'>{s}</a></td><td>1</td><td>{p}</td><td>{st}</td></tr>"
                   for s, p, st in rows)
    return f"<table id='bidder_tableId'><thead><tr><th>a</th></tr></thead><tbody>{body}</tbody></table>"


def test_result_detail_sums_several_selected_bidders():
    detail = parse_result_detail(_detail(("A", "50,000,000 ₮", "Шалгарсан"),
                                         ("B", "40,000,000.50 ₮", "Шалгарсан"),
                                         ("C", "10,000,000 ₮", "Шалгараагүй")))
    assert Decimal(detail["awarded"]) == Decimal("90000000.50")


def test_result_detail_without_a_selected_bidder_has_no_award():
    detail = parse_result_detail(_detail(("A", "50,000,000 ₮", "Шалгараагүй"),
                                         ("B", "40,000,000 ₮", "Татгалзсан")))
    assert detail["awarded"] is None
    assert len(detail["bidders"]) == 2


def test_result_detail_without_bidder_table_is_layout_changed():
    with pytest.raises(LayoutChanged) as info:
        parse_result_detail(b"<html><body><table id='other'></table></body></html>")
    assert str(info.value) == "layout changed: no #bidder_tableId"


# contracts listing (1d)

def test_contracts_page_parses(fixture_bytes):
    rows = parse_contracts_page(fixture_bytes("tender/contracts/sample.html"))
    assert [r["number"] for r in rows] == ["ЖШГ/20260801000/01/01", "ЖШГ/20260802001/02/01"]
    first = rows[0]
    assert first["contract_number"] == "ЖГЭ-2026/014"
    assert first["supplier"] == "Жишээ Тавилга ХХК"
    assert Decimal(first["amount"]) == Decimal("91420000")
    assert first["signed"] == "2026-10-20"
    assert first["published"] == "2026-10-23"
    assert first["document"] == "/mn/download/1990000100001"
    assert rows[1]["published"] == "2026-11-12"


def test_contracts_page_empty_tbody_is_empty():
    assert parse_contracts_page("<div id='contract-table'><table><tbody>\n</tbody></table></div>") == []


def test_contracts_page_without_the_table_is_layout_changed(fixture_bytes):
    with pytest.raises(LayoutChanged) as info:
        parse_contracts_page(fixture_bytes("tender/results/sample.html"))
    assert str(info.value) == "layout changed: no #contract-table"


def _results_row(name_cell):
    return ("<div id='tender-result-table'><table><tbody><tr><td>A/1/01/01</td><td>A/1</td>"
            f"<td>{name_cell}</td><td>Газар</td><td>96,000,000 ₮</td></tr></tbody></table></div>")


@pytest.mark.parametrize("name", ["2026.09.01-нээс эхлэх сургалт", "01/09/2026-ны сургалт"])
def test_notice_date_is_the_date_after_the_link_even_if_the_name_has_a_date(name):
    [row] = parse_results_page(_results_row(f"<a href='/mn/result/detail/1'>{name}</a> 14/11/2026"))
    assert row["notice_date"] == "2026-11-14"


def test_selected_bidder_with_unreadable_price_is_layout_changed():
    html = _detail(("A", "50,000,000 ₮", "Шалгарсан"), ("B", "Үнэ нууц", "Шалгарсан"))
    with pytest.raises(LayoutChanged):
        parse_result_detail(html)


# reading the HTML (monitor/markup.py): what bs4's html.parser did, with lxml.html

@pytest.mark.parametrize("parse, message", [
    (parse_results_page, "layout changed: no #tender-result-table"),
    (parse_result_detail, "layout changed: no #bidder_tableId"),
    (parse_contracts_page, "layout changed: no #contract-table"),
])
@pytest.mark.parametrize("html", ["", b"", "  \n ", "<!-- нэг ч мөр алга -->", "\x00", "\ufeff", b"\xff\xfe"])
def test_an_empty_or_garbage_page_is_the_named_layout_change_not_a_crash(parse, message, html):
    with pytest.raises(LayoutChanged) as info:
        parse(html)
    assert str(info.value) == message


def test_a_cell_with_markup_inside_reads_as_its_text():
    cell = ("<b>Жишээ</b>\n <span class='x'>Тавилга<br></span><!-- тэмдэглэл --> ХХК"
            "<script>var t = 'Шалгараагүй';</script><style>td {}</style>")
    detail = parse_result_detail(_detail((cell, "<i>96,420</i>,000&nbsp;₮", "<span>Шалгарсан</span>")))
    assert detail["bidders"][0]["supplier"] == "Жишээ Тавилга ХХК"
    assert (detail["bidders"][0]["status"], detail["awarded"]) == ("Шалгарсан", "96420000")


def test_entities_are_read_as_their_characters():
    [row] = parse_results_page(_results_row("<a href='/mn/result/detail/7?a=1&amp;b=2'>&quot;Тавилга&quot; &amp; "
                                            "&#1046;&#x416;</a>&nbsp;14/11/2026"))
    assert (row["tender_name"], row["detail_id"], row["notice_date"]) == ('"Тавилга" & ЖЖ', "7", "2026-11-14")


def test_a_row_has_only_its_own_cells_not_those_of_a_table_inside_one():
    nested = "<table><tr>" + "<td>x</td>" * 6 + "</tr></table>"
    html = ("<div id='contract-table'><table><tbody><tr><td>A/1/01/01</td><td>ГЭ-1</td>"
            f"<td>Тавилга ХХК{nested}</td><td>96,000,000 ₮</td><td>2026-11-20</td><td>2026-11-24</td></tr>"
            "</tbody></table></div>")
    first, inner = parse_contracts_page(html)
    assert (first["supplier"], first["amount"], first["published"]) == ("Тавилга ХХКxxxxxx", "96000000", "2026-11-24")
    assert inner["number"] == "x"


def test_the_label_is_found_in_any_element_and_its_value_is_the_next_element():
    table = _detail(("A", "1 ₮", "Шалгараагүй"))
    for around in ("<p><b>Тендер  шалгаруулалтын\nтөрөл:</b> <!-- c --> <i>Харьцуулалт</i></p>",
                   "<dl><dt> Тендер шалгаруулалтын төрөл: </dt>\n<dd>Харьцуулалт</dd></dl>"):
        assert parse_result_detail(around + table)["procedure"] == "Харьцуулалт"
    assert parse_result_detail("<p><b>Тендер шалгаруулалтын төрөл:</b></p>" + table)["procedure"] is None


def test_bytes_are_decoded_by_their_declared_charset_and_text_keeps_its_own():
    page = ('<html><head><meta charset="windows-1251"></head><body><div id="tender-result-table"><table><tbody>'
            '<tr><td>А/1/01/01</td><td>А/1</td><td><a href="/mn/result/detail/1">Сургуулийн тавилга</a> 14/11/2026</td>'
            '<td>Боловсролын газар</td><td>96,000,000</td></tr></tbody></table></div></body></html>')
    [from_bytes] = parse_results_page(page.encode("cp1251"))
    [from_text] = parse_results_page(page)   # a str was decoded already: its meta charset is not read again
    assert from_bytes == from_text
    assert (from_text["tender_name"], from_text["agency"]) == ("Сургуулийн тавилга", "Боловсролын газар")
    xml_declared = '<?xml version="1.0" encoding="utf-8"?>' + page   # lxml refuses such a str as it is
    assert parse_results_page(xml_declared) == [from_text]


def test_a_deeply_nested_page_is_read_to_its_end():
    html = "<div>" * 600 + _detail(("A", "50,000,000 ₮", "Шалгарсан")) + "</div>" * 600
    assert parse_result_detail(html)["awarded"] == "50000000"
