"""Digests: the figures and findings an NGO reads in the morning, rendered by Jinja2.

This module gathers and orders the data; the templates in report_templates/ only lay it
out. No rule of compliance is decided here or in a template.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .i18n import translate
from .obligations import Obligation, agency_figures
from .store import Store

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "report_templates"
FORMATS = ("html", "txt")


@dataclass
class AgencyDigest:
    """One agency that is behind: its open findings, newest first."""

    agency: str
    agency_key: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for f in self.findings if f["status"] == "missing")


def digest_context(store: Store, as_of: date) -> dict[str, Any]:
    """Everything the templates show, ordered: agencies by open missing findings, then on-time rate."""
    open_findings = store.findings(open_only=True)
    by_agency: dict[str, AgencyDigest] = {}
    for row in sorted(open_findings, key=lambda r: (r["first_raised_on"], r["due"]), reverse=True):
        entry = by_agency.setdefault(row["agency_key"], AgencyDigest(row["agency"], row["agency_key"]))
        entry.findings.append(row)
    rates = _worst_rates(store.obligations())
    agencies = sorted(by_agency.values(),
                      key=lambda a: (-a.missing, rates.get(a.agency_key, 1.0), a.agency))
    return {
        "as_of": as_of.isoformat(),
        "agencies": agencies,
        "figures": {
            "agencies_behind": sum(1 for a in agencies if a.missing),
            "obligations_missing": sum(a.missing for a in agencies),
            "newly_behind": sum(1 for f in open_findings if f["state"] == "new"),
            "caught_up": sum(1 for f in open_findings if f["state"] == "resolved"),
        },
        "rates": rates,
        "sources": store.source_history(),
    }


def _worst_rates(obligations: Iterable[Obligation]) -> dict[str, float]:
    """Per agency key, its lowest on-time rate over the rules that can be rated."""
    by_key: dict[str, list[float]] = defaultdict(list)
    for figures in agency_figures(obligations):
        if figures.on_time_rate is not None:
            by_key[figures.agency_key].append(figures.on_time_rate)
    return {key: min(values) for key, values in by_key.items()}


def render_digest(context: dict[str, Any], lang: str, fmt: str) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["t"] = lambda key: translate(key, lang)
    return env.get_template(f"digest.{fmt}").render(lang=lang, **context)


def write_digests(store: Store, as_of: date, out_dir: Path, languages: Iterable[str]) -> list[Path]:
    """Write the digest in every language and format; returns the paths written."""
    context = digest_context(store, as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in languages:
        for fmt in FORMATS:
            path = out_dir / f"digest-{as_of.isoformat()}.{lang}.{fmt}"
            path.write_text(render_digest(context, lang, fmt), encoding="utf-8")
            written.append(path)
    return written
