"""SMTP delivery of the outbox: each queued digest is sent once, and a failure stays queued.

A digest is marked sent only after the server accepted it. The one window left is a crash
between the server's acceptance and that mark; the Message-ID is fixed per recipient and
period, so a receiving system can recognise the duplicate.
"""
from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Mapping

from .calendar import ULAANBAATAR
from .config import SmtpSettings
from .store import Store

SENDER_NAME = "Disclosure monitor"  # the From display name when smtp.from gives none
ATTACHMENT_NAME = "findings.csv"


@dataclass
class Delivery:
    """What one send pass did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def build_message(row: Mapping[str, Any], smtp: SmtpSettings, unsubscribe: str,
                  now: datetime | None = None) -> EmailMessage:
    """Text and HTML alternatives, and the CSV of the findings the digest covers when it was queued
    with one; header values never carry portal text."""
    message = EmailMessage()
    name, address = parseaddr(smtp.sender)
    message["From"] = Address(display_name=name or SENDER_NAME, addr_spec=address)
    message["To"] = row["address"]
    if smtp.reply_to:
        message["Reply-To"] = smtp.reply_to
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime((now or datetime.now(ULAANBAATAR)).astimezone(ULAANBAATAR))
    domain = address.rpartition("@")[2] or "localhost"
    token = hashlib.sha256(f"{row['recipient']}|{row['period']}".encode()).hexdigest()[:24]
    message["Message-ID"] = f"<digest.{row['period']}.{token}@{domain}>"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        if unsubscribe.startswith("https://"):  # RFC 8058: a mail client may unsubscribe with one POST
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = row["language"]
    message.set_content(row["body_text"])
    message.add_alternative(row["body_html"], subtype="html")
    if row.get("findings_csv") is not None:
        message.add_attachment(row["findings_csv"].encode("utf-8"), maintype="text", subtype="csv",
                               filename=ATTACHMENT_NAME, params={"charset": "utf-8"})
    return message


def send_queued(store: Store, smtp: SmtpSettings, unsubscribe: str, environ: Mapping[str, str]) -> Delivery:
    """Try every queued digest once; what could not be sent stays queued with its reason."""
    delivery = Delivery()
    queued = store.queued()
    if not queued:
        return delivery
    if not smtp.host or not smtp.sender:
        for row in queued:
            store.mark_failed(row["id"], "smtp.host and smtp.from must be configured")
            delivery.failed.append((row["recipient"], "smtp.host and smtp.from must be configured"))
        return delivery
    try:
        connection = _connect(smtp, environ)
    except (OSError, smtplib.SMTPException) as exc:
        reason = _reason(exc)
        for row in queued:
            store.mark_failed(row["id"], reason)
            delivery.failed.append((row["recipient"], reason))
        return delivery
    with connection:
        for row in queued:
            try:
                connection.send_message(build_message(row, smtp, unsubscribe))
            except (OSError, ValueError, smtplib.SMTPException) as exc:  # ValueError: a line break in a header
                store.mark_failed(row["id"], _reason(exc))
                delivery.failed.append((row["recipient"], _reason(exc)))
                continue
            store.mark_sent(row["id"])
            delivery.sent.append(row["recipient"])
    return delivery


def _connect(smtp: SmtpSettings, environ: Mapping[str, str]) -> smtplib.SMTP:
    """Connect with certificate verification on; log in when a user is configured."""
    context = ssl.create_default_context()
    if smtp.security == "tls":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.security == "starttls":
            connection.starttls(context=context)
    if smtp.user:
        connection.login(smtp.user, environ.get(smtp.password_env, ""))
    return connection


def _reason(exc: BaseException) -> str:
    """One line for the outbox and the log; never the password (smtplib does not echo it)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    if isinstance(exc, socket.timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
