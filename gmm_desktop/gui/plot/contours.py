"""Contour lines of the fitted density: a few thin levels, as the fit moves.

The lines are computed off the GUI thread (`workspace.derived.fit_contours`: a coarse grid over the
fit's own 4-sigma box, so zooming costs nothing); each level is one PlotCurveItem with
connect="finite" (NaN-separated pieces), reused from step to step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gmm_desktop.gui.plot.layers import Z_FIT_CONTOURS, Layer, Scene

FIT_CONTOUR_PEN = pg.mkPen((20, 20, 20, 200), width=1.0, style=Qt.PenStyle.DotLine)


class ContourLayer(Layer):
    """One curve per level, made once and updated in place."""

    inputs = frozenset({"fit", "fit_contours"})

    def __init__(self, plot_item: pg.PlotItem, pen: pg.QtGui.QPen = FIT_CONTOUR_PEN, z: float = Z_FIT_CONTOURS):
        super().__init__(plot_item, cached=False)  # they change with every EM step
        self._pen, self._z = pen, z
        self.curves: list[pg.PlotCurveItem] = []

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        shown = scene.fit is not None and scene.fit_contours is not None
        self.set_lines(scene.fit_contours.lines if shown else None)

    def set_lines(self, lines: list[tuple[np.ndarray, np.ndarray]] | None) -> None:
        lines = lines or []
        while len(self.curves) < len(lines):
            self.curves.append(self.add(pg.PlotCurveItem(pen=self._pen, antialias=True), self._z, ignore_bounds=True))
        for k, curve in enumerate(self.curves):
            x, y = lines[k] if k < len(lines) else (np.empty(0), np.empty(0))
            curve.setData(x, y, connect="finite")
            self.show_content(curve, x.size > 0)
