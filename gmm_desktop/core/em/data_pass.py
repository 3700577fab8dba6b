"""One fused E-step + M-statistics pass over the data, in numba (`kernels`) or in numpy.

The numba kernel is imported only when a fit runs (`backend="auto"` falls back to numpy when numba is
missing); the numpy pass is the reference the kernels are tested against.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from gmm_desktop.core.em.params import GaussianParams, stats_of

BACKENDS = ("auto", "numba", "numpy")
PARALLEL_MIN_SAMPLES = 500_000
"""Below this many points the kernel runs on one thread (measured: 2 threads gain 30% at 5e5, less below)."""
CHUNK = 1 << 15
"""Rows per chunk of the numpy pass: bounds its (chunk, K) temporaries."""


def numpy_pass(X: np.ndarray, params: GaussianParams, entropy: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The numpy version of `kernels.run_pass`: (stats (K, 1 + D + P), sums (3,)), chunked over rows."""
    k, d = params.shape
    stats = np.zeros((k, 1 + d + d * (d + 1) // 2))
    sums = np.zeros(3)
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
            sums[2] -= log_total.sum()
        stats += stats_of(chunk, resp, params.means)
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
        """(stats (K, 1 + D + P), sums (3,) = [sum log p(x), sum r log r, sum log max r]); see `kernels`."""
        if self.kernels is None:
            return numpy_pass(self.X, params, entropy)
        return self.kernels.run_pass(
            self.xt, params.means, params.kernel_cholesky(), params.log_norm(), entropy, self.n_chunks
        )


def _load_kernels(backend: str) -> ModuleType | None:
    if backend == "numpy":
        return None
    try:
        from gmm_desktop.core.em import kernels
    except ImportError:
        if backend == "numba":
            raise ValueError("backend='numba' needs numba, which is not installed; use 'auto' or 'numpy'") from None
        return None
    return kernels


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
