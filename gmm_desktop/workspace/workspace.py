"""The workspace: everything the user works on, as plain values, and the rules that change it.

One `Workspace` holds the target, the data, the sampler's status, the fit, the model-selection
candidates, every job's settings and the view. Its methods apply one user action or one job record
and return what changed (`Part`s), so the Qt adapter (`gui.state.AppState`) only runs jobs and
announces those parts. The rules live here, testable without Qt: new data drops the fit and the
candidates; a sampler run appends to a buffer that only grows; a fit's trace restarts with a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from gmm_desktop.core.em import EMResult, EMSettings, EMStep
from gmm_desktop.core.labels import PointLabels
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers.rwmh import SampleBatch, SamplerSettings
from gmm_desktop.core.selection import Candidate, best
from gmm_desktop.workspace.data import Dataset, GrowingPoints, chain_tail, default_shown
from gmm_desktop.workspace.results import (
    ChainDiagnostics,
    FitComparison,
    FitContours,
    FitState,
    SamplerStatus,
    TargetDensity,
    settled_step,
)
from gmm_desktop.workspace.settings import Settings
from gmm_desktop.workspace.view import ViewState


class Part(StrEnum):
    """A part of the workspace that changed; the adapter announces each by its own signal."""

    TARGET = "target"
    DATA = "data"
    SAMPLER = "sampler"
    FIT = "fit"
    SELECTION = "selection"
    SETTINGS = "settings"
    VIEW = "view"


@dataclass(frozen=True, eq=False)
class Derived:
    """Results computed from the workspace by jobs; each says what it was computed from."""

    labels: PointLabels | None = None
    target_density: TargetDensity | None = None
    fit_contours: FitContours | None = None
    comparison: FitComparison | None = None
    diagnostics: ChainDiagnostics | None = None


@dataclass(eq=False)
class Workspace:
    """The user's work. Fields hold immutable records; methods replace them and say what changed."""

    target: Mixture = field(default_factory=article_demo)
    target_name: str = "Article demo"
    data: Dataset | None = None
    sampler: SamplerStatus = field(default_factory=SamplerStatus)
    fit: FitState | None = None
    candidates: tuple[Candidate, ...] = ()
    criterion: str = "bic"
    """The criterion the last sweep ranks by (the selection panel may show another)."""
    settings: Settings = field(default_factory=Settings)
    view: ViewState = field(default_factory=ViewState)
    derived: Derived = field(default_factory=Derived)
    _buffer: GrowingPoints | None = None

    # ------------------------------------------------------------------ queries
    def reference_mixture(self) -> Mixture | None:
        """The mixture P(i|x) is computed under (colours, readout, saved labels): the fit when there is
        one, else the target; None when its dimension differs from the data's."""
        mixture = self.fit.mixture if self.fit is not None else self.target
        if self.data is not None and mixture.n_dims != self.data.n_dims:
            return None
        return mixture

    def shown_points(self) -> np.ndarray:
        """(N, 2) the two shown coordinates of the data (empty without data)."""
        if self.data is None:
            return np.empty((0, 2))
        return self.data.points[:, list(self.view.shown)]

    def best_candidate(self, criterion: str | None = None) -> Candidate | None:
        return best(self.candidates, criterion or self.criterion)

    def comparison_target(self) -> Mixture:
        """What the fit is compared with: the mixture that made the data, else the current target."""
        return self.data.target if self.data is not None and self.data.target is not None else self.target

    # ------------------------------------------------------------------ target and data
    def set_target(self, mixture: Mixture, name: str | None = None) -> set[Part]:
        self.target = mixture
        if name is not None:
            self.target_name = name
        return {Part.TARGET}

    def set_data(self, data: Dataset | None, shown: tuple[int, int] | None = None) -> set[Part]:
        """Replace the points (a file, painted points, exact draws); the fit and candidates go, and the
        sampler starts afresh. `shown`: the columns to draw (default: the first two)."""
        self._buffer = None
        self.sampler = SamplerStatus()
        self.data = data
        if data is not None:
            self.view = replace(self.view, shown=shown if shown is not None else default_shown(data.n_dims))
        return {Part.SELECTION, Part.FIT, Part.DATA, Part.SAMPLER, Part.VIEW} | self._clear_results()

    def _clear_results(self) -> set[Part]:
        self.candidates = ()
        self.fit = None
        return {Part.SELECTION, Part.FIT}

    def set_shown(self, shown: tuple[int, int]) -> set[Part]:
        if self.data is not None and not all(0 <= i < self.data.n_dims for i in shown):
            raise ValueError(f"shown columns {shown} must index the data's {self.data.n_dims} columns")
        self.view = replace(self.view, shown=tuple(shown))
        return {Part.VIEW}

    # ------------------------------------------------------------------ sampler
    def begin_sampling(self, settings: SamplerSettings) -> set[Part]:
        """A new run: no points yet, a buffer sized for the whole run (growing a million-point buffer
        on the GUI thread stalls it)."""
        parts = self.set_data(None)
        expected = settings.n_chains * -(-settings.n_steps // settings.thin)
        self._buffer = GrowingPoints(self.target.n_dims, expected)
        self.sampler = SamplerStatus(settings=settings)
        self.view = replace(self.view, shown=default_shown(self.target.n_dims))
        return parts

    def continued_settings(self, extra_steps: int | None = None) -> SamplerSettings | None:
        """The settings that go on from the last chain state for `extra_steps` more steps (default: the
        run's own number), recorded as the run's; None when there is nothing to continue."""
        status = self.sampler
        if status.chain_state is None or status.settings is None:
            return None
        steps = extra_steps or status.settings.n_steps
        settings = replace(status.settings, n_steps=status.chain_state.steps_done - status.settings.burn_in + steps)
        self.sampler = replace(status, settings=settings)
        return settings

    def add_batch(self, batch: SampleBatch) -> set[Part]:
        if self._buffer is None:
            self._buffer = GrowingPoints(batch.samples.shape[1])
        self._buffer.append(batch.samples, batch.chain_ids)
        points, chains = self._buffer.view()
        self.data = Dataset(points, "mcmc", chain_ids=chains, target=self.target)
        tail = chain_tail(self.sampler.chain_tail, batch.samples, batch.chain_ids, self.view.shown)
        self.sampler = replace(
            self.sampler,
            chain_state=batch.state,
            progress=batch.progress,
            acceptance_rate=batch.acceptance_rate,
            last_batch=batch,
            chain_tail=tail,
        )
        return {Part.DATA, Part.SAMPLER}

    def exact_draws(self, n: int, seed: int | None) -> Dataset:
        """Exact (ancestral) samples of the target, labelled by component (fast: ~27 M/s)."""
        points, labels = self.target.sample(n, seed)
        return Dataset(points, "exact", labels=labels, target=self.target)

    # ------------------------------------------------------------------ fit
    def begin_fit(self) -> set[Part]:
        """A new fit starts: the old one is forgotten (model-selection results stay: they describe the data)."""
        self.fit = None
        return {Part.FIT}

    def resumable_step(self, settings: EMSettings) -> EMStep | None:
        """The step a Step goes on from: the current fit's, when it was made with these settings."""
        return self.fit.step if self.fit is not None and self.fit.settings == settings else None

    def add_em_step(self, step: EMStep, settings: EMSettings) -> set[Part]:
        previous = self.fit
        restarted = step.iteration == 1 or previous is None or step.restart != previous.step.restart
        trace = (() if restarted else previous.trace) + (step.log_likelihood,)
        self.fit = FitState(step, trace, None, settings)
        return {Part.FIT}

    def finish_fit(self, result: EMResult | None) -> set[Part]:
        if result is None or self.fit is None:
            return set()
        self.fit = replace(self.fit, result=result)
        return {Part.FIT}

    def set_fit(self, fit: FitState | None) -> set[Part]:
        """Show a fit made elsewhere (a test, a session); None forgets the fit."""
        self.fit = fit
        return {Part.FIT}

    def use_candidate(self, candidate: Candidate) -> set[Part]:
        """A model-selection candidate becomes the fit ("Use this model")."""
        if candidate.result is None:
            return set()
        result = candidate.result
        step = settled_step(
            result.mixture, result.covariance_type, result.n_iter, result.log_likelihood, result.converged,
            result.lower_bound,
        )  # fmt: skip
        settings = replace(
            self._fit_settings(), n_components=candidate.n_components, covariance_type=candidate.covariance_type
        )
        self.fit = FitState(step, tuple(result.lower_bounds), result, settings)
        return {Part.FIT}

    def apply_model(self, mixture: Mixture, covariance_type: str = "full") -> set[Part]:
        """A given model (an imported file) as the fit of the current points, without EM. ValueError
        (a message for the user) when there are no points or the dimensions differ."""
        X = self.points_to_fit()
        if mixture.n_dims != X.shape[1]:
            raise ValueError(f"The model is {mixture.n_dims}-D but the points are {X.shape[1]}-D.")
        mean_ll = float(np.mean(mixture.logpdf(X)))
        step = settled_step(mixture, covariance_type, 0, mean_ll, True)
        settings = replace(self._fit_settings(), n_components=mixture.n_components, covariance_type=covariance_type)
        self.fit = FitState(step, (mean_ll,), None, settings)
        return {Part.FIT}

    def _fit_settings(self) -> EMSettings:
        """What a fit shown without running EM records as its settings: the current fit's, else the panel's."""
        return self.fit.settings if self.fit is not None else self.settings.fit

    def points_to_fit(self) -> np.ndarray:
        """The points EM runs on; ValueError with a message for the user when there are none."""
        if self.data is None or self.data.n_points == 0:
            raise ValueError("There are no points to fit: run the sampler or open a data file first.")
        return self.data.points

    # ------------------------------------------------------------------ selection
    def begin_selection(self, criterion: str) -> set[Part]:
        self.candidates = ()
        self.criterion = criterion
        return {Part.SELECTION}

    def add_candidate(self, candidate: Candidate) -> set[Part]:
        self.candidates = (*self.candidates, candidate)
        return {Part.SELECTION}

    # ------------------------------------------------------------------ settings and view
    def set_settings(self, kind: str, value: object) -> set[Part]:
        self.settings = self.settings.with_kind(kind, value)
        return {Part.SETTINGS}

    def set_view(self, view: ViewState) -> set[Part]:
        self.view = view
        return {Part.VIEW}

    # ------------------------------------------------------------------ whole documents
    def restore(self, other: Workspace) -> set[Part]:
        """Become `other` (a reopened session); MCMC samples go back into a growing buffer, so Continue
        appends to them."""
        data = other.data
        self._buffer = None
        if data is not None and data.origin == "mcmc" and data.chain_ids is not None:
            self._buffer = GrowingPoints(data.n_dims, data.n_points)
            self._buffer.append(data.points, data.chain_ids)
            points, chains = self._buffer.view()
            data = replace(data, points=points, chain_ids=chains)
        self.target, self.target_name, self.data = other.target, other.target_name, data
        self.sampler, self.fit, self.candidates = other.sampler, other.fit, other.candidates
        self.criterion, self.settings, self.view = other.criterion, other.settings, other.view
        self.derived = Derived()
        return set(Part)
