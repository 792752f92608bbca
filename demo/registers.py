"""The state register number of a demo agency: one per agency, whichever portal lists it, as in life.

Budget entities and tender agencies of the same name carry the same number, so the demo shows
agencies joined across portals by their register number (monitor.agencies)."""
from __future__ import annotations

import hashlib

from monitor.mongolian import normalize_text

# As portals.md shows the Ministry of Finance on the Glass Account portal.
KNOWN = {"Сангийн яам": "2011964"}


def register_number(name: str) -> str:
    """Seven digits drawn from the agency's name: the same name, the same number, in every world."""
    name = normalize_text(name)
    if name in KNOWN:
        return KNOWN[name]
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return str(2_000_000 + int.from_bytes(digest[:4], "big") % 8_000_000)
