"""Which checks exist: the built-in ones, and any an NGO installs under the `monitor.checks` entry points."""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from .check import Check

BUILTIN_MODULES = ("checks.tender",)
ENTRY_POINT_GROUP = "monitor.checks"


def available_checks() -> dict[str, type[Check]]:
    """Every check by name, built-in first; an entry point may not shadow a built-in check."""
    found: dict[str, type[Check]] = {}
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        for check in module.CHECKS:
            found[check.name] = check
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        check = entry.load()
        if isinstance(check, type) and issubclass(check, Check) and check.name not in found:
            found[check.name] = check
    return found
