"""Parsers for the legal register and the draft laws (portals.md section 4): JSON in, plain records out.

- 4a, legalinfo.mn `POST /mn/ajaxListBody/` (verified shape): JSON `{"Html": fragment, "word": ""}`
  whose fragment holds one `div.legal-list-component` per act with the blocks `title` (a link
  `a.act-name` to `/mn/detail?lawId=…`, then the gazette reference), `enacteddate`,
  `enforcementdate` and `inactive`. Past the end, `Html` is empty.
- 4b, d.parliament.mn `POST /tusul/tusulList` (verified endpoint and fields; the meaning of the
  dates is assumed): `{"count": N, "list": [draft, ...]}`.

Each parser raises LayoutChanged when the structure it relies on is absent. A value that is there
but unreadable (a date in no known format) is not a changed layout: it becomes None, and the
record's `unreadable` map keeps its text (field name → text), so the check can tell "no date"
from "a date it cannot read" and never judge the second as the first. The fragment is read with
BeautifulSoup on lxml (monitor/markup.py).
"""
from __future__ import annotations

import re
from typing import Any

from bs4 import Tag

from monitor.errors import LayoutChanged
from monitor.mongolian import fold_name, normalize_text, parse_datetime

from monitor.markup import soup

def draft_name_key(name: str | None) -> str:
    """A draft's name folded for matching across the two lists.

    NFC, case and quotes folded (fold_name), and whitespace dropped altogether: the lists write
    `“…хууль”-д` and `"…хууль" -д` for the same draft, and a space beside a dropped quote must
    not break the match.
    """
    return "".join(fold_name(name).split())


def parse_register_page(payload: Any) -> list[dict[str, Any]]:
    """The acts of one register page (4a); none past the end."""
    if not isinstance(payload, dict) or not isinstance(payload.get("Html"), str):
        raise LayoutChanged("register answer without an Html string")
    fragment = payload["Html"]
    if not fragment.strip():
        return []
    components = soup(fragment).find_all("div", class_="legal-list-component")
    if not components:
        raise LayoutChanged("no div.legal-list-component in the register's Html")
    return [_act(component) for component in components]


def _act(component: Tag) -> dict[str, Any]:
    title = _block(component, "title")
    link = title.find("a", class_="act-name") if title is not None else None
    href = link.get("href") if link is not None else None
    found = re.search(r"[?&]lawId=([^&#\s]+)", href) if isinstance(href, str) else None
    if title is None or link is None or found is None:
        raise LayoutChanged("register row without a title link carrying lawId")
    gazette = title.find("span")
    inactive = _block(component, "inactive")
    unreadable: dict[str, str] = {}
    return {
        "law_id": normalize_text(found[1]),
        "title": normalize_text(link.get_text()),
        "gazette": normalize_text(gazette.get_text()) if gazette is not None else None,
        "url": href,
        "enacted": _block_date(component, "enacteddate", unreadable),
        "enforcement": _block_date(component, "enforcementdate", unreadable),
        # isactive=1 is requested, so this is normally False; None: the block is absent
        "inactive": bool(normalize_text(inactive.get_text())) if inactive is not None else None,
        "unreadable": unreadable,
    }


def _block(component: Tag, name: str) -> Tag | None:
    return component.find("div", attrs={"data-block": name})


def _block_date(component: Tag, block: str, unreadable: dict[str, str]) -> str | None:
    """The ISO date of one block; a missing block is a changed layout, an unreadable date is noted."""
    element = _block(component, block)
    if element is None:
        raise LayoutChanged(f"register row without div[data-block={block}]")
    return _read_date(normalize_text(element.get_text()), block, unreadable)


def parse_drafts_page(payload: Any) -> tuple[int, list[dict[str, Any]]]:
    """The count and the drafts of one tusulList page (4b)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("list"), list):
        raise LayoutChanged("tusulList answer without a list")
    count = payload.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise LayoutChanged(f"tusulList count is not a number: {count!r}")
    return count, [_draft(item) for item in payload["list"]]


def _draft(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("id") in (None, ""):
        raise LayoutChanged("tusulList draft without an id")
    creator = item.get("creator") if isinstance(item.get("creator"), dict) else {}
    creator_id = creator.get("id")
    unreadable: dict[str, str] = {}
    return {
        "id": normalize_text(str(item["id"])),
        "name": normalize_text(item.get("name")),
        "law_date": _read_date(item.get("lawDate"), "lawDate", unreadable),
        "publish_date": _read_date(item.get("publishDate"), "publishDate", unreadable),
        "creator_id": str(creator_id).strip() if creator_id not in (None, "") else None,
        "creator_name": normalize_text(creator.get("name")) or None,
        "unreadable": unreadable,
    }


def _read_date(value: Any, field: str, unreadable: dict[str, str]) -> str | None:
    """The ISO day a date or a timestamp names (Ulaanbaatar time); None when empty or unreadable,
    and then `unreadable[field]` keeps the text, so a value that is there is never taken for none."""
    if value in (None, ""):
        return None
    try:
        moment = parse_datetime(str(value))
    except ValueError:
        unreadable[field] = normalize_text(str(value))
        return None
    return moment.date().isoformat() if moment else None


