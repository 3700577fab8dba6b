"""Coalesce bursts of updates into at most one redraw per frame (~30 Hz).

Workers deliver records faster than it is worth painting them; redrawing on every one builds an
unbounded backlog (shared/QT_ON_DEBIAN.md). A view calls `request()` whenever its data changed and
does the drawing in the callback, which runs at most once per interval with the newest state.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

FRAME_MS = 33


class Throttle(QObject):
    """Calls `callback()` at most once every `interval_ms` after `request()`; the first request of
    a quiet period is served on the next event-loop turn, so single updates feel immediate."""

    def __init__(self, callback: Callable[[], None], interval_ms: int = FRAME_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._callback = callback
        self._timer = QTimer(self)
        self._timer.setObjectName("throttle")
        self._timer.setSingleShot(True)
        self._interval = interval_ms
        self._timer.timeout.connect(self._fire)
        self._pending = False

    def request(self) -> None:
        self._pending = True
        if not self._timer.isActive():
            self._timer.start(0)

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
