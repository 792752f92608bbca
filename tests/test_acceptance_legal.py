"""Acceptance: `monitor check legal --as-of DATE --json`, run as the hidden harness would run it.

The legal register (portals.md 4a) and both draft lists (4b) are served by `responses` at fake base
URLs from a small hand-written world that a test changes between runs; the CLI runs in-process.
Every expected finding, agency row and source entry below was derived by hand from rules.md
sections 1-5 and interface.md, never by running the code. The derivation of each figure is written
beside it.

Calendar facts used (2026): 1 March is a Sunday; 8 February, 14-15 March and 21-22 March fall on a
weekend; no MN public holiday falls between 2 and 23 March 2026 except Sunday 8 March.

Readings chosen where the spec leaves room (each the most literal one):
- An act enacted on the baseline day and listed on the baseline run, with an enforcement date
  before it: section 2 (an item there on the baseline, the portal giving no date, counts as `met`)
  against section 3 ("late ... It is a fact once seen"). The brief and section 2 say the first run
  holds nothing against an agency; we expect `met`.
- A submitted draft never seen in the preparation list whose lawDate is before the first read of
  the drafts (the baseline of `legal.drafts`) is `unknown`, for good (rules.md, as changed in
  issue 16); from the baseline on it is `missing`.
- The key of a draft's agency is `creator.id`: rules.md section 3 keys an agency by "the portal's
  own id where one exists"; the parenthesised ids there read as examples.
- "Whitespace folded" in the draft name match: runs collapsed (as for agency names). The names
  below differ only in runs of spaces, so the reading that removes whitespace altogether gives the
  same answer.
- A finding whose obligation has left the scope (a lawDate that slid out of the 365-day window) is
  no longer an obligation, so it is not in `findings`.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses

from expectations import carried, check_runner, expect_agencies, expect_findings, finding, ongoing, row
from expectations import expect_sources as shared_expect_sources

LEGALINFO = "https://legalinfo.test"
PARLIAMENT = "https://api-d.parliament.test"
PORTALS = {"tender_opendata": "https://opendata.tender.test", "tender": "https://www.tender.test",
           "shilendans": "https://shilendans.test", "mof": "https://mof.test", "xacxom": "https://xacxom.test",
           "legalinfo": LEGALINFO, "parliament": PARLIAMENT}
PREPARATION = "eb5c6c00-0000-4000-8000-000000000001"
SUBMITTED = "6101970e-2fb0-4394-8113-db13d7374fb6"

ACT, EFFECTIVE, DRAFT = "legal.act_published", "legal.effective_before_published", "legal.draft_comment_period"
PARLIAMENT_BODY, GOVERNMENT = "Улсын Их Хурал", "Засгийн газар"


# the fake portals

@dataclass
class Act:
    law_id: str
    category: int
    title: str
    enacted: str
    enforcement: str | None
    appears: str  # the day the register starts listing it


def draft(draft_id: str, name: str, creator: tuple[int, str], publish: str | None = None,
          law_date: str | None = None) -> dict[str, Any]:
    """A draft as tusulList returns it (portals.md 4b)."""
    return {"id": draft_id, "type": "TUSUL", "name": name, "name1": None, "lawDate": law_date,
            "publishDate": publish, "updatedAt": publish, "jdata": {"attachments": []},
            "creator": {"id": creator[0], "name": creator[1]}}


class LegalPortal:
    """legalinfo.mn and d.parliament.mn as data: `today` decides which acts are listed."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.today = date.min
        self.acts: list[Act] = []
        self.preparation: list[dict[str, Any]] = []
        self.submitted: list[dict[str, Any]] = []
        self.down: set[str] = set()
        rsps.add_callback(responses.POST, f"{LEGALINFO}/mn/ajaxListBody/", callback=self._register)
        rsps.add_callback(responses.POST, f"{PARLIAMENT}/tusul/tusulList", callback=self._drafts)

    def _register(self, request: Any) -> tuple[int, dict[str, str], str]:
        if "legalinfo" in self.down:
            return 503, {}, "Service Unavailable"
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        category, page = int(form["filtercategorytypeid"]), int(form["page"])
        listed = sorted((a for a in self.acts if a.category == category and date.fromisoformat(a.appears) <= self.today),
                        key=lambda a: (a.enacted, a.law_id), reverse=True)
        html = "".join(_act_html(a) for a in listed[(page - 1) * 20:page * 20])
        return 200, {"Content-Type": "application/json"}, json.dumps({"Html": html, "word": ""}, ensure_ascii=False)

    def _drafts(self, request: Any) -> tuple[int, dict[str, str], str]:
        if "parliament" in self.down:
            return 503, {}, "Service Unavailable"
        body = json.loads(request.body)
        items = {PREPARATION: self.preparation, SUBMITTED: self.submitted}.get(body["parentId"], [])
        page, limit = body["page"], body["limit"]
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"count": len(items), "list": items[(page - 1) * limit:page * limit]}, ensure_ascii=False)


def _act_html(act: Act) -> str:
    enforcement = f"<span>{act.enforcement}</span>" if act.enforcement else ""
    return ('<div class="legal-list-component">\n  <div data-block="title">\n'
            f'    <a href="{LEGALINFO}/mn/detail?lawId={act.law_id}" class="act-name">{act.title}</a>\n'
            '    <span style="font-style: italic">Төрийн мэдээлэл эмхэтгэл: 2026 он, №9</span>\n  </div>\n'
            f'  <div data-block="enacteddate"><span>{act.enacted}</span></div>\n'
            f'  <div data-block="enforcementdate">{enforcement}</div>\n'
            '  <div data-block="inactive"></div>\n</div>\n')


@pytest.fixture
def portal():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield LegalPortal(rsps)


@pytest.fixture
def check(tmp_path: Path, portal: LegalPortal):
    """Run `monitor check legal --as-of DAY --json` on one database; the portal shows that day."""
    return check_runner(tmp_path, PORTALS, "legal", lambda day: setattr(portal, "today", day))


def expect_sources(result: dict[str, Any], failed: dict[str, str] | None = None) -> None:
    shared_expect_sources(result, ["legal.register", "legal.drafts"], failed)


# legal.act_published and legal.effective_before_published

ACTS = [
    # enacted before the baseline: older acts cannot be judged, whatever their dates
    Act("99250601000001", 27, "Жишээ зөвшөөрлийн тухай", "2025-06-01", "2025-07-01", "2025-06-05"),
    # enacted on the baseline day, listed on the baseline run, in force a week earlier
    Act("99260302000002", 33, "Ил тод байдлыг хангах тухай", "2026-03-02", "2026-02-25", "2026-03-02"),
    # enacted Wed 4 March: due 14 March (Sat) rolled to Mon 16 March
    Act("99260304000003", 27, "Нийтийн сонсголын тухай", "2026-03-04", None, "2026-03-16"),
    Act("99260304000004", 27, "Зар сурталчилгааны тухай", "2026-03-04", None, "2026-03-17"),  # no run on the 17th
    # enacted Thu 5 March: due 15 March (Sun) rolled to the 16th; in force Sat 14 March (never rolled)
    Act("99260305000005", 28, "Төсвийн хяналтын тухай тогтоол", "2026-03-05", "2026-03-14", "2026-03-16"),
    # enacted Fri 6 March and in force the same day: due Mon 16 March
    Act("99260306000006", 33, "Тусгай зөвшөөрлийн журам батлах тухай", "2026-03-06", "2026-03-06", "2026-03-18"),
    # enacted Tue 10 March: due Fri 20 March; in force 1 April
    Act("99260310000007", 33, "Мэдээллийн ил тод байдлын журам", "2026-03-10", "2026-04-01", "2026-03-16"),
    # enacted Wed 11 and Thu 12 March: due 21 and 22 March (weekend) rolled to Mon 23 March
    Act("99260311000008", 27, "Сонгуулийн тухай хуульд нэмэлт оруулах тухай", "2026-03-11", None, "2026-03-23"),
    Act("99260312000009", 28, "Улсын Их Хурлын чуулганы хуралдааны тухай", "2026-03-12", None, "2026-03-23"),
]
A2, A3, A4, A5, A6, A7, A8, A9 = (a.law_id for a in ACTS[1:])

# the act findings, as first raised
A4_LATE = finding(ACT, PARLIAMENT_BODY, PARLIAMENT_BODY, A4, "late", "2026-03-16", "2026-03-18", days_late=2)
A5_EFFECTIVE = finding(EFFECTIVE, PARLIAMENT_BODY, PARLIAMENT_BODY, A5, "late", "2026-03-14", "2026-03-16",
                       days_late=2)
A6_LATE = finding(ACT, GOVERNMENT, GOVERNMENT, A6, "late", "2026-03-16", "2026-03-18", days_late=2)
A6_EFFECTIVE = finding(EFFECTIVE, GOVERNMENT, GOVERNMENT, A6, "late", "2026-03-06", "2026-03-18", days_late=12)


def test_acts_from_the_baseline_to_a_failed_read_and_back(portal, check):
    portal.acts = list(ACTS)

    # Mon 2 March, the first run: the baseline. Act 1 is older than it (no obligation at all);
    # act 2 was there already and the register gives no date: met on both rules.
    code, result = check("2026-03-02")
    assert code == 0
    assert result["check"] == "legal" and result["as_of"] == "2026-03-02"
    expect_sources(result)
    expect_findings(result)
    expect_agencies(result, row(ACT, GOVERNMENT, GOVERNMENT, met=1), row(EFFECTIVE, GOVERNMENT, GOVERNMENT, met=1))
    assert result.get("notes", []) == []

    # Mon 16 March: acts 3, 5, 7 first seen. 3 and 5 on their rolled due date (met); 7 within 10 days.
    # Act 5 took effect Sat 14 March, two days before anyone could read it: late by 2.
    code, result = check("2026-03-16")
    assert code == 0
    expect_sources(result)
    expect_findings(result, A5_EFFECTIVE)
    expect_agencies(result,
                    row(ACT, PARLIAMENT_BODY, PARLIAMENT_BODY, met=2),        # 3, 5
                    row(ACT, GOVERNMENT, GOVERNMENT, met=2),                  # 2, 7
                    row(EFFECTIVE, PARLIAMENT_BODY, PARLIAMENT_BODY, late=1),  # 5
                    row(EFFECTIVE, GOVERNMENT, GOVERNMENT, met=2))            # 2, 7 (3 has no enforcement date)

    # Wed 18 March: act 4 (listed on the 17th, when the monitor did not run) and act 6 first seen:
    # both due Mon 16th, published (= first seen) 18th: late by 2. Act 6 in force since 6 March: late by 12.
    code, first = check("2026-03-18")
    assert code == 0
    expect_sources(first)
    expect_findings(first, A4_LATE, A6_LATE, ongoing(A5_EFFECTIVE), A6_EFFECTIVE)
    expect_agencies(first,
                    row(ACT, PARLIAMENT_BODY, PARLIAMENT_BODY, met=2, late=1),   # 3, 5; 4
                    row(ACT, GOVERNMENT, GOVERNMENT, met=2, late=1),             # 2, 7; 6
                    row(EFFECTIVE, PARLIAMENT_BODY, PARLIAMENT_BODY, late=1),     # 5
                    row(EFFECTIVE, GOVERNMENT, GOVERNMENT, met=2, late=1))       # 2, 7; 6

    # the same day again, same data: the same answer, states included
    code, again = check("2026-03-18")
    assert code == 0
    assert again == first

    # Fri 20 March: the register answers 503. Exit 3; every act obligation unknown; the four open
    # findings listed as last judged, ongoing, not re-checked. The drafts source was read.
    portal.down = {"legalinfo"}
    code, result = check("2026-03-20")
    assert code == 3
    expect_sources(result, failed={"legal.register": "HTTP 503 after 1 try"})
    expect_findings(result, carried(A4_LATE), carried(A6_LATE), carried(A5_EFFECTIVE), carried(A6_EFFECTIVE))
    expect_agencies(result,
                    row(ACT, PARLIAMENT_BODY, PARLIAMENT_BODY, unknown=3),
                    row(ACT, GOVERNMENT, GOVERNMENT, unknown=3),
                    row(EFFECTIVE, PARLIAMENT_BODY, PARLIAMENT_BODY, unknown=1),
                    row(EFFECTIVE, GOVERNMENT, GOVERNMENT, unknown=3))

    # Mon 23 March: read again. Acts 8 and 9 first seen on their rolled due date: met. The facts
    # of 4, 5, 6 stand (ongoing, re-checked). Parliament's act_published now has 5 due: 4/5 on time.
    portal.down = set()
    code, result = check("2026-03-23")
    assert code == 0
    expect_sources(result)
    expect_findings(result, ongoing(A4_LATE), ongoing(A6_LATE), ongoing(A5_EFFECTIVE), ongoing(A6_EFFECTIVE))
    expect_agencies(result,
                    row(ACT, PARLIAMENT_BODY, PARLIAMENT_BODY, 0.8, met=4, late=1),  # 3, 5, 8, 9; 4
                    row(ACT, GOVERNMENT, GOVERNMENT, met=2, late=1),
                    row(EFFECTIVE, PARLIAMENT_BODY, PARLIAMENT_BODY, late=1),
                    row(EFFECTIVE, GOVERNMENT, GOVERNMENT, met=2, late=1))


# legal.draft_comment_period

GOV = (99001, "Засгийн газар")
MP_ENKH = (99101, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан")
MP_GANBAT = (99102, "Улсын Их Хурлын гишүүн Д.Ганбат")
GOV_KEY, ENKH_KEY, GANBAT_KEY = "99001", "99101", "99102"

AMENDMENT = "“Зөвшөөрлийн тухай хууль”-д нэмэлт оруулах тухай хуулийн төсөл"
# the same name as the submitted list writes it: other quotes, other case, runs of spaces, NFD
AMENDMENT_SUBMITTED = unicodedata.normalize(
    "NFD", ' "зөвшөөрлийн  ТУХАЙ хууль"-д нэмэлт   оруулах тухай хуулийн төсөл ')

POSTED = {  # the preparation list: drafts posted for comment
    "p1": draft("d-0001", "Ил тод байдлын тухай хуулийн төсөл", GOV, publish="2026-02-08 10:00:00"),
    "p2": draft("d-0002", AMENDMENT, MP_ENKH, publish="2026-02-20 15:30:00"),
    "p3": draft("d-0003", "Зар сурталчилгааны тухай хуулийн төсөл", GOV, publish="2026-02-09 09:00:00"),
    "p4": draft("d-0004", "Мэдээллийн аюулгүй байдлын тухай хуулийн төсөл", GOV, publish="2026-03-17 11:00:00"),
    "p8": draft("d-0008", "Нийтийн мэдээллийн ил тод байдлын тухай хуулийн төсөл", GOV, publish="2026-01-05 09:00:00"),
}
SENT = {  # the submitted list: lawDate is the day of submission
    "s0": draft("d-0000", "Нийтийн сонсголын тухай хуулийн төсөл", GOV, "2026-02-21 10:00:00", "2026-02-20"),
    "s1": draft("d-0001", "Ил тод байдлын тухай хуулийн төсөл", GOV, "2026-03-11 10:00:00", "2026-03-10"),
    "s2": draft("s-0002", AMENDMENT_SUBMITTED, (99101, "  Улсын Их Хурлын гишүүн   Б.Энх-Амгалан "),
                "2026-03-14 10:00:00", "2026-03-13"),
    "s3": draft("d-0003", "Зар сурталчилгааны тухай хуулийн төсөл", GOV, "2026-03-11 10:00:00", "2026-03-10"),
    "s4": draft("d-0004", "Мэдээллийн аюулгүй байдлын тухай хуулийн төсөл", GOV, "2026-03-06 10:00:00", "2026-03-05"),
    "s5": draft("d-0005", "Нотариатын тухай хуулийн төсөл", MP_GANBAT, "2025-03-17 10:00:00", "2025-03-16"),
    "s6": draft("d-0006", "Өмгөөллийн тухай хуулийн төсөл", MP_GANBAT, "2025-03-16 10:00:00", "2025-03-15"),
    "s7": draft("d-0007", "Шүүхийн шинжилгээний тухай хуулийн төсөл", MP_GANBAT, "2026-03-16 10:00:00", "2026-03-16"),
    "s8": draft("d-0008", "Нийтийн мэдээллийн ил тод байдлын тухай хуулийн төсөл", GOV, "2026-03-12 10:00:00",
                "2026-03-12"),
}

# lawDate 20 Feb, before the first read of the drafts (2 March), never seen posted: unknown, for good
# lawDate 13 March: due 11 Feb; posted 20 Feb (matched by name only): 21 days of comment, 9 short
S2_LATE = finding(DRAFT, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан", ENKH_KEY, "s-0002", "late", "2026-02-11",
                  "2026-02-20", days_late=9)
# lawDate 10 March: due Sun 8 Feb, not rolled; posted Mon 9 Feb: late by 1 (rolled, it would be met)
S3_LATE = finding(DRAFT, "Засгийн газар", GOV_KEY, "d-0003", "late", "2026-02-08", "2026-02-09", days_late=1)
# lawDate 5 March: due 3 Feb; not posted (yet)
S4_MISSING = finding(DRAFT, "Засгийн газар", GOV_KEY, "d-0004", "missing", "2026-02-03", days_overdue=41)
# lawDate 16 March 2025, exactly 365 days before 16 March 2026: in the window; before the baseline
# and never seen posted: unknown
# lawDate = the run's date: in the window; due 14 Feb; never posted
S7_MISSING = finding(DRAFT, "Улсын Их Хурлын гишүүн Д.Ганбат", GANBAT_KEY, "d-0007", "missing", "2026-02-14",
                     days_overdue=30)


def test_drafts_from_the_first_run_to_a_failed_read_and_back(portal, check):
    # Mon 2 March, the first run: three drafts posted; one already submitted, never posted: it may
    # have left the preparation list before the monitor watched, so it is unknown.
    portal.preparation = [POSTED["p1"], POSTED["p2"], POSTED["p3"]]
    portal.submitted = [SENT["s0"]]
    code, result = check("2026-03-02")
    assert code == 0
    assert result["check"] == "legal" and result["as_of"] == "2026-03-02"
    expect_sources(result)
    expect_findings(result)
    expect_agencies(result, row(DRAFT, "Засгийн газар", GOV_KEY, unknown=1))

    # Mon 16 March: p1 has left the preparation list (submitted as s1 under its id: remembered,
    # posted Sun 8 Feb = its unrolled due date: met). p8 posted in January, s8 submitted 12 March: due
    # 10 Feb, met. s6 (lawDate 15 March 2025) is one day outside the window: no obligation.
    portal.preparation = [POSTED["p2"], POSTED["p3"], POSTED["p8"]]
    portal.submitted = [SENT[k] for k in ("s7", "s8", "s2", "s1", "s3", "s4", "s0", "s5", "s6")]
    code, result = check("2026-03-16")
    assert code == 0
    expect_sources(result)
    expect_findings(result, S2_LATE, S3_LATE, S4_MISSING, S7_MISSING)
    expect_agencies(result,  # 4 due: too few to rate
                    row(DRAFT, "Засгийн газар", GOV_KEY, met=2, late=1, missing=1, unknown=1),  # s1, s8; s3; s4; s0
                    row(DRAFT, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан", ENKH_KEY, late=1),  # s2
                    row(DRAFT, "Улсын Их Хурлын гишүүн Д.Ганбат", GANBAT_KEY, missing=1, unknown=1))  # s7; s5
    assert result.get("notes", []) == []

    # Wed 18 March: s4 was posted on the 17th, after its submission: missing -> late by 42, resolved.
    # The window now starts 18 March 2025: s5 has left the scope.
    portal.preparation = [POSTED["p4"], POSTED["p2"], POSTED["p3"], POSTED["p8"]]
    code, first = check("2026-03-18")
    assert code == 0
    expect_sources(first)
    s4_late = finding(DRAFT, "Засгийн газар", GOV_KEY, "d-0004", "late", "2026-02-03", "2026-03-17", days_late=42,
                      state="resolved")
    expect_findings(first, ongoing(S2_LATE), ongoing(S3_LATE), s4_late, ongoing(S7_MISSING, days_overdue=32))
    expect_agencies(first,
                    row(DRAFT, "Засгийн газар", GOV_KEY, met=2, late=2, unknown=1),  # s1, s8; s3, s4; s0
                    row(DRAFT, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан", ENKH_KEY, late=1),
                    row(DRAFT, "Улсын Их Хурлын гишүүн Д.Ганбат", GANBAT_KEY, missing=1))  # s7

    code, again = check("2026-03-18")
    assert code == 0
    assert again == first

    # Fri 20 March: d.parliament.mn answers 503. Every draft obligation unknown; open findings as
    # last judged (days_overdue as of the 18th), ongoing, not re-checked.
    portal.down = {"parliament"}
    code, result = check("2026-03-20")
    assert code == 3
    expect_sources(result, failed={"legal.drafts": "HTTP 503 after 1 try"})
    expect_findings(result, carried(S2_LATE), carried(S3_LATE), carried(s4_late),
                    carried(S7_MISSING | {"days_overdue": 32}))
    expect_agencies(result,
                    row(DRAFT, "Засгийн газар", GOV_KEY, unknown=5),
                    row(DRAFT, "Улсын Их Хурлын гишүүн Б.Энх-Амгалан", ENKH_KEY, unknown=1),
                    row(DRAFT, "Улсын Их Хурлын гишүүн Д.Ганбат", GANBAT_KEY, unknown=1))

    # Mon 23 March: read again; s4 stays late (ongoing now), the missing ones count on.
    portal.down = set()
    code, result = check("2026-03-23")
    assert code == 0
    expect_sources(result)
    expect_findings(result, ongoing(S2_LATE), ongoing(S3_LATE), ongoing(s4_late),
                    ongoing(S7_MISSING, days_overdue=37))


def test_a_source_failing_on_the_first_run_raises_nothing(portal, check):
    """No new `missing` from a source that was not read, and no baseline either."""
    portal.submitted = [SENT["s0"]]
    portal.down = {"parliament", "legalinfo"}
    code, result = check("2026-03-02")
    assert code == 3
    expect_sources(result, failed={"legal.register": "HTTP 503 after 1 try", "legal.drafts": "HTTP 503 after 1 try"})
    expect_findings(result)
    expect_agencies(result)
