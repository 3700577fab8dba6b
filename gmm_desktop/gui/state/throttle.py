"""Coalesce bursts of updates into at most one redraw per frame (~30 Hz), one view per turn.

Workers deliver records faster than it is worth painting them; redrawing on every one builds an
unbounded backlog (shared/QT_ON_DEBIAN.md). A view calls `request()` whenever its data changed and
does the drawing in the callback, which runs at most once per interval with the newest state.

One fit step changes the plot, the trace and the parameter table at once. Redrawn in the same
event-loop turn, their updates and the one window repaint that follows added up to 50-90 ms without
an input event served (bench_event_loop). So every throttle of the thread hands its call to one
`FrameScheduler`, which runs a single callback per turn and leaves a pause as long as that callback
took before the next, in which the repaint and the user's input go through.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from shiboken6 import isValid

FRAME_MS = 33
PAUSE_FACTOR = 3.0
"""With cost c per update, updates come at most every 3c: the GUI thread is busy a third of the time."""
MIN_PAUSE_MS = 2
"""Between two views' callbacks, at least this pause (and at least the last callback's cost)."""


class FrameScheduler(QObject):
    """Runs due `Throttle` callbacks one per turn, oldest request first."""

    _instance: FrameScheduler | None = None

    @classmethod
    def instance(cls) -> FrameScheduler:
        """The application's scheduler (made on first use, deleted with the application)."""
        if cls._instance is None or not isValid(cls._instance):
            cls._instance = cls(QCoreApplication.instance())
        return cls._instance

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: list[Throttle] = []
        self._resume_at = float("-inf")  # no callback before this (monotonic seconds)
        self._timer = QTimer(self)
        self._timer.setObjectName("frameScheduler")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_next)

    def submit(self, throttle: Throttle) -> None:
        if throttle not in self._queue:
            self._queue.append(throttle)
        self._arm()

    def withdraw(self, throttle: Throttle) -> None:
        if throttle in self._queue:
            self._queue.remove(throttle)
        if not self._queue:
            self._timer.stop()

    def _arm(self) -> None:
        """Wake up when the earliest queued throttle is due, but not before the pause is over."""
        self._queue = [t for t in self._queue if isValid(t)]  # views closed since they asked
        if not self._queue:
            self._timer.stop()
            return
        now = time.monotonic()
        wait_ms = max(0.0, (self._resume_at - now) * 1e3, min(t.due_in_ms(now) for t in self._queue))
        if not self._timer.isActive() or self._timer.remainingTime() > wait_ms:
            self._timer.start(round(wait_ms))

    def _run_next(self) -> None:
        now = time.monotonic()
        due = [t for t in self._queue if isValid(t) and t.due_in_ms(now) <= 0]
        cost_ms = 0.0
        if due:
            throttle = due[0]
            self._queue.remove(throttle)
            start = time.perf_counter()
            throttle.fire()
            cost_ms = (time.perf_counter() - start) * 1e3
        self._resume_at = time.monotonic() + max(MIN_PAUSE_MS, cost_ms) / 1e3
        self._arm()


class Throttle(QObject):
    """Calls `callback()` at most once every `interval_ms` after `request()`; the first request of
    a quiet period is served on a coming event-loop turn, so single updates feel immediate."""

    def __init__(self, callback: Callable[[], None], interval_ms: int = FRAME_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._callback = callback
        self._interval = self._base_interval = interval_ms
        self._last_call = float("-inf")
        self._pending = False

    def request(self) -> None:
        self._pending = True
        FrameScheduler.instance().submit(self)

    @property
    def interval_ms(self) -> int:
        """The current spacing between calls (the base interval, or more after costly updates)."""
        return self._interval

    def due_in_ms(self, now: float) -> float:
        """Milliseconds until the next call may run (<= 0: now)."""
        return (self._last_call + self._interval / 1e3 - now) * 1e3

    def report_cost(self, cost_ms: float) -> None:
        """Tell the throttle what one update costs in all (e.g. the paint it triggered): the spacing
        grows to PAUSE_FACTOR times that cost, so the GUI thread stays mostly free for events."""
        self._interval = max(self._base_interval, round(PAUSE_FACTOR * cost_ms))

    def flush(self) -> None:
        """Run a pending callback now (tests, and before a screenshot)."""
        if self._pending:
            FrameScheduler.instance().withdraw(self)
            self.fire()

    def cancel(self) -> None:
        self._pending = False
        FrameScheduler.instance().withdraw(self)

    def fire(self) -> None:
        """Run the callback if a request is pending (the scheduler calls this when it is due)."""
        if not self._pending:
            return
        self._pending = False
        self._last_call = time.monotonic()
        self._callback()
