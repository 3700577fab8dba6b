"""The Qt adapter of the workspace: it holds one `Workspace`, runs jobs, and announces changes.

Panels and menus ask it for actions (`start_sampling`, `start_fit`, ...). The rules of what an action
or a job record changes are the workspace's; this class starts the core's generators on the
`JobRunner`, hands each record to its kind's handler, and announces every changed part by its
signal, in the GUI thread. Views listen and redraw on the frame scheduler; nothing here paints or
opens a dialog. Results derived from the work (labels, densities, comparison, diagnostics) are asked
for by `DerivedResults` after each change.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gmm_desktop.core.em import EMResult, EMSettings, EMStep, em_steps
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers import DEFAULT_SAMPLER, SAMPLERS
from gmm_desktop.core.samplers.rwmh import ChainState, SampleBatch, SamplerSettings
from gmm_desktop.core.selection import Candidate, SelectionSettings, sweep
from gmm_desktop.gui.state.derived import DerivedResults
from gmm_desktop.gui.state.jobs import JobEvent, JobRunner, payload
from gmm_desktop.gui.state.kinds import KINDS, JobKind
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import FitState, SamplerStatus
from gmm_desktop.workspace.settings import KINDS as SETTINGS_KINDS
from gmm_desktop.workspace.settings import Settings
from gmm_desktop.workspace.view import ViewBox, ViewState
from gmm_desktop.workspace.workspace import Part, Workspace

RETARGET_MS = 150
"""A new target restarts a running sampler (in a new child process) after this pause, not per drag move."""


def with_gui_threads(settings: EMSettings) -> EMSettings:
    """`settings` with at most one EM kernel thread fewer than the machine has cores (unless the
    user chose a number): the GUI thread keeps a core, or on 2 cores a 1e6-point fit starved it and
    every paint took twice as long. The answer does not depend on the thread count."""
    if settings.n_threads:
        return settings
    return replace(settings, n_threads=max(1, (os.cpu_count() or 1) - 1))


class AppState(QObject):
    """Signals carry the new value (or None when cleared) and arrive in the GUI thread."""

    target_changed = Signal(object)  # Mixture
    data_changed = Signal(object)  # Dataset | None
    sampler_changed = Signal(object)  # SamplerStatus
    fit_changed = Signal(object)  # FitState | None
    selection_changed = Signal(object)  # tuple[Candidate, ...]
    settings_changed = Signal(str)  # the kind whose settings changed (a key of Settings)
    view_changed = Signal(object)  # ViewState
    job_failed = Signal(str, str)  # kind, message
    busy_changed = Signal(str, bool)  # kind, running (kinds the status bar names)
    labels_changed = Signal(object)  # PointLabels | None
    target_density_changed = Signal(object)  # TargetDensity | None
    fit_contours_changed = Signal(object)  # FitContours | None
    comparison_changed = Signal(object)  # FitComparison | None
    diagnostics_changed = Signal(object)  # ChainDiagnostics | None

    def __init__(self, target: Mixture | None = None, target_name: str = "Article demo") -> None:
        super().__init__()
        self.workspace = Workspace(target=target if target is not None else article_demo(), target_name=target_name)
        self.jobs = JobRunner(self)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.running_changed.connect(self._on_running_changed)
        self._fit_settings = EMSettings()  # the settings of the fit that is running
        self.jobs.handle(JobKind.SAMPLER, record=payload(self._on_sample_batch))
        self.jobs.handle(JobKind.FIT, record=payload(self._on_em_step), finished=payload(self._on_fit_finished))
        self.jobs.handle(JobKind.SELECTION, record=payload(self._on_candidate))
        self.derived = DerivedResults(self)
        self._retarget = QTimer(self)
        self._retarget.setObjectName("samplerRetarget")
        self._retarget.setSingleShot(True)
        self._retarget.setInterval(RETARGET_MS)
        self._retarget.timeout.connect(self._on_retarget)
        self.derived.update(set(Part))

    # ------------------------------------------------------------------ reading
    @property
    def target(self) -> Mixture:
        return self.workspace.target

    @property
    def target_name(self) -> str:
        return self.workspace.target_name

    @property
    def data(self) -> Dataset | None:
        return self.workspace.data

    @property
    def sampler(self) -> SamplerStatus:
        return self.workspace.sampler

    @property
    def fit(self) -> FitState | None:
        return self.workspace.fit

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.workspace.candidates

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def view(self) -> ViewState:
        return self.workspace.view

    def best_candidate(self, criterion: str | None = None) -> Candidate | None:
        return self.workspace.best_candidate(criterion)

    # ------------------------------------------------------------------ announcing
    def _announce(self, parts: set[Part]) -> None:
        """Emit the signal of every changed part, in a fixed order, then ask for derived results."""
        ws = self.workspace
        signals = (
            (Part.TARGET, self.target_changed, lambda: ws.target),
            (Part.FIT, self.fit_changed, lambda: ws.fit),
            (Part.SELECTION, self.selection_changed, lambda: ws.candidates),
            (Part.DATA, self.data_changed, lambda: ws.data),
            (Part.SAMPLER, self.sampler_changed, lambda: ws.sampler),
            (Part.VIEW, self.view_changed, lambda: ws.view),
        )
        for part, signal, value in signals:
            if part in parts:
                signal.emit(value())
        self.derived.update(parts)

    # ------------------------------------------------------------------ target
    def set_target(self, mixture: Mixture, name: str | None = None) -> None:
        """Replace the target and announce it; a running sampler continues from where its chains
        are, against the new target (the chains are not reset)."""
        self._announce(self.workspace.set_target(mixture, name))
        if self.jobs.is_running(JobKind.SAMPLER):
            self._retarget.start()  # a drag sends many targets: restart once it pauses

    def _on_retarget(self) -> None:
        status = self.workspace.sampler
        if self.jobs.is_running(JobKind.SAMPLER) and status.chain_state is not None:
            self._run_sampler(status.settings, status.chain_state)

    # ------------------------------------------------------------------ data
    def set_data(self, data: Dataset | None, shown: tuple[int, int] | None = None) -> None:
        """Replace the points (a file, painted points, exact samples); the fit and selection go.
        `shown`: the two columns to draw (default: the first two)."""
        for kind in (JobKind.SAMPLER, JobKind.SELECTION, JobKind.FIT):
            self.jobs.stop(kind)
        self._announce(self.workspace.set_data(data, shown))

    def clear_data(self) -> None:
        self.set_data(None)

    def sample_exact(self, n: int, seed: int | None = 0) -> None:
        """Exact (ancestral) samples of the target, for comparison with the chain (fast: ~27 M/s)."""
        self.set_data(self.workspace.exact_draws(n, seed))

    # ------------------------------------------------------------------ sampler
    def start_sampling(self, settings: SamplerSettings) -> None:
        """A new run: clears the points (and the fit) and starts the chains from settings.start."""
        for kind in (JobKind.SAMPLER, JobKind.SELECTION, JobKind.FIT):
            self.jobs.stop(kind)
        self._announce(self.workspace.begin_sampling(settings))
        self._run_sampler(settings, None)

    def continue_sampling(self, extra_steps: int | None = None) -> None:
        """Go on from the last chain state for `extra_steps` more steps (default: the same number)."""
        if self.jobs.is_running(JobKind.SAMPLER):
            return
        settings = self.workspace.continued_settings(extra_steps)
        if settings is not None:
            self._run_sampler(settings, self.workspace.sampler.chain_state)

    def stop_sampling(self) -> None:
        self._retarget.stop()
        self.jobs.stop(JobKind.SAMPLER)

    def _run_sampler(self, settings: SamplerSettings, chain_state: ChainState | None) -> None:
        run = SAMPLERS[DEFAULT_SAMPLER].run
        self.jobs.start(JobKind.SAMPLER, partial(run, self.workspace.target, settings, chain_state))

    def _on_sample_batch(self, batch: SampleBatch) -> None:
        self._announce(self.workspace.add_batch(batch))

    # ------------------------------------------------------------------ fit
    def start_fit(self, settings: EMSettings) -> None:
        """Fit the current points by EM on a worker; each iteration is announced as it comes."""
        X = self._points_to_fit(JobKind.FIT)
        if X is None:
            return
        self.jobs.stop(JobKind.FIT)
        self.workspace.begin_fit()
        self._fit_settings = settings
        self.jobs.start(JobKind.FIT, lambda: em_steps(X, with_gui_threads(settings)))

    def step_fit(self, settings: EMSettings) -> None:
        """One more EM iteration from the current fit (or the initialisation plus one iteration)."""
        X = self._points_to_fit(JobKind.FIT)
        if X is None:
            return
        self.jobs.stop(JobKind.FIT)
        last = self.workspace.resumable_step(settings)
        if last is None:
            self.workspace.begin_fit()
        self._fit_settings = settings
        self.jobs.start(
            JobKind.FIT, lambda: itertools.islice(em_steps(X, with_gui_threads(settings), resume_from=last), 1)
        )

    def stop_fit(self) -> None:
        self.jobs.stop(JobKind.FIT)

    def _points_to_fit(self, kind: str) -> np.ndarray | None:
        """The points to fit, or None after announcing why there are none (job_failed)."""
        try:
            return self.workspace.points_to_fit()
        except ValueError as exc:
            self.job_failed.emit(kind, str(exc))
            return None

    def _on_em_step(self, step: EMStep) -> None:
        self._announce(self.workspace.add_em_step(step, self._fit_settings))

    def _on_fit_finished(self, result: EMResult | None) -> None:
        self._announce(self.workspace.finish_fit(result))

    def set_fit(self, fit: FitState | None) -> None:
        """Show a fit made elsewhere (a test, another tool); None forgets the fit."""
        self.jobs.stop(JobKind.FIT)
        self._announce(self.workspace.set_fit(fit))

    def use_candidate(self, candidate: Candidate) -> None:
        """Show a model-selection candidate as the fit ("Use this model")."""
        self.jobs.stop(JobKind.FIT)
        self._announce(self.workspace.use_candidate(candidate))

    def apply_model(self, mixture: Mixture, covariance_type: str = "full") -> None:
        """Show a given model (an imported file) as the fit of the current points, without EM: their
        colours, P(i|x), parameter table and log-likelihood then come from it."""
        self.jobs.stop(JobKind.FIT)
        try:
            parts = self.workspace.apply_model(mixture, covariance_type)
        except ValueError as exc:
            self.job_failed.emit(JobKind.FIT, str(exc))
            return
        self._announce(parts)

    # ------------------------------------------------------------------ selection
    def start_selection(self, settings: SelectionSettings) -> None:
        """Sweep K x covariance types on a worker; candidates are announced one by one."""
        X = self._points_to_fit(JobKind.SELECTION)
        if X is None:
            return
        self.jobs.stop(JobKind.SELECTION)
        self._announce(self.workspace.begin_selection(settings.criterion))
        sweep_of = partial(sweep, X, settings.k_values, settings.covariance_types, settings.em_settings())
        self.jobs.start(JobKind.SELECTION, sweep_of)

    def stop_selection(self) -> None:
        self.jobs.stop(JobKind.SELECTION)

    def _on_candidate(self, candidate: Candidate) -> None:
        self._announce(self.workspace.add_candidate(candidate))

    # ------------------------------------------------------------------ settings and view
    def set_settings(self, kind: str, value: object) -> None:
        """Replace one job's settings (a panel's fields, a remembered value, a session)."""
        if value == self.workspace.settings.of(kind):
            return
        self.workspace.set_settings(kind, value)
        self.settings_changed.emit(kind)

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self._set_view(self.workspace.view.with_layer(name, visible))

    def set_colouring(self, mode: str) -> None:
        self._set_view(replace(self.workspace.view, colouring=mode))

    def set_shown(self, shown: tuple[int, int]) -> None:
        self._announce(self.workspace.set_shown(shown))

    def set_view_box(self, box: ViewBox | None) -> None:
        """Show this region (a reopened session): announced, so the plot moves there."""
        self._set_view(replace(self.workspace.view, view_box=box))

    def note_view_box(self, box: ViewBox) -> None:
        """The plot reports where the user panned or zoomed: kept, not announced (it is already shown)."""
        self.workspace.view = replace(self.workspace.view, view_box=box)

    def _set_view(self, view: ViewState) -> None:
        if view != self.workspace.view:
            self._announce(self.workspace.set_view(view))

    # ------------------------------------------------------------------ job events
    def _on_failed(self, event: JobEvent) -> None:
        message, _detail = event.payload
        self.job_failed.emit(event.kind, message)

    def _on_running_changed(self, kind: str, running: bool) -> None:
        if KINDS.get(kind) is None or KINDS[kind].label is not None:
            self.busy_changed.emit(kind, running)
        self.derived.job_changed(kind, running)

    # ------------------------------------------------------------------ whole documents
    def restore(self, workspace: Workspace) -> None:
        """Put back a saved session: every job stops, every part is replaced and announced. The view
        is announced last, so the framing done on the new target does not override the saved view."""
        self._retarget.stop()
        for kind in self.jobs.running_kinds():
            self.jobs.stop(kind)
        saved_view = workspace.view
        parts = self.workspace.restore(workspace)
        self._announce(parts - {Part.VIEW})
        for kind in SETTINGS_KINDS:
            self.settings_changed.emit(kind)
        self.workspace.view = saved_view
        self._announce({Part.VIEW})

    def settle(self, timeout_ms: int = 30_000) -> bool:
        """Finish every pending derived result now (screenshots, exports, tests)."""
        return self.derived.settle(timeout_ms)

    def shutdown(self) -> bool:
        """Stop every job and wait for the workers (the window calls this when it closes)."""
        self._retarget.stop()
        self.derived.shutdown()
        return self.jobs.shutdown()
