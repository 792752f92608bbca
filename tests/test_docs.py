"""The project's own documentation is complete and self-contained: a clone can read every page it
links, every rule a check judges is defined in docs/rules.md, and every configuration key the code
knows is documented with its default in docs/configuration.md."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from monitor import config
from monitor.registry import available_checks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, flags=re.M)}


def sections(page: Path) -> dict[str, str]:
    """The text under each `## ` heading, by the heading's text."""
    parts = re.split(r"^## (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_points_outside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text and "interface.md" not in text
    if page.parent == ROOT:  # from the top level, the rules are docs/rules.md
        assert not re.search(r"(?<![\w/])rules\.md", text), "README names a rules.md that is not docs/rules.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_in_the_docs_opens_a_file_of_the_repository(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # a web address, not a file
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_relative_to(ROOT) and linked.exists(), f"{page.name} links {target}: no such file"
        if anchor:
            assert anchor in anchors(linked), f"{page.name} links {target}: no such heading"


def test_every_rule_a_check_declares_has_its_own_heading_in_rules_md():
    headings = set(sections(DOCS / "rules.md"))
    declared = {rule for check in available_checks().values() for rule in check.rules}
    assert declared and declared <= headings, sorted(declared - headings)
    assert "extractives.eiti_report" in headings


def test_the_digests_rule_anchors_open_the_rule():
    page = anchors(DOCS / "rules.md")
    assert "tenderresult_published" in page
    for check in available_checks().values():
        for rule in check.rules:
            assert rule.replace(".", "") in page


def toml(value: Any) -> str:
    """A default as the documentation writes it, in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def documented_sections() -> dict[str, dict[str, Any]]:
    known = {"monitor": config.MONITOR_DEFAULTS, "portals": config.portal_defaults(available_checks()), "fetch": config.FETCH_DEFAULTS,
             "digest": config.DIGEST_DEFAULTS, "smtp": config.SMTP_DEFAULTS, "[recipients]": config.RECIPIENT_DEFAULTS,
             "agencies": config.AGENCIES_DEFAULTS, "store": config.STORE_DEFAULTS}
    known.update({f"checks.{name}": check.defaults for name, check in available_checks().items()})
    return known


@pytest.mark.parametrize("section", sorted(documented_sections()))
def test_every_config_key_is_documented_with_its_default(section):
    page = sections(DOCS / "configuration.md")
    assert f"`[{section}]`" in page, f"no section [{section}] in docs/configuration.md"
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([^`]+)` \| `(.+?)` \|", page[f"`[{section}]`"],
                                                        flags=re.M)}
    for key, default in documented_sections()[section].items():
        assert key in rows, f"[{section}] {key} is not documented"
        assert rows[key] == toml(default), f"[{section}] {key}: documented {rows[key]}, the code says {toml(default)}"


def test_the_cli_page_names_every_exit_status_and_command():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for status in "01234":
        assert f"| `{status}` |" in text
    for command in ("run", "check", "findings", "send", "digest", "probe", "agencies", "prune"):
        assert f"### {command}" in text
