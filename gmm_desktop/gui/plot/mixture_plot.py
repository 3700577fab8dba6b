"""The central plot: the target density as a filled image, contour lines and a colour bar.

Contour lines come from the core (contourpy) and are drawn as one `PlotCurveItem` per level with
`connect="finite"`; pyqtgraph's IsocurveItem would run marching squares inside paint() on the GUI
thread (170 ms a frame against 4 ms, shared/QT_ON_DEBIAN.md). Items are created once and updated
in place.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gmm_desktop.core.density import DensityGrid

DENSITY_COLORMAP = "CET-L17"
CONTOUR_PEN = pg.mkPen((40, 40, 60, 170), width=1.2)


class MixturePlot(pg.GraphicsLayoutWidget):
    """Plot of a 2-D density: image + contour lines + colour bar, equal axis scales, y pointing up."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mixturePlot")
        self.plot_item: pg.PlotItem = self.addPlot(row=0, col=0)
        self.plot_item.setLabel("bottom", "x")
        self.plot_item.setLabel("left", "y")
        self.plot_item.setAspectLocked(True)
        self.plot_item.hideButtons()
        self.density_image = pg.ImageItem()
        self.density_image.setZValue(-10)
        self.plot_item.addItem(self.density_image)
        self.color_bar = pg.ColorBarItem(
            colorMap=pg.colormap.get(DENSITY_COLORMAP), label="density P(x, y)", interactive=False, width=18
        )
        self.color_bar.setImageItem(self.density_image, insert_in=self.plot_item)
        self.contour_curves: list[pg.PlotCurveItem] = []
        self._contours_visible = True

    def show_density(self, grid: DensityGrid, lines: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Draw `grid` as the filled image and `lines` (one (x, y) pair per level) as contours."""
        self.density_image.setImage(grid.values, rect=QRectF(*grid.rect), autoLevels=False)
        self.color_bar.setLevels((0.0, float(grid.values.max())))
        self._ensure_curves(len(lines))
        for curve, (x, y) in zip(self.contour_curves, lines):
            curve.setData(x, y, connect="finite")

    def _ensure_curves(self, count: int) -> None:
        while len(self.contour_curves) < count:
            curve = pg.PlotCurveItem(pen=CONTOUR_PEN)
            curve.setZValue(-5)
            curve.setVisible(self.contours_visible())
            self.plot_item.addItem(curve)
            self.contour_curves.append(curve)
        for curve in self.contour_curves[count:]:
            curve.setData([], [])

    def frame(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show exactly this region (aspect stays locked, so one side may gain margin)."""
        self.plot_item.setRange(xRange=x_range, yRange=y_range, padding=0.02)

    # ---------------------------------------------------------------- layer toggles
    def set_image_visible(self, visible: bool) -> None:
        self.density_image.setVisible(visible)

    def set_contours_visible(self, visible: bool) -> None:
        self._contours_visible = visible
        for curve in self.contour_curves:
            curve.setVisible(visible)

    def contours_visible(self) -> bool:
        return self._contours_visible

    def set_color_bar_visible(self, visible: bool) -> None:
        self.color_bar.setVisible(visible)
