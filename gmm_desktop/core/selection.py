"""Model selection: fit a grid of (K, covariance type), score each fit, and flag degenerate ones.

`sweep` streams one `Candidate` per fitted model (a generator: the window can draw the BIC curve as
it grows, and stop early); `best` picks the lowest criterion among the candidates that are not
degenerate. Criteria follow scikit-learn's sign: BIC, AIC and ICL are all LOWER IS BETTER.

A *degenerate* fit has a component that EM shrank onto a few points or onto tied values, which
likelihood rewards without limit (only `reg_covar` stops it): rounded data such as waiting times in
whole minutes produce these readily. A component is degenerate when its variance in some direction is
below `collapse_ratio` times the data's variance in that direction, or when it has fewer effective
points (sum of responsibilities) than it has parameters. Such candidates are reported, with the
reason in words, and never recommended.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from gmm_desktop.core.em import EMResult, EMSettings, check_data, fit
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model

CRITERIA = ("bic", "aic", "icl")
COLLAPSE_RATIO = 1e-4
"""A component variance below this fraction of the data's variance (same direction) is a collapse."""


@dataclass(frozen=True)
class SelectionSettings:
    """What a model-selection sweep tries: K from k_min to k_max (an empty range when k_max < k_min),
    each of `covariance_types` (in the registry's order), scored by `criterion` (lower is better),
    with `n_init` EM restarts per candidate from `seed` (None: fresh randomness)."""

    k_min: int = 1
    k_max: int = 6
    covariance_types: tuple[str, ...] = COVARIANCE_TYPES
    criterion: str = "bic"
    n_init: int = 1
    seed: int | None = 0

    def __post_init__(self) -> None:
        for name in ("k_min", "k_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        types = tuple(covariance_model(name).name for name in self.covariance_types)
        object.__setattr__(self, "covariance_types", tuple(t for t in COVARIANCE_TYPES if t in types))
        if self.criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {self.criterion!r}")
        EMSettings(n_init=self.n_init, seed=self.seed)  # the same rules as a fit's

    @property
    def k_values(self) -> range:
        return range(self.k_min, self.k_max + 1)

    def em_settings(self) -> EMSettings:
        """The EM settings every candidate starts from (K and the covariance type are the sweep's)."""
        return EMSettings(n_init=self.n_init, seed=self.seed)


@dataclass(frozen=True, eq=False)
class Candidate:
    """One fitted model of the sweep. bic, aic, icl: lower is better (inf if the fit failed).

    log_likelihood: mean per-sample log-likelihood of the fitted parameters. degenerate: a component
    collapsed (see the module docstring) or the fit failed; `reason` says which in words ("" if fine).
    result: the fit (None if it failed).
    """

    n_components: int
    covariance_type: str
    log_likelihood: float
    bic: float
    aic: float
    icl: float
    degenerate: bool
    reason: str
    result: EMResult | None

    def criterion(self, name: str) -> float:
        """The value of criterion `name` ("bic", "aic" or "icl"): lower is better."""
        if name not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {name!r}")
        return getattr(self, name)


def sweep(
    X: np.ndarray,
    k_values: Iterable[int] = range(1, 11),
    covariance_types: Iterable[str] = COVARIANCE_TYPES,
    settings: EMSettings | None = None,
    *,
    collapse_ratio: float = COLLAPSE_RATIO,
    workers: int = 1,
) -> Iterator[Candidate]:
    """Fit every (K, covariance type) with `settings` (n_init, tol, init, seed...) and yield each
    `Candidate` in grid order (K outer, covariance type inner).

    X: (N, D). workers > 1 fits that many candidates at once on threads (the numba kernel releases
    the GIL), one kernel thread each; results still arrive in grid order. Closing the generator early
    cancels the candidates not yet started.
    """
    settings = settings or EMSettings()
    grid = [(int(k), str(t)) for k in k_values for t in covariance_types]
    if not grid:
        return
    bad = [t for _, t in grid if t not in COVARIANCE_TYPES]
    if bad:
        raise ValueError(f"covariance_types must be among {', '.join(COVARIANCE_TYPES)}; got {bad[0]!r}")
    X = check_data(X, max(k for k, _ in grid))
    scale = _data_covariance(X)
    jobs = [replace(settings, n_components=k, covariance_type=t) for k, t in grid]
    if workers <= 1:
        for job in jobs:
            yield _candidate(X, job, scale, collapse_ratio)
        return
    jobs = [replace(job, n_threads=1) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gmm-sweep") as pool:
        pending: deque[Future] = deque(pool.submit(_candidate, X, job, scale, collapse_ratio) for job in jobs)
        try:
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def best(candidates: Iterable[Candidate], criterion: str = "bic") -> Candidate | None:
    """The non-degenerate candidate with the lowest `criterion` (lower is better); None if every
    candidate is degenerate. Never returns a degenerate candidate."""
    usable = [c for c in candidates if not c.degenerate and math.isfinite(c.criterion(criterion))]
    return min(usable, key=lambda c: c.criterion(criterion), default=None)


# ---------------------------------------------------------------------------------------------- one candidate
def _candidate(X: np.ndarray, settings: EMSettings, data_cov: np.ndarray, collapse_ratio: float) -> Candidate:
    k, covariance_type = settings.n_components, settings.covariance_type
    try:
        result = fit(X, settings)
    except ValueError as error:
        inf = math.inf
        return Candidate(k, covariance_type, math.nan, inf, inf, inf, True, f"fit failed: {error}", None)
    reason = degeneracy(result, data_cov, collapse_ratio)
    return Candidate(
        k, covariance_type, result.log_likelihood, result.bic, result.aic, result.icl, bool(reason), reason, result
    )


def _data_covariance(X: np.ndarray) -> np.ndarray:
    """(D, D) covariance of the data plus a ridge of 1e-12 x its largest variance (and at least the
    smallest normal float), so data on a line or with a constant column still have a factorisable
    scale; such data are degenerate themselves, which is not a fault of any fit."""
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    ridge = max(1e-12 * float(np.diagonal(cov).max()), np.finfo(np.float64).tiny)
    return cov + ridge * np.eye(cov.shape[0])


def _axis_name(axis: int, n_dims: int) -> str:
    return "xyz"[axis] if n_dims <= 3 else f"coordinate {axis + 1}"


def degeneracy(result: EMResult, data_cov: np.ndarray, collapse_ratio: float = COLLAPSE_RATIO) -> str:
    """Why `result` is degenerate, in words ("" if it is not). data_cov: (D, D) covariance of the data.

    Checks each component for a collapsed variance (on an axis: tied values; in another direction:
    a line), then for fewer effective points than parameters per component.
    """
    mixture = result.mixture
    d = mixture.n_dims
    variances = np.diagonal(mixture.covariances, axis1=1, axis2=2) / np.diagonal(data_cov)
    lower = np.linalg.cholesky(data_cov)
    for k in range(mixture.n_components):
        axis = int(np.argmin(variances[k]))
        ratio = float(variances[k, axis])
        if ratio < collapse_ratio:
            return (
                f"component {k + 1} has variance {ratio:.1g} × the data's variance in {_axis_name(axis, d)}: "
                "collapsed onto tied values"
            )
        whitened = np.linalg.solve(lower, np.linalg.solve(lower, mixture.covariances[k]).T)
        values, vectors = np.linalg.eigh(0.5 * (whitened + whitened.T))
        if values[0] < collapse_ratio:
            direction = np.linalg.solve(lower.T, vectors[:, 0])  # u with u'Σ_k u / u'Σ_X u = values[0]
            shown = ", ".join(f"{v:.2f}" for v in direction / np.linalg.norm(direction))
            return (
                f"component {k + 1} has variance {values[0]:.1g} × the data's in the direction ({shown}): "
                "collapsed onto a line"
            )
    per_component = covariance_model(result.covariance_type).parameters_per_component(d)
    for k, count in enumerate(result.counts):
        if count < per_component:
            return (
                f"component {k + 1} has {count:.1f} effective points, fewer than its {per_component} parameters: "
                "fitted to too few points"
            )
    return ""
