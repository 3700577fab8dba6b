"""Most probable component and uncertainty of every point, computed off the paint path in time slices.

P(i|x) for 1e6 points costs 50-160 ms (K = 2..8), too long for one event-loop turn, and the fit
changes every EM iteration. So the plot asks for labels once per (mixture, points) pair and this
object computes them in slices of at most SLICE_MS on the GUI thread, between other events: no
worker thread, nothing to join, and a newer request never starves an older one (requests that
arrive while a pass runs are coalesced; the newest starts when the pass ends). A small data set
(the scatter sizes) finishes inside `request` itself.

Sample buffers only grow (gui/state.py): when the new points extend the labelled ones in the same
memory, only the new tail is computed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.plot.palette import UNCERTAINTY_LEVELS

SLICE_MS = 8.0
CHUNK = 32_768
SYNC_POINTS = 2 * CHUNK
"""Passes over at most this many new points run inside `request` (a few ms)."""


@dataclass(frozen=True, eq=False)
class PointLabels:
    """For `points` (N, D) under `mixture`: labels (N,) argmax_i P(i|x) (as Mixture.predict; uint8 up
    to 256 components), uncertainty (N,) float32 = 1 - max_i P(i|x) in [0, 1 - 1/K], and
    uncertainty_levels (N,) uint8, the uncertainty in UNCERTAINTY_LEVELS equal steps of [0, 1 - 1/K]
    (what the cloud colours by)."""

    mixture: Mixture
    points: np.ndarray
    labels: np.ndarray
    uncertainty: np.ndarray
    uncertainty_levels: np.ndarray

    @property
    def n_components(self) -> int:
        return self.mixture.n_components


def label_chunk(mixture: Mixture, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(argmax_i P(i|x), 1 - max_i P(i|x)) for x (n, D), from one weighted_log_prob pass.

    max_i P(i|x) = 1 / sum_j exp(l_j - max l), with l the weighted log-probabilities.
    """
    wlp = mixture.weighted_log_prob(x)
    labels = np.argmax(wlp, axis=1)
    top = np.take_along_axis(wlp, labels[:, None], axis=1)
    wlp -= top
    np.exp(wlp, out=wlp)
    return labels, (1.0 - 1.0 / wlp.sum(axis=1)).astype(np.float32)


def extends(points: np.ndarray, prefix: np.ndarray) -> bool:
    """True when `points` starts with `prefix` in the same memory (a grown sample buffer)."""
    return (
        points.ndim == prefix.ndim == 2
        and points.shape[1] == prefix.shape[1]
        and points.shape[0] >= prefix.shape[0]
        and points.strides == prefix.strides
        and points.__array_interface__["data"][0] == prefix.__array_interface__["data"][0]
    )


class _Pass:
    """One labelling pass in progress: buffers filled from `done` onwards."""

    def __init__(self, mixture: Mixture, points: np.ndarray, start_from: PointLabels | None) -> None:
        self.mixture, self.points = mixture, points
        n = points.shape[0]
        self.labels = np.empty(n, dtype=np.uint8 if mixture.n_components <= 256 else np.uint16)
        self.uncertainty = np.empty(n, dtype=np.float32)
        self.done = 0
        if start_from is not None:
            self.done = start_from.labels.size
            self.labels[: self.done] = start_from.labels
            self.uncertainty[: self.done] = start_from.uncertainty

    def run(self, budget_s: float) -> bool:
        """Work for about `budget_s` seconds (at least one chunk); True when the pass is complete."""
        deadline = time.perf_counter() + budget_s
        n = self.points.shape[0]
        while self.done < n:
            stop = min(n, self.done + CHUNK)
            labels, uncertainty = label_chunk(self.mixture, self.points[self.done : stop])
            self.labels[self.done : stop] = labels
            self.uncertainty[self.done : stop] = uncertainty
            self.done = stop
            if time.perf_counter() >= deadline:
                break
        return self.done >= n

    def result(self) -> PointLabels:
        k = self.mixture.n_components
        top = 1.0 - 1.0 / k if k > 1 else 1.0
        levels = np.minimum(self.uncertainty * (UNCERTAINTY_LEVELS / top), UNCERTAINTY_LEVELS - 1).astype(np.uint8)
        for array in (self.labels, self.uncertainty, levels):
            array.setflags(write=False)
        return PointLabels(self.mixture, self.points, self.labels, self.uncertainty, levels)


class Labeller(QObject):
    """Holds the newest complete `PointLabels`; `ready` fires whenever `result()` changes."""

    ready = Signal()

    def __init__(self, parent: QObject | None = None, slice_ms: float = SLICE_MS) -> None:
        super().__init__(parent)
        self._budget = slice_ms / 1e3
        self._timer = QTimer(self)
        self._timer.setObjectName("labeller")
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)
        self._result: PointLabels | None = None
        self._pass: _Pass | None = None
        self._next: tuple[Mixture, np.ndarray] | None = None

    def result(self) -> PointLabels | None:
        return self._result

    def is_current(self, mixture: Mixture | None, points: np.ndarray | None) -> bool:
        """True when `result()` is for exactly this mixture and these points."""
        r = self._result
        return r is not None and r.mixture is mixture and r.points is points

    def pending(self) -> bool:
        return self._pass is not None or self._next is not None

    def request(self, mixture: Mixture | None, points: np.ndarray | None) -> None:
        """Label `points` (N, D) under `mixture`; None, an empty set or a dimension mismatch clears."""
        if mixture is None or points is None or points.shape[0] == 0 or points.shape[1] != mixture.n_dims:
            self.cancel()
            if self._result is not None:
                self._result = None
                self.ready.emit()
            return
        if self.is_current(mixture, points):
            self._next = None
            return
        if self._pass is not None:
            if not (self._pass.mixture is mixture and self._pass.points is points):
                self._next = (mixture, points)
            return
        self._start(mixture, points)

    def finish(self) -> None:
        """Complete every pending pass now (before a screenshot, an export, or in tests)."""
        while self._pass is not None:
            self._pass.run(float("inf"))
            self._complete()

    def cancel(self) -> None:
        self._timer.stop()
        self._pass = None
        self._next = None

    def _start(self, mixture: Mixture, points: np.ndarray) -> None:
        previous = self._result
        reuse = previous is not None and previous.mixture is mixture and extends(points, previous.points)
        self._pass = _Pass(mixture, points, previous if reuse else None)
        if points.shape[0] - self._pass.done <= SYNC_POINTS:
            self._work()  # small: done before the caller draws, so it draws the right colours
        else:
            self._timer.start()  # large: slices start on the next turn, after the caller's redraw

    def _work(self) -> None:
        if self._pass is None:
            return
        if self._pass.run(self._budget):
            self._complete()
        else:
            self._timer.start()

    def _complete(self) -> None:
        assert self._pass is not None
        self._result = self._pass.result()
        self._pass = None
        waiting, self._next = self._next, None
        if waiting is not None:
            # Start the newest request on the next turn: this one's redraw goes out first.
            self._pass = _Pass(waiting[0], waiting[1], self._reusable(*waiting))
            self._timer.start()
        self.ready.emit()

    def _reusable(self, mixture: Mixture, points: np.ndarray) -> PointLabels | None:
        r = self._result
        return r if r is not None and r.mixture is mixture and extends(points, r.points) else None
