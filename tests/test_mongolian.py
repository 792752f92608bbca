"""monitor/mongolian.py: dates, amounts and names as the portals write them (portals.md, top)."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

import pytest

from monitor.mongolian import (find_date, find_year_month, fold_name, has_cyrillic, normalize_text, parse_amount,
                               parse_date, parse_datetime, transliterate)


@pytest.mark.parametrize("text, expected", [
    ("2026-10-02 00:00:00", date(2026, 10, 2)),
    ("2026-10-02", date(2026, 10, 2)),
    ("02/10/2026", date(2026, 10, 2)),            # dd/mm/yyyy, never mm/dd
    ("14/11/2026", date(2026, 11, 14)),
    ("2026.10.02", date(2026, 10, 2)),
    ("2026/10/02", date(2026, 10, 2)),
    ("2026 оны 10 дугаар сарын 02", date(2026, 10, 2)),
    ("2026 оны 4 дүгээр сарын 2", date(2026, 4, 2)),
    ("2026 оны 1 дүгээр сарын 15", date(2026, 1, 15)),
    ("2026 оны 9 дүгээр сарын 30", date(2026, 9, 30)),
    ("2026 оны 11 дүгээр сарын 5", date(2026, 11, 5)),
    ("2026 оны 10-р сарын 2", date(2026, 10, 2)),
    ("2026 ОНЫ 10-Р САРЫН 2 ӨДӨР", date(2026, 10, 2)),
    ("  2026-10-02  ", date(2026, 10, 2)),
])
def test_parse_date_reads_every_listed_format(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("2026-10-02 00:00:00", datetime(2026, 10, 2, 0, 0, 0)),
    ("2026-09-14 10:35:07", datetime(2026, 9, 14, 10, 35, 7)),
    ("2026-10-02", datetime(2026, 10, 2)),
    ("02/10/2026", datetime(2026, 10, 2)),
    ("2026 оны 10-р сарын 2", datetime(2026, 10, 2)),
])
def test_parse_datetime_keeps_local_time_and_bare_dates_are_midnight(text, expected):
    value = parse_datetime(text)
    assert value == expected
    assert value.tzinfo is None  # local Ulaanbaatar time: the date is the day it names


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_date_is_none(value):
    assert parse_date(value) is None
    assert parse_datetime(value) is None


@pytest.mark.parametrize("text", [
    "tomorrow",
    "13/13/2026",
    "2026-02-30",
    "32/01/2026",
    "2026 оны 10 дугаар сарын",      # no day
    "10/2026",
    "2026",
])
def test_unreadable_date_raises_value_error(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text, expected", [
    ("Сургуулийн тавилга 14/11/2026", date(2026, 11, 14)),
    ("Жишээ 2026.11.09", date(2026, 11, 9)),
    ("мэдээ 2026 оны 10 дугаар сарын 02 өдөр", date(2026, 10, 2)),
    ("огноогүй текст", None),
    (None, None),
])
def test_find_date_in_text(text, expected):
    assert find_date(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("109,329,420 ₮", Decimal("109329420")),
    ("45,500,000.00 ₮", Decimal("45500000")),
    ("1,191,140,600.00", Decimal("1191140600")),
    (96000000, Decimal("96000000")),
    (0, Decimal("0")),
    ("96000000", Decimal("96000000")),
    ("19 489 620,4", Decimal("19489620.4")),
    ("19\u00a0489\u00a0620,4", Decimal("19489620.4")),   # no-break spaces as thousands separators
    ("1 000 000", Decimal("1000000")),
    ("232.7 сая төгрөг", Decimal("232700000")),
    ("5 сая", Decimal("5000000")),
    ("1.2 тэрбум төгрөг", Decimal("1200000000")),
    ("2 тэрбум", Decimal("2000000000")),
    ("91,420,000 ₮", Decimal("91420000")),
])
def test_parse_amount_reads_every_listed_format(value, expected):
    assert parse_amount(value) == expected


def test_parse_amount_is_exact_decimal():
    assert isinstance(parse_amount("1,191,140,600.00"), Decimal)
    assert parse_amount("232.7 сая төгрөг") == Decimal("232700000")  # no float rounding


@pytest.mark.parametrize("value", [None, ""])
def test_empty_amount_is_none(value):
    assert parse_amount(value) is None


@pytest.mark.parametrize("value", ["abc", "12,34,5", "₮", "сая", True])
def test_unreadable_amount_raises_value_error(value):
    with pytest.raises(ValueError):
        parse_amount(value)


@pytest.mark.parametrize("title, expected", [
    ("Сангийн яамны төсвийн гүйцэтгэлийн 2026 оны 10-р сарын мэдээ", (2026, 10)),
    ("2026 оны 10 дугаар сарын улсын төсвийн гүйцэтгэл", (2026, 10)),
    ("2026 оны 4 дүгээр сарын гүйцэтгэл", (2026, 4)),
    ("2026 оны 9 дүгээр сарын гүйцэтгэл", (2026, 9)),
    ("2026 оны 1 дүгээр сарын гүйцэтгэл", (2026, 1)),
    ("2026 ОНЫ 12-Р САРЫН ГҮЙЦЭТГЭЛ", (2026, 12)),
    ("2025 оны 12 дугаар сарын мэдээ", (2025, 12)),
    ("Төсвийн гүйцэтгэлийн мэдээ", None),
    ("2026 оны 13-р сарын мэдээ", None),
    ("2026 оны 0-р сарын мэдээ", None),
    ("", None),
    (None, None),
])
def test_find_year_month_on_titles(title, expected):
    assert find_year_month(title) == expected


def test_normalize_text_composes_decomposed_letters():
    decomposed = unicodedata.normalize("NFD", "Сангийн яам")
    assert decomposed != "Сангийн яам"  # й decomposes into и + breve
    assert normalize_text(decomposed) == "Сангийн яам"
    assert normalize_text(decomposed) == unicodedata.normalize("NFC", "Сангийн яам")


@pytest.mark.parametrize("value, expected", [
    ("Эрдэнэс Таван Толгой ", "Эрдэнэс Таван Толгой"),
    ("  Эрдэнэт   үйлдвэр\t\n", "Эрдэнэт үйлдвэр"),
    ("Улаанбаатар\u00a0 хотын  Боловсролын газар", "Улаанбаатар хотын Боловсролын газар"),
    ("ЖШГ/20260801000/01/01 ", "ЖШГ/20260801000/01/01"),
    ("", ""),
    (None, ""),
])
def test_normalize_text_collapses_and_trims_whitespace(value, expected):
    assert normalize_text(value) == expected


def test_fold_name_folds_case_quotes_and_spacing():
    assert fold_name(' «Шилэн   дансны»  тухай хуулийн "төсөл" ') == "шилэн дансны тухай хуулийн төсөл"
    assert fold_name(unicodedata.normalize("NFD", "Татварын ерөнхий газар")) == fold_name("ТАТВАРЫН ЕРӨНХИЙ ГАЗАР")


INVISIBLE = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
             "\u200f", "\u061c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_normalize_text_drops_direction_controls_and_zero_width_characters(mark):
    # U+202E would show "газар" reversed after it; a zero-width space makes two equal names differ.
    assert normalize_text(f"{mark}Татварын{mark} ерөнхий газ{mark}ар {mark}") == "Татварын ерөнхий газар"
    assert fold_name(f"Татварын ерөнхий{mark} газар") == fold_name("Татварын ерөнхий газар")


@pytest.mark.parametrize("cyrillic, latin, ascii_latin", [
    ("Сангийн яам", "Sangiin yaam", "Sangiin yaam"),  # й i, я ya: letter by letter, so яам is yaam
    ("Өмнөговь", "Ömnögovi", "Umnugovi"),              # ө ö (u in ASCII), ь i
    ("Үүрэг", "Üüreg", "Uureg"),
    ("Хөвсгөл", "Khövsgöl", "Khuvsgul"),               # х kh
    ("Баян-Өлгий", "Bayan-Ölgii", "Bayan-Ulgii"),
    ("Цэцэрлэг Чингэлтэй Шувуу Жаргалант", "Tsetserleg Chingeltei Shuvuu Jargalant",
     "Tsetserleg Chingeltei Shuvuu Jargalant"),        # ц ts, ч ch, ш sh, ж j
    ("Ерөнхий Ёс Юм Ардын", "Yerönkhii Yos Yum Ardyn", "Yerunkhii Yos Yum Ardyn"),  # е ye, ё yo, ю yu, ы y
    ("ХХК", "KHKHK", "KHKHK"),                         # a word in capitals stays in capitals
    ("Газар 2026-10", "Gazar 2026-10", "Gazar 2026-10"),
])
def test_transliterate_follows_mns_5217_2012(cyrillic, latin, ascii_latin):
    assert transliterate(cyrillic) == latin
    assert transliterate(cyrillic, ascii_only=True) == ascii_latin
    assert not has_cyrillic(transliterate(cyrillic))


def test_every_mongolian_letter_has_a_latin_form():
    alphabet = "абвгдеёжзийклмноөпрстуүфхцчшщъыьэюя"
    assert len(alphabet) == 35
    assert not has_cyrillic(transliterate(alphabet + alphabet.upper()))
    assert transliterate(alphabet, ascii_only=True).isascii()
