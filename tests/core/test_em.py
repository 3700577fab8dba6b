"""The EM engine equals scikit-learn's GaussianMixture step for step, and behaves on bad input."""

import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

from gmm_desktop.core.em import (
    COVARIANCE_TYPES,
    SKLEARN_TYPES,
    EMSettings,
    criteria,
    em_steps,
    fit,
    n_parameters,
    params_from_mixture,
    responsibilities,
)
from gmm_desktop.core.mixture import Mixture, article_demo, preset

RTOL = 1e-8


def collect(X, em_settings, **kwargs):
    """(steps, result) of one run."""
    steps, generator = [], em_steps(X, em_settings, **kwargs)
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return steps, stop.value


def random_problem(seed: int, n: int, d: int, k: int) -> tuple[np.ndarray, Mixture]:
    """Data from a random mixture, and a different random starting mixture."""
    rng = np.random.default_rng(seed)
    truth_means = rng.normal(0, 3, (k, d))
    labels = rng.integers(0, k, n)
    scales = rng.uniform(0.5, 1.5, (k, d))
    X = truth_means[labels] + rng.normal(size=(n, d)) * scales[labels] + rng.normal(0, 5, d)
    a = rng.normal(size=(k, d, d)) * 0.3
    covariances = a @ np.swapaxes(a, 1, 2) + np.diag(X.var(axis=0)) * rng.uniform(0.2, 1.0, (k, 1, 1))
    start = Mixture(
        rng.dirichlet(np.full(k, 5.0)), X[rng.choice(n, k, replace=False)] + rng.normal(0, 0.1, (k, d)), covariances
    )
    return X, start


def sklearn_from(start: Mixture, covariance_type: str, **kwargs) -> GaussianMixture:
    params = params_from_mixture(start, covariance_type)
    return GaussianMixture(
        start.n_components,
        covariance_type=covariance_type,
        weights_init=params.weights,
        means_init=params.means,
        precisions_init=params.precisions(),
        **kwargs,
    )


def assert_close(ours, theirs, scale: float = 1.0) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=RTOL * scale)


# ---------------------------------------------------------------------------------------------- sklearn equality
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    d=st.integers(1, 4),
    k=st.integers(1, 5),
    covariance_type=st.sampled_from(SKLEARN_TYPES),
    per_component=st.integers(15, 80),
    max_iter=st.integers(1, 60),
    tol=st.sampled_from([1e-2, 1e-3, 1e-5]),
)
def test_steps_equal_sklearn_from_the_same_start(seed, d, k, covariance_type, per_component, max_iter, tol) -> None:
    X, start = random_problem(seed, per_component * k, d, k)
    base = EMSettings(k, covariance_type, tol=tol, max_iter=max_iter, init="given", init_params=start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sklearn_from(start, covariance_type, tol=tol, max_iter=max_iter).fit(X)
    runs = {backend: collect(X, replace(base, backend=backend)) for backend in ("numba", "numpy")}
    scale = float(np.abs(X).max())
    for steps, result in runs.values():
        assert result.n_iter == model.n_iter_ == len(steps)
        assert result.converged == model.converged_
        assert_close([s.log_likelihood for s in steps], model.lower_bounds_, scale=10.0)
        assert_close(result.lower_bound, model.lower_bound_, scale=10.0)
        assert_close(result.params.weights, model.weights_)
        assert_close(result.params.means, model.means_, scale=scale)
        assert_close(result.params.covariances, model.covariances_, scale=scale**2)
        assert_close(
            result.params.precisions_cholesky,
            model.precisions_cholesky_,
            scale=np.abs(model.precisions_cholesky_).max(),
        )
        assert_close(result.log_likelihood, model.score(X), scale=10.0)
    (steps_a, result_a), (steps_b, result_b) = runs.values()
    np.testing.assert_allclose([s.log_likelihood for s in steps_a], [s.log_likelihood for s in steps_b], rtol=1e-12)
    np.testing.assert_allclose(
        result_a.params.covariances, result_b.params.covariances, rtol=1e-10, atol=1e-12 * scale**2
    )


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
def test_initialisation_matches_sklearn_draw_for_draw(init, covariance_type) -> None:
    X, _ = article_demo().sample(1500, 3)
    ours = fit(X, EMSettings(3, covariance_type, init=init, n_init=2, seed=11, tol=1e-5, max_iter=300))
    model = GaussianMixture(
        3, covariance_type=covariance_type, init_params=init, n_init=2, random_state=11, tol=1e-5, max_iter=300
    ).fit(X)
    assert ours.n_iter == model.n_iter_
    assert_close(ours.lower_bound, model.lower_bound_)
    assert_close(ours.params.means, model.means_, scale=10.0)
    assert_close(ours.bic, model.bic(X), scale=1e3)
    assert_close(ours.aic, model.aic(X), scale=1e3)


@pytest.mark.parametrize("init", ["kmeans", "random"])
def test_tied_initialisation_matches_sklearn_when_every_row_is_assigned(init) -> None:
    X, _ = article_demo().sample(1500, 3)
    ours = fit(X, EMSettings(3, "tied", init=init, seed=11, tol=1e-5, max_iter=300))
    model = GaussianMixture(3, covariance_type="tied", init_params=init, random_state=11, tol=1e-5, max_iter=300)
    model.fit(X)
    assert ours.n_iter == model.n_iter_
    assert_close(ours.params.covariances, model.covariances_, scale=10.0)


def test_tied_seeding_starts_from_the_seeds_not_from_all_rows() -> None:
    # scikit-learn's tied formula counts the unmarked rows of a k-means++ seeding, which makes every
    # component start (and stay) identical; ours starts from the seeds, like the other types.
    X, _ = preset("Well separated").sample(1500, 3)
    ours = fit(X, EMSettings(3, "tied", init="k-means++", seed=0))
    model = GaussianMixture(3, covariance_type="tied", init_params="k-means++", random_state=0).fit(X)
    assert np.ptp(model.means_, axis=0).max() < 0.1  # all three on the data mean: one Gaussian
    assert ours.log_likelihood > model.score(X) + 0.5
    assert np.ptp(ours.params.means[:, 0]) > 3


def test_parallel_kernel_equals_serial() -> None:
    X, start = random_problem(1, 5000, 2, 4)
    base = EMSettings(4, init="given", init_params=start, tol=1e-6)
    serial, parallel = fit(X, replace(base, n_threads=1)), fit(X, replace(base, n_threads=2))
    assert serial.n_iter == parallel.n_iter
    np.testing.assert_allclose(serial.params.covariances, parallel.params.covariances, rtol=1e-11)
    np.testing.assert_allclose(serial.entropy, parallel.entropy, rtol=1e-11)


def test_concurrent_parallel_fits_agree() -> None:
    X, start = random_problem(2, 20_000, 2, 3)
    base = EMSettings(3, init="given", init_params=start, tol=1e-8, n_threads=2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: fit(X, base), range(4)))
    reference = fit(X, replace(base, n_threads=1))
    for result in results:
        assert result.n_iter == reference.n_iter
        np.testing.assert_allclose(result.params.means, reference.params.means, rtol=1e-10)


def test_bayesian_wraps_sklearn() -> None:
    X, _ = article_demo().sample(800, 4)
    steps, result = collect(X, EMSettings(4, init="kmeans", bayesian=True, seed=3, n_init=2, max_iter=200))
    model = BayesianGaussianMixture(n_components=4, random_state=3, n_init=2, max_iter=200).fit(X)
    assert result.n_iter == model.n_iter_
    assert_close(result.lower_bound, model.lower_bound_, scale=1e3)
    assert_close(result.params.weights, model.weights_)
    assert_close(result.params.means, model.means_, scale=10.0)
    assert {s.restart for s in steps} == {0, 1}
    assert np.isfinite([s.log_likelihood for s in steps]).all()


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_n_parameters_and_criteria_are_sklearns(covariance_type) -> None:
    X, _ = article_demo().sample(600, 5)
    result = fit(X, EMSettings(3, covariance_type, init="kmeans", seed=2))
    model = GaussianMixture(3, covariance_type=covariance_type, random_state=2).fit(X)
    assert result.n_parameters == n_parameters(3, 2, covariance_type) == model._n_parameters()
    assert_close(result.bic, model.bic(X), scale=1e3)
    resp = responsibilities(X, result)
    np.testing.assert_allclose(resp.sum(axis=0), result.counts, rtol=1e-10)
    expected = criteria(result.total_log_likelihood, result.n_parameters, X.shape[0], resp)
    assert expected["icl"] == pytest.approx(result.icl, rel=1e-10)
    assert result.icl >= result.bic


# ---------------------------------------------------------------------------------------------- behaviour
def test_recovers_well_separated_clusters() -> None:
    truth = preset("Well separated")
    X, _ = truth.sample(3000, 0)
    result = fit(X, EMSettings(3, n_init=2, seed=0))
    order = np.argsort(result.mixture.means[:, 0] * 10 + result.mixture.means[:, 1])
    expected = np.argsort(truth.means[:, 0] * 10 + truth.means[:, 1])
    np.testing.assert_allclose(result.mixture.means[order], truth.means[expected], atol=0.1)
    np.testing.assert_allclose(result.mixture.weights[order], truth.weights[expected], atol=0.03)
    assert result.converged


def test_n_init_keeps_the_best_and_reports_all() -> None:
    X, _ = preset("Many small clusters").sample(2000, 1)
    steps, result = collect(X, EMSettings(8, init="random_from_data", n_init=5, seed=4))
    assert len(result.restarts) == 5
    assert [s.restart for s in steps] == sorted(s.restart for s in steps)
    for i, summary in enumerate(result.restarts):
        own = [s for s in steps if s.restart == i]
        assert summary.n_iter == len(own) == own[-1].iteration
        assert summary.log_likelihood == own[-1].log_likelihood
        assert summary.converged == own[-1].converged
    bounds = [s.log_likelihood for s in result.restarts]
    assert result.best_restart == int(np.argmax(bounds))
    assert result.lower_bound == max(bounds)
    assert len(set(np.round(bounds, 6))) > 1  # the restarts differ


def test_seeds_reproduce() -> None:
    X, _ = article_demo().sample(1000, 2)
    a, b = fit(X, EMSettings(3, init="random", seed=5)), fit(X, EMSettings(3, init="random", seed=5))
    c = fit(X, EMSettings(3, init="random", seed=6))
    np.testing.assert_array_equal(a.params.means, b.params.means)
    assert a.lower_bounds == b.lower_bounds
    assert a.lower_bounds != c.lower_bounds


def test_large_data_initialise_on_a_subsample() -> None:
    X, _ = preset("Well separated").sample(20_000, 3)
    result = fit(X, EMSettings(3, init="kmeans", init_subsample=500, seed=1))
    exact = fit(X, EMSettings(3, init="kmeans", init_subsample=20_000, seed=1))
    assert result.log_likelihood == pytest.approx(exact.log_likelihood, abs=1e-4)


def test_steps_are_fresh_read_only_full_matrices() -> None:
    X, _ = article_demo().sample(500, 6)
    for covariance_type in COVARIANCE_TYPES:
        steps, result = collect(X, EMSettings(3, covariance_type, seed=1, max_iter=5, tol=0.0))
        assert len(steps) == 5 and not result.converged
        assert all(s.covariances.shape == (3, 2, 2) and s.covariance_type == covariance_type for s in steps)
        assert not steps[0].means.flags.writeable and not steps[0].covariances.flags.writeable
        assert not np.shares_memory(steps[0].means, steps[1].means)
        np.testing.assert_allclose(steps[-1].mixture.covariances, result.mixture.covariances)


def test_max_iter_zero_returns_the_initialisation() -> None:
    X, start = random_problem(3, 300, 2, 2)
    steps, result = collect(X, EMSettings(2, init="given", init_params=start, max_iter=0))
    assert steps == [] and result.n_iter == 0 and not result.converged
    np.testing.assert_allclose(result.params.means, start.means)


def test_collapsed_component_without_regularisation_raises() -> None:
    X = np.vstack([np.zeros((10, 2)), np.random.default_rng(0).normal(5, 1, (50, 2))])
    start = Mixture([0.5, 0.5], [[0, 0], [5, 5]], [np.eye(2), np.eye(2)])
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        fit(X, EMSettings(2, init="given", init_params=start, reg_covar=0.0))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_components", 0),
        ("covariance_type", "round"),
        ("tol", -1.0),
        ("reg_covar", float("nan")),
        ("max_iter", -1),
        ("n_init", 0),
        ("init", "best"),
        ("seed", -3),
        ("init_subsample", 1),
        ("bayesian", "yes"),
        ("backend", "gpu"),
        ("n_threads", -1),
    ],
)
def test_bad_settings_name_the_field(field, value) -> None:
    with pytest.raises(ValueError, match=field):
        EMSettings(**{field: value})


def test_given_init_is_checked() -> None:
    with pytest.raises(ValueError, match="init_params"):
        EMSettings(init="given")
    with pytest.raises(ValueError, match="init_params has 2 components"):
        EMSettings(3, init="given", init_params=article_demo())
    with pytest.raises(ValueError, match="bayesian"):
        EMSettings(2, init="given", init_params=article_demo(), bayesian=True)


def test_bad_data_are_named() -> None:
    X, _ = article_demo().sample(100, 0)
    X_nan = X.copy()
    X_nan[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity \(first at row 7, column 1\)"):
        fit(X_nan, EMSettings(2))
    with pytest.raises(ValueError, match="3 rows but fitting 4 components"):
        fit(X[:3], EMSettings(4))
    with pytest.raises(ValueError, match="X has 3 columns but the initial parameters have D=2"):
        fit(np.column_stack([X, X[:, 0]]), EMSettings(2, init="given", init_params=article_demo()))
    with pytest.raises(ValueError, match="2-D array"):
        fit(X[None], EMSettings(2))
    with pytest.raises(ValueError, match="real numbers"):
        fit(X.astype(complex), EMSettings(2))


def test_importing_the_engine_loads_neither_numba_nor_sklearn() -> None:
    code = (
        "import sys, gmm_desktop.core.em, gmm_desktop.core.selection; "
        "print(sorted(m for m in ('numba', 'sklearn', 'PySide6') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_resume_continues_exactly(covariance_type) -> None:
    X, _ = article_demo().sample(700, 8)
    em_settings = EMSettings(3, covariance_type, seed=2, tol=1e-6, max_iter=60)
    steps, result = collect(X, em_settings)
    middle = len(steps) // 2
    assert middle >= 2
    rest, resumed = collect(X, em_settings, resume_from=steps[middle])
    assert [s.iteration for s in rest] == [s.iteration for s in steps[middle + 1 :]]
    expected = [s.log_likelihood for s in steps[middle + 1 :]]
    np.testing.assert_allclose([s.log_likelihood for s in rest], expected, rtol=1e-12)
    assert resumed.n_iter == result.n_iter
    np.testing.assert_allclose(resumed.params.covariances, result.params.covariances, rtol=1e-10)
    with pytest.raises(ValueError, match="resume_from holds a"):
        em_steps(X, replace(em_settings, n_components=2), resume_from=steps[middle])


# ---------------------------------------------------------------------------------------------- stopping rules
def test_aitkens_rule_keeps_going_where_em_crawls() -> None:
    """On overlapping 1-D components EM crawls: a small change per iteration is not convergence.
    Aitken's rule estimates the gain still to come and stops near the maximum; the absolute rule at
    the same tolerance stops short of it."""
    x = np.loadtxt(Path(__file__).parents[1] / "fixtures" / "datasets" / "faithful_waiting.csv", skiprows=1)[:, None]
    base = EMSettings(3, "spherical", init="kmeans", seed=0, reg_covar=0.0, max_iter=50_000)
    converged = fit(x, replace(base, stopping="relative", tol=1e-13)).total_log_likelihood
    aitken = fit(x, replace(base, stopping="aitken", tol=1e-6))
    absolute = fit(x, replace(base, stopping="absolute", tol=1e-6))
    assert converged - aitken.total_log_likelihood < 0.01
    assert aitken.n_iter > absolute.n_iter


def test_the_relative_rule_is_mclusts() -> None:
    from gmm_desktop.core.em.settings import converged

    assert converged("relative", 1e-5, [-1000.0, -999.999], 1000)  # |ΔL| = 1 <= 1e-5 (1 + 999999)
    assert not converged("relative", 1e-5, [-1000.0, -999.98], 1000)
    assert converged("aitken", 1e-6, [-2.0, -1.5, -1.5], 10)  # no gain: a fixed point
    assert not converged("aitken", 1e-6, [-2.0, -1.5, -1.4], 10)  # 0.1 more: rate 0.2, 0.125 to come
