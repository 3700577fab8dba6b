"""What EM reports: a step per iteration (`EMStep`), the kept restart (`EMResult`), and the criteria.

Records are frozen and hold fresh read-only arrays, so they can cross threads. `finish` and
`make_step` build them from raw parameters; every driver (EM, the Bayesian wrapper) uses these two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from gmm_desktop.core.em.params import GaussianParams
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.models import n_parameters

if TYPE_CHECKING:
    from gmm_desktop.core.em.data_pass import DataPass


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

    @cached_property
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
    of responsibilities). entropy: -sum_n sum_k r_nk log r_nk >= 0 of the soft responsibilities;
    classification_cost: -sum_n log max_k r_nk >= 0, what the hard (MAP) classification costs, which
    ICL charges. bic, aic, icl: lower is better (see `criteria`).
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
    classification_cost: float
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
        return criteria(
            self.total_log_likelihood, self.n_parameters, self.n_samples, classification_cost=self.classification_cost
        )

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
        """BIC - 2 sum_n log max_k r_nk, mclust's ICL (lower is better)."""
        return self._criteria()["icl"]


def criteria(
    total_log_likelihood: float,
    n_params: int,
    n_samples: int,
    resp: np.ndarray | None = None,
    *,
    classification_cost: float | None = None,
) -> dict[str, float]:
    """BIC, AIC and ICL with scikit-learn's sign: LOWER IS BETTER.

    BIC = -2 log L + p ln N; AIC = -2 log L + 2 p; ICL = BIC - 2 sum_n log r_{n, map(n)}, the
    integrated completed likelihood of Biernacki, Celeux & Govaert (2000) with the *hard* (MAP)
    classification, as mclust's `icl` computes it (in its sign: BIC + 2 sum_i log z_{i, map(i)}).
    Pass the responsibilities `resp` (N, K), or the precomputed `classification_cost`
    = -sum_n log max_k r_nk (as `EMResult` does); with neither, ICL equals BIC.
    """
    if classification_cost is None:
        classification_cost = 0.0
        if resp is not None:
            top = np.max(np.asarray(resp, dtype=np.float64), axis=1)
            with np.errstate(divide="ignore"):
                classification_cost = float(-np.sum(np.log(top)))
    bic = -2.0 * total_log_likelihood + n_params * math.log(n_samples)
    return {"bic": bic, "aic": -2.0 * total_log_likelihood + 2.0 * n_params, "icl": bic + 2.0 * classification_cost}


def responsibilities(X: np.ndarray, params: GaussianParams | EMResult) -> np.ndarray:
    """(N, K) posterior probabilities of the components for points X (N, D); rows sum to 1."""
    if isinstance(params, EMResult):
        params = params.params
    log_prob = params.weighted_log_prob(np.asarray(X, dtype=np.float64))
    top = log_prob.max(axis=1, keepdims=True)
    r = np.exp(log_prob - top)
    return r / r.sum(axis=1, keepdims=True)


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
        classification_cost=max(0.0, -float(sums[2])),
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
