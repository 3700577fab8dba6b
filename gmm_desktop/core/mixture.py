"""The Gaussian mixture value type: P(x) = sum_i w_i N(x; mu_i, Sigma_i).

A `Mixture` is immutable (its arrays are read-only copies), so it can cross threads and be
shared by the window, the sampler and the fitter without defensive copies. Densities use the
closed form with Cholesky factors of the precisions (scikit-learn's convention), broadcast over
points and components; that is what makes a 500x500 grid cost a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))


class MixtureError(ValueError):
    """An invalid mixture parameter; the message names the field and the component."""


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


def _validate(weights: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> None:
    """Raise MixtureError naming the first bad field (shapes, weights, covariances)."""
    if weights.ndim != 1 or weights.size == 0:
        raise MixtureError(f"weights must be a non-empty 1-D array, got shape {weights.shape}")
    k = weights.size
    if means.ndim != 2 or means.shape[0] != k:
        raise MixtureError(f"means must have shape ({k}, D), got {means.shape}")
    d = means.shape[1]
    if d < 1:
        raise MixtureError("means must have at least one dimension")
    if covariances.shape != (k, d, d):
        raise MixtureError(f"covariances must have shape ({k}, {d}, {d}), got {covariances.shape}")
    for name, array in (("weights", weights), ("means", means), ("covariances", covariances)):
        if not np.all(np.isfinite(array)):
            raise MixtureError(f"{name} contain a non-finite value (NaN or infinity)")
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        i = int(negative[0])
        raise MixtureError(f"weight of component {i + 1} is negative ({weights[i]:g})")
    if weights.sum() <= 0:
        raise MixtureError("weights are all zero: at least one component needs a positive weight")
    for i, cov in enumerate(covariances):
        scale = max(float(np.abs(cov).max()), np.finfo(float).tiny)
        if np.abs(cov - cov.T).max() > 1e-9 * scale:
            raise MixtureError(f"covariance of component {i + 1} is not symmetric")
        try:
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise MixtureError(
                f"covariance of component {i + 1} is not positive definite "
                "(a standard deviation is zero or the correlation is +-1)"
            ) from None


@dataclass(frozen=True, eq=False)
class Mixture:
    """A K-component Gaussian mixture in D dimensions.

    weights: (K,) normalised to sum to 1 (raw non-negative weights are accepted and normalised,
    as the article's are); means: (K, D); covariances: (K, D, D) symmetric positive definite.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=np.float64)
        means = np.asarray(self.means, dtype=np.float64)
        covariances = np.asarray(self.covariances, dtype=np.float64)
        if means.ndim == 1:
            means = means[:, None]
        if covariances.ndim == 1:
            covariances = covariances[:, None, None]
        _validate(weights, means, covariances)
        covariances = 0.5 * (covariances + np.swapaxes(covariances, 1, 2))
        # Normalise raw weights, but leave already-normalised ones bit for bit (files round-trip).
        total = weights.sum()
        if abs(total - 1.0) > 4 * np.finfo(float).eps * weights.size:
            weights = weights / total
        object.__setattr__(self, "weights", _readonly(weights))
        object.__setattr__(self, "means", _readonly(means))
        object.__setattr__(self, "covariances", _readonly(covariances))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_2d(
        cls,
        weights: np.ndarray | list[float],
        means: np.ndarray | list[list[float]],
        stds: np.ndarray | list[list[float]],
        correlations: np.ndarray | list[float],
    ) -> Mixture:
        """Build a 2-D mixture from the table's parameters: std x/y and correlation per component."""
        stds = np.asarray(stds, dtype=np.float64)
        rho = np.asarray(correlations, dtype=np.float64)
        if np.any(stds <= 0):
            i = int(np.flatnonzero(np.any(stds <= 0, axis=1))[0])
            raise MixtureError(f"standard deviation of component {i + 1} must be positive")
        if np.any(np.abs(rho) >= 1):
            i = int(np.flatnonzero(np.abs(rho) >= 1)[0])
            raise MixtureError(f"correlation of component {i + 1} must lie strictly between -1 and 1")
        cov_xy = rho * stds[:, 0] * stds[:, 1]
        covariances = np.empty((stds.shape[0], 2, 2))
        covariances[:, 0, 0] = stds[:, 0] ** 2
        covariances[:, 1, 1] = stds[:, 1] ** 2
        covariances[:, 0, 1] = covariances[:, 1, 0] = cov_xy
        return cls(np.asarray(weights, dtype=np.float64), np.asarray(means), covariances)

    def with_component(self, index: int, weight: float, mean: np.ndarray, cov: np.ndarray) -> Mixture:
        """A copy with component `index` replaced; `weight` is on the normalised scale."""
        weights, means, covs = self.weights.copy(), self.means.copy(), self.covariances.copy()
        weights[index], means[index], covs[index] = weight, mean, cov
        return Mixture(weights, means, covs)

    # ------------------------------------------------------------------ shape
    @property
    def n_components(self) -> int:
        return int(self.weights.size)

    @property
    def n_dims(self) -> int:
        return int(self.means.shape[1])

    # ------------------------------------------------------------------ derived factors
    @cached_property
    def precision_cholesky(self) -> np.ndarray:
        """(K, D, D) upper-triangular U with precision = U @ U.T (scikit-learn's convention)."""
        chol = np.linalg.cholesky(self.covariances)
        eye = np.broadcast_to(np.eye(self.n_dims), chol.shape)
        inv_lower = np.linalg.solve(chol, eye)
        return np.ascontiguousarray(np.swapaxes(inv_lower, 1, 2))

    @cached_property
    def _log_norm(self) -> np.ndarray:
        """(K,) log w_k - D/2 log 2pi + log det U_k: everything but the quadratic form."""
        log_det = np.log(np.diagonal(self.precision_cholesky, axis1=1, axis2=2)).sum(axis=1)
        with np.errstate(divide="ignore"):  # a zero weight is allowed: log 0 = -inf drops the component
            log_weights = np.log(self.weights)
        return log_weights - 0.5 * self.n_dims * LOG_2PI + log_det

    # ------------------------------------------------------------------ densities
    def weighted_log_prob(self, x: np.ndarray) -> np.ndarray:
        """(N, K) log w_k + log N(x_n; mu_k, Sigma_k) for points x of shape (N, D)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.empty((x.shape[0], self.n_components))
        for k in range(self.n_components):
            y = (x - self.means[k]) @ self.precision_cholesky[k]
            out[:, k] = self._log_norm[k] - 0.5 * np.einsum("ij,ij->i", y, y)
        return out

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """(N,) log P(x) for points of shape (N, D), by a stable log-sum-exp over components."""
        return _logsumexp_rows(self.weighted_log_prob(x))

    def pdf(self, x: np.ndarray) -> np.ndarray:
        """(N,) P(x) for points of shape (N, D)."""
        return np.exp(self.logpdf(x))

    def responsibilities(self, x: np.ndarray) -> np.ndarray:
        """(N, K) P(i | x): rows sum to 1 (computed in log space, so far points stay finite)."""
        wlp = self.weighted_log_prob(x)
        return np.exp(wlp - _logsumexp_rows(wlp)[:, None])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(N,) argmax_i P(i | x), the most probable component of each point."""
        return np.argmax(self.weighted_log_prob(x), axis=1)

    # ------------------------------------------------------------------ sampling and moments
    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Exact ancestral samples: (X (n, D), labels (n,)), in random order."""
        rng = np.random.default_rng(rng)
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        z = rng.standard_normal((n, self.n_dims))
        chol = np.linalg.cholesky(self.covariances)
        x = np.empty((n, self.n_dims))
        for k in range(self.n_components):
            rows = labels == k
            x[rows] = self.means[k] + z[rows] @ chol[k].T
        return x, labels

    def mean(self) -> np.ndarray:
        """(D,) analytic mean of the mixture."""
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        """(D, D) analytic covariance: sum w (Sigma + mu mu^T) - m m^T."""
        m = self.mean()
        second = np.einsum("k,kij->ij", self.weights, self.covariances)
        second += np.einsum("k,ki,kj->ij", self.weights, self.means, self.means)
        return second - np.outer(m, m)

    def marginal(self, dims: tuple[int, ...] | list[int]) -> Mixture:
        """The mixture of the selected coordinates (e.g. a 2-D view of a D>2 model)."""
        idx = np.asarray(dims, dtype=int)
        return Mixture(self.weights, self.means[:, idx], self.covariances[:, idx][:, :, idx])

    # ------------------------------------------------------------------ 2-D table view
    def stds(self) -> np.ndarray:
        """(K, D) standard deviation of each coordinate of each component."""
        return np.sqrt(np.diagonal(self.covariances, axis1=1, axis2=2))

    def correlations(self) -> np.ndarray:
        """(K,) correlation of the first two coordinates (0 for a 1-D mixture)."""
        if self.n_dims < 2:
            return np.zeros(self.n_components)
        s = self.stds()
        return self.covariances[:, 0, 1] / (s[:, 0] * s[:, 1])

    def to_dict(self) -> dict[str, list]:
        """Plain lists, for JSON."""
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "covariances": self.covariances.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Mixture:
        try:
            return cls(np.asarray(data["weights"]), np.asarray(data["means"]), np.asarray(data["covariances"]))
        except KeyError as exc:
            raise MixtureError(f"model is missing the field {exc.args[0]!r}") from None


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """log(sum(exp(a), axis=1)) without overflow; faster than scipy's for few columns."""
    top = a.max(axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    return top + np.log(np.exp(a - top[:, None]).sum(axis=1))


# ---------------------------------------------------------------------- presets
def article_demo() -> Mixture:
    """The article's target: raw weights 0.6 and 28.4/29 (operator precedence), normalised.

    g1: mean (-1, -1), std (1, 1), covariance xy -0.8; g2: mean (1, 2), std (1.5, 0.8),
    covariance xy 0.6 (correlation 0.5). See shared/SEED_DEMO.md.
    """
    return Mixture(
        np.array([0.6, 28.4 / (0.6 + 28.4)]),
        np.array([[-1.0, -1.0], [1.0, 2.0]]),
        np.array([[[1.0, -0.8], [-0.8, 1.0]], [[2.25, 0.6], [0.6, 0.64]]]),
    )


def _well_separated() -> Mixture:
    return Mixture.from_2d([1, 1, 1], [[-3, -2], [3, -2], [0, 3]], [[0.7, 0.7]] * 3, [0.0, 0.3, -0.3])


def _overlapping() -> Mixture:
    return Mixture.from_2d([0.5, 0.5], [[-0.6, 0.0], [0.6, 0.3]], [[1.0, 1.0], [1.0, 0.8]], [0.2, -0.3])


def _many_small() -> Mixture:
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    means = np.column_stack([3 * np.cos(angles), 3 * np.sin(angles)])
    return Mixture.from_2d(np.ones(8), means, np.full((8, 2), 0.35), np.zeros(8))


def _elongated() -> Mixture:
    return Mixture.from_2d([0.5, 0.5], [[-1.5, 0.0], [1.5, 0.0]], [[2.0, 0.4], [0.4, 2.0]], [0.9, -0.9])


PRESETS = {
    "Article demo": article_demo,
    "Well separated": _well_separated,
    "Overlapping": _overlapping,
    "Many small clusters": _many_small,
    "Elongated": _elongated,
}
"""Named targets, the article's first (the default); values are factories."""


def preset(name: str) -> Mixture:
    """The preset called `name` (case-insensitive; '-' or '_' may stand for spaces)."""
    key = name.replace("-", " ").replace("_", " ").lower()
    if key == "demo":
        return article_demo()
    for label, factory in PRESETS.items():
        if label.lower() == key or label.split()[0].lower() == key:
            return factory()
    raise MixtureError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
