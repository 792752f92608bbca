"""Legal register and draft laws (commitment 3.3.3.6): acts published promptly, drafts open for comment.

Sources: the legalinfo.mn register (portals.md 4a) and both draft lists of d.parliament.mn (4b).
Rules: legal.act_published, legal.effective_before_published and legal.draft_comment_period
(docs/rules.md section 3). LegalCheck's docstring is the user-facing help: polling cadence and the
decisions taken where docs/rules.md is silent.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator, Mapping
from urllib.parse import quote

from monitor.check import (LISTED_TO_DOUBT_SILENCE, Check, CollectContext, Commitment, EvaluateContext,
                           ProbeContext, Record, Words, rows_found)
from monitor.errors import ConfigError
from monitor.listing import Listing, PageRequest
from monitor.obligations import Obligation

from .pages import draft_name_key, parse_drafts_page, parse_register_page

REGISTER, DRAFTS = "legal.register", "legal.drafts"
ACT, WALK = "legal.act", "legal.register_walk"
PREPARATION, SUBMITTED = "legal.draft_preparation", "legal.draft_submitted"
APP_ID = "56cc90a2-83a0-4e1f-994d-7fdebfdfbf68"
DRAFTS_PER_PAGE = 100
CATEGORY_AGENCIES = {27: "Улсын Их Хурал", 28: "Улсын Их Хурал", 33: "Засгийн газар", 34: "Яамд",
                     35: "Агентлагууд"}
UNKNOWN = "unknown"
UNREADABLE_ACT = {"enacteddate": "the act is not judged",
                  "enforcementdate": "legal.effective_before_published does not judge it"}


@dataclass(frozen=True)
class Walk:
    """What one run's walk of one category covered: every act enacted on or after `covers_from`
    (None: the walk reached the end of the register, so it covered every act)."""

    category: int
    on: date
    covers_from: date | None

    def covers(self, enacted: date) -> bool:
        return self.covers_from is None or enacted >= self.covers_from


class LegalCheck(Check):
    """New acts in the legalinfo.mn register, and draft laws open for comment before submission.

    Sources:
    - `legal.register`: the legalinfo.mn register (portals.md 4a, verified shape), walked per
      configured category with `POST {legalinfo}/mn/ajaxListBody/` (a GET ignores its parameters).
    - `legal.drafts`: both draft lists of d.parliament.mn (portals.md 4b, verified endpoint and
      fields; the meaning of `publishDate` and `lawDate` is assumed), `POST {parliament}/tusul/tusulList`.
    Rules: legal.act_published, legal.effective_before_published, legal.draft_comment_period
    (docs/rules.md section 3, "Legal register").

    How often each source is polled, and why:
    - `legal.drafts`: every page of both lists on every run (100 drafts a request). The lists are
      sorted by publishDate, not by the lawDate the rule is about, so no early stop is safe, and a
      draft may leave the preparation list once submitted, so it must be caught there while it is
      listed. Every draft ever seen in either list is kept.
    - `legal.register`, per category: the register is sorted by enacted date, newest first.
      A full walk (every page, to the empty one) is made when the category has never been walked
      to its end (so on the first run) and then whenever its last full walk is `full_walk_days`
      (default 7) or more days old: weekly. A walk that fails part-way counts for nothing, so the
      next run walks in full again. On the other runs the walk stops after the first page whose
      acts are all enacted before max(baseline, run date − `lookback_days`) (default 365), or goes
      to the end if the pages turn out not to be in enacted-date order.
      Why this is enough: acts enacted before the baseline are never judged, so for the first
      `lookback_days` days after the baseline every nightly walk sees every act the rules can
      judge on the day it appears. Later, an act that appears more than `lookback_days` after its
      enactment (a year, by default: acts are seldom listed that late, and those that are are the
      ones the rule is about) is found by the next full walk, at most `full_walk_days` − 1 days
      after it appeared. Its legal.act_published status is `late` whatever day it appeared (the
      look-back is far longer than `publish_due_days` plus any holiday) and its `days_late`
      counts, as the rule says, from the run that first saw it. Where the days the monitor did
      not look that deep leave the status itself open (the due or enforcement date falls after
      the last run that looked there and before the run that first saw the act), the obligation
      is `unknown`, never a finding. A nightly walk costs one request per 20 acts enacted within
      the look-back, per category; a full walk one per 20 active acts of the category.
      Each walk's reach is stored (record kind `legal.register_walk`) for this reasoning.

    Decisions where docs/rules.md is silent:
    - Baseline: the register's baseline (the first run that read `legal.register`, every
      category), or for a category added to `categories` later the first run that walked it to
      its end, whichever is later. Acts enacted before it are not judged; an act already listed
      on it counts as `met` (docs/rules.md section 2).
    - An act first seen after the run's date (a back-dated run) is outside that run. Both act
      rules depend on `legal.register`: on a run where it could not be read they are `unknown`,
      and their open findings are carried, not re-checked.
    - legal.effective_before_published: an act not yet in force when first seen is `met` (it was
      readable before it took effect); an act without an enforcement date has no obligation.
    - A date that is there but cannot be read is a data note, never taken for "no date": an act
      with an unreadable enacted date is not judged, one with an unreadable enforcement date is not
      judged by legal.effective_before_published (neither has a due date to judge against), and a
      posting with an unreadable publishDate makes its submission's obligation `unknown`.
    - Agency of a category docs/rules.md names no issuing body for (not 27, 28, 33, 34, 35): `unknown`,
      keyed `category-{n}`.
    - legal.draft_comment_period window: lawDate in [run date − `window_days`, run date], both
      ends included; a submitted draft without a readable `lawDate` is not judged (a data note).
    - Matching by name: NFC, case and every quote mark folded, whitespace ignored altogether
      (`“…хууль”-д` and `"…хууль" -д` are one name). A posting whose own id is in the submitted
      list belongs to that submission and is not matched by name to another (amendments to one law
      recur under one name). Where several postings still share the name, the earliest counts (the
      reading most favourable to the agency) and a data note names them. A posting the portal
      gives no publishDate for counts from the day the monitor first saw it (met if it was there
      on the baseline of `legal.drafts`), as docs/rules.md section 2 says.
    - Draft agency: `creator.name` normalised, keyed by `creator.id` (else the name); `unknown`
      when the draft names no creator. Drafts carry no evidence link: the API has no page per draft.
    - A draft never seen in the preparation list is `missing`, except when its `lawDate` is before
      the baseline of `legal.drafts` (the first run that read them): it may have left the
      preparation list before the monitor watched, so it is `unknown`, for good.

    Config keys beyond interface.md: `lookback_days` (365) and `full_walk_days` (7), above.
    """

    name = "legal"
    portals = {"legalinfo": "https://legalinfo.mn", "parliament": "https://api-d.parliament.mn"}
    sources = (REGISTER, DRAFTS)
    rules = ("legal.act_published", "legal.effective_before_published", "legal.draft_comment_period")
    commitment = Commitment("3.3.3.6", "not legible in the report", Words(
        "Хуулийн төсөл, эрх зүйн актыг олон нийтэд цаг тухайд нь хүргэх",
        "Deliver draft laws and acts to the public in due time"))
    labels = {
        "legal.act_published": Words("Эрх зүйн акт бүртгэлд орох", "Act entered in the register"),
        "legal.effective_before_published": Words("Нийтлэгдэхээс өмнө хүчин төгөлдөр болсон",
                                                  "Act in force before it was published"),
        "legal.draft_comment_period": Words("Хуулийн төслийн санал авах хугацаа", "Draft law comment period"),
        "legal.register": Words("Эрх зүйн актын бүртгэл", "Register of legal acts"),
        "legal.drafts": Words("УИХ-ын хуулийн төслийн жагсаалт", "Parliament's lists of draft laws"),
    }
    basis = {
        "legal.act_published": Words("ЗТНТ 3.3.3.6; legalinfo.mn", "OGP 3.3.3.6; legalinfo.mn"),
        "legal.effective_before_published": Words("ЗТНТ 3.3.3.6; legalinfo.mn", "OGP 3.3.3.6; legalinfo.mn"),
        "legal.draft_comment_period": Words("ЗТНТ 3.3.3.6; d.parliament.mn", "OGP 3.3.3.6; d.parliament.mn"),
    }
    defaults = {"categories": [27, 28, 33], "publish_due_days": 10, "comment_days": 30, "window_days": 365,
                "preparation_list": "eb5c6c00-0000-4000-8000-000000000001",
                "submitted_list": "6101970e-2fb0-4394-8113-db13d7374fb6",
                "lookback_days": 365, "full_walk_days": 7}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> None:
        for category in config["categories"]:
            if not isinstance(category, int) or isinstance(category, bool) or category < 1:
                raise ConfigError(f"checks.legal.categories: {category!r} is not a category id")
        for key in ("preparation_list", "submitted_list"):
            if not config[key].strip():
                raise ConfigError(f"checks.legal.{key}: must name a list id")
        if config["preparation_list"].strip() == config["submitted_list"].strip():
            raise ConfigError("checks.legal.submitted_list: must differ from preparation_list")

    def collect(self, source: str, ctx: CollectContext) -> None:
        {REGISTER: self._collect_register, DRAFTS: self._collect_drafts}[source](ctx)

    def probe(self, source: str, ctx: ProbeContext) -> str:
        """Page 1 of the first configured category; page 1 of both draft lists."""
        if source == REGISTER:
            category = ctx.config["categories"][0]
            return rows_found(ctx.first_page(_register_listing(ctx, category)), f"acts of category {category}",
                              "enacted")
        found = []
        for name, key in (("preparation", "preparation_list"), ("submitted", "submitted_list")):
            count, drafts = ctx.first_page(_drafts_listing(ctx, ctx.config[key].strip()))
            found.append(f"{name}: " + rows_found(drafts, f"drafts ({count} in all)", "publish_date"))
        return "; ".join(found)

    # collecting: the register

    def _collect_register(self, ctx: CollectContext) -> None:
        walks = _walks_by_category(ctx.records(WALK))
        listed = ctx.listed_on_last_read(ACT, "category")
        for category in ctx.config["categories"]:
            cutoff = _nightly_cutoff(ctx, walks.get(category, []))
            complete = self._walk_category(ctx, category, cutoff, listed.get(category, 0))
            _save_walk(ctx, Walk(category, ctx.as_of, None if complete else cutoff))

    def _walk_category(self, ctx: CollectContext, category: int, cutoff: date | None, listed_before: int) -> bool:
        """Page one category newest first, storing every act; True when the walk reached the end.

        With a cut-off, stop after a page whose acts are all enacted before it, unless the
        register was seen out of order on this walk (then an early stop could miss acts).
        """
        listing = _register_listing(ctx, category, _doubted(listed_before))
        last: date | None = None  # the enacted date of the last dated act read
        in_order = True
        for page, acts in ctx.pages(listing):
            for act in acts:
                for block, text in act["unreadable"].items():
                    ctx.notes.add(REGISTER, f"act {act['law_id']} (category {category}): unreadable {block} "
                                            f"{text!r}; {UNREADABLE_ACT[block]}")
            ctx.save(ACT, ((act["law_id"], {**act, "category": category}) for act in acts))
            enacted = [date.fromisoformat(act["enacted"]) for act in acts if act["enacted"]]
            if in_order and not _newest_first([last, *enacted] if last else enacted):
                in_order = False
                ctx.notes.add(REGISTER, f"category {category} is not sorted by enacted date "
                                        f"(page {page}): walked to the end")
            last = enacted[-1] if enacted else last
            if cutoff and in_order and len(enacted) == len(acts) and max(enacted) < cutoff:
                return False
        return True

    # collecting: the drafts

    def _collect_drafts(self, ctx: CollectContext) -> None:
        for kind, key in ((PREPARATION, "preparation_list"), (SUBMITTED, "submitted_list")):
            listed_before = ctx.listed_on_last_read(kind).get(None, 0)
            drafts = self._read_list(ctx, ctx.config[key].strip(), listed_before)
            for draft in drafts.values():
                for field, text in draft["unreadable"].items():
                    ctx.notes.add(DRAFTS, f"draft {draft['id']}: unreadable {field} {text!r}")
                if kind == SUBMITTED and not draft["law_date"]:
                    ctx.notes.add(DRAFTS, f"submitted draft {draft['id']} has no readable lawDate; not judged")
            ctx.save(kind, drafts.items())

    def _read_list(self, ctx: CollectContext, list_id: str, listed_before: int) -> dict[str, dict[str, Any]]:
        """Every draft of one list, paging until `count` drafts were offered."""
        listing = _drafts_listing(ctx, list_id, _doubted(listed_before))
        seen: dict[str, dict[str, Any]] = {}
        count = 0
        for page, (count, drafts) in ctx.pages(listing):
            seen.update((draft["id"], draft) for draft in drafts)
            if page * DRAFTS_PER_PAGE >= count:
                break
        if len(seen) < count:
            ctx.notes.add(DRAFTS, f"list {list_id} counts {count} drafts but listed {len(seen)}")
        return seen

    # judging

    def evaluate(self, ctx: EvaluateContext) -> list[Obligation]:
        return [*self._acts_due(ctx), *self._drafts_due(ctx)]

    def _acts_due(self, ctx: EvaluateContext) -> Iterator[Obligation]:
        walks = _walks_by_category(ctx.records(WALK))
        register_baseline = ctx.baseline(REGISTER)
        categories = set(ctx.config["categories"])
        legalinfo = ctx.portals["legalinfo"]
        for act in ctx.iter_records(ACT, ("category", "enacted", "enforcement")):  # 14,000 acts at national size
            law_id, category = act.key, act.data["category"]
            if category not in categories or not act.data["enacted"] or act.first_seen > ctx.as_of:
                continue
            category_walks = walks.get(category, [])
            baseline = _category_baseline(register_baseline, category_walks)
            enacted = date.fromisoformat(act.data["enacted"])
            if baseline is None or enacted < baseline:
                continue
            absent_on = _last_walk_without(category_walks, act.first_seen, enacted)
            agency, agency_key = _category_agency(category)
            common = dict(depends_on=(REGISTER,), agency=agency, agency_key=agency_key, subject=law_id,
                          published=act.first_seen, baseline=act.first_seen <= baseline,
                          evidence_url=ctx.evidence("legalinfo", f"/mn/detail?lawId={quote(law_id, safe='')}",
                                                    legalinfo, source=REGISTER))
            due = ctx.calendar.days_after(enacted, ctx.config["publish_due_days"])
            yield ctx.judge(rule="legal.act_published", due=due,
                            known=_certain(absent_on, due, act.first_seen), **common)
            if act.data["enforcement"]:
                enforcement = date.fromisoformat(act.data["enforcement"])
                yield ctx.judge(rule="legal.effective_before_published", due=enforcement,
                                known=_certain(absent_on, enforcement, act.first_seen), **common)

    def _drafts_due(self, ctx: EvaluateContext) -> Iterator[Obligation]:
        preparation = _seen_by(ctx.records(PREPARATION), ctx.as_of)
        submissions = _seen_by(ctx.records(SUBMITTED), ctx.as_of)
        by_name: dict[str, list[Record]] = defaultdict(list)
        for record in preparation.values():
            if record.key not in submissions:  # a posting submitted under its own id is that submission's
                by_name[draft_name_key(record.data["name"])].append(record)
        start = ctx.as_of - timedelta(days=ctx.config["window_days"])
        watched_from = ctx.baseline(DRAFTS)
        for draft_id, submitted in submissions.items():
            data = submitted.data
            if not data["law_date"] or not start <= (law_date := date.fromisoformat(data["law_date"])) <= ctx.as_of:
                continue
            posted = preparation.get(draft_id) or _earliest_posting(ctx, data, by_name[draft_name_key(data["name"])])
            published, baseline = ctx.published(posted, posted and posted.data["publish_date"], DRAFTS)
            unreadable = posted is not None and "publishDate" in posted.data["unreadable"]
            unwatched = posted is None and watched_from is not None and law_date < watched_from
            agency = data["creator_name"] or UNKNOWN
            yield ctx.judge(
                depends_on=(DRAFTS,), known=not (unreadable or unwatched), rule="legal.draft_comment_period",
                agency=agency, agency_key=data["creator_id"] or agency, subject=draft_id,
                due=law_date - timedelta(days=ctx.config["comment_days"]),
                published=published, baseline=baseline)


# the register's walks

def _doubted(listed_before: int) -> int:
    """Lists that showed a few rows may really empty (acts are repealed, drafts move on): only one
    that showed LISTED_TO_DOUBT_SILENCE rows or more has its empty first page refused."""
    return listed_before if listed_before >= LISTED_TO_DOUBT_SILENCE else 0


def _walks_by_category(records: Mapping[str, Record]) -> dict[int, list[Walk]]:
    """Every stored walk per category, oldest first."""
    walks: dict[int, list[Walk]] = defaultdict(list)
    for record in records.values():
        covers_from = record.data["covers_from"]
        walks[record.data["category"]].append(Walk(record.data["category"], date.fromisoformat(record.data["on"]),
                                                   date.fromisoformat(covers_from) if covers_from else None))
    return {category: sorted(found, key=lambda w: w.on) for category, found in walks.items()}


def _save_walk(ctx: CollectContext, walk: Walk) -> None:
    """Store a walk; a second run on the same day keeps the wider coverage of the two."""
    key = f"{walk.category}/{walk.on.isoformat()}"
    earlier = ctx.records(WALK).get(key)
    covers_from = walk.covers_from
    if earlier is not None and covers_from is not None:
        before = earlier.data["covers_from"]
        covers_from = None if before is None else min(covers_from, date.fromisoformat(before))
    ctx.save(WALK, [(key, {"category": walk.category, "on": walk.on.isoformat(),
                           "covers_from": covers_from.isoformat() if covers_from else None})])


def _nightly_cutoff(ctx: CollectContext, walks: list[Walk]) -> date | None:
    """Where tonight's walk of a category may stop; None when a full walk is due.

    A full walk is due when the category was never walked to its end, or not for
    `full_walk_days` days. Otherwise stop at max(the category's first walk, as_of − lookback):
    the first walk is on or before the baseline, so no act the rules can judge is cut off.
    """
    full = [walk.on for walk in walks if walk.covers_from is None]
    if ctx.full_walk_due(max(full, default=None)):
        return None
    return max(full[0], ctx.as_of - timedelta(days=ctx.config["lookback_days"]))


def _newest_first(dates: list[date]) -> bool:
    return all(later <= earlier for earlier, later in zip(dates, dates[1:]))


def _category_baseline(register_baseline: date | None, walks: list[Walk]) -> date | None:
    """The later of the register's baseline and the category's first (full) walk."""
    if register_baseline is None or not walks:
        return None
    return max(register_baseline, walks[0].on)


def _last_walk_without(walks: list[Walk], first_seen: date, enacted: date) -> date | None:
    """When the act was first seen on a walk that did not follow a walk covering it (it lay beyond
    the nightly look-back), the last earlier walk that covered it: the act appeared after that
    day, on a day the monitor did not look. None when the run before first sight looked there."""
    before = [walk for walk in walks if walk.on < first_seen]
    if not before or before[-1].covers(enacted):
        return None
    covering = [walk.on for walk in before if walk.covers(enacted)]
    return covering[-1] if covering else date.min


def _certain(absent_on: date | None, due: date, first_seen: date) -> bool:
    """Whether 'first seen on or before `due`' is also true of the day the act appeared.

    It appeared after `absent_on` and on or before `first_seen`: uncertain only when the due
    date falls in between.
    """
    return absent_on is None or not absent_on < due < first_seen


def _category_agency(category: int) -> tuple[str, str]:
    """The issuing body of a category (docs/rules.md), and its key; `unknown` for other categories."""
    name = CATEGORY_AGENCIES.get(category)
    return (name, name) if name else (UNKNOWN, f"category-{category}")


# the drafts

def _seen_by(records: Mapping[str, Record], as_of: date) -> dict[str, Record]:
    """The drafts the monitor had seen by the run's date (a back-dated run ignores later sightings)."""
    return {key: record for key, record in records.items() if record.first_seen <= as_of}


def _earliest_posting(ctx: EvaluateContext, submitted: Mapping[str, Any], candidates: list[Record]) -> Record | None:
    """The preparation draft of the same name; of several, the earliest posting (favouring the agency)."""
    if len(candidates) > 1:
        ids = ", ".join(sorted(record.key for record in candidates))
        ctx.notes.add(DRAFTS, f"submitted draft {submitted['id']} matches several preparation drafts by name "
                              f"({ids}): the earliest posting counts")
    dated = sorted(candidates, key=lambda r: (r.data["publish_date"] or r.first_seen.isoformat(), r.key))
    return dated[0] if dated else None


def _register_listing(ctx: CollectContext | ProbeContext, category: int, listed_before: int = 0) -> Listing[Any]:
    """One category of the legalinfo.mn register, newest enacted first (a POST: a GET ignores its parameters)."""
    url = f"{ctx.portals['legalinfo']}/mn/ajaxListBody/"
    return Listing(
        f"category {category} of the register",
        lambda page: PageRequest("POST", url, {"data": {"filtercategorytypeid": category, "isactive": 1,
                                                        "page": page, "sort": "enacteddate", "sortType": "desc"}}),
        lambda page: parse_register_page(page.json()), listed_before=listed_before)


def _drafts_listing(ctx: CollectContext | ProbeContext, list_id: str, listed_before: int = 0) -> Listing[Any]:
    """One of parliament's draft lists, 100 drafts a page."""
    url = f"{ctx.portals['parliament']}/tusul/tusulList"
    return Listing(
        f"tusulList {list_id}",
        lambda page: PageRequest("POST", url, {"json": {"appId": APP_ID, "parentId": list_id, "page": page,
                                                        "limit": DRAFTS_PER_PAGE, "orderBy": "publishDate",
                                                        "orderDir": "DESC"}}),
        lambda page: parse_drafts_page(page.json()), rows=lambda answer: answer[1], listed_before=listed_before)


CHECKS = [LegalCheck]
