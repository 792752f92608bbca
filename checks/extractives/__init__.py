"""Extractives (OGP 3.3.1.4): the class docstring is the check's help (`monitor checks`); pages.py, its parsers."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import quote

from monitor.check import (AgencyRegister, Check, CollectContext, Commitment, Context, EvaluateContext, ProbeContext,
                           Record, Words, judged_years, refusing_empty, rows_found)
from monitor.listing import Listing, PageRequest
from monitor.mongolian import normalize_text
from monitor.obligations import Obligation

from .pages import parse_eiti_reports, parse_licence_detail, parse_licence_grid

LICENCES, DETAILS, REPORTS = "extractives.licences", "extractives.licence_detail", "extractives.reports"
LICENCE, DETAIL, REPORT = "extractives.licence", "extractives.licence_detail", "extractives.report"
WALK = "extractives.grid_walk"  # the date of the grid's last walk to its end
DETAIL_PATH = "/CMCS/License/Details/"  # a licence's page on the cadastre: its grant date, and the evidence
RULE = "extractives.eiti_report"
GRID_QUERY = {"rows": 500, "sidx": "Id", "sord": "asc", "_search": "false"}  # 500 licences a page, in id order
REPORTS_FORM = {"aimagId": "", "isSubmited": 1, "entityTin": "", "licenseNumber": "", "pageSize": 10000,
                "sortColumn": "submittedDate", "sortType": "desc"}  # a year's submitted reports, all at once


class ExtractivesCheck(Check):
    """Every licence holder files its yearly EITI report on the e-reporting portal by 15 April.

    How often each source is read, and why:
    - extractives.licences: the whole grid, every run, 500 licences a page: which licences are
      valid tonight decides the scope; a licence no longer listed as valid leaves it.
    - extractives.licence_detail: each valid licence's page once: its grant date never changes.
    - extractives.reports: one request a judged year, every run (the portal answers it at once).

    The rule and what it decides where the order is silent: the methodology (docs/rules.md; the site's rule page).
    """

    name = "extractives"
    portals = {"cadastre": "https://cmcs.mrpam.gov.mn", "eiti": "https://e-reporting.eitimongolia.mn"}
    sources = (LICENCES, DETAILS, REPORTS)
    rules = (RULE,)
    registers = (AgencyRegister(DETAIL, "holder_reg_no", "holder_reg_no"),)  # a holder is keyed by its number
    commitment = Commitment("3.3.1.4", "completed", Words(
        "Ашигт малтмал, газрын тосны тусгай зөвшөөрөл эзэмшигчдийн нэгдсэн санг олон нийтэд нээлттэй болгох",
        "Open to the public a central database of mineral and oil licence holders"))
    agency_heading = Words("Олборлох үйлдвэрийн компаниуд", "Extractive companies")
    labels = {
        "extractives.eiti_report": Words("ОҮИТБС-ын жилийн тайлан", "Yearly EITI report filed"),
        "extractives.licences": Words("Тусгай зөвшөөрлийн кадастрын жагсаалт", "Mining cadastre licence list"),
        "extractives.licence_detail": Words("Тусгай зөвшөөрлийн дэлгэрэнгүй", "Licence details"),
        "extractives.reports": Words("ОҮИТБС-ын цахим тайлагналын тайлангууд", "EITI e-reporting reports"),
    }
    basis = {RULE: Words("Уул уурхай, хүнд үйлдвэрийн сайдын 2020 оны А/37 тушаал, 4 дүгээр хавсралт; ОҮИТБС-ын 4 дүгээр шаардлага; ЗТНТ 3.3.1.4",
                         "Order A/37 (2020) of the Minister of Mining and Heavy Industry, annex 4; EITI Standard requirement 4; OGP 3.3.1.4")}
    defaults = {"years": [], "report_due": "04-15"}

    def collect(self, source: str, ctx: CollectContext) -> None:
        {LICENCES: self._collect_licences, DETAILS: self._collect_details, REPORTS: self._collect_reports}[source](ctx)

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Page 1 of the licence grid; the first licence's detail page; one year's reports."""
        if source == REPORTS:
            year = judged_years(ctx.config, ctx.as_of, -1)[-1]
            rows = ctx.read(lambda page: parse_eiti_reports(page.json()), "POST",
                            f"{ctx.portals['eiti']}/reportListAppend/", data={"year": year, **REPORTS_FORM})
            return rows_found(rows, f"reports for {year}", "submitted")
        _, records, rows = ctx.first_page(_grid_listing(ctx))
        if source == LICENCES:
            return rows_found(rows, f"licences ({records} in all)")
        if not rows:
            return "no detail page read: the grid lists no licence"
        detail = ctx.read(lambda page: parse_licence_detail(page.text()), "GET",
                          f"{ctx.portals['cadastre']}{DETAIL_PATH}{rows[0]['id']}")
        return f"licence {rows[0]['id']}: {detail['code']}, granted {detail['granted']}"

    def _collect_licences(self, ctx: CollectContext) -> None:
        listing = _grid_listing(ctx, ctx.listed_on_last_read(LICENCE).get(None, 0))
        ctx.walk_to_end(listing, LICENCE, WALK, source=LICENCES, what="licences")

    def _collect_details(self, ctx: CollectContext) -> None:
        ctx.read_once(DETAIL, {key: f"{ctx.portals['cadastre']}{DETAIL_PATH}{key}" for key in _valid(ctx)},
                      lambda page: parse_licence_detail(page.text()))

    def _collect_reports(self, ctx: CollectContext) -> None:
        listed = ctx.listed_on_last_read(REPORT, "year")
        for year in judged_years(ctx.config, ctx.as_of, -1):
            before = listed.get(year, 0)
            rows = ctx.read(refusing_empty(lambda page: parse_eiti_reports(page.json()), lambda rows: not rows,
                                           before > 0, f"the reports of {year} are empty where {before} were listed before"),
                            "POST", f"{ctx.portals['eiti']}/reportListAppend/", data={"year": year, **REPORTS_FORM})
            for row in rows:
                for field, text in row["unreadable"].items():
                    ctx.notes.add(REPORTS, f"report of {row['licence']} for {year}: unreadable {field} {text!r}; "
                                           "dated by the day the monitor first saw it")
            ctx.save(REPORT, ((f"{year}/{row['code_key']}", {**row, "year": year}) for row in _earliest(rows)))

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        reports = ctx.records(REPORT)
        years = judged_years(ctx.config, ctx.as_of, -1)
        if ctx.readable(LICENCES):  # a report naming no licence the cadastre lists is a note, never a finding
            known = set(ctx.field(LICENCE, "code_key").values())
            for report in reports.values():
                if report.data["code_key"] not in known and report.data["year"] in years:
                    ctx.notes.add(REPORTS, f"report of {report.data['licence']} for {report.data['year']} names "
                                           "no licence in the cadastre; not judged")
        return list(self._reports_due(ctx, reports, years))

    def _reports_due(self, ctx: EvaluateContext, reports: Mapping[str, Record], years: list[int]) -> Iterator[Obligation]:
        details = ctx.records(DETAIL)
        valid = _valid(ctx)  # no longer listed as valid: out of scope
        for year in years:
            due = ctx.calendar.day_of_next_year(year, ctx.config["report_due"])
            for key, licence in valid.items():
                detail = details.get(key)
                granted = detail.data["granted"] if detail else None
                if granted is not None and granted > f"{year}-12-31":
                    continue  # granted after the reporting year
                if detail is not None and granted is None:
                    ctx.notes.add(DETAILS, f"licence {licence.data['code']}: no readable grant date; not judged")
                report = reports.get(f"{year}/{licence.data['code_key']}")
                published, baseline = ctx.published(report, report and report.data["submitted"], REPORTS)
                holder = detail.data["holder"] if detail else licence.data["holder"]
                yield ctx.judge(
                    depends_on=(LICENCES, REPORTS), known=granted is not None, rule=RULE, agency=holder,
                    agency_key=(detail.data["holder_reg_no"] if detail else None) or normalize_text(holder),
                    subject=f"{licence.data['code']}/{year}", due=due, published=published, baseline=baseline,
                    evidence_url=ctx.evidence("cadastre", DETAIL_PATH + quote(key, safe=""), ctx.portals["cadastre"],
                                              source=LICENCES))


def _valid(ctx: Context) -> dict[str, Record]:
    """The licences the grid's last complete walk listed with the status `Хүчинтэй`."""
    return {licence.key: licence for licence in ctx.listed_on_last_walk(LICENCE, WALK) if licence.data["valid"]}


def _earliest(rows: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """One report a licence: its earliest submission, an undated one only where none is dated."""
    firsts: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda row: (row["submitted"] is None, row["submitted"] or "")):
        firsts.setdefault(row["code_key"], row)
    return firsts.values()


def _grid_listing(ctx: CollectContext | ProbeContext, listed_before: int = 0) -> Listing[Any]:
    url = f"{ctx.portals['cadastre']}/CMCS/License/GridData"
    return Listing("the licence grid", lambda page: PageRequest("GET", url, {"params": {"page": page, **GRID_QUERY}}),
                   lambda page: parse_licence_grid(page.json()), rows=lambda answer: answer[2],
                   listed_before=listed_before, key=lambda row: row["id"], last_page=lambda answer: answer[0])


CHECKS = [ExtractivesCheck]
