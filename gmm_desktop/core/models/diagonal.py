"""Axis-aligned models: a variance per coordinate (diag, VVI) or one per component (spherical, VII)."""

from __future__ import annotations

import numpy as np

from gmm_desktop.core.models.linalg import ModelOps, diag_embed, sqrt_inverse


def _diag_m_step(scatter, nk, counts, means, reg, start=None):
    # scikit-learn forms the diagonal as sum r x^2 / nk - means^2, which (with nk = R + 10 eps) leaks
    # means^2 (nk - R) / nk into a nearly empty component; reproduce it so those match too.
    centred = np.diagonal(scatter, axis1=1, axis2=2) / nk[:, None]
    return centred + means**2 * ((nk - counts) / nk)[:, None] + reg


DIAG = ModelOps(
    precision_cholesky=sqrt_inverse,
    to_full=lambda cov, k, d: diag_embed(cov),
    kernel=lambda chol, k, d: diag_embed(chol),
    log_det=lambda chol, d: np.log(chol).sum(axis=1),
    m_step=_diag_m_step,
    from_full=lambda covs, w: np.diagonal(covs, axis1=1, axis2=2).copy(),
    precisions=lambda chol: chol**2,
    cholesky_from_precisions=np.sqrt,
    covariances_from_precisions=lambda p: 1.0 / p,
)

SPHERICAL = ModelOps(
    precision_cholesky=sqrt_inverse,
    to_full=lambda cov, k, d: diag_embed(np.repeat(cov[:, None], d, axis=1)),
    kernel=lambda chol, k, d: diag_embed(np.repeat(chol[:, None], d, axis=1)),
    log_det=lambda chol, d: d * np.log(chol),
    m_step=lambda c, nk, r, means, reg, start=None: _diag_m_step(c, nk, r, means, reg).mean(axis=1),
    from_full=lambda covs, w: np.diagonal(covs, axis1=1, axis2=2).mean(axis=1),
    precisions=lambda chol: chol**2,
    cholesky_from_precisions=np.sqrt,
    covariances_from_precisions=lambda p: 1.0 / p,
)
