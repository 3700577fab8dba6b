"""The redraw throttle: bursts collapse into one call, and calls are spaced by the interval."""

import itertools
import time

from gmm_desktop.gui.throttle import Throttle


def test_a_burst_gives_one_call(app, qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=50)
    for _ in range(100):
        throttle.request()
    qtbot.waitUntil(lambda: len(calls) == 1)
    qtbot.wait(120)
    assert len(calls) == 1


def test_steady_requests_are_spaced_by_the_interval(app, qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=100)
    deadline = time.monotonic() + 0.65
    while time.monotonic() < deadline:
        throttle.request()
        qtbot.wait(5)
    throttle.cancel()
    assert 2 <= len(calls) <= 8  # about one per 100 ms, never one per event-loop turn
    assert min(b - a for a, b in itertools.pairwise(calls)) >= 0.09


def test_flush_runs_a_pending_call_now(app):
    calls = []
    throttle = Throttle(lambda: calls.append(1))
    throttle.request()
    throttle.flush()
    assert calls == [1]
    throttle.flush()
    assert calls == [1]


def test_costly_updates_are_spaced_further_apart(app, qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=20)
    throttle.report_cost(60.0)  # an update costs 60 ms: they come at most every 180 ms
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        throttle.request()
        qtbot.wait(5)
    throttle.cancel()
    assert len(calls) <= 4
    throttle.report_cost(1.0)  # cheap again: back to the base interval, never below it
    assert throttle.interval_ms == 20
