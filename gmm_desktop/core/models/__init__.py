"""Covariance models: the one registry every layer reads (EM, selection, estimator, files, window, CLI).

A covariance model constrains the components' covariances Σ_k = λ_k D_k A_k D_kᵀ: volume λ, shape A
and orientation D, each Equal across components, Variable, or the Identity (mclust's 14 models, named
by those three letters: EII ... VVV). Each model is one `CovarianceModel` record holding its names
(its `covariance_type`: scikit-learn's name where it has one, full/tied/diag/spherical for
VVV/EEE/VVI/VII, else mclust's), its words for the window (label, description), its parameter count
(mclust's `nVarParams`) and the operations EM needs on its *raw* parameters (`raw_shape`):
scikit-learn's shapes for its four ((K, D, D) full, (D, D) tied, (K, D) diag, (K,) spherical), full
(K, D, D) matrices for the others. Nothing elsewhere branches on a model's name.

To add a model: write its M-step (`constrained.py`, or scikit-learn-exact operations as in
`ellipsoidal.py` / `diagonal.py`) and give it a name in `M_STEPS`; the EM loop, the selection sweep,
the session files, the window's choices and the command line pick it up from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from gmm_desktop.core.models.constrained import M_STEPS, WARM_STARTED
from gmm_desktop.core.models.diagonal import DIAG, SPHERICAL
from gmm_desktop.core.models.ellipsoidal import FULL, TIED, constrained_ops
from gmm_desktop.core.models.linalg import COLLAPSE_MESSAGE, ModelOps

__all__ = [
    "COLLAPSE_MESSAGE",
    "COVARIANCE_TYPES",
    "MODELS",
    "SKLEARN_TYPES",
    "CovarianceModel",
    "covariance_model",
    "n_parameters",
]


@dataclass(frozen=True)
class CovarianceModel:
    """One covariance model. Counts: `n_covariance_parameters(K, D)` free covariance parameters (as
    scikit-learn's `_n_parameters` and mclust's `nVarParams` count them). `shared`: every component
    uses one covariance matrix (so a component owns none of its parameters). `axis_aligned`: no
    correlations (diagonal or spherical). `ops`: what EM does with raw parameters (`ModelOps`)."""

    name: str
    mclust: str
    label: str
    description: str
    shared: bool
    axis_aligned: bool
    raw_shape: Callable[[int, int], tuple[int, ...]]
    n_covariance_parameters: Callable[[int, int], int]
    ops: ModelOps

    @property
    def family(self) -> str:
        """ "spherical", "diagonal" or "ellipsoidal": how the window groups the models."""
        if self.mclust[1] == "I":
            return "spherical"
        return "diagonal" if self.axis_aligned else "ellipsoidal"

    def mclust_name(self, n_components: int, n_features: int) -> str:
        """The name mclust prints for this model at (K, D): E or V in 1-D (equal or own variance);
        X, XII, XXI or XXX for a single component; the three letters otherwise."""
        if n_features == 1:
            return "X" if n_components == 1 else self.mclust[0]
        if n_components == 1:
            return {"spherical": "XII", "diagonal": "XXI", "ellipsoidal": "XXX"}[self.family]
        return self.mclust

    def points_needed(self, n_features: int) -> int:
        """Effective points a component needs for a non-singular covariance: d + 1 when it owns its
        shape and orientation (its scatter must be of full rank), 2 when it owns any variance, 1 (its
        mean) when its covariance is shared."""
        if self.mclust[1:] == "VV":
            return n_features + 1
        return 1 if self.shared else 2

    def n_parameters(self, n_components: int, n_features: int) -> int:
        """Free parameters of the whole mixture: covariances + K D means + (K - 1) weights."""
        k, d = n_components, n_features
        return int(self.n_covariance_parameters(k, d) + d * k + k - 1)

    def parameters_per_component(self, n_features: int) -> int:
        """Parameters one component owns: its weight, its mean and (unless shared) its covariance."""
        own = 0 if self.shared else self.n_covariance_parameters(1, n_features)
        return 1 + n_features + own


_SKLEARN = {"VVV": ("full", FULL), "EEE": ("tied", TIED), "VVI": ("diag", DIAG), "VII": ("spherical", SPHERICAL)}
_VOLUME = {"E": "equal volume", "V": "own volume"}
_SHAPE = {"E": "equal shape", "V": "own shape", "I": "round"}
_ORIENTATION = {"E": "one orientation", "V": "own orientation", "I": "axis-aligned"}


def _description(mclust: str, sklearn: str | None) -> str:
    volume, shape, orientation = mclust
    family = "Spherical" if shape == "I" else ("Diagonal" if orientation == "I" else "Ellipsoidal")
    parts = [_VOLUME[volume]] + ([] if shape == "I" else [_SHAPE[shape]])
    parts += [] if orientation == "I" and shape == "I" else [_ORIENTATION[orientation]]
    alias = f"; scikit-learn's {sklearn!r}" if sklearn else ""
    return f"{family}: {', '.join(parts)} (mclust {mclust}{alias})."


def _model(mclust: str) -> CovarianceModel:
    sklearn, ops = _SKLEARN.get(mclust, (None, None))
    shared = "V" not in mclust
    raw_shape = _RAW_SHAPES[sklearn] if sklearn else (lambda k, d: (k, d, d))
    return CovarianceModel(
        name=sklearn or mclust,
        mclust=mclust,
        label=f"{sklearn} ({mclust})" if sklearn else mclust,
        description=_description(mclust, sklearn),
        shared=shared,
        axis_aligned=mclust.endswith("I"),
        raw_shape=raw_shape,
        n_covariance_parameters=partial(_n_variance_parameters, mclust),
        ops=ops or constrained_ops(M_STEPS[mclust], warm=mclust in WARM_STARTED),
    )


_RAW_SHAPES: dict[str, Callable[[int, int], tuple[int, ...]]] = {
    "full": lambda k, d: (k, d, d),
    "tied": lambda k, d: (d, d),
    "diag": lambda k, d: (k, d),
    "spherical": lambda k, d: (k,),
}


def _n_variance_parameters(mclust: str, k: int, d: int) -> int:
    """mclust's `nVarParams`: volume (1 or K) + shape ((d - 1) or K (d - 1), none if round) +
    orientation (d (d - 1) / 2 or K of them, none if axis-aligned)."""
    volume, shape, orientation = mclust
    count = 1 if volume == "E" else k
    count += 0 if shape == "I" else (d - 1) * (1 if shape == "E" else k)
    count += 0 if orientation == "I" else d * (d - 1) // 2 * (1 if orientation == "E" else k)
    return int(count)


MODELS: dict[str, CovarianceModel] = {model.name: model for model in map(_model, M_STEPS)}
"""Every model in mclust's order (EII ... VVV), keyed by scikit-learn's covariance_type where it has
one (full, tied, diag, spherical) and by mclust's name otherwise."""

SKLEARN_TYPES: tuple[str, ...] = ("full", "tied", "diag", "spherical")
"""scikit-learn's four covariance types, in its order."""

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
