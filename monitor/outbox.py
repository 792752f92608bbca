"""Which digests are due for whom: one per recipient and period, queued in the store's outbox.

A daily recipient's period is the run's date; a weekly recipient's is the ISO week, queued on
the first run on or after their weekday. The outbox's unique (recipient, period) is what makes
a repeated night queue nothing twice. Each digest carries, as a CSV made when it is queued, the
complete list of the open findings it covers, so the attachment agrees with the digest it comes with,
and names the recipient's earlier digests the mail server refused for good, once.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from .config import WEEKDAYS, Config, Recipient
from .digest import DigestView, digest_context, digest_subject, render_digest
from .export import findings_csv
from .store import Store


def period_of(recipient: Recipient, as_of: date) -> str | None:
    """The digest period a run on `as_of` serves for this recipient, or None when none is due."""
    if recipient.frequency == "daily":
        return as_of.isoformat()
    if as_of.weekday() < WEEKDAYS.index(recipient.weekday):
        return None
    year, week, _ = as_of.isocalendar()
    return f"{year}-W{week:02d}"


def unsubscribe_address(config: Config) -> str:
    """Where a reader asks to stop: the configured address or URL, else a mail to the sender."""
    if config.unsubscribe:
        return config.unsubscribe
    sender = config.smtp.reply_to or config.smtp.sender
    return f"mailto:{sender}?subject=unsubscribe" if sender else ""


def covered(store: Store, view: DigestView) -> list[dict[str, Any]]:
    """Every open finding of the checks and agencies the reader follows: the digest's complete list."""
    return [f for f in store.findings(open_only=True)
            if view.follows_check(f["check_name"]) and view.follows_agency(f["agency_key"], f["agency"])]


def queue_digests(store: Store, config: Config, as_of: date) -> list[str]:
    """Render and queue the digest of every recipient due on `as_of`; the names newly queued."""
    queued = []
    for recipient in config.recipients:
        period = period_of(recipient, as_of)
        if period is None:
            continue
        view = DigestView.for_recipient(recipient, store.last_digest_date(recipient.name, as_of))
        undelivered = store.undelivered(recipient.name)
        context = {**digest_context(store, as_of, view, methodology_url=config.methodology_url),
                   "unsubscribe": unsubscribe_address(config), "undelivered": undelivered}
        row = {"recipient": recipient.name, "address": recipient.address, "period": period,
               "as_of": as_of.isoformat(), "language": recipient.language,
               "subject": digest_subject(context), "body_text": render_digest(context, "text"),
               "body_html": render_digest(context, "html"), "findings_csv": findings_csv(covered(store, view))}
        if store.enqueue(row):
            queued.append(recipient.name)
            if undelivered:
                store.mark_reported(recipient.name)
    return queued
