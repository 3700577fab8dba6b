"""Mixture density on a 500x500 grid: closed-form broadcast against GaussianMixture.score_samples."""

import numpy as np
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.density import density_grid
from gmm_desktop.core.mixture import Mixture

from .timing import median_seconds, report


def five_components() -> Mixture:
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 2, 2))
    return Mixture(rng.uniform(0.2, 1, 5), rng.normal(0, 2, (5, 2)), a @ np.swapaxes(a, 1, 2) + 0.2 * np.eye(2))


def test_density_grid_against_score_samples():
    mixture = five_components()
    gm = GaussianMixture(5)
    gm.weights_, gm.means_, gm.covariances_ = mixture.weights, mixture.means, mixture.covariances
    gm.precisions_cholesky_ = mixture.precision_cholesky
    xs = np.linspace(-6, 6, 500)
    points = np.column_stack([np.repeat(xs, 500), np.tile(xs, 500)])[:, ::-1]

    def sklearn_grid():
        return np.exp(gm.score_samples(points)).reshape(500, 500)

    def our_grid():
        return density_grid(mixture, (-6, 6), (-6, 6), (500, 500)).values

    np.testing.assert_allclose(our_grid(), sklearn_grid(), rtol=1e-9, atol=1e-300)
    baseline = median_seconds(sklearn_grid) * 1e3
    ours = median_seconds(our_grid) * 1e3
    report("density grid 500x500 K=5", "score_samples", baseline, ours, "ms", goal=20)
