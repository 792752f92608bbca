"""Which checks exist, and what they declare: every module of the `checks` package that lists
`CHECKS`, and any check an NGO installs from its own package under the `monitor.checks`
entry-point group. The digest asks here for a rule's or a source's name and basis, and for the
OGP commitments, so it names no check itself."""
from __future__ import annotations

import functools
import importlib
import pkgutil
from importlib.metadata import entry_points

import checks as builtin_package

from .check import Check, Commitment

ENTRY_POINT_GROUP = "monitor.checks"


def available_checks() -> dict[str, type[Check]]:
    """Every check by name, built-in first; an entry point may not shadow a built-in check."""
    return dict(_discovered())


@functools.cache
def _discovered() -> dict[str, type[Check]]:
    """Found once per process: importing every check and entry point is not free."""
    found: dict[str, type[Check]] = {}
    for module_info in sorted(pkgutil.iter_modules(builtin_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{builtin_package.__name__}.{module_info.name}")
        for check in getattr(module, "CHECKS", ()):
            found[check.name] = check
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        check = entry.load()
        if isinstance(check, type) and issubclass(check, Check) and check.name not in found:
            found[check.name] = check
    return found


def rule_name(rule: str, lang: str) -> str:
    """A rule as a reader knows it, from the check that declares it; its id when none does."""
    return _words(rule, "labels", lang)


def source_name(source: str, lang: str) -> str:
    """A source as a reader knows it; its id when no check names it."""
    return _words(source, "labels", lang)


def rule_basis(rule: str, lang: str) -> str:
    """A rule's legal basis; its id when no check gives one."""
    return _words(rule, "basis", lang)


def agency_heading(rule: str, lang: str) -> str | None:
    """The heading the check of a rule shows its agencies under, where they are not public bodies."""
    for check in available_checks().values():
        if rule in check.rules and check.agency_heading is not None:
            return check.agency_heading(lang)
    return None


def commitments() -> list[tuple[Commitment, tuple[str, ...]]]:
    """Each OGP commitment the checks measure, with its rules, in commitment order."""
    found: dict[str, tuple[Commitment, tuple[str, ...]]] = {}
    for check in available_checks().values():
        if check.commitment is not None:
            known, rules = found.get(check.commitment.number, (check.commitment, ()))
            found[check.commitment.number] = (known, rules + check.rules)
    return [found[number] for number in sorted(found, key=lambda n: tuple(int(p) for p in n.split(".")))]


def _words(key: str, table: str, lang: str) -> str:
    for check in available_checks().values():
        words = getattr(check, table).get(key)
        if words is not None:
            return words(lang)
    return key
