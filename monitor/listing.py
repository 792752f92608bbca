"""Paged listings: the one walker every check's listing pages go through.

A check describes a listing (how to ask for page N, how to read a page, how many rows its last read
listed) and iterates over its pages, storing each as it comes and stopping early when it has what
it needs. The walker owns what every listing shares, so that no check writes it again:

- page numbers from `from_page` on (a listing paged by offset maps the number in `request`);
- the end of the listing: a page without rows;
- an empty first page where the last read listed rows is refused (listings only grow: such a page
  is a broken portal, and `CollectContext.read` fetches it once more before the source fails);
- a page that repeats the one before (or, with `key`, brings no row not already met) means the
  portal ignores its page parameter: the source fails instead of looping;
- more pages than `max_pages` is an error, never a silent stop;
- with `last_page`, the walk stops on the last page the portal announces, not on an empty one past it;
- with `doubt_empty_after_full` (the page size), an empty page 2 after a full page 1 is not taken
  for the end at once: it is fetched once more, afresh (some portals' page forms answer no rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Hashable, Sequence, TypeVar

from .fetcher import Page

P = TypeVar("P")

MAX_PAGES = 5000


@dataclass(frozen=True)
class PageRequest:
    """One HTTP request for one page: what `CollectContext.read` takes."""

    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)  # params, data, json, headers


@dataclass(frozen=True)
class Listing(Generic[P]):
    """A paged listing of one portal, as a check declares it."""

    name: str                                   # names the listing in error lines: "/mn/result/?year=2026"
    request: Callable[[int], PageRequest]       # the request for page N (1-based)
    parse: Callable[[Page], P]                  # a page's answer, read
    rows: Callable[[P], Sequence[Any]] = lambda parsed: parsed  # type: ignore[assignment,return-value]
    listed_before: int = 0                      # rows its last good read listed (0: nothing to defend)
    key: Callable[[Any], Hashable] | None = None  # a row's identity, where rows may move between pages
    max_pages: int = MAX_PAGES
    doubt_empty_after_full: int | None = None   # page size: an empty page 2 after a full page 1 is read again
    last_page: Callable[[P], int] | None = None  # the page count a page announces: no page asked past it

    def empty_first_page(self) -> str:
        rows = "1 row was" if self.listed_before == 1 else f"{self.listed_before} rows were"
        return f"{self.name} is empty where {rows} listed before"

    def repeats(self, page: int) -> str:
        return f"{self.name} ignores its page parameter (page {page} repeats)"

    def too_long(self) -> str:
        return f"{self.name} has more than {self.max_pages} pages"
