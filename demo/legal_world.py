"""A generated legal world, served in the shapes of portals.md section 4 (legalinfo.mn, d.parliament.mn).

Every act and draft is drawn from `random.Random(seed)` around an `anchor` date (default:
`as_of`), including events after it, and the routes serve only what has appeared by
`world.today` (set to `as_of`): nothing dated after it is shown. A test moves `world.today`
forward between runs to watch acts appear late, drafts get submitted and leave the preparation
list. `LegalWorld` keeps everything plain, and can be built by hand, so tests compute the expected
findings on their own; `planted` names the cases the multi-run test follows.
"""
from __future__ import annotations

import html
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial

from demo.server import Request, Response, Route

APP_ID = "56cc90a2-83a0-4e1f-994d-7fdebfdfbf68"
PREPARATION_LIST = "eb5c6c00-0000-4000-8000-000000000001"
SUBMITTED_LIST = "6101970e-2fb0-4394-8113-db13d7374fb6"
ROWS_PER_PAGE = 20
LAWS, PARLIAMENT_RESOLUTIONS, GOVERNMENT_RESOLUTIONS = 27, 28, 33
GOVERNMENT = (99001, "Засгийн газар")

_LAW_SUBJECTS = (
    "Шилэн дансны", "Мэдээллийн ил тод байдал ба мэдээлэл авах эрхийн", "Төрийн албаны", "Нийтийн албанд нийтийн "
    "болон хувийн ашиг сонирхлыг зохицуулах, ашиг сонирхлын зөрчлөөс урьдчилан сэргийлэх", "Авлигын эсрэг",
    "Төсвийн", "Орон нутгийн өмчийн", "Хөдөлмөрийн", "Зөрчлийн", "Эрүүгийн хуулийн", "Газрын",
    "Ашигт малтмалын", "Ус бохирдуулсны төлбөрийн", "Боловсролын", "Эрүүл мэндийн", "Нийгмийн даатгалын",
    "Гаалийн", "Татварын ерөнхий", "Хувь хүний орлогын албан татварын", "Аж ахуйн нэгжийн орлогын албан татварын",
    "Худалдан авах ажиллагааны", "Хүүхдийн эрхийн", "Гэр бүлийн хүчирхийлэлтэй тэмцэх", "Зам тээврийн",
)
_RESOLUTION_SUBJECTS = (
    "Улсын төсвийн гүйцэтгэлийг батлах", "Ажлын хэсэг байгуулах", "Төрийн өмчийн хувьчлалын хөтөлбөр батлах",
    "Хяналт шалгалтын дүнгийн", "Үндэсний аюулгүй байдлын үзэл баримтлалын", "Бүсчилсэн хөгжлийн бодлогын",
    "Мөнгөний бодлогын үндсэн чиглэл батлах", "Сонгуулийн хорооны бүрэлдэхүүн батлах",
)
_GOVERNMENT_SUBJECTS = (
    "Журам батлах", "Төсөл хэрэгжүүлэх нэгж байгуулах", "Газар чөлөөлөх", "Хөтөлбөр батлах", "Тариф шинэчлэх",
    "Зарим тогтоолд өөрчлөлт оруулах", "Хүүхдийн мөнгө олгох журам", "Үнэ тогтоох", "Хилийн боомт ажиллуулах",
    "Тусгай хэрэгцээний газар авах", "Агаарын бохирдлыг бууруулах арга хэмжээ", "Эм, эмнэлгийн хэрэгслийн жагсаалт",
)
_MPS = ((99101, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан"), (99102, "Улсын Их Хурлын гишүүн Ж.Сүхбаатар"),
        (99103, "Улсын Их Хурлын гишүүн Д.Оюунчимэг"), (99104, "Улсын Их Хурлын гишүүн Ц.Мөнхцэцэг"))
_MINISTRY = (99201, "Хууль зүй, дотоод хэргийн яам")


@dataclass(frozen=True)
class Act:
    """One act of the register; listed from `appears_on` (with isactive=1: while not `inactive`)."""

    law_id: int
    category: int
    title: str
    gazette: str
    enacted: date
    enforcement: date | None
    appears_on: date
    inactive: bool = False


@dataclass(frozen=True)
class Creator:
    id: int | None
    name: str


@dataclass(frozen=True)
class Draft:
    """One entry of a draft list, listed from the date of `publish_at` until `leaves_on` (excluded)."""

    id: str
    name: str
    creator: Creator
    publish_at: datetime
    law_date: date | None = None  # the submission date, in the submitted list only
    leaves_on: date | None = None

    def listed_on(self, day: date) -> bool:
        return self.publish_at.date() <= day and (self.leaves_on is None or day < self.leaves_on)

    def record(self) -> dict:
        """The tusulList record, keys in the live API's order."""
        stamp = self.publish_at.strftime("%Y-%m-%d %H:%M:%S")
        files = [{"name": "Төслийн танилцуулга.pdf", "url": f"/files/{self.id}/1.pdf"},
                 {"name": "Хуулийн төсөл.docx", "url": f"/files/{self.id}/2.docx"}]
        return {"id": self.id, "type": "TUSUL", "name": self.name, "name1": None,
                "lawDate": self.law_date.isoformat() if self.law_date else None,
                "publishDate": stamp, "updatedAt": stamp, "jdata": {"attachments": files},
                "creator": {"id": self.creator.id, "name": self.creator.name}}


@dataclass
class LegalWorld:
    """What legalinfo.mn and d.parliament.mn show on `today` (settable: tests move it forward)."""

    today: date
    acts: list[Act] = field(default_factory=list)
    preparation: list[Draft] = field(default_factory=list)
    submitted: list[Draft] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)
    preparation_list: str = PREPARATION_LIST
    submitted_list: str = SUBMITTED_LIST

    def register(self, category: int | None, active_only: bool) -> list[Act]:
        """The register as listed today: newest enacted first (ties: newest lawId first)."""
        listed = [a for a in self.acts if a.appears_on <= self.today and (category is None or a.category == category)
                  and not (active_only and a.inactive)]
        return sorted(listed, key=lambda a: (a.enacted, a.law_id), reverse=True)

    def drafts(self, list_id: str) -> list[Draft]:
        """One draft list as listed today: newest publishDate first; an unknown list is empty."""
        drafts = {self.preparation_list: self.preparation, self.submitted_list: self.submitted}.get(list_id, [])
        return sorted((d for d in drafts if d.listed_on(self.today)), key=lambda d: (d.publish_at, d.id), reverse=True)


def build_legal_world(as_of: date, seed: int = 2016, anchor: date | None = None, years: int = 4,
                      acts_scale: float = 1.0) -> LegalWorld:
    """Draw `years` of acts and drafts up to 90 days past `anchor` (default `as_of`); show them as on `as_of`.

    `acts_scale` multiplies the acts drawn per year (30 laws, 20 parliament and 60 government
    resolutions): a national-scale register for the benchmark. Every random draw depends on
    (seed, anchor, years, acts_scale) only, never on `as_of`.
    """
    anchor = anchor or as_of
    rng = random.Random(seed)
    start = anchor - timedelta(days=365 * years)
    acts = _random_acts(rng, start, anchor, acts_scale)
    preparation, submitted = _random_drafts(rng, start, anchor)
    world = LegalWorld(as_of, acts, preparation, submitted)
    _plant(world, rng, anchor)
    return world


# --- acts -------------------------------------------------------------------------------------

def _random_acts(rng: random.Random, start: date, anchor: date, scale: float = 1.0) -> list[Act]:
    """Acts of 27, 28 and 33 enacted from `start` to 90 days past `anchor`, most listed within days."""
    per_year = {LAWS: 30, PARLIAMENT_RESOLUTIONS: 20, GOVERNMENT_RESOLUTIONS: 60}
    span = (anchor + timedelta(days=90) - start).days
    drawn = []
    for category, count in per_year.items():
        for _ in range(int(count * scale * span // 365)):
            enacted = start + timedelta(days=rng.randint(0, span))
            drawn.append((category, enacted, _listing_lag(rng)))
    drawn.sort(key=lambda row: (row[1] + timedelta(days=row[2]), row[0]))
    law_id = 16_000_000_000_000
    acts = []
    for category, enacted, lag in drawn:
        law_id += rng.randint(10_000, 9_000_000)
        acts.append(Act(law_id, category, _title(rng, category), _gazette(rng, enacted), enacted,
                        _enforcement(rng, category, enacted), enacted + timedelta(days=lag),
                        inactive=enacted < anchor - timedelta(days=700) and rng.random() < 0.1))
    return acts


def _listing_lag(rng: random.Random) -> int:
    """Days from enactment to the register: mostly a week, sometimes weeks, rarely many months."""
    roll = rng.random()
    if roll < 0.75:
        return rng.randint(1, 9)
    if roll < 0.95:
        return rng.randint(10, 45)
    return rng.randint(60, 400)


def _enforcement(rng: random.Random, category: int, enacted: date) -> date | None:
    """Laws mostly take effect on a later date; resolutions from adoption, or name no date."""
    roll = rng.random()
    if category == LAWS:
        if roll < 0.6:
            return date(enacted.year + 1, 1, 1) if roll < 0.3 else enacted + timedelta(days=rng.choice((30, 60, 90)))
        return enacted if roll < 0.85 else None
    return enacted if roll < 0.55 else None if roll < 0.9 else enacted + timedelta(days=rng.randint(5, 30))


def _title(rng: random.Random, category: int) -> str:
    if category == LAWS:
        subject = rng.choice(_LAW_SUBJECTS)
        return f"{subject} тухай" if rng.random() < 0.4 else f"{subject} тухай хуульд нэмэлт, өөрчлөлт оруулах тухай"
    subjects = _RESOLUTION_SUBJECTS if category == PARLIAMENT_RESOLUTIONS else _GOVERNMENT_SUBJECTS
    return f"{rng.choice(subjects)} тухай"


def _gazette(rng: random.Random, enacted: date) -> str:
    return f"Төрийн мэдээлэл эмхэтгэл: {enacted.year} он, №{rng.randint(1, 52)}"


# --- drafts -----------------------------------------------------------------------------------

def _random_drafts(rng: random.Random, start: date, anchor: date) -> tuple[list[Draft], list[Draft]]:
    """Drafts posted for comment and then submitted: most after a month or more, some sooner, some
    submitted without a posting; some leave the preparation list, some change id and spelling."""
    preparation, submitted = [], []
    for _ in range(60):
        name = _draft_name(rng)
        creator = Creator(*rng.choice((GOVERNMENT, GOVERNMENT, _MINISTRY, *_MPS)))
        submitted_on = start + timedelta(days=rng.randint(200, (anchor - start).days + 60))
        roll = rng.random()
        gap = rng.randint(31, 120) if roll < 0.6 else rng.randint(3, 29) if roll < 0.85 else None
        draft_id = _uuid(rng)
        if gap is not None:
            leaves = submitted_on if rng.random() < 0.5 else None
            preparation.append(Draft(draft_id, name, creator, _moment(rng, submitted_on - timedelta(days=gap)),
                                     leaves_on=leaves))
            if rng.random() < 0.2:
                draft_id, name = _uuid(rng), _respelled(rng, name)
        submitted.append(Draft(draft_id, name, creator, _moment(rng, submitted_on + timedelta(days=1)),
                               law_date=submitted_on))
    return preparation, submitted


def _draft_name(rng: random.Random) -> str:
    subject = rng.choice(_LAW_SUBJECTS)
    if rng.random() < 0.5:
        return f"“{subject} тухай хууль”-д нэмэлт, өөрчлөлт оруулах тухай хуулийн төсөл"
    return f"{subject} тухай хуулийн төсөл"


def _respelled(rng: random.Random, name: str) -> str:
    """The same name as another clerk types it: other quotes, spacing, case."""
    quotes = rng.choice((("«", "»"), ('"', '"'), ("„", "“")))
    name = name.replace("“", quotes[0], 1).replace("”", quotes[1], 1)
    name = name.replace(" тухай", "  тухай", 1).replace("-д", " -д", 1)
    return name.replace("хуулийн төсөл", "ХУУЛИЙН ТӨСӨЛ") if rng.random() < 0.5 else name.capitalize()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))))


# --- planted cases ----------------------------------------------------------------------------

def _plant(world: LegalWorld, rng: random.Random, anchor: date) -> None:
    """Cases with known outcomes for a baseline run on `anchor` and later runs (see `planted`)."""
    def day(offset: int) -> date:
        return anchor + timedelta(days=offset)

    law_id = max((a.law_id for a in world.acts), default=16_000_000_000_000)
    acts = {
        # enacted after the baseline, listed 18 days later, in force before it was listed: late twice
        "late_act": Act(law_id + 1, LAWS, "Нийтийн мэдээллийн ил тод байдлын тухай хуульд нэмэлт оруулах тухай",
                        _gazette(rng, day(2)), day(2), day(10), day(20)),
        # listed three days after enactment, in force a month later: met twice
        "prompt_act": Act(law_id + 2, GOVERNMENT_RESOLUTIONS, "Мэдээлэл ил болгох журам батлах тухай",
                          _gazette(rng, day(3)), day(3), day(33), day(6)),
        # enacted long before the baseline and listed only now: out of scope
        "old_act": Act(law_id + 3, PARLIAMENT_RESOLUTIONS, "Хяналт шалгалтын дүнгийн тухай",
                       _gazette(rng, day(-200)), day(-200), day(-200), day(5)),
    }
    world.acts.extend(acts.values())
    mp = Creator(*_MPS[0])
    name_only = "“Шилэн дансны тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл"
    drafts = {
        # posted 60 days before submission under one id, submitted under another, spelled otherwise: met
        "name_only": (Draft(_uuid(rng), name_only, Creator(*GOVERNMENT), _moment(rng, day(-70))),
                      Draft(_uuid(rng), "«Шилэн  дансны тухай хууль» -д нэмэлт оруулах тухай ХУУЛИЙН ТӨСӨЛ",
                            Creator(*GOVERNMENT), _moment(rng, day(-9)), law_date=day(-10))),
        # posted 40 days before the baseline, submitted 3 days after it and gone from the list: met
        "left_preparation": _same_draft(rng, "Төрийн хяналт шалгалтын тухай хуулийн төсөл", mp, day(-40), day(3),
                                        leaves=True),
        # submitted 8 days before the baseline, never seen posted: it may have left the preparation
        # list before the monitor watched, so unknown, for good
        "unwatched": (None, Draft(_uuid(rng), "Нийтийн сонсголын тухай хуулийн төсөл", mp,
                                  _moment(rng, day(-7)), law_date=day(-8))),
        # submitted 2 days after the baseline, never posted: missing
        "never_posted": (None, Draft(_uuid(rng), "Жижиг дунд үйлдвэрийн тухай хуулийн төсөл", mp,
                                     _moment(rng, day(3)), law_date=day(2))),
        # submitted 2 days after the baseline, posted only 8 days later: missing, then late
        "posted_after": _same_draft(rng, "Зөвшөөрлийн тухай хуулийн төсөл", Creator(*_MINISTRY), day(10), day(2)),
        # posted 18 days before submission: late by 12 days
        "short_comment": _same_draft(rng, "Мал хамгаалах сангийн тухай хуулийн төсөл", Creator(*GOVERNMENT),
                                     day(-20), day(-2)),
    }
    for name, (posted, submitted) in drafts.items():
        if posted is not None:
            world.preparation.append(posted)
        world.submitted.append(submitted)
        world.planted[name] = submitted.id
    world.planted.update((name, str(act.law_id)) for name, act in acts.items())


def _same_draft(rng: random.Random, name: str, creator: Creator, posted: date, submitted: date,
                leaves: bool = False) -> tuple[Draft, Draft]:
    """One draft under one id in both lists; `leaves`: it leaves the preparation list when submitted."""
    draft = Draft(_uuid(rng), name, creator, _moment(rng, posted), leaves_on=submitted if leaves else None)
    return draft, replace(draft, publish_at=_moment(rng, submitted + timedelta(days=1)), law_date=submitted,
                          leaves_on=None)


# --- the portals' answers ---------------------------------------------------------------------

def legal_routes(world: LegalWorld) -> list[Route]:
    """Routes of 4a (POST; a GET ignores its parameters and shows page 1) and 4b."""
    return [
        Route("POST", r"/mn/ajaxListBody/?", partial(_register, world), "legal.register"),
        Route("GET", r"/mn/ajaxListBody/?", partial(_register_ignoring_parameters, world), "legal.register"),
        Route("POST", r"/tusul/tusulList/?", partial(_drafts, world), "legal.drafts"),
    ]


def _register(world: LegalWorld, request: Request) -> Response:
    form = request.form
    category = int(form["filtercategorytypeid"]) if form.get("filtercategorytypeid", "").isdigit() else None
    page = int(form["page"]) if form.get("page", "").isdigit() and int(form["page"]) > 0 else 1
    acts = world.register(category, active_only=form.get("isactive") == "1")
    if form.get("sortType") == "asc":
        acts.reverse()
    return _register_page(acts[(page - 1) * ROWS_PER_PAGE:page * ROWS_PER_PAGE])


def _register_ignoring_parameters(world: LegalWorld, request: Request) -> Response:
    return _register_page(world.register(None, active_only=False)[:ROWS_PER_PAGE])


def _register_page(acts: list[Act]) -> Response:
    return Response.json({"Html": "\n".join(_component(act) for act in acts), "word": ""})


def _component(act: Act) -> str:
    enforcement = act.enforcement.isoformat() if act.enforcement else ""
    inactive = "<span>Хүчингүй болсон</span>" if act.inactive else ""
    return (f'<div class="legal-list-component">\n'
            f'  <div data-block="title">\n'
            f'    <a href="https://legalinfo.mn/mn/detail?lawId={act.law_id}" class="act-name">'
            f'{html.escape(act.title, quote=False)}</a>\n'
            f'    <span style="font-style: italic">{html.escape(act.gazette, quote=False)}</span>\n'
            f'  </div>\n'
            f'  <div data-block="enacteddate"><span>{act.enacted.isoformat()}</span></div>\n'
            f'  <div data-block="enforcementdate"><span>{enforcement}</span></div>\n'
            f'  <div data-block="inactive">{inactive}</div>\n'
            f'</div>')


def _drafts(world: LegalWorld, request: Request) -> Response:
    body = request.json if isinstance(request.json, dict) else {}
    if body.get("appId") != APP_ID:
        return Response.json({"message": "appId буруу"}, status=400)
    page, limit = body.get("page", 1), body.get("limit", 10)
    if not isinstance(page, int) or not isinstance(limit, int) or page < 1 or not 1 <= limit <= 100:
        return Response.json({"message": "page >= 1, limit 1-100"}, status=400)
    drafts = world.drafts(str(body.get("parentId")))
    return Response.json({"count": len(drafts), "list": [d.record() for d in drafts[(page - 1) * limit:page * limit]]})
