"""A generated procurement world, served in the shapes of portals.md section 1 (tender.gov.mn).

The world is drawn from `random.Random(seed)` around an `anchor` date (default: `as_of`) and only
then cut at `as_of`: nothing dated after `as_of` is shown. Keeping the anchor fixed while `as_of`
moves forward shows the same tenders progressing night after night, which is what a demo of
"new / still open / resolved" findings needs. Agencies have habits (diligent, typical, late,
silent) so the checks have something true to find; `TenderWorld` exposes everything plainly so
tests can compute the expected findings on their own.
"""
from __future__ import annotations

import html
import math
import random
import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial
from typing import Any, Callable, Iterable

from demo.habits import DelayTable, draw_delay
from demo.registers import register_number
from demo.server import Request, Response, Route

SELECTED, NOT_SELECTED, REJECTED = "Шалгарсан", "Шалгараагүй", "Татгалзсан"
OPEN_RULE = (13, "Нээлттэй тендер шалгаруулалтын арга")
COMPARISON_RULE = (14, "Харьцуулалтын арга")
DIRECT_RULE = (15, "Шууд гэрээ байгуулах арга")
KFW_RULE = (12, "ХБНГУ-ын Сэргээн босголт, зээлийн банкны журам (KfW)")
TENDER_TYPES = {"PRODUCT": (1, "Бараа"), "JOB": (2, "Ажил"), "SERVICE": (7, "Үйлчилгээ")}
DOC_STATUSES = {  # only RECEIVE_TENDER is verified; the rest follow portals.md's assumption
    "RECEIVE_TENDER": ("Тендер хүлээн авч байгаа", "#8BD4FF"),
    "OPEN_TENDER": ("Тендер нээгдсэн", "#B39DDB"),
    "EVALUATE_TENDER": ("Үнэлгээ хийгдэж байгаа", "#F5D76E"),
    "RESULT_TENDER": ("Үр дүн зарлагдсан", "#4A90E2"),
    "CANCELLED_TENDER": ("Цуцлагдсан", "#E57373"),
}
UNAUTHORIZED = {"return_code": 401, "message": "Token expired", "data": []}

# Days from bid opening to the result notice, and from the notice to the contract's publication:
# (probability, (min, max) days, or None = never published).
RESULT_HABITS: dict[str, DelayTable] = {
    "diligent": ((0.95, (3, 28)), (0.05, (31, 45))),
    "typical": ((0.75, (5, 30)), (0.20, (31, 75)), (0.05, None)),
    "late": ((0.20, (10, 30)), (0.65, (35, 120)), (0.15, None)),
    "silent": ((0.19, (5, 60)), (0.81, None)),  # 2016: only ~19% of results were posted
}
CONTRACT_HABITS: dict[str, DelayTable] = {
    "diligent": ((0.95, (3, 25)), (0.05, None)),
    "typical": ((0.65, (5, 30)), (0.20, (31, 70)), (0.15, None)),
    "late": ((0.25, (7, 30)), (0.45, (31, 100)), (0.30, None)),
    "silent": ((0.30, (10, 60)), (0.70, None)),
}

_EDU, _HEALTH, _ROADS = "БОЛОВСРОЛЫН САЙД", "ЭРҮҮЛ МЭНДИЙН САЙД", "ЗАМ, ТЭЭВРИЙН САЙД"
_CAPITAL_GOVERNOR, _SOE = "НИЙСЛЭЛИЙН ЗАСАГ ДАРГА", "ТӨРИЙН ӨМЧИЙН БОЛОН ТӨРИЙН ӨМЧИЙН ОРОЛЦООТОЙ АЖ АХУЙ НЭГЖ"
_GOVERNOR_IDS = {_EDU: 162, _HEALTH: 151, _ROADS: 158, _CAPITAL_GOVERNOR: 128, _SOE: 170}
_CAPITAL, _SOUTH_GOBI = 10001, 10015  # provincePath ids
# (name, kind, budget governor, province id, district id or None)
_NATIONAL = (
    ("Улаанбаатар хотын Боловсролын газар", "education", _CAPITAL_GOVERNOR, _CAPITAL, 10105),
    ("Улаанбаатар хотын Эрүүл мэндийн газар", "health", _CAPITAL_GOVERNOR, _CAPITAL, 10102),
    ("Нийслэлийн Авто замын газар", "transport", _CAPITAL_GOVERNOR, _CAPITAL, 10103),
    ("Эрүүл мэндийн яам", "health", _HEALTH, _CAPITAL, None),
    ("Боловсролын яам", "education", _EDU, _CAPITAL, None),
    ("Зам, тээврийн хөгжлийн яам", "transport", _ROADS, _CAPITAL, None),
    ("Улсын Гуравдугаар төв эмнэлэг", "health", _HEALTH, _CAPITAL, 10104),
    ("Эх, хүүхдийн эрүүл мэндийн үндэсний төв", "health", _HEALTH, _CAPITAL, 10101),
    ("Хавдар судлалын үндэсний төв", "health", _HEALTH, _CAPITAL, 10102),
    ("Монгол Улсын Их Сургууль", "education", _EDU, _CAPITAL, 10106),
    ("Нийслэлийн Ерөнхий боловсролын 45 дугаар сургууль", "school", _EDU, _CAPITAL, 10107),
    ("Баянзүрх дүүргийн Засаг даргын Тамгын газар", "admin", _CAPITAL_GOVERNOR, _CAPITAL, 10103),
    ("Сонгинохайрхан дүүргийн Засаг даргын Тамгын газар", "admin", _CAPITAL_GOVERNOR, _CAPITAL, 10108),
    ("Сонгинохайрхан дүүргийн Эрүүл мэндийн төв", "health", _HEALTH, _CAPITAL, 10108),
    ("Иргэний нисэхийн ерөнхий газар", "transport", _ROADS, _CAPITAL, 10109),
    ("Улаанбаатар Төмөр Зам", "soe", _SOE, _CAPITAL, 10104),
    ("Улаанбаатар Цахилгаан Түгээх Сүлжээ", "soe", _SOE, _CAPITAL, 10102),
    ("Эрдэнэс Таван Толгой ", "soe", _SOE, _SOUTH_GOBI, None),  # trailing space, as the live API writes it
)
_ALWAYS = ("Улаанбаатар хотын Боловсролын газар", "Эрдэнэс Таван Толгой ")
_AIMAGS = (
    "Архангай", "Баян-Өлгий", "Баянхонгор", "Булган", "Говь-Алтай", "Говьсүмбэр", "Дархан-Уул",
    "Дорноговь", "Дорнод", "Дундговь", "Завхан", "Орхон", "Өвөрхангай", "Өмнөговь", "Сүхбаатар",
    "Сэлэнгэ", "Төв", "Увс", "Ховд", "Хөвсгөл", "Хэнтий",
)
_SOUMS = (
    "Баянтал", "Цэнгэр", "Өлзийт", "Жаргалант", "Эрдэнэ", "Батцэнгэл", "Хайрхан", "Тариат",
    "Мөнххаан", "Шинэжинст", "Алтанбулаг", "Баруунбүрэн", "Дэлгэрэх", "Хүрээмарал", "Цогт",
)
_LOCAL = (  # (name template, kind, budget governor; None = the aimag's governor)
    ("{aimag} аймгийн Нэгдсэн эмнэлэг", "health", _HEALTH),
    ("{aimag} аймгийн Боловсролын газар", "education", _EDU),
    ("{aimag} аймгийн Засаг даргын Тамгын газар", "admin", None),
    ("{aimag} аймгийн {soum} сумын ерөнхий боловсролын сургууль", "school", _EDU),
    ("{aimag} аймгийн {soum} сумын Эрүүл мэндийн төв", "health", _HEALTH),
)
_MORE_LOCAL = (  # agencies past the pool above, for national-scale worlds: (template, kind, governor)
    ("{aimag} аймгийн {soum} сумын Засаг даргын Тамгын газар", "admin", None),
    ("{aimag} аймгийн {soum} сумын цэцэрлэг", "school", _EDU),
    ("{aimag} аймгийн {soum} сумын Соёлын төв", "admin", None),
)
_MORE_CAPITAL = (("Нийслэлийн {n}-р сургууль", "school", _EDU), ("Нийслэлийн {n}-р цэцэрлэг", "school", _EDU))
_MORE_CAPITAL_EACH = 300
_ITEMS = {  # what each kind of agency buys: (tender name, tenderTypeCode)
    "school": (("Үдийн хоолны хүнсний материал худалдан авах", "PRODUCT"), ("Сургуулийн тавилга", "PRODUCT"),
               ("Дотуур байрны их засвар", "JOB"), ("Хичээлийн байрны дулаалга", "JOB"),
               ("Харуул хамгаалалтын үйлчилгээ", "SERVICE"), ("Түлш, нүүрс худалдан авах", "PRODUCT")),
    "health": (("Эм, эмнэлгийн хэрэгсэл худалдан авах", "PRODUCT"), ("Оношилгооны урвалж, бодис", "PRODUCT"),
               ("Эмнэлгийн тоног төхөөрөмж", "PRODUCT"), ("Хүнсний бүтээгдэхүүн нийлүүлэх", "PRODUCT"),
               ("Эмнэлгийн барилгын урсгал засвар", "JOB"), ("Угаалга, ариутгалын үйлчилгээ", "SERVICE")),
    "education": (("Сурах бичиг хэвлэх", "SERVICE"), ("Сургуулийн тавилга", "PRODUCT"),
                  ("Компьютер, дагалдах хэрэгсэл", "PRODUCT"), ("Сургуулийн барилгын өргөтгөл", "JOB")),
    "admin": (("Гудамжны гэрэлтүүлэг", "JOB"), ("Авто замын засвар", "JOB"), ("Хог тээврийн автомашин", "PRODUCT"),
              ("Цэцэрлэгийн барилга", "JOB"), ("Албан хэрэгцээний суудлын автомашин", "PRODUCT"),
              ("Тохижилт, ногоон байгууламж", "JOB")),
    "transport": (("Авто замын засвар, шинэчлэл", "JOB"), ("Гүүрийн их засвар", "JOB"),
                  ("Замын тэмдэг, тэмдэглэгээ", "PRODUCT"), ("Зураг төсөл боловсруулах", "SERVICE")),
    "soe": (("Хүн тээврийн автобус түрээс", "SERVICE"), ("Сэлбэг хэрэгсэл", "PRODUCT"), ("Дизель түлш", "PRODUCT"),
            ("Уурхайн тоног төхөөрөмж", "PRODUCT"), ("Ажилчдын хоолны үйлчилгээ", "SERVICE"),
            ("Хамгаалалтын хувцас хэрэгсэл", "PRODUCT")),
}
_BUDGET_RANGES = {"school": (5e6, 4e8), "health": (1e7, 2e9), "education": (1e7, 1.5e9), "admin": (1e7, 2e9),
                  "transport": (5e7, 2e9), "soe": (2e7, 2e9)}
_SUPPLIER_STEMS = (
    "Номин Трейд", "Мон-Эрчим", "Хүслэн Констракшн", "Тэнүүн Агро", "Алтан Говь", "Говийн Зам", "Эрдэнэ Трейд",
    "Мөнх-Орших", "Шинэ Барилга", "Хангай Медикал", "Оюу Тех", "Тэмүүлэл", "Сод Монгол Групп", "Хөх Тэнгэр",
    "Ирээдүй Эдьюкейшн", "Найрамдал Фүүдс", "Бат-Өлзий", "Дархан Констракшн", "Ачит Ихт", "Монгол Эм Импекс",
    "Их Хүрээ Тавилга", "Түмэн Шувуут", "Гэрэлт Ирээдүй", "Мон Лаб", "Эко Түлш", "Хаан Авто", "Цэнгэлдэх",
    "Орхон Зам", "Юнител Солюшнс", "Номт Хэвлэл", "Сүү Хүнс", "Тунгалаг Ус", "Мэргэн Инженеринг", "Бумбат",
)


@dataclass(frozen=True)
class Agency:
    """A procuring agency; `name` is written as the portal writes it (one keeps a trailing space)."""

    client_id: int
    name: str
    code: str
    registration_number: str
    kind: str
    position_name: str
    budget_governor_id: int
    province_path: str
    district_path: str | None
    habit: str  # diligent | typical | late | silent


@dataclass(frozen=True)
class Bidder:
    name: str
    registration_number: str
    price: int
    status: str  # SELECTED | NOT_SELECTED | REJECTED


@dataclass(frozen=True)
class Result:
    """A published result: a row of the results listing and its detail page."""

    detail_id: int
    notice_date: date
    bidders: tuple[Bidder, ...]
    budget_text: str  # the listing's budget cell, e.g. "109,329,420 ₮" or "45,500,000.00 ₮"


@dataclass(frozen=True)
class Contract:
    """A published contract: one row of the contracts listing."""

    number: str
    supplier: str
    amount: int
    signed: date
    published: date
    document_id: int


@dataclass(frozen=True)
class Invitation:
    """An invitation as announced; everything about it that does not depend on the day one looks."""

    agency: Agency
    invitation_id: int
    id_is_text: bool  # the live API sends invitationId as a string in some records
    invitation_number: str
    tender_code: str
    tender_id: int
    name: str
    year: int
    total_budget: int
    year_budget: int
    rule_id: int
    rule_name: str
    type_code: str
    fund_id: int
    fund_name: str
    template_id: int
    electronic: bool
    package: bool
    guarantee: tuple[float, int] | None  # (guaranteeAmount, isAmount) where the record has them
    publish_at: datetime
    receive_at: datetime
    open_at: datetime
    action_at: datetime


@dataclass(frozen=True)
class Tender(Invitation):
    """An invitation as seen on `as_of`: its status, and its result and contract if published by then."""

    status_code: str
    result: Result | None
    contract: Contract | None

    @property
    def awarded_amount(self) -> int | None:
        """rules.md: the sum of the bidders marked Шалгарсан, else the listing's budget; None without result."""
        if self.result is None:
            return None
        selected = [b.price for b in self.result.bidders if b.status == SELECTED]
        return sum(selected) if selected else self.total_budget

    def record(self) -> dict[str, Any]:
        """The open-data API's record, keys in the live API's order."""
        agency = self.agency
        status_name, status_color = DOC_STATUSES[self.status_code]
        record: dict[str, Any] = {
            "uusgesenClientId": agency.client_id,
            "isReceiving": int(self.status_code == "RECEIVE_TENDER"),
            "uusgesenEntityRegNumber": agency.registration_number,
            "uusgesenEntityCode": agency.code,
            "uusgesenEntityName": agency.name,
            "tenderTypeId": TENDER_TYPES[self.type_code][0],
            "invitationId": str(self.invitation_id) if self.id_is_text else self.invitation_id,
            "invitationNumber": self.invitation_number,
            "wfmStatusId": 4,
            "wfmStatusCode": "PUBLISHING_STATUS",
            "wfmStatusName": "Нийтлэгдсэн",
            "tenderId": self.tender_id,
            "tenderName": self.name,
            "templateId": self.template_id,
            "invitationTypeId": 1,
            "isElectronic": int(self.electronic),
            "isPackage": int(self.package),
            "tenderYear": self.year,
            "totalBudget": self.total_budget,
            "yearBudget": self.year_budget,
        }
        if self.guarantee is not None:
            record["guaranteeAmount"], record["isAmount"] = self.guarantee
        record.update({
            "tenderRuleId": self.rule_id,
            "ruleName": self.rule_name,
            "tenderTypeCode": self.type_code,
            "tenderTypeName": TENDER_TYPES[self.type_code][1],
            "fundName": self.fund_name,
            "fundId": self.fund_id,
            "clientId": agency.client_id,
            "clientCode": agency.code,
            "budgetEntityName": agency.name,
            "registrationNumber": agency.registration_number,
            "budgetGovernorId": agency.budget_governor_id,
            "positionName": agency.position_name,
            "receiveDate": _stamp(self.receive_at),
            "openDate": _stamp(self.open_at),
            "publishDate": _stamp(self.publish_at),
            "actionDate": _stamp(self.action_at),
            "docStatusCode": self.status_code,
            "docStatusName": status_name,
            "docStatusColor": status_color,
            "tenderCode": self.tender_code,
            "provincePath": agency.province_path,
        })
        if agency.district_path is not None:
            record["districtPath"] = agency.district_path
        record["uusgesenEntityId"] = agency.client_id
        return record


@dataclass(frozen=True)
class TenderWorld:
    """What tender.gov.mn shows on `as_of`; `tenders` is in the API's order (newest first)."""

    as_of: date
    anchor: date
    agencies: tuple[Agency, ...]
    tenders: tuple[Tender, ...]

    def results(self, year: int) -> list[Tender]:
        """The results listing for `?year=`: newest notice first."""
        return list(self._results.get(year, ()))

    def contracts(self, year: int) -> list[Tender]:
        """The contracts listing for `?year=`: newest publication first."""
        return list(self._contracts.get(year, ()))

    def invitations(self, year: int | None) -> list[Tender]:
        """The API's records of `tenderYear` (None: every year), in the API's order."""
        return list(self.tenders) if year is None else list(self._invitations.get(year, ()))

    def by_result_id(self, detail_id: int) -> Tender | None:
        return self._by_result_id.get(detail_id)

    # The world never changes once built, so each listing is sorted and indexed once, not on
    # every request: a national-scale world serves thousands of pages.

    @cached_property
    def _results(self) -> dict[int, tuple[Tender, ...]]:
        return _by_year(sorted((t for t in self.tenders if t.result is not None),
                               key=lambda t: (t.result.notice_date, t.result.detail_id), reverse=True))

    @cached_property
    def _contracts(self) -> dict[int, tuple[Tender, ...]]:
        return _by_year(sorted((t for t in self.tenders if t.contract is not None),
                               key=lambda t: (t.contract.published, t.contract.document_id), reverse=True))

    @cached_property
    def _invitations(self) -> dict[int, tuple[Tender, ...]]:
        return _by_year(self.tenders)

    @cached_property
    def _by_result_id(self) -> dict[int, Tender]:
        return {t.result.detail_id: t for t in self.tenders if t.result is not None}


def _by_year(tenders: Iterable[Tender]) -> dict[int, tuple[Tender, ...]]:
    """Tenders grouped by year, each group in the order given."""
    groups: dict[int, list[Tender]] = {}
    for tender in tenders:
        groups.setdefault(tender.year, []).append(tender)
    return {year: tuple(group) for year, group in groups.items()}


@dataclass(frozen=True)
class _Pin:
    """A planted awarded amount at the contract threshold's edge (80,000,000 MNT by default)."""

    amount: int
    has_winner: bool  # False: nobody marked Шалгарсан, so the amount is the budget itself


_PINS = (_Pin(80_000_000, True), _Pin(80_000_000, True), _Pin(80_000_000, False),
         _Pin(80_000_001, True), _Pin(80_001_000, True), _Pin(80_500_000, False))


@dataclass(frozen=True)
class _Outcome:
    """What will happen to an invitation, whenever it happens; cut at `as_of` by `_observe`."""

    cancelled: bool
    result: Result | None = None
    contract: Contract | None = None


class _Ids:
    """Increasing 13-digit ids with random gaps, like the portal's."""

    def __init__(self, rng: random.Random, start: int) -> None:
        self.rng, self.last = rng, start

    def next(self) -> int:
        self.last += self.rng.randint(1_000, 90_000_000)
        return self.last


def build_tender_world(as_of: date, seed: int = 2016, agencies: int = 30, invitations: int = 300,
                       anchor: date | None = None) -> TenderWorld:
    """Draw the world around `anchor` (default `as_of`) and show it as it stands on `as_of`.

    Every random draw depends on (seed, anchor, agencies, invitations) only, never on `as_of`.
    """
    anchor = anchor or as_of
    rng = random.Random(seed)
    chosen = _make_agencies(rng, agencies)
    suppliers = _make_suppliers(rng)
    drafts = _make_invitations(rng, chosen, invitations, anchor)
    pins = _choose_pins(rng, drafts, anchor)
    drafts = [_apply_pin(rng, d, pins[i]) if i in pins else d for i, d in enumerate(drafts)]
    outcomes = _make_outcomes(rng, drafts, suppliers, pins)
    seen = [_observe(d, o, as_of) for d, o in zip(drafts, outcomes) if d.publish_at.date() <= as_of]
    seen.sort(key=lambda t: (t.publish_at, t.invitation_id), reverse=True)
    return TenderWorld(as_of, anchor, tuple(chosen), tuple(seen))


# --- agencies and suppliers -------------------------------------------------------------------

def _agency_pool(rng: random.Random) -> list[tuple[str, str, str, int, int | None]]:
    """(name, kind, governor, province id, district id) of every agency the world may use."""
    pool = list(_NATIONAL)
    for number, aimag in enumerate(_AIMAGS):
        province = 10002 + number
        for template, kind, gov in _LOCAL:
            name = template.format(aimag=aimag, soum=rng.choice(_SOUMS))
            governor = gov or f"{aimag.upper()} АЙМГИЙН ЗАСАГ ДАРГА"
            district = 10110 + number * 10 + rng.randint(0, 9) if "сумын" in name else None
            pool.append((name, kind, governor, province, district))
    return pool


def _more_agencies() -> list[tuple[str, str, str, int, int | None]]:
    """Soum offices, kindergartens and culture centres, and numbered capital schools: drawn
    without `rng`, and only when more agencies are asked for than the pool holds, so the
    default worlds stay as they were."""
    more = []
    for number, aimag in enumerate(_AIMAGS):
        province = 10002 + number
        for index, soum in enumerate(_SOUMS):
            for template, kind, gov in _MORE_LOCAL:
                more.append((template.format(aimag=aimag, soum=soum), kind,
                             gov or f"{aimag.upper()} АЙМГИЙН ЗАСАГ ДАРГА", province, 10110 + number * 10 + index % 10))
    for n in range(1, _MORE_CAPITAL_EACH + 1):
        more += [(template.format(n=n), kind, gov, _CAPITAL, 10101 + n % 9) for template, kind, gov in _MORE_CAPITAL]
    return more


def _make_agencies(rng: random.Random, count: int) -> list[Agency]:
    pool = _agency_pool(rng)
    if count > len(pool):
        pool += _more_agencies()
    if not 1 <= count <= len(pool):
        raise ValueError(f"agencies must be 1..{len(pool)}, not {count}")
    required = [entry for entry in pool if entry[0] in _ALWAYS]
    national = _shuffled(rng, [entry for entry in pool[:len(_NATIONAL)] if entry[0] not in _ALWAYS])
    local = _shuffled(rng, pool[len(_NATIONAL):])
    share = max(0, round(count * 0.4) - len(required))  # about 40% national bodies, the rest local
    picked = (required + national[:share] + local + national[share:])[:count]
    habits = _habits(rng, count)
    codes: set[str] = set()
    client_ids = rng.sample(range(1_453_535_500_000, 1_773_115_900_000), count)
    return [_agency(rng, entry, habit, client_id, codes) for entry, habit, client_id in zip(picked, habits, client_ids)]


def _shuffled(rng: random.Random, items: list[Any]) -> list[Any]:
    return rng.sample(items, len(items))


def _habits(rng: random.Random, count: int) -> list[str]:
    """About a fifth diligent, a fifth chronically late, an eighth silent, the rest typical."""
    shares = {"diligent": 0.2, "late": 0.2, "silent": 0.13}
    habits = [habit for habit, share in shares.items() for _ in range(max(1, round(count * share)))]
    habits = (habits + ["typical"] * count)[:count]
    rng.shuffle(habits)
    return habits


def _registration_number(rng: random.Random, name: str) -> str:
    """The agency's register number, the same as the budget world's for the same agency. One number
    is still drawn, so every later draw of the world, and the world itself, stays as it was."""
    rng.randint(2_000_000, 6_999_999)
    return register_number(name)


def _agency(rng: random.Random, entry: tuple[str, str, str, int, int | None], habit: str, client_id: int,
            codes: set[str]) -> Agency:
    name, kind, governor, province, district = entry
    code = _unique(_initials(name) + ("ХК" if kind == "soe" else ""), codes)
    return Agency(
        client_id=client_id, name=name, code=code, registration_number=_registration_number(rng, name),
        kind=kind, position_name=governor,
        budget_governor_id=_GOVERNOR_IDS.get(governor, 200 + province % 100),
        province_path=f",{province},", district_path=None if district is None else f",{district},", habit=habit,
    )


def _initials(name: str) -> str:
    """The portal's agency codes are the initials of the name: Эрдэнэс Таван Толгой -> ЭТТ."""
    return "".join(word[0].upper() for word in re.split(r"[\s,\-]+", name.strip()) if word)


def _unique(code: str, taken: set[str]) -> str:
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}{n}"
    taken.add(candidate)
    return candidate


def _make_suppliers(rng: random.Random) -> list[tuple[str, str]]:
    """(company name, registration number) of the bidders."""
    numbers = rng.sample(range(2_000_000, 6_999_999), len(_SUPPLIER_STEMS))
    return [(f"{stem} ХХК", str(number)) for stem, number in zip(_SUPPLIER_STEMS, numbers)]


# --- invitations ------------------------------------------------------------------------------

def _make_invitations(rng: random.Random, agencies: list[Agency], count: int, anchor: date) -> list[Invitation]:
    """Openings from ~14 months before the anchor to 3 weeks after it, numbered in opening order."""
    weights = [rng.uniform(0.3, 3.0) for _ in agencies]
    buyers = (agencies + rng.choices(agencies, weights, k=max(0, count - len(agencies))))[:count]  # each buys once
    openings = sorted(((_opening(rng, anchor), agency) for agency in buyers), key=lambda pair: pair[0])
    ids, tender_ids = _Ids(rng, 1_780_000_000_000), _Ids(rng, 1_760_000_000_000)
    sequences: dict[tuple[int, int], int] = {}
    return [_invitation(rng, agency, open_at, anchor, ids.next(), tender_ids.next(), sequences)
            for open_at, agency in openings]


def _opening(rng: random.Random, anchor: date) -> datetime:
    day = anchor + timedelta(days=rng.randint(-425, 21))
    if day.weekday() >= 5:  # bids are opened on working days
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(*rng.choice(((9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (14, 0), (15, 0)))))


def _invitation(rng: random.Random, agency: Agency, open_at: datetime, anchor: date, invitation_id: int,
                tender_id: int, sequences: dict[tuple[int, int], int]) -> Invitation:
    year = min(max(open_at.year, anchor.year - 1), anchor.year)
    lead = rng.randint(max(14, (open_at.date() - anchor).days), 45)  # announced by the anchor at the latest
    publish_at = datetime.combine(open_at.date() - timedelta(days=lead), time())
    item, type_code = rng.choice(_ITEMS[agency.kind])
    budget = _budget(rng, agency.kind)
    rule_id, rule_name = _rule(rng, budget)
    fund_id, fund_name = (1003, "Өөрийн хөрөнгө") if agency.kind == "soe" else rng.choice(
        ((1012, "Урсгал төсөв"), (1001, "Улсын төсөв"), (1002, "Орон нутгийн төсөв"), (1005, "Тусламж")))
    tender_code = f"{agency.code}/{_tender_serial(rng, agency, year, sequences)}"
    return Invitation(
        agency=agency, invitation_id=invitation_id, id_is_text=rng.random() < 0.4,
        invitation_number=f"{tender_code}/{rng.choice((1, 1, 1, 2, 3, 4)):02d}/01", tender_code=tender_code,
        tender_id=tender_id, name=_tender_name(rng, item, year), year=year, total_budget=budget,
        year_budget=_year_budget(rng, budget, type_code), rule_id=rule_id, rule_name=rule_name, type_code=type_code,
        fund_id=fund_id, fund_name=fund_name, template_id=rng.choice((1410399383587, 1760322066998)),
        electronic=rng.random() < 0.3, package=rng.random() < 0.15, guarantee=_guarantee(rng, budget),
        publish_at=publish_at, receive_at=open_at - timedelta(minutes=rng.choice((0, 0, 10, 25, 30))),
        open_at=open_at, action_at=publish_at + timedelta(seconds=rng.randint(9 * 3600, 18 * 3600)),
    )


def _tender_serial(rng: random.Random, agency: Agency, year: int, sequences: dict[tuple[int, int], int]) -> str:
    """The middle of a tender code: year, plan group, sub-group, running number (4 digits past 999)."""
    key = (agency.client_id, year)
    if key in sequences:
        sequences[key] += rng.randint(1, 30)
    else:  # state-owned companies run into four digits, as ЭҮТӨҮГ/202601021179 does
        sequences[key] = rng.randint(700, 990) if agency.kind == "soe" else rng.randint(1, 40)
    return f"{year}{rng.choice((1, 1, 2, 9)):02d}{rng.randint(1, 3):02d}{sequences[key]:03d}"


def _tender_name(rng: random.Random, item: str, year: int) -> str:
    roll = rng.random()
    if roll < 0.15:
        return f"{item} II"
    if roll < 0.3:
        return f"{year} оны {item[0].lower()}{item[1:]}"
    return item


def _budget(rng: random.Random, kind: str) -> int:
    """Log-uniform in the kind's range, rounded as budgets are: to a million, a thousand, or not at all."""
    low, high = _BUDGET_RANGES[kind]
    amount = math.exp(rng.uniform(math.log(low), math.log(high)))
    return int(round(amount, rng.choice((-6, -6, -3, 0))))


def _year_budget(rng: random.Random, budget: int, type_code: str) -> int:
    if type_code == "JOB" and budget > 500_000_000 and rng.random() < 0.3:
        return int(round(budget * rng.uniform(0.3, 0.7), -3))  # a works contract spread over years
    return budget


def _rule(rng: random.Random, budget: int) -> tuple[int, str]:
    roll = rng.random()
    if budget >= 100_000_000:
        return OPEN_RULE if roll < 0.95 else KFW_RULE
    return COMPARISON_RULE if roll < 0.65 else OPEN_RULE if roll < 0.95 else DIRECT_RULE


def _guarantee(rng: random.Random, budget: int) -> tuple[float, int] | None:
    roll = rng.random()
    if roll < 0.75:
        return None
    if roll < 0.9:
        return (rng.choice((0.5, 1.0)), 0)  # a percentage of the bid
    return (round(budget * rng.uniform(0.009, 0.011), 2), 1)


# --- planted threshold cases ------------------------------------------------------------------

def _choose_pins(rng: random.Random, drafts: list[Invitation], anchor: date) -> dict[int, _Pin]:
    """Put the threshold's edge cases on old tenders of agencies that do publish results."""
    candidates = [i for i, d in enumerate(drafts)
                  if d.open_at.date() <= anchor - timedelta(days=60) and d.agency.habit in ("diligent", "typical")]
    chosen = rng.sample(candidates, min(len(candidates), len(_PINS)))
    return dict(zip(chosen, _PINS))


def _apply_pin(rng: random.Random, draft: Invitation, pin: _Pin) -> Invitation:
    budget = pin.amount + (rng.randint(1, 8) * 1_000_000 if pin.has_winner else 0)
    return replace(draft, total_budget=budget, year_budget=budget)


# --- results and contracts --------------------------------------------------------------------

def _make_outcomes(rng: random.Random, drafts: list[Invitation], suppliers: list[tuple[str, str]],
                   pins: dict[int, _Pin]) -> list[_Outcome]:
    detail_ids, document_ids = _Ids(rng, 1_782_000_000_000), _Ids(rng, 1_790_000_000_000)
    contract_numbers: dict[tuple[int, int], int] = {}
    outcomes = []
    for i, draft in enumerate(drafts):
        pin = pins.get(i)
        if pin is None and rng.random() < 0.05:
            outcomes.append(_Outcome(cancelled=True))
            continue
        delay = rng.randint(5, 25) if pin else draw_delay(rng, RESULT_HABITS[draft.agency.habit])
        if delay is None:
            outcomes.append(_Outcome(cancelled=False))
            continue
        notice = draft.open_at.date() + timedelta(days=delay)
        result = _make_result(rng, draft, suppliers, notice, detail_ids.next(), pin)
        contract = _make_contract(rng, draft, result, document_ids, contract_numbers)
        outcomes.append(_Outcome(False, result, contract))
    return outcomes


def _make_result(rng: random.Random, draft: Invitation, suppliers: list[tuple[str, str]], notice: date,
                 detail_id: int, pin: _Pin | None) -> Result:
    count = 1 if draft.rule_id == DIRECT_RULE[0] else rng.randint(1, 3 if draft.rule_id == COMPARISON_RULE[0] else 5)
    companies = rng.sample(suppliers, count)
    has_winner = pin.has_winner if pin else rng.random() > 0.07
    if has_winner:
        price = pin.amount if pin else _round_price(rng, draft.total_budget * rng.uniform(0.80, 0.995))
        bidders = [Bidder(*companies[0], price, SELECTED)] + [_loser(rng, c, price) for c in companies[1:]]
    else:
        bidders = [_loser(rng, c, draft.total_budget) for c in companies]
    budget_text = f"{draft.total_budget:,}.00 ₮" if rng.random() < 0.1 else f"{draft.total_budget:,} ₮"
    return Result(detail_id, notice, tuple(sorted(bidders, key=lambda b: b.price)), budget_text)


def _loser(rng: random.Random, company: tuple[str, str], reference: int) -> Bidder:
    """A bidder not selected: dearer than the reference, or rejected at any price."""
    if rng.random() < 0.3:
        return Bidder(*company, _round_price(rng, reference * rng.uniform(0.85, 1.2)), REJECTED)
    return Bidder(*company, _round_price(rng, reference * rng.uniform(1.01, 1.25)), NOT_SELECTED)


def _round_price(rng: random.Random, amount: float) -> int:
    return int(round(amount, rng.choice((-4, -3, -2))))


def _make_contract(rng: random.Random, draft: Invitation, result: Result, document_ids: _Ids,
                   numbers: dict[tuple[int, int], int]) -> Contract | None:
    """The winner's contract, signed after the notice and published after signing (if ever)."""
    lag = draw_delay(rng, CONTRACT_HABITS[draft.agency.habit])
    winner = next((b for b in result.bidders if b.status == SELECTED), None)
    if lag is None or winner is None:
        return None
    key = (draft.agency.client_id, draft.year)
    if key not in numbers:
        numbers[key] = rng.randint(0, 20)
    numbers[key] += 1
    published = result.notice_date + timedelta(days=lag)
    signed = result.notice_date + timedelta(days=rng.randint(1, lag - 1))
    return Contract(f"{draft.agency.code[:1]}ГЭ-{draft.year}/{numbers[key]:03d}", winner.name, winner.price,
                    signed, published, document_ids.next())


# --- the day one looks ------------------------------------------------------------------------

def _observe(draft: Invitation, outcome: _Outcome, as_of: date) -> Tender:
    """The invitation as the portal shows it on `as_of`: nothing published later is visible."""
    result = outcome.result if outcome.result and outcome.result.notice_date <= as_of else None
    contract = outcome.contract if result and outcome.contract and outcome.contract.published <= as_of else None
    values = {f.name: getattr(draft, f.name) for f in fields(Invitation)}
    return Tender(**values, status_code=_status(draft, outcome, result, as_of), result=result, contract=contract)


def _status(draft: Invitation, outcome: _Outcome, result: Result | None, as_of: date) -> str:
    if as_of < draft.open_at.date():
        return "RECEIVE_TENDER"
    if outcome.cancelled:
        return "CANCELLED_TENDER"
    if result is not None:
        return "RESULT_TENDER"
    return "OPEN_TENDER" if (as_of - draft.open_at.date()).days < 3 else "EVALUATE_TENDER"


# --- the portal's pages -----------------------------------------------------------------------

def tender_routes(world: TenderWorld, token: str | None = "demo-token") -> list[Route]:
    """Routes of 1a–1d; with `token=None` the API answers without asking for one."""
    return [
        Route("POST", r"/api/invitation/?", partial(_invitations, world, token), "tender.invitations"),
        Route("GET", r"/mn/result/?", partial(_results_page, world), "tender.results"),
        Route("GET", r"/mn/result/detail/(?P<id>\d+)", partial(_result_detail, world), "tender.result_detail"),
        Route("GET", r"/mn/contract/?", partial(_contracts_page, world), "tender.contracts"),
    ]


def _invitations(world: TenderWorld, token: str | None, request: Request) -> Response:
    """1a: errors come back as HTTP 200 with another return_code, as on the live API."""
    if token is not None and request.headers.get("Authorization") != f"Bearer {token}":
        return Response.json(UNAUTHORIZED)
    try:
        page = int(request.form.get("current_page") or 1)
        per_page = int(request.form.get("per_page") or 10)
        year = int(request.form["tenderYear"]) if request.form.get("tenderYear") else None
    except ValueError:
        return Response.json({"return_code": 400, "message": "Буруу параметр", "data": []})
    if page < 1 or not 1 <= per_page <= 100:
        return Response.json({"return_code": 400, "message": "per_page 1-100, current_page >= 1", "data": []})
    records = world.invitations(year)
    data = [t.record() for t in records[(page - 1) * per_page:page * per_page]]
    return Response.json({"return_code": 200, "message": "Амжилттай", "total": len(records),
                          "per_page": per_page, "current_page": page, "data": data})


def _listing_slice(world: TenderWorld, request: Request, listing: Callable[[int], list[Tender]]) -> list[Tender]:
    """`?year=&perpage=&page=` applied to a listing; unreadable values fall back as a website does."""
    year = _int_param(request, "year", world.as_of.year)
    per_page = min(max(_int_param(request, "perpage", 20), 1), 100)
    page = max(_int_param(request, "page", 1), 1)
    return listing(year)[(page - 1) * per_page:page * per_page]


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query.get(name, "")
    return int(value) if value.isdigit() else default


def _results_page(world: TenderWorld, request: Request) -> Response:
    rows = "\n".join(_result_row(t) for t in _listing_slice(world, request, world.results))
    return Response.html(_page("Тендер шалгаруулалтын үр дүн", _RESULTS_TABLE.format(rows=rows), world.as_of))


def _result_row(tender: Tender) -> str:
    result = tender.result
    assert result is not None
    return (f"    <tr><td>{_e(tender.invitation_number)}</td><td>{_e(tender.tender_code)}</td>\n"
            f"        <td><a href=\"/mn/result/detail/{result.detail_id}\">{_e(tender.name)}</a> "
            f"{result.notice_date:%d/%m/%Y}</td>\n"
            f"        <td>{_e(tender.agency.name)}</td><td>{result.budget_text}</td></tr>")


def _result_detail(world: TenderWorld, request: Request) -> Response:
    tender = world.by_result_id(int(request.params["id"]))
    if tender is None or tender.result is None:
        return Response.html(_page("Хуудас олдсонгүй", "<h1>Хуудас олдсонгүй</h1>", world.as_of), status=404)
    rows = "\n".join(
        f"    <tr><td><a href=\"/mn/supplier/{b.registration_number}\">{_e(b.name)}</a></td>"
        f"<td>{b.registration_number}</td><td>{b.price:,} ₮</td><td>{b.status}</td></tr>"
        for b in tender.result.bidders)
    body = _DETAIL.format(id=tender.result.detail_id, name=_e(tender.name), number=_e(tender.invitation_number),
                          agency=_e(tender.agency.name), rule=_e(tender.rule_name), rows=rows)
    return Response.html(_page("Үр дүнгийн дэлгэрэнгүй", body, world.as_of))


def _contracts_page(world: TenderWorld, request: Request) -> Response:
    rows = "\n".join(_contract_row(t) for t in _listing_slice(world, request, world.contracts))
    return Response.html(_page("Гэрээ", _CONTRACTS_TABLE.format(rows=rows), world.as_of))


def _contract_row(tender: Tender) -> str:
    contract = tender.contract
    assert contract is not None
    return (f"  <tr><td>{_e(tender.invitation_number)}</td><td>{_e(contract.number)}</td>"
            f"<td>{_e(contract.supplier)}</td>\n"
            f"      <td>{contract.amount:,} ₮</td><td>{contract.signed:%Y-%m-%d}</td>"
            f"<td>{contract.published:%Y-%m-%d}</td>\n"
            f"      <td><a href=\"/mn/download/{contract.document_id}\">гэрээ.pdf</a></td></tr>")


def _page(title: str, main: str, as_of: date) -> str:
    return _PAGE.format(title=title, main=main, year=as_of.year)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


_PAGE = """<!DOCTYPE html>
<html lang="mn"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<header class="site-header"><a href="/">Нүүр</a> <nav><a href="/mn/">Мэдээ</a></nav></header>
<main>
{main}
</main>
<footer>© {year}</footer>
</body></html>
"""
_RESULTS_TABLE = """<div id="tender-result-table"><table>
  <thead><tr><th>ТШ-ын урилгын дугаар</th><th>ТШ-ын код</th><th>Тендер шалгаруулалтын нэр</th>
             <th>Захиалагчийн нэр</th><th>Төсөвт өртөг</th></tr></thead>
  <tbody>
{rows}
  </tbody></table></div>"""
_DETAIL = """<div class="result-detail" data-id="{id}">
  <h2 class="tender-title">{name}</h2>
  <div class="row"><label>ТШ-ын урилгын дугаар:</label> <span>{number}</span></div>
  <div class="row"><label>Захиалагчийн нэр:</label> <span>{agency}</span></div>
  <div class="row"><label>Тендер шалгаруулалтын төрөл:</label> <span>{rule}</span></div>
  <table id="bidder_tableId" class="table">
    <thead><tr><th>Оролцогч</th><th>Регистрийн дугаар</th><th>САНАЛ БОЛГОСОН ҮНЭ</th><th>Төлөв</th></tr></thead>
    <tbody>
{rows}
    </tbody>
  </table>
</div>"""
_CONTRACTS_TABLE = """<div id="contract-table"><table><tbody>
{rows}
</tbody></table></div>"""
