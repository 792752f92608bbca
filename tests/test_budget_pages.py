"""checks/budget/entity_pages.py and checks/budget/consolidated_pages.py: the assumed shapes of portals.md 2a, 2b, 2c."""
from __future__ import annotations

import json

import pytest

from checks.budget.consolidated_pages import parse_mof_page
from checks.budget.entity_pages import parse_organizations_page, parse_reports
from monitor.errors import LayoutChanged


def test_organizations_sample_gives_total_and_entities(fixture_bytes):
    total, items = parse_organizations_page(json.loads(fixture_bytes("shilendans/organizations/sample.json")))
    assert total == 3
    assert [item["id"] for item in items] == ["99101", "99102", "99103"]
    assert items[1] == {"id": "99102", "name": "Жишээ агентлаг", "register_no": "9911002",
                        "governor": "ЖИШЭЭ САЙД", "parent_id": "99101"}
    assert items[0]["parent_id"] is None


def test_organization_name_is_normalised_and_id_may_be_a_string():
    _, [item] = parse_organizations_page({"total": "1", "items": [{"id": " 30156", "name": " Сангийн  яам "}]})
    assert item["id"] == "30156"
    assert item["name"] == "Сангийн яам"


@pytest.mark.parametrize("payload", [
    [], {"total": 3}, {"total": 3, "items": {}}, {"total": "many", "items": []},
    {"total": 1, "items": [{"name": "Сангийн яам"}]}, {"total": 1, "items": [{"id": 1, "name": " "}]},
    {"total": 1, "items": ["Сангийн яам"]},
])
def test_organizations_without_their_structure_raise_layout_changed(payload):
    with pytest.raises(LayoutChanged):
        parse_organizations_page(payload)


def test_reports_sample_reads_month_from_field_then_from_title(fixture_bytes):
    first, second = parse_reports(json.loads(fixture_bytes("shilendans/reports/sample.json")), 2026)
    assert first["report_id"] == "990001"
    assert (first["period"], first["month_from"]) == ("2026-09", "field")
    assert first["posted_at"] == "2026-10-08 16:22:10"
    assert first["file_url"] == "/files/990001.xlsx"
    assert (second["period"], second["month_from"]) == ("2026-10", "title")  # "10 дугаар сарын", no month field


@pytest.mark.parametrize("title, period", [
    ("Төсвийн гүйцэтгэлийн 2026 оны 10-р сарын мэдээ", "2026-10"),
    ("Төсвийн гүйцэтгэлийн 2026 оны 10 дугаар сарын мэдээ", "2026-10"),
    ("Төсвийн гүйцэтгэлийн 2026 оны 4 дүгээр сарын мэдээ", "2026-04"),
    ("2025 ОНЫ 12-Р САРЫН ГҮЙЦЭТГЭЛ", "2025-12"),
    ("Төсвийн гүйцэтгэлийн мэдээ", None),
])
def test_month_only_in_title_both_written_forms(title, period):
    [posting] = parse_reports({"items": [{"reportId": 1, "group": 5, "year": 2026, "title": title,
                                          "postedDate": "2026-11-09 16:22:10"}]}, 2026)
    assert posting["period"] == period
    assert posting["month_from"] == (None if period is None else "title")


def test_month_field_wins_over_title_and_unreadable_month_falls_back_to_title():
    payload = {"items": [
        {"reportId": 1, "year": 2026, "month": 9, "title": "2026 оны 10-р сарын мэдээ", "postedDate": "2026-10-08"},
        {"reportId": 2, "year": 2026, "month": 13, "title": "2026 оны 10-р сарын мэдээ", "postedDate": "2026-11-08"},
        {"reportId": "3", "month": "7", "title": "", "postedDate": "2026-08-08"},
    ]}
    first, second, third = parse_reports(payload, 2025)
    assert first["period"] == "2026-09"
    assert (second["period"], second["month_from"]) == ("2026-10", "title")
    assert (third["report_id"], third["period"]) == ("3", "2025-07")  # no year field: the year asked for


def test_unreadable_posted_date_is_none_and_kept_as_written():
    [posting] = parse_reports({"items": [{"reportId": 1, "month": 1, "title": "x", "postedDate": "өчигдөр"}]}, 2026)
    assert posting["posted_at"] is None
    assert posting["posted_text"] == "өчигдөр"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-10 23:59:59", "2026-11-10 23:59:59"),
    ("2026-11-10", "2026-11-10 00:00:00"),
    ("2026.11.10", "2026-11-10 00:00:00"),
    ("10/11/2026", "2026-11-10 00:00:00"),
])
def test_posted_date_formats(text, expected):
    [posting] = parse_reports({"items": [{"reportId": 1, "month": 10, "title": "", "postedDate": text}]}, 2026)
    assert posting["posted_at"] == expected


@pytest.mark.parametrize("payload", [[], {"data": []}, {"items": None}, {"items": [{"title": "x"}]},
                                     {"items": [{"reportId": "abc"}]}, {"items": [7]}])
def test_reports_without_their_structure_raise_layout_changed(payload):
    with pytest.raises(LayoutChanged):
        parse_reports(payload, 2026)


def test_mof_sample_gives_every_item_with_its_date(fixture_bytes):
    items = parse_mof_page(fixture_bytes("mof/sample.html"))
    assert items == [
        {"url": "/article/99812", "title": "2026 оны 10 дугаар сарын улсын нэгдсэн төсвийн гүйцэтгэл",
         "date": "2026-11-09", "date_text": "2026.11.09"},
        {"url": "/article/99790", "title": "2026 оны 9-р сарын улсын нэгдсэн төсвийн гүйцэтгэл",
         "date": "2026-10-09", "date_text": "2026.10.09"},
        {"url": "/article/99781", "title": "Жишээ төсвийн тодотголын төслийн танилцуулга",
         "date": "2026-10-01", "date_text": "2026.10.01"},
    ]


def test_mof_past_the_end_is_empty():
    assert parse_mof_page('<main><ul class="news-list">\n</ul></main>') == []


def test_mof_unreadable_date_is_none():
    [item] = parse_mof_page('<ul class="news-list"><li class="news-item"><a href="/article/1">Гүйцэтгэл</a>'
                            '<span class="date">удахгүй</span></li></ul>')
    assert (item["date"], item["date_text"]) == (None, "удахгүй")


@pytest.mark.parametrize("html", [
    "<html><body><p>Засвар хийгдэж байна</p></body></html>",
    '<ul class="news-list"></ul><ul class="news-list"></ul>',
    '<ul class="news-list"><li class="news-item"><span class="date">2026.11.09</span></li></ul>',
    '<ul class="news-list"><li class="news-item"><a href="/article/1"> </a></li></ul>',
])
def test_mof_without_its_structure_raises_layout_changed(html):
    with pytest.raises(LayoutChanged):
        parse_mof_page(html)


def test_mof_classes_are_matched_among_several_and_only_the_lists_own_items_count():
    html = ('<ul class="main news-list"><li class="news-item"><a href="/article/1">Гүйцэтгэл</a>'
            '<span class="small date">2026.11.09</span><ul><li>дэд</li></ul></li></ul>'
            '<ul class="news-listing"><li><a href="/article/2">x</a></li></ul>')
    assert parse_mof_page(html) == [{"url": "/article/1", "title": "Гүйцэтгэл", "date": "2026-11-09",
                                     "date_text": "2026.11.09"}]


@pytest.mark.parametrize("html", ["", "   ", "<!-- -->", b""])
def test_mof_empty_page_is_layout_changed(html):
    with pytest.raises(LayoutChanged, match="0 ul.news-list on the budget-performance page, expected 1"):
        parse_mof_page(html)
