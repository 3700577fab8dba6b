"""Most probable component and uncertainty of every point, computed off the GUI thread.

P(i|x) for 1e6 points costs 50-160 ms (K = 2..8), and the fit changes every EM iteration. Done in
slices on the GUI thread, a slice plus a paint in one event-loop turn stalled the loop for 40-60 ms
(bench_event_loop), so large passes run on the labeller's own one-thread pool; numpy releases the
GIL in the heavy loops. The plot asks for labels once per (mixture, points) pair; requests that
arrive while a pass runs are coalesced (the newest starts when the pass ends, so a newer request
never starves an older one), and a pass checks a cancel flag between chunks. A small data set (the
scatter sizes) is labelled inside `request` itself, so it is drawn with the right colours at once.

Sample buffers only grow (gui/state.py): when the new points extend the labelled ones in the same
memory, only the new tail is computed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.plot.palette import UNCERTAINTY_LEVELS

CHUNK = 131_072
SYNC_POINTS = 65_536
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
    """One labelling pass in progress: buffers filled from `done` onwards. Everything that touches
    all N points (copying the labelled prefix, the uncertainty levels) happens in `run`, so on the
    worker for a large pass: for 2e6 samples that is ~20 ms the GUI thread no longer spends."""

    def __init__(self, mixture: Mixture, points: np.ndarray, start_from: PointLabels | None) -> None:
        self.mixture, self.points = mixture, points
        self.done = 0 if start_from is None else start_from.labels.size
        self._prefix = start_from
        self.labels = self.uncertainty = None
        self.output: PointLabels | None = None
        self.seconds = 0.0  # time spent in run()

    def run(self, cancelled: threading.Event | None = None) -> bool:
        """Label the remaining points chunk by chunk, then make `output`; False when `cancelled` was set first."""
        start = time.perf_counter()
        try:
            return self._run(cancelled)
        finally:
            self.seconds += time.perf_counter() - start

    def _run(self, cancelled: threading.Event | None) -> bool:
        n = self.points.shape[0]
        if self.labels is None:
            self.labels = np.empty(n, dtype=np.uint8 if self.mixture.n_components <= 256 else np.uint16)
            self.uncertainty = np.empty(n, dtype=np.float32)
            if self._prefix is not None:
                self.labels[: self.done] = self._prefix.labels
                self.uncertainty[: self.done] = self._prefix.uncertainty
                self._prefix = None
        while self.done < n:
            if cancelled is not None and cancelled.is_set():
                return False
            stop = min(n, self.done + CHUNK)
            labels, uncertainty = label_chunk(self.mixture, self.points[self.done : stop])
            self.labels[self.done : stop] = labels
            self.uncertainty[self.done : stop] = uncertainty
            self.done = stop
        if self.output is None:
            self.output = self._result()
        return True

    def _result(self) -> PointLabels:
        k = self.mixture.n_components
        top = 1.0 - 1.0 / k if k > 1 else 1.0
        levels = np.minimum(self.uncertainty * (UNCERTAINTY_LEVELS / top), UNCERTAINTY_LEVELS - 1).astype(np.uint8)
        for array in (self.labels, self.uncertainty, levels):
            array.setflags(write=False)
        return PointLabels(self.mixture, self.points, self.labels, self.uncertainty, levels)


class _PassRunner(QRunnable):
    """Runs one pass on the labeller's pool and hands it back by a (queued) signal."""

    def __init__(self, work: _Pass, cancelled: threading.Event, finished: Signal) -> None:
        super().__init__()
        self.work, self.cancelled, self.finished = work, cancelled, finished

    def run(self) -> None:
        if self.work.run(self.cancelled) and not self.cancelled.is_set():
            # RuntimeError: the labeller was deleted while this pass ran (its pool waits for us).
            with contextlib.suppress(RuntimeError):
                self.finished.emit(self.work)


class Labeller(QObject):
    """Holds the newest complete `PointLabels`; `ready` fires whenever `result()` changes."""

    ready = Signal()
    _finished = Signal(object)  # a completed _Pass, emitted on the pool's thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # Idle priority (SCHED_IDLE on Linux): colours may lag a frame, painting and input may not.
        self._pool.setThreadPriority(QThread.Priority.IdlePriority)
        self._finished.connect(self._on_finished)  # a bound method of a GUI-thread object: queued
        self._cancelled = threading.Event()
        # Between two large passes the worker rests as long as the last one took: a 1e6-point fit asks
        # for new labels every EM step, and back-to-back passes kept a core and the GIL busy.
        self._rest = QTimer(self)
        self._rest.setObjectName("labellerRest")
        self._rest.setSingleShot(True)
        self._rest.timeout.connect(self._start_next)
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
        if self._pass is not None or self._rest.isActive():
            if self._pass is None or not (self._pass.mixture is mixture and self._pass.points is points):
                self._next = (mixture, points)
            return
        self._start(mixture, points)

    def finish(self) -> None:
        """Complete every pending pass now (before a screenshot, an export, or in tests)."""
        self._rest.stop()
        while self._pass is not None or self._next is not None:
            if self._pass is None:
                self._pass = _Pass(*self._next, self._reusable(*self._next))
                self._next = None
            self._pool.waitForDone()
            work = self._pass
            work.run()  # finishes what a cancelled or unfinished run left; a no-op when complete
            self._complete(work, start_next=False)

    def cancel(self) -> None:
        """Drop the pending passes and wait (at most one chunk) for the worker to let go."""
        self._rest.stop()
        self._cancelled.set()
        self._pool.waitForDone()
        self._cancelled = threading.Event()
        self._pass = None
        self._next = None

    def _start(self, mixture: Mixture, points: np.ndarray) -> None:
        work = _Pass(mixture, points, self._reusable(mixture, points))
        self._pass = work
        if points.shape[0] - work.done <= SYNC_POINTS:
            work.run()  # small: done before the caller draws, so it draws the right colours
            self._complete(work)
        else:
            self._pool.start(_PassRunner(work, self._cancelled, self._finished))

    def _on_finished(self, work: _Pass) -> None:
        if work is self._pass:  # else cancelled, or already completed by finish()
            self._complete(work)

    def _complete(self, work: _Pass, start_next: bool = True) -> None:
        assert work.output is not None  # run() returned True
        self._result = work.output
        self._pass = None
        if self._next is not None and start_next:
            self._rest.start(round(work.seconds * 1e3))  # then _start_next
        self.ready.emit()

    def _start_next(self) -> None:
        waiting, self._next = self._next, None
        if waiting is not None and self._pass is None:
            self._start(*waiting)

    def _reusable(self, mixture: Mixture, points: np.ndarray) -> PointLabels | None:
        r = self._result
        return r if r is not None and r.mixture is mixture and extends(points, r.points) else None
