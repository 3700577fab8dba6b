"""The target's density: the filled image, its colour bar, and its contour lines.

The density and its lines are computed off the GUI thread (`workspace.derived.target_density`);
these layers only show them. Contour lines are one `PlotCurveItem` per level with connect="finite"
(pyqtgraph's IsocurveItem would run marching squares inside paint() on the GUI thread: 170 ms a
frame against 4 ms, shared/QT_ON_DEBIAN.md). Under a cloud of points the image and the lines fade,
so the component colours stay readable.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gmm_desktop.gui.plot.layers import Z_DENSITY_IMAGE, Z_TARGET_CONTOURS, Layer, Scene, cache_painting

DENSITY_COLORMAP = "CET-L17"
CONTOUR_PEN = pg.mkPen((40, 40, 60, 170), width=1.2)
CONTOUR_PEN_UNDER_POINTS = pg.mkPen((40, 40, 60, 80), width=1.0)
IMAGE_OPACITY_UNDER_POINTS = 0.4


class DensityImageLayer(Layer):
    """The density as an image in data coordinates (row 0 is the lowest y)."""

    inputs = frozenset({"density"})

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__(plot_item)
        self.image = pg.ImageItem()
        self.image.setZValue(Z_DENSITY_IMAGE)
        plot_item.addItem(self.image)

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        if scene.density is not None:
            grid = scene.density.grid
            self.image.setImage(grid.values, rect=QRectF(*grid.rect), autoLevels=False)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.image.setVisible(visible)

    def set_faded(self, faded: bool) -> None:
        self.image.setOpacity(IMAGE_OPACITY_UNDER_POINTS if faded else 1.0)


class ColourBarLayer(Layer):
    """The colour scale of the density image, from 0 to the density's peak."""

    inputs = frozenset({"density"})

    def __init__(self, plot_item: pg.PlotItem, image: pg.ImageItem) -> None:
        super().__init__(plot_item)
        self.bar = pg.ColorBarItem(
            colorMap=pg.colormap.get(DENSITY_COLORMAP), label="density P(x, y)", interactive=False, width=18
        )
        self.bar.setImageItem(image, insert_in=plot_item)

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        if scene.density is not None:
            self.bar.setLevels((0.0, float(scene.density.grid.values.max())))

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.bar.setVisible(visible)


class TargetContourLayer(Layer):
    """One curve per contour level of the target's density, painted from a cache (they change only
    with the target)."""

    inputs = frozenset({"density"})

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__(plot_item)
        self.curves: list[pg.PlotCurveItem] = []
        self._pen = CONTOUR_PEN

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        lines = [] if scene.density is None else scene.density.lines
        while len(self.curves) < len(lines):
            curve = pg.PlotCurveItem(pen=self._pen)
            cache_painting(curve)
            curve.setZValue(Z_TARGET_CONTOURS)
            curve.setVisible(self._visible)
            self._plot_item.addItem(curve)
            self.curves.append(curve)
        for curve, (x, y) in zip(self.curves, lines):
            curve.setData(x, y, connect="finite")
        for curve in self.curves[len(lines) :]:
            curve.setData([], [])

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        for curve in self.curves:
            curve.setVisible(visible)

    def set_faded(self, faded: bool) -> None:
        pen = CONTOUR_PEN_UNDER_POINTS if faded else CONTOUR_PEN
        if pen is not self._pen:
            self._pen = pen
            for curve in self.curves:
                curve.setPen(pen)
