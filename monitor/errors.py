"""The failures the monitor expects, each with a one-line message fit for a user."""
from __future__ import annotations


class MonitorError(Exception):
    """Base of every expected failure; str(error) is the one line shown to the user."""


class ConfigError(MonitorError):
    """The configuration or command line is wrong (exit 2)."""


class SourceError(MonitorError):
    """A source could not be read on this run: its obligations become unknown (exit 3)."""


class FetchError(SourceError):
    """The portal did not answer usably: unreachable, an HTTP error after retries, too large.

    The message is the fault alone, as interface.md writes it ("HTTP 503 after 4 tries"); which
    page it was is in the `requests` table.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def is_permanent(self) -> bool:
        """A 4xx answer: this one address is wrong, the portal itself is not down."""
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


class LayoutChanged(SourceError):
    """The page or payload lacks the structure the parser expects."""

    def __init__(self, what: str) -> None:
        super().__init__(f"layout changed: {what}")


class PortalError(SourceError):
    """The portal answered with an error of its own, e.g. return_code 401."""


BOT_CHALLENGE = "blocked by a bot challenge (Cloudflare)"
CAPTCHA = "blocked by a captcha"


class Blocked(FetchError):
    """The portal answered with a bot challenge or a captcha instead of the page: the monitor is
    kept out, the layout did not change. Never retried: the portal would answer the same."""

    @property
    def is_permanent(self) -> bool:
        """Not one wrong address: the whole source is kept out, so no other page of it is asked."""
        return False
