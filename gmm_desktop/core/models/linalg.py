"""What every covariance model provides (`ModelOps`), and the linear algebra the families share."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

COLLAPSE_MESSAGE = (
    "Fitting the mixture model failed because some components have ill-defined empirical covariance "
    "(for instance caused by singleton or collapsed samples). Try to decrease the number of components, "
    "increase reg_covar, or scale the input data."
)
"""scikit-learn's message for a covariance that is not positive definite."""


class ModelOps(NamedTuple):
    """The operations that differ between covariance models; "raw" means scikit-learn's shapes."""

    precision_cholesky: Callable  # raw covariances -> raw precision Cholesky factors
    to_full: Callable  # (raw covariances, K, D) -> (K, D, D)
    kernel: Callable  # (raw precision Cholesky, K, D) -> (K, D, D) upper triangular
    log_det: Callable  # (raw precision Cholesky, D) -> (K,) or scalar: log det U
    m_step: Callable  # (scatter (K, D, D), nk, R, means, reg (D,), start=previous raw) -> raw covariances
    from_full: Callable  # (covariances (K, D, D), weights) -> raw covariances (projection)
    precisions: Callable  # raw precision Cholesky -> raw precisions
    cholesky_from_precisions: Callable  # raw precisions -> raw precision Cholesky (scikit-learn's way)
    covariances_from_precisions: Callable  # raw precisions -> raw covariances


def cholesky_upper_inverse(cov: np.ndarray) -> np.ndarray:
    """Upper U with U U^T = inv(cov), for one (D, D) or a stack (K, D, D) of covariances."""
    try:
        lower = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(COLLAPSE_MESSAGE) from None
    return np.swapaxes(np.linalg.inv(lower), -1, -2)


def sqrt_inverse(cov: np.ndarray) -> np.ndarray:
    """1 / sqrt(variances), refusing a variance that is not positive."""
    if np.any(cov <= 0.0):
        raise ValueError(COLLAPSE_MESSAGE)
    return 1.0 / np.sqrt(cov)


def flipped_cholesky(precision: np.ndarray) -> np.ndarray:
    """scikit-learn's precision Cholesky from precisions: J chol(J P J) J, J the exchange matrix."""
    flipped = precision[..., ::-1, ::-1]
    return np.ascontiguousarray(np.linalg.cholesky(flipped)[..., ::-1, ::-1])


def diag_embed(values: np.ndarray) -> np.ndarray:
    """(K, D) -> (K, D, D) diagonal matrices."""
    out = np.zeros(values.shape + values.shape[-1:])
    idx = np.arange(values.shape[-1])
    out[..., idx, idx] = values
    return out
