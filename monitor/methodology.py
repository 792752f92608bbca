"""Each rule's methodology, as docs/rules.md writes it, for the report site's rule pages.

docs/rules.md is the one text of the rules: one `## rule.id` section per rule. A wheel carries it
as monitor/data/rules.md (pyproject's force-include); a source checkout or an editable install
reads docs/rules.md itself. The section is rendered from Markdown by Python-Markdown; links to the
other documents of docs/ become plain text, since the site does not carry them.
"""
from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import markdown
from markupsafe import Markup

_SOURCE_TREE_COPY = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
_HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)
_DOCUMENT_LINK = re.compile(r"\[([^\]]+)\]\((?!https?:)[^)]*\)")


@functools.cache
def rules_text() -> str | None:
    """docs/rules.md as shipped or as checked out; None when neither is there."""
    shipped = resources.files("monitor").joinpath("data/rules.md")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    if _SOURCE_TREE_COPY.is_file():
        return _SOURCE_TREE_COPY.read_text(encoding="utf-8")
    return None


def rule_section(rule: str, text: str | None = None) -> str | None:
    """The Markdown of a rule's `## rule` section, up to the next heading of level 1 to 3."""
    text = rules_text() if text is None else text
    if text is None:
        return None
    start = re.search(rf"^## {re.escape(rule)}[ \t]*$", text, re.MULTILINE)
    if start is None:
        return None
    end = _HEADING.search(text, start.end())
    return text[start.end():end.start() if end else len(text)].strip()


def rule_methodology_html(rule: str) -> Markup | None:
    """A rule's section rendered as HTML; None when the rules text or the rule's section is absent."""
    section = rule_section(rule)
    if section is None:
        return None
    return Markup(markdown.markdown(_DOCUMENT_LINK.sub(r"\1", section), extensions=["tables"]))
