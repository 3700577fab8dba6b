"""The first window as a user sees it: the demo density, contours, colour bar, menus, toggles."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from gmm_desktop.core.density import contour_levels, contour_lines, default_view_range
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.workspace.derived import N_CONTOUR_LEVELS, target_grid


def test_shows_the_article_demo_density(main_window):
    image = main_window.plot.density_image.image
    grid = target_grid(article_demo())
    np.testing.assert_allclose(image, grid.values)
    assert "Article demo" in main_window.windowTitle()
    assert "2 components" in main_window.statusBar().currentMessage()


def test_image_is_placed_on_the_data_axes_with_y_up(main_window):
    grid = target_grid(article_demo())
    rect = main_window.plot.density_image.mapRectToView(main_window.plot.density_image.boundingRect())
    assert rect.left() == pytest.approx(grid.xs[0], abs=0.05)
    assert rect.right() == pytest.approx(grid.xs[-1], abs=0.05)
    assert rect.top() == pytest.approx(grid.ys[0], abs=0.05)  # row 0 is the lowest y
    assert not main_window.plot.plot_item.getViewBox().yInverted()
    # The brightest pixel is the peak of g1 at (-1, -1) (0.38 / (2 pi 0.6) beats g2's 0.62 / (2 pi 1.04)),
    # and the pixel at (1, 2), g2's mode, is brighter than its mirror (2, 1): not transposed.
    row, col = np.unravel_index(np.argmax(grid.values), grid.values.shape)
    assert (grid.xs[col], grid.ys[row]) == pytest.approx((-1.0, -1.0), abs=0.1)
    image = main_window.plot.density_image.image

    def pixel(x, y):
        return image[np.abs(grid.ys - y).argmin(), np.abs(grid.xs - x).argmin()]

    assert pixel(1.0, 2.0) > 3 * pixel(2.0, 1.0)


def test_ten_contour_lines_from_contourpy(main_window):
    grid = target_grid(article_demo())
    lines = contour_lines(grid, contour_levels(grid, N_CONTOUR_LEVELS))
    curves = main_window.plot.contour_curves
    assert len(curves) == N_CONTOUR_LEVELS
    for curve, (x, y) in zip(curves, lines):
        shown_x, shown_y = curve.getData()
        assert shown_x.size > 10
        np.testing.assert_array_equal(shown_x, x)
        np.testing.assert_array_equal(shown_y, y)


def test_colour_bar_spans_the_density(main_window):
    low, high = main_window.plot.color_bar.levels()
    assert low == 0.0
    assert high == pytest.approx(main_window.plot.density_image.image.max())


def test_image_covers_the_framed_region(main_window):
    (x0, x1), (y0, y1) = default_view_range(article_demo())
    grid = target_grid(article_demo())
    assert grid.xs[0] < x0 and grid.xs[-1] > x1 and grid.ys[0] < y0 and grid.ys[-1] > y1
    dx, dy = np.diff(grid.xs[:2])[0], np.diff(grid.ys[:2])[0]
    assert dx == pytest.approx(dy, rel=0.02)  # square cells


def test_axes_are_labelled_and_equal_scale(main_window):
    plot_item = main_window.plot.plot_item
    assert plot_item.getAxis("bottom").labelText == "x"
    assert plot_item.getAxis("left").labelText == "y"
    assert plot_item.getViewBox().state["aspectLocked"] == 1.0


def test_view_menu_toggles_layers(main_window):
    toggles = main_window.actions.layer_toggles
    toggles["contours"].trigger()
    assert not any(curve.isVisible() for curve in main_window.plot.contour_curves)
    toggles["image"].trigger()
    assert not main_window.plot.density_image.isVisible()
    toggles["colorbar"].trigger()
    assert not main_window.plot.color_bar.isVisible()
    toggles["contours"].trigger()
    assert all(curve.isVisible() for curve in main_window.plot.contour_curves if curve.getData()[0].size)
    assert set(toggles) <= set(main_window.plot.layers)


def test_menus_exist(main_window):
    titles = [action.text().replace("&", "") for action in main_window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Run", "Help"]


def test_new_target_redraws(main_window):
    mixture = preset("many small clusters")
    main_window.state.set_target(mixture, "Many small clusters")
    main_window.flush()  # the density is computed on a worker
    np.testing.assert_allclose(main_window.plot.density_image.image, target_grid(mixture).values)
    assert "Many small clusters" in main_window.windowTitle()


def test_layout_is_saved_in_the_redirected_settings(main_window):
    main_window.resize(900, 700)
    main_window.close()
    settings = QSettings()
    assert settings.value("window/geometry") is not None
    assert "gmm-desktop" in settings.fileName()
    assert "/.config/" not in settings.fileName()


def test_export_view_writes_png_and_svg(main_window, tmp_path):
    from gmm_desktop.gui.plot.export import export_plot

    png, svg = tmp_path / "view.png", tmp_path / "view.svg"
    export_plot(main_window.plot.ci, png)
    export_plot(main_window.plot.ci, svg)
    assert QImage(str(png)).width() == round(main_window.plot.ci.sceneBoundingRect().width())
    document = svg.read_text()
    assert "<svg" in document
    assert document.count("<path") + document.count("<polyline") >= N_CONTOUR_LEVELS  # vector contour lines
    assert "<image" in document  # the density image
    with pytest.raises(ValueError, match=r"png or \.svg"):
        export_plot(main_window.plot.ci, tmp_path / "view.jpg")
    assert not (tmp_path / "view.jpg").exists()


def test_no_dock_tab_bar_is_drawn_over_the_plot(main_window):
    """Two groups of tabbed docks made Qt 6.11 leave an orphan tab bar over the plot."""
    from PySide6.QtWidgets import QTabBar

    plot_area = main_window.centralWidget().geometry()
    bars = [bar for bar in main_window.findChildren(QTabBar) if bar.isVisible()]
    assert bars and not any(bar.geometry().intersects(plot_area) for bar in bars)
    assert main_window.docks["paint"].isAncestorOf(main_window.paint_panel)
