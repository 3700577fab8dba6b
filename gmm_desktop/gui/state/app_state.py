"""The one owner of what the user works on: target, data (samples or a file), fit, selection.

Panels ask it for actions (`start_sampling`, `start_fit`, ...); it runs the core's generators on
the `JobRunner`, stores each record that comes back and announces the change by a signal. Views
listen and redraw on their own ~30 Hz throttle; nothing here paints or opens a dialog. Records are
immutable; the sample buffer only ever grows past the part views have seen, so a view holding
`data.points` never sees it change under it.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from gmm_desktop.core.em import EMResult, EMSettings, EMStep, em_steps
from gmm_desktop.core.io.session import FileSource
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers.rwmh import ChainState, SampleBatch, SamplerSettings, run_sampler
from gmm_desktop.core.selection import Candidate, best, sweep
from gmm_desktop.gui.state.jobs import JobEvent, JobRunner

RETARGET_MS = 150
"""A new target restarts a running sampler (in a new child process) after this pause, not per drag move."""
SCATTER_LIMIT = 20_000
"""Above this many points the cloud is drawn as a raster (density or label image), not a scatter."""


def with_gui_threads(settings: EMSettings) -> EMSettings:
    """`settings` with at most one EM kernel thread fewer than the machine has cores (unless the
    user chose a number): the GUI thread keeps a core, or on 2 cores a 1e6-point fit starved it and
    every paint took twice as long. The answer does not depend on the thread count."""
    if settings.n_threads:
        return settings
    return replace(settings, n_threads=max(1, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points to draw and fit. points (N, D); chain_ids (N,) for MCMC samples; labels (N,) known
    classes (exact samples: the generating component), else None. origin: "mcmc", "exact", "file".
    target: the mixture the points were drawn from (the newest one, if it changed during a run), so a
    fit is compared with what made the data even after the target is edited. origin "painted": points
    the user sprayed on the plot, with the brush's classes as labels."""

    points: np.ndarray
    origin: str
    columns: tuple[str, ...] = ("x", "y")
    chain_ids: np.ndarray | None = None
    labels: np.ndarray | None = None
    display: tuple[int, int] = (0, 1)
    target: Mixture | None = None
    source: FileSource | None = None
    """Where file data came from and how it was read (a session stores it with the points)."""

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    @property
    def cloud_mode(self) -> str:
        """ "scatter" while small, "raster" when large: decided here, not in paint code."""
        return "scatter" if self.n_points <= SCATTER_LIMIT else "raster"

    def shown(self) -> np.ndarray:
        """(N, 2) the two displayed coordinates."""
        return self.points[:, list(self.display)]


def settled_step(
    mixture: Mixture,
    covariance_type: str,
    iteration: int,
    log_likelihood: float,
    converged: bool,
    lower_bound: float | None = None,
) -> EMStep:
    """The step a fit that did not run here is shown as (a selection candidate, a model file, a
    saved session): the views draw a `FitState`, whose newest step carries the parameters."""
    bound = log_likelihood if lower_bound is None else lower_bound
    w, mu, cov = mixture.weights, mixture.means, mixture.covariances
    return EMStep(0, iteration, log_likelihood, w, mu, cov, covariance_type, converged, bound)


@dataclass(frozen=True, eq=False)
class FitState:
    """The fit as the window shows it: the newest EM step, the log-likelihood trace, and the final
    result once EM has finished (None while it runs or after a stop)."""

    step: EMStep
    trace: tuple[float, ...]
    result: EMResult | None = None
    settings: EMSettings = field(default_factory=EMSettings)

    @property
    def mixture(self) -> Mixture:
        return self.result.mixture if self.result is not None else self.step.mixture


class _GrowingPoints:
    """Append-only (N, D) buffer with amortised doubling; views of [:n] stay valid and unchanged."""

    def __init__(self, dims: int, capacity: int = 1024) -> None:
        self._data = np.empty((max(capacity, 1), dims))
        self._chains = np.empty(max(capacity, 1), dtype=np.int64)
        self.n = 0

    def append(self, points: np.ndarray, chains: np.ndarray) -> None:
        need = self.n + len(points)
        if need > len(self._data):
            capacity = max(need, 2 * len(self._data))
            self._data = np.concatenate([self._data[: self.n], np.empty((capacity - self.n, self._data.shape[1]))])
            self._chains = np.concatenate([self._chains[: self.n], np.empty(capacity - self.n, dtype=np.int64)])
        self._data[self.n : need] = points
        self._chains[self.n : need] = chains
        self.n = need

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._data[: self.n], self._chains[: self.n]


class AppState(QObject):
    """Signals carry the new value (or None when cleared) and arrive in the GUI thread."""

    target_changed = Signal(object)  # Mixture
    data_changed = Signal(object)  # Dataset | None
    sampler_changed = Signal(object)  # SamplerStatus
    fit_changed = Signal(object)  # FitState | None
    selection_changed = Signal(object)  # tuple[Candidate, ...]
    job_failed = Signal(str, str)  # kind, message
    busy_changed = Signal(str, bool)  # kind, running

    def __init__(self, target: Mixture | None = None, target_name: str = "Article demo") -> None:
        super().__init__()
        self._target = target if target is not None else article_demo()
        self._target_name = target_name
        self.jobs = JobRunner(self)
        self.jobs.record.connect(self._on_record)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.running_changed.connect(self.busy_changed)
        self._data: Dataset | None = None
        self._buffer: _GrowingPoints | None = None
        self._sampler = SamplerStatus()
        self._fit: FitState | None = None
        self._fit_trace: list[float] = []
        self._candidates: list[Candidate] = []
        self._criterion = "bic"
        self._fit_settings = EMSettings()
        self._retarget = QTimer(self)
        self._retarget.setObjectName("samplerRetarget")
        self._retarget.setSingleShot(True)
        self._retarget.setInterval(RETARGET_MS)
        self._retarget.timeout.connect(self._on_retarget)

    # ------------------------------------------------------------------ target
    @property
    def target(self) -> Mixture:
        return self._target

    @property
    def target_name(self) -> str:
        return self._target_name

    def set_target(self, mixture: Mixture, name: str | None = None) -> None:
        """Replace the target and announce it; a running sampler continues from where its chains
        are, against the new target (the chains are not reset)."""
        self._target = mixture
        if name is not None:
            self._target_name = name
        self.target_changed.emit(mixture)
        if self.jobs.is_running("sampler"):
            self._retarget.start()  # a drag sends many targets: restart once it pauses

    def _on_retarget(self) -> None:
        if self.jobs.is_running("sampler") and self._sampler.chain_state is not None:
            self._run_sampler(self._sampler.settings, self._sampler.chain_state)

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> Dataset | None:
        return self._data

    def set_data(self, data: Dataset | None) -> None:
        """Replace the points (a file, painted points, exact samples); the fit and selection go."""
        self.jobs.stop("sampler")
        self._buffer = None
        self._sampler = SamplerStatus()
        self._data = data
        self._clear_results()
        self.data_changed.emit(data)
        self.sampler_changed.emit(self._sampler)

    def clear_data(self) -> None:
        self.set_data(None)

    def sample_exact(self, n: int, seed: int | None = 0) -> None:
        """Exact (ancestral) samples of the target, for comparison with the chain (fast: ~27 M/s)."""
        points, labels = self._target.sample(n, seed)
        self.set_data(Dataset(points, "exact", labels=labels, target=self._target))

    # ------------------------------------------------------------------ sampler
    @property
    def sampler(self) -> SamplerStatus:
        return self._sampler

    def start_sampling(self, settings: SamplerSettings) -> None:
        """A new run: clears the points (and the fit) and starts the chains from settings.start."""
        self.set_data(None)
        # Sized for the whole run up front: growing a million-point buffer on the GUI thread stalls it.
        expected = settings.n_chains * -(-settings.n_steps // settings.thin)
        self._buffer = _GrowingPoints(self._target.n_dims, expected)
        self._sampler = SamplerStatus(settings=settings)
        self._run_sampler(settings, None)

    def continue_sampling(self, extra_steps: int | None = None) -> None:
        """Go on from the last chain state for `extra_steps` more steps (default: the same number)."""
        status = self._sampler
        if status.chain_state is None or status.settings is None or self.jobs.is_running("sampler"):
            return
        steps = extra_steps or status.settings.n_steps
        settings = replace(status.settings, n_steps=status.chain_state.steps_done - status.settings.burn_in + steps)
        self._sampler = replace(status, settings=settings)
        self._run_sampler(settings, status.chain_state)

    def stop_sampling(self) -> None:
        self._retarget.stop()
        self.jobs.stop("sampler")

    def _run_sampler(self, settings: SamplerSettings, chain_state: ChainState | None) -> None:
        # The chains' loop over steps holds the GIL: it runs in a child process (see process_jobs).
        self.jobs.start("sampler", partial(run_sampler, self._target, settings, chain_state), in_process=True)

    def _on_sample_batch(self, batch: SampleBatch) -> None:
        if self._buffer is None:
            self._buffer = _GrowingPoints(batch.samples.shape[1])
        self._buffer.append(batch.samples, batch.chain_ids)
        points, chains = self._buffer.view()
        self._data = Dataset(points, "mcmc", chain_ids=chains, target=self._target)
        self._sampler = replace(
            self._sampler,
            chain_state=batch.state,
            progress=batch.progress,
            acceptance_rate=batch.acceptance_rate,
            last_batch=batch,
        )
        self.data_changed.emit(self._data)
        self.sampler_changed.emit(self._sampler)

    # ------------------------------------------------------------------ fit
    @property
    def fit(self) -> FitState | None:
        return self._fit

    def start_fit(self, settings: EMSettings) -> None:
        """Fit the current points by EM on a worker; each iteration is announced as it comes."""
        X = self._fit_input("fit")
        if X is None:
            return
        self._clear_fit(announce=False)
        self._fit_settings = settings
        self.jobs.start("fit", lambda: em_steps(X, with_gui_threads(settings)))

    def step_fit(self, settings: EMSettings) -> None:
        """One more EM iteration from the current fit (or the initialisation plus one iteration)."""
        X = self._fit_input("fit")
        if X is None:
            return
        last = self._fit.step if self._fit is not None and self._fit.settings == settings else None
        if last is None:
            self._clear_fit(announce=False)
        self._fit_settings = settings
        self.jobs.start("fit", lambda: itertools.islice(em_steps(X, with_gui_threads(settings), resume_from=last), 1))

    def stop_fit(self) -> None:
        self.jobs.stop("fit")

    def _fit_input(self, kind: str) -> np.ndarray | None:
        """The points to fit, or None after announcing why there are none (job_failed)."""
        if self._data is None or self._data.n_points == 0:
            self.job_failed.emit(kind, "There are no points to fit: run the sampler or open a data file first.")
            return None
        return self._data.points

    def _on_em_step(self, step: EMStep) -> None:
        if step.iteration == 1 or self._fit is None or step.restart != self._fit.step.restart:
            self._fit_trace = []
        self._fit_trace.append(step.log_likelihood)
        self._fit = FitState(step, tuple(self._fit_trace), None, self._fit_settings)
        self.fit_changed.emit(self._fit)

    def _on_fit_finished(self, result: EMResult | None) -> None:
        if result is None or self._fit is None:
            return
        self._fit = replace(self._fit, result=result)
        self.fit_changed.emit(self._fit)

    def use_candidate(self, candidate: Candidate) -> None:
        """Show a model-selection candidate as the fit ("Use this model")."""
        if candidate.result is None:
            return
        result = candidate.result
        step = settled_step(
            result.mixture,
            result.covariance_type,
            result.n_iter,
            result.log_likelihood,
            result.converged,
            result.lower_bound,
        )
        settings = replace(
            self._fit_settings, n_components=candidate.n_components, covariance_type=candidate.covariance_type
        )
        self._fit = FitState(step, tuple(result.lower_bounds), result, settings)
        self.fit_changed.emit(self._fit)

    def _clear_fit(self, announce: bool = True) -> None:
        """Forget the fit (a new fit starts); model-selection results stay, they describe the data."""
        self.jobs.stop("fit")
        self._fit = None
        self._fit_trace = []
        if announce:
            self.fit_changed.emit(None)

    def _clear_results(self) -> None:
        """New data: neither the fit nor the model-selection results describe it any more."""
        self.jobs.stop("selection")
        self._candidates = []
        self._clear_fit()
        self.selection_changed.emit(())

    # ------------------------------------------------------------------ selection
    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(self._candidates)

    def best_candidate(self, criterion: str | None = None) -> Candidate | None:
        return best(self._candidates, criterion or self._criterion)

    def start_selection(
        self, k_values: range, covariance_types: tuple[str, ...], criterion: str, settings: EMSettings
    ) -> None:
        """Sweep K x covariance types on a worker; candidates are announced one by one."""
        X = self._fit_input("selection")
        if X is None:
            return
        self._candidates = []
        self._criterion = criterion
        self.selection_changed.emit(())
        self.jobs.start("selection", lambda: sweep(X, k_values, covariance_types, settings))

    def stop_selection(self) -> None:
        self.jobs.stop("selection")

    # ------------------------------------------------------------------ job events
    def _on_record(self, event: JobEvent) -> None:
        if event.kind == "sampler":
            self._on_sample_batch(event.payload)
        elif event.kind == "fit":
            self._on_em_step(event.payload)
        elif event.kind == "selection":
            self._candidates.append(event.payload)
            self.selection_changed.emit(tuple(self._candidates))

    def _on_finished(self, event: JobEvent) -> None:
        if event.kind == "fit":
            self._on_fit_finished(event.payload)

    def _on_failed(self, event: JobEvent) -> None:
        message, _detail = event.payload
        self.job_failed.emit(event.kind, message)

    # ------------------------------------------------------------------ whole documents
    def restore(
        self,
        target: Mixture,
        target_name: str,
        data: Dataset | None,
        sampler: SamplerStatus,
        fit: FitState | None,
        candidates: tuple[Candidate, ...],
    ) -> None:
        """Put back a saved session: every job stops, every part is replaced and announced. MCMC
        samples go back into the growing buffer, so Continue appends to them."""
        self._retarget.stop()
        for kind in self.jobs.running_kinds():
            self.jobs.stop(kind)
        self._target, self._target_name = target, target_name
        self._buffer = None
        if data is not None and data.origin == "mcmc" and data.chain_ids is not None:
            self._buffer = _GrowingPoints(data.points.shape[1], data.n_points)
            self._buffer.append(data.points, data.chain_ids)
            data = replace(data, points=self._buffer.view()[0], chain_ids=self._buffer.view()[1])
        self._data, self._sampler, self._fit = data, sampler, fit
        self._fit_trace = list(fit.trace) if fit is not None else []
        self._fit_settings = fit.settings if fit is not None else EMSettings()
        self._candidates = list(candidates)
        self.target_changed.emit(target)
        self.data_changed.emit(data)
        self.sampler_changed.emit(sampler)
        self.fit_changed.emit(fit)
        self.selection_changed.emit(tuple(candidates))

    def apply_model(self, mixture: Mixture, covariance_type: str = "full") -> None:
        """Show a given model (an imported file) as the fit of the current points, without EM: their
        colours, P(i|x), parameter table and log-likelihood then come from it."""
        X = self._fit_input("fit")
        if X is None:
            return
        if mixture.n_dims != X.shape[1]:
            self.job_failed.emit("fit", f"The model is {mixture.n_dims}-D but the points are {X.shape[1]}-D.")
            return
        self._clear_fit(announce=False)
        mean_ll = float(np.mean(mixture.logpdf(X)))
        step = settled_step(mixture, covariance_type, 0, mean_ll, True)
        settings = replace(self._fit_settings, n_components=mixture.n_components, covariance_type=covariance_type)
        self._fit_settings = settings
        self._fit = FitState(step, (mean_ll,), None, self._fit_settings)
        self.fit_changed.emit(self._fit)

    def shutdown(self) -> bool:
        """Stop every job and wait for the workers (the window calls this when it closes)."""
        self._retarget.stop()
        return self.jobs.shutdown()


@dataclass(frozen=True, eq=False)
class SamplerStatus:
    """What the sampler panel shows: settings of the run, progress 0..1, acceptance so far, and the
    chain state to continue from (None before the first batch)."""

    settings: SamplerSettings | None = None
    chain_state: ChainState | None = None
    progress: float = 0.0
    acceptance_rate: float = float("nan")
    last_batch: SampleBatch | None = None
