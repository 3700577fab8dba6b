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

The data pass runs in one fused numba kernel (`em_kernels`, imported only when a fit runs) or in
numpy (`backend="numpy"`, the reference, and the fallback when numba is missing). Covariance-type
specifics live in `em_params`; initialisation and the Bayesian wrapper in `em_init`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from functools import partial
from typing import NamedTuple

import numpy as np

from gmm_desktop.core.em_params import (
    BACKENDS,
    COVARIANCE,
    COVARIANCE_TYPES,
    DataPass,
    GaussianParams,
    check_data,
    m_step,
    make_params,
    n_parameters,
    params_from_mixture,
)
from gmm_desktop.core.mixture import Mixture

__all__ = [
    "BACKENDS",
    "COVARIANCE_TYPES",
    "INIT_METHODS",
    "EMResult",
    "EMSettings",
    "EMStep",
    "GaussianParams",
    "RestartSummary",
    "criteria",
    "em_steps",
    "fit",
    "n_parameters",
    "preload",
    "responsibilities",
    "warm_up",
]

INIT_METHODS = ("k-means++", "kmeans", "random", "random_from_data", "given")


# ---------------------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class EMSettings:
    """What to fit and how. Every field is validated here; a bad one raises ValueError naming it.

    tol: stop when the mean per-sample log-likelihood changes by less than this (nats). reg_covar:
    added to covariance diagonals (data units squared). max_iter: iterations per restart. n_init:
    restarts, the best kept (scikit-learn's rule), all reported. init_params: the Mixture for
    init="given" (ignored otherwise).

    init: "k-means++" (scikit-learn's seeding; covariances start at reg_covar), "kmeans" (labels of
    one k-means run), "random" (random responsibilities), "random_from_data" (K random points as
    means) or "given" (`init_params`, projected onto `covariance_type`). The random methods run on a
    subsample of `init_subsample` points when N is larger (on all points otherwise, where they match
    scikit-learn's `init_params` draw for draw, except a tied fit seeded by "k-means++" or
    "random_from_data", which scikit-learn starts from a covariance inflated N/K times; see
    `em_init._tied_with_unassigned_rows`). seed: int for reproducible fits, None for fresh
    randomness. bayesian: fit scikit-learn's variational `BayesianGaussianMixture` (Dirichlet
    process prior) instead. backend: "auto" (numba when importable), "numba" or "numpy". n_threads:
    0 lets the fit choose (2 kernel threads for N >= em_params.PARALLEL_MIN_SAMPLES), else at most that
    many.
    """

    n_components: int = 2
    covariance_type: str = "full"
    tol: float = 1e-3
    reg_covar: float = 1e-6
    max_iter: int = 100
    n_init: int = 1
    init: str = "k-means++"
    seed: int | None = 0
    bayesian: bool = False
    init_params: Mixture | None = None
    init_subsample: int = 10_000
    backend: str = "auto"
    n_threads: int = 0

    def __post_init__(self) -> None:
        _check_int("n_components", self.n_components, 1)
        _check_choice("covariance_type", self.covariance_type, COVARIANCE_TYPES)
        _check_real("tol", self.tol)
        _check_real("reg_covar", self.reg_covar)
        _check_int("max_iter", self.max_iter, 0)
        _check_int("n_init", self.n_init, 1)
        _check_choice("init", self.init, INIT_METHODS)
        if self.seed is not None and (not isinstance(self.seed, int | np.integer) or not 0 <= self.seed < 2**32):
            raise ValueError(f"seed must be None or an integer in [0, 2**32), got {self.seed!r}")
        if not isinstance(self.bayesian, bool | np.bool_):
            raise ValueError(f"bayesian must be True or False, got {self.bayesian!r}")
        _check_int("init_subsample", self.init_subsample, 2)
        _check_choice("backend", self.backend, BACKENDS)
        _check_int("n_threads", self.n_threads, 0)
        if self.init == "given":
            if not isinstance(self.init_params, Mixture):
                raise ValueError("init_params must be a Mixture when init='given'")
            if self.init_params.n_components != self.n_components:
                raise ValueError(
                    f"init_params has {self.init_params.n_components} components but n_components is "
                    f"{self.n_components}"
                )
            if self.bayesian:
                raise ValueError("init='given' is not available with bayesian=True; choose another init")


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_real(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


# ---------------------------------------------------------------------------------------------- records
def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class EMStep:
    """One finished iteration: fresh read-only arrays, safe to hand to another thread.

    log_likelihood: mean per-sample log-likelihood computed in this iteration's E-step, i.e. of the
    parameters that *entered* it (scikit-learn's `lower_bound_` convention); weights (K,), means (K, D)
    and covariances (K, D, D, always full, for drawing) are what its M-step produced; the raw type is
    `covariance_type`. lower_bound: the convergence criterion, equal to log_likelihood for EM and
    scikit-learn's variational bound (total, up to constants) for a Bayesian fit, whose
    log_likelihood is then that of the reported parameters. converged: this step met the tolerance.
    """

    restart: int
    iteration: int
    log_likelihood: float
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str
    converged: bool
    lower_bound: float

    @property
    def mixture(self) -> Mixture:
        return Mixture(self.weights, self.means, self.covariances)


class RestartSummary(NamedTuple):
    """How one restart ended: its last lower bound (mean per sample), iterations, convergence."""

    log_likelihood: float
    n_iter: int
    converged: bool


@dataclass(frozen=True, eq=False)
class EMResult:
    """The kept restart of a fit. Responsibilities are not stored (N x K); see `responsibilities`.

    params: the raw parameters (scikit-learn's shapes for `covariance_type`). log_likelihood: mean
    per-sample log-likelihood of the final parameters (= `GaussianMixture.score(X)`);
    total_log_likelihood: its sum over the N points. lower_bound / lower_bounds: scikit-learn's
    `lower_bound_` / `lower_bounds_` (per iteration, see `EMStep`). restarts: every restart's
    summary; best_restart indexes the kept one. counts (K,): effective points per component (sum
    of responsibilities). entropy: -sum_n sum_k r_nk log r_nk >= 0 of the soft responsibilities.
    bic, aic, icl: lower is better (see `criteria`).
    """

    params: GaussianParams
    log_likelihood: float
    lower_bound: float
    lower_bounds: tuple[float, ...]
    n_iter: int
    converged: bool
    restarts: tuple[RestartSummary, ...]
    best_restart: int
    n_samples: int
    counts: np.ndarray
    entropy: float
    mixture: Mixture = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mixture", self.params.mixture())

    @property
    def covariance_type(self) -> str:
        return self.params.covariance_type

    @property
    def total_log_likelihood(self) -> float:
        return self.log_likelihood * self.n_samples

    @property
    def n_parameters(self) -> int:
        k, d = self.params.means.shape
        return n_parameters(k, d, self.covariance_type)

    def _criteria(self) -> dict[str, float]:
        return criteria(self.total_log_likelihood, self.n_parameters, self.n_samples, entropy=self.entropy)

    @property
    def bic(self) -> float:
        """-2 log L + p ln N (lower is better)."""
        return self._criteria()["bic"]

    @property
    def aic(self) -> float:
        """-2 log L + 2 p (lower is better)."""
        return self._criteria()["aic"]

    @property
    def icl(self) -> float:
        """BIC + 2 x entropy of the soft responsibilities (lower is better)."""
        return self._criteria()["icl"]


def criteria(
    total_log_likelihood: float,
    n_params: int,
    n_samples: int,
    resp: np.ndarray | None = None,
    *,
    entropy: float | None = None,
) -> dict[str, float]:
    """BIC, AIC and ICL with scikit-learn's sign: LOWER IS BETTER.

    BIC = -2 log L + p ln N; AIC = -2 log L + 2 p; ICL = BIC + 2 EN with EN = -sum_n sum_k r_nk log r_nk
    the entropy of the *soft* responsibilities r (N, K) (McLachlan & Peel's ICL-BIC; 0 log 0 = 0). Pass
    `resp`, or the precomputed `entropy` (as `EMResult` does); with neither, ICL equals BIC.
    """
    if entropy is None:
        entropy = 0.0
        if resp is not None:
            r = np.asarray(resp, dtype=np.float64)
            entropy = float(-np.sum(r * np.log(np.where(r > 0, r, 1.0))))
    bic = -2.0 * total_log_likelihood + n_params * math.log(n_samples)
    return {"bic": bic, "aic": -2.0 * total_log_likelihood + 2.0 * n_params, "icl": bic + 2.0 * entropy}


def responsibilities(X: np.ndarray, params: GaussianParams | EMResult) -> np.ndarray:
    """(N, K) posterior probabilities of the components for points X (N, D); rows sum to 1."""
    if isinstance(params, EMResult):
        params = params.params
    log_prob = params.weighted_log_prob(np.asarray(X, dtype=np.float64))
    top = log_prob.max(axis=1, keepdims=True)
    r = np.exp(log_prob - top)
    return r / r.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------- EM driver
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
        from gmm_desktop.core.em_init import bayesian_steps

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
    raw = COVARIANCE[settings.covariance_type].from_full(step.covariances, step.weights)
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
    from gmm_desktop.core.em_init import initial_params

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


def finish(
    data_pass: DataPass,
    params: GaussianParams,
    lower_bound: float,
    lower_bounds: tuple[float, ...],
    n_iter: int,
    converged: bool,
    summaries: list[RestartSummary],
    best_restart: int,
) -> EMResult:
    """The result of the kept restart, after a last E-step (log-likelihood, counts, entropy)."""
    stats, sums = data_pass(params, entropy=True)
    n_samples = data_pass.X.shape[0]
    return EMResult(
        params=params,
        log_likelihood=float(sums[0]) / n_samples,
        lower_bound=lower_bound,
        lower_bounds=lower_bounds,
        n_iter=n_iter,
        converged=converged,
        restarts=tuple(summaries),
        best_restart=best_restart,
        n_samples=n_samples,
        counts=_frozen(stats[:, 0]),
        entropy=max(0.0, -float(sums[1])),
    )


def make_step(
    restart: int, iteration: int, log_likelihood: float, lower_bound: float, params: GaussianParams, converged: bool
) -> EMStep:
    return EMStep(
        restart=restart,
        iteration=iteration,
        log_likelihood=log_likelihood,
        weights=_frozen(params.weights),
        means=_frozen(params.means),
        covariances=_frozen(params.full_covariances()),
        covariance_type=params.covariance_type,
        converged=bool(converged),
        lower_bound=lower_bound,
    )


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


LAZY_MODULES = ("sklearn.cluster", "sklearn.metrics", "scipy.optimize")
"""What a first fit, selection or comparison imports (about 1100 modules, 1-2 s of held GIL)."""


def preload() -> Generator[str, None, None]:
    """Import the lazily loaded modules and warm the kernels, yielding the name of each piece done.

    An application runs this on a worker at start-up: imports hold the GIL (and the import lock the
    GUI thread may need) in long stretches, so doing them while the user starts a first fit stalled
    the event loop for 80-110 ms at a time. Between pieces the job can be cancelled."""
    import importlib

    for name in LAZY_MODULES:
        importlib.import_module(name)
        yield name
    warm_up()
    yield "kernels"
