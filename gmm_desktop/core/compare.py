"""Fitted versus true: how well did EM recover the target mixture?

Components of a mixture have no intrinsic order, so before any parameter can be compared the
fitted components are matched to the true ones. The matching minimises the total
**Bhattacharyya distance** over one-to-one pairs (Hungarian assignment,
`scipy.optimize.linear_sum_assignment`). Why Bhattacharyya: it is a true distance between the
two Gaussians as distributions (it uses means *and* covariances, unlike a plain mean distance),
it is symmetric (unlike KL), it is closed form and always finite, and it is scale free
(it is invariant under any invertible affine change of coordinates, so the matching does not
depend on the units of the data). For equal covariances it is Mahalanobis^2 / 8.
Weights deliberately do not enter the cost: a component is "the same" by where and how it spreads.

When K_fit != K_true, min(K_fit, K_true) pairs are matched and the rest are reported as unmatched.

Reported per matched pair: |w_fit - w_true|, the Euclidean distance of the means (in data units)
and the relative Frobenius error of the covariance ||S_fit - S_true||_F / ||S_true||_F.
For the whole mixture: KL(true || fitted) by Monte Carlo on samples from the true mixture with its
standard error (there is no closed form for mixtures), and the adjusted Rand index of the fitted
model's hard labels against known labels (ARI is invariant to relabelling, so it needs no matching).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from gmm_desktop.core.mixture import Mixture

DEFAULT_KL_SAMPLES = 100_000


@dataclass(frozen=True)
class ComponentMatch:
    """One fitted component paired with one true component (indices are 0-based)."""

    fitted_index: int
    true_index: int
    distance: float
    """Bhattacharyya distance between the two Gaussians (0 when identical)."""
    weight_error: float
    """|w_fit - w_true| on the normalised weight scale."""
    mean_error: float
    """Euclidean distance between the means, in data units."""
    covariance_error: float
    """||Sigma_fit - Sigma_true||_F / ||Sigma_true||_F."""


@dataclass(frozen=True)
class Comparison:
    """Everything the 'fitted vs true' panel shows; immutable, so it can cross threads."""

    matches: tuple[ComponentMatch, ...]
    """Matched pairs, ordered by true component index."""
    unmatched_fitted: tuple[int, ...]
    """Fitted components left over when K_fit > K_true."""
    unmatched_true: tuple[int, ...]
    """True components nobody recovered when K_fit < K_true."""
    kl: float
    """Monte Carlo estimate of KL(true || fitted) in nats (>= 0 up to noise)."""
    kl_stderr: float
    """Standard error of `kl` (standard deviation of the log-ratio / sqrt(n))."""
    kl_samples: int
    ari: float | None
    """Adjusted Rand index of fitted hard labels vs known labels; None when labels were not given."""

    @property
    def max_weight_error(self) -> float:
        return max((m.weight_error for m in self.matches), default=0.0)

    @property
    def max_mean_error(self) -> float:
        return max((m.mean_error for m in self.matches), default=0.0)

    @property
    def max_covariance_error(self) -> float:
        return max((m.covariance_error for m in self.matches), default=0.0)

    def fitted_to_true(self, n_fitted: int) -> np.ndarray:
        """(n_fitted,) true index of each fitted component, -1 when unmatched (to recolour labels)."""
        mapping = np.full(n_fitted, -1, dtype=np.int64)
        for match in self.matches:
            mapping[match.fitted_index] = match.true_index
        return mapping


def bhattacharyya_distance(mean0: np.ndarray, cov0: np.ndarray, mean1: np.ndarray, cov1: np.ndarray) -> float:
    """D_B = 1/8 d^T S^-1 d + 1/2 ln(det S / sqrt(det S0 det S1)), S = (S0 + S1) / 2, d = m1 - m0."""
    cov = 0.5 * (np.asarray(cov0) + np.asarray(cov1))
    diff = np.asarray(mean1, dtype=np.float64) - np.asarray(mean0, dtype=np.float64)
    chol = np.linalg.cholesky(cov)
    y = np.linalg.solve(chol, diff)
    log_det = 2.0 * np.log(np.diagonal(chol)).sum()
    log_det0 = np.linalg.slogdet(cov0)[1]
    log_det1 = np.linalg.slogdet(cov1)[1]
    # The log-det term is >= 0 in exact arithmetic; clamp the rounding noise of identical inputs.
    return max(float(0.125 * (y @ y) + 0.5 * (log_det - 0.5 * (log_det0 + log_det1))), 0.0)


def gaussian_kl(mean0: np.ndarray, cov0: np.ndarray, mean1: np.ndarray, cov1: np.ndarray) -> float:
    """Closed-form KL(N0 || N1) in nats: 1/2 [tr(S1^-1 S0) + d^T S1^-1 d - D + ln(det S1 / det S0)]."""
    cov0 = np.asarray(cov0, dtype=np.float64)
    cov1 = np.asarray(cov1, dtype=np.float64)
    diff = np.asarray(mean1, dtype=np.float64) - np.asarray(mean0, dtype=np.float64)
    dims = diff.size
    trace = np.trace(np.linalg.solve(cov1, cov0))
    quad = diff @ np.linalg.solve(cov1, diff)
    log_ratio = np.linalg.slogdet(cov1)[1] - np.linalg.slogdet(cov0)[1]
    return float(0.5 * (trace + quad - dims + log_ratio))


def distance_matrix(fitted: Mixture, true: Mixture) -> np.ndarray:
    """(K_fit, K_true) Bhattacharyya distances between every fitted and every true component."""
    _check_dims(fitted, true)
    out = np.empty((fitted.n_components, true.n_components))
    for i in range(fitted.n_components):
        for j in range(true.n_components):
            out[i, j] = bhattacharyya_distance(
                fitted.means[i], fitted.covariances[i], true.means[j], true.covariances[j]
            )
    return out


def match_components(fitted: Mixture, true: Mixture) -> tuple[ComponentMatch, ...]:
    """Optimal one-to-one pairs (minimum total Bhattacharyya distance), ordered by true index."""
    cost = distance_matrix(fitted, true)
    rows, cols = linear_sum_assignment(cost)
    order = np.argsort(cols)
    return tuple(_pair(fitted, true, int(rows[k]), int(cols[k]), float(cost[rows[k], cols[k]])) for k in order)


def kl_monte_carlo(
    true: Mixture, fitted: Mixture, n: int = DEFAULT_KL_SAMPLES, rng: np.random.Generator | int | None = 0
) -> tuple[float, float]:
    """(KL(true || fitted), standard error) from n samples of `true`: mean and sem of log p - log q.

    Seeded by default so the panel shows the same number for the same pair of models.
    """
    _check_dims(fitted, true)
    if n < 2:
        raise ValueError(f"KL needs at least 2 samples, got {n}")
    x, _ = true.sample(n, rng)
    log_ratio = true.logpdf(x) - fitted.logpdf(x)
    return float(log_ratio.mean()), float(log_ratio.std(ddof=1) / np.sqrt(n))


def adjusted_rand(true_labels: np.ndarray, predicted_labels: np.ndarray) -> float:
    """Adjusted Rand index (1 = same partition up to relabelling, ~0 = chance)."""
    true_labels = np.asarray(true_labels).ravel()
    predicted_labels = np.asarray(predicted_labels).ravel()
    if true_labels.shape != predicted_labels.shape:
        raise ValueError(f"label arrays differ in length: {true_labels.size} and {predicted_labels.size}")
    return float(adjusted_rand_score(true_labels, predicted_labels))


def compare(
    fitted: Mixture,
    true: Mixture,
    *,
    data: np.ndarray | None = None,
    true_labels: np.ndarray | None = None,
    kl_samples: int = DEFAULT_KL_SAMPLES,
    rng: np.random.Generator | int | None = 0,
) -> Comparison:
    """Match components, measure parameter errors, KL(true || fitted) and, given labels, the ARI.

    data: (N, D) points whose true component labels (N,) are `true_labels` (e.g. exact samples of
    the target); the ARI compares them with `fitted.predict(data)`. Both or neither must be given.
    """
    if (data is None) != (true_labels is None):
        raise ValueError("the adjusted Rand index needs both the data and its true labels")
    matches = match_components(fitted, true)
    kl, kl_stderr = kl_monte_carlo(true, fitted, kl_samples, rng)
    ari = None
    if data is not None and true_labels is not None:
        ari = adjusted_rand(true_labels, fitted.predict(np.asarray(data, dtype=np.float64)))
    matched_fit = {m.fitted_index for m in matches}
    matched_true = {m.true_index for m in matches}
    return Comparison(
        matches=matches,
        unmatched_fitted=tuple(i for i in range(fitted.n_components) if i not in matched_fit),
        unmatched_true=tuple(j for j in range(true.n_components) if j not in matched_true),
        kl=kl,
        kl_stderr=kl_stderr,
        kl_samples=kl_samples,
        ari=ari,
    )


def _pair(fitted: Mixture, true: Mixture, i: int, j: int, distance: float) -> ComponentMatch:
    true_cov = true.covariances[j]
    return ComponentMatch(
        fitted_index=i,
        true_index=j,
        distance=distance,
        weight_error=float(abs(fitted.weights[i] - true.weights[j])),
        mean_error=float(np.linalg.norm(fitted.means[i] - true.means[j])),
        covariance_error=float(np.linalg.norm(fitted.covariances[i] - true_cov) / np.linalg.norm(true_cov)),
    )


def _check_dims(fitted: Mixture, true: Mixture) -> None:
    if fitted.n_dims != true.n_dims:
        raise ValueError(f"cannot compare a {fitted.n_dims}-D fitted model with a {true.n_dims}-D target")
