"""A generated register of asset declarations, served in the shapes of portals.md section 3.

Some thousands of officials across many organisations, several hundred of them in the three
high-risk organisations of rules.md. Each official has a timeline drawn from
`random.Random(seed)` around an `anchor` date (default `as_of`): the years they declare, the day
each declaration is published (or never), a move to another organisation, leaving the register.
The world is then cut at `as_of`: nothing published later is shown, and a move or a departure
shows only from its day. Keeping the anchor fixed while `as_of` moves forward shows the same
officials night after night, which is what a demo of late and caught-up declarations needs.

The register writes some names as people do not: doubled or trailing spaces, and letters
decomposed (Й as И + breve, Ё as Е + diaeresis); the organisation name too, in some records.
Search matches the start of the first name or of the last name, so one person is often answered
under two letters: a monitor that does not de-duplicate on `aid_user_num` counts them twice.
`DeclarationsWorld` exposes everything plainly (clean names, publication dates, former
organisations) so tests can compute the expected findings on their own.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from demo.habits import DelayTable, draw_delay
from demo.server import Request, Response, Route

TAX, CUSTOMS, MINERALS = "Татварын ерөнхий газар", "Гаалийн ерөнхий газар", "Ашигт малтмал, газрын тосны газар"
IN_SCOPE_ORGANIZATIONS = (TAX, CUSTOMS, MINERALS)
# (name, organization_id, share of all officials, habit)
_HIGH_RISK = ((TAX, 311, 0.075, "typical"), (CUSTOMS, 312, 0.06, "late"), (MINERALS, 327, 0.03, "typical"))
_OTHERS = (
    "Сангийн яам", "Хууль зүй, дотоод хэргийн яам", "Эрүүл мэндийн яам", "Боловсролын яам",
    "Уул уурхай, хүнд үйлдвэрийн яам", "Гадаад харилцааны яам", "Зам, тээврийн хөгжлийн яам",
    "Цагдаагийн ерөнхий газар", "Мэргэжлийн хяналтын ерөнхий газар", "Онцгой байдлын ерөнхий газар",
    "Улсын бүртгэлийн ерөнхий газар", "Шүүхийн шийдвэр гүйцэтгэх ерөнхий газар",
    "Нийгмийн даатгалын ерөнхий газар", "Газар зохион байгуулалт, геодези, зураг зүйн газар",
    "Статистикийн үндэсний хороо", "Өрсөлдөөн, хэрэглэгчийн төлөө газар", "Санхүүгийн зохицуулах хороо",
    "Үндэсний аудитын газар", "Төрийн албаны зөвлөл", "Нийслэлийн Засаг даргын Тамгын газар",
    "Нийслэлийн татварын газар",  # a tax office, but not the General Department of Taxation
    "Татварын ерөнхий газрын Их татвар төлөгчтэй ажиллах газар",  # a unit named after it, not it
    "Гаалийн ерөнхий газрын Замын-Үүд дэх гаалийн газар",
    "Эрдэнэс Монгол ХХК", "Монголбанк", "Иргэний нисэхийн ерөнхий газар",
    *(f"{aimag} аймгийн Засаг даргын Тамгын газар" for aimag in (
        "Архангай", "Баян-Өлгий", "Баянхонгор", "Булган", "Говь-Алтай", "Дархан-Уул", "Дорноговь", "Дорнод",
        "Дундговь", "Завхан", "Орхон", "Өвөрхангай", "Өмнөговь", "Сүхбаатар", "Сэлэнгэ", "Төв", "Увс",
        "Ховд", "Хөвсгөл", "Хэнтий")),
)
# Days after 15 February of Y+1 (the filing deadline) on which the declaration of year Y is
# published: (probability, (min, max) days, or None = never). 44 days is 31 March at the latest.
HABITS: dict[str, DelayTable] = {
    "diligent": ((0.96, (0, 44)), (0.03, (55, 200)), (0.01, None)),
    "typical": ((0.84, (0, 44)), (0.10, (55, 250)), (0.06, None)),
    "late": ((0.60, (0, 44)), (0.28, (50, 280)), (0.12, None)),
}
MOVED_SHARE, LEFT_SHARE, ODD_SPACING_SHARE, DECOMPOSED_SHARE = 0.07, 0.02, 0.04, 0.04
_FIRST_NAMES = (
    "Алтанцэцэг", "Амарсайхан", "Анхбаяр", "Ариунаа", "Баатар", "Батбаяр", "Батсайхан", "Батхуяг", "Болормаа",
    "Бямбасүрэн", "Ганбаатар", "Ганзориг", "Гэрэлмаа", "Дашдорж", "Должинсүрэн", "Дэлгэрмаа", "Ёндонжамц",
    "Ёнжинлхам", "Жаргалсайхан", "Жавхлан", "Зоригт", "Золзаяа", "Ичинхорлоо", "Йондон", "Лхагвасүрэн",
    "Мөнхбат", "Мөнхзул", "Мягмарсүрэн", "Нарантуяа", "Нямдаваа", "Оюунчимэг", "Отгонбаяр", "Өлзийбаяр",
    "Өлзийсайхан", "Пүрэвдорж", "Пүрэвсүрэн", "Равдан", "Сайнбаяр", "Сарантуяа", "Сүхбаатар", "Туяа",
    "Төмөрбаатар", "Тэмүүлэн", "Уранчимэг", "Ууганбаяр", "Үүрцайх", "Хишигт", "Хулан", "Цэцэгмаа",
    "Цогтбаяр", "Чинбат", "Чимэдцэрэн", "Шинэбаяр", "Энхбаяр", "Энхтуяа", "Эрдэнэбат", "Юндэн", "Ядамсүрэн",
    "Бат-Эрдэнэ", "Энх-Амгалан",
)
_LAST_NAMES = (
    "Батболд", "Дорж", "Нямдаваа", "Гантулга", "Пүрэв", "Цэрэн", "Баяр", "Ганбат", "Мөнх", "Сүх", "Болд",
    "Очир", "Лхагва", "Эрдэнэ", "Түмэн", "Жаргал", "Дамдин", "Ёндон", "Өлзий", "Хүрэл", "Чулуун", "Шагдар",
    "Ядам", "Зориг", "Аюуш", "Равжаа", "Цогт", "Алтангэрэл", "Батсүх", "Энхбаатар", "Вандан", "Үржин",
    "Сайнбаяр", "Ичинноров", "Майдар", "Юмжаа", "Бат-Очир", "Фүрэв",
)
_POSITIONS = ("Газрын дарга", "Орлогч дарга", "Хэлтсийн дарга", "Ахлах улсын байцаагч", "Улсын байцаагч",
              "Ахлах мэргэжилтэн", "Мэргэжилтэн", "Нягтлан бодогч", "Хяналтын байцаагч")
CIVIL_SERVICE = "Төрийн жинхэнэ албан хаагч"


@dataclass(frozen=True)
class Organization:
    organization_id: int | None  # None: the register sends a record without one
    name: str
    habit: str  # diligent | typical | late

    @property
    def in_scope(self) -> bool:
        """One of the three high-risk organisations of rules.md (the check's default scope)."""
        return self.name in IN_SCOPE_ORGANIZATIONS


@dataclass(frozen=True)
class Official:
    """One official as the register shows them on the world's `as_of`."""

    aid_user_num: int
    first_name: str  # as a person writes it: NFC, single spaces
    last_name: str
    written_first: str  # as the register writes it
    written_last: str
    organization: Organization  # current on as_of
    organization_written: str
    former: Organization | None  # the organisation they left, when they moved on or before as_of
    moved_on: date | None
    position_num: int
    position_name: str
    assigned: date
    published: dict[int, date] = field(hash=False)  # declaration year -> day published (<= as_of)
    id_is_text: bool = False

    @property
    def years(self) -> list[int]:
        return sorted(self.published)

    def record(self) -> dict[str, Any]:
        """The search answer's record (3a), as the register writes it."""
        return {
            "aid_user_num": str(self.aid_user_num) if self.id_is_text else self.aid_user_num,
            "first_name": self.written_first,
            "last_name": self.written_last,
            "organization_name": self.organization_written,
            "organization_id": str(self.organization.organization_id) if self.id_is_text
            else self.organization.organization_id,
            "position_num": self.position_num,
            "position_name": self.position_name,
            "years": self.years,
        }

    def declarations(self) -> list[dict[str, Any]]:
        """One person's declarations (3b), one per published year; amounts drawn per person and year."""
        out = []
        for year in self.years:
            rng = random.Random(self.aid_user_num * 10_000 + year)
            owner = rng.randrange(20_000_000, 900_000_000)
            organization = _filed_with(self.organization, self.former, self.moved_on, year)
            out.append({
                "org_names": organization.name, "name": f"{self.last_name[0]}.{self.first_name}",
                "position_name": self.position_name, "rocivilservice": CIVIL_SERVICE,
                "assigned_date": self.assigned.isoformat(), "year": year, "owner_total": owner,
                "family_total": owner + rng.randrange(0, 300_000_000), "lands": [],
                "transports": [] if rng.random() < 0.6 else [
                    {"transport_type": "Суудлын автомашин", "year": rng.randint(2008, year),
                     "mark": rng.choice(("Тоёота Приус", "Хёндэ Соната", "Тоёота Ленд Крузер"))}],
                "loan_total_value": rng.randrange(0, 80_000_000),
            })
        return out


@dataclass(frozen=True)
class DeclarationsWorld:
    """What xacxom.iaac.mn shows on `as_of`; `officials` in register order (by aid_user_num)."""

    as_of: date
    anchor: date
    organizations: tuple[Organization, ...]
    officials: tuple[Official, ...]

    def search(self, prefix: str) -> list[Official]:
        """The register's search: the first name or the last name starts with `prefix`."""
        wanted = prefix.strip().casefold()
        if not wanted:
            return []
        return [o for o in self.officials
                if o.written_first.casefold().startswith(wanted) or o.written_last.casefold().startswith(wanted)]

    def by_aid(self, aid: int) -> Official | None:
        return next((o for o in self.officials if o.aid_user_num == aid), None)


@dataclass(frozen=True)
class _Person:
    """An official's whole timeline, whatever the day one looks."""

    aid: int
    first_name: str
    last_name: str
    written_first: str
    written_last: str
    organization: Organization
    organization_written: str
    former: Organization | None
    moved_on: date | None
    left_on: date | None
    position_num: int
    position_name: str
    assigned: date
    publications: dict[int, date | None]
    id_is_text: bool


def build_declarations_world(as_of: date, seed: int = 2016, officials: int = 3000,
                             anchor: date | None = None) -> DeclarationsWorld:
    """Draw the register around `anchor` (default `as_of`) and show it as it stands on `as_of`.

    Every random draw depends on (seed, anchor, officials) only, never on `as_of`.
    """
    anchor = anchor or as_of
    rng = random.Random(seed)
    organizations = _make_organizations(rng)
    people = _make_people(rng, organizations, officials, anchor)
    seen = [official for person in people if (official := _observe(person, as_of)) is not None]
    return DeclarationsWorld(as_of, anchor, tuple(organizations), tuple(seen))


def _make_organizations(rng: random.Random) -> list[Organization]:
    ids = rng.sample([n for n in range(101, 999) if n not in (311, 312, 327)], len(_OTHERS))
    others = [Organization(i, name, rng.choice(("diligent", "typical", "typical", "late")))
              for i, name in zip(ids, _OTHERS)]
    return [Organization(i, name, habit) for name, i, _, habit in _HIGH_RISK] + others


def _make_people(rng: random.Random, organizations: list[Organization], count: int, anchor: date) -> list[_Person]:
    high_risk, others = organizations[:len(_HIGH_RISK)], organizations[len(_HIGH_RISK):]
    weights = [share for *_, share, _ in _HIGH_RISK]
    weights += [(1 - sum(weights)) / len(others)] * len(others)
    aids = sorted(rng.sample(range(100_000, 1_000_000), count))
    people = []
    for aid in aids:
        organization = rng.choices(organizations, weights)[0]
        former, moved_on = None, None
        if organization in high_risk and rng.random() < MOVED_SHARE:
            former, organization = organization, rng.choice(others)
            moved_on = anchor - timedelta(days=rng.randint(0, 500))
        people.append(_make_person(rng, aid, organization, former, moved_on, anchor))
    return people


def _make_person(rng: random.Random, aid: int, organization: Organization, former: Organization | None,
                 moved_on: date | None, anchor: date) -> _Person:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
    first_year = rng.choice((anchor.year - 1, *range(anchor.year - 8, anchor.year)))
    publications = {}
    for year in range(first_year, anchor.year):
        days = draw_delay(rng, HABITS[_filed_with(organization, former, moved_on, year).habit])
        publications[year] = None if days is None else date(year + 1, 2, 15) + timedelta(days=days)
    left_on = anchor - timedelta(days=rng.randint(0, 300)) if rng.random() < LEFT_SHARE else None
    return _Person(
        aid=aid, first_name=first, last_name=last, written_first=_written(rng, first),
        written_last=_written(rng, last), organization=organization,
        organization_written=_written(rng, organization.name), former=former, moved_on=moved_on,
        left_on=left_on, position_num=rng.randint(1, 40), position_name=rng.choice(_POSITIONS),
        assigned=date(first_year, 1, 1) - timedelta(days=rng.randint(0, 3000)),
        publications=publications, id_is_text=rng.random() < 0.3)


def _filed_with(organization: Organization, former: Organization | None, moved_on: date | None,
                year: int) -> Organization:
    """Where the declaration of `year` was filed (by 15 February of the next year): before or after a move."""
    return former if former and moved_on and date(year + 1, 2, 15) < moved_on else organization


def _written(rng: random.Random, text: str) -> str:
    """A name as a register clerk may type it: now and then doubled and trailing spaces, or decomposed letters."""
    roll = rng.random()
    if roll < ODD_SPACING_SHARE:
        return "  ".join(text.split(" ")) + " "
    if roll < ODD_SPACING_SHARE + DECOMPOSED_SHARE and any(letter in text for letter in "йЙёЁ"):
        return unicodedata.normalize("NFD", text)
    return text


def _observe(person: _Person, as_of: date) -> Official | None:
    """The person as the register shows them on `as_of`; None when not listed that day."""
    published = {year: day for year, day in person.publications.items() if day is not None and day <= as_of}
    if not published or (person.left_on is not None and person.left_on <= as_of):
        return None
    moved = person.moved_on is not None and person.moved_on <= as_of
    organization = person.organization if moved or person.former is None else person.former
    written = person.organization_written if organization is person.organization else organization.name
    return Official(
        aid_user_num=person.aid, first_name=person.first_name, last_name=person.last_name,
        written_first=person.written_first, written_last=person.written_last, organization=organization,
        organization_written=written, former=person.former if moved else None,
        moved_on=person.moved_on if moved else None, position_num=person.position_num,
        position_name=person.position_name, assigned=person.assigned, published=published,
        id_is_text=person.id_is_text)


# --- the portal's answers ---------------------------------------------------------------------

def declarations_routes(world: DeclarationsWorld) -> list[Route]:
    """Routes of 3a (one source, `declarations.search`) and 3b."""
    return [
        Route("POST", r"/api/public/xacxom/search/?", partial(_search, world), "declarations.search"),
        Route("GET", r"/api/public/xacxom/(?P<aid>\d+)/?", partial(_declaration, world),
              "declarations.declaration"),
    ]


def _search(world: DeclarationsWorld, request: Request) -> Response:
    body = request.json
    if not isinstance(body, dict) or not isinstance(body.get("firstname"), str):
        return Response.json({"retdata": [], "message": "firstname шаардлагатай"}, status=400)
    return Response.json({"retdata": [o.record() for o in world.search(body["firstname"])]})


def _declaration(world: DeclarationsWorld, request: Request) -> Response:
    official = world.by_aid(int(request.params["aid"]))
    return Response.json({"retdata": official.declarations() if official else []})
