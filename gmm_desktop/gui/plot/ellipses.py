"""Covariance ellipses (1 and 2 sigma) and mean markers of a 2-D mixture, in the component colours.

The target's ellipses are dashed and dark grey, the fit's solid and in the component colours, so
both can be read on one plot. An ellipse is
the set mean + n_sigma * V sqrt(L) (cos t, sin t) for the eigen-decomposition Sigma = V L V^T, i.e.
the points at Mahalanobis distance n_sigma. Curves are made once per (component, sigma) and updated
in place, so a fit that moves every EM iteration costs a few setData calls of 100 vertices each.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.plot.layers import Layer, Scene
from gmm_desktop.gui.plot.palette import component_color

SIGMAS = (1.0, 2.0)
N_VERTICES = 121


def ellipse_points(
    mean: np.ndarray, cov: np.ndarray, n_sigma: float, n_vertices: int = N_VERTICES
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a closed polyline (first vertex repeated last) at Mahalanobis distance `n_sigma`.

    mean (2,), cov (2, 2) symmetric positive definite.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(np.asarray(cov, dtype=np.float64))
    t = np.linspace(0.0, 2.0 * np.pi, n_vertices)
    unit = np.vstack([np.cos(t), np.sin(t)])  # (2, n)
    axes = eigenvectors * (n_sigma * np.sqrt(np.maximum(eigenvalues, 0.0)))  # columns: scaled eigenvectors
    points = axes @ unit + np.asarray(mean, dtype=np.float64)[:, None]
    points[:, -1] = points[:, 0]  # exactly closed (cos 2pi is not exactly 1)
    return points[0], points[1]


class EllipseLayer(Layer):
    """The 1-sigma and 2-sigma ellipses of every component of the scene's target or fit (`source`)."""

    def __init__(
        self, plot_item: pg.PlotItem, source: str, z: float, dashed: bool, rgb: tuple[int, int, int] | None = None
    ) -> None:
        """dashed: the target's style; rgb: one colour for every component (else the palette's). The
        fit's (solid) ellipses move with every EM step, so they are drawn directly, not cached."""
        super().__init__(plot_item, cached=dashed)
        self.inputs = frozenset({source, "shown"})
        self._source = source
        self._z = z
        self._dashed = dashed
        self._rgb = rgb
        self._curves: dict[tuple[int, float], pg.PlotCurveItem] = {}
        self._count = 0

    def _pen(self, component: int, n_sigma: float) -> pg.QtGui.QPen:
        inner = n_sigma == SIGMAS[0]
        color = component_color(component) if self._rgb is None else QColor(*self._rgb)
        color.setAlpha(255 if inner else 170)
        pen = pg.mkPen(color, width=2.2 if inner else 1.3)
        if self._dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        return pen

    def _curve(self, component: int, n_sigma: float) -> pg.PlotCurveItem:
        key = (component, n_sigma)
        if key not in self._curves:
            pen = self._pen(component, n_sigma)
            # A pale halo keeps an ellipse visible over points of its own colour (the raster is solid).
            halo = pg.mkPen(255, 255, 255, 170, width=pen.widthF() + 2.5)
            curve = pg.PlotCurveItem(pen=pen, shadowPen=halo, antialias=True)
            self._curves[key] = self.add(curve, self._z)
        return self._curves[key]

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        self.set_mixture(getattr(scene, self._source))

    def set_mixture(self, mixture: Mixture | None) -> None:
        """Draw the ellipses of a 2-D `mixture` (None clears them)."""
        count = 0 if mixture is None else mixture.n_components
        for k in range(count):
            for n_sigma in SIGMAS:
                curve = self._curve(k, n_sigma)
                curve.setData(*ellipse_points(mixture.means[k], mixture.covariances[k], n_sigma))
                self.show_content(curve, True)
        for (k, _), curve in self._curves.items():
            if k >= count:
                curve.setData([], [])
                self.show_content(curve, False)
        self._count = count

    def curve(self, component: int, n_sigma: float) -> pg.PlotCurveItem | None:
        """The curve of one ellipse (tests, and anyone who wants to restyle one)."""
        return self._curves.get((component, n_sigma)) if component < self._count else None

    @property
    def n_components(self) -> int:
        return self._count


class MeanMarkers(Layer):
    """The fitted components' means: diamonds in the component colour, outlined so they show on a cloud."""

    def __init__(self, plot_item: pg.PlotItem, z: float) -> None:
        super().__init__(plot_item, cached=False)  # they move with every EM step
        self.scatter = pg.ScatterPlotItem(symbol="d", size=13, pen=pg.mkPen("w", width=1.5), pxMode=True)
        self.add(self.scatter, z)
        self._brushes: list[pg.QtGui.QBrush] = []

    def set_means(self, means: np.ndarray | None) -> None:
        """means (K, 2) or None."""
        if means is None or len(means) == 0:
            self.scatter.setData([], [])
            self.show_content(self.scatter, False)
            return
        while len(self._brushes) < len(means):
            self._brushes.append(pg.mkBrush(component_color(len(self._brushes))))
        self.scatter.setData(pos=np.asarray(means, dtype=np.float64), brush=self._brushes[: len(means)])
        self.show_content(self.scatter, True)
