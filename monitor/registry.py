"""Which checks exist: every module of the `checks` package that lists `CHECKS`, and any check
an NGO installs from its own package under the `monitor.checks` entry-point group."""
from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

import checks as builtin_package

from .check import Check

ENTRY_POINT_GROUP = "monitor.checks"


def available_checks() -> dict[str, type[Check]]:
    """Every check by name, built-in first; an entry point may not shadow a built-in check."""
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
