"""A generated mining cadastre and EITI e-reporting world, served in the shapes of portals.md section 5.

A few hundred mining (`Ашиглалтын`) and exploration (`Хайгуулын`) licences across the aimags,
held by companies of which a few hold many, most valid, some revoked, expired or suspended. Their
holders file yearly EITI reports for the two years before the anchor's: most before 15 April,
some late, some never. Everything is drawn from `random.Random(seed)` around an `anchor` date
(default: `as_of`), including licences granted and reports filed after it, and the routes serve
only what exists on `world.today` (set to `as_of`): a licence from its grant date, a report row
from its submission date. A test moves `world.today` forward between runs to watch reports come in.

`planted` names the cases the check's rule must get right (the reporting year is
`reporting_year`, the year before the anchor's): a report on time, one late, one missing, a row
whose code is written `" mv-017129 "`, a row without `submittedDate`, a licence whose detail page
has no `HolderRegNo`, a licence granted in January of the year (in scope) and one granted after
its 31 December (out of scope), a revoked licence (out of scope) and a report row for a licence
the cadastre does not list. Two change between the demo's nights, a week apart: a report filed 4
days before the anchor (`caught_up`: late, once the anchor is past mid-April) and a licence granted
4 days before it (`newly_granted`). `ExtractivesWorld` keeps everything plain so tests compute the
expected findings on their own.
"""
from __future__ import annotations

import html
import json
import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from monitor.calendar import WorkCalendar
from demo.habits import DelayTable, draw_delay
from demo.server import Request, Response, Route

MINING, EXPLORATION = "Ашиглалтын", "Хайгуулын"
VALID, REVOKED, EXPIRED, SUSPENDED = "Хүчинтэй", "Цуцлагдсан", "Хугацаа дууссан", "Түдгэлзүүлсэн"
SUBMITTED = "Илгээсэн"
STATUS_SHARES = ((VALID, 0.60), (EXPIRED, 0.22), (REVOKED, 0.12), (SUSPENDED, 0.06))
MINING_SHARE, BIG_HOLDER_SHARE, ODD_CODE_SHARE, UNDATED_OLD_SHARE = 0.4, 0.45, 0.03, 0.05
LICENCES_PER_HOLDER = 2.6
AIMAGS = ("Архангай", "Баян-Өлгий", "Баянхонгор", "Булган", "Говь-Алтай", "Говьсүмбэр", "Дархан-Уул",
          "Дорноговь", "Дорнод", "Дундговь", "Завхан", "Орхон", "Өвөрхангай", "Өмнөговь", "Сүхбаатар",
          "Сэлэнгэ", "Төв", "Увс", "Ховд", "Хөвсгөл", "Хэнтий")  # aimagId: position + 1
_AREA_STEMS = ("Цагаан", "Хар", "Улаан", "Хөх", "Шар", "Их", "Бага", "Баян", "Өндөр", "Алтан", "Мөнгөн",
               "Зүүн", "Баруун", "Хүрэн", "Бор", "Ногоон", "Таван", "Сайхан", "Хонгор", "Эрдэнэ")
_LANDFORMS = ("толгой", "уул", "овоо", "хөндий", "нуруу", "гол", "тал", "булаг", "хад", "дэнж", "даваа",
              "хошуу", "ус", "нуур", "хайрхан", "цав")
_COMPANY_STEMS = ("Эрдэнэ", "Алтан", "Мөнгөн", "Говийн", "Хангай", "Их", "Шинэ", "Монгол", "Цагаан",
                  "Оюу", "Тавантолгой", "Бороо", "Хүдэр", "Тэмүүжин", "Соёмбо", "Хаан", "Номин", "Түмэн",
                  "Дорнод", "Өлзий", "Бадрах", "Мандал", "Гэрэлт", "Сансар", "Хэрлэн", "Туул", "Орхон",
                  "Сэлэнгэ", "Алтай", "Хөвсгөл")
_SECTORS = ("ресурс", "майнинг", "алт", "геологи", "минерал", "холдинг", "уул уурхай", "коал", "энерджи",
            "трейд", "хайгуул", "металл", "экспорт", "групп", "девелопмент", "интернэшнл")
# Days from the (rolled) due date to the report: (probability, (min, max) days, or None = never).
HABITS: dict[str, DelayTable] = {
    "diligent": ((0.90, (-75, 0)), (0.08, (1, 45)), (0.02, None)),
    "typical": ((0.55, (-60, 0)), (0.15, (1, 150)), (0.30, None)),
    "late": ((0.28, (-30, 0)), (0.32, (1, 240)), (0.40, None)),
    "lapsed": ((0.20, (-60, 0)), (0.10, (1, 120)), (0.70, None)),  # revoked and expired licences
}
HABIT_SHARES = (("diligent", 0.30), ("typical", 0.45), ("late", 0.25))
FIRST_ID, LOWER_CASE_CODE, UNLISTED_CODE = 40_000, "MV-017129", "XV-000417"


@dataclass(frozen=True)
class Holder:
    name: str
    reg_no: str  # the state register number, 7 digits; the e-reporting portal's entityTin
    habit: str  # diligent | typical | late


@dataclass(frozen=True)
class Licence:
    """One licence of the cadastre, listed from its grant date."""

    id: int
    code: str
    area: str
    aimag_id: int
    kind: str  # MINING | EXPLORATION
    status: str
    holder: Holder
    hectares: str  # as the grid writes it: "1240.5", "310"
    granted: date
    expires: date
    reg_no_shown: bool = True  # False: the detail page's HolderRegNo is null

    def grid_row(self) -> dict[str, Any]:
        """The licence's row of the grid (5a)."""
        return {"id": self.id, "cell": [self.id, self.code, self.area, self.kind, self.status, self.holder.name,
                                        self.hectares]}

    def detail(self) -> dict[str, Any]:
        """The `var license` object of the detail page (5b), keys in the sample's order."""
        return {"Id": self.id, "Code": self.code, "AreaName": self.area, "TypeName": self.kind,
                "StatusName": self.status, "HolderLookup": self.holder.name,
                "HolderRegNo": self.holder.reg_no if self.reg_no_shown else None,
                "GrantedDate": self.granted.isoformat(), "ExpiryDate": self.expires.isoformat(),
                "Hectares": float(self.hectares) if "." in self.hectares else int(self.hectares)}


@dataclass(frozen=True)
class Report:
    """One submitted EITI report, answered from its submission date."""

    license_number: str  # as the holder typed it
    holder: Holder
    year: int
    submitted: datetime
    aimag_id: int | None  # None: a licence the cadastre does not list
    dated: bool = True  # False: the row carries no submittedDate

    def row(self) -> dict[str, Any]:
        """The report's row of the e-reporting answer (5c)."""
        row: dict[str, Any] = {"entityTin": self.holder.reg_no, "entityName": self.holder.name,
                               "licenseNumber": self.license_number, "year": self.year}
        if self.dated:
            row["submittedDate"] = self.submitted.strftime("%Y-%m-%d %H:%M:%S")
        row["statusName"] = SUBMITTED
        return row


@dataclass
class ExtractivesWorld:
    """What the cadastre and the e-reporting portal show on `today` (settable: tests move it forward)."""

    today: date
    reporting_year: int
    licences: list[Licence] = field(default_factory=list)  # by id
    holders: list[Holder] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)  # case -> licence code

    def listed(self) -> list[Licence]:
        """The cadastre's licences today, by id."""
        return [licence for licence in self.licences if licence.granted <= self.today]

    def submitted(self, year: int) -> list[Report]:
        """The reports for `year` filed by today, newest first, undated rows last."""
        shown = [r for r in self.reports if r.year == year and r.submitted.date() <= self.today]
        return sorted(shown, key=lambda r: (r.dated, r.submitted), reverse=True)


def build_extractives_world(as_of: date, seed: int = 2016, licences: int = 300,
                            anchor: date | None = None) -> ExtractivesWorld:
    """Draw `licences` licences and their reports around `anchor` (default `as_of`); show them as on `as_of`.

    Every random draw depends on (seed, anchor, licences) only, never on `as_of`.
    """
    anchor = anchor or as_of
    rng = random.Random(seed)
    calendar = WorkCalendar()
    year = anchor.year - 1
    holders = _make_holders(rng, max(8, round(licences / LICENCES_PER_HOLDER)) + 1)
    lone, holders = holders[-1], holders[:-1]
    big = holders[:max(1, len(holders) // 8)]
    planted = _planted_licences(rng, holders, big, lone, anchor)
    drawn = [_random_licence(rng, holders, big, anchor) for _ in range(max(0, licences - len(planted)))]
    numbered = _number(rng, drawn + list(planted.values()))
    planted_codes = {name: licence.code for name, licence in zip(planted, numbered[len(drawn):])}
    reports = _random_reports(rng, numbered[:len(drawn)], (year - 1, year), calendar)
    reports += _planted_reports(rng, numbered, planted_codes, anchor, calendar)
    planted_codes["unlisted_licence"] = UNLISTED_CODE
    return ExtractivesWorld(as_of, year, sorted(numbered, key=lambda licence: licence.id), [*holders, lone],
                            reports, planted_codes)


# --- holders and licences ---------------------------------------------------------------------

def _make_holders(rng: random.Random, count: int) -> list[Holder]:
    """Companies with distinct names and register numbers; the first is state-owned, the second listed."""
    reg_nos = rng.sample(range(2_000_000, 7_000_000), count)
    names: set[str] = set()
    holders = []
    habits, shares = zip(*HABIT_SHARES)
    for index in range(count):
        form = ("ТӨХК" if index == 0 else "ХК" if index == 1
                else rng.choices(("ХХК", "ХК", "ТӨХК"), (0.88, 0.09, 0.03))[0])
        name = ""
        while not name or name in names:
            words = rng.sample(_COMPANY_STEMS, 2 if rng.random() < 0.4 else 1) + [rng.choice(_SECTORS)]
            name = " ".join([*words, form])
        names.add(name)
        holders.append(Holder(name, str(reg_nos[index]), rng.choices(habits, shares)[0]))
    return holders


def _random_licence(rng: random.Random, holders: list[Holder], big: list[Holder], anchor: date) -> Licence:
    kind = MINING if rng.random() < MINING_SHARE else EXPLORATION
    statuses, shares = zip(*STATUS_SHARES)
    status = rng.choices(statuses, shares)[0]
    granted, expires = _term(rng, kind, status, anchor)
    holder = rng.choice(big) if rng.random() < BIG_HOLDER_SHARE else rng.choice(holders)
    return Licence(0, "", _area(rng), rng.randint(1, len(AIMAGS)), kind, status, holder, _hectares(rng, kind),
                   granted, expires)


def _term(rng: random.Random, kind: str, status: str, anchor: date) -> tuple[date, date]:
    """Grant and expiry dates: mining licences run 30 years, exploration ones 3 renewed up to 12.

    Some are granted in the 60 days after the anchor, so later nights list new licences.
    """
    if status == EXPIRED:
        expires = anchor - timedelta(days=rng.randint(60, 3000))
        return _years_after(expires, -(30 if kind == MINING else rng.choice((3, 6, 9, 12)))), expires
    if kind == MINING:
        granted = anchor + timedelta(days=rng.randint(-25 * 365, 60))
        return granted, _years_after(granted, 30)
    granted = anchor + timedelta(days=rng.randint(-11 * 365, 60))
    elapsed = max(0, (anchor - granted).days) / 365.25
    return granted, _years_after(granted, 3 * min(4, int(elapsed // 3) + 1))


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _area(rng: random.Random) -> str:
    return f"{rng.choice(_AREA_STEMS)} {rng.choice(_LANDFORMS)}"


def _hectares(rng: random.Random, kind: str) -> str:
    low, high = (5, 3000) if kind == MINING else (50, 60_000)
    digits = rng.choice((0, 1, 2))
    value = round(math.exp(rng.uniform(math.log(low), math.log(high))), digits)
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else str(int(value))


def _number(rng: random.Random, licences: list[Licence]) -> list[Licence]:
    """Give ids and codes in order of grant (a preset code is kept); the list keeps its order."""
    pool = [n for n in range(1_000, 40_000) if n != int(LOWER_CASE_CODE[3:])]
    codes = {kind: iter(sorted(rng.sample(pool, sum(1 for lic in licences if lic.kind == kind and not lic.code))))
             for kind in (MINING, EXPLORATION)}
    numbered = list(licences)
    next_id = FIRST_ID
    for index in sorted(range(len(licences)), key=lambda i: (licences[i].granted, i)):
        licence = licences[index]
        next_id += rng.randint(1, 12)
        code = licence.code or f"{'MV' if licence.kind == MINING else 'XV'}-{next(codes[licence.kind]):06d}"
        numbered[index] = replace(licence, id=next_id, code=code)
    return numbered


# --- reports ----------------------------------------------------------------------------------

def _random_reports(rng: random.Random, licences: list[Licence], years: tuple[int, ...],
                    calendar: WorkCalendar) -> list[Report]:
    """Each licence granted by the end of a year is reported for it per its holder's habit, or never."""
    reports = []
    for year in years:
        due = report_due(calendar, year)
        for licence in licences:
            if licence.granted > date(year, 12, 31):
                continue
            habit = licence.holder.habit if licence.status in (VALID, SUSPENDED) else "lapsed"
            days = draw_delay(rng, HABITS[habit])
            if days is None:
                continue
            reports.append(Report(_written_code(rng, licence.code), licence.holder, year,
                                  _moment(rng, due + timedelta(days=days)), licence.aimag_id,
                                  dated=year == years[-1] or rng.random() >= UNDATED_OLD_SHARE))
    return reports


def report_due(calendar: WorkCalendar, year: int) -> date:
    """15 April of the next year, rolled off weekends and holidays."""
    return calendar.roll_forward(date(year + 1, 4, 15))


def _written_code(rng: random.Random, code: str) -> str:
    """A licence code as a holder may type it: now and then in lower case or with a trailing space."""
    roll = rng.random()
    if roll < ODD_CODE_SHARE / 2:
        return code.lower()
    return code + " " if roll < ODD_CODE_SHARE else code


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 22), rng.randint(0, 59), rng.randint(0, 59)))


# --- planted cases ----------------------------------------------------------------------------

def _planted_licences(rng: random.Random, holders: list[Holder], big: list[Holder], lone: Holder,
                      anchor: date) -> dict[str, Licence]:
    """The licences of the planted cases (see the module's docstring); big holders hold the bad ones."""
    def licence(granted: date, holder: Holder, kind: str = MINING, status: str = VALID, code: str = "",
                reg_no_shown: bool = True) -> Licence:
        return Licence(0, code, _area(rng), rng.randint(1, len(AIMAGS)), kind, status, holder,
                       _hectares(rng, kind), granted, _years_after(granted, 30 if kind == MINING else 12),
                       reg_no_shown)

    year = anchor.year - 1
    return {
        "on_time": licence(date(year - 6, 5, 14), rng.choice(holders)),
        "late": licence(date(year - 3, 9, 2), big[0]),
        "missing": licence(date(year - 4, 3, 27), big[-1], EXPLORATION),
        "lower_case_code": licence(date(year - 9, 8, 11), rng.choice(holders), code=LOWER_CASE_CODE),
        "no_submitted_date": licence(date(year - 2, 11, 5), rng.choice(holders), EXPLORATION),
        "no_regno": licence(date(year - 1, 7, 19), lone, EXPLORATION, reg_no_shown=False),
        "granted_january": licence(date(year, 1, 20), rng.choice(holders), EXPLORATION),
        "granted_after_year": licence(date(year + 1, 1, 12), rng.choice(holders), EXPLORATION),
        "revoked": licence(date(year - 5, 4, 8), big[0], status=REVOKED),
        "caught_up": licence(date(year - 7, 6, 30), big[-1]),
        "newly_granted": licence(anchor - timedelta(days=4), rng.choice(holders), EXPLORATION),
    }


def _planted_reports(rng: random.Random, licences: list[Licence], codes: dict[str, str], anchor: date,
                     calendar: WorkCalendar) -> list[Report]:
    """Rows for the reporting year: on time, 30 days late, a code typed oddly, an undated row, one
    filed 4 days before the anchor, one of an unlisted licence."""
    by_code = {licence.code: licence for licence in licences}
    year = anchor.year - 1
    due = report_due(calendar, year)

    def report(case: str, days: int, written: str | None = None, dated: bool = True) -> Report:
        licence = by_code[codes[case]]
        return Report(written or licence.code, licence.holder, year, _moment(rng, due + timedelta(days=days)),
                      licence.aimag_id, dated)

    unlisted = Report(UNLISTED_CODE, rng.choice(licences).holder, year, _moment(rng, due - timedelta(days=3)), None)
    return [report("on_time", -20), report("late", 30), report("lower_case_code", -5, " mv-017129 "),
            report("no_submitted_date", -10, dated=False), report("granted_january", 12),
            report("caught_up", (anchor - timedelta(days=4) - due).days), unlisted]


# --- the portals' answers ---------------------------------------------------------------------

def extractives_routes(world: ExtractivesWorld) -> list[Route]:
    """Routes of 5a (GET, and POST as older answers), 5b and 5c; licences are indexed here, once."""
    by_id = {licence.id: licence for licence in world.licences}
    return [
        Route("GET", r"/CMCS/License/GridData/?", partial(_grid, world), "extractives.licences"),
        Route("POST", r"/CMCS/License/GridData/?", partial(_grid, world), "extractives.licences"),
        Route("GET", r"/CMCS/License/Details/(?P<id>\d+)/?", partial(_detail, world, by_id),
              "extractives.licence_detail"),
        Route("POST", r"/reportListAppend/?", partial(_reports, world), "extractives.reports"),
    ]


def _grid(world: ExtractivesWorld, request: Request) -> Response:
    params = {**request.query, **request.form}
    page, rows = _positive(params.get("page"), 1), _positive(params.get("rows"), 20)
    listed = world.listed()
    if params.get("sord") == "desc":
        listed.reverse()
    return Response.json({"total": math.ceil(len(listed) / rows), "page": page, "records": len(listed),
                          "rows": [licence.grid_row() for licence in listed[(page - 1) * rows:page * rows]]})


def _detail(world: ExtractivesWorld, by_id: dict[int, Licence], request: Request) -> Response:
    licence = by_id.get(int(request.params["id"]))
    if licence is None or licence.granted > world.today:
        return Response.html("<html><body><h1>404 Not Found</h1></body></html>", status=404)
    return Response.html(_detail_page(licence, world.today.year))


def _detail_page(licence: Licence, year: int) -> str:
    cells = (("Тусгай зөвшөөрлийн дугаар", licence.code), ("Талбайн нэр", licence.area),
             ("Төрөл", licence.kind), ("Төлөв", licence.status), ("Эзэмшигч", licence.holder.name))
    table = "\n".join(f"    <tr><th>{name}</th><td>{html.escape(value)}</td></tr>" for name, value in cells)
    return (f'<!DOCTYPE html>\n<html lang="mn"><head><meta charset="utf-8">'
            f"<title>Тусгай зөвшөөрөл {html.escape(licence.code)}</title></head>\n<body>\n"
            f'<header class="site-header"><a href="/">Нүүр</a> <nav><a href="/mn/">Мэдээ</a></nav></header>\n'
            f'<main>\n<div class="license-detail">\n  <h2>Тусгай зөвшөөрлийн мэдээлэл</h2>\n'
            f'  <div id="license-map" style="height: 320px"></div>\n  <table class="table license-info">\n'
            f"{table}\n  </table>\n</div>\n"
            f'<script src="/Scripts/jquery-1.10.2.min.js"></script>\n<script type="text/javascript">\n'
            f"    var license = {json.dumps(licence.detail(), ensure_ascii=False)};\n"
            f"    $(function () {{ initLicenseMap(license); }});\n</script>\n</main>\n"
            f"<footer>© {year}</footer>\n</body></html>\n")


def _reports(world: ExtractivesWorld, request: Request) -> Response:
    """5c: the submitted reports of one year; aimagId, entityTin and licenseNumber filter when given."""
    form = request.form
    if not form.get("year", "").isdigit():
        return Response.json({"message": "year шаардлагатай"}, status=400)
    aimag, tin, number = form.get("aimagId", ""), form.get("entityTin", ""), form.get("licenseNumber", "").strip()
    reports = [r for r in world.submitted(int(form["year"]))
               if (not aimag or str(r.aimag_id) == aimag) and (not tin or r.holder.reg_no == tin)
               and (not number or r.license_number.strip().upper() == number.upper())]
    if form.get("sortType") == "asc":
        reports.reverse()
    return Response.json({"data": [r.row() for r in reports[:_positive(form.get("pageSize"), 10)]]})


def _positive(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and int(value) > 0 else default
