"""Initial parameters for EM: scikit-learn's methods, on a subsample for large N.

The methods follow `sklearn.mixture._base.BaseMixture._initialize_parameters` draw for draw (one
RandomState shared by all restarts), then estimate the initial parameters from the responsibilities
as scikit-learn does (weights = nk / n, not renormalised). When N > `init_subsample` they run on a
random subsample of that size, which costs milliseconds instead of a k-means over all points.
scikit-learn is imported here, when an initialisation first runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.em.params import EPS10, GaussianParams, m_step, make_params, stats_from_resp
from gmm_desktop.core.threads import blas_single_thread

if TYPE_CHECKING:
    from gmm_desktop.core.em.settings import EMSettings


def _one_hot(n: int, k: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    resp = np.zeros((n, k))
    resp[rows, cols] = 1.0
    return resp


def _kmeans(X: np.ndarray, k: int, random_state: np.random.RandomState) -> np.ndarray:
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=k, n_init=1, random_state=random_state).fit(X).labels_
    return _one_hot(X.shape[0], k, np.arange(X.shape[0]), labels)


def _kmeans_plusplus(X: np.ndarray, k: int, random_state: np.random.RandomState) -> np.ndarray:
    from sklearn.cluster import kmeans_plusplus

    _, indices = kmeans_plusplus(X, k, random_state=random_state)
    return _one_hot(X.shape[0], k, indices, np.arange(k))


def _random(X: np.ndarray, k: int, random_state: np.random.RandomState) -> np.ndarray:
    resp = random_state.uniform(size=(X.shape[0], k))
    return resp / resp.sum(axis=1)[:, None]


def _random_from_data(X: np.ndarray, k: int, random_state: np.random.RandomState) -> np.ndarray:
    indices = random_state.choice(X.shape[0], size=k, replace=False)
    return _one_hot(X.shape[0], k, indices, np.arange(k))


INITIALISERS: dict[str, Callable[[np.ndarray, int, np.random.RandomState], np.ndarray]] = {
    "kmeans": _kmeans,
    "k-means++": _kmeans_plusplus,
    "random": _random,
    "random_from_data": _random_from_data,
}
"""Initial responsibilities (n, K) by method, as scikit-learn computes them."""


def subsample(X: np.ndarray, size: int, random_state: np.random.RandomState) -> np.ndarray:
    """`size` distinct rows of X in their original order (all of X, with no draw, if N <= size)."""
    if X.shape[0] <= size:
        return X
    rng = np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return X[np.sort(rng.choice(X.shape[0], size=size, replace=False, shuffle=False))]


def initial_params(
    X: np.ndarray, settings: EMSettings, random_state: np.random.RandomState, *, sklearn_tied: bool = False
) -> GaussianParams:
    """Initial parameters by `settings.init` (not "given"), as scikit-learn's `_initialize`.

    One deliberate difference unless `sklearn_tied`: see `_tied_with_unassigned_rows`.
    """
    points = subsample(X, settings.init_subsample, random_state)
    with blas_single_thread():
        resp = INITIALISERS[settings.init](points, settings.n_components, random_state)
    stats, centres = stats_from_resp(points, resp)
    params = m_step(stats, centres, settings.reg_covar, settings.covariance_type, weight_total=points.shape[0])
    if sklearn_tied and settings.covariance_type == "tied":
        return _tied_with_unassigned_rows(params, points, resp)
    return params


def _tied_with_unassigned_rows(params: GaussianParams, X: np.ndarray, resp: np.ndarray) -> GaussianParams:
    """scikit-learn's tied covariance is (X^T X - sum_k nk mu_k mu_k^T) / sum nk, which also counts rows
    whose responsibilities do not sum to 1: after "k-means++" or "random_from_data" (one marked row per
    component) every other row adds x x^T / sum nk, an initial covariance ~N/K times the data's second
    moment, so wide that the first E-step gives every component the same points and EM stays on a
    single-Gaussian fixed point. The engine therefore starts tied fits from the responsibility-weighted
    scatter (as for the other types); the scikit-learn estimator reproduces this, draw for draw."""
    leftover = 1.0 - resp.sum(axis=1)
    if not leftover.any():
        return params
    extra = (X * leftover[:, None]).T @ X / (resp.sum(axis=0) + EPS10).sum()
    return make_params(params.weights, params.means, params.covariances + extra, params.covariance_type)
