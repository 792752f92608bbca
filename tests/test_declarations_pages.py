"""The xacxom.iaac.mn parsers (portals.md section 3) on the samples and on what the live API may send."""
from __future__ import annotations

import json
import unicodedata

import pytest

from checks.declarations.pages import LETTERS, parse_declarations, parse_search, register_id
from monitor.errors import LayoutChanged


def test_the_search_sample_reads_as_two_officials(fixture_bytes):
    officials = parse_search(json.loads(fixture_bytes("xacxom/search/sample.json")))
    assert officials == [
        {"aid_user_num": "990001", "first_name": "Жишээсүрэн", "last_name": "Туршилтдаваа",
         "organization_name": "Татварын ерөнхий газар", "organization_id": "99311", "position_num": 12,
         "position_name": "Хэлтсийн дарга", "years": [2024, 2025]},
        {"aid_user_num": "990002", "first_name": "Жишээбат", "last_name": "Туршилтсүх",
         "organization_name": "Гаалийн ерөнхий газар", "organization_id": "99312", "position_num": 3,
         "position_name": "Улсын байцаагч", "years": [2023, 2024]},
    ]


def test_the_declaration_sample_reads_as_two_years(fixture_bytes):
    declarations = parse_declarations(json.loads(fixture_bytes("xacxom/declaration/sample.json")))
    assert [(d["year"], d["organization"], d["assigned_date"]) for d in declarations] == [
        (2024, "Татварын ерөнхий газар", "2010-07-16"), (2025, "Татварын ерөнхий газар", "2022-09-18")]


def test_ids_as_numbers_or_strings_are_one_id():
    assert register_id(100234) == register_id("100234") == register_id(" 100234 ") == register_id(100234.0) == "100234"


@pytest.mark.parametrize("value", [None, "", True, 1.5])
def test_a_missing_or_odd_id_is_refused(value):
    with pytest.raises(ValueError):
        register_id(value)


def test_names_and_organisation_are_normalised_but_kept_apart_from_ids():
    decomposed = unicodedata.normalize("NFD", "Өлзийбаяр")
    [official] = parse_search({"retdata": [{
        "aid_user_num": "100", "first_name": f" {decomposed} ", "last_name": "Бат  Очир",
        "organization_name": "Гаалийн  ерөнхий газар ", "organization_id": 312, "position_num": 1,
        "position_name": "Мэргэжилтэн", "years": ["2025", 2024, 2024]}]})
    assert official["first_name"] == "Өлзийбаяр"
    assert official["last_name"] == "Бат Очир"
    assert official["organization_name"] == "Гаалийн ерөнхий газар"
    assert official["organization_id"] == "312"
    assert official["years"] == [2024, 2025]


def test_an_official_without_organisation_id_keeps_none():
    [official] = parse_search({"retdata": [{"aid_user_num": 7, "organization_name": "Сангийн яам", "years": []}]})
    assert official["organization_id"] is None
    assert official["years"] == []


@pytest.mark.parametrize("payload", [{"retdata": []}, {"retdata": None}])
def test_a_letter_nobody_starts_with_is_empty(payload):
    assert parse_search(payload) == []


@pytest.mark.parametrize("payload, message", [
    ({}, "search answer without retdata"),
    ([], "search answer without retdata"),
    ({"retdata": {"a": 1}}, "search retdata is not a list"),
    ({"retdata": ["x"]}, "search result that is not an object"),
    ({"retdata": [{"first_name": "Бат", "years": [2024]}]}, "search result without aid_user_num"),
    ({"retdata": [{"aid_user_num": 1}]}, "search result without years"),
    ({"retdata": [{"aid_user_num": 1, "years": "2024"}]}, "years of 1 is not a list"),
    ({"retdata": [{"aid_user_num": 1, "years": ["2024 он"]}]}, "declaration year '2024 он'"),
    ({"retdata": [{"aid_user_num": 1, "years": [24]}]}, "declaration year 24"),
    ({"retdata": [{"aid_user_num": 1, "years": [2024.5]}]}, "declaration year 2024.5"),
])
def test_a_changed_search_answer_is_a_changed_layout(payload, message):
    with pytest.raises(LayoutChanged, match=f"^layout changed: {message}$"):
        parse_search(payload)


def test_a_declaration_without_year_is_a_changed_layout():
    with pytest.raises(LayoutChanged, match="declaration without year"):
        parse_declarations({"retdata": [{"org_names": "Татварын ерөнхий газар"}]})


def test_the_walk_covers_the_35_letters_of_the_mongolian_alphabet():
    assert "".join(LETTERS) == "АБВГДЕЁЖЗИЙКЛМНОӨПРСТУҮФХЦЧШЩЪЫЬЭЮЯ"
    assert len(set(LETTERS)) == 35
