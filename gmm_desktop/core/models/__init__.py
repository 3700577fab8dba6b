"""Covariance models: the one registry every layer reads (EM, selection, estimator, files, window, CLI).

A covariance model constrains the components' covariances Σ_k (mclust's Σ_k = λ_k D_k A_k D_kᵀ
family: volume, shape, orientation, each Equal or Variable across components). Each model is one
`CovarianceModel` record holding its names (scikit-learn's `covariance_type`, mclust's model name),
its words for the window (label, description), its parameter count and the operations EM needs on
its *raw* parameters, which are scikit-learn's shapes (`raw_shape`): (K, D, D) for "full", (D, D) for
"tied", (K, D) for "diag", (K,) for "spherical". Nothing elsewhere branches on a model's name.

To add a model: write its operations in the family module (`ellipsoidal.py`, `diagonal.py`, or a new
one) and add its record to `MODELS` below; the EM loop, the selection sweep, the session files, the
window's choices and the command line pick it up from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gmm_desktop.core.models.diagonal import DIAG, SPHERICAL
from gmm_desktop.core.models.ellipsoidal import FULL, TIED
from gmm_desktop.core.models.linalg import COLLAPSE_MESSAGE, ModelOps

__all__ = [
    "COLLAPSE_MESSAGE",
    "COVARIANCE_TYPES",
    "MODELS",
    "CovarianceModel",
    "covariance_model",
    "n_parameters",
]


@dataclass(frozen=True)
class CovarianceModel:
    """One covariance model. Counts: `n_covariance_parameters(K, D)` free covariance parameters (as
    scikit-learn's `_n_parameters` and mclust's `nVarParams` count them). `shared`: every component
    uses one covariance matrix (so a component owns none of its parameters). `axis_aligned`: the raw
    covariances are variances (no correlations). `ops`: what EM does with raw parameters (`ModelOps`)."""

    name: str
    mclust: str
    label: str
    description: str
    shared: bool
    axis_aligned: bool
    raw_shape: Callable[[int, int], tuple[int, ...]]
    n_covariance_parameters: Callable[[int, int], int]
    ops: ModelOps

    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Free parameters of the whole mixture: covariances + K D means + (K - 1) weights."""
        k, d = n_components, n_features
        return int(self.n_covariance_parameters(k, d) + d * k + k - 1)

    def parameters_per_component(self, n_features: int) -> int:
        """Parameters one component owns: its weight, its mean and (unless shared) its covariance."""
        own = 0 if self.shared else self.n_covariance_parameters(1, n_features)
        return 1 + n_features + own


MODELS: dict[str, CovarianceModel] = {
    "full": CovarianceModel(
        "full",
        "VVV",
        "full (VVV)",
        "Each component has its own covariance matrix: any size, shape and tilt (mclust VVV).",
        shared=False,
        axis_aligned=False,
        raw_shape=lambda k, d: (k, d, d),
        n_covariance_parameters=lambda k, d: k * d * (d + 1) // 2,
        ops=FULL,
    ),
    "tied": CovarianceModel(
        "tied",
        "EEE",
        "tied (EEE)",
        "All components share one covariance matrix: same size, shape and tilt (mclust EEE).",
        shared=True,
        axis_aligned=False,
        raw_shape=lambda k, d: (d, d),
        n_covariance_parameters=lambda k, d: d * (d + 1) // 2,
        ops=TIED,
    ),
    "diag": CovarianceModel(
        "diag",
        "VVI",
        "diag (VVI)",
        "Each component has its own axis-aligned covariance, no tilt (mclust VVI).",
        shared=False,
        axis_aligned=True,
        raw_shape=lambda k, d: (k, d),
        n_covariance_parameters=lambda k, d: k * d,
        ops=DIAG,
    ),
    "spherical": CovarianceModel(
        "spherical",
        "VII",
        "spherical (VII)",
        "Each component is round, with its own single variance (mclust VII).",
        shared=False,
        axis_aligned=True,
        raw_shape=lambda k, d: (k,),
        n_covariance_parameters=lambda k, d: k,
        ops=SPHERICAL,
    ),
}
"""Every model, keyed by scikit-learn's covariance_type, in the order the window and the sweep use."""

COVARIANCE_TYPES: tuple[str, ...] = tuple(MODELS)


def covariance_model(name: str) -> CovarianceModel:
    """The model called `name` (scikit-learn's covariance_type or mclust's model name); ValueError
    listing the choices otherwise."""
    model = MODELS.get(name)
    if model is None:
        model = next((m for m in MODELS.values() if m.mclust == name), None)
    if model is None:
        choices = ", ".join(f"{m.name} ({m.mclust})" for m in MODELS.values())
        raise ValueError(f"covariance_type must be one of {choices}; got {name!r}")
    return model


def n_parameters(n_components: int, n_features: int, covariance_type: str) -> int:
    """Free parameters of the mixture, as scikit-learn's `GaussianMixture._n_parameters`."""
    return covariance_model(covariance_type).n_parameters(n_components, n_features)
