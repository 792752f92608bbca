"""`monitor checks`: every check as it describes itself, for a person choosing what to run.

Everything printed comes from the check's own declaration (its class attributes and docstring),
so a check installed from another package is described like a built-in one.
"""
from __future__ import annotations

import inspect
from typing import Iterable

from .check import Check


def describe_checks(checks: Iterable[type[Check]]) -> str:
    """Each check: portals with default hosts, sources, rules with their basis, its OGP
    commitment, config defaults, and its docstring (cadence and decisions)."""
    return "\n\n".join(_describe(check) for check in checks) + "\n"


def _describe(check: type[Check]) -> str:
    lines = [f"{check.name}", "=" * len(check.name)]
    if check.commitment is not None:
        lines.append(f"OGP commitment {check.commitment.number} (claimed: {check.commitment.claimed}): "
                     f"{check.commitment.promise('en')}")
    lines.append("portals:")
    lines += [f"  [portals] {name} = {url}" for name, url in check.portals.items()]
    lines.append("sources:")
    lines += [f"  {source}: {_label(check, source)}" for source in check.sources]
    lines.append("rules:")
    for rule in check.rules:
        lines.append(f"  {rule}: {_label(check, rule)}")
        if rule in check.basis:
            lines.append(f"    basis: {check.basis[rule]('en')}")
    if check.defaults:
        lines.append(f"[checks.{check.name}] defaults:")
        lines += [f"  {key} = {value!r}" for key, value in check.defaults.items()]
    lines.append("")
    lines.append(inspect.cleandoc(check.__doc__ or "(no description)"))
    return "\n".join(lines)


def _label(check: type[Check], key: str) -> str:
    words = check.labels.get(key)
    return f"{words('en')} / {words('mn')}" if words else "(no name given)"
