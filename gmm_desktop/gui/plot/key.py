"""A small key in the plot's corner naming only what is on show: target vs fit line styles, the
uncertainty shades, the chain's accepted and rejected steps. Rebuilt only when that set changes."""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import Qt

from gmm_desktop.gui.plot.chain_path import ACCEPTED_BRUSH, PATH_PEN, REJECTED_PEN, ChainPathLayer
from gmm_desktop.gui.plot.layers import Layer, Scene
from gmm_desktop.gui.plot.palette import TARGET_RGB, UNCERTAINTY_LEVELS, uncertainty_rgb


def _line(rgb: tuple[int, int, int], dashed: bool) -> pg.PlotDataItem:
    pen = pg.mkPen(rgb, width=2, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    return pg.PlotDataItem(pen=pen)


def _marker(symbol: str, brush: object, pen: object = None, size: int = 8) -> pg.ScatterPlotItem:
    return pg.ScatterPlotItem(symbol=symbol, brush=brush, pen=pen, size=size)


class _Sample(ItemSample):
    """A key entry that ignores clicks (pyqtgraph's toggles the sample item, which is not on the plot)."""

    def mouseClickEvent(self, event) -> None:
        event.accept()


class PlotKey:
    """A pg.LegendItem in the top-left corner of the view box, built from sample items it owns."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        self.legend = pg.LegendItem(
            offset=(8, 8),
            labelTextSize="8pt",
            brush=(255, 255, 255, 215),
            pen=(170, 170, 170),
            verSpacing=-6,
            sampleType=_Sample,
        )
        self.legend.setParentItem(view_box)
        self.legend.setZValue(20)
        self._shown: tuple = ()
        self._visible = True
        self.legend.setVisible(False)

    def update(self, target: bool, fit: bool, uncertainty: bool, chain: str | None) -> None:
        """Show entries for the target's and fit's ellipses, the uncertainty shades and the chain path
        (chain: None, "path" for the line alone, "steps" when accepted and rejected steps are marked)."""
        wanted = (target, fit, uncertainty, chain)
        if wanted == self._shown:
            return
        self._shown = wanted
        self.legend.clear()
        if target:
            self.legend.addItem(_line(TARGET_RGB, dashed=True), "target 1σ, 2σ")
        if fit:
            self.legend.addItem(_line((0, 114, 178), dashed=False), "fit 1σ, 2σ")
        if uncertainty:
            self.legend.addItem(_marker("o", uncertainty_rgb(0)), "certain")
            self.legend.addItem(_marker("o", uncertainty_rgb(UNCERTAINTY_LEVELS - 1)), "uncertain: 1 − max P(i|x)")
        if chain == "path":
            self.legend.addItem(pg.PlotDataItem(pen=PATH_PEN), "chain: last steps")
        elif chain == "steps":
            self.legend.addItem(_marker("o", ACCEPTED_BRUSH, size=6), "chain: accepted step")
            self.legend.addItem(_marker("x", REJECTED_PEN.color(), REJECTED_PEN, size=9), "chain: rejected step")
        self.legend.setVisible(self._visible and any(wanted))

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.legend.setVisible(visible and any(self._shown))

    def labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]


class KeyLayer(Layer):
    """ "legend": the key, naming what the other layers show (the chain layer says what it drew)."""

    inputs = frozenset({"target", "fit", "colouring", "labels", "chain", "visibility"})

    def __init__(self, plot_item: pg.PlotItem, chain: ChainPathLayer) -> None:
        super().__init__(plot_item)
        self.key = PlotKey(plot_item.getViewBox())
        self._chain = chain

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        visible = scene.visible
        self.key.update(
            target=scene.target is not None and visible["target_ellipses"],
            fit=scene.fit is not None and visible["fit_ellipses"],
            uncertainty=scene.colouring == "uncertainty" and visible["points"] and scene.labels is not None,
            chain=self._chain.drawn if visible["chain_path"] else None,
        )

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.key.set_visible(visible)
