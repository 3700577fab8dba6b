"""The redraw throttle: bursts collapse into one call, and calls are spaced by the interval."""

import itertools
import time

from gmm_desktop.gui.state.throttle import Throttle

REQUEST_GAP_MS = 5
"""Between two requests of a steady stream: these tests measure how calls are spaced in time, so they
keep the event loop turning for a set time while they ask (a fixed pace by design, not a wait for a result)."""


def test_a_burst_gives_one_call(app, qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=50)
    for _ in range(100):
        throttle.request()
    qtbot.waitUntil(lambda: len(calls) == 1)
    throttle.flush()  # runs a call still pending, if the burst had left one for later
    assert len(calls) == 1


def test_steady_requests_are_spaced_by_the_interval(app, qtbot):
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval_ms=100)
    deadline = time.monotonic() + 0.65
    while time.monotonic() < deadline:
        throttle.request()
        qtbot.wait(REQUEST_GAP_MS)
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
        qtbot.wait(REQUEST_GAP_MS)
    throttle.cancel()
    assert len(calls) <= 4
    throttle.report_cost(1.0)  # cheap again: back to the base interval, never below it
    assert throttle.interval_ms == 20


def test_two_views_asking_together_are_served_in_different_turns(app, qtbot):
    """Their redraws (and the repaints they cause) never pile up in one event-loop turn."""
    spans = []

    def slow(name: str):
        def callback() -> None:
            start = time.monotonic()
            time.sleep(0.01)  # a slow redraw: the pause after it is what the test measures
            spans.append((name, start, time.monotonic()))

        return callback

    first, second = Throttle(slow("first")), Throttle(slow("second"))
    first.request()
    second.request()
    qtbot.waitUntil(lambda: len(spans) == 2)
    (name_a, _, end_a), (name_b, start_b, _) = spans
    assert (name_a, name_b) == ("first", "second")  # oldest request first
    assert start_b - end_a >= 0.008  # a pause about as long as the first callback took


def test_a_deleted_view_is_skipped(app, qtbot):
    from shiboken6 import delete

    calls = []
    gone, kept = Throttle(lambda: calls.append("gone")), Throttle(lambda: calls.append("kept"))
    gone.request()
    kept.request()
    delete(gone)
    qtbot.waitUntil(lambda: calls == ["kept"])
