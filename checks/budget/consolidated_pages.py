"""Parser for the Ministry of Finance listing of budget performance, mof.gov.mn (portals.md 2c).

The shape is ASSUMED (the live page could not be seen): `<ul class="news-list">` of
`<li class="news-item"><a href="/article/N">title</a> <span class="date">2026.11.09</span></li>`,
10 items a page, newest first, an empty list past the end. A real capture that differs changes
this file only. LayoutChanged when the list or an item's link is absent; a date that cannot be
read is returned as None for the check to note. The page is read with lxml.html (monitor/markup.py).
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from monitor.errors import LayoutChanged
from monitor.mongolian import find_date, normalize_text

from monitor.markup import Document, HtmlElement, first, has_class


def parse_mof_page(html: bytes | str) -> list[dict[str, Any]]:
    """The items of one listing page: url, title, date ("YYYY-MM-DD" or None) and the date as written."""
    doc = Document(html)
    lists = _NEWS_LISTS(doc.root)
    if len(lists) != 1:
        raise LayoutChanged(f"{len(lists)} ul.news-list on the budget-performance page, expected 1")
    return [_item(doc, li) for li in lists[0].findall("li")]  # the list's own items only


def _item(doc: Document, li: HtmlElement) -> dict[str, Any]:
    text = doc.text
    link = first(li, "a")
    if link is None or not link.get("href") or not normalize_text(text(link)):
        raise LayoutChanged("ul.news-list item without a titled link")
    stamp = next(iter(_DATE_SPAN(li)), None)
    date_text = normalize_text(text(stamp)) if stamp is not None else ""
    day = _date(date_text)
    return {"url": normalize_text(str(link.get("href"))), "title": normalize_text(text(link)),
            "date": day.isoformat() if day else None, "date_text": date_text}


_NEWS_LISTS = etree.XPath(f"//ul[{has_class('news-list')}]")
_DATE_SPAN = etree.XPath(f".//span[{has_class('date')}]")


def _date(text: str) -> Any:
    try:
        return find_date(text)
    except ValueError:
        return None
