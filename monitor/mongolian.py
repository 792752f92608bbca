"""Dates, amounts and names as Mongolian portals write them.

One module for every check, so a format met in the wild is taught once. Each parser
returns None for an empty value and raises ValueError for text it cannot read: callers
decide whether that is a data note or a changed layout.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

_ISO = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# "2026 оны 10 дугаар сарын 02", "2026 оны 4 дүгээр сарын 2", "2026 оны 10-р сарын 2 өдөр"
_WRITTEN = re.compile(
    r"(\d{4})\s*оны\s*(\d{1,2})\s*(?:-?\s*р|дугаар|дүгээр)\s*сарын\s*(\d{1,2})?", re.IGNORECASE
)
_MONTHS_RE = re.compile(
    r"(\d{4})\s*оны\s*(\d{1,2})\s*(?:-?\s*р|дугаар|дүгээр)\s*сар", re.IGNORECASE
)
_MONTH_WORD = r"(?:-?\s*р|дугаар|дүгээр)?\s*сар"
# Cumulative reports name the months up to M: "эхний 10 сарын", "1-10 дугаар сарын", "1–10-р сарын".
_CUMULATIVE_RE = re.compile(
    rf"(\d{{4}})\s*оны\s*(?:эхний\s*|\d{{1,2}}\s*[-–—]\s*)(\d{{1,2}})\s*{_MONTH_WORD}", re.IGNORECASE
)
_QUOTES = str.maketrans("", "", "\"'`“”„‟«»‹›‘’‚‛＂＇″′〝〞")
# Bidirectional controls (LRE..RLO, LRI..PDI, LRM, RLM, ALM) and zero-width characters (ZWSP,
# ZWNJ, ZWJ, WORD JOINER, BOM).
_INVISIBLE = re.compile("[\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
                        "\u200b\u200c\u200d\u2060\ufeff]")
_SCALE = {"сая": Decimal(10) ** 6, "тэрбум": Decimal(10) ** 9}


def normalize_text(value: str | None) -> str:
    """NFC, invisible characters dropped, whitespace runs collapsed to one space, trimmed: how
    names are compared and shown.

    Zero-width characters and bidirectional controls are never meaningful in a Mongolian Cyrillic
    name or title: they only make two equal names differ (breaking matching and keys) or make a
    name read as something else on screen (U+202E reverses what follows), so they are dropped here,
    where every portal text enters, rather than at display."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if _INVISIBLE.search(text):  # rare; searching first costs a third of always replacing (350,000 calls a night)
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def fold_name(value: str | None) -> str:
    """A name folded for matching: normalised, lower case, quotes dropped."""
    text = normalize_text(value).casefold()
    text = text.translate(_QUOTES)
    return " ".join(text.split())


def parse_date(value: str | None) -> date | None:
    """Read a portal date in any of the formats listed in portals.md."""
    text = normalize_text(value)
    if not text:
        return None
    if m := _ISO.match(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := _WRITTEN.search(text):
        if m[3] is None:
            raise ValueError(f"date without a day: {text!r}")
        return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(f"unreadable date: {text!r}")


def parse_datetime(value: str | None) -> datetime | None:
    """Read a portal timestamp (local Ulaanbaatar time); a bare date becomes midnight."""
    text = normalize_text(value)
    if not text:
        return None
    if m := _ISO.match(text):
        return datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
    day = parse_date(text)
    return datetime(day.year, day.month, day.day)


def find_date(text: str | None) -> date | None:
    """The first date written anywhere in a piece of text (e.g. after a link), or None."""
    text = normalize_text(text)
    for pattern in (r"\d{4}[-./]\d{1,2}[-./]\d{1,2}", r"\d{1,2}/\d{1,2}/\d{4}"):
        if m := re.search(pattern, text):
            return parse_date(m[0])
    if _WRITTEN.search(text):
        return parse_date(text)
    return None


def find_year_month(text: str | None) -> tuple[int, int] | None:
    """Year and month named in a title such as '2026 оны 10-р сарын мэдээ', or None."""
    m = _MONTHS_RE.search(normalize_text(text))
    if not m:
        return None
    year, month = int(m[1]), int(m[2])
    return (year, month) if 1 <= month <= 12 else None


def find_last_month(text: str | None) -> tuple[int, int] | None:
    """The last month a cumulative title names ('2026 оны эхний 10 сарын', '2026 оны 1-10 дугаар
    сарын': month 10), else the one month it names, or None."""
    m = _CUMULATIVE_RE.search(normalize_text(text))
    if not m:
        return find_year_month(text)
    year, month = int(m[1]), int(m[2])
    return (year, month) if 1 <= month <= 12 else None


def parse_amount(value: str | int | float | None) -> Decimal | None:
    """Read an amount in MNT: '109,329,420 ₮', '1,191,140,600.00', '19 489 620,4', '232.7 сая төгрөг'."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"unreadable amount: {value!r}")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = normalize_text(value).replace("\u00a0", " ").lower()
    if not text:
        return None
    scale = Decimal(1)
    for word, factor in _SCALE.items():
        if word in text:
            scale = factor
            text = text.replace(word, " ")
    text = re.sub(r"[₮]|төгрөг|mnt|төг\.?", " ", text).strip()
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?", text):
        number = text.replace(",", "")
    elif re.fullmatch(r"\d+(,\d+)", text):  # space thousands, comma decimal: '19489620,4'
        number = text.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):  # '19.489.620,4'
        number = text.replace(".", "").replace(",", ".")
    else:
        raise ValueError(f"unreadable amount: {value!r}")
    try:
        return Decimal(number) * scale
    except InvalidOperation as exc:  # pragma: no cover - regexes above admit only digits
        raise ValueError(f"unreadable amount: {value!r}") from exc


# MNS 5217:2012, "Transliteration of Mongolian Cyrillic characters into Latin characters" (Mongolian
# Agency for Standardization and Metrology, 2012; it restates MNS 5217:2003). Its table, as reproduced
# in the Wikipedia article "MNS 5217:2012": е ye, ё yo, ж j, й i, ө ö, ү ü, х kh, ц ts, ч ch, ш sh,
# щ sh, ъ i, ы y, ь i, ю yu, я ya, the other letters as in English. The ASCII form folds ö and ü to
# u, as Mongolian passports and the government's English pages write names (Өмнөговь: Umnugovi).
_MNS_5217 = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "ye", "ё": "yo", "ж": "j", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ү": "ü", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh",
    "ъ": "i", "ы": "y", "ь": "i", "э": "e", "ю": "yu", "я": "ya",
}
_ASCII_VOWELS = str.maketrans({"ö": "u", "ü": "u", "Ö": "U", "Ü": "U"})


def transliterate(value: str | None, *, ascii_only: bool = False) -> str:
    """Mongolian Cyrillic in Latin letters by MNS 5217:2012 (Сангийн яам: Sangiin yam).

    A capital becomes a capital (Х: Kh), or all capitals within a word written in capitals
    (ХХК: KHKHK). `ascii_only` writes ö and ü as u (Өмнөговь: Umnugovi). Other characters
    (Latin letters, digits, punctuation) are kept as they are.
    """
    text = normalize_text(value)
    out = []
    for index, char in enumerate(text):
        latin = _MNS_5217.get(char.lower())
        if latin is None:
            out.append(char)
        elif not char.isupper():
            out.append(latin)
        elif _in_capitals(text, index):
            out.append(latin.upper())
        else:
            out.append(latin.capitalize())
    result = "".join(out)
    return result.translate(_ASCII_VOWELS) if ascii_only else result


def _in_capitals(text: str, index: int) -> bool:
    """Whether the capital at `index` stands beside another capital letter of its word."""
    neighbours = [text[i] for i in (index - 1, index + 1) if 0 <= i < len(text) and text[i].isalpha()]
    return any(char.isupper() for char in neighbours)


def has_cyrillic(value: str | None) -> bool:
    """Whether a text holds a Cyrillic letter (one an English reader may not be able to read)."""
    return any("\u0400" <= char <= "\u04ff" for char in value or "")
