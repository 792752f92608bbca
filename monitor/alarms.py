"""Calls due at a time unless cancelled first, as threading.Timer makes them, on one thread.

A deadline a request (monitor.watchdog) or an SMTP step (monitor.mailer) is an alarm that shuts a
socket down. A threading.Timer each would start and end a thread for every one of a night's
thousands of requests; here one daemon thread, started on first use, rings them all in time order.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

LONGEST_WAIT = 3600.0  # seconds the thread sleeps at most before it looks at its alarms again

class Alarm:
    """A call due at a time, unless cancelled first (as a threading.Timer, without its thread)."""

    def __init__(self, when: float, ring: Callable[[], None]) -> None:
        self.when, self.ring, self.cancelled = when, ring, False

    def cancel(self) -> None:
        self.cancelled = True


class _Alarms:
    """Every alarm of the process, rung in time order by one daemon thread started on first use."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Alarm]] = []  # a heap; cancelled alarms leave it lazily
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, ring: Callable[[], None]) -> Alarm:
        alarm = Alarm(time.monotonic() + max(seconds, 0.0), ring)
        with self._changed:
            if len(self._due) > 64 and len(self._due) > 2 * sum(not a.cancelled for _, _, a in self._due):
                self._due = [entry for entry in self._due if not entry[2].cancelled]  # most were cancelled
                heapq.heapify(self._due)
            heapq.heappush(self._due, (alarm.when, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._ring_in_turn, name="alarms", daemon=True)
                self._thread.start()
            if self._due[0][2] is alarm:  # sooner than what the thread sleeps until
                self._changed.notify()
        return alarm

    def _ring_in_turn(self) -> None:
        while True:
            with self._changed:
                while True:
                    while self._due and self._due[0][2].cancelled:
                        heapq.heappop(self._due)
                    wait = self._due[0][0] - time.monotonic() if self._due else None
                    if wait is not None and wait <= 0:
                        alarm = heapq.heappop(self._due)[2]
                        break
                    # a long wait in steps: past threading.TIMEOUT_MAX (an infinite deadline) wait()
                    # would raise, and the one thread that rings every alarm would be gone
                    self._changed.wait(None if wait is None else min(wait, LONGEST_WAIT))
            if not alarm.cancelled:
                try:
                    alarm.ring()
                except Exception:  # a failing ring must not stop every later one
                    log.exception("an alarm failed to ring")


after = _Alarms().after
