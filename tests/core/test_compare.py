"""Fitted vs true: matching, parameter errors, ARI, Monte Carlo KL against closed forms."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.compare import (
    Comparison,
    adjusted_rand,
    bhattacharyya_distance,
    compare,
    distance_matrix,
    gaussian_kl,
    kl_monte_carlo,
    match_components,
)
from gmm_desktop.core.mixture import Mixture, article_demo, preset


def _permuted(mixture: Mixture, order: list[int]) -> Mixture:
    return Mixture(mixture.weights[order], mixture.means[order], mixture.covariances[order])


def test_identical_mixtures_have_zero_errors() -> None:
    target = preset("well separated")
    result = compare(target, target, kl_samples=20_000)
    assert [(m.fitted_index, m.true_index) for m in result.matches] == [(0, 0), (1, 1), (2, 2)]
    for match in result.matches:
        assert match.distance == pytest.approx(0.0, abs=1e-12)
        assert match.weight_error == 0.0
        assert match.mean_error == 0.0
        assert match.covariance_error == 0.0
    assert result.kl == 0.0
    assert result.kl_stderr == 0.0
    assert result.unmatched_fitted == result.unmatched_true == ()
    assert result.ari is None


def test_permuted_components_are_matched() -> None:
    target = preset("many small clusters")
    order = [5, 2, 7, 0, 1, 6, 3, 4]
    fitted = _permuted(target, order)
    result = compare(fitted, target, kl_samples=1000)
    assert all(order[m.fitted_index] == m.true_index for m in result.matches)
    assert [m.true_index for m in result.matches] == list(range(8))
    assert result.max_mean_error == 0.0
    assert np.array_equal(result.fitted_to_true(8), np.array(order))
    assert abs(result.kl) < 1e-12


def test_perturbed_fit_errors_are_the_perturbation() -> None:
    target = article_demo()
    means = target.means.copy()
    means[1] += [0.3, -0.4]
    covs = target.covariances.copy()
    covs[0] *= 1.1
    fitted = _permuted(Mixture(target.weights, means, covs), [1, 0])
    result = compare(fitted, target, kl_samples=5000)
    by_true = {m.true_index: m for m in result.matches}
    assert by_true[1].fitted_index == 0
    assert by_true[1].mean_error == pytest.approx(0.5)
    assert by_true[0].covariance_error == pytest.approx(0.1)
    assert by_true[0].weight_error == pytest.approx(0.0, abs=1e-15)
    assert result.kl > 0


def test_unequal_component_counts() -> None:
    target = preset("well separated")
    fewer = Mixture(target.weights[[2, 0]], target.means[[2, 0]], target.covariances[[2, 0]])
    result = compare(fewer, target, kl_samples=2000)
    assert {(m.fitted_index, m.true_index) for m in result.matches} == {(0, 2), (1, 0)}
    assert result.unmatched_true == (1,)
    assert result.unmatched_fitted == ()
    more = compare(target, fewer, kl_samples=2000)
    assert more.unmatched_fitted == (1,)
    assert more.unmatched_true == ()


def test_ari_perfect_and_permuted_labels() -> None:
    target = preset("well separated")
    x, labels = target.sample(2000, rng=1)
    result = compare(target, target, data=x, true_labels=labels, kl_samples=100)
    assert result.ari is not None
    assert result.ari > 0.99
    assert adjusted_rand(labels, (labels + 1) % 3) == 1.0
    assert adjusted_rand(labels, np.zeros_like(labels)) == pytest.approx(0.0)


def test_ari_needs_both_data_and_labels() -> None:
    target = article_demo()
    with pytest.raises(ValueError, match="both"):
        compare(target, target, data=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="length"):
        adjusted_rand(np.zeros(3), np.zeros(4))


def test_dimension_mismatch() -> None:
    one_d = Mixture(np.ones(1), np.zeros((1, 1)), np.ones((1, 1, 1)))
    with pytest.raises(ValueError, match="1-D fitted model with a 2-D target"):
        compare(one_d, article_demo())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_monte_carlo_kl_matches_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((3, 3))
    b = rng.standard_normal((3, 3))
    cov0, cov1 = a @ a.T + np.eye(3), b @ b.T + np.eye(3)
    mean0, mean1 = rng.standard_normal(3), rng.standard_normal(3)
    p = Mixture(np.ones(1), mean0[None], cov0[None])
    q = Mixture(np.ones(1), mean1[None], cov1[None])
    exact = gaussian_kl(mean0, cov0, mean1, cov1)
    estimate, stderr = kl_monte_carlo(p, q, 200_000, rng=seed)
    assert stderr > 0
    assert abs(estimate - exact) < 4 * stderr


def test_gaussian_kl_known_values() -> None:
    # 1-D: KL(N(0,1) || N(1,4)) = ln 2 + (1 + 1) / 8 - 1/2
    assert gaussian_kl(np.zeros(1), np.eye(1), np.ones(1), 4 * np.eye(1)) == pytest.approx(np.log(2) + 0.25 - 0.5)
    assert gaussian_kl(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2)) == pytest.approx(0.0)


def test_bhattacharyya_is_mahalanobis_for_equal_covariances() -> None:
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    d = np.array([1.0, -2.0])
    expected = d @ np.linalg.solve(cov, d) / 8
    assert bhattacharyya_distance(np.zeros(2), cov, d, cov) == pytest.approx(expected)
    # symmetric and invariant to an affine change of units
    cov2 = np.array([[1.0, 0.0], [0.0, 3.0]])
    scale = np.diag([10.0, 0.1])
    before = bhattacharyya_distance(np.zeros(2), cov, d, cov2)
    assert bhattacharyya_distance(d, cov2, np.zeros(2), cov) == pytest.approx(before)
    after = bhattacharyya_distance(np.zeros(2), scale @ cov @ scale, scale @ d, scale @ cov2 @ scale)
    assert after == pytest.approx(before)


def test_matches_recovered_from_a_real_fit() -> None:
    """scikit-learn as the fitter: its components come back in its own order; matching finds them."""
    target = preset("well separated")
    x, labels = target.sample(3000, rng=3)
    fit = GaussianMixture(3, random_state=0).fit(x)
    fitted = Mixture(fit.weights_, fit.means_, fit.covariances_)
    result = compare(fitted, target, data=x, true_labels=labels, kl_samples=20_000)
    assert result.max_mean_error < 0.1
    assert result.max_weight_error < 0.03
    assert result.max_covariance_error < 0.15
    assert result.ari is not None and result.ari > 0.98
    assert 0 <= result.kl < 0.02
    assert np.array_equal(np.sort(result.fitted_to_true(3)), np.arange(3))


def test_records_are_frozen() -> None:
    target = article_demo()
    result = compare(target, target, kl_samples=10)
    assert isinstance(result, Comparison)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kl = 1.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.matches[0].mean_error = 1.0  # type: ignore[misc]
    assert distance_matrix(target, target).shape == (2, 2)
    assert len(match_components(target, target)) == 2
    with pytest.raises(ValueError, match="2 samples"):
        kl_monte_carlo(target, target, 1)
