"""The HTML trees the page parsers read.

`soup()` is the parsers' API: BeautifulSoup, with lxml as its tree builder, as the design card
asks; every listing page, the Ministry's list, the register's fragment and the licence page are
read with it. The tender result detail page alone is read with `Document` below (lxml.html with
bs4's text rules kept): a cold national run parses some 12,700 of them, and there bs4 costs what
the benchmark cannot afford (a detail page's tree: 1.2 ms with bs4 on lxml, even 0.8 ms with a
SoupStrainer on the bidder table, against 0.05 ms for lxml.html; parsed whole, 1.2 ms against
0.2 ms: some 13 s more CPU on a 55 s cold run, past the 1.5x-of-the-floor target).

What follows is why `Document` exists and what it keeps of bs4:

The parsers used BeautifulSoup's `html.parser` until its cost showed: building a tender detail
page's tree took it some 1.6 ms against 0.05 ms for lxml.html (31x; a whole parse_result_detail
went from 1.7 ms to 0.18 ms), and a cold national run parses some 12,700 detail pages: parsing
was its largest CPU cost. What the parsers return did not change, so this module keeps what bs4
did:

- `Document` takes what the callers pass: a str as it is (the fetcher's Page.text() decoded it
  by its charset, and a charset the page declares inside is not read again), or bytes decoded as
  bs4 decoded them: a byte-order mark, the charset the document declares, UTF-8, the charset
  charset_normalizer guesses (a dependency of requests; bs4 asked it before UTF-8, we after, so
  a valid UTF-8 page is never guessed at), windows-1252. An empty or unparsable document is an
  empty tree, so a parser raises the same LayoutChanged for it as for a page without its table:
  never a crash. Nesting is allowed 2,048 deep rather than libxml2's 256 (`huge_tree`): past
  its limit libxml2 drops the rest of the page, where html.parser read on.
- `Document.text` is bs4's `get_text()`: the text of the element and all it holds, without
  comments and without what lies inside script, style, template, rt and rp (lxml's
  text_content() keeps those).
- `has_class` matches one class among several (`class="a b"`), as bs4's `class_=` and CSS's `.a`
  did (classes apart by ASCII whitespace: XPath's normalize-space).

Where the two parsers build different trees, lxml's is the browsers': an unclosed <li> or <td>
ends at the next one instead of holding it, and a duplicated attribute keeps its first value, not
its last. With lxml 6 (libxml2 2.14, HTML5's tokenizer) CR LF and a lone CR also read as LF, and
a NUL as U+FFFD, where html.parser kept them.
"""
from __future__ import annotations

import codecs
import re
import warnings

import lxml.html
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, SoupStrainer
from lxml import etree
from lxml.html import HtmlElement

__all__ = ["HtmlElement", "Document", "has_class", "first", "soup", "SoupStrainer"]


def soup(markup: bytes | str, only: SoupStrainer | None = None) -> BeautifulSoup:
    """A page or fragment as BeautifulSoup reads it with lxml (`only`: keep just what matches).
    Bytes are decoded by bs4 (a byte-order mark, the declared charset, UTF-8, a guess); a str is
    taken as it is. A short fragment that looks like a file name is still markup, not a path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "lxml", parse_only=only)

# we always hand the parser UTF-8 bytes: a str with an XML encoding declaration is refused as a
# str, and bytes without a declared charset would be read as Latin-1 (libxml2's default for HTML)
_PARSER = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)

# bs4's string containers: text inside these is not in an ancestor's get_text()
_HIDDEN = ("script", "style", "template", "rt", "rp")
_ALL_TEXT = etree.XPath(".//text()")


def has_class(name: str) -> str:
    """An XPath predicate: the element's class attribute holds `name` among its classes."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def first(element: HtmlElement, tag: str) -> HtmlElement | None:
    """The first element named `tag` below `element`, in document order (bs4's `find(tag)`)."""
    return next(element.iterdescendants(tag), None)


class Document:
    """One parsed page: its root element (an empty <html> when there was nothing to parse), and
    bs4's get_text() over its elements."""

    __slots__ = ("root", "_near_hidden")

    def __init__(self, html: bytes | str) -> None:
        text_ = html if isinstance(html, str) else _decode(html)
        try:
            root = etree.fromstring(text_.encode("utf-8", "replace"), _PARSER)
        except (etree.LxmlError, ValueError):
            root = None
        self.root: HtmlElement = root if root is not None else lxml.html.Element("html")
        # the elements whose text needs care: those holding a hidden element or held by one (libxml2
        # puts no element inside script or style); lxml keeps one proxy per node while one lives
        self._near_hidden: set[HtmlElement] = set()
        for hidden in self.root.iter(*_HIDDEN):
            self._near_hidden.add(hidden)
            self._near_hidden.update(hidden.iterancestors())
            self._near_hidden.update(hidden.iterdescendants())

    def text(self, element: HtmlElement, separator: str = "", strip: bool = False) -> str:
        """bs4's `element.get_text(separator, strip=strip)`."""
        if element in self._near_hidden:
            own = element.tag if element.tag in _HIDDEN else None
            pieces = [str(node) for node in _ALL_TEXT(element) if _container(node) == own]
        elif not separator and not strip:  # the usual case, and the fast one: text nodes joined in C
            return (element.text or "") if not len(element) else _joined(element)
        else:
            pieces = list(element.itertext())
        if strip:
            return separator.join(piece for piece in map(str.strip, pieces) if piece)
        return separator.join(pieces)


def _joined(element: HtmlElement) -> str:
    """The element's text nodes, joined: what itertext() gives, but not one string at a time."""
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _container(node: etree._ElementUnicodeResult) -> str | None:
    """The name of the innermost script, style, template, rt or rp the text run lies in, if any."""
    parent = node.getparent()
    if node.is_tail:  # the text after an element lies in that element's parent
        parent = parent.getparent()
    if parent is None:
        return None
    if parent.tag in _HIDDEN:
        return parent.tag
    holder = next(parent.iterancestors(*_HIDDEN), None)
    return holder.tag if holder is not None else None


# bytes: what bs4's UnicodeDammit tried

_BOMS = ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_XML_DECLARED = re.compile(rb"^\s*<\?.*encoding=['\"](.*?)['\"].*\?>", re.I)
_HTML_DECLARED = re.compile(rb"<\s*meta[^>]+charset\s*=\s*[\"']?([^>]*?)[ /;'\">]", re.I)


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                break
    declared = _XML_DECLARED.match(data[:1024]) or _HTML_DECLARED.search(data[:max(2048, len(data) // 20)])
    if declared and (text_ := _decoded(data, declared[1].decode("ascii", "replace").strip().lower())) is not None:
        return text_
    for encoding in ("utf-8", _guess, "windows-1252"):
        encoding = encoding(data) if callable(encoding) else encoding  # a guess only when UTF-8 failed
        if encoding and (text_ := _decoded(data, encoding)) is not None:
            return text_
    return data.decode("utf-8", "replace")


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes) -> str | None:
    """charset_normalizer's guess, as bs4 asked it; None when it has none (or is not installed)."""
    try:
        import charset_normalizer
    except ImportError:
        return None
    return charset_normalizer.detect(data)["encoding"]
