"""The life of a finding (docs/rules.md section 4): new, ongoing, resolved, carried when unread,
and closed as `left_scope` when its obligation leaves the rule's scope (it resumes if it returns).

A finding's identity is (rule, agency key, subject). Its state is judged against the last
run of the check on an earlier day, so a re-run on the same day gives the same answer: the
row keeps `previous_status` (as judged on that earlier day) next to today's `status`.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator

from .obligations import FINDING_STATUSES, Obligation

Identity = tuple[str, str, str]
LEFT_SCOPE = "left_scope"  # a closed finding whose obligation left the rule's scope: never closed silently
FINDING_STATES = ("new", "ongoing", "resolved")  # the states of an open finding (see _state)


def rows_to_judge(stored: Iterable[dict[str, Any]], as_of: date) -> Iterator[dict[str, Any]]:
    """The stored rows a run hands to update_findings: the open ones, those judged on the run's
    own day (a same-day re-run repeats the first), and those that left the scope (they may return).
    One at a time: update_findings keeps its own copy of each (a national night has 8,000 a check)."""
    day = as_of.isoformat()
    return (row for row in stored if row["is_open"] or row["judged_on"] == day or row["state"] == LEFT_SCOPE)


def update_findings(check_name: str, as_of: date, obligations: Iterable[Obligation],
                    stored: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The finding rows to store after judging `obligations`; rows with is_open=1 are this run's findings."""
    day = as_of.isoformat()
    by_identity = {ob.identity: ob for ob in obligations}
    rows = {(r["rule"], r["agency_key"], r["subject"]): dict(r) for r in stored}
    updated = []
    for identity in set(by_identity) | set(rows):
        ob, row = by_identity.get(identity), rows.get(identity)
        if row is None and (ob is None or ob.status not in FINDING_STATUSES):
            continue
        if row is not None and ob is None and not row.get("is_open") and (row.get("judged_on") or "") < day:
            continue  # closed on an earlier day and still out of scope: left as it was
        row = row or {"rule": identity[0], "agency_key": identity[1], "subject": identity[2],
                      "check_name": check_name, "first_raised_on": day}
        if (row.get("judged_on") or "") < day:
            # a finding that left the scope resumes, if its obligation returns, as it was
            carried = row.get("is_open") or row.get("state") == LEFT_SCOPE
            row["previous_status"] = row["status"] if carried else None
            row["previous_judged_on"] = row.get("judged_on")
        previous = row.get("previous_status")
        if ob is not None and ob.status in FINDING_STATUSES:
            row.update(_from_obligation(ob), state=_state(previous, ob.status), rechecked=1, is_open=1)
            if row["state"] == "resolved":
                row["resolved_on"] = day
        elif ob is not None and ob.status == "unknown" and row.get("is_open"):
            row.update(state="ongoing", rechecked=0)  # kept exactly as last judged
        elif ob is None:  # its obligation is no longer in the rule's scope: closed, and said so
            row.update(is_open=0, state=LEFT_SCOPE, rechecked=1)
        else:
            row.update(is_open=0, state=None, rechecked=1)
        row["judged_on"] = day
        updated.append(row)
    return sorted(updated, key=lambda r: (r["rule"], r["agency_key"], r["subject"]))


def new_since(finding: dict[str, Any], since: date | None) -> bool:
    """New to a reader whose previous digest was on `since` (None: new on this run)."""
    if since is None:
        return finding["state"] == "new"
    return finding["first_raised_on"] > since.isoformat()


def caught_up_since(finding: dict[str, Any], since: date | None) -> bool:
    """Caught up (a missing item since published) after a reader's previous digest on `since`."""
    if since is None:
        return finding["state"] == "resolved"
    return bool(finding.get("resolved_on")) and finding["resolved_on"] > since.isoformat()


def left_scope_since(finding: dict[str, Any], since: date | None, as_of: date) -> bool:
    """Left the scope after a reader's previous digest on `since` (None: on this run)."""
    if finding["state"] != LEFT_SCOPE:
        return False
    return finding["judged_on"] > since.isoformat() if since else finding["judged_on"] == as_of.isoformat()


def _state(previous: str | None, status: str) -> str:
    if previous is None:
        return "new"
    if previous == "missing" and status == "late":
        return "resolved"
    return "ongoing"


def _from_obligation(ob: Obligation) -> dict[str, Any]:
    return {"agency": ob.agency, "status": ob.status, "due": ob.due.isoformat(),
            "published": ob.published.isoformat() if ob.published else None,
            "days_late": ob.days_late, "days_overdue": ob.days_overdue, "evidence_url": ob.evidence_url,
            "official": ob.official}


def finding_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored finding in the shape of interface.md's `findings` list."""
    return {"rule": row["rule"], "agency": row["agency"], "agency_key": row["agency_key"],
            "subject": row["subject"], "status": row["status"], "due": row["due"],
            "published": row["published"], "days_late": row["days_late"],
            "days_overdue": row["days_overdue"], "state": row["state"],
            "rechecked": bool(row["rechecked"]), "evidence": {"url": row["evidence_url"]}}
