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

import numpy as np

from gmm_desktop.core.em.bayesian import bayesian_steps
from gmm_desktop.core.em.data_pass import DataPass, check_data
from gmm_desktop.core.em.init import initial_params
from gmm_desktop.core.em.params import GaussianParams, m_step, make_params, params_from_mixture
from gmm_desktop.core.em.records import EMResult, EMStep, RestartSummary, finish, make_step
from gmm_desktop.core.em.settings import EMSettings
from gmm_desktop.core.models import covariance_model


def em_steps(
    X: np.ndarray, settings: EMSettings, resume_from: EMStep | None = None
) -> Generator[EMStep, None, EMResult]:
    """Yield an `EMStep` per iteration over all restarts; return the `EMResult` (kept restart).

    X: (N, D) finite real numbers, N >= max(2, K). Inputs are checked before the first step, so bad
    data raise ValueError here, not at the first `next()`. The generator may be abandoned at any step.
    resume_from: a step of an earlier run with the same X and settings; the run continues that restart
    from there (same iterations as if never interrupted, numbering and max_iter included) and stops
    with it: restarts not yet begun are not run, and the result's `lower_bounds` hold only the
    iterations run after resuming.
    """
    given = settings.init_params if settings.init == "given" else None
    X = check_data(X, settings.n_components, None if given is None else given.n_dims)
    random_state = np.random.RandomState(settings.seed)
    if resume_from is not None:
        return _resume(X, settings, random_state, resume_from)
    if settings.bayesian:
        return bayesian_steps(X, settings, random_state, DataPass(X, settings.backend, settings.n_threads))
    initial = None if given is None else params_from_mixture(given, settings.covariance_type)
    return run_em(X, settings, random_state, initial)


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


def fit(X: np.ndarray, settings: EMSettings) -> EMResult:
    """Run `em_steps` to the end and return the kept restart's result."""
    return drain(em_steps(X, settings))


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
) -> Generator[EMStep, None, EMResult]:
    """scikit-learn's `fit_predict` loop, step by step. X is already checked (`check_data`).

    `initial` replaces the initialisation of every restart: fixed parameters (given ones, or a warm
    start, which also passes the previous `initial_lower_bound`) or a function of the random state.
    The random state is shared across restarts, as scikit-learn shares it. A resumed run passes the
    iteration it stopped at (`start_iteration`, counted against max_iter) and its restart index.
    """
    if initial is None:
        initial = partial(initial_params, X, settings)
    elif isinstance(initial, GaussianParams):
        initial = partial(lambda params, _: params, initial)
    data_pass = DataPass(X, settings.backend, settings.n_threads)
    n_samples = X.shape[0]
    best: tuple[GaussianParams, int, tuple[float, ...], bool] | None = None
    max_lower_bound = -math.inf
    summaries: list[RestartSummary] = []
    best_restart = 0
    for restart in range(settings.n_init):
        params = initial(random_state)
        lower_bound = initial_lower_bound
        bounds: list[float] = []
        converged = False
        first = start_iteration + 1 if restart == 0 else 1
        for iteration in range(first, settings.max_iter + 1):
            previous = lower_bound
            stats, sums = data_pass(params)
            lower_bound = float(sums[0]) / n_samples
            params = m_step(stats, params.means, settings.reg_covar, settings.covariance_type)
            bounds.append(lower_bound)
            converged = abs(lower_bound - previous) < settings.tol
            yield make_step(restart + restart_offset, iteration, lower_bound, lower_bound, params, converged)
            if converged:
                break
        n_iter = len(bounds) + (start_iteration if restart == 0 else 0)
        summaries.append(RestartSummary(lower_bound, n_iter, converged))
        if settings.max_iter == 0:
            best, best_restart = (params, 0, (), False), restart + restart_offset
        elif lower_bound > max_lower_bound or max_lower_bound == -math.inf:
            max_lower_bound = lower_bound
            best, best_restart = (params, n_iter, tuple(bounds), converged), restart + restart_offset
    assert best is not None
    params, n_iter, bounds, converged = best
    return finish(data_pass, params, max_lower_bound, bounds, n_iter, converged, summaries, best_restart)


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
