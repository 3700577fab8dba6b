"""Mixture parameters in scikit-learn's raw shapes, and the M-step from sufficient statistics.

`GaussianParams` holds weights, means, covariances and precision Cholesky factors in the raw shapes
of its covariance model (`core.models`: (K, D, D) for 'full', (D, D) for 'tied', (K, D) for 'diag',
(K,) for 'spherical'); everything that depends on the model goes through the model's operations.

The M-step takes the statistics of one data pass (see `kernels`): R (K,), S1 (K, D) and S2
(K, D, D) centred on the E-step's means m. With nk = R + 10 eps (scikit-learn's guard),
means = (sum r x) / nk = m R / nk + S1 / nk and, with delta = means - m, the scatter about the new
means is C = S2 - S1 delta^T - delta S1^T + R delta delta^T: the same quantities scikit-learn forms
from the (N, K) responsibilities, to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.models import CovarianceModel, covariance_model
from gmm_desktop.core.models.prior import ConjugatePrior, map_m_step

LOG_2PI = math.log(2.0 * math.pi)
EPS10 = 10.0 * np.finfo(np.float64).eps


@dataclass(frozen=True, eq=False)
class GaussianParams:
    """weights (K,), means (K, D), covariances and precisions_cholesky in scikit-learn's raw shapes.

    Weights straight from an initialisation may not sum to 1 (scikit-learn divides nk by N there and
    by sum nk after each M-step); `mixture()` normalises them.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    covariance_type: str

    @property
    def model(self) -> CovarianceModel:
        return covariance_model(self.covariance_type)

    @property
    def shape(self) -> tuple[int, int]:
        return self.means.shape

    def full_covariances(self) -> np.ndarray:
        """(K, D, D) covariance matrices, whatever the type."""
        return self.model.ops.to_full(self.covariances, *self.shape)

    def kernel_cholesky(self) -> np.ndarray:
        """(K, D, D) upper-triangular precision Cholesky factors, whatever the type."""
        return np.ascontiguousarray(self.model.ops.kernel(self.precisions_cholesky, *self.shape))

    def log_norm(self) -> np.ndarray:
        """(K,) log w_k - D/2 log(2 pi) + log det U_k: the log-density but for the quadratic form."""
        log_det = self.model.ops.log_det(self.precisions_cholesky, self.shape[1])
        with np.errstate(divide="ignore"):
            return np.log(self.weights) - 0.5 * self.shape[1] * LOG_2PI + log_det

    def precisions(self) -> np.ndarray:
        """Precision matrices in the raw shape (scikit-learn's `precisions_`)."""
        return self.model.ops.precisions(self.precisions_cholesky)

    def weighted_log_prob(self, X: np.ndarray) -> np.ndarray:
        """(N, K) log w_k + log N(x_n; mu_k, Sigma_k) for X (N, D)."""
        chol, log_norm = self.kernel_cholesky(), self.log_norm()
        out = np.empty((X.shape[0], self.shape[0]))
        for k in range(self.shape[0]):
            y = (X - self.means[k]) @ chol[k]
            out[:, k] = log_norm[k] - 0.5 * np.einsum("ij,ij->i", y, y)
        return out

    def mixture(self) -> Mixture:
        return Mixture(self.weights, self.means, self.full_covariances())


def make_params(weights, means, covariances, covariance_type: str) -> GaussianParams:
    """Parameters from raw covariances (precision Cholesky computed, ValueError if not positive)."""
    covariances = np.asarray(covariances, dtype=np.float64)
    chol = covariance_model(covariance_type).ops.precision_cholesky(covariances)
    return GaussianParams(
        np.asarray(weights, dtype=np.float64), np.asarray(means, dtype=np.float64), covariances, chol, covariance_type
    )


def params_from_mixture(mixture: Mixture, covariance_type: str) -> GaussianParams:
    """A `Mixture` projected onto a covariance type: tied = weight-averaged covariance, diag =
    diagonals, spherical = mean of the diagonal."""
    raw = covariance_model(covariance_type).ops.from_full(mixture.covariances, mixture.weights)
    return make_params(mixture.weights, mixture.means, raw, covariance_type)


def params_from_precisions(weights, means, precisions, covariance_type: str) -> GaussianParams:
    """Parameters from scikit-learn's `precisions_init`, factorised exactly as scikit-learn does."""
    table = covariance_model(covariance_type).ops
    precisions = np.asarray(precisions, dtype=np.float64)
    return GaussianParams(
        np.asarray(weights, dtype=np.float64),
        np.asarray(means, dtype=np.float64),
        table.covariances_from_precisions(precisions),
        table.cholesky_from_precisions(precisions),
        covariance_type,
    )


# ---------------------------------------------------------------------------------------------- M-step
@cache
def _upper(n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """The upper triangle's (rows, cols), made once per D: EM unpacks statistics every iteration."""
    return np.triu_indices(n_dims)


def unpack_stats(stats: np.ndarray, n_dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """stats (K, 1 + D + P) -> R (K,), S1 (K, D), S2 (K, D, D) symmetric."""
    counts, s1 = stats[:, 0], stats[:, 1 : 1 + n_dims]
    s2 = np.zeros((stats.shape[0], n_dims, n_dims))
    rows, cols = _upper(n_dims)
    s2[:, rows, cols] = stats[:, 1 + n_dims :]
    s2[:, cols, rows] = stats[:, 1 + n_dims :]
    return counts, s1, s2


def m_step(
    stats: np.ndarray,
    centres: np.ndarray,
    reg_covar: float | np.ndarray,
    covariance_type: str,
    weight_total: float | None = None,
    previous: np.ndarray | None = None,
    prior: ConjugatePrior | None = None,
) -> GaussianParams:
    """New parameters from the statistics of a pass centred on `centres` (K, D), the E-step's means.

    reg_covar: the ridge, one number or one per feature (D,) (`settings.ridge`). Weights are
    nk / sum(nk), or nk / weight_total when given (scikit-learn's initialisation uses N). previous:
    the raw covariances entering this iteration, where an iterative M-step starts (EVE, VVE).
    prior: mclust's conjugate prior (`models.prior`): the MAP M-step instead of the ML one.
    """
    counts, s1, s2 = unpack_stats(stats, centres.shape[1])
    nk = counts + EPS10
    means = centres * (counts / nk)[:, None] + s1 / nk[:, None]
    delta = means - centres
    outer = s1[:, :, None] * delta[:, None, :]
    scatter = s2 - outer - np.swapaxes(outer, 1, 2) + counts[:, None, None] * delta[:, :, None] * delta[:, None, :]
    reg = reg_covar if np.shape(reg_covar) == centres.shape[1:] else np.full(centres.shape[1], float(reg_covar))
    model = covariance_model(covariance_type)
    if prior is None:
        raw = model.ops.m_step(scatter, nk, counts, means, reg, start=previous)
    else:
        means, raw = _map_step(model, scatter + nk[:, None, None] * np.diag(reg), nk, means, prior)
    weights = nk / (nk.sum() if weight_total is None else weight_total)
    return make_params(weights, means, raw, covariance_type)


def _map_step(model: CovarianceModel, scatter, nk, xbar, prior: ConjugatePrior) -> tuple[np.ndarray, np.ndarray]:
    """The MAP means and raw covariances. The ridge is already in the scatter (n_k diag(reg), as
    the constrained models take it): the prior's scale keeps every covariance positive definite on
    its own, so reg_covar=0 reproduces mclust exactly, and the default 1e-6 changes it negligibly."""
    means, full = map_m_step(model.mclust_name(*xbar.shape), scatter, nk, xbar, prior)
    raw_shape = model.raw_shape(*xbar.shape)
    if raw_shape == full.shape:
        return means, full
    if len(raw_shape) == 2 and raw_shape[0] == raw_shape[1] == xbar.shape[1] and model.shared:
        return means, full[0]
    diagonals = np.diagonal(full, axis1=1, axis2=2)
    return means, (diagonals if len(raw_shape) == 2 else diagonals.mean(axis=1))


def stats_from_resp(X: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Statistics (K, 1 + D + P) of given responsibilities (N, K), centred on their own means."""
    counts = resp.sum(axis=0)
    centres = (resp.T @ X) / (counts + EPS10)[:, None]
    return stats_of(X, resp, centres), centres


def stats_of(X: np.ndarray, resp: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Statistics (K, 1 + D + P) of responsibilities (N, K) centred on `centres` (K, D): R, S1, upper S2."""
    k, d = centres.shape
    rows, cols = _upper(d)
    out = np.empty((k, 1 + d + rows.size))
    out[:, 0] = resp.sum(axis=0)
    for j in range(k):
        diff = X - centres[j]
        weighted = diff * resp[:, j : j + 1]
        out[j, 1 : 1 + d] = weighted.sum(axis=0)
        out[j, 1 + d :] = (weighted.T @ diff)[rows, cols]
    return out
