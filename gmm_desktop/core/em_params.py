"""Mixture parameters by covariance type, the M-step from sufficient statistics, and the data pass.

`GaussianParams` holds scikit-learn's raw shapes: covariances and precision Cholesky factors are
(K, D, D) for 'full', (D, D) for 'tied', (K, D) for 'diag' and (K,) for 'spherical'. Everything that
depends on the type goes through the `COVARIANCE` table (no if-chains).

The M-step takes the statistics of one data pass (see `em_kernels`): R (K,), S1 (K, D) and S2
(K, D, D) centred on the E-step's means m. With nk = R + 10 eps (scikit-learn's guard),
means = (sum r x) / nk = m R / nk + S1 / nk and, with delta = means - m, the scatter about the new
means is C = S2 - S1 delta^T - delta S1^T + R delta delta^T: the same quantities scikit-learn forms
from the (N, K) responsibilities, to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import NamedTuple

import numpy as np

from gmm_desktop.core.mixture import Mixture

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
BACKENDS = ("auto", "numba", "numpy")
PARALLEL_MIN_SAMPLES = 500_000
"""Below this many points the kernel runs on one thread (measured: 2 threads gain 30% at 5e5, less below)."""
LOG_2PI = math.log(2.0 * math.pi)
EPS10 = 10.0 * np.finfo(np.float64).eps
CHUNK = 1 << 15
"""Rows per chunk of the numpy pass: bounds its (chunk, K) temporaries."""

COLLAPSE_MESSAGE = (
    "Fitting the mixture model failed because some components have ill-defined empirical covariance "
    "(for instance caused by singleton or collapsed samples). Try to decrease the number of components, "
    "increase reg_covar, or scale the input data."
)
"""scikit-learn's message for a covariance that is not positive definite."""


# ---------------------------------------------------------------------------------------------- per type
def _cholesky_upper_inverse(cov: np.ndarray) -> np.ndarray:
    """Upper U with U U^T = inv(cov), for one (D, D) or a stack (K, D, D) of covariances."""
    try:
        lower = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(COLLAPSE_MESSAGE) from None
    eye = np.broadcast_to(np.eye(cov.shape[-1]), cov.shape)
    return np.swapaxes(np.linalg.solve(lower, eye), -1, -2)


def _sqrt_inverse(cov: np.ndarray) -> np.ndarray:
    if np.any(cov <= 0.0):
        raise ValueError(COLLAPSE_MESSAGE)
    return 1.0 / np.sqrt(cov)


def _flipped_cholesky(precision: np.ndarray) -> np.ndarray:
    """scikit-learn's precision Cholesky from precisions: J chol(J P J) J, J the exchange matrix."""
    flipped = precision[..., ::-1, ::-1]
    return np.ascontiguousarray(np.linalg.cholesky(flipped)[..., ::-1, ::-1])


def _diag_embed(values: np.ndarray) -> np.ndarray:
    """(K, D) -> (K, D, D) diagonal matrices."""
    out = np.zeros(values.shape + values.shape[-1:])
    idx = np.arange(values.shape[-1])
    out[..., idx, idx] = values
    return out


def _diag_from_scatter(scatter, nk, counts, means, reg):
    # scikit-learn forms the diagonal as sum r x^2 / nk - means^2, which (with nk = R + 10 eps) leaks
    # means^2 (nk - R) / nk into a nearly empty component; reproduce it so those match too.
    centred = np.diagonal(scatter, axis1=1, axis2=2) / nk[:, None]
    return centred + means**2 * ((nk - counts) / nk)[:, None] + reg


class CovarianceType(NamedTuple):
    """The operations that differ between covariance types (raw = scikit-learn's shapes)."""

    precision_cholesky: Callable  # raw covariances -> raw precision Cholesky factors
    to_full: Callable  # (raw covariances, K, D) -> (K, D, D)
    kernel: Callable  # (raw precision Cholesky, K, D) -> (K, D, D) upper triangular
    log_det: Callable  # (raw precision Cholesky, D) -> (K,) or scalar: log det U
    from_scatter: Callable  # (scatter (K, D, D), nk, R, means, reg) -> raw covariances
    from_full: Callable  # (covariances (K, D, D), weights) -> raw covariances (projection)
    precisions: Callable  # raw precision Cholesky -> raw precisions
    cholesky_from_precisions: Callable  # raw precisions -> raw precision Cholesky (scikit-learn's way)
    covariances_from_precisions: Callable  # raw precisions -> raw covariances


COVARIANCE: dict[str, CovarianceType] = {
    "full": CovarianceType(
        precision_cholesky=_cholesky_upper_inverse,
        to_full=lambda cov, k, d: cov.copy(),
        kernel=lambda chol, k, d: chol,
        log_det=lambda chol, d: np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1),
        from_scatter=lambda c, nk, r, means, reg: c / nk[:, None, None] + reg * np.eye(c.shape[1]),
        from_full=lambda covs, w: covs.copy(),
        precisions=lambda chol: chol @ np.swapaxes(chol, 1, 2),
        cholesky_from_precisions=_flipped_cholesky,
        covariances_from_precisions=np.linalg.inv,
    ),
    "tied": CovarianceType(
        precision_cholesky=_cholesky_upper_inverse,
        to_full=lambda cov, k, d: np.repeat(cov[None], k, axis=0),
        kernel=lambda chol, k, d: np.repeat(chol[None], k, axis=0),
        log_det=lambda chol, d: np.log(np.diagonal(chol)).sum(),
        from_scatter=lambda c, nk, r, means, reg: c.sum(axis=0) / nk.sum() + reg * np.eye(c.shape[1]),
        from_full=lambda covs, w: np.einsum("k,kij->ij", w / w.sum(), covs),
        precisions=lambda chol: chol @ chol.T,
        cholesky_from_precisions=_flipped_cholesky,
        covariances_from_precisions=np.linalg.inv,
    ),
    "diag": CovarianceType(
        precision_cholesky=_sqrt_inverse,
        to_full=lambda cov, k, d: _diag_embed(cov),
        kernel=lambda chol, k, d: _diag_embed(chol),
        log_det=lambda chol, d: np.log(chol).sum(axis=1),
        from_scatter=_diag_from_scatter,
        from_full=lambda covs, w: np.diagonal(covs, axis1=1, axis2=2).copy(),
        precisions=lambda chol: chol**2,
        cholesky_from_precisions=np.sqrt,
        covariances_from_precisions=lambda p: 1.0 / p,
    ),
    "spherical": CovarianceType(
        precision_cholesky=_sqrt_inverse,
        to_full=lambda cov, k, d: _diag_embed(np.repeat(cov[:, None], d, axis=1)),
        kernel=lambda chol, k, d: _diag_embed(np.repeat(chol[:, None], d, axis=1)),
        log_det=lambda chol, d: d * np.log(chol),
        from_scatter=lambda c, nk, r, means, reg: _diag_from_scatter(c, nk, r, means, reg).mean(axis=1),
        from_full=lambda covs, w: np.diagonal(covs, axis1=1, axis2=2).mean(axis=1),
        precisions=lambda chol: chol**2,
        cholesky_from_precisions=np.sqrt,
        covariances_from_precisions=lambda p: 1.0 / p,
    ),
}


def n_parameters(n_components: int, n_features: int, covariance_type: str) -> int:
    """Free parameters of the mixture, as scikit-learn's `GaussianMixture._n_parameters`."""
    k, d = n_components, n_features
    cov_params = {"full": k * d * (d + 1) / 2.0, "tied": d * (d + 1) / 2.0, "diag": k * d, "spherical": k}
    return int(cov_params[covariance_type] + d * k + k - 1)


# ---------------------------------------------------------------------------------------------- parameters
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
    def table(self) -> CovarianceType:
        return COVARIANCE[self.covariance_type]

    @property
    def shape(self) -> tuple[int, int]:
        return self.means.shape

    def full_covariances(self) -> np.ndarray:
        """(K, D, D) covariance matrices, whatever the type."""
        return self.table.to_full(self.covariances, *self.shape)

    def kernel_cholesky(self) -> np.ndarray:
        """(K, D, D) upper-triangular precision Cholesky factors, whatever the type."""
        return np.ascontiguousarray(self.table.kernel(self.precisions_cholesky, *self.shape))

    def log_norm(self) -> np.ndarray:
        """(K,) log w_k - D/2 log(2 pi) + log det U_k: the log-density but for the quadratic form."""
        log_det = self.table.log_det(self.precisions_cholesky, self.shape[1])
        with np.errstate(divide="ignore"):
            return np.log(self.weights) - 0.5 * self.shape[1] * LOG_2PI + log_det

    def precisions(self) -> np.ndarray:
        """Precision matrices in the raw shape (scikit-learn's `precisions_`)."""
        return self.table.precisions(self.precisions_cholesky)

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
    chol = COVARIANCE[covariance_type].precision_cholesky(covariances)
    return GaussianParams(
        np.asarray(weights, dtype=np.float64), np.asarray(means, dtype=np.float64), covariances, chol, covariance_type
    )


def params_from_mixture(mixture: Mixture, covariance_type: str) -> GaussianParams:
    """A `Mixture` projected onto a covariance type: tied = weight-averaged covariance, diag =
    diagonals, spherical = mean of the diagonal."""
    raw = COVARIANCE[covariance_type].from_full(mixture.covariances, mixture.weights)
    return make_params(mixture.weights, mixture.means, raw, covariance_type)


def params_from_precisions(weights, means, precisions, covariance_type: str) -> GaussianParams:
    """Parameters from scikit-learn's `precisions_init`, factorised exactly as scikit-learn does."""
    table = COVARIANCE[covariance_type]
    precisions = np.asarray(precisions, dtype=np.float64)
    return GaussianParams(
        np.asarray(weights, dtype=np.float64),
        np.asarray(means, dtype=np.float64),
        table.covariances_from_precisions(precisions),
        table.cholesky_from_precisions(precisions),
        covariance_type,
    )


# ---------------------------------------------------------------------------------------------- M-step
def unpack_stats(stats: np.ndarray, n_dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """stats (K, 1 + D + P) -> R (K,), S1 (K, D), S2 (K, D, D) symmetric."""
    counts, s1 = stats[:, 0], stats[:, 1 : 1 + n_dims]
    s2 = np.zeros((stats.shape[0], n_dims, n_dims))
    rows, cols = np.triu_indices(n_dims)
    s2[:, rows, cols] = stats[:, 1 + n_dims :]
    s2[:, cols, rows] = stats[:, 1 + n_dims :]
    return counts, s1, s2


def m_step(
    stats: np.ndarray, centres: np.ndarray, reg_covar: float, covariance_type: str, weight_total: float | None = None
) -> GaussianParams:
    """New parameters from the statistics of a pass centred on `centres` (K, D), the E-step's means.

    Weights are nk / sum(nk), or nk / weight_total when given (scikit-learn's initialisation uses N).
    """
    counts, s1, s2 = unpack_stats(stats, centres.shape[1])
    nk = counts + EPS10
    means = centres * (counts / nk)[:, None] + s1 / nk[:, None]
    delta = means - centres
    outer = s1[:, :, None] * delta[:, None, :]
    scatter = s2 - outer - np.swapaxes(outer, 1, 2) + counts[:, None, None] * delta[:, :, None] * delta[:, None, :]
    raw = COVARIANCE[covariance_type].from_scatter(scatter, nk, counts, means, reg_covar)
    weights = nk / (nk.sum() if weight_total is None else weight_total)
    return make_params(weights, means, raw, covariance_type)


def stats_from_resp(X: np.ndarray, resp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Statistics (K, 1 + D + P) of given responsibilities (N, K), centred on their own means."""
    counts = resp.sum(axis=0)
    centres = (resp.T @ X) / (counts + EPS10)[:, None]
    return _stats(X, resp, centres), centres


def _stats(X: np.ndarray, resp: np.ndarray, centres: np.ndarray) -> np.ndarray:
    k, d = centres.shape
    rows, cols = np.triu_indices(d)
    out = np.empty((k, 1 + d + rows.size))
    out[:, 0] = resp.sum(axis=0)
    for j in range(k):
        diff = X - centres[j]
        weighted = diff * resp[:, j : j + 1]
        out[j, 1 : 1 + d] = weighted.sum(axis=0)
        out[j, 1 + d :] = (weighted.T @ diff)[rows, cols]
    return out


def numpy_pass(X: np.ndarray, params: GaussianParams, entropy: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The numpy version of `em_kernels.run_pass`: (stats (K, 1 + D + P), sums (2,)), chunked over rows."""
    k, d = params.shape
    stats = np.zeros((k, 1 + d + d * (d + 1) // 2))
    sums = np.zeros(2)
    for start in range(0, X.shape[0], CHUNK):
        chunk = X[start : start + CHUNK]
        log_prob = params.weighted_log_prob(chunk)
        top = log_prob.max(axis=1, keepdims=True)
        shifted = log_prob - top
        expo = np.exp(shifted)
        total = expo.sum(axis=1, keepdims=True)
        resp = expo / total
        log_total = np.log(total)
        sums[0] += top.sum() + log_total.sum()
        if entropy:
            sums[1] += np.sum(resp * shifted) - log_total.sum()
        stats += _stats(chunk, resp, params.means)
    return stats, sums


# ---------------------------------------------------------------------------------------------- data pass
class DataPass:
    """The data in the layout the backend wants, and one fused E+M-statistics pass over it."""

    def __init__(self, X: np.ndarray, backend: str = "auto", n_threads: int = 0) -> None:
        self.X = X
        self.kernels = _load_kernels(backend)
        self.xt = np.ascontiguousarray(X.T) if self.kernels is not None else None
        self.n_chunks = _n_chunks(X.shape[0], n_threads) if self.kernels is not None else 1

    def __call__(self, params: GaussianParams, entropy: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(stats (K, 1 + D + P), sums (2,) = [sum log p(x), sum r log r]); see `em_kernels`."""
        if self.kernels is None:
            return numpy_pass(self.X, params, entropy)
        return self.kernels.run_pass(
            self.xt, params.means, params.kernel_cholesky(), params.log_norm(), entropy, self.n_chunks
        )


def _load_kernels(backend: str) -> ModuleType | None:
    if backend == "numpy":
        return None
    try:
        from gmm_desktop.core import em_kernels
    except ImportError:
        if backend == "numba":
            raise ValueError("backend='numba' needs numba, which is not installed; use 'auto' or 'numpy'") from None
        return None
    return em_kernels


def _n_chunks(n_samples: int, n_threads: int) -> int:
    import numba

    available = numba.get_num_threads()
    if n_threads == 0:
        return min(2, available) if n_samples >= PARALLEL_MIN_SAMPLES else 1
    return max(1, min(n_threads, available))


def check_data(X: np.ndarray, n_components: int, n_features: int | None = None) -> np.ndarray:
    """X as a C-contiguous float64 (N, D) array; ValueError naming the problem otherwise."""
    array = np.asarray(X)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"X must be a 2-D array of shape (N, D), got {array.ndim} dimensions")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"X must hold real numbers, got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    n, d = array.shape
    if d == 0:
        raise ValueError("X has no columns: EM needs at least one dimension")
    bad = ~np.isfinite(array)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"X contains NaN or infinity (first at row {row}, column {col}); drop or fill those rows")
    if n < max(2, n_components):
        raise ValueError(f"X has {n} rows but fitting {n_components} components needs at least {max(2, n_components)}")
    if n_features is not None and d != n_features:
        raise ValueError(f"X has {d} columns but the initial parameters have D={n_features}")
    return array
