"""The sample cloud: scatter groups per component equal to the core's predict(), uncertainty steps,
and the raster above the workspace's limit."""

import numpy as np
import pyqtgraph as pg
import pytest

from gmm_desktop.core.em import EMSettings, em_steps
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.gui.plot.cloud import bin_points, encode_raster, raster_lut
from gmm_desktop.gui.plot.palette import PLAIN_POINT, UNCERTAINTY_LEVELS, component_rgb
from gmm_desktop.workspace.data import SCATTER_LIMIT, Dataset, GrowingPoints
from gmm_desktop.workspace.results import FitState


def final_fit(X: np.ndarray, k: int = 2) -> FitState:
    steps = em_steps(X, EMSettings(n_components=k, seed=0))
    trace = []
    while True:
        try:
            step = next(steps)
        except StopIteration as done:
            return FitState(step, tuple(trace), done.value)
        trace.append(step.log_likelihood)


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    return article_demo().sample(2000, 3)[0]


def test_cluster_scatter_groups_equal_predict(plot, samples):
    fit = final_fit(samples)
    plot.state.set_target(article_demo())
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(fit)
    plot.state.set_colouring("cluster")
    plot.flush()
    assert plot.cloud.drawn_as == "scatter"
    assert not plot.cloud.raster_image.isVisible()
    predicted = fit.mixture.predict(samples)
    groups = plot.cloud.scatter_groups()
    assert len(groups) == 2
    for k, (colour, x, y) in enumerate(groups):
        np.testing.assert_allclose(x, samples[predicted == k, 0], rtol=1e-6)  # float32 coordinates
        np.testing.assert_allclose(y, samples[predicted == k, 1], rtol=1e-6)
        assert colour == component_rgb(k)
        assert plot.cloud.scatter_items[k].isVisible()
    # The fit's ellipses carry the same colour as their points.
    assert plot.fit_ellipses.curve(1, 1.0).opts["pen"].color().getRgb()[:3] == component_rgb(1)


def test_plain_colouring_is_one_item_with_every_point(plot, samples):
    plot.state.set_fit(final_fit(samples))
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_colouring("plain")
    plot.flush()
    (colour, x, y), *rest = plot.cloud.scatter_groups()
    assert not rest
    assert colour == PLAIN_POINT
    np.testing.assert_allclose(np.column_stack([x, y]), samples, rtol=1e-6)
    assert plot.state.workspace.derived.labels is None  # plain needs no P(i|x)


def test_uncertainty_steps_follow_one_minus_max_responsibility(plot, samples):
    fit = final_fit(samples)
    plot.state.set_data(Dataset(samples, "exact"))
    plot.state.set_fit(fit)
    plot.state.set_colouring("uncertainty")
    plot.flush()
    uncertainty = 1.0 - fit.mixture.responsibilities(samples).max(axis=1)
    labels = plot.point_labels()
    np.testing.assert_allclose(labels.uncertainty, uncertainty, atol=1e-6)
    step = (1.0 - 1.0 / 2) / UNCERTAINTY_LEVELS
    expected_level = np.minimum((uncertainty / step).astype(int), UNCERTAINTY_LEVELS - 1)
    drawn = 0
    for level, item in enumerate(plot.cloud.scatter_items[:UNCERTAINTY_LEVELS]):
        x, _ = item.getData()
        chosen = expected_level == level
        assert len(x) == chosen.sum()
        np.testing.assert_allclose(x, samples[chosen, 0], rtol=1e-6)
        drawn += len(x)
    assert drawn == len(samples)


def test_without_a_fit_points_are_coloured_under_the_target(plot, samples):
    target = article_demo()
    plot.state.set_target(target)
    plot.state.set_data(Dataset(samples, "exact"))
    plot.flush()
    assert plot.state.view.colouring == "cluster"
    predicted = target.predict(samples)
    for k, (_, x, _) in enumerate(plot.cloud.scatter_groups()):
        np.testing.assert_allclose(x, samples[predicted == k, 0], rtol=1e-6)


def test_no_mixture_of_the_datas_dimension_draws_plain(plot):
    points = np.random.default_rng(0).normal(size=(300, 3))  # a 2-D target, 3-D points, no fit
    plot.state.set_data(Dataset(points, "exact"))
    plot.flush()
    [(colour, x, _)] = plot.cloud.scatter_groups()
    assert colour == PLAIN_POINT and len(x) == len(points)


def view_of(plot):
    scene = plot._scene()
    return scene.view_rect, scene.view_pixels


def test_raster_above_the_scatter_limit(plot):
    X = article_demo().sample(SCATTER_LIMIT + 5000, 1)[0]
    data = Dataset(X, "exact")
    assert data.cloud_mode == "raster"
    plot.state.set_data(data)
    plot.state.set_fit(final_fit(X))
    plot.state.set_colouring("cluster")
    plot.flush()
    assert plot.cloud.drawn_as == "raster"
    assert not any(item.isVisible() for item in plot.cloud.scatter_items)
    image = plot.cloud.raster_image
    assert image.isVisible() and image.image.dtype == np.uint8
    region = plot.cloud.raster_region()
    view_rect, view_pixels = view_of(plot)
    assert region.covers(view_rect)  # the view and a margin around it
    assert region.bins_per_pixel(view_rect, view_pixels) == pytest.approx(1.0, rel=0.01)  # one bin per pixel
    assert image.image.shape == (region.rows, region.cols)
    drawn = image.mapRectToView(image.boundingRect())
    assert drawn.getRect() == pytest.approx(region.rect)
    # Every occupied bin is coloured, with the category of a point in it.
    x, y = X[:, 0].astype(np.float32), X[:, 1].astype(np.float32)
    bins, inside = bin_points(x, y, region.rect, (region.rows, region.cols))
    codes = image.image.ravel()
    assert set(np.flatnonzero(codes)) == set(bins)
    _, steps = raster_lut([component_rgb(0), component_rgb(1)])
    np.testing.assert_array_equal(plot.point_labels().labels, plot.state.fit.mixture.predict(X))
    labels = plot.point_labels().labels[inside].astype(int)
    lowest, highest = np.full(codes.size, 99), np.full(codes.size, -1)
    np.minimum.at(lowest, bins, labels)
    np.maximum.at(highest, bins, labels)
    pure = np.flatnonzero(lowest == highest)  # bins whose points all belong to one component
    assert pure.size > 1000
    np.testing.assert_array_equal((codes[pure].astype(int) - 1) // steps, lowest[pure])


def test_raster_follows_the_view(plot, qtbot):
    X = article_demo().sample(SCATTER_LIMIT + 10, 2)[0]
    plot.state.set_data(Dataset(X, "exact"))
    plot.flush()
    view_box = plot.plot_item.getViewBox()
    first = plot.cloud.raster_region()
    # A small pan stays inside the binned margin: the image just moves with the view.
    (x0, x1), (y0, y1) = view_box.viewRange()
    view_box.setRange(xRange=(x0 + 0.3, x1 + 0.3), yRange=(y0, y1), padding=0)
    plot._throttle.flush()
    assert plot.cloud.raster_region() is first
    # A slight zoom shows the bins stretched, then re-bins once the view has settled.
    view_box.scaleBy((1.15, 1.15))
    plot._throttle.flush()
    assert plot.cloud.raster_region() is first
    qtbot.waitUntil(lambda: plot.cloud.raster_region() is not first, timeout=3000)
    view_rect, view_pixels = view_of(plot)
    assert plot.cloud.raster_region().bins_per_pixel(view_rect, view_pixels) == pytest.approx(1.0, rel=0.01)
    # A big zoom re-bins at once.
    second = plot.cloud.raster_region()
    plot.frame((-1.0, 1.0), (-1.0, 1.0))
    plot._throttle.flush()
    region = plot.cloud.raster_region()
    view_rect, view_pixels = view_of(plot)
    assert region is not second and region.covers(view_rect)
    assert region.bins_per_pixel(view_rect, view_pixels) == pytest.approx(1.0, rel=0.01)


def test_a_growing_sample_buffer_is_binned_incrementally(plot):
    target = article_demo()
    plot.state.set_target(target)  # cluster colours under the target: labels grow incrementally too
    buffer = GrowingPoints(2)
    buffer.append(target.sample(SCATTER_LIMIT + 1000, 1)[0], np.zeros(SCATTER_LIMIT + 1000, dtype=np.int64))
    buffer.append(target.sample(10, 2)[0], np.zeros(10, dtype=np.int64))  # room to grow in place
    plot.state.set_data(Dataset(buffer.view()[0], "mcmc", chain_ids=buffer.view()[1]))
    plot.flush()
    columns = plot.cloud._xs
    buffer.append(target.sample(3000, 3)[0], np.zeros(3000, dtype=np.int64))
    grown = buffer.view()[0]
    plot.state.set_data(Dataset(grown, "mcmc", chain_ids=buffer.view()[1]))
    plot.flush()
    assert plot.cloud._xs is columns  # the old rows were not converted again
    region = plot.cloud.raster_region()
    x, y = grown[:, 0].astype(np.float32), grown[:, 1].astype(np.float32)
    bins, inside = bin_points(x, y, region.rect, (region.rows, region.cols))
    _, steps = raster_lut([component_rgb(0), component_rgb(1)])
    fresh = encode_raster(bins, region.rows * region.cols, target.predict(grown)[inside].astype(np.uint8), steps)
    np.testing.assert_array_equal(plot.cloud.raster_image.image.ravel(), fresh)


def test_a_growing_scatter_adds_only_the_new_points(plot, monkeypatch):
    target = article_demo()
    plot.state.set_target(target)
    buffer = GrowingPoints(2)
    buffer.append(target.sample(900, 1)[0], np.zeros(900, dtype=np.int64))
    plot.state.set_data(Dataset(buffer.view()[0], "mcmc"))
    plot.flush()
    redrawn = []
    original = pg.ScatterPlotItem.setData

    def spy(item, *args, **kwargs):
        if item in plot.cloud.scatter_items:
            redrawn.append(item)
        return original(item, *args, **kwargs)

    monkeypatch.setattr(pg.ScatterPlotItem, "setData", spy)
    buffer.append(target.sample(100, 2)[0], np.zeros(100, dtype=np.int64))
    grown = buffer.view()[0]
    plot.state.set_data(Dataset(grown, "mcmc"))
    plot.flush()
    assert redrawn == []  # appended with addPoints, not redrawn
    predicted = target.predict(grown)
    for k, (_, x, y) in enumerate(plot.cloud.scatter_groups()):
        np.testing.assert_allclose(np.column_stack([x, y]), grown[predicted == k], rtol=1e-6)


def test_clearing_the_data_removes_the_cloud(plot, samples):
    plot.state.set_data(Dataset(samples, "exact"))
    plot.flush()
    plot.state.set_data(None)
    plot.flush()
    assert plot.cloud.drawn_as is None
    assert not any(item.isVisible() for item in plot.cloud.scatter_items)
    assert plot.density_image.opacity() == 1.0


def test_encode_raster_leaves_empty_bins_transparent():
    bins = np.array([0, 0, 0, 2, 3], dtype=np.int32)
    categories = np.array([1, 1, 1, 0, 1], dtype=np.uint8)
    lut, steps = raster_lut([(1, 2, 3), (4, 5, 6)])
    codes = encode_raster(bins, 5, categories, steps)
    assert codes[1] == 0 and codes[4] == 0 and lut[0, 3] == 0
    assert (codes[0] - 1) // steps == 1 and (codes[2] - 1) // steps == 0
    assert codes[0] > codes[3]  # three points shade darker than one
    assert tuple(lut[codes[0], :3]) == (4, 5, 6)


def test_image_fades_under_points(plot, samples):
    assert plot.density_image.opacity() == 1.0
    plot.state.set_data(Dataset(samples, "exact"))
    plot.flush()
    assert plot.density_image.opacity() < 0.5
    plot.state.set_layer_visible("points", False)
    assert plot.density_image.opacity() == 1.0


def test_three_dimensional_data_shows_the_chosen_columns(plot):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    plot.state.set_data(Dataset(X, "file", columns=("a", "b", "c")), (2, 0))
    plot.state.set_colouring("plain")
    plot.flush()
    [(_, x, y)] = plot.cloud.scatter_groups()
    np.testing.assert_allclose(x, X[:, 2], rtol=1e-6)
    np.testing.assert_allclose(y, X[:, 0], rtol=1e-6)


def test_twenty_components_get_twenty_distinct_colours():
    from gmm_desktop.gui.plot.palette import COMPONENT_COLOURS

    colours = [component_rgb(k) for k in range(20)]
    assert len(set(colours)) == 20 == len(COMPONENT_COLOURS)
    assert component_rgb(20) == component_rgb(0)  # and then they repeat, as the docstring says
    rgb = np.array(colours, dtype=float)
    distances = np.linalg.norm(rgb[:, None] - rgb[None], axis=2) + np.eye(20) * 1e9
    assert distances.min() > 40  # no two nearly identical colours in RGB
