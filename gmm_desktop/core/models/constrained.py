"""M-steps of mclust's covariance family Σ_k = λ_k D_k A_k D_kᵀ, from weighted scatter matrices.

Every function takes W (K, D, D), the scatter of each component about its new mean
(W_k = Σ_n r_nk (x_n - μ_k)(x_n - μ_k)ᵀ, already regularised) and n (K,), the effective counts, and
returns the maximum-likelihood covariances (K, D, D) under its model's constraint. Names are mclust's:
the three letters say whether volume λ, shape A and orientation D are Equal, Variable or the
Identity (Celeux & Govaert 1995, "Gaussian parsimonious clustering models", Pattern Recognition 28).

Closed forms (C&G 1995): EII, VII, EEI, VVI, EVI, EEE, EEV, EVV, VVV. Iterative: VEI, VEE, VEV (C&G's
fixed-point alternation between the shared shape and the volumes), EVE and VVE (the common
orientation, by Jacobi rotations of the profile likelihood; Browne & McNicholas 2014, "Estimating
common principal components in high dimensions", ADAC 8, give a majorisation for the same problem).
The iterative ones stop when no covariance entry (or rotation angle) moves by more than `INNER_TOL`
relative to the largest, or after `INNER_MAX_ITER` rounds: a maximum-likelihood M-step must be solved
to convergence, or EM stops climbing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

INNER_TOL = 1e-13
INNER_MAX_ITER = 1000
WARM_MAX_ITER = 50
"""Rounds of an M-step that starts from the previous iteration's covariances (EVE, VVE within EM):
each round only improves on that start, so EM still climbs, and a round-cap keeps a component
that crawls towards a collapse from costing a thousand rounds per iteration."""
WARM_STARTED = frozenset({"EVE", "VVE"})
"""The models whose M-step takes the previous covariances as its start (`start=`)."""

MStep = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _eye_like(W: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.eye(W.shape[1]), W.shape)


def _diagonals(W: np.ndarray) -> np.ndarray:
    return np.diagonal(W, axis1=-2, axis2=-1)


def _geometric_mean(values: np.ndarray) -> np.ndarray:
    """exp(mean(log v)) along the last axis: |diag|^(1/d) for a diagonal; 0 for a zero entry."""
    with np.errstate(divide="ignore"):
        return np.exp(np.mean(np.log(values), axis=-1))


def _diag_embed(values: np.ndarray) -> np.ndarray:
    out = np.zeros(values.shape + values.shape[-1:])
    idx = np.arange(values.shape[-1])
    out[..., idx, idx] = values
    return out


def _eigen_descending(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (K, D) in descending order and their eigenvectors (K, D, D) as columns."""
    values, vectors = np.linalg.eigh(0.5 * (W + np.swapaxes(W, -1, -2)))
    return np.maximum(values[..., ::-1], 0.0), vectors[..., ::-1]


def _rotate(vectors: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """D diag(shape) Dᵀ, broadcast over components."""
    return np.einsum("...ij,...j,...kj->...ik", vectors, shape, vectors)


# ---------------------------------------------------------------------------------------------- closed forms
def eii(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    lam = np.trace(W.sum(axis=0)) / (n.sum() * W.shape[1])
    return lam * np.repeat(np.eye(W.shape[1])[None], W.shape[0], axis=0)


def vii(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    lam = np.trace(W, axis1=1, axis2=2) / (n * W.shape[1])
    return lam[:, None, None] * _eye_like(W)


def eei(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.repeat(_diag_embed(_diagonals(W.sum(axis=0)) / n.sum())[None], W.shape[0], axis=0)


def vvi(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _diag_embed(_diagonals(W) / n[:, None])


def evi(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Equal volume, each its own axis-aligned shape: A_k ∝ diag(W_k), λ = Σ |diag W_k|^(1/d) / n."""
    diag = _diagonals(W)
    volumes = _geometric_mean(diag)
    lam = volumes.sum() / n.sum()
    return _diag_embed(lam * diag / volumes[:, None])


def eee(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.repeat((W.sum(axis=0) / n.sum())[None], W.shape[0], axis=0)


def eev(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Equal volume and shape, own orientation: D_k the eigenvectors of W_k, A ∝ Σ_k eigenvalues."""
    values, vectors = _eigen_descending(W)
    return _rotate(vectors, np.broadcast_to(values.sum(axis=0) / n.sum(), values.shape))


def evv(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Equal volume, own shape and orientation: C_k = W_k / |W_k|^(1/d), λ = Σ |W_k|^(1/d) / n."""
    sign, logdet = np.linalg.slogdet(W)
    volumes = np.where(sign > 0, np.exp(logdet / W.shape[1]), 0.0)
    lam = volumes.sum() / n.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return lam * W / volumes[:, None, None]


def vvv(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    return W / n[:, None, None]


# ------------------------------------------------------------------------------------- shared shape, own volume
def vei(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    from gmm_desktop.core.models.iterative import shared_diagonal_shape

    shape, lam = shared_diagonal_shape(np.ascontiguousarray(_diagonals(W)), _float(n), INNER_TOL, INNER_MAX_ITER)
    return _diag_embed(lam[:, None] * shape)


def vee(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    from gmm_desktop.core.models.iterative import shared_full_shape

    shape, lam = shared_full_shape(np.ascontiguousarray(W, dtype=np.float64), _float(n), INNER_TOL, INNER_MAX_ITER)
    return lam[:, None, None] * shape


def vev(W: np.ndarray, n: np.ndarray) -> np.ndarray:
    from gmm_desktop.core.models.iterative import shared_diagonal_shape

    values, vectors = _eigen_descending(W)
    shape, lam = shared_diagonal_shape(np.ascontiguousarray(values), _float(n), INNER_TOL, INNER_MAX_ITER)
    return _rotate(vectors, lam[:, None] * shape)


def _float(n: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(n, dtype=np.float64)


# ---------------------------------------------------------------------------------------------- common orientation
def _common_orientation(W: np.ndarray, n: np.ndarray, equal_volume: bool, start: np.ndarray | None) -> np.ndarray:
    """EVE / VVE: one orientation D for all components, own diagonal shapes (own volumes for VVE).

    Given D, the diagonal parts follow in closed form from B_k = diag(Dᵀ W_k D): VVE's covariance is
    D (B_k / n_k) Dᵀ, EVE's D (λ B_k / |B_k|^(1/d)) Dᵀ with λ = Σ_k |B_k|^(1/d) / n. Profiling them
    out leaves a function of D alone: Σ_k n_k log|B_k| (VVE; Flury's common principal components)
    or Σ_k |B_k|^(1/d) (EVE), minimised here by Jacobi sweeps: each pair of axes is turned by the
    angle that minimises the function (a 1-D problem, solved on a grid and then by Newton's method),
    until no turn exceeds `INNER_TOL`. This converges in a few sweeps, where the majorisation of
    Browne & McNicholas (2014) takes hundreds to thousands of steps. D starts from the pooled
    scatter's eigenvectors, or within EM from the previous covariances' (`start`, at most
    `WARM_MAX_ITER` sweeps). The sweeps are `iterative`'s, compiled by numba when it is installed."""
    W = np.ascontiguousarray(W, dtype=np.float64)
    n = np.ascontiguousarray(n, dtype=np.float64)
    rounds = INNER_MAX_ITER if start is None else WARM_MAX_ITER
    spread = W.sum(axis=0) if start is None else np.asarray(start)[0]
    first = np.ascontiguousarray(_eigen_descending(spread[None])[1][0])
    from gmm_desktop.core.models.iterative import jacobi_orientation

    orientation = jacobi_orientation(W, n, first, equal_volume, INNER_TOL, rounds)
    b = _diagonals(np.einsum("ji,kjl,lm->kim", orientation, W, orientation))
    if equal_volume:
        volumes = _geometric_mean(b)
        variances = (volumes.sum() / n.sum()) * b / volumes[:, None]
    else:
        variances = b / n[:, None]
    return _rotate(np.broadcast_to(orientation, W.shape), variances)


def eve(W: np.ndarray, n: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    return _common_orientation(W, n, True, start)


def vve(W: np.ndarray, n: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    return _common_orientation(W, n, False, start)


M_STEPS: dict[str, MStep] = {
    "EII": eii,
    "VII": vii,
    "EEI": eei,
    "VEI": vei,
    "EVI": evi,
    "VVI": vvi,
    "EEE": eee,
    "VEE": vee,
    "EVE": eve,
    "VVE": vve,
    "EEV": eev,
    "VEV": vev,
    "EVV": evv,
    "VVV": vvv,
}
"""mclust's model name -> its M-step, in mclust's order (`mclust.options("emModelNames")`)."""
