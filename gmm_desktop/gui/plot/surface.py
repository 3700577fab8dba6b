"""A 3-D surface of the target density (pyqtgraph.opengl), as in the article's figure.

OpenGL is optional: the `opengl` extra installs PyOpenGL, the offscreen platform (tests, renders)
has no GL at all, and a remote desktop may have a broken driver. A GL widget that fails to get a
context does not raise where Python can catch it (it fails inside paint), so the context is tried
first on a throw-away offscreen surface; whenever anything is missing the view shows a sentence
saying why instead of the surface, and the rest of the window is unaffected.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext, QVector3D
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gmm_desktop.core.density import DensityGrid

SURFACE_COLORMAP = "CET-L17"
MAX_SIDE = 120
"""Vertices per side at most: a 300x300 grid drawn as is would be 180 000 triangles for no visible gain."""
HEIGHT_RATIO = 0.45
"""The peak is drawn this fraction of the grid's larger extent high, whatever the density's units."""
HEADLESS_PLATFORMS = ("offscreen", "minimal")


def opengl_problem() -> str | None:
    """Why a 3-D view cannot start here, or None when it can (PyOpenGL importable, a >= 2.1 desktop
    OpenGL context made current on an offscreen surface)."""
    platform = QGuiApplication.platformName()
    if platform in HEADLESS_PLATFORMS:
        return f"the {platform} platform has no OpenGL"
    try:
        import OpenGL.GL  # noqa: F401  (PyOpenGL: the optional 'opengl' extra)
        import pyqtgraph.opengl  # noqa: F401
    except ImportError as exc:
        return f"PyOpenGL is not installed: {exc}; install the 'opengl' extra"
    except Exception as exc:  # PyOpenGL raises its own errors when no GL library loads
        return f"{type(exc).__name__}: {exc}"
    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not surface.isValid() or not context.makeCurrent(surface):
            return "the OpenGL context could not be made current"
        version = context.format().version()
        if context.isOpenGLES():
            return f"only OpenGL ES {version[0]}.{version[1]} is available"
        if version < (2, 1):
            return f"OpenGL {version[0]}.{version[1]} is too old (2.1 is needed)"
        context.doneCurrent()
    finally:
        surface.destroy()
    return None


def surface_arrays(grid: DensityGrid, max_side: int = MAX_SIDE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x (nx,), y (ny,), z (nx, ny)) for GLSurfacePlotItem: the grid thinned to at most `max_side`
    vertices per side, centred on the origin, heights scaled so the peak is HEIGHT_RATIO of the span."""
    step = max(1, int(np.ceil(max(grid.values.shape) / max_side)))
    xs, ys, values = grid.xs[::step], grid.ys[::step], grid.values[::step, ::step]
    span = max(xs[-1] - xs[0], ys[-1] - ys[0], 1e-12)
    peak = float(values.max()) or 1.0
    x = xs - 0.5 * (xs[0] + xs[-1])
    y = ys - 0.5 * (ys[0] + ys[-1])
    return x, y, np.ascontiguousarray(values.T) * (HEIGHT_RATIO * span / peak)


class SurfaceView(QWidget):
    """The density as a coloured 3-D surface; a QLabel explaining why when OpenGL is unavailable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surfaceView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._grid: DensityGrid | None = None
        self.view = None
        self.surface_item = None
        self.label: QLabel | None = None
        self.problem = opengl_problem()
        if self.problem is None:
            try:
                self._build_gl(layout)
            except Exception as exc:  # a driver can fail in many ways; the window must still open
                self.problem = f"{type(exc).__name__}: {exc}"
                self.view = self.surface_item = None
        if self.problem is not None:
            self.label = QLabel(f"3-D view unavailable: OpenGL could not start ({self.problem}).")
            self.label.setObjectName("surfaceUnavailable")
            self.label.setWordWrap(True)
            self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(self.label)

    @property
    def available(self) -> bool:
        return self.problem is None

    def _build_gl(self, layout: QVBoxLayout) -> None:
        import pyqtgraph.opengl as gl

        self.view = gl.GLViewWidget()
        self.view.setBackgroundColor("w")
        self.view.setCameraPosition(distance=2.2, elevation=28, azimuth=-60)
        self.floor = gl.GLGridItem(color=(0, 0, 0, 40))
        self.view.addItem(self.floor)
        self.surface_item = gl.GLSurfacePlotItem(smooth=True, computeNormals=True, shader="shaded", glOptions="opaque")
        self.view.addItem(self.surface_item)
        layout.addWidget(self.view)

    def set_density(self, grid: DensityGrid) -> None:
        """Show `grid` (the same grid as the plot's density image)."""
        self._grid = grid
        if self.surface_item is None:
            return
        x, y, z = surface_arrays(grid)
        colors = pg.colormap.get(SURFACE_COLORMAP).map(z / max(float(z.max()), 1e-300), mode="float")
        self.surface_item.setData(x=x, y=y, z=z, colors=colors.reshape(*z.shape, 4))
        span = max(x[-1] - x[0], y[-1] - y[0])
        self.floor.setSize(x[-1] - x[0], y[-1] - y[0])
        self.floor.setSpacing(span / 10, span / 10)
        self.view.setCameraPosition(pos=QVector3D(0.0, 0.0, 0.15 * span), distance=1.5 * span)

    def density(self) -> DensityGrid | None:
        return self._grid
