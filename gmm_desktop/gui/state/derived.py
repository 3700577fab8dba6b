"""Results derived from the workspace, asked of the job runner after each change: point labels,
the target's density, the fit's contours, the comparison with the target, the chain diagnostics.

`AppState` calls `update(parts)` after announcing a change and `job_changed(kind, running)` when a
job starts or stops; this class decides what is stale, starts its job (a kind each, see `jobs.KINDS`), and stores each
result in `workspace.derived` when it arrives, announcing it by the state's signal. A result is kept
only if it belongs to what is shown now (the mixture and points it was computed for), so a late one
never paints over a newer state. Views only draw these records.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer

from gmm_desktop.core.labels import PointLabels, label_points, new_points
from gmm_desktop.gui.state.jobs import payload
from gmm_desktop.gui.state.kinds import JobKind
from gmm_desktop.workspace import derived as compute
from gmm_desktop.workspace.results import ChainDiagnostics
from gmm_desktop.workspace.view import COLOURINGS, shown_marginal
from gmm_desktop.workspace.workspace import Part

if TYPE_CHECKING:
    from gmm_desktop.gui.state.app_state import AppState

SYNC_POINTS = 65_536
"""Labels of at most this many new points are computed at once (a few ms), so they are drawn with
the right colours in the first frame; larger passes go to the idle lane."""
DIAGNOSTICS_INTERVAL_S = 1.0
"""While the chains run, ESS and R-hat are recomputed at most this often."""
KINDS = (JobKind.LABELS, JobKind.TARGET_DENSITY, JobKind.FIT_CONTOURS, JobKind.COMPARISON, JobKind.DIAGNOSTICS)


def _once(function: Callable[..., Any], *args: Any) -> Iterator[Any]:
    """A job of one record: `function(*args)`, computed on the worker."""
    yield function(*args)


def _labels(mixture, points, previous: PointLabels | None) -> Iterator[PointLabels | None]:
    labels = yield from label_points(mixture, points, previous)
    yield labels


def _diagnostics(points, chain_ids, n_chains: int, limit: int) -> Iterator:
    try:
        yield compute.chain_diagnostics(points, chain_ids, n_chains, limit)
    except ValueError:  # chains of unequal length cannot happen with the sampler; show nothing
        yield ChainDiagnostics(None, None, 0, len(points))


class DerivedResults:
    """Registers a handler for each derived kind's record on the state's runner."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.jobs = state.jobs
        for kind, handler in (
            (JobKind.LABELS, self._on_labels),
            (JobKind.TARGET_DENSITY, self._on_target_density),
            (JobKind.FIT_CONTOURS, self._on_fit_contours),
            (JobKind.COMPARISON, self._on_comparison),
            (JobKind.DIAGNOSTICS, self._on_diagnostics),
        ):
            self.jobs.handle(kind, record=payload(handler))
        self._asked: dict[str, Any] = {}  # kind -> what the newest request was computed for
        self._next_diagnostics = 0.0
        self._diagnostics_timer = QTimer(state)
        self._diagnostics_timer.setObjectName("diagnosticsInterval")
        self._diagnostics_timer.setSingleShot(True)
        self._diagnostics_timer.timeout.connect(self._request_diagnostics)

    # ------------------------------------------------------------------ what changed
    def update(self, parts: set[Part]) -> None:
        if Part.TARGET in parts:
            self._request_target_density()
        if parts & {Part.TARGET, Part.FIT, Part.DATA, Part.VIEW}:
            self._request_labels()
        if parts & {Part.FIT, Part.VIEW}:
            self._request_fit_contours()
        if parts & {Part.TARGET, Part.FIT, Part.DATA}:
            self._request_comparison()
        if parts & {Part.DATA, Part.SAMPLER}:
            self._request_diagnostics()

    def job_changed(self, kind: str, running: bool) -> None:
        if kind == JobKind.FIT:
            self._request_comparison()
        elif kind == JobKind.SAMPLER and not running:
            self._diagnostics_timer.stop()
            self._next_diagnostics = 0.0
            self._request_diagnostics()

    def settle(self, timeout_ms: int = 30_000) -> bool:
        if self._diagnostics_timer.isActive():
            self._diagnostics_timer.stop()
            self._next_diagnostics = 0.0
            self._request_diagnostics()
        return self.jobs.settle(KINDS, timeout_ms)

    def shutdown(self) -> None:
        self._diagnostics_timer.stop()

    # ------------------------------------------------------------------ storing
    def _store(self, name: str, value: Any, signal) -> None:
        ws = self.state.workspace
        ws.derived = replace(ws.derived, **{name: value})
        signal.emit(value)

    def _clear(self, kind: str, name: str, signal) -> None:
        self.jobs.stop(kind)
        self._asked.pop(kind, None)
        if getattr(self.state.workspace.derived, name) is not None:
            self._store(name, None, signal)

    # ------------------------------------------------------------------ labels
    def _request_labels(self) -> None:
        ws = self.state.workspace
        data = ws.data
        mixture = ws.reference_mixture() if COLOURINGS[ws.view.colouring].needs_labels else None
        if mixture is None or data is None or data.n_points == 0:
            self._clear(JobKind.LABELS, "labels", self.state.labels_changed)
            return
        current = ws.derived.labels
        if current is not None and current.mixture is mixture and current.points is data.points:
            self.jobs.stop(JobKind.LABELS)  # the labels shown are these: nothing to wait for
            return
        self._asked[JobKind.LABELS] = (mixture, data.points)
        job = partial(_labels, mixture, data.points, current)
        if not self.jobs.is_pending(JobKind.LABELS) and new_points(current, mixture, data.points) <= SYNC_POINTS:
            self.jobs.run_inline(JobKind.LABELS, job)
        else:
            self.jobs.start(JobKind.LABELS, job)

    def _on_labels(self, labels: PointLabels) -> None:
        # Any complete labels are kept: until the newest arrive, the cloud keeps the previous fit's
        # colours for the same points (the plot draws labels only for the points it shows).
        self._store("labels", labels, self.state.labels_changed)

    # ------------------------------------------------------------------ densities
    def _request_target_density(self) -> None:
        target = self.state.workspace.target
        self._asked[JobKind.TARGET_DENSITY] = target
        self.jobs.start(JobKind.TARGET_DENSITY, partial(_once, compute.target_density, target))

    def _on_target_density(self, density) -> None:
        self._store("target_density", density, self.state.target_density_changed)

    def _request_fit_contours(self) -> None:
        ws = self.state.workspace
        shown = shown_marginal(ws.fit.mixture, ws.view.shown) if ws.fit is not None else None
        if shown is None or not ws.view.layers.get("fit_contours", True):
            self._clear(JobKind.FIT_CONTOURS, "fit_contours", self.state.fit_contours_changed)
            return
        self._asked[JobKind.FIT_CONTOURS] = shown
        self.jobs.start(JobKind.FIT_CONTOURS, partial(_once, compute.fit_contours, shown))

    def _on_fit_contours(self, contours) -> None:
        if self.state.workspace.fit is not None:  # any fit's newest lines, until the next ones arrive
            self._store("fit_contours", contours, self.state.fit_contours_changed)

    # ------------------------------------------------------------------ comparison
    def _request_comparison(self) -> None:
        """A fit that is not running (finished, stopped, applied from a file, reopened) is compared
        once; while one runs, there is no comparison."""
        ws = self.state.workspace
        fit, data = ws.fit, ws.data
        if fit is None or data is None or self.jobs.is_running(JobKind.FIT):
            self._clear(JobKind.COMPARISON, "comparison", self.state.comparison_changed)
            return
        if self._asked.get(JobKind.COMPARISON, (None,))[0] is fit:
            return
        mixture = fit.mixture
        self._asked[JobKind.COMPARISON] = (fit, mixture)
        if ws.derived.comparison is not None:
            self._store("comparison", None, self.state.comparison_changed)
        job = partial(_once, compute.compare_fit, mixture, data, ws.comparison_target())
        self.jobs.start(JobKind.COMPARISON, job)

    def _on_comparison(self, comparison) -> None:
        asked = self._asked.get(JobKind.COMPARISON)
        if asked is not None and comparison.fitted is asked[1] and asked[0] is self.state.workspace.fit:
            self._store("comparison", comparison, self.state.comparison_changed)

    # ------------------------------------------------------------------ diagnostics
    def _request_diagnostics(self) -> None:
        ws = self.state.workspace
        data, settings = ws.data, ws.sampler.settings
        if data is None or data.origin != "mcmc" or data.chain_ids is None or settings is None:
            self._diagnostics_timer.stop()
            self._clear(JobKind.DIAGNOSTICS, "diagnostics", self.state.diagnostics_changed)
            return
        running = self.jobs.is_running(JobKind.SAMPLER)
        now = time.monotonic()
        if running and now < self._next_diagnostics:
            if not self._diagnostics_timer.isActive():
                self._diagnostics_timer.start(round((self._next_diagnostics - now) * 1000))
            return
        self._next_diagnostics = now + DIAGNOSTICS_INTERVAL_S
        limit = compute.LIVE_DIAGNOSTICS_LIMIT if running else compute.DIAGNOSTICS_LIMIT
        self._asked[JobKind.DIAGNOSTICS] = data.points
        job = partial(_diagnostics, data.points, data.chain_ids, settings.n_chains, limit)
        self.jobs.start(JobKind.DIAGNOSTICS, job)

    def _on_diagnostics(self, diagnostics) -> None:
        data = self.state.workspace.data
        if data is not None and data.origin == "mcmc":
            self._store("diagnostics", diagnostics, self.state.diagnostics_changed)
