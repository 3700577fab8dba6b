"""Models with full covariance matrices: scikit-learn's full (VVV) and tied (EEE), and mclust's
constrained models, which keep full (K, D, D) matrices and differ only in their M-step."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gmm_desktop.core.models.linalg import ModelOps, cholesky_upper_inverse, flipped_cholesky

FULL = ModelOps(
    precision_cholesky=cholesky_upper_inverse,
    to_full=lambda cov, k, d: cov.copy(),
    kernel=lambda chol, k, d: chol,
    log_det=lambda chol, d: np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1),
    m_step=lambda c, nk, r, means, reg, start=None: c / nk[:, None, None] + np.diag(reg),
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
    m_step=lambda c, nk, r, means, reg, start=None: c.sum(axis=0) / nk.sum() + np.diag(reg),
    from_full=lambda covs, w: np.einsum("k,kij->ij", w / w.sum(), covs),
    precisions=lambda chol: chol @ chol.T,
    cholesky_from_precisions=flipped_cholesky,
    covariances_from_precisions=np.linalg.inv,
)


def constrained_ops(m_step: Callable[..., np.ndarray], warm: bool = False) -> ModelOps:
    """Operations of a model whose raw covariances are full (K, D, D) matrices and whose M-step is
    `m_step(W, n)` (`constrained.py`). The ridge (D,), one per feature, is added to each scatter as
    n_k diag(reg), i.e. to every covariance before the constraint, where scikit-learn adds it after:
    the same for its models, and a constrained covariance stays in its model. A Mixture is projected
    onto the model by the M-step that treats w_k Σ_k as scatter (its nearest covariances in
    likelihood). warm: the M-step takes the previous covariances as its start (`start=`)."""

    def step(c, nk, r, means, reg, start=None):
        scatter = c + nk[:, None, None] * np.diag(reg)
        return m_step(scatter, nk, start) if warm else m_step(scatter, nk)

    return FULL._replace(
        m_step=step,
        from_full=lambda covs, w: m_step(covs * w[:, None, None], np.asarray(w, dtype=np.float64)),
    )
