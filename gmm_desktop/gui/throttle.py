"""Coalesce bursts of updates into at most one redraw per frame (~30 Hz).

Workers deliver records faster than it is worth painting them; redrawing on every one builds an
unbounded backlog (shared/QT_ON_DEBIAN.md). A view calls `request()` whenever its data changed and
does the drawing in the callback, which runs at most once per interval with the newest state.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FRAME_MS = 33
PAUSE_FACTOR = 3.0
"""With cost c per update, updates come at most every 3c: the GUI thread is busy a third of the time."""


class Throttle(QObject):
    """Calls `callback()` at most once every `interval_ms` after `request()`; the first request of
    a quiet period is served on the next event-loop turn, so single updates feel immediate."""

    def __init__(self, callback: Callable[[], None], interval_ms: int = FRAME_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._callback = callback
        self._timer = QTimer(self)
        self._timer.setObjectName("throttle")
        self._timer.setSingleShot(True)
        self._interval = self._base_interval = interval_ms
        self._timer.timeout.connect(self._fire)
        self._pending = False

    def request(self) -> None:
        self._pending = True
        if not self._timer.isActive():
            self._timer.start(0)

    @property
    def interval_ms(self) -> int:
        """The current spacing between calls (the base interval, or more after costly updates)."""
        return self._interval

    def report_cost(self, cost_ms: float) -> None:
        """Tell the throttle what one update costs in all (e.g. the paint it triggered): the spacing
        grows to PAUSE_FACTOR times that cost, so the GUI thread stays mostly free for events."""
        self._interval = max(self._base_interval, round(PAUSE_FACTOR * cost_ms))

    def flush(self) -> None:
        """Run a pending callback now (tests, and before a screenshot)."""
        if self._pending:
            self._timer.stop()
            self._fire()

    def cancel(self) -> None:
        self._pending = False
        self._timer.stop()

    def _fire(self) -> None:
        if not self._pending:
            return
        self._pending = False
        self._callback()
        self._timer.start(self._interval)  # hold the next call back for one interval
