"""A generated Glass Account world, served in the shapes of portals.md section 2 (2a, 2b, 2c).

A few hundred budget entities (ministries, agencies, Ulaanbaatar districts, aimag and soum
governor's offices, schools, kindergartens, hospitals) post their monthly budget performance
(group 5) on shilendans.gov.mn, and the Ministry of Finance its consolidated report on mof.gov.mn.
The world is drawn from `random.Random(seed)` around an `anchor` date (default: `as_of`) and only
then cut at `as_of`: nothing posted after `as_of` is shown, so moving `as_of` forward with a fixed
anchor shows the same entities catching up night after night.

Entities have habits (diligent, typical, late, silent), and a few cases are planted so the check
has every boundary to get right: a posting at 23:59 on a due date moved off a weekend or a
holiday (Naadam, Genghis Khan's birthday, as the `holidays` package gives them through
monitor.calendar), one at 23:59:59 on the due date and one a second after midnight, an entity
with two postings for one month, postings whose month is only in the title (both written forms),
and one posting that names no month at all. `BudgetWorld` exposes everything plainly so tests
can compute the expected findings on their own.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial
from typing import Any

from monitor.calendar import WorkCalendar
from demo.habits import DelayTable, draw_delay
from demo.registers import register_number
from demo.server import Request, Response, Route

GROUP, DUE_DAY, MOF_PER_PAGE = 5, 10, 10
Month = tuple[int, int]

# Days from the (rolled) due date to the posting: (probability, (min, max) days, or None = never).
HABITS: dict[str, DelayTable] = {
    "diligent": ((0.93, (-7, 0)), (0.07, (1, 6))),
    "typical": ((0.72, (-7, 0)), (0.23, (1, 30)), (0.05, None)),
    "late": ((0.30, (-4, 0)), (0.50, (1, 75)), (0.20, None)),
    "silent": ((0.15, (-3, 0)), (0.25, (1, 120)), (0.60, None)),
}
HABIT_SHARES = (("diligent", 0.25), ("late", 0.20), ("silent", 0.10))  # the rest typical

_MINISTRIES = (
    "Сангийн яам", "Боловсролын яам", "Эрүүл мэндийн яам ",  # a trailing space, as portals write names
    "Зам, тээврийн хөгжлийн яам", "Хууль зүй, дотоод хэргийн яам", "Гадаад харилцааны яам",
    "Батлан хамгаалах яам", "Эдийн засаг, хөгжлийн яам", "Байгаль орчин, уур амьсгалын өөрчлөлтийн яам",
    "Хүнс, хөдөө аж ахуй, хөнгөн үйлдвэрийн яам", "Гэр бүл, хөдөлмөр, нийгмийн хамгааллын яам",
    "Аж үйлдвэр, эрдэс баялгийн яам", "Эрчим хүчний яам", "Барилга, хот байгуулалтын яам",
    "Соёл, спорт, аялал жуулчлал, залуучуудын яам", "Цахим хөгжил, инноваци, харилцаа холбооны яам",
)
_AGENCIES = (  # (name, parent ministry)
    ("Татварын ерөнхий газар", "Сангийн яам"), ("Гаалийн ерөнхий газар", "Сангийн яам"),
    ("Санхүүгийн зохицуулах хороо", "Сангийн яам"), ("Үндэсний статистикийн хороо", "Эдийн засаг, хөгжлийн яам"),
    ("Улсын бүртгэлийн ерөнхий газар", "Хууль зүй, дотоод хэргийн яам"),
    ("Цагдаагийн ерөнхий газар", "Хууль зүй, дотоод хэргийн яам"),
    ("Онцгой байдлын ерөнхий газар", "Батлан хамгаалах яам"),
    ("Нийгмийн даатгалын ерөнхий газар", "Гэр бүл, хөдөлмөр, нийгмийн хамгааллын яам"),
    ("Эрүүл мэндийн даатгалын ерөнхий газар", "Эрүүл мэндийн яам "),
    ("Иргэний нисэхийн ерөнхий газар", "Зам, тээврийн хөгжлийн яам"),
    ("Ашигт малтмал, газрын тосны газар", "Аж үйлдвэр, эрдэс баялгийн яам"),
    ("Улсын Нэгдүгээр төв эмнэлэг", "Эрүүл мэндийн яам "), ("Улсын Хоёрдугаар төв эмнэлэг", "Эрүүл мэндийн яам "),
    ("Улсын Гуравдугаар төв эмнэлэг", "Эрүүл мэндийн яам "),
    ("Эх, хүүхдийн эрүүл мэндийн үндэсний төв", "Эрүүл мэндийн яам "),
    ("Хавдар судлалын үндэсний төв", "Эрүүл мэндийн яам "),
    ("Монгол Улсын Их Сургууль", "Боловсролын яам"), ("Шинжлэх ухаан, технологийн их сургууль", "Боловсролын яам"),
)
_DISTRICTS = ("Багануур", "Багахангай", "Баянгол", "Баянзүрх", "Налайх", "Сонгинохайрхан", "Сүхбаатар",
              "Хан-Уул", "Чингэлтэй")
_DISTRICT_UNITS = ("{d} дүүргийн Засаг даргын Тамгын газар", "{d} дүүргийн Эрүүл мэндийн төв",
                   "{d} дүүргийн Боловсролын хэлтэс")
_AIMAG_SOUMS = {  # a few real soums of each aimag
    "Архангай": ("Батцэнгэл", "Тариат", "Цэнхэр", "Хотонт"),
    "Баян-Өлгий": ("Цэнгэл", "Сагсай", "Толбо", "Алтанцөгц"),
    "Баянхонгор": ("Галуут", "Бууцагаан", "Баян-Өндөр", "Жаргалант"),
    "Булган": ("Бугат", "Хишиг-Өндөр", "Орхон", "Тэшиг"),
    "Говь-Алтай": ("Есөнбулаг", "Тайшир", "Халиун", "Цогт"),
    "Говьсүмбэр": ("Сүмбэр", "Баянтал", "Шивээговь"),
    "Дархан-Уул": ("Дархан", "Шарын гол", "Хонгор", "Орхон"),
    "Дорноговь": ("Сайншанд", "Замын-Үүд", "Эрдэнэ", "Хатанбулаг"),
    "Дорнод": ("Хэрлэн", "Халхгол", "Матад", "Баяндун"),
    "Дундговь": ("Сайнцагаан", "Гурвансайхан", "Дэлгэрцогт", "Өлзийт"),
    "Завхан": ("Улиастай", "Тосонцэнгэл", "Идэр", "Тэлмэн"),
    "Орхон": ("Баян-Өндөр", "Жаргалант"),
    "Өвөрхангай": ("Арвайхээр", "Хархорин", "Бат-Өлзий", "Уянга"),
    "Өмнөговь": ("Даланзадгад", "Ханбогд", "Цогтцэций", "Гурвантэс"),
    "Сүхбаатар": ("Баруун-Урт", "Эрдэнэцагаан", "Мөнххаан", "Онгон"),
    "Сэлэнгэ": ("Сүхбаатар", "Мандал", "Алтанбулаг", "Ерөө"),
    "Төв": ("Зуунмод", "Эрдэнэ", "Батсүмбэр", "Баянчандмань"),
    "Увс": ("Улаангом", "Тариалан", "Малчин", "Өндөрхангай"),
    "Ховд": ("Жаргалант", "Мянгад", "Булган", "Эрдэнэбүрэн"),
    "Хөвсгөл": ("Мөрөн", "Алаг-Эрдэнэ", "Ханх", "Цагааннуур"),
    "Хэнтий": ("Хэрлэн", "Дадал", "Батноров", "Өмнөдэлгэр"),
}
_AIMAG_UNITS = ("{a} аймгийн Нэгдсэн эмнэлэг", "{a} аймгийн Боловсрол, соёл, урлагийн газар",
                "{a} аймгийн Санхүү, төрийн сангийн хэлтэс")
_SOUM_UNITS = ("{a} аймгийн {s} сумын Засаг даргын Тамгын газар",
               "{a} аймгийн {s} сумын ерөнхий боловсролын сургууль",
               "{a} аймгийн {s} сумын Эрүүл мэндийн төв")
_MORE_SOUMS = ("Баян-Овоо", "Баяннуур", "Бүрэгхангай", "Дашинчилэн", "Дэлгэрхаан", "Жаргалтхаан", "Мөрөн",
               "Норовлин", "Өндөрширээт", "Сэргэлэн", "Тэгшээ", "Хутаг-Өндөр", "Цагаандэлгэр", "Шаамар")
_MORE_SOUM_UNITS = ("{a} аймгийн {s} сумын цэцэрлэг", "{a} аймгийн {s} сумын Соёлын төв")
_MORE_CAPITAL = (("Нийслэлийн Ерөнхий боловсролын {n} {o} сургууль", "БОЛОВСРОЛЫН САЙД", 61, 260),
                 ("Нийслэлийн {n} {o} цэцэрлэг", "НИЙСЛЭЛИЙН ЗАСАГ ДАРГА", 41, 300))
_ALWAYS = ("Сангийн яам", "Эрүүл мэндийн яам ")
_MOF_NEWS = ("Төсвийн тодотголын төслийн танилцуулга", "Засгийн газрын өрийн удирдлагын мэдээ",
             "Төсвийн тусгай шаардлага хангасан байгууллагын шалгаруулалт", "Төсвийн хэтийн тооцооны хэлэлцүүлэг",
             "Орон нутгийн хөгжлийн сангийн хуваарилалт")


@dataclass(frozen=True)
class Entity:
    """A budget entity; `name` is written as the portal writes it (one keeps a trailing space)."""

    id: int
    name: str
    register_no: str
    governor: str
    parent_id: int | None
    habit: str  # diligent | typical | late | silent

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "registerNo": self.register_no,
                "budgetGovernor": self.governor, "parentId": self.parent_id}


@dataclass(frozen=True)
class Posting:
    """One posting of group 5. `month` is what it truly reports on; `month_field` whether the portal
    sends it; `title_names_month` whether its title names it (False: no month can be read at all).
    `posted_at` None: the portal sends no postedDate; `group` another group listed among group 5's."""

    report_id: int
    entity_id: int
    year: int
    month: int
    title: str
    posted_at: datetime | None
    month_field: bool = True
    title_names_month: bool = True
    group: int = GROUP

    @property
    def readable(self) -> bool:
        return self.month_field or self.title_names_month

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"reportId": self.report_id, "group": self.group, "year": self.year}
        if self.month_field:
            record["month"] = self.month
        record["title"] = self.title
        if self.posted_at is not None:
            record["postedDate"] = self.posted_at.strftime("%Y-%m-%d %H:%M:%S")
        record["fileUrl"] = f"/files/{self.report_id}.xlsx"
        return record


@dataclass(frozen=True)
class MofItem:
    """An item of the Ministry's listing; `reports` is the month it is the consolidated report of, if any."""

    article_id: int
    title: str
    day: date
    reports: Month | None


@dataclass(frozen=True)
class BudgetWorld:
    """What the two sites show on `as_of`. `planted` names the entity and month of each planted case."""

    as_of: date
    anchor: date
    entities: tuple[Entity, ...]
    postings: tuple[Posting, ...]
    mof_items: tuple[MofItem, ...]  # newest first
    planted: dict[str, tuple[int, Month]]

    def entity(self, entity_id: int) -> Entity | None:
        return self._by_id.get(entity_id)

    @cached_property
    def _by_id(self) -> dict[int, Entity]:
        """An index, built once: a national-scale world answers one request per entity."""
        return {e.id: e for e in self.entities}


def build_budget_world(as_of: date, seed: int = 2016, entities: int = 300,
                       anchor: date | None = None) -> BudgetWorld:
    """Draw the world around `anchor` (default `as_of`) and show it as it stands on `as_of`.

    Every random draw depends on (seed, anchor, entities) only, never on `as_of`. Postings cover
    every month from January of the year before the anchor's up to the anchor's month.
    """
    anchor = anchor or as_of
    rng = random.Random(seed)
    calendar = WorkCalendar()
    chosen = _make_entities(rng, entities)
    months = _months((anchor.year - 1, 1), (anchor.year, anchor.month))
    postings = _make_postings(rng, chosen, months, calendar)
    planted = _plant(rng, chosen, postings, months, anchor, calendar)
    mof = _make_mof(rng, months, anchor, calendar)
    numbered = _number(rng, [p for ps in postings.values() for p in ps])
    shown = tuple(p for p in numbered if p.posted_at.date() <= as_of)
    return BudgetWorld(as_of, anchor, tuple(chosen), shown, tuple(m for m in mof if m.day <= as_of), planted)


def due_date(calendar: WorkCalendar, month: Month) -> date:
    """Day 10 of the month after, rolled off weekends and holidays."""
    return calendar.day_of_next_month(month[0], month[1], DUE_DAY)


# --- entities ---------------------------------------------------------------------------------

def _entity_pool() -> list[tuple[str, str, str | None]]:
    """(name, budget governor, parent name) of every entity the world may list."""
    pool: list[tuple[str, str, str | None]] = [(m, _minister(m), None) for m in _MINISTRIES]
    pool += [(name, _minister(parent), parent) for name, parent in _AGENCIES]
    for district in _DISTRICTS:
        office = _DISTRICT_UNITS[0].format(d=district)
        pool += [(unit.format(d=district), f"{district.upper()} ДҮҮРГИЙН ЗАСАГ ДАРГА",
                  None if unit == _DISTRICT_UNITS[0] else office) for unit in _DISTRICT_UNITS]
    for number in range(1, 61):
        pool.append((f"Нийслэлийн Ерөнхий боловсролын {number} {_ordinal(number)} сургууль", "БОЛОВСРОЛЫН САЙД", None))
    for number in range(1, 41):
        pool.append((f"Нийслэлийн {number} {_ordinal(number)} цэцэрлэг", "НИЙСЛЭЛИЙН ЗАСАГ ДАРГА", None))
    for aimag, soums in _AIMAG_SOUMS.items():
        office, governor = f"{aimag} аймгийн Засаг даргын Тамгын газар", f"{aimag.upper()} АЙМГИЙН ЗАСАГ ДАРГА"
        pool.append((office, governor, None))
        pool += [(unit.format(a=aimag), governor, office) for unit in _AIMAG_UNITS]
        for soum in soums:
            soum_office = _SOUM_UNITS[0].format(a=aimag, s=soum)
            pool += [(unit.format(a=aimag, s=soum), f"{soum.upper()} СУМЫН ЗАСАГ ДАРГА",
                      office if unit == _SOUM_UNITS[0] else soum_office) for unit in _SOUM_UNITS]
    return pool


def _more_entities(taken: set[str]) -> list[tuple[str, str, str | None]]:
    """Entities past the pool above, for national-scale worlds: more soums' offices and units,
    kindergartens and culture centres, numbered capital schools and kindergartens. Used only
    when more entities are asked for than the pool holds, so the default worlds stay as they were."""
    more: list[tuple[str, str, str | None]] = []
    for aimag, soums in _AIMAG_SOUMS.items():
        for soum in (*soums, *(s for s in _MORE_SOUMS if s not in soums)):
            office, governor = _SOUM_UNITS[0].format(a=aimag, s=soum), f"{soum.upper()} СУМЫН ЗАСАГ ДАРГА"
            units = [(office, governor, None)] + [(unit.format(a=aimag, s=soum), governor, office)
                                                  for unit in (*_SOUM_UNITS[1:], *_MORE_SOUM_UNITS)]
            more += [unit for unit in units if unit[0] not in taken]
    for template, governor, first, last in _MORE_CAPITAL:
        more += [(template.format(n=n, o=_ordinal(n)), governor, None) for n in range(first, last + 1)]
    return more


def _minister(ministry: str) -> str:
    """Сангийн яам -> САНГИЙН САЙД: the budget governor of a ministry is its minister."""
    return ministry.strip().removesuffix("яам").upper() + "САЙД"


def _ordinal(number: int) -> str:
    """The ordinal suffix: дүгээр after a last word with front vowels (1, 4, 9, 40, 90), else дугаар."""
    last = number % 10 or number % 100
    return "дүгээр" if last in (1, 4, 9, 40, 90) else "дугаар"


def _make_entities(rng: random.Random, count: int) -> list[Entity]:
    pool = _entity_pool()
    if count > len(pool):
        pool += _more_entities({name for name, *_ in pool})
    if not 1 <= count <= len(pool):
        raise ValueError(f"entities must be 1..{len(pool)}, not {count}")
    ids = dict(zip((name for name, *_ in pool), rng.sample(range(10_000, 99_999), len(pool))))
    ids["Сангийн яам"] = 30156  # as portals.md shows it
    required = [entry for entry in pool if entry[0] in _ALWAYS]
    rest = rng.sample([entry for entry in pool if entry[0] not in _ALWAYS], count - len(required))
    picked = sorted((required + rest)[:count], key=lambda entry: ids[entry[0]])
    habits = _habits(rng, len(picked))
    rng.sample(range(2_000_000, 9_999_999), len(picked))  # drawn still: every later draw stays as it was
    return [Entity(ids[name], name, register_number(name), governor, ids[parent] if parent else None, habit)
            for (name, governor, parent), habit in zip(picked, habits)]


def _habits(rng: random.Random, count: int) -> list[str]:
    habits = [habit for habit, share in HABIT_SHARES for _ in range(max(1, round(count * share)))]
    habits = (habits + ["typical"] * count)[:count]
    rng.shuffle(habits)
    return habits


# --- postings ---------------------------------------------------------------------------------

def _months(first: Month, last: Month) -> list[Month]:
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _make_postings(rng: random.Random, entities: list[Entity], months: list[Month],
                   calendar: WorkCalendar) -> dict[tuple[int, Month], list[Posting]]:
    """Each entity's posting of each month, drawn from its habit, never before the month has ended."""
    drafts: dict[tuple[int, Month], list[Posting]] = {}
    for entity in entities:
        for month in months:
            offset = draw_delay(rng, HABITS[entity.habit])
            if offset is None:
                continue
            day = max(due_date(calendar, month) + timedelta(days=offset), _first_after(month))
            moment = datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59)))
            drafts[(entity.id, month)] = [_posting(rng, entity.id, month, moment)]
    return drafts


def _posting(rng: random.Random, entity_id: int, month: Month, moment: datetime, note: str = "") -> Posting:
    """A posting (numbered later) with the month in its fields and its title; one in ten sends no `month`."""
    year, number = month
    written = f"{number}-р сарын" if rng.random() < 0.5 else f"{number} {_ordinal(number)} сарын"
    title = f"Төсвийн гүйцэтгэлийн {year} оны {written} мэдээ (ТГ-4){note}"
    return Posting(0, entity_id, year, number, title, moment, month_field=rng.random() >= 0.1)


def _number(rng: random.Random, postings: list[Posting]) -> list[Posting]:
    """Report ids in posting order, with gaps, as a portal's running numbers are."""
    report_id, numbered = 900_000, []
    for posting in sorted(postings, key=lambda p: (p.posted_at, p.entity_id, p.title)):
        report_id += rng.randint(1, 40)
        numbered.append(replace(posting, report_id=report_id))
    return numbered


def _first_after(month: Month) -> date:
    year, number = month
    return date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)


# --- planted cases ----------------------------------------------------------------------------

def _plant(rng: random.Random, entities: list[Entity], postings: dict[tuple[int, Month], list[Posting]],
           months: list[Month], anchor: date, calendar: WorkCalendar) -> dict[str, tuple[int, Month]]:
    """Put the boundaries on entities that otherwise post on time; returns where each case is."""
    due = {m: due_date(calendar, m) for m in months}
    shown = [m for m in months if due[m] < anchor]  # a posting a day after the due date is shown
    visible = [m for m in months if due[m] + timedelta(days=31) <= anchor]  # ...and a month after it
    rolled = [m for m in shown if due[m] != _first_after(m).replace(day=DUE_DAY)]
    edge = sorted({*(m for m in shown if m == (anchor.year, 1)), *shown[-2:]})
    cases: list[tuple[str, Month]] = [(f"rolled {_text(m)}", m) for m in rolled]
    cases += [(f"{kind} {_text(m)}", m) for m in edge for kind in ("at 23:59:59", "a second late")]
    cases += [(kind, visible[-3]) for kind in ("two postings, first on time", "two postings, first late",
                                               "month only in title -р", "month only in title дугаар",
                                               "no month")]
    carriers = sorted(entities, key=lambda e: (e.habit != "diligent", e.id))
    if len(carriers) < len(cases):
        raise ValueError(f"entities must be at least {len(cases)} to hold the planted cases")
    chosen = rng.sample(carriers[:max(len(cases), sum(e.habit == "diligent" for e in entities))], len(cases))
    planted = {}
    for (kind, month), entity in zip(cases, chosen):
        postings[(entity.id, month)] = _planted_postings(rng, kind, entity.id, month, due[month])
        planted[kind] = (entity.id, month)
    return planted


def _planted_postings(rng: random.Random, kind: str, entity_id: int, month: Month, due: date) -> list[Posting]:
    """The postings of one planted case, timed against the month's (rolled) due date."""
    at = partial(_at, due)
    if kind.startswith("rolled"):  # met only because the due date moved off a weekend or holiday
        return [replace(_posting(rng, entity_id, month, at(0, 23, 59, 0)), month_field=True)]
    if kind.startswith("at 23:59:59"):
        return [replace(_posting(rng, entity_id, month, at(0, 23, 59, 59)), month_field=True)]
    if kind.startswith("a second late"):
        return [replace(_posting(rng, entity_id, month, at(1, 0, 0, 1)), month_field=True)]
    if kind == "two postings, first on time":
        return [_posting(rng, entity_id, month, at(-1, 10, 15, 0)),
                _posting(rng, entity_id, month, at(15, 11, 0, 0), note=" (засвар)")]
    if kind == "two postings, first late":
        return [_posting(rng, entity_id, month, at(4, 16, 40, 0)),
                _posting(rng, entity_id, month, at(30, 9, 5, 0), note=" (засвар)")]
    if kind.startswith("month only in title"):
        written = f"{month[1]}-р сарын" if kind.endswith("-р") else f"{month[1]} {_ordinal(month[1])} сарын"
        posting = _posting(rng, entity_id, month, at(-2, 14, 0, 0))
        return [replace(posting, title=f"Төсвийн гүйцэтгэлийн {month[0]} оны {written} мэдээ", month_field=False)]
    posting = _posting(rng, entity_id, month, at(-3, 12, 30, 0))  # "no month": nothing names it
    return [replace(posting, title="Төсвийн гүйцэтгэлийн мэдээ (ТГ-4)", month_field=False, title_names_month=False)]


def _at(due: date, days: int, hour: int, minute: int, second: int) -> datetime:
    return datetime.combine(due + timedelta(days=days), time(hour, minute, second))


def _text(month: Month) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


# --- the Ministry of Finance ------------------------------------------------------------------

def _make_mof(rng: random.Random, months: list[Month], anchor: date, calendar: WorkCalendar) -> list[MofItem]:
    """Consolidated reports (mostly on time, some late, one never), among other news; newest first."""
    this_year = [m for m in months if m[0] == anchor.year and due_date(calendar, m) + timedelta(days=45) <= anchor]
    never, late = (rng.sample(this_year, 2) if len(this_year) >= 2 else (None, None))
    drafts: list[tuple[date, str, Month | None]] = []
    for month in months:
        due = due_date(calendar, month)
        if month != never:
            lag = rng.randint(3, 20) if month == late or rng.random() < 0.25 else -rng.randint(0, 6)
            drafts.append((max(due + timedelta(days=lag), _first_after(month)), _mof_title(rng, month), month))
        drafts.append((due + timedelta(days=rng.randint(-9, 9)),
                       f"{month[0]} оны {month[1]} {_ordinal(month[1])} сарын төсвийн орлогын төлөвлөгөө", None))
        if rng.random() < 0.5:
            drafts.append((due + timedelta(days=rng.randint(-20, 20)), rng.choice(_MOF_NEWS), None))
    drafts.append((date(anchor.year, 3, 2), f"{anchor.year - 1} оны улсын төсвийн гүйцэтгэлийн жилийн тайлан", None))
    drafts.sort(key=lambda d: (d[0], d[1]))
    article_id, items = 98_000, []
    for day, title, reports in drafts:
        article_id += rng.randint(1, 7)
        items.append(MofItem(article_id, title, day, reports))
    return items[::-1]


def _mof_title(rng: random.Random, month: Month) -> str:
    year, number = month
    if rng.random() < 0.5:
        return f"{year} оны {number} {_ordinal(number)} сарын улсын нэгдсэн төсвийн гүйцэтгэл"
    return f"Улсын нэгдсэн төсвийн {year} оны {number}-р сарын гүйцэтгэлийн мэдээ"


# --- the portals' pages -----------------------------------------------------------------------

def budget_routes(world: BudgetWorld) -> list[Route]:
    """Routes of 2a, 2b and 2c, named after the sources that read them."""
    listed: dict[tuple[int, int], list[Posting]] = {}
    for posting in world.postings:
        listed.setdefault((posting.entity_id, posting.year), []).append(posting)
    for postings in listed.values():
        postings.sort(key=lambda p: (p.posted_at or datetime.max, p.report_id), reverse=True)  # undated first
    return [
        Route("GET", r"/portal-api/v1/organizations/?", partial(_organizations, world), "budget.organizations"),
        Route("GET", r"/portal-api/v1/organization/(?P<id>\d+)/reports/?", partial(_reports, world, listed),
              "budget.reports"),
        Route("GET", r"/c/budget-performance/?", partial(_mof_page, world), "budget.mof"),
    ]


def _organizations(world: BudgetWorld, request: Request) -> Response:
    """2a: `?page=&size=` (size at most 100), entities in id order."""
    page = max(_int_param(request, "page", 1), 1)
    size = min(max(_int_param(request, "size", 20), 1), 100)
    items = [e.record() for e in world.entities[(page - 1) * size:page * size]]
    return Response.json({"total": len(world.entities), "page": page, "size": size, "items": items})


def _reports(world: BudgetWorld, listed: dict[tuple[int, int], list[Posting]], request: Request) -> Response:
    """2b: one entity's postings of `?year=` and `?group=` (only group 5 exists here), newest first."""
    entity_id = int(request.params["id"])
    if world.entity(entity_id) is None:
        return Response.json({"error": "Байгууллага олдсонгүй"}, status=404)
    if _int_param(request, "group", GROUP) != GROUP:
        return Response.json({"items": []})
    year = _int_param(request, "year", world.as_of.year)
    return Response.json({"items": [p.record() for p in listed.get((entity_id, year), [])]})


def _mof_page(world: BudgetWorld, request: Request) -> Response:
    """2c: 10 items a page, newest first; past the end an empty ul.news-list."""
    page = max(_int_param(request, "page", 1), 1)
    rows = "\n".join(
        f"  <li class=\"news-item\"><a href=\"/article/{item.article_id}\">{html.escape(item.title, quote=False)}</a>\n"
        f"      <span class=\"date\">{item.day:%Y.%m.%d}</span></li>"
        for item in world.mof_items[(page - 1) * MOF_PER_PAGE:page * MOF_PER_PAGE])
    return Response.html(_MOF_PAGE.format(rows=rows, year=world.as_of.year))


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query.get(name, "")
    return int(value) if value.isdigit() else default


_MOF_PAGE = """<!DOCTYPE html>
<html lang="mn"><head><meta charset="utf-8"><title>Төсвийн гүйцэтгэл</title></head>
<body>
<header class="site-header"><a href="/">Нүүр</a> <nav><a href="/mn/">Мэдээ</a></nav></header>
<main>
<ul class="news-list">
{rows}
</ul>
</main>
<footer>© {year}</footer>
</body></html>
"""
