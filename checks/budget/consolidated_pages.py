"""Parser for the Ministry of Finance listing of budget performance, mof.gov.mn (portals.md 2c).

The shape is ASSUMED (the live page could not be seen): `<ul class="news-list">` of
`<li class="news-item"><a href="/article/N">title</a> <span class="date">2026.11.09</span></li>`,
10 items a page, newest first, an empty list past the end. A real capture that differs changes
this file only. LayoutChanged when the list or an item's link is absent; a date that cannot be
read is returned as None for the check to note. The page is read with BeautifulSoup on lxml (monitor/markup.py).
"""
from __future__ import annotations

from typing import Any

from bs4 import Tag

from monitor.errors import LayoutChanged
from monitor.mongolian import find_date, normalize_text

from monitor.markup import soup


def parse_mof_page(html: bytes | str) -> list[dict[str, Any]]:
    """The items of one listing page: url, title, date ("YYYY-MM-DD" or None) and the date as written."""
    lists = soup(html).find_all("ul", class_="news-list")
    if len(lists) != 1:
        raise LayoutChanged(f"{len(lists)} ul.news-list on the budget-performance page, expected 1")
    return [_item(li) for li in lists[0].find_all("li", recursive=False)]  # the list's own items only


def _item(li: Tag) -> dict[str, Any]:
    link = li.find("a")
    if link is None or not link.get("href") or not normalize_text(link.get_text()):
        raise LayoutChanged("ul.news-list item without a titled link")
    stamp = li.find("span", class_="date")
    date_text = normalize_text(stamp.get_text()) if stamp is not None else ""
    day = _date(date_text)
    return {"url": normalize_text(str(link.get("href"))), "title": normalize_text(link.get_text()),
            "date": day.isoformat() if day else None, "date_text": date_text}


def _date(text: str) -> Any:
    try:
        return find_date(text)
    except ValueError:
        return None
