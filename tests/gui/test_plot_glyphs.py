"""Ellipses, means, fitted contours, the chain path, layer toggles, the key and export of the plot."""

import numpy as np
import pytest
from helpers import wait_idle
from PySide6.QtCore import Qt

from gmm_desktop.core.em import EMSettings, em_steps
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.gui.plot.ellipses import ellipse_points
from gmm_desktop.gui.plot.mixture_plot import layer_shown
from gmm_desktop.gui.plot.registry import LAYER_NAMES
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.derived import FIT_LEVELS
from gmm_desktop.workspace.results import FitState


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return article_demo().sample(3000, 7)[0]


@pytest.fixture(scope="module")
def steps(samples) -> list:
    return list(em_steps(samples, EMSettings(n_components=2, seed=1, init="random_from_data", tol=1e-8, max_iter=30)))


def assert_is_ellipse(x: np.ndarray, y: np.ndarray, mean: np.ndarray, cov: np.ndarray, n_sigma: float) -> None:
    """Every vertex at Mahalanobis distance n_sigma, and the far and near points on the eigen axes."""
    d = np.column_stack([x, y]) - mean
    distance = np.sqrt(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d))
    np.testing.assert_allclose(distance, n_sigma, rtol=1e-9)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    radii = np.linalg.norm(d, axis=1)
    assert radii.max() == pytest.approx(n_sigma * np.sqrt(eigenvalues[1]), rel=1e-3)
    assert radii.min() == pytest.approx(n_sigma * np.sqrt(eigenvalues[0]), rel=1e-3)
    far = d[np.argmax(radii)] / radii.max()
    assert abs(far @ eigenvectors[:, 1]) == pytest.approx(1.0, abs=1e-4)  # major axis along the top eigenvector
    assert (x[0], y[0]) == (x[-1], y[-1])  # closed


def test_target_ellipses_are_the_covariance_eigen_decomposition(plot):
    target = article_demo()
    plot.state.set_target(target)
    plot.flush()
    for k in range(2):
        for n_sigma in (1.0, 2.0):
            curve = plot.target_ellipses.curve(k, n_sigma)
            assert curve.isVisible()
            assert curve.opts["pen"].style() == Qt.PenStyle.DashLine
            x, y = curve.getData()
            assert_is_ellipse(x, y, target.means[k], target.covariances[k], n_sigma)
    np.testing.assert_allclose(plot.handles.positions(), target.means)


def test_fit_ellipses_follow_every_em_step(plot, samples, steps):
    plot.state.set_data(Dataset(samples, "exact"))
    previous = None
    for step in (steps[0], steps[3], steps[-1]):
        plot.state.set_fit(FitState(step, ()))
        plot.flush()
        curve = plot.fit_ellipses.curve(0, 2.0)
        assert curve.opts["pen"].style() == Qt.PenStyle.SolidLine
        x, y = curve.getData()
        assert_is_ellipse(x, y, step.means[0], step.covariances[0], 2.0)
        if previous is not None:
            assert not np.allclose(x, previous)
        previous = x.copy()
        np.testing.assert_allclose(np.column_stack(plot.fit_means.scatter.getData()), step.means)


def test_fitted_contours_are_drawn_and_cleared(plot, samples, steps):
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(FitState(steps[-1], ()))
    plot.flush()
    drawn = [curve for curve in plot.fit_contours.curves if curve.isVisible()]
    assert len(drawn) == FIT_LEVELS
    assert all(curve.getData()[0].size > 10 for curve in drawn)
    plot.state.set_fit(None)
    plot.flush()
    assert not any(curve.isVisible() for curve in plot.fit_contours.curves)
    assert plot.fit_ellipses.n_components == 0
    assert not plot.fit_means.scatter.isVisible()


def test_fewer_components_hide_the_extra_ellipses(plot):
    three = Mixture.from_2d([1, 1, 1], [[0, 0], [2, 0], [0, 2]], [[1, 1]] * 3, [0, 0, 0])
    plot.state.set_target(three)
    plot.flush()
    plot.state.set_target(article_demo())
    plot.flush()
    visible = [item for item in plot.target_ellipses.items() if item.isVisible()]
    assert len(visible) == 4
    assert plot.target_ellipses.curve(2, 1.0) is None
    assert sum(item.isVisible() for item in plot.handles.items) == 2


def test_ellipses_of_higher_dimensional_fits_use_the_shown_marginal(plot):
    rng = np.random.default_rng(2)
    X = np.concatenate([rng.normal(0, 1, (400, 3)), rng.normal(4, 0.5, (400, 3))])
    step = next(iter(em_steps(X, EMSettings(n_components=2, seed=0))))
    plot.state.set_data(Dataset(X, "file", columns=("a", "b", "c")), (2, 1))
    plot.state.set_fit(FitState(step, ()))
    plot.flush()
    marginal = step.mixture.marginal((2, 1))
    x, y = plot.fit_ellipses.curve(1, 1.0).getData()
    assert_is_ellipse(x, y, marginal.means[1], marginal.covariances[1], 1.0)


def test_ellipse_points_match_the_formula():
    cov = np.array([[2.0, 0.7], [0.7, 1.0]])
    x, y = ellipse_points(np.array([1.0, -2.0]), cov, 1.5)
    assert_is_ellipse(x, y, np.array([1.0, -2.0]), cov, 1.5)


def test_chain_path_marks_accepted_and_rejected_steps(plot):
    points = np.array([[0.0, 0.0], [0.5, 0.2], [0.5, 0.2], [1.0, -0.3], [1.0, -0.3]])
    accepted = np.array([True, True, False, True, False])
    plot.state.set_layer_visible("chain_path", True)  # off by default: it clutters the cloud
    layer = plot.chain_path
    layer.set_path(points, accepted)
    plot.flush()
    np.testing.assert_array_equal(np.column_stack(layer.path.getData()), points)
    np.testing.assert_array_equal(np.column_stack(layer.accepted.getData()), points[accepted])
    np.testing.assert_array_equal(np.column_stack(layer.rejected.getData()), points[~accepted])
    assert layer.rejected.opts["symbol"] == "x"
    assert layer.path.isVisible() and layer.rejected.isVisible()
    plot.state.set_layer_visible("chain_path", False)
    assert not any(item.isVisible() for item in layer.items())
    plot.state.set_layer_visible("chain_path", True)
    assert layer.path.isVisible()
    layer.set_path(None, None)
    plot.flush()
    assert not any(item.isVisible() for item in layer.items())


def test_chain_path_of_a_sampler_run_without_acceptance_flags(plot, qtbot):
    plot.state.set_layer_visible("chain_path", True)
    plot.state.start_sampling(SamplerSettings(n_steps=300, thin=1, seed=0))
    wait_idle(qtbot, plot.state, "sampler", 20_000)
    plot.flush()
    points = plot.state.data.points[-200:]  # chain 0's last kept samples
    np.testing.assert_array_equal(np.column_stack(plot.chain_path.path.getData()), points)
    assert not plot.chain_path.accepted.isVisible() and not plot.chain_path.rejected.isVisible()
    assert plot.chain_path.current.isVisible()
    assert "chain: last steps" in plot.key.labels()
    with pytest.raises(ValueError, match="accepted"):
        plot.chain_path.set_path(points, np.array([True]))


def test_every_layer_toggles(plot, samples, steps):
    plot.state.set_target(article_demo())
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(FitState(steps[-1], ()))
    plot.state.set_layer_visible("chain_path", True)
    plot.flush()
    plot.chain_path.set_path(samples[:20], np.ones(20, dtype=bool))
    plot.flush()
    assert tuple(plot.layers) == LAYER_NAMES
    groups = {
        "points": plot.cloud.scatter_items[:1],
        "target_ellipses": [plot.target_ellipses.curve(0, 1.0)],
        "fit_ellipses": [plot.fit_ellipses.curve(0, 1.0)],
        "fit_contours": plot.fit_contours.curves[:1],
        "means": [plot.fit_means.scatter, plot.handles.items[0]],
        "chain_path": [plot.chain_path.path],
        "image": [plot.density_image],
        "colorbar": [plot.color_bar],
        "legend": [plot.key.legend],
    }
    for name, items in groups.items():
        assert all(item.isVisible() for item in items), name
        plot.state.set_layer_visible(name, False)
        assert not any(item.isVisible() for item in items), name
        assert not layer_shown(plot.state.view, name)
        plot.state.set_layer_visible(name, True)
        plot.flush()
        assert all(item.isVisible() for item in items), name


def test_new_points_respect_a_hidden_layer(plot, samples):
    plot.state.set_layer_visible("points", False)
    plot.state.set_data(Dataset(samples, "exact"))
    plot.flush()
    assert plot.cloud.scatter_groups()  # drawn, but not shown
    assert not any(item.isVisible() for item in plot.cloud.scatter_items)


def test_key_names_what_is_shown(plot, samples, steps):
    plot.state.set_layer_visible("target_ellipses", False)
    plot.flush()
    assert not plot.key.legend.isVisible()  # nothing shown that needs a key
    plot.state.set_layer_visible("target_ellipses", True)
    plot.state.set_target(article_demo())
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(FitState(steps[-1], ()))
    plot.state.set_colouring("uncertainty")
    plot.flush()
    labels = plot.key.labels()
    assert labels[:2] == ["target 1σ, 2σ", "fit 1σ, 2σ"]
    assert any("uncertain" in label for label in labels)
    plot.state.set_colouring("cluster")
    plot.flush()
    assert not any("uncertain" in label for label in plot.key.labels())


def test_export_contains_the_new_layers(plot, samples, steps, tmp_path):
    from gmm_desktop.gui.plot.export import export_plot

    plot.state.set_target(article_demo())
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(FitState(steps[-1], ()))
    plot.flush()
    svg, png = tmp_path / "view.svg", tmp_path / "view.png"
    export_plot(plot.ci, svg)
    export_plot(plot.ci, png)
    document = svg.read_text()
    # 8 ellipses + 4 fitted contours at least, as vector paths, and the points as vector marks.
    assert document.count("<path") + document.count("<polyline") >= 12
    assert png.stat().st_size > 10_000
