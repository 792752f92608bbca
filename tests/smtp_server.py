"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, able to refuse on purpose."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every accepted message; refuses the first `refuse` DATA commands with a 451."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """`with SmtpServer(inbox) as server:` listens on server.port until the block ends."""

    def __init__(self, inbox: Inbox, port: int | None = None, tls_context=None) -> None:
        self.port = port or free_port()
        extra = {"tls_context": tls_context} if tls_context else {}
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port, **extra)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.controller.stop()
