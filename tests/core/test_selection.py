"""Model selection: the article's mixture is recognised; collapsed fits are flagged, never chosen."""

import re

import numpy as np
import pytest

from gmm_desktop.core.em import EMSettings, fit
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.selection import best, degeneracy, sweep


def faithful_like(seed: int = 0) -> np.ndarray:
    """Old-Faithful-like data as recorded: eruptions in half minutes, waiting times in whole minutes
    (so many ties), plus a tiny cluster of identical points."""
    truth = Mixture([0.35, 0.65], [[2.0, 54.0], [4.3, 80.0]], [[[0.07, 0.3], [0.3, 34.0]], [[0.17, 0.9], [0.9, 36.0]]])
    X, _ = truth.sample(272, seed)
    X = np.column_stack([np.round(2 * X[:, 0]) / 2, np.round(X[:, 1])])
    return np.vstack([X, np.tile([[3.0, 70.0]], (5, 1))])


def test_article_mixture_selects_two_full_components() -> None:
    X, _ = article_demo().sample(2000, 0)
    candidates = list(sweep(X, range(1, 6), settings=EMSettings(n_init=2, seed=0)))
    assert len(candidates) == 5 * 4
    assert [(c.n_components, c.covariance_type) for c in candidates[:5]] == [
        (1, "full"), (1, "tied"), (1, "diag"), (1, "spherical"), (2, "full"),
    ]  # fmt: skip
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
    candidate = next(iter(sweep(faithful_like(), [6], ["diag"], EMSettings(n_init=2, seed=1))))
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


def test_too_few_points_is_flagged() -> None:
    X, _ = article_demo().sample(400, 1)
    X = np.vstack([X, [[9.0, 9.0], [9.5, 9.2], [9.1, 9.6]]])
    start = Mixture([0.5, 0.49, 0.01], [[-1, -1], [1, 2], [9.2, 9.3]], [np.eye(2), np.eye(2), 0.1 * np.eye(2)])
    result = fit(X, EMSettings(3, init="given", init_params=start))
    assert result.counts[2] == pytest.approx(3.0, abs=0.1)
    assert degeneracy(result, np.cov(X, rowvar=False)) == (
        "component 3 has 3.0 effective points, fewer than its 6 parameters: fitted to too few points"
    )


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
    with pytest.raises(ValueError, match="covariance_types"):
        list(sweep(X, [1], ["round"]))
    with pytest.raises(ValueError, match="criterion"):
        best(list(sweep(X, [1], ["full"])), "likelihood")
    with pytest.raises(ValueError, match="100 rows but fitting 200 components"):
        list(sweep(X, [200], ["full"]))
