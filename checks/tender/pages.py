"""Parsers for tender.gov.mn (portals.md section 1): bytes or JSON in, plain records out.

The invitations API (1a) and the results listing (1b) are verified shapes; the detail page's
layout around its verified labels (1c) and the contracts listing (1d) are assumed. Each
parser raises LayoutChanged when the structure it relies on is absent. The listings are read
with BeautifulSoup on lxml; the result detail page, of which a national run reads some 12,700,
with lxml.html and bs4's text rules kept (monitor/markup.py gives the measured reason).
"""
from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag
from lxml import etree

from monitor.errors import LayoutChanged, PortalError
from monitor.mongolian import find_date, normalize_text, parse_amount, parse_date

from monitor.markup import Document, HtmlElement, soup

SELECTED = "Шалгарсан"
CANCELLED = "CANCELLED_TENDER"
KNOWN_STATUSES = frozenset({"RECEIVE_TENDER", "OPEN_TENDER", "EVALUATE_TENDER", "RESULT_TENDER", CANCELLED})


def invitation_number(value: Any) -> str:
    """The join key between invitations, results and contracts: trimmed, NFC."""
    return normalize_text(value)


def parse_invitation_page(payload: Any) -> tuple[int, list[dict[str, Any]]]:
    """The total and the invitations of one API answer; PortalError on a return_code other than 200."""
    if not isinstance(payload, dict) or "return_code" not in payload:
        raise LayoutChanged("invitations answer without return_code")
    if payload["return_code"] != 200:
        raise PortalError(f"return_code {payload['return_code']}: {normalize_text(payload.get('message'))}")
    data = payload.get("data")
    if not isinstance(data, list):
        raise LayoutChanged("invitations answer without a data list")
    try:
        total = int(payload.get("total") or 0)
    except (TypeError, ValueError):
        raise LayoutChanged(f"invitations total is not a number: {payload.get('total')!r}") from None
    return total, [_invitation(item) for item in data]


def _invitation(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not item.get("invitationNumber"):
        raise LayoutChanged("invitation without invitationNumber")
    open_date = _date_or_none(item.get("openDate"))
    unreadable = (f"unreadable openDate {item.get('openDate')!r}"
                  if normalize_text(item.get("openDate")) and open_date is None else None)
    client_id = item.get("clientId")
    return {
        "number": invitation_number(item["invitationNumber"]),
        "invitation_id": str(item.get("invitationId", "")).strip(),
        "tender_name": normalize_text(item.get("tenderName")),
        "tender_year": _int_or_none(item.get("tenderYear")),
        "open_date": open_date.isoformat() if open_date else None,
        "doc_status": normalize_text(item.get("docStatusCode")),
        "agency": normalize_text(item.get("budgetEntityName")),
        "client_id": str(client_id).strip() if client_id not in (None, "") else None,
        "registration_number": normalize_text(item.get("registrationNumber")) or None,
        "total_budget": item.get("totalBudget"),
        "unreadable": unreadable,
    }


def parse_results_page(html: bytes | str) -> list[dict[str, Any]]:
    """Rows of one results listing page (1b); an empty list past the end."""
    results = []
    for cells in _table_rows(soup(html), "tender-result-table", min_cells=5):
        link = cells[2].find("a")
        href = link.get("href", "") if link is not None else ""
        detail = re.search(r"/result/detail/(\d+)", href)
        notice_text = _text_after(link) if link is not None else cells[2].get_text(" ", strip=True)
        notice = _date_in(notice_text)
        results.append({
            "number": invitation_number(cells[0].get_text()),
            "tender_code": normalize_text(cells[1].get_text()),
            "tender_name": normalize_text(link.get_text()) if link is not None else "",
            "detail_id": detail[1] if detail else None,
            "notice_date": _iso(notice),
            "unreadable": f"unreadable notice date {notice_text!r}" if notice_text and not notice else None,
            "agency": normalize_text(cells[3].get_text()),
            "budget": _amount_text(cells[4].get_text()),
        })
    return results


def parse_result_detail(html: bytes | str) -> dict[str, Any]:
    """The procedure type and bidders of one result page (1c), with the awarded amount (None if none selected)."""
    doc = Document(html)
    text = doc.text
    table = next(iter(_BIDDER_TABLE(doc.root)), None)
    if table is None:
        raise LayoutChanged("no #bidder_tableId")
    bidders = []
    for row in table.iterdescendants("tr"):
        cells = list(row.iterdescendants("td"))  # bs4's find_all("td"): cells of nested tables too
        if not cells:
            continue
        if len(cells) < 4:
            raise LayoutChanged(f"bidder row with {len(cells)} cells, expected 4")
        bidders.append({
            "supplier": normalize_text(text(cells[0])),
            "registration": normalize_text(text(cells[1])),
            "price": _amount_text(text(cells[2])),
            "status": normalize_text(text(cells[3])),
        })
    selected = [b for b in bidders if b["status"] == SELECTED]
    if any(b["price"] is None for b in selected):
        raise LayoutChanged("a selected bidder's price cannot be read")
    awarded = sum(parse_amount(b["price"]) for b in selected) if selected else None
    return {"procedure": _labelled(doc, "Тендер шалгаруулалтын төрөл:"), "bidders": bidders,
            "awarded": str(awarded) if awarded is not None else None}


def parse_contracts_page(html: bytes | str) -> list[dict[str, Any]]:
    """Rows of one contracts listing page (1d, assumed shape); an empty list past the end."""
    contracts = []
    for cells in _table_rows(soup(html), "contract-table", min_cells=6):
        link = cells[6].find("a") if len(cells) > 6 else None
        published = _date_in(cells[5].get_text())
        shown = cells[5].get_text(strip=True)
        contracts.append({
            "number": invitation_number(cells[0].get_text()),
            "contract_number": normalize_text(cells[1].get_text()),
            "supplier": normalize_text(cells[2].get_text()),
            "amount": _amount_text(cells[3].get_text()),
            "signed": _iso(_date_in(cells[4].get_text())),
            "published": _iso(published),
            "unreadable": f"unreadable publication date {shown!r}" if shown and not published else None,
            "document": link.get("href") if link is not None else None,
        })
    return contracts


def _table_rows(page: BeautifulSoup, container: str, min_cells: int) -> list[list[Tag]]:
    """The rows of the table inside the listing's wrapper, found by its id (2023 captures) or as a
    class (the 2025-26 site, portals.md 1b); a header row (no td) is skipped."""
    wrapper = page.find(lambda tag: tag.get("id") == container or container in tag.get("class", ()))
    table = wrapper.find("table") if wrapper is not None else None
    if table is None:
        raise LayoutChanged(f"no #{container}")
    body = wrapper.find("tbody") or table
    rows = []
    for row in body.find_all("tr"):
        cells = row.find_all("td", recursive=False)  # the row's own cells, not a nested table's
        if not cells:
            continue
        if len(cells) < min_cells:
            raise LayoutChanged(f"#{container} row with {len(cells)} cells, expected {min_cells}")
        rows.append(cells)
    return rows


def _text_after(link: Tag) -> str:
    """The text that follows a link in its cell: where the results listing writes the notice date."""
    pieces = [node.get_text() if isinstance(node, Tag) else str(node) for node in link.next_siblings]
    return normalize_text(" ".join(pieces))


def _labelled(doc: Document, label: str) -> str | None:
    """The text of the element after the one whose text (or comment) reads `label`.

    The strings holding the label's last word are looked at first (found by XPath, in C); all of
    them only when none of those reads the label (one written in decomposed Unicode, say)."""
    holder = _label_holder(_HOLDING(doc.root, word=label.split()[-1]), label)
    if holder is None:
        holder = _label_holder(_STRINGS(doc.root), label)
    sibling = next(holder.itersiblings(etree.Element), None) if holder is not None else None
    return normalize_text(doc.text(sibling)) if sibling is not None else None


def _label_holder(nodes: list[Any], label: str) -> HtmlElement | None:
    """The element holding the first of `nodes` that reads `label`: a text run lies in its element,
    or after it (a tail); a comment or processing instruction is its own element."""
    for node in nodes:
        if isinstance(node, str):
            if normalize_text(node) == label:
                parent = node.getparent()
                return parent.getparent() if node.is_tail and parent is not None else parent
        elif normalize_text(node.text) == label:
            return node.getparent()
    return None


_BIDDER_TABLE = etree.XPath("//table[@id='bidder_tableId']")
# every string bs4's find(string=...) looked at, but those of blanks only (no label is blank)
_STRINGS = etree.XPath("//text()[normalize-space()] | //comment() | //processing-instruction()")
_HOLDING = etree.XPath("//text()[contains(., $word)] | //comment()[contains(., $word)]"
                       " | //processing-instruction()[contains(., $word)]")


def _date_in(text: str) -> Any:
    try:
        return find_date(text)
    except ValueError:
        return None


def _date_or_none(value: Any) -> Any:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _amount_text(text: str) -> str | None:
    """An amount as a decimal string (JSON keeps it exact); None when unreadable."""
    try:
        amount = parse_amount(text)
    except ValueError:
        return None
    return str(amount) if amount is not None else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None
