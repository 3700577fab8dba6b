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
from gmm_desktop.core.em.settings import conjugate_prior, ridge
from gmm_desktop.core.threads import blas_single_thread

if TYPE_CHECKING:
    from gmm_desktop.core.em.hc import HCTree
    from gmm_desktop.core.em.settings import EMSettings

HC_MAX_ROWS = 2000
"""mclust's `subset`: hierarchical clustering runs on at most this many rows (it costs N² memory)."""


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
    method = "k-means++" if settings.init == "hc" else settings.init
    with blas_single_thread():
        resp = INITIALISERS[method](points, settings.n_components, random_state)
    params = _from_resp(X, points, resp, settings)
    if sklearn_tied and settings.covariance_type == "tied":
        return _tied_with_unassigned_rows(params, points, resp)
    return params


def _from_resp(X: np.ndarray, points: np.ndarray, resp: np.ndarray, settings: EMSettings) -> GaussianParams:
    """Initial parameters: an M-step from responsibilities of `points` (rows of X; the ridge is X's)."""
    stats, centres = stats_from_resp(points, resp)
    reg, prior = ridge(X, settings), conjugate_prior(X, settings)
    return m_step(stats, centres, reg, settings.covariance_type, weight_total=points.shape[0], prior=prior)


def hc_tree_of(X: np.ndarray, seed: int | None) -> HCTree:
    """mclust's partition tree of X (on a seeded subset of HC_MAX_ROWS rows for larger N): built once,
    it seeds every K and every covariance model of a sweep, as in mclust."""
    from gmm_desktop.core.em.hc import hc_tree

    with blas_single_thread():
        return hc_tree(X, max_rows=HC_MAX_ROWS, seed=seed)


def quantile_classes(x: np.ndarray, k: int) -> np.ndarray:
    """mclust's `qclass`: K classes of 1-D data cut at its K-quantiles (0..K-1)."""
    edges = np.quantile(x, np.linspace(0.0, 1.0, k + 1))[1:-1]
    return np.searchsorted(edges, x, side="right")


class HCStart:
    """init="hc": the first restart from the tree's partition into K clusters (an M-step from that
    hard classification of the clustered rows, as mclust's `me` starts; 1-D data from quantile
    classes, as mclust starts them), later restarts by k-means++ from the shared random state (which
    the first restart does not draw from, so restarts nest)."""

    def __init__(self, X: np.ndarray, settings: EMSettings, tree: HCTree | None = None) -> None:
        self.X, self.settings, self.tree = X, settings, tree
        self.started = 0

    def __call__(self, random_state: np.random.RandomState) -> GaussianParams:
        self.started += 1
        if self.started > 1:
            return initial_params(self.X, self.settings, random_state)
        k = self.settings.n_components
        if self.X.shape[1] == 1:  # mclust starts 1-D data from quantile classes, not a tree
            points = self.X
            labels = quantile_classes(self.X[:, 0], k)
        else:
            if self.tree is None:
                self.tree = hc_tree_of(self.X, self.settings.seed)
            points = self.X[self.tree.rows]
            labels = self.tree.labels(k)
        resp = _one_hot(points.shape[0], k, np.arange(points.shape[0]), labels)
        return _from_resp(self.X, points, resp, self.settings)


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
