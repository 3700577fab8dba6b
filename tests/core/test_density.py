"""Density grids and contour lines."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_desktop.core.density import contour_levels, contour_lines, default_view_range, density_grid
from gmm_desktop.core.mixture import Mixture, article_demo, preset


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(["demo", "well separated", "overlapping", "many small clusters", "elongated"]),
    st.integers(5, 60),
    st.integers(5, 60),
)
def test_grid_equals_pointwise_density(name, rows, cols):
    mixture = preset(name)
    grid = density_grid(mixture, (-4, 5), (-3, 4), (rows, cols))
    assert grid.values.shape == (rows, cols)
    xx, yy = np.meshgrid(grid.xs, grid.ys)
    expected = mixture.pdf(np.column_stack([xx.ravel(), yy.ravel()])).reshape(rows, cols)
    np.testing.assert_allclose(grid.values, expected, rtol=1e-10, atol=1e-300)


def test_grid_integrates_to_one():
    grid = density_grid(article_demo(), (-10, 10), (-10, 10), (401, 401))
    cell = (grid.xs[1] - grid.xs[0]) * (grid.ys[1] - grid.ys[0])
    assert grid.values.sum() * cell == pytest.approx(1.0, abs=1e-6)


def test_rect_covers_pixel_edges():
    grid = density_grid(article_demo(), (0, 10), (0, 5), (6, 11))
    assert grid.rect == pytest.approx((-0.5, -0.5, 11.0, 6.0))


def test_density_grid_needs_two_dimensions():
    with pytest.raises(ValueError, match="take a marginal first"):
        density_grid(Mixture([1.0], [[0.0, 0.0, 0.0]], [np.eye(3)]), (0, 1), (0, 1))


def test_view_range_holds_three_sigma_of_each_component():
    (x0, x1), (y0, y1) = default_view_range(article_demo())
    assert (x0, x1, y0, y1) == pytest.approx((-4.0, 5.5, -4.0, 4.4))


def test_contour_lines_lie_on_their_level():
    mixture = article_demo()
    grid = density_grid(mixture, (-5, 5), (-5, 5), (201, 201))
    levels = contour_levels(grid, 10)
    assert levels.size == 10
    assert 0 < levels[0] < levels[-1] < grid.values.max()
    for level, (x, y) in zip(levels, contour_lines(grid, levels)):
        finite = np.isfinite(x)
        assert finite.sum() > 10
        assert np.isnan(x[~finite]).all() and np.isnan(y[~finite]).all()
        values = mixture.pdf(np.column_stack([x[finite], y[finite]]))
        np.testing.assert_allclose(values, level, rtol=0.02, atol=1e-4)


def test_level_above_the_peak_has_no_line():
    grid = density_grid(article_demo(), (-5, 5), (-5, 5), (50, 50))
    [(x, y)] = contour_lines(grid, np.array([1.0]))
    assert x.size == 0 and y.size == 0


def test_grid_with_a_zero_weight_component():
    mixture = Mixture([1.0, 0.0], [[0.0, 0.0], [2.0, 2.0]], [np.eye(2), np.eye(2)])
    grid = density_grid(mixture, (-3, 3), (-3, 3), (20, 20))
    alone = density_grid(Mixture([1.0], [[0.0, 0.0]], [np.eye(2)]), (-3, 3), (-3, 3), (20, 20))
    np.testing.assert_array_equal(grid.values, alone.values)
