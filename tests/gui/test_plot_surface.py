"""The 3-D surface view: a sentence instead of a crash where OpenGL cannot start."""

import sys

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication

from gmm_desktop.core.density import density_grid
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.gui.plot import surface
from gmm_desktop.gui.plot.surface import HEIGHT_RATIO, SurfaceView, opengl_problem, surface_arrays


@pytest.fixture
def grid():
    return density_grid(article_demo(), (-5.0, 5.0), (-4.0, 5.0), (300, 240))


def test_offscreen_shows_why_there_is_no_surface(app, qtbot, grid):
    view = SurfaceView()
    qtbot.addWidget(view)
    view.show()
    assert QGuiApplication.platformName() == "offscreen"
    assert not view.available
    assert view.view is None
    assert view.label.text().startswith("3-D view unavailable: OpenGL could not start (")
    assert "offscreen" in view.label.text()
    assert view.label.isVisible()
    view.set_density(grid)  # no surface to draw, and no error either
    assert view.density() is grid


def test_missing_pyopengl_is_reported(app, monkeypatch):
    monkeypatch.setattr(surface.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    monkeypatch.setitem(sys.modules, "OpenGL", None)  # import OpenGL.GL now raises ImportError
    monkeypatch.setitem(sys.modules, "OpenGL.GL", None)
    problem = opengl_problem()
    assert problem is not None and "PyOpenGL is not installed" in problem


def test_surface_arrays_are_thinned_centred_and_scaled(grid):
    x, y, z = surface_arrays(grid, max_side=100)
    assert z.shape == (x.size, y.size)
    assert x.size <= 100 and y.size <= 100
    assert x[0] == pytest.approx(-x[-1]) and y[0] == pytest.approx(-y[-1])
    span = max(x[-1] - x[0], y[-1] - y[0])
    assert z.max() == pytest.approx(HEIGHT_RATIO * span)
    # z[i, j] is the density at (x[i], y[j]): the transpose of the row-major grid.
    i, j = np.unravel_index(np.argmax(z), z.shape)
    row, col = np.unravel_index(np.argmax(grid.values), grid.values.shape)
    assert abs(i * 3 - col) <= 3 and abs(j * 3 - row) <= 3
