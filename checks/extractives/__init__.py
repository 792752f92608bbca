"""Extractives (commitment 3.3.1.4): each valid mining or exploration licence's yearly EITI report, on time.

Sources: the mining cadastre's licence grid and each licence's detail page (cmcs.mrpam.gov.mn),
and the EITI e-reporting portal's submitted reports (e-reporting.eitimongolia.mn).
Rule: extractives.eiti_report. Parsers: pages.py beside this file.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping
from urllib.parse import quote

from monitor.calendar import month_day
from monitor.check import (AgencyRegister, Check, CollectContext, Commitment, EvaluateContext, ProbeContext, Record, Words,
                           check_years, judged_years, listed_on_last_walk, refusing_empty, rows_found)
from monitor.errors import ConfigError
from monitor.listing import Listing, PageRequest
from monitor.mongolian import normalize_text
from monitor.obligations import Obligation

from .pages import parse_eiti_reports, parse_licence_detail, parse_licence_grid

LICENCES, DETAILS, REPORTS = "extractives.licences", "extractives.licence_detail", "extractives.reports"
LICENCE, DETAIL, REPORT = "extractives.licence", "extractives.licence_detail", "extractives.report"
WALK, WALK_KEY = "extractives.grid_walk", "complete"  # the date of the grid's last walk to its end
RULE = "extractives.eiti_report"
GRID_ROWS = 500


class ExtractivesCheck(Check):
    """Every licence holder files its yearly EITI report on the e-reporting portal by 15 April.

    How often each source is read, and why:
    - extractives.licences: the whole grid, every run, 500 licences a page (some 8 pages): which
      licences are valid tonight decides the scope, and a licence leaves it when it is no longer
      listed as valid.
    - extractives.licence_detail: each valid licence's page once: its grant date never changes.
    - extractives.reports: one request per configured year, every run (the portal answers a
      year's submitted reports at once).

    Decisions where the rules are silent:
    - A licence is valid on the run when tonight's grid lists it with the status `Хүчинтэй`.
    - A licence whose detail page gives no readable grant date cannot be placed in or out of
      scope: its obligations are `unknown`, with a data note.
    - The agency is the holder as the detail page names it, keyed by its state register number,
      else by its name (NFC, spacing collapsed); the subject is the licence code as the cadastre
      lists it, and the evidence its detail page.
    - A report row is counted for the year it was asked for; where two rows name one licence, the
      earliest submission counts.
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
    basis = {
        "extractives.eiti_report": Words("Уул уурхай, хүнд үйлдвэрийн сайдын 2020 оны А/37 тушаал, 4 дүгээр хавсралт; ОҮИТБС-ын 4 дүгээр шаардлага; ЗТНТ 3.3.1.4",
                                         "Order A/37 (2020) of the Minister of Mining and Heavy Industry, annex 4; EITI Standard requirement 4; OGP 3.3.1.4"),
    }
    defaults = {"years": [], "report_due": "04-15"}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        check_years("checks.extractives.years", config["years"])
        try:
            month_day(config["report_due"])
        except ValueError as exc:
            raise ConfigError(f"checks.extractives.report_due: {exc}") from None

    def collect(self, source: str, ctx: CollectContext) -> None:
        {LICENCES: self._collect_licences, DETAILS: self._collect_details, REPORTS: self._collect_reports}[source](ctx)

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Page 1 of the licence grid; the first licence's detail page; one year's reports."""
        if source == REPORTS:
            year = judged_years(ctx.config, ctx.as_of, -1)[-1]
            rows = ctx.read(lambda page: parse_eiti_reports(page.json()), "POST",
                            f"{ctx.portals['eiti']}/reportListAppend/", data=_report_form(year))
            return rows_found(rows, f"reports for {year}", "submitted")
        _, records, rows = ctx.first_page(_grid_listing(ctx))
        if source == LICENCES:
            return rows_found(rows, f"licences ({records} in all)")
        if not rows:
            return "no detail page read: the grid lists no licence"
        detail = ctx.read(lambda page: parse_licence_detail(page.text()), "GET",
                          f"{ctx.portals['cadastre']}/CMCS/License/Details/{rows[0]['id']}")
        return f"licence {rows[0]['id']}: {detail['code']}, granted {detail['granted']}"

    def _collect_licences(self, ctx: CollectContext) -> None:
        listing = _grid_listing(ctx, ctx.listed_on_last_read(LICENCE).get(None, 0))
        listed = 0
        for page, (pages, _, rows) in ctx.pages(listing):
            ctx.save(LICENCE, ((row["id"], row) for row in rows))
            listed += len(rows)
            if page >= pages:
                break
        ctx.check_count(LICENCES, "licences", listing.listed_before, listed)
        ctx.save(WALK, [(WALK_KEY, {"on": ctx.as_of.isoformat()})])

    def _collect_details(self, ctx: CollectContext) -> None:
        cadastre = ctx.portals["cadastre"]
        valid = _valid(ctx.records(LICENCE), ctx.records(WALK).get(WALK_KEY))
        ctx.read_once(DETAIL, {key: f"{cadastre}/CMCS/License/Details/{key}" for key in valid},
                      lambda page: parse_licence_detail(page.text()))

    def _collect_reports(self, ctx: CollectContext) -> None:
        url = f"{ctx.portals['eiti']}/reportListAppend/"
        listed = ctx.listed_on_last_read(REPORT, "year")
        for year in judged_years(ctx.config, ctx.as_of, -1):
            form = _report_form(year)
            parse = refusing_empty(lambda page: parse_eiti_reports(page.json()), lambda rows: not rows,
                                   listed.get(year, 0) > 0,
                                   f"the reports of {year} are empty where {listed.get(year, 0)} were listed before")
            earliest: dict[str, dict[str, Any]] = {}
            for row in ctx.read(parse, "POST", url, data=form):
                for field, text in row["unreadable"].items():
                    ctx.notes.add(REPORTS, f"report of {row['licence']} for {year}: unreadable {field} {text!r}; "
                                           "dated by the day the monitor first saw it")
                kept = earliest.get(row["code_key"])
                if kept is None or _earlier(row["submitted"], kept["submitted"]):
                    earliest[row["code_key"]] = {**row, "year": year}
            ctx.save(REPORT, ((f"{year}/{code}", row) for code, row in earliest.items()))

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        licences = ctx.records(LICENCE)
        reports = ctx.records(REPORT)
        self._note_unknown_licences(ctx, licences, reports)
        return list(self._reports_due(ctx, licences, reports))

    def _reports_due(self, ctx: EvaluateContext, licences: Mapping[str, Record],
                     reports: Mapping[str, Record]) -> Iterator[Obligation]:
        details = ctx.records(DETAIL)
        cadastre = ctx.portals["cadastre"]
        valid = _valid(licences, ctx.records(WALK).get(WALK_KEY))  # no longer listed as valid: out of scope
        for year in judged_years(ctx.config, ctx.as_of, -1):
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
                    evidence_url=ctx.evidence("cadastre", f"/CMCS/License/Details/{quote(key, safe='')}", cadastre,
                                              source=LICENCES))

    @staticmethod
    def _note_unknown_licences(ctx: EvaluateContext, licences: Mapping[str, Record],
                               reports: Mapping[str, Record]) -> None:
        """A report whose licence the cadastre does not list at all is a data note, never a finding."""
        if not ctx.readable(LICENCES):
            return
        known = {licence.data["code_key"] for licence in licences.values()}
        years = judged_years(ctx.config, ctx.as_of, -1)
        for report in reports.values():
            if report.data["code_key"] not in known and report.data["year"] in years:
                ctx.notes.add(REPORTS, f"report of {report.data['licence']} for {report.data['year']} names "
                                       "no licence in the cadastre; not judged")


def _valid(licences: Mapping[str, Record], walk: Record | None) -> dict[str, Record]:
    """The licences the grid's last complete walk listed with the status `Хүчинтэй`."""
    return {key: licence for key, licence in listed_on_last_walk(licences, walk).items() if licence.data["valid"]}




def _earlier(day: str | None, than: str | None) -> bool:
    return day is not None and (than is None or day < than)


def _grid_listing(ctx: CollectContext | ProbeContext, listed_before: int = 0) -> Listing[Any]:
    """The cadastre's licence grid, 500 licences a page, in id order."""
    url = f"{ctx.portals['cadastre']}/CMCS/License/GridData"
    return Listing(
        "the licence grid",
        lambda page: PageRequest("GET", url, {"params": {"page": page, "rows": GRID_ROWS, "sidx": "Id",
                                                         "sord": "asc", "_search": "false"}}),
        lambda page: parse_licence_grid(page.json()), rows=lambda answer: answer[2],
        listed_before=listed_before, key=lambda row: row["id"])


def _report_form(year: int) -> dict[str, Any]:
    """The e-reporting portal's request for one year's submitted reports, all at once."""
    return {"year": year, "aimagId": "", "isSubmited": 1, "entityTin": "", "licenseNumber": "",
            "pageSize": 10000, "sortColumn": "submittedDate", "sortType": "desc"}


CHECKS = [ExtractivesCheck]
