"""EM for Gaussian mixtures, one step per iteration, equal to scikit-learn's `GaussianMixture`.

`em_steps(X, settings)` is a generator: it yields an `EMStep` after every iteration of every restart
and returns the `EMResult` (so `fit` is just "run it to the end"). From the same initial parameters
it reproduces scikit-learn's iterations exactly (same per-iteration bounds, same `n_iter_`, same final
parameters to ~1e-14): the same E-step (log-sum-exp of log w + log N with Cholesky factors of the
precisions), the same M-step (nk = sum r + 10 eps, reg_covar on the diagonal), the same stopping
rule |lower_bound - previous| < tol and the same choice among restarts.

Conventions (scikit-learn's):
- `lower_bound` of an iteration is the mean per-sample log-likelihood computed in its E-step, i.e.
  of the parameters *entering* the iteration; the parameters reported with it are the ones its M-step
  produced. A result's `log_likelihood` is that of its final parameters (a last E-step, as
  scikit-learn's `score(X)`), so its BIC equals `GaussianMixture.bic(X)`.
- BIC, AIC and ICL: lower is better.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.em.bayesian import bayesian_steps
from gmm_desktop.core.em.data_pass import DataPass, check_data
from gmm_desktop.core.em.init import HCStart, initial_params
from gmm_desktop.core.em.params import GaussianParams, m_step, make_params, params_from_mixture
from gmm_desktop.core.em.records import EMResult, EMStep, RestartSummary, finish, make_step
from gmm_desktop.core.em.settings import EMSettings, aitken_limit, conjugate_prior, converged, ridge
from gmm_desktop.core.models import covariance_model

if TYPE_CHECKING:
    from gmm_desktop.core.em.hc import HCTree


Accept = Callable[[EMResult], str]
GiveUp = Callable[[int, float, float, GaussianParams], bool]
"""Why a restart's result must not be kept, in words ("" to keep it): e.g. `selection.degeneracy`."""


def em_steps(
    X: np.ndarray,
    settings: EMSettings,
    resume_from: EMStep | None = None,
    *,
    accept: Accept | None = None,
    tree: HCTree | None = None,
    steps: bool = True,
    give_up: GiveUp | None = None,
) -> Generator[EMStep, None, EMResult]:
    """Yield an `EMStep` per iteration over all restarts; return the `EMResult` (kept restart).

    X: (N, D) finite real numbers, N >= max(2, K). Inputs are checked before the first step, so bad
    data raise ValueError here, not at the first `next()`. The generator may be abandoned at any step.
    resume_from: a step of an earlier run with the same X and settings; the run continues that restart
    from there (same iterations as if never interrupted, numbering and max_iter included) and stops
    with it: restarts not yet begun are not run, and the result's `lower_bounds` hold only the
    iterations run after resuming. accept: when given, every restart's final parameters are tested
    and the best restart it accepts is kept (the best of all if it accepts none). tree: the
    hierarchical clustering of X for init="hc", when the caller made it once for many fits.
    steps=False yields nothing and only returns the result (no per-iteration copies: `fit`).
    give_up: see `run_em`.
    """
    given = settings.init_params if settings.init == "given" else None
    X = check_data(X, settings.n_components, None if given is None else given.n_dims)
    random_state = np.random.RandomState(settings.seed)
    if resume_from is not None:
        return _resume(X, settings, random_state, resume_from)
    if settings.bayesian:
        return bayesian_steps(X, settings, random_state, DataPass(X, settings.backend, settings.n_threads))
    initial = None if given is None else params_from_mixture(given, settings.covariance_type)
    if settings.init == "hc":
        initial = HCStart(X, settings, tree)
    return run_em(X, settings, random_state, initial, accept=accept, steps=steps, give_up=give_up)


def _resume(
    X: np.ndarray, settings: EMSettings, random_state: np.random.RandomState, step: EMStep
) -> Generator[EMStep, None, EMResult]:
    if settings.bayesian:
        raise ValueError("resume_from is not available with bayesian=True (scikit-learn keeps that state)")
    if step.covariance_type != settings.covariance_type or step.means.shape != (settings.n_components, X.shape[1]):
        raise ValueError(
            f"resume_from holds a {step.covariance_type} mixture of shape {step.means.shape}; the settings ask "
            f"for {settings.covariance_type} with {settings.n_components} components in {X.shape[1]} dimensions"
        )
    raw = covariance_model(settings.covariance_type).ops.from_full(step.covariances, step.weights)
    params = make_params(step.weights, step.means, raw, settings.covariance_type)
    once = replace(settings, n_init=1)
    return run_em(X, once, random_state, params, step.lower_bound, step.iteration, step.restart)


def fit(
    X: np.ndarray,
    settings: EMSettings,
    *,
    accept: Accept | None = None,
    tree: HCTree | None = None,
    give_up: GiveUp | None = None,
) -> EMResult:
    """Run `em_steps` to the end and return the kept restart's result."""
    return drain(em_steps(X, settings, accept=accept, tree=tree, steps=False, give_up=give_up))


def drain(steps: Generator[EMStep, None, EMResult]) -> EMResult:
    """Exhaust a step generator and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def run_em(
    X: np.ndarray,
    settings: EMSettings,
    random_state: np.random.RandomState,
    initial: GaussianParams | Callable[[np.random.RandomState], GaussianParams] | None = None,
    initial_lower_bound: float = -math.inf,
    start_iteration: int = 0,
    restart_offset: int = 0,
    accept: Accept | None = None,
    steps: bool = True,
    give_up: GiveUp | None = None,
) -> Generator[EMStep, None, EMResult]:
    """scikit-learn's `fit_predict` loop, step by step. X is already checked (`check_data`).

    `initial` replaces the initialisation of every restart: fixed parameters (given ones, or a warm
    start, which also passes the previous `initial_lower_bound`) or a function of the random state.
    The random state is shared across restarts, as scikit-learn shares it. A resumed run passes the
    iteration it stopped at (`start_iteration`, counted against max_iter) and its restart index.
    With `accept`, a restart it rejects is kept only if it rejects every restart. steps=False: yield
    nothing (see `em_steps`). give_up(iteration, bound, predicted, params): stop this restart now
    (not converged), given its mean per-sample bound, Aitken's prediction of where it will end and
    its parameters.
    """
    if initial is None:
        initial = partial(initial_params, X, settings)
    elif isinstance(initial, GaussianParams):
        initial = partial(lambda params, _: params, initial)
    data_pass = DataPass(X, settings.backend, settings.n_threads)
    n_samples, reg, prior = X.shape[0], ridge(X, settings), conjugate_prior(X, settings)
    kept = _Kept(data_pass, accept)
    for restart in range(settings.n_init):
        params = initial(random_state)
        lower_bound = initial_lower_bound
        bounds: list[float] = []
        history = [initial_lower_bound]
        done = False
        first = start_iteration + 1 if restart == 0 else 1
        for iteration in range(first, settings.max_iter + 1):
            stats, sums = data_pass(params)
            lower_bound = float(sums[0]) / n_samples
            params = m_step(
                stats, params.means, reg, settings.covariance_type, previous=params.covariances, prior=prior
            )
            bounds.append(lower_bound)
            history.append(lower_bound)
            done = converged(settings.stopping, settings.tol, history[-3:], n_samples)
            if not done and give_up is not None and give_up(iteration, lower_bound, aitken_limit(history[-3:]), params):
                break
            if steps:
                yield make_step(restart + restart_offset, iteration, lower_bound, lower_bound, params, done)
            if done:
                break
        n_iter = len(bounds) + (start_iteration if restart == 0 else 0)
        kept.offer(restart + restart_offset, params, lower_bound, RestartSummary(lower_bound, n_iter, done), bounds)
        if settings.max_iter == 0:
            kept.only(restart + restart_offset, params)
    return kept.result()


class _Kept:
    """The restart a fit keeps: the best final lower bound (scikit-learn's rule), among the restarts
    `accept` passes when it is given (a rejected one only while none passes)."""

    def __init__(self, data_pass: DataPass, accept: Accept | None) -> None:
        self.data_pass, self.accept = data_pass, accept
        self.summaries: list[RestartSummary] = []
        self.best: tuple[bool, float] | None = None
        self.record: tuple = ()
        self.final: EMResult | None = None

    def offer(self, restart: int, params, lower_bound: float, summary: RestartSummary, bounds: list[float]) -> None:
        self.summaries.append(summary)
        record = (params, lower_bound, tuple(bounds), summary.n_iter, summary.converged, restart)
        result = None if self.accept is None else self._finish(record)
        passed = result is None or not self.accept(result)
        key = (passed, lower_bound)
        if self.best is None or key > self.best or (key[0] == self.best[0] and self.best[1] == -math.inf):
            self.best, self.record, self.final = key, record, result

    def only(self, restart: int, params) -> None:
        """max_iter = 0: the initial parameters, as scikit-learn keeps them (no lower bound, no iterations)."""
        self.record, self.final = (params, -math.inf, (), 0, False, restart), None

    def _finish(self, record: tuple) -> EMResult:
        params, lower_bound, bounds, n_iter, done, restart = record
        return finish(self.data_pass, params, lower_bound, bounds, n_iter, done, self.summaries, restart)

    def result(self) -> EMResult:
        if self.final is not None:
            return replace(self.final, restarts=tuple(self.summaries))
        return self._finish(self.record)


def warm_up(parallel: bool = True) -> float:
    """Compile (or load from numba's cache) the 2-D kernels, so the first real fit does not wait for
    it; seconds taken. Call it on a worker thread at start-up; it imports numba."""
    import time

    start = time.perf_counter()
    X = np.random.default_rng(0).normal(size=(200, 2))
    fit(X, EMSettings(2, max_iter=2, init="random_from_data"))
    if parallel:
        fit(X, EMSettings(2, max_iter=2, init="random_from_data", n_threads=2))
    return time.perf_counter() - start
