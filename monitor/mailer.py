"""SMTP delivery of the outbox: each queued digest is sent once, and a failure stays queued.

A digest is marked sent only after the server accepted it. The one window left is a crash
between the server's acceptance and that mark; the Message-ID is fixed per recipient and
period, so a receiving system can recognise the duplicate. One digest that fails does not hold
the others: the connection is opened again for the next. A digest refused for good (5xx) is
given up after `smtp.max_attempts` tries and reported in the recipient's next digest. Each step
of a conversation has a deadline, as smtplib's timeout is per read.
"""
from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Iterator, Mapping

from .alarms import Alarm, after
from .calendar import ULAANBAATAR
from .config import SmtpSettings
from .store import Store

SENDER_NAME = "Disclosure monitor"  # the From display name when smtp.from gives none
ATTACHMENT_NAME = "findings.csv"


@dataclass
class Delivery:
    """What one send pass did."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # still queued
    given_up: list[tuple[str, str]] = field(default_factory=list)  # refused for good, tried no more


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
    """Try every queued digest once; what could not be sent stays queued with its reason, unless
    the server refused it for good `smtp.max_attempts` times."""
    delivery = Delivery()
    queued = store.queued()
    if not queued:
        return delivery
    if not smtp.host or not smtp.sender:
        _keep_queued(store, delivery, queued, "smtp.host and smtp.from must be configured")
        return delivery
    deadline = Deadline(smtp.total_deadline)
    connection: smtplib.SMTP | None = None
    try:
        for index, row in enumerate(queued):
            if connection is None:
                try:
                    with deadline.step():
                        connection = _connect(smtp, environ, deadline)
                except (OSError, smtplib.SMTPException) as exc:  # no server: every digest left waits
                    if deadline.connection is not None:
                        deadline.connection.close()
                    _keep_queued(store, delivery, queued[index:], _reason(exc))
                    return delivery
            try:
                with deadline.step():
                    connection.send_message(build_message(row, smtp, unsubscribe))
            except (OSError, ValueError, smtplib.SMTPException) as exc:  # ValueError: a line break in a header
                reason = _reason(exc)
                if _permanent(exc) and row["attempts"] + 1 >= smtp.max_attempts:
                    store.mark_failed(row["id"], reason, give_up=True)
                    delivery.given_up.append((row["recipient"], reason))
                else:
                    _keep_queued(store, delivery, [row], reason)
                connection.close()  # whatever state it is in, the next digest gets a fresh one
                connection = None
                continue
            store.mark_sent(row["id"])
            delivery.sent.append(row["recipient"])
    finally:
        if connection is not None:
            _quit(connection, deadline)
    return delivery


class DeadlinePassed(smtplib.SMTPException):
    """A step of an SMTP conversation outlived `smtp.deadline`."""


class Deadline:
    """Cuts the connection when one step of the conversation outlives `seconds`: a server answering
    a byte at a time never lets smtplib's per-read timeout fire."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.connection: smtplib.SMTP | None = None  # set by the connection as it is made
        self._lock = threading.Lock()
        self._alarm: Alarm | None = None
        self._passed = False

    @contextmanager
    def step(self) -> Iterator[None]:
        """One step; if the deadline passed during it, it failed, as DeadlinePassed, even when what
        it read looked whole (smtplib takes a reply line cut short for a complete one)."""
        with self._lock:
            self._passed = False
            self._start(self.seconds)
        try:
            yield
        except (OSError, smtplib.SMTPException):
            if self._passed:
                raise DeadlinePassed(f"deadline of {self.seconds:g} s exceeded") from None
            raise
        else:
            if self._passed:
                raise DeadlinePassed(f"deadline of {self.seconds:g} s exceeded")
        finally:
            with self._lock:
                if self._alarm is not None:
                    self._alarm.cancel()
                self._alarm = None

    def _start(self, seconds: float) -> None:
        self._alarm = after(seconds, self._cut)

    def _cut(self) -> None:
        with self._lock:
            if self._alarm is None:  # the step ended meanwhile
                return
            self._passed = True
            sock = self.connection.sock if self.connection is not None else None
            if sock is None:  # still connecting (bounded by the timeout): look again shortly
                self._start(0.05)
                return
            try:
                sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once
            except OSError:
                pass


class _Watched:
    """Tells its Deadline which connection to cut, before the constructor connects."""

    def __init__(self, *args: Any, deadline: Deadline, **kwargs: Any) -> None:
        deadline.connection = self  # type: ignore[assignment]
        super().__init__(*args, **kwargs)


class _SMTP(_Watched, smtplib.SMTP):
    pass


class _SMTPS(_Watched, smtplib.SMTP_SSL):
    pass


def _connect(smtp: SmtpSettings, environ: Mapping[str, str], deadline: Deadline) -> smtplib.SMTP:
    """Connect with certificate verification on; log in when a user is configured."""
    context = ssl.create_default_context()
    if smtp.security == "tls":
        connection: smtplib.SMTP = _SMTPS(smtp.host, smtp.port, timeout=smtp.timeout, context=context,
                                          deadline=deadline)
    else:
        connection = _SMTP(smtp.host, smtp.port, timeout=smtp.timeout, deadline=deadline)
        if smtp.security == "starttls":
            connection.starttls(context=context)
    if smtp.user:
        connection.login(smtp.user, environ.get(smtp.password_env, ""))
    return connection


def _quit(connection: smtplib.SMTP, deadline: Deadline) -> None:
    """Say goodbye; what the server does then changes nothing: every digest it accepted is delivered."""
    try:
        with deadline.step():
            connection.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        connection.close()


def _keep_queued(store: Store, delivery: Delivery, rows: list[dict[str, Any]], reason: str) -> None:
    for row in rows:
        store.mark_failed(row["id"], reason)
        delivery.failed.append((row["recipient"], reason))


def _permanent(exc: BaseException) -> bool:
    """A refusal that trying again will not change: a 5xx, or a message that cannot be built."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, message = next(iter(exc.recipients.values()))
        return f"SMTP {code}: {message.decode(errors='replace') if isinstance(message, bytes) else message}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, ValueError)


def _reason(exc: BaseException) -> str:
    """One line for the outbox and the log; never the password (smtplib does not echo it)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, message = next(iter(exc.recipients.values()))
        return f"SMTP {code}: {message.decode(errors='replace') if isinstance(message, bytes) else message}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}: {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    if isinstance(exc, DeadlinePassed):
        return str(exc)
    if isinstance(exc, socket.timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
