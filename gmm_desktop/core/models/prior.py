"""mclust's conjugate prior: MAP M-steps that keep small or awkward clusters from collapsing.

Fraley & Raftery (2007), "Bayesian regularization for normal mixture estimation and model-based
clustering", J. Classification 24:155-181; mclust's `priorControl()` / `defaultPrior`. The prior
on a component's mean is normal about `mean` (μ_P) with precision `shrinkage` (κ) times the
covariance's; on the covariance an inverse Wishart (inverse gamma for a variance) with `dof` (ν_P)
degrees of freedom and `scale` (Λ_P). `default_prior` computes mclust's defaults from the data:
κ = 0.01, μ_P the data's mean, ν_P = d + 2, and Λ_P = cov(X) / G^(2/d) (ellipsoidal models; the
diagonal of the variances when n <= d) or sum(var(X)) / d / G^(2/d) (spherical and diagonal ones),
in the data's own units: rescaling X by c rescales Λ_P by c², so the MAP fit is scale-equivariant.

The MAP M-step of every model is its maximum-likelihood M-step (`constrained.M_STEPS`) applied to
a modified scatter and modified counts, read off mclust 6.0.0's Fortran (`ms*p`, the same up to
6.1.3): with B_k = W_k + κ n_k / (κ + n_k) (x̄_k - μ_P)(x̄_k - μ_P)ᵀ (the scatter plus the pull of
the prior mean) and the MAP mean (n_k x̄_k + κ μ_P) / (n_k + κ), `_RULES` says what is added to
B_k and to n_k. Where mclust departs from the paper it is reproduced and marked (EII omits Λ_P and
takes its scatter about the MAP mean; EEI keeps the sample means; EEV ignores the shrinkage; VEV
ignores ν_P). mclust has no prior for VEE, EVE, VVE and EVV (`mstepVEE` & c. warn "model is not
available with prior" and return nothing; `Mclust` drops them), so neither has this engine.

The log-likelihood, and so BIC, stays the data's (mclust's `me` and `Mclust` report the same).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gmm_desktop.core.models.constrained import M_STEPS

PRIOR_CHOICES = ("none", "conjugate")
PRIOR_MODELS = ("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")
"""mclust's models that take a prior (mclust's order)."""

SHRINKAGE = 0.01
_SPHERICAL_OR_DIAGONAL = frozenset({"EII", "VII", "EEI", "VEI", "EVI", "VVI"})
_SINGLE = {"XII": "VII", "XXI": "VVI", "XXX": "VVV", "E": "EEE", "V": "VVV"}
"""mclust's names for one component or 1-D data -> the rule that gives the same MAP (mnxiip,
mnxxip, mnxxxp, ms1ep, ms1vp)."""


@dataclass(frozen=True)
class ConjugatePrior:
    """κ (shrinkage), μ_P (mean, (D,)), ν_P (dof) and Λ_P (scale: (D, D), or a number for the
    spherical and diagonal models), as mclust's `defaultPrior` returns them."""

    shrinkage: float
    mean: np.ndarray
    dof: float
    scale: np.ndarray | float


def check_prior_model(mclust: str) -> None:
    """ValueError unless mclust has a prior for this model (`PRIOR_MODELS`)."""
    if mclust not in PRIOR_MODELS:
        raise ValueError(
            f"prior='conjugate' is not available for the {mclust} model (nor in mclust); "
            f"it is available for {', '.join(PRIOR_MODELS)}"
        )


def default_prior(X: np.ndarray, n_components: int, mclust: str) -> ConjugatePrior:
    """mclust's `defaultPrior(X, G, modelName)` (sample variances, divisor N - 1)."""
    check_prior_model(mclust)
    n, d = X.shape
    factor = (1.0 / n_components) ** (2.0 / d)
    if mclust in _SPHERICAL_OR_DIAGONAL:
        scale: np.ndarray | float = factor * float(np.var(X, axis=0, ddof=1).sum()) / d
    elif n > d:
        scale = factor * np.atleast_2d(np.cov(X, rowvar=False))
    else:
        scale = factor * np.diag(np.var(X, axis=0, ddof=1))
    return ConjugatePrior(SHRINKAGE, X.mean(axis=0), float(d + 2), scale)


def map_m_step(
    mclust: str, scatter: np.ndarray, counts: np.ndarray, xbar: np.ndarray, prior: ConjugatePrior
) -> tuple[np.ndarray, np.ndarray]:
    """The MAP means (K, D) and covariances (K, D, D) of model `mclust` (its name at this K and D,
    `CovarianceModel.mclust_name`), from the scatter W_k (K, D, D) about the sample means `xbar`
    (K, D) and the counts n_k (K,)."""
    rule = _RULES[_SINGLE.get(mclust, mclust)]
    kappa = 0.0 if rule.no_shrinkage else prior.shrinkage
    pull = kappa * counts / (kappa + counts)
    gap = xbar - prior.mean
    means = xbar if rule.sample_means else (counts[:, None] * xbar + kappa * prior.mean) / (counts + kappa)[:, None]
    B = scatter + pull[:, None, None] * gap[:, :, None] * gap[:, None, :]
    k, d = xbar.shape
    extra_scatter, extra_counts = rule.extra(prior, counts, kappa, gap, k, d)
    return means, M_STEPS[rule.m_step](B + extra_scatter, counts + extra_counts)


# ---------------------------------------------------------------------------------------------- rules
Extra = Callable[
    [ConjugatePrior, np.ndarray, float, np.ndarray, int, int], tuple[np.ndarray | float, np.ndarray | float]
]


@dataclass(frozen=True)
class _Rule:
    """What a model's MAP M-step adds to B_k and n_k before its ML M-step (`m_step`, by name)."""

    m_step: str
    extra: Extra
    sample_means: bool = False
    no_shrinkage: bool = False


def _bump(kappa: float) -> float:
    """mclust counts one more degree of freedom per component when the mean has a prior (κ > 0)."""
    return 1.0 if kappa > 0 else 0.0


def _ridge(prior: ConjugatePrior, d: int, share: float = 1.0) -> np.ndarray:
    """The scale as a (D, D) matrix (a number s becomes s I), times `share`."""
    scale = prior.scale if np.ndim(prior.scale) == 2 else prior.scale * np.eye(d)
    return share * np.asarray(scale, dtype=np.float64)


def _eii(prior, n, kappa, gap, k, d):
    # mseiip: no Λ_P, and the scatter about the MAP mean, W + n (κ / (n + κ))² gap gapᵀ
    moved = n * (kappa / (n + kappa)) ** 2
    return moved[:, None, None] * gap[:, :, None] * gap[:, None, :], (prior.dof + 2) / (d * k) + _bump(kappa)


def _vii(prior, n, kappa, gap, k, d):  # σ²_k = (s + tr B_k) / (ν + n_k d + 2 + d)
    return _ridge(prior, d, 1.0 / d), (prior.dof + 2) / d + _bump(kappa)


def _eei(prior, n, kappa, gap, k, d):  # diag(s + Σ_k diag B_k) / (ν + N + 2 + G); means x̄
    return _ridge(prior, d, 1.0 / k), (prior.dof + 2) / k + _bump(kappa)


def _vei(prior, n, kappa, gap, k, d):  # λ_k = Σ_j (s + B_kjj) / A_j / (ν + n_k d + 2 + 1)
    return _ridge(prior, d), (prior.dof + 2 + _bump(kappa)) / d


def _evi(prior, n, kappa, gap, k, d):  # λ = Σ_k |s + diag B_k|^(1/d) / (ν + N + 2 + G)
    return _ridge(prior, d), (prior.dof + 2) / k + _bump(kappa)


def _vvi(prior, n, kappa, gap, k, d):  # diag(s + B_k) / (ν + n_k + 2 + 1)
    return _ridge(prior, d), prior.dof + 2 + _bump(kappa)


def _eee(prior, n, kappa, gap, k, d):  # (Λ + Σ_k B_k) / (ν + N + d + 1 + G)
    return _ridge(prior, d, 1.0 / k), (prior.dof + d + 1) / k + _bump(kappa)


def _eev(prior, n, kappa, gap, k, d):  # eigen of Λ + W_k, shared shape / (ν + d + 1 + N); no shrinkage
    return _ridge(prior, d), (prior.dof + d + 1) / k


def _vev(prior, n, kappa, gap, k, d):  # VEV's ML step on Λ + B_k with the plain counts (no ν)
    return _ridge(prior, d), 0.0


def _vvv(prior, n, kappa, gap, k, d):  # (Λ + B_k) / (ν + n_k + d + 1 + 1)
    return _ridge(prior, d), prior.dof + d + 1 + _bump(kappa)


_RULES: dict[str, _Rule] = {
    "EII": _Rule("EII", _eii),
    "VII": _Rule("VII", _vii),
    "EEI": _Rule("EEI", _eei, sample_means=True),
    "VEI": _Rule("VEI", _vei),
    "EVI": _Rule("EVI", _evi),
    "VVI": _Rule("VVI", _vvi),
    "EEE": _Rule("EEE", _eee),
    "EEV": _Rule("EEV", _eev, sample_means=True, no_shrinkage=True),
    "VEV": _Rule("VEV", _vev),
    "VVV": _Rule("VVV", _vvv),
}
