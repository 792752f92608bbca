"""The report site: static, bilingual pages an NGO can put on any web host (`monitor site OUT_DIR`,
and `monitor run` when `[site] out_dir` is set).

Mongolian pages at the top of OUT_DIR, English ones under en/, the same pages in each:
- index.html ranks every agency across all its rules, as the digest's scorecard does (open missing
  findings first, then the lowest on-time rate), each with a 12-month chart of its on-time rate;
- agencies/<id>.html: one agency's rules, open findings with evidence and basis, history, and keys;
- rules/<rule>.html: a rule's methodology (docs/rules.md, in English) and its figures;
- ogp.html: each OGP commitment's measured level beside the claimed one, month by month;
- sources.html: each source's health;
- and at the top, for both: style.css, findings.csv, agencies.csv, obligations.json.

Plain HTML, one stylesheet and relative links: no script and no remote resource, so it reads the
same from file:// as from a web host. Charts are inline SVG with a text alternative. Nothing here
reads officials' names. The site is written to a new folder beside OUT_DIR and swapped in whole, so
a reader never sees half of one night and half of another.
"""
from __future__ import annotations

import csv
import functools
import glob
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any, Iterable

from .agencies import Agency, display_name, stored_agencies
from .charts import month_bars, months_read_out
from .config import LANGUAGES, METHODOLOGY_URL
from .digest import AgencyNames, DigestView, commitment_rows, rule_url, scorecard_rows, tally_missing, templates
from .errors import ConfigError
from .export import BOM, findings_csv
from .history import TREND_MONTHS, History, Month, agency_history, last_months
from .i18n import source_error_explanation, translate, translate_count
from .methodology import rule_methodology_html
from .mongolian import transliterate
from .obligations import AgencyFigures, figures_from_counts, ogp_level, summed
from .registry import agency_heading, available_checks, commitments, rule_basis, rule_name, source_name
from .store import StorageError, Store

MARKER = ".monitor-site"  # in every site this module writes: the one kind of folder it replaces
_SAFE_PAGE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,59}$")
AGENCIES_CSV_COLUMNS = ("id", "name_mn", "name_en", "register_no", "matched_by", "keys", "open_missing",
                        "on_time_rate", "page")


@dataclass
class SiteData:
    """What every page of both languages is drawn from, read from the store once."""

    as_of: date
    agencies: dict[str, Agency]
    agency_of: dict[tuple[str, str], str]  # (check, agency key) -> agency id
    figures: list[AgencyFigures]
    findings: list[dict[str, Any]]  # open, each with its agency_id
    histories: dict[tuple[str, str | None], History]
    sources: list[dict[str, Any]]

    @classmethod
    def read(cls, store: Store, as_of: date) -> SiteData:
        agencies = {agency.id: agency for agency in stored_agencies(store)}
        agency_of = {(check, key): agency.id for agency in agencies.values() for check, key, _ in agency.keys}
        figures = figures_from_counts(store.obligation_counts())
        findings = store.findings(open_only=True)
        for row in [*((f.rule.split(".", 1)[0], f.agency_key, f.agency) for f in figures),
                    *((f["check_name"], f["agency_key"], f["agency"]) for f in findings)]:
            _adopt(agencies, agency_of, *row)
        findings = [{**f, "agency_id": agency_of[(f["check_name"], f["agency_key"])]} for f in findings]
        return cls(as_of, agencies, agency_of, figures, findings, agency_history(store), store.source_history())

    def agency_id(self, rule: str, agency_key: str) -> str:
        return self.agency_of[(rule.split(".", 1)[0], agency_key)]

    @functools.cached_property
    def figures_by_agency(self) -> dict[str, list[AgencyFigures]]:
        grouped: dict[str, list[AgencyFigures]] = defaultdict(list)
        for row in self.figures:
            grouped[self.agency_id(row.rule, row.agency_key)].append(row)
        return grouped

    @functools.cached_property
    def findings_by_agency(self) -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding["agency_id"]].append(finding)
        return grouped

    @functools.cached_property
    def rules(self) -> list[str]:
        """Every rule a check declares, with obligations or not yet, and any other the store holds."""
        return sorted({rule for check in available_checks().values() for rule in check.rules}
                      | {row.rule for row in self.figures})

    def rule_months(self, rules: Iterable[str]) -> list[tuple[str, Month | None]]:
        """From the first month held to the last, oldest first, with the obligations of `rules` due
        in each over all agencies (None: nothing due that month)."""
        wanted = set(rules)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (_, rule), history in self.histories.items():
            if rule in wanted:
                for month in history.months:
                    for index, count in enumerate((month.met, month.late, month.missing)):
                        totals[month.month][index] += count
        return _every_month([Month(month, *totals[month]) for month in sorted(totals)])


def _adopt(agencies: dict[str, Agency], agency_of: dict[tuple[str, str], str], check: str, key: str,
           name: str) -> None:
    """A key the last run's identity tables do not hold (a database from before them) is an agency
    of its own, named as the portal names it: never merged on a guess."""
    if (check, key) in agency_of:
        return
    agency_id = f"{check}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"
    agencies.setdefault(agency_id, Agency(agency_id, name, None, None, ())).keys.append((check, key, name))
    agency_of[(check, key)] = agency_id


def page_file(agency_id: str) -> str:
    """An agency page's file name: its id where that is a safe file name, else a digest of it."""
    if _SAFE_PAGE.match(agency_id):
        return f"{agency_id}.html"
    return f"agency-{hashlib.sha256(agency_id.encode('utf-8')).hexdigest()[:12]}.html"


@dataclass(frozen=True)
class SiteSummary:
    """What `monitor site` reports: where the site is and how many pages it has."""

    out_dir: Path
    pages: int

    def line(self) -> str:
        return f"site written: {self.out_dir} ({self.pages} pages)"


def build_site(store: Store, as_of: date, out_dir: str | Path, methodology_url: str = METHODOLOGY_URL) -> SiteSummary:
    """Write the whole site for `as_of` into out_dir, replacing the site that was there."""
    out_dir = Path(out_dir)
    check_site_folder(out_dir)
    data = SiteData.read(store, as_of)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _sweep_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise StorageError(f"{out_dir}: cannot create the site's folder ({exc.strerror})") from None
    try:
        pages = _write_site(store, data, staging, methodology_url)
        _swap_in(staging, out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageError(f"{out_dir}: cannot write the site ({exc.strerror})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteSummary(out_dir, pages)


def check_site_folder(out_dir: str | Path) -> None:
    """Replacing a folder deletes what was in it: only a new or empty one, or a site of ours, is
    replaced. `monitor run` asks before the night's work, not after it."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: is a file, not a folder for the site")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise ConfigError(f"{out_dir}: not empty and not a site the monitor wrote; name a new or empty folder")


def _sweep_leftovers(out_dir: Path) -> None:
    """Folders an earlier build left beside out_dir when it was killed mid-way (a staging folder, or
    the old site between the two renames): only those named after out_dir that hold our marker."""
    for leftover in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*"):
        if leftover.is_dir() and (leftover / MARKER).exists():
            shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put the new site in place of the old in two renames; the old one is deleted after."""
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{staging.name.rsplit('.', 1)[-1]}")
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_site(store: Store, data: SiteData, root: Path, methodology_url: str) -> int:
    (root / MARKER).write_text(f"written by monitor site for {data.as_of.isoformat()}\n", encoding="utf-8")
    (root / "style.css").write_text(templates().get_template("site/style.css").render(), encoding="utf-8")
    (root / "findings.csv").write_text(findings_csv(data.findings), encoding="utf-8")
    (root / "agencies.csv").write_text(_agencies_csv(data), encoding="utf-8")
    _write_obligations(store, data, root / "obligations.json")
    return sum(_LanguageSite(data, lang, root, methodology_url).write() for lang in LANGUAGES)


def _write_obligations(store: Store, data: SiteData, path: Path) -> None:
    """Every obligation as last judged, with its agency id, one JSON object a line inside one array:
    written as read, since a national database holds some 50,000. No `official`: a key to a person."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("[")
        for number, ob in enumerate(store.iter_obligations()):
            row = {**asdict(ob), "agency_id": data.agency_id(ob.rule, ob.agency_key)}
            del row["official"]
            out.write(("," if number else "") + "\n" + json.dumps(row, ensure_ascii=False, default=str))
        out.write("\n]\n")


def _agencies_csv(data: SiteData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(AGENCIES_CSV_COLUMNS)
    missing = _missing_by_agency(data)
    for agency in sorted(data.agencies.values(), key=lambda a: a.id):
        rate = summed(data.figures_by_agency.get(agency.id, [])).on_time_rate
        writer.writerow([agency.id, agency.name, agency.name_en or "", agency.register_no or "",
                         ",".join(agency.matched_by), "|".join(f"{c}:{k}" for c, k, _ in agency.keys),
                         missing.get(agency.id, 0), "" if rate is None else f"{rate:.3f}",
                         f"agencies/{page_file(agency.id)}"])
    return BOM + buffer.getvalue()


def _missing_by_agency(data: SiteData) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for finding in data.findings:
        if finding["status"] == "missing":
            counts[finding["agency_id"]] += 1
    return counts


class _LanguageSite:
    """The pages of one language: Mongolian at the top of the site, English under en/."""

    def __init__(self, data: SiteData, lang: str, root: Path, methodology_url: str) -> None:
        self.data, self.lang, self.root, self.methodology_url = data, lang, root, methodology_url
        self.prefix = "" if lang == "mn" else f"{lang}/"
        self.names = AgencyNames(lang, {key: (agency_id, self.name(data.agencies[agency_id]))
                                        for key, agency_id in data.agency_of.items()})
        self.pages = 0

    def name(self, agency: Agency) -> str:
        return display_name(agency.name, agency.name_en, self.lang)

    def portal_name(self, name: str) -> str:
        """A name (or a key that is a name) as a portal writes it, in letters the page's reader reads."""
        return name if self.lang == "mn" else transliterate(name, ascii_only=True)

    def write(self) -> int:
        data = self.data
        missing: Counter[tuple[str, str, str]] = Counter()
        for finding in data.findings:
            tally_missing(missing, finding, self.names)
        scorecard = scorecard_rows(data.figures, missing, self.names, self.lang)
        ranked = {row.agency_id for row in scorecard}
        idle = sorted((a for a in data.agencies.values() if a.id not in ranked), key=self.name)
        sections = [(section, list(rows)) for section, rows in groupby(scorecard, key=lambda row: row.section)]
        sparks = {row.agency_id: self.spark(data.histories.get((row.agency_id, None))) for row in scorecard}
        self.render("index.html", "index", sections=sections, sparks=sparks, idle=idle,
                    followed=len(data.agencies), behind=sum(1 for row in scorecard if row.missing),
                    missing=sum(1 for f in data.findings if f["status"] == "missing"))
        for agency in data.agencies.values():
            self.render(f"agencies/{page_file(agency.id)}", "agency", **self.agency_page(agency))
        for rule in data.rules:
            self.render(f"rules/{rule}.html", "rule", **self.rule_page(rule))
        self.render("ogp.html", "ogp", commitments=self.commitments())
        self.render("sources.html", "sources", sources=data.sources)
        return self.pages

    def agency_page(self, agency: Agency) -> dict[str, Any]:
        data = self.data
        rules = [{"figures": f, "spark": self.spark(data.histories.get((agency.id, f.rule))),
                  "direction": self.direction(data.histories.get((agency.id, f.rule)))}
                 for f in data.figures_by_agency.get(agency.id, [])]
        findings = sorted(data.findings_by_agency.get(agency.id, []),
                          key=lambda f: (f["status"] != "missing", f["due"], f["rule"], f["subject"]))
        history = data.histories.get((agency.id, None))
        months = _every_month(history.months) if history else self.last_year(None)
        return {"agency": agency, "name": self.name(agency), "agency_rules": rules, "findings": findings,
                "keys": [(check, self.portal_name(key), self.portal_name(name)) for check, key, name in agency.keys],
                "chart": self.chart(months, bar=14, height=80, axis=True, css_class="chart"),
                "months": list(reversed(months)), "direction": self.direction(history),
                "section": next((agency_heading(f["figures"].rule, self.lang) for f in rules), None)}

    def rule_page(self, rule: str) -> dict[str, Any]:
        data = self.data
        rows = [{"id": data.agency_id(f.rule, f.agency_key), "figures": f} for f in data.figures if f.rule == rule]
        for row in rows:
            row["name"] = self.name(data.agencies[row["id"]])
        rows.sort(key=lambda r: (r["figures"].on_time_rate is None, r["figures"].on_time_rate or 0.0, r["name"]))
        total = summed((row["figures"] for row in rows), rule)
        months = self.data.rule_months([rule])
        return {"rule": rule, "rows": rows, "total": total, "level": ogp_level(total.on_time_rate),
                "chart": self.chart(months, bar=14, height=80, axis=True, css_class="chart") if months else None,
                "methodology": rule_methodology_html(rule), "rule_url": rule_url(self.methodology_url, rule)}

    def commitments(self) -> list[dict[str, Any]]:
        measured = {row["number"]: row for row in commitment_rows(self.data.figures, DigestView(self.lang))}
        found = []
        for commitment, rules in commitments():
            months = self.data.rule_months(rules)
            found.append({**measured[commitment.number], "rules": rules, "months": list(reversed(months)),
                          "chart": self.chart(months, bar=14, height=80, axis=True, css_class="chart") if months else None})
        return found

    def spark(self, history: History | None) -> Any:
        return self.chart(self.last_year(history))

    def last_year(self, history: History | None) -> list[tuple[str, Month | None]]:
        """The TREND_MONTHS months ending with the site's month, each with what was due in it."""
        labels = last_months(self.data.as_of, TREND_MONTHS)
        return list(zip(labels, history.last_months(self.data.as_of) if history else [None] * len(labels)))

    def chart(self, months: list[tuple[str, Month | None]], **shape: Any) -> Any:
        words = months_read_out(months, translate("met", self.lang), translate("nothing_due_month", self.lang))
        title = f"{translate('chart_title', self.lang)}: {words}"
        return month_bars(months, title, **shape)

    def direction(self, history: History | None) -> str | None:
        return history.direction(self.data.as_of) if history else None

    def render(self, page: str, template: str, **context: Any) -> None:
        """Write one page; `page` is its path within its language's folder. Links are relative:
        `home` leads to this language's folder, `root` to the site's, `other` to this page in the
        other language."""
        path = self.root / self.prefix / page
        path.parent.mkdir(parents=True, exist_ok=True)
        home = "../" * page.count("/")
        root = home + "../" * self.prefix.count("/")
        lang = self.lang
        html = templates().get_template(f"site/{template}.html").render(
            lang=lang, as_of=self.data.as_of.isoformat(), root=root, home=home,
            other=root + ("en/" if lang == "mn" else "") + page,
            t=lambda key, **values: translate(key, lang).format(**values) if values else translate(key, lang),
            count=lambda key, n: translate_count(key, n, lang),
            rule_name=lambda rule: rule_name(rule, lang), basis=lambda rule: rule_basis(rule, lang),
            source_name=lambda source: source_name(source, lang),
            explain=lambda error: source_error_explanation(error, lang),
            agency_page=lambda agency_id: f"{home}agencies/{page_file(agency_id)}",
            agency_name=lambda agency_id: self.name(self.data.agencies[agency_id]),
            all_rules=self.data.rules, ogp_level=ogp_level, **context)
        path.write_text(html, encoding="utf-8")
        self.pages += 1


def _every_month(months: list[Month]) -> list[tuple[str, Month | None]]:
    """The months from the first held to the last, a month with nothing due among them as None."""
    if not months:
        return []
    held = {m.month: m for m in months}
    first, last = months[0].month, months[-1].month
    year, month = (int(part) for part in last.split("-"))
    span = last_months(date(year, month, 1), (year * 12 + month) - _month_index(first))
    return [(label, held.get(label)) for label in span]


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1
