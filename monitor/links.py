"""Evidence links: the one place a link a reader may click is made from what a portal wrote.

A portal's page is not ours: an `href` or a `fileUrl` may say `javascript:`, `data:`, point at
another host, or hide a scheme behind a tab or a backslash. An evidence link is only ever an
http(s) URL on one of the configured portal hosts; anything else is dropped, and the caller
falls back to a page it names itself.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

# Control characters, spaces other than the plain one, direction marks and backslashes: browsers
# strip or reinterpret them (`\tjavascript:`, `/\evil.example`), so a link holding one is never taken.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\\\u00a0\u061c\u1680\u180e"
                     r"\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]")
_SCHEMES = {"http": 80, "https": 443}
# Characters kept as written when a link is re-quoted: the reserved set and `%` (already escaped).
_KEEP = "/:@!$&'()*+,;=?%~-._"


def portal_hosts(bases: Iterable[str]) -> frozenset[tuple[str, int]]:
    """The (host, port) of each configured portal base URL: where an evidence link may point."""
    hosts = set()
    for base in bases:
        parts = urlsplit(base)
        if parts.scheme in _SCHEMES and parts.hostname:
            hosts.add((parts.hostname.lower(), parts.port or _SCHEMES[parts.scheme]))
    return frozenset(hosts)


def evidence_url(base: str, href: str | None, hosts: frozenset[tuple[str, int]]) -> str | None:
    """The link to show for `href` as read on the portal at `base`, or None when it may not be shown.

    A path (`/files/1.xlsx`) is resolved against the portal's base URL, as the checks build their
    own paths; an absolute URL must be http(s) on one of `hosts` (see `portal_hosts`), with no user
    name. The result is re-quoted, so what is stored is what a reader's browser opens."""
    if href is None:
        return None
    text = href.strip(" ")  # a plain space inside a path is quoted below
    if not text or _UNSAFE.search(text):
        return None
    if text.startswith("/") and not text.startswith("//"):
        url = base.rstrip("/") + text
    else:
        url = urljoin(base.rstrip("/") + "/", text)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unreadable port or host
        return None
    if parts.scheme not in _SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    if (parts.hostname.lower(), port or _SCHEMES[parts.scheme]) not in hosts:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), quote(parts.path or "/", safe=_KEEP),
                       quote(parts.query, safe=_KEEP), quote(parts.fragment, safe=_KEEP)))


def shown_link(href: str, limit: int = 80) -> str:
    """A rejected link as a data note quotes it: cut short, control and direction characters escaped,
    and defanged (`javascript[:]x`, `evil[.]example`) so no reader's mail client makes it a link again."""
    text = href if len(href) <= limit else href[:limit] + "…"
    return repr(text.replace(":", "[:]").replace(".", "[.]"))
