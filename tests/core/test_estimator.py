"""FastGaussianMixture passes scikit-learn's estimator checks and behaves as GaussianMixture does."""

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_desktop.core.estimator import FastGaussianMixture
from gmm_desktop.core.mixture import article_demo


@parametrize_with_checks([FastGaussianMixture(), FastGaussianMixture(n_components=2, covariance_type="diag")])
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


ATTRIBUTES = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_", "lower_bound_")


def fitted_pair(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FastGaussianMixture(**params).fit(X), GaussianMixture(**params).fit(X)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_same_fit_as_sklearn(covariance_type) -> None:
    X, _ = article_demo().sample(1200, 0)
    ours, theirs = fitted_pair(X, n_components=3, covariance_type=covariance_type, n_init=2, random_state=4)
    for name in ATTRIBUTES:
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-8, atol=1e-10, err_msg=name)
    assert ours.n_iter_ == theirs.n_iter_ and ours.converged_ == theirs.converged_
    np.testing.assert_allclose(ours.lower_bounds_, theirs.lower_bounds_, rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-10)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-10)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-10)
    sample_ours, labels_ours = ours.sample(50)
    sample_theirs, labels_theirs = theirs.sample(50)
    np.testing.assert_allclose(sample_ours, sample_theirs, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(labels_ours, labels_theirs)


@pytest.mark.parametrize("init_params", ["k-means++", "random_from_data"])
def test_tied_seeding_reproduces_sklearn_exactly(init_params) -> None:
    X, _ = article_demo().sample(900, 5)
    ours, theirs = fitted_pair(X, n_components=3, covariance_type="tied", init_params=init_params, random_state=0)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-8)
    assert ours.n_iter_ == theirs.n_iter_


def test_partial_initial_parameters_and_float32_match_sklearn() -> None:
    X, _ = article_demo().sample(800, 1)
    params = {"n_components": 2, "means_init": [[0.0, 0.0], [2.0, 2.0]], "random_state": 0}
    ours, theirs = fitted_pair(X.astype(np.float32), **params)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-5)
    precisions = np.array([np.eye(2), 2 * np.eye(2)])
    ours, theirs = fitted_pair(X, n_components=2, precisions_init=precisions, weights_init=[0.3, 0.7], random_state=0)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-8)
    assert ours.n_iter_ == theirs.n_iter_


def test_warm_start_continues_like_sklearn() -> None:
    X, _ = article_demo().sample(1000, 2)
    params = {"n_components": 3, "max_iter": 2, "warm_start": True, "random_state": 1, "tol": 1e-6}
    ours, theirs = FastGaussianMixture(**params), GaussianMixture(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            ours.fit(X)
            theirs.fit(X)
            np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-9)
            assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-12)


def test_bad_initial_parameters_are_rejected() -> None:
    X, _ = article_demo().sample(100, 3)
    with pytest.raises(ValueError, match="'weights' should be normalized"):
        FastGaussianMixture(2, weights_init=[0.5, 0.6]).fit(X)
    with pytest.raises(ValueError, match="'means' should have the shape"):
        FastGaussianMixture(2, means_init=[[0.0, 0.0]]).fit(X)
    with pytest.raises(ValueError, match="positive-definite"):
        FastGaussianMixture(2, precisions_init=[np.eye(2), -np.eye(2)]).fit(X)
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        FastGaussianMixture(5).fit(X[:3])
