"""The mixture value type against known answers, scikit-learn and scipy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.mixture import PRESETS, Mixture, MixtureError, article_demo, preset

ARTICLE_MEAN = np.array([0.240175, 0.860262])
ARTICLE_COV = np.array([[2.717425, 1.481596], [1.481596, 2.896980]])


@st.composite
def mixtures(draw, max_k=4, max_d=3):
    k = draw(st.integers(1, max_k))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, d, d))
    covariances = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(d)
    return Mixture(rng.uniform(0.05, 1.0, k), rng.normal(0, 3, (k, d)), covariances)


def as_sklearn(mixture: Mixture) -> GaussianMixture:
    gm = GaussianMixture(mixture.n_components, covariance_type="full")
    gm.weights_, gm.means_, gm.covariances_ = mixture.weights, mixture.means, mixture.covariances
    gm.precisions_cholesky_ = mixture.precision_cholesky
    gm.precisions_ = np.linalg.inv(mixture.covariances)
    return gm


def test_article_weights_follow_operator_precedence():
    np.testing.assert_allclose(article_demo().weights, [0.379913, 0.620087], atol=1e-6)


def test_article_moments_match_the_oracle():
    mixture = article_demo()
    np.testing.assert_allclose(mixture.mean(), ARTICLE_MEAN, atol=1e-6)
    np.testing.assert_allclose(mixture.covariance(), ARTICLE_COV, atol=1e-6)


def test_article_table_parameters():
    mixture = article_demo()
    np.testing.assert_allclose(mixture.stds(), [[1.0, 1.0], [1.5, 0.8]])
    np.testing.assert_allclose(mixture.correlations(), [-0.8, 0.5])


@settings(max_examples=40, deadline=None)
@given(mixtures(), st.integers(0, 1000))
def test_log_density_equals_scikit_learn(mixture, seed):
    x = np.random.default_rng(seed).normal(0, 4, (50, mixture.n_dims))
    gm = as_sklearn(mixture)
    np.testing.assert_allclose(mixture.logpdf(x), gm.score_samples(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(mixture.responsibilities(x), gm.predict_proba(x), atol=1e-10)
    np.testing.assert_array_equal(mixture.predict(x), gm.predict(x))


def test_density_of_one_gaussian_equals_scipy():
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    mixture = Mixture([1.0], [[1.0, -1.0]], [cov])
    x = np.random.default_rng(1).normal(size=(20, 2))
    np.testing.assert_allclose(mixture.pdf(x), multivariate_normal([1.0, -1.0], cov).pdf(x), rtol=1e-12)


def test_far_points_keep_finite_responsibilities():
    resp = article_demo().responsibilities(np.array([[1e4, -1e4]]))
    assert np.all(np.isfinite(resp))
    assert resp.sum() == pytest.approx(1.0)


@settings(max_examples=20, deadline=None)
@given(mixtures(max_d=2))
def test_exact_samples_have_the_analytic_moments(mixture):
    x, labels = mixture.sample(40_000, 3)
    assert x.shape == (40_000, mixture.n_dims)
    sd = np.sqrt(np.diag(mixture.covariance()))
    np.testing.assert_array_less(np.abs(x.mean(axis=0) - mixture.mean()), 5 * sd / np.sqrt(40_000))
    counts = np.bincount(labels, minlength=mixture.n_components) / 40_000
    np.testing.assert_allclose(counts, mixture.weights, atol=5 * np.sqrt(0.25 / 40_000))


def test_sampling_is_reproducible():
    a, _ = article_demo().sample(100, 42)
    b, _ = article_demo().sample(100, 42)
    np.testing.assert_array_equal(a, b)


def test_marginal_keeps_selected_coordinates():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 3))
    full = Mixture([1, 2], rng.normal(size=(2, 3)), a @ np.swapaxes(a, 1, 2) + np.eye(3))
    view = full.marginal([2, 0])
    np.testing.assert_array_equal(view.means, full.means[:, [2, 0]])
    np.testing.assert_array_equal(view.covariances[1], full.covariances[1][np.ix_([2, 0], [2, 0])])


def test_arrays_are_read_only_copies():
    weights = np.array([1.0, 3.0])
    mixture = Mixture(weights, [[0, 0], [1, 1]], [np.eye(2), np.eye(2)])
    weights[0] = 100
    np.testing.assert_allclose(mixture.weights, [0.25, 0.75])
    with pytest.raises(ValueError, match="read-only"):
        mixture.means[0, 0] = 5


@pytest.mark.parametrize(
    ("weights", "covariances", "message"),
    [
        ([1.0, -0.5], [np.eye(2)] * 2, "weight of component 2 is negative"),
        ([0.0, 0.0], [np.eye(2)] * 2, "weights are all zero"),
        ([1.0, 1.0], [np.eye(2), [[1.0, 0.5], [0.4, 1.0]]], "covariance of component 2 is not symmetric"),
        ([1.0, 1.0], [[[1.0, 1.0], [1.0, 1.0]], np.eye(2)], "covariance of component 1 is not positive definite"),
        ([1.0, np.nan], [np.eye(2)] * 2, "weights contain a non-finite value"),
        ([1.0], [np.eye(2)] * 2, r"means must have shape \(1, D\)"),
    ],
)
def test_invalid_parameters_name_the_field(weights, covariances, message):
    means = np.zeros((len(covariances), 2))
    with pytest.raises(MixtureError, match=message):
        Mixture(np.asarray(weights, float), means, np.asarray(covariances, float))


@pytest.mark.parametrize(
    ("stds", "rho", "message"),
    [
        ([[1, 0], [1, 1]], [0, 0], "standard deviation of component 1"),
        ([[1, 1], [1, 1]], [0, 1], "correlation of component 2"),
    ],
)
def test_table_parameters_are_checked(stds, rho, message):
    with pytest.raises(MixtureError, match=message):
        Mixture.from_2d([1, 1], [[0, 0], [1, 1]], stds, rho)


def test_from_2d_round_trips_the_table():
    mixture = Mixture.from_2d([2, 1], [[0, 1], [2, 3]], [[1.5, 0.5], [0.7, 2.0]], [0.3, -0.6])
    np.testing.assert_allclose(mixture.stds(), [[1.5, 0.5], [0.7, 2.0]])
    np.testing.assert_allclose(mixture.correlations(), [0.3, -0.6])
    np.testing.assert_allclose(mixture.weights, [2 / 3, 1 / 3])


def test_dict_round_trip():
    mixture = preset("elongated")
    again = Mixture.from_dict(mixture.to_dict())
    np.testing.assert_array_equal(again.covariances, mixture.covariances)
    with pytest.raises(MixtureError, match="missing the field 'means'"):
        Mixture.from_dict({"weights": [1]})


def test_presets_are_valid_and_named():
    assert next(iter(PRESETS)) == "Article demo"
    for name in PRESETS:
        assert preset(name).n_dims == 2
    assert preset("demo").n_components == 2
    with pytest.raises(MixtureError, match="unknown preset 'nope'"):
        preset("nope")


def test_a_zero_weight_switches_a_component_off():
    mixture = Mixture([1.0, 0.0], [[0.0, 0.0], [5.0, 5.0]], [np.eye(2), np.eye(2)])
    x = np.array([[5.0, 5.0], [0.0, 0.0]])
    np.testing.assert_allclose(mixture.pdf(x), Mixture([1.0], [[0.0, 0.0]], [np.eye(2)]).pdf(x))
    np.testing.assert_array_equal(mixture.responsibilities(x)[:, 1], 0.0)
