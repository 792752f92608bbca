"""monitor.alarms: the one thread that rings every deadline of the fetcher and the mailer."""
from __future__ import annotations

import threading

from monitor.alarms import after


def test_alarms_ring_in_time_order_and_a_cancelled_one_never_rings():
    rung: list[str] = []
    done = threading.Event()
    after(0.30, lambda: (rung.append("late"), done.set()))
    after(5.0, lambda: rung.append("cancelled")).cancel()
    after(0.05, lambda: rung.append("early"))  # sooner than the thread sleeps until: it is woken
    after(0.15, lambda: rung.append("cancelled too")).cancel()
    assert done.wait(5)
    assert rung == ["early", "late"]


def test_a_failing_ring_does_not_stop_the_later_ones():
    done = threading.Event()
    after(0.01, lambda: 1 / 0)
    after(0.05, done.set)
    assert done.wait(5)


def test_many_cancelled_alarms_are_dropped_before_their_time():
    for _ in range(500):
        after(3600, lambda: None).cancel()  # a request's deadline, cancelled when its answer came
    done = threading.Event()
    after(0.01, done.set)
    assert len(after.__self__._due) < 100  # not the 500 waiting for their hour
    assert done.wait(5)


def test_an_alarm_too_far_away_to_wait_for_keeps_the_others_ringing():
    after(float("inf"), lambda: None)  # [fetch] deadline = inf is a valid setting
    done = threading.Event()
    after(0.01, done.set)
    assert done.wait(5)
