"""scikit-learn's variational `BayesianGaussianMixture`, driven one iteration at a time as EM is."""

from __future__ import annotations

import math
import warnings
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.em.params import GaussianParams
from gmm_desktop.core.em.records import EMResult, EMStep, RestartSummary, finish, make_step
from gmm_desktop.core.threads import blas_single_thread

if TYPE_CHECKING:
    from gmm_desktop.core.em.data_pass import DataPass
    from gmm_desktop.core.em.settings import EMSettings


def bayesian_steps(
    X: np.ndarray, settings: EMSettings, random_state: np.random.RandomState, data_pass: DataPass
) -> Generator[EMStep, None, EMResult]:
    """scikit-learn's `BayesianGaussianMixture` (Dirichlet-process prior), one step per iteration.

    Each step is a warm-started fit with max_iter=1, which continues scikit-learn's own loop exactly
    (its convergence test compares with the stored `lower_bound_`), so iterations, convergence and the
    kept restart are scikit-learn's. A step's `lower_bound` is scikit-learn's variational bound; its
    `log_likelihood` is the mean log-likelihood of the point-estimate mixture it reports. The
    initialisation runs on all points (scikit-learn's), so a large Bayesian fit starts slowly.
    """
    best, best_bound, best_restart = None, -math.inf, 0
    summaries: list[RestartSummary] = []
    for restart in range(settings.n_init):
        model = _bayesian_model(settings, random_state)
        params, bounds = None, []
        for iteration in range(1, settings.max_iter + 1):
            with warnings.catch_warnings(), blas_single_thread():
                warnings.simplefilter("ignore")  # ConvergenceWarning after each single iteration
                model.fit(X)
            params = _params_of(model, settings.covariance_type)
            bounds.append(float(model.lower_bound_))
            log_likelihood = float(data_pass(params)[1][0]) / X.shape[0]
            yield make_step(restart, iteration, log_likelihood, bounds[-1], params, model.converged_)
            if model.converged_:
                break
        if params is None:  # max_iter == 0: scikit-learn's initialisation only
            model.set_params(max_iter=0)
            with warnings.catch_warnings(), blas_single_thread():
                warnings.simplefilter("ignore")
                model.fit(X)
            params = _params_of(model, settings.covariance_type)
        bound = bounds[-1] if bounds else -math.inf
        summaries.append(RestartSummary(bound, len(bounds), bool(model.converged_)))
        if best is None or bound > best_bound:
            best, best_bound, best_restart = (params, tuple(bounds), bool(model.converged_)), bound, restart
    params, bounds, converged = best
    return finish(data_pass, params, best_bound, bounds, len(bounds), converged, summaries, best_restart)


def _bayesian_model(settings: EMSettings, random_state: np.random.RandomState):
    from sklearn.mixture import BayesianGaussianMixture

    return BayesianGaussianMixture(
        n_components=settings.n_components,
        covariance_type=settings.covariance_type,
        tol=settings.tol,
        reg_covar=settings.reg_covar,
        max_iter=1,
        init_params=settings.init,
        weight_concentration_prior_type="dirichlet_process",
        random_state=random_state,
        warm_start=True,
    )


def _params_of(model, covariance_type: str) -> GaussianParams:
    return GaussianParams(
        np.array(model.weights_, dtype=np.float64),
        np.array(model.means_, dtype=np.float64),
        np.array(model.covariances_, dtype=np.float64),
        np.array(model.precisions_cholesky_, dtype=np.float64),
        covariance_type,
    )
