"""Models with full covariance matrices: each component its own (full, VVV) or one shared (tied, EEE)."""

from __future__ import annotations

import numpy as np

from gmm_desktop.core.models.linalg import ModelOps, cholesky_upper_inverse, flipped_cholesky

FULL = ModelOps(
    precision_cholesky=cholesky_upper_inverse,
    to_full=lambda cov, k, d: cov.copy(),
    kernel=lambda chol, k, d: chol,
    log_det=lambda chol, d: np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1),
    m_step=lambda c, nk, r, means, reg: c / nk[:, None, None] + reg * np.eye(c.shape[1]),
    from_full=lambda covs, w: covs.copy(),
    precisions=lambda chol: chol @ np.swapaxes(chol, 1, 2),
    cholesky_from_precisions=flipped_cholesky,
    covariances_from_precisions=np.linalg.inv,
)

TIED = ModelOps(
    precision_cholesky=cholesky_upper_inverse,
    to_full=lambda cov, k, d: np.repeat(cov[None], k, axis=0),
    kernel=lambda chol, k, d: np.repeat(chol[None], k, axis=0),
    log_det=lambda chol, d: np.log(np.diagonal(chol)).sum(),
    m_step=lambda c, nk, r, means, reg: c.sum(axis=0) / nk.sum() + reg * np.eye(c.shape[1]),
    from_full=lambda covs, w: np.einsum("k,kij->ij", w / w.sum(), covs),
    precisions=lambda chol: chol @ chol.T,
    cholesky_from_precisions=flipped_cholesky,
    covariances_from_precisions=np.linalg.inv,
)
