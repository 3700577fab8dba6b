"""Model selection: the article's mixture is recognised; collapsed fits are flagged, never chosen."""

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from gmm_desktop.core.em import EMSettings, fit
from gmm_desktop.core.mixture import Mixture, article_demo, preset
from gmm_desktop.core.models import COVARIANCE_TYPES, SKLEARN_TYPES
from gmm_desktop.core.selection import (
    SelectionSettings,
    best,
    degeneracy,
    distinct_models,
    few_points_warning,
    sweep,
    sweep_settings,
)


def faithful_like(seed: int = 0) -> np.ndarray:
    """Old-Faithful-like data as recorded: eruptions in half minutes, waiting times in whole minutes
    (so many ties), plus a tiny cluster of identical points."""
    truth = Mixture([0.35, 0.65], [[2.0, 54.0], [4.3, 80.0]], [[[0.07, 0.3], [0.3, 34.0]], [[0.17, 0.9], [0.9, 36.0]]])
    X, _ = truth.sample(272, seed)
    X = np.column_stack([np.round(2 * X[:, 0]) / 2, np.round(X[:, 1])])
    return np.vstack([X, np.tile([[3.0, 70.0]], (5, 1))])


def test_article_mixture_selects_two_full_components() -> None:
    X, _ = article_demo().sample(2000, 0)
    candidates = list(sweep(X, range(1, 6), settings=sweep_settings(init="k-means++", n_init=2)))
    assert len(candidates) == 5 * 14
    assert [c.covariance_type for c in candidates[:14]] == list(COVARIANCE_TYPES)
    assert [c.model_name for c in candidates[:3]] == ["XII", "XII", "XXI"]
    assert {c.n_components for c in candidates[14:28]} == {2}
    chosen = best(candidates, "bic")
    assert (chosen.n_components, chosen.covariance_type) == (2, "full")
    assert not chosen.degenerate and chosen.reason == ""
    assert chosen.bic == min(c.bic for c in candidates if not c.degenerate)
    assert best(candidates, "icl").n_components == 2


def test_tied_values_are_flagged_and_never_chosen() -> None:
    X = faithful_like()
    candidates = list(sweep(X, range(1, 9), ["full", "diag"], EMSettings(n_init=2, seed=1)))
    flagged = [c for c in candidates if c.degenerate]
    assert flagged, "rounded data with a cluster of identical points should collapse some component"
    assert any("collapsed onto tied values" in c.reason for c in flagged)
    assert all(c.reason for c in flagged)
    for criterion in ("bic", "aic", "icl"):
        chosen = best(candidates, criterion)
        assert chosen is not None and not chosen.degenerate
    assert (best(candidates).n_components, best(candidates).covariance_type) == (2, "full")
    # the raw criteria would have picked a degenerate fit: the likelihood of a collapse is unbounded
    assert min(candidates, key=lambda c: c.bic).degenerate


def test_collapse_message_names_axis_and_ratio() -> None:
    candidate = next(iter(sweep(faithful_like(), [6], ["diag"], EMSettings(n_init=1, seed=1))))
    assert candidate.degenerate
    assert re.fullmatch(
        r"component \d has variance \de-\d\d × the data's variance in x: collapsed onto tied values", candidate.reason
    )


def test_collapse_onto_a_line_is_detected() -> None:
    rng = np.random.default_rng(0)
    t = rng.normal(size=40)
    line = np.column_stack([t, 2 * t + 1])  # exactly on a line, not along an axis
    X = np.vstack([rng.normal(0, 3, (400, 2)), line])
    start = Mixture(
        [0.9, 0.1], [[0.0, 0.0], [0.0, 1.0]], [9 * np.eye(2), np.cov(line, rowvar=False) + 1e-3 * np.eye(2)]
    )
    result = fit(X, EMSettings(2, init="given", init_params=start))
    reason = degeneracy(result, np.cov(X, rowvar=False))
    assert reason.startswith("component 2 has variance ") and reason.endswith("collapsed onto a line")
    assert "in the direction (0.89, -0.45)" in reason or "in the direction (-0.89, 0.45)" in reason


def _with_small_cluster(points: list[list[float]]):
    X, _ = article_demo().sample(400, 1)
    X = np.vstack([X, points])
    centre = np.mean(points, axis=0)
    start = Mixture([0.5, 0.49, 0.01], [[-1, -1], [1, 2], centre], [np.eye(2), np.eye(2), 0.1 * np.eye(2)])
    return X, fit(X, EMSettings(3, init="given", init_params=start))


def test_fewer_points_than_parameters_is_a_warning_not_a_rejection() -> None:
    X, result = _with_small_cluster([[9.0, 9.0], [9.5, 9.2], [9.1, 9.6], [9.6, 9.7]])
    assert result.counts[2] == pytest.approx(4.0, abs=0.1)
    assert degeneracy(result, np.cov(X, rowvar=False)) == ""
    assert few_points_warning(result) == "component 3 holds 4.0 effective points for its 6 parameters"


def test_fewer_points_than_a_covariance_needs_is_degenerate() -> None:
    X, result = _with_small_cluster([[9.0, 9.0], [9.5, 9.2]])
    assert degeneracy(result, np.cov(X, rowvar=False), collapse_ratio=0.0) == (
        "component 3 holds 2.0 effective points, fewer than the 3 a non-singular covariance of this model needs"
    )
    tied = fit(X, EMSettings(3, "tied", init="given", init_params=result.mixture))
    assert degeneracy(tied, np.cov(X, rowvar=False), collapse_ratio=0.0) == ""  # a shared covariance needs 1


def test_best_returns_none_when_everything_is_degenerate() -> None:
    X = np.repeat([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]], 30, axis=0)  # three values, each tied 30 times
    candidates = list(sweep(X, [3], settings=EMSettings(init="kmeans", seed=0)))
    assert all(c.degenerate for c in candidates), [c.reason for c in candidates]
    assert best(candidates) is None


def test_data_on_a_line_do_not_break_the_checks() -> None:
    t = np.random.default_rng(1).normal(size=200)
    X = np.column_stack([t, 3 * t])  # singular data covariance
    candidates = list(sweep(X, [1, 2], ["full", "diag"], EMSettings(seed=0)))
    assert len(candidates) == 4


def test_parallel_sweep_streams_the_same_candidates_in_order() -> None:
    X, _ = article_demo().sample(1500, 3)
    serial = list(sweep(X, range(1, 5), ["full", "spherical"], EMSettings(seed=2)))
    parallel = list(sweep(X, range(1, 5), ["full", "spherical"], EMSettings(seed=2), workers=2))
    assert [(c.n_components, c.covariance_type) for c in parallel] == [
        (c.n_components, c.covariance_type) for c in serial
    ]
    np.testing.assert_allclose([c.bic for c in parallel], [c.bic for c in serial], rtol=1e-10)


def test_closing_a_parallel_sweep_early_stops_it() -> None:
    X, _ = article_demo().sample(1000, 4)
    stream = sweep(X, range(1, 9), settings=EMSettings(seed=0), workers=2)
    first = next(stream)
    stream.close()
    assert first.n_components == 1


def test_bad_arguments() -> None:
    X, _ = article_demo().sample(100, 0)
    with pytest.raises(ValueError, match="covariance_type must be one of EII"):
        list(sweep(X, [1], ["round"]))
    with pytest.raises(ValueError, match="criterion"):
        best(list(sweep(X, [1], ["full"])), "likelihood")
    with pytest.raises(ValueError, match="100 rows but fitting 200 components"):
        list(sweep(X, [200], ["full"]))


# ---------------------------------------------------------------------------------------------- restarts
def test_a_degenerate_best_restart_does_not_drop_the_candidate() -> None:
    """The best-likelihood restart collapses; another restart is sound, and is kept."""
    X = faithful_like()
    plain = fit(X, EMSettings(6, "diag", n_init=6, seed=1))
    assert degeneracy(plain, np.cov(X, rowvar=False)), "the best restart should collapse here"
    candidate = next(iter(sweep(X, [6], ["diag"], EMSettings(6, "diag", n_init=6, seed=1))))
    assert not candidate.degenerate and candidate.reason == ""
    assert candidate.result.log_likelihood < plain.log_likelihood


@pytest.mark.parametrize("init", ["hc", "k-means++", "random_from_data"])
def test_more_restarts_never_choose_worse(init) -> None:
    X = faithful_like(3)
    chosen = []
    for n_init in (1, 2, 4, 6):
        found = best(sweep(X, range(1, 6), ["full", "VVE", "diag"], sweep_settings(init=init, n_init=n_init)))
        chosen.append(found.bic)
    assert chosen == sorted(chosen, reverse=True)  # BIC: lower is better, never higher with more restarts


def test_restarts_nest_so_n_restarts_are_the_first_n_of_more() -> None:
    X = faithful_like(2)
    five = fit(X, EMSettings(4, "full", n_init=5, seed=7, init="random"))
    ten = fit(X, EMSettings(4, "full", n_init=10, seed=7, init="random"))
    assert ten.restarts[:5] == five.restarts


# ---------------------------------------------------------------------------------------------- units
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exponent=st.integers(-12, 12), shift=st.floats(-1e3, 1e3), seed=st.integers(0, 3))
def test_rescaling_the_data_changes_nothing_but_the_units(exponent, shift, seed) -> None:
    """Continuous data: with exact ties (rounded data) rounding in other units breaks the ties of
    the hierarchical clustering differently, and EM may then climb to another local optimum."""
    X = Mixture(
        [0.3, 0.7], [[2.0, 54.0], [4.3, 80.0]], [[[0.07, 0.3], [0.3, 34.0]], [[0.17, 0.9], [0.9, 36.0]]]
    ).sample(300, seed)[0]
    factor = 10.0**exponent
    grid = (range(1, 5), ["EII", "VEI", "tied", "EVE", "full"])
    plain = list(sweep(X, *grid))
    scaled = list(sweep(X * factor + shift * factor, *grid))
    assert [c.degenerate for c in scaled] == [c.degenerate for c in plain]
    shift_bic = 2 * X.shape[0] * X.shape[1] * math.log(factor)
    # equal to rounding: hundreds of EM iterations carry the last bits of a different scale along
    np.testing.assert_allclose([c.bic for c in scaled], [c.bic + shift_bic for c in plain], rtol=1e-7, atol=1e-6)
    a, b = best(plain), best(scaled)
    assert (a.n_components, a.covariance_type) == (b.n_components, b.covariance_type)
    same = adjusted_rand_score(a.result.mixture.predict(X), b.result.mixture.predict(X * factor + shift * factor))
    assert same == 1.0  # the same partition (component order may differ)


def test_a_tiny_variance_feature_keeps_its_likelihood() -> None:
    """A ridge in data units cost a feature of variance 5e-5 over 2 nats; scaled by the data, nothing."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=20_000), rng.normal(scale=math.sqrt(5e-5), size=20_000)])
    exact = -0.5 * X.shape[0] * (np.linalg.slogdet(2 * math.pi * np.cov(X.T, bias=True))[1] + 2)
    (one,) = sweep(X, [1], ["full"])
    assert one.result.total_log_likelihood == pytest.approx(exact, abs=1e-3)
    absolute = fit(X, EMSettings(1, "full"))
    assert exact - absolute.total_log_likelihood > 1.0


# ---------------------------------------------------------------------------------------------- the family
def test_one_dimension_fits_each_of_mclusts_two_models_once() -> None:
    x = np.concatenate([np.random.default_rng(0).normal(0, 1, 150), np.random.default_rng(1).normal(6, 2, 100)])
    assert distinct_models(COVARIANCE_TYPES, (250, 1)) == ["EII", "spherical"]
    assert distinct_models(["full", "tied"], (250, 1)) == ["tied", "full"]
    candidates = list(sweep(x[:, None], [1, 2, 3], COVARIANCE_TYPES, sweep_settings(init="k-means++")))
    assert [c.model_name for c in candidates] == ["X", "X", "E", "V", "E", "V"]
    assert best(candidates).model_name == "V" and best(candidates).n_components == 2


def test_every_model_is_fitted_and_nested_models_never_fit_better() -> None:
    X = faithful_like(4)
    by_name = {c.covariance_type: c for c in sweep(X, [3], COVARIANCE_TYPES, sweep_settings(init="k-means++"))}
    assert set(by_name) == set(COVARIANCE_TYPES)
    for candidate in by_name.values():
        assert candidate.result.n_parameters == candidate.result.params.model.n_parameters(3, 2)
    # a model nested in another (its covariances are a special case) cannot reach a higher likelihood
    # from the other's best start, so the less constrained model's maximum is at least as high
    for inner, outer in [("EII", "spherical"), ("spherical", "VEI"), ("tied", "VEE"), ("VVE", "full")]:
        start = by_name[inner].result.mixture
        again = fit(X, sweep_settings(n_components=3, covariance_type=outer, init="given", init_params=start))
        assert again.log_likelihood >= by_name[inner].log_likelihood - 1e-9


def test_the_selection_defaults_are_mclusts_family_with_safe_rules() -> None:
    defaults = SelectionSettings()
    assert defaults.covariance_types == COVARIANCE_TYPES and defaults.init == "hc" and defaults.n_init >= 2
    em = defaults.em_settings()
    assert (em.stopping, em.reg_scale, em.tol) == ("aitken", "data", 1e-6)
    assert SelectionSettings(covariance_types=("VVV", "spherical")).covariance_types == ("spherical", "full")
    assert set(SKLEARN_TYPES) <= set(defaults.covariance_types)
    with pytest.raises(ValueError, match="init must be"):
        replace(defaults, init="given")


def test_hopeless_fits_are_stopped_and_change_no_choice(monkeypatch) -> None:
    """A fit heading for a BIC more than 10 above the best so far is stopped early, with a warning;
    the choice and the sound candidates' BICs are those of the sweep that runs every fit out."""
    from gmm_desktop.core import selection

    X = preset("Well separated").sample(3000, 0)[0]
    grid = (range(1, 7), ["full", "EEV", "VVE"])
    monkeypatch.setattr(selection, "HOPELESS_BUDGET", 0)  # judge after 20 iterations whatever N
    quick = list(sweep(X, *grid))
    monkeypatch.setattr(selection, "HOPELESS_MARGIN", math.inf)
    slow = list(sweep(X, *grid))
    stopped = [c for c in quick if c.warning.startswith("stopped at iteration")]
    assert stopped and all(c.bic > best(quick).bic + 10 for c in stopped)
    assert (best(quick).n_components, best(quick).covariance_type) == (
        best(slow).n_components,
        best(slow).covariance_type,
    )
    assert best(quick).bic == pytest.approx(best(slow).bic, abs=1e-6)
    total = sum(r.n_iter for c in quick for r in c.result.restarts)
    assert total < 0.5 * sum(r.n_iter for c in slow for r in c.result.restarts)


def test_small_files_are_never_cut_short() -> None:
    X = faithful_like(1)
    assert all(not c.warning.startswith("stopped") for c in sweep(X, range(1, 8), ["full", "VVE", "EII"]))


def test_a_collapsing_fit_is_stopped_once_it_has_collapsed() -> None:
    """A component crawling onto tied values is rejected anyway: EM stops at the next check (every
    10 iterations) after its variance fell 100 times below the threshold, not after 1000."""
    (candidate,) = sweep(faithful_like(), [7], ["diag"], sweep_settings(init="k-means++", n_init=1, seed=1))
    assert candidate.degenerate and "collapsed onto tied values" in candidate.reason
    (restart,) = candidate.result.restarts
    assert not restart.converged and restart.n_iter % 10 == 0 and restart.n_iter < 1000
