"""What an EM fit is asked to do: `EMSettings`, validated field by field when it is made."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmm_desktop.core.em.data_pass import BACKENDS
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model
from gmm_desktop.core.models.prior import PRIOR_CHOICES, ConjugatePrior, check_prior_model, default_prior

INIT_METHODS = ("k-means++", "kmeans", "random", "random_from_data", "hc", "given")
STOPPING_RULES = ("absolute", "relative", "aitken")
REG_SCALES = ("absolute", "data")
RIDGE_ROWS = 10_000


@dataclass(frozen=True)
class EMSettings:
    """What to fit and how. Every field is validated here; a bad one raises ValueError naming it.

    tol and stopping: with stopping="absolute" (scikit-learn's rule) EM stops when the mean
    per-sample log-likelihood changes by less than `tol` nats; with "relative" (mclust's rule) when
    the total log-likelihood L changes by less than tol (1 + |L|), which means the same whatever N
    and the data's size (mclust uses tol = 1e-5) but not its units (L moves with them); with
    "aitken" when the gain still to come, estimated by Aitken's acceleration from the last three
    log-likelihoods (Böhning, Dietz, Schaub, Schlattmann & Lindsay 1994), is below `tol` nats per
    point: unit-free, and it keeps going where EM crawls, which the other two rules mistake for
    convergence (seen: mclust's rule 0.5 nats short on 272 points). reg_covar and reg_scale: a ridge added to every
    covariance's diagonal, `reg_covar` in data units squared with reg_scale="absolute"
    (scikit-learn's), or `reg_covar` times each feature's variance with "data", so that rescaling the
    data changes nothing but the units. max_iter: iterations per restart. n_init: restarts, all
    reported; the one with the best final lower bound is kept (among those `fit(accept=...)`
    accepts). Restarts share one random state, so with one seed the first n of n + m restarts are
    the n restarts. init_params: the Mixture for init="given" (ignored otherwise).

    init: "k-means++" (scikit-learn's seeding; covariances start at reg_covar), "kmeans" (labels of
    one k-means run), "random" (random responsibilities), "random_from_data" (K random points as
    means), "hc" (mclust's: the first restart from the partition of model-based agglomerative
    hierarchical clustering (`hc`), later restarts by "k-means++") or "given" (`init_params`,
    projected onto `covariance_type`). The random methods run on a
    subsample of `init_subsample` points when N is larger (on all points otherwise, where they match
    scikit-learn's `init_params` draw for draw, except a tied fit seeded by "k-means++" or
    "random_from_data", which scikit-learn starts from a covariance inflated N/K times; see
    `init._tied_with_unassigned_rows`). seed: int for reproducible fits, None for fresh
    randomness. bayesian: fit scikit-learn's variational `BayesianGaussianMixture` (Dirichlet
    process prior) instead. backend: "auto" (numba when importable), "numba" or "numpy". n_threads:
    0 lets the fit choose (2 kernel threads for N >= data_pass.PARALLEL_MIN_SAMPLES), else at most that
    many. prior: "none" (maximum likelihood) or "conjugate" (mclust's `priorControl()`: MAP M-steps
    under the conjugate prior of Fraley & Raftery 2007, hyperparameters from the data; see
    `models.prior`; for the models mclust has it for, `PRIOR_MODELS`). The reported log-likelihood
    and BIC stay the data's, as mclust's.
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
    stopping: str = "absolute"
    reg_scale: str = "absolute"
    prior: str = "none"

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
        _check_choice("stopping", self.stopping, STOPPING_RULES)
        _check_choice("reg_scale", self.reg_scale, REG_SCALES)
        _check_choice("prior", self.prior, PRIOR_CHOICES)
        if self.prior != "none":
            check_prior_model(covariance_model(self.covariance_type).mclust)
            if self.bayesian:
                raise ValueError("prior='conjugate' is not available with bayesian=True (it has its own prior)")
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


def ridge(X: np.ndarray, settings: EMSettings) -> np.ndarray:
    """(D,) the ridge each M-step adds to a covariance's diagonal: reg_covar, or reg_covar times each
    feature's variance (reg_scale="data"; a constant feature borrows the largest variance, or 1).
    The variances are those of every m-th row, about RIDGE_ROWS of them: a sweep asks for the ridge
    hundreds of times, and a fixed set of rows keeps it exactly proportional to the data's scale."""
    d = X.shape[1]
    if settings.reg_scale == "absolute":
        return np.full(d, float(settings.reg_covar))
    variances = np.var(X[:: max(1, X.shape[0] // RIDGE_ROWS)], axis=0)
    fallback = float(variances.max()) if variances.max() > 0 else 1.0
    return settings.reg_covar * np.where(variances > 0, variances, fallback)


def conjugate_prior(X: np.ndarray, settings: EMSettings) -> ConjugatePrior | None:
    """The prior the M-steps use (None for settings.prior == "none"): mclust's defaults from X."""
    if settings.prior == "none":
        return None
    return default_prior(X, settings.n_components, covariance_model(settings.covariance_type).mclust)


def aitken_limit(bounds: list[float]) -> float:
    """Where the bounds (the newest last) are heading by Aitken's acceleration: the last plus the
    geometric tail of its steps; +inf while the steps do not shrink (no prediction yet)."""
    if len(bounds) < 3 or not math.isfinite(bounds[-3]):
        return math.inf
    step, before = bounds[-1] - bounds[-2], bounds[-2] - bounds[-3]
    if step <= 0.0:
        return bounds[-1]
    rate = step / before if before > 0 else math.inf
    return bounds[-1] + step * rate / (1.0 - rate) if 0.0 <= rate < 1.0 else math.inf


def converged(rule: str, tol: float, bounds: list[float], n_samples: int) -> bool:
    """Whether EM has converged, given the mean per-sample lower bounds so far (the newest last, -inf
    before the first iteration; see `EMSettings.stopping`)."""
    bound, previous = bounds[-1], bounds[-2]
    if rule == "absolute":
        return abs(bound - previous) < tol
    if rule == "relative":
        total = bound * n_samples
        return abs(total - previous * n_samples) <= tol * (1.0 + abs(total))
    step = bound - previous
    if step <= 0.0:  # EM cannot climb further (a fixed point, to rounding)
        return True
    if len(bounds) < 3 or not math.isfinite(bounds[-3]):
        return False
    rate = step / (previous - bounds[-3]) if previous > bounds[-3] else math.inf
    return 0.0 <= rate < 1.0 and step / (1.0 - rate) < tol


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _check_real(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
