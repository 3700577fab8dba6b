"""What an EM fit is asked to do: `EMSettings`, validated field by field when it is made."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmm_desktop.core.em.data_pass import BACKENDS
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.models import COVARIANCE_TYPES

INIT_METHODS = ("k-means++", "kmeans", "random", "random_from_data", "given")


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
    `init._tied_with_unassigned_rows`). seed: int for reproducible fits, None for fresh
    randomness. bayesian: fit scikit-learn's variational `BayesianGaussianMixture` (Dirichlet
    process prior) instead. backend: "auto" (numba when importable), "numba" or "numpy". n_threads:
    0 lets the fit choose (2 kernel threads for N >= data_pass.PARALLEL_MIN_SAMPLES), else at most that
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
