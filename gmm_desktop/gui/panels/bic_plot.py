"""The model-selection plot, as mclust draws it: one line per covariance model, x = K, y = the
criterion (lower is better here: scikit-learn's sign), and a key under the plot.

Fourteen lines cannot be told apart by colour alone, nor fourteen key entries fit inside a dock-sized
plot: each model has its own colour and symbol (mclust draws a symbol per model), each family its
line style (dotted spherical, dashed diagonal, solid ellipsoidal), and the key is a grid of widgets
under the plot that takes as many columns as the dock's width allows. Degenerate candidates are
never points of their line: they break it and are drawn as hollow red markers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLayout, QVBoxLayout, QWidget

from gmm_desktop.core.models import MODELS, CovarianceModel
from gmm_desktop.core.selection import Candidate
from gmm_desktop.gui.panels.forms import make_plot

PALETTE = (
    "#7f7f7f", "#000000",  # spherical: grey, black
    "#ff7f0e", "#8c564b", "#bcbd22", "#e377c2",  # diagonal: warm colours
    "#1f77b4", "#17becf", "#2ca02c", "#9467bd", "#393b79", "#637939", "#7b4173", "#8c6d31",  # ellipsoidal
)  # fmt: skip
"""One colour per model in the registry's (mclust's) order; red is kept for degenerate fits."""
SYMBOLS = ("o", "s", "t", "d", "t1", "p", "h", "star")
"""Symbols of a family's models in order: with the colour, each model's mark is its own."""
FAMILY_DASH = {
    "spherical": Qt.PenStyle.DotLine,
    "diagonal": Qt.PenStyle.DashLine,
    "ellipsoidal": Qt.PenStyle.SolidLine,
}
DEGENERATE_PEN = pg.mkPen("#d62728", width=1.6)
BEST_PEN = pg.mkPen("k", width=1.6)
SYMBOL_SIZE = 7
SAMPLE_SIZE = QSize(26, 14)
"""The line-and-symbol sample of a key entry, in pixels."""


@dataclass(frozen=True)
class CurveStyle:
    """How one model's line is drawn: colour, symbol (pyqtgraph's names) and line style."""

    colour: str
    symbol: str
    dash: Qt.PenStyle

    def pen(self) -> pg.QtGui.QPen:
        pen = pg.mkPen(self.colour, width=1.5)
        pen.setStyle(self.dash)
        return pen


def _styles() -> dict[str, CurveStyle]:
    styles: dict[str, CurveStyle] = {}
    in_family: dict[str, int] = {}
    for index, model in enumerate(MODELS.values()):
        order = in_family.get(model.family, 0)
        in_family[model.family] = order + 1
        dash = FAMILY_DASH.get(model.family, Qt.PenStyle.DashDotLine)
        styles[model.name] = CurveStyle(PALETTE[index % len(PALETTE)], SYMBOLS[order % len(SYMBOLS)], dash)
    return styles


STYLES = _styles()
"""Every model's style, keyed by covariance_type."""


def scale_range(good: list[float]) -> tuple[float, float]:
    """The y range of the plot: the usable candidates' values plus a quarter of their span each side.

    Degenerate fits can score thousands below every usable one (likelihood grows without bound as a
    component collapses); scaling to them would flatten the curves the user chooses from.
    """
    low, high = min(good), max(good)
    span = max(high - low, 0.05 * abs(high), 1.0)
    return low - 0.25 * span, high + 0.25 * span


def degenerate_positions(values: list[float], good: list[float]) -> tuple[list[float], list[str]]:
    """Where to draw degenerate candidates: at their value when it is on the scale, else clamped to
    its edge as a triangle pointing the way (down "t", up "t1")."""
    if not good:
        return list(values), ["o"] * len(values)
    low, high = scale_range(good)
    ys = [min(max(v, low), high) for v in values]
    symbols = ["t" if v < low else "t1" if v > high else "o" for v in values]
    return ys, symbols


def sample_pixmap(style: CurveStyle, size: QSize = SAMPLE_SIZE) -> QPixmap:
    """A short piece of the line with its symbol in the middle, as the plot draws it (sharp on a
    high-density screen too)."""
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    middle = size.height() / 2
    painter.setPen(style.pen())
    painter.drawLine(QPointF(1, middle), QPointF(size.width() - 1, middle))
    painter.translate(size.width() / 2, middle)
    drawSymbol(painter, style.symbol, SYMBOL_SIZE, pg.mkPen(style.colour), pg.mkBrush(style.colour))
    painter.end()
    return pixmap


class ModelKey(QWidget):
    """The plot's key: a sample and mclust's name per drawn model, in as many columns as fit.

    Its minimum width is one entry's, so a narrow dock gets more rows instead of a sideways scroll.
    `entries`: model name -> the label with its name (hidden when the model has no line).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(0)
        self._grid.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._boxes: dict[str, QWidget] = {}
        self.entries: dict[str, QLabel] = {}
        for model in MODELS.values():
            self._boxes[model.name] = self._entry(model)
        self._shown: tuple[str, ...] = ()
        self._columns = 1

    def _entry(self, model: CovarianceModel) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        sample = QLabel()
        sample.setPixmap(sample_pixmap(STYLES[model.name]))
        name = QLabel(model.mclust)
        for label in (sample, name):
            label.setToolTip(f"{model.label}: {model.description}")
            row.addWidget(label)
        row.addStretch(1)
        box.hide()
        self.entries[model.name] = name
        return box

    def show_models(self, names: Iterable[str], texts: dict[str, str] | None = None) -> None:
        """Show the entries of `names` (in the registry's order), named by `texts` where given
        (mclust's E and V in one dimension), and hide the others."""
        texts = texts or {}
        wanted = set(names)
        shown = tuple(name for name in self._boxes if name in wanted)
        renamed = False
        for name, label in self.entries.items():
            text = texts.get(name, MODELS[name].mclust)
            renamed |= label.text() != text
            label.setText(text)
        if shown != self._shown or renamed:  # a new width of the entries may change the columns
            self._shown = shown
            self._relayout()

    def shown(self) -> tuple[str, ...]:
        return self._shown

    def _entry_size(self) -> QSize:
        hints = [self._boxes[name].sizeHint() for name in self._shown] or [QSize(0, 0)]
        return QSize(max(h.width() for h in hints), max(h.height() for h in hints))

    def _columns_for(self, width: int) -> int:
        entry = self._entry_size().width() + self._grid.horizontalSpacing()
        return max(1, min(len(self._shown), (width + self._grid.horizontalSpacing()) // max(entry, 1)))

    def _relayout(self) -> None:
        self._columns = self._columns_for(self.width())
        for box in self._boxes.values():
            self._grid.removeWidget(box)
            box.hide()
        for index, name in enumerate(self._shown):
            self._grid.addWidget(self._boxes[name], *divmod(index, self._columns))
            self._boxes[name].show()
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < self._columns else 0)
        self.updateGeometry()

    def _height(self) -> int:
        rows = math.ceil(len(self._shown) / self._columns) if self._shown else 0
        return rows * self._entry_size().height()

    def sizeHint(self) -> QSize:
        entry = self._entry_size()
        columns = max(1, min(len(self._shown), 5))
        return QSize(columns * (entry.width() + self._grid.horizontalSpacing()), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._entry_size().width(), self._height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._shown and self._columns_for(event.size().width()) != self._columns:
            self._relayout()


class BicPlot(QWidget):
    """The criterion against K, one line per model, with the degenerate and best markers and the key.

    `plot`: the DockPlot; `curves`: model name -> its PlotDataItem (empty when it has no candidate);
    `degenerate_markers`, `best_marker`: scatter items; `key`: the ModelKey under the plot.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("BIC", "components K", height=190)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for model in MODELS.values():
            style = STYLES[model.name]
            self.curves[model.name] = self.plot.plot(
                [],
                [],
                pen=style.pen(),
                symbol=style.symbol,
                symbolSize=SYMBOL_SIZE,
                symbolPen=pg.mkPen(style.colour),
                symbolBrush=style.colour,
                name=model.mclust,
            )
        self.degenerate_markers = pg.ScatterPlotItem(symbol="o", size=9, pen=DEGENERATE_PEN, brush=None)
        self.best_marker = pg.ScatterPlotItem(symbol="s", size=15, pen=BEST_PEN, brush=None)
        self.plot.addItem(self.degenerate_markers)
        self.plot.addItem(self.best_marker)
        self.key = ModelKey()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.key)

    def draw(self, candidates: tuple[Candidate, ...], best: Candidate | None, criterion: str) -> None:
        """Draw `candidates` scored by `criterion`; `best` gets the square."""
        self.plot.getPlotItem().setLabel("left", f"{criterion.upper()} (lower is better)")
        drawn: dict[str, str] = {}
        for name, curve in self.curves.items():
            own = [c for c in candidates if c.covariance_type == name]
            ks = np.array([c.n_components for c in own], dtype=float)
            # degenerate fits break the line (NaN) and are drawn by the red markers instead
            values = np.array([math.nan if c.degenerate else c.criterion(criterion) for c in own], dtype=float)
            values[~np.isfinite(values)] = math.nan
            curve.setData(ks, values, connect="finite")
            if own:
                drawn[name] = _line_name(own)
        self.key.show_models(drawn, drawn)
        finite = [c for c in candidates if math.isfinite(c.criterion(criterion))]
        bad = [c for c in finite if c.degenerate]
        good = [c.criterion(criterion) for c in finite if not c.degenerate]
        ys, symbols = degenerate_positions([c.criterion(criterion) for c in bad], good)
        self.degenerate_markers.setData([c.n_components for c in bad], ys, symbol=symbols)
        if good:
            self.plot.setYRange(*scale_range(good), padding=0.05)
        else:
            self.plot.enableAutoRange(y=True)
        if best is None:
            self.best_marker.setData([], [])
        else:
            self.best_marker.setData([best.n_components], [best.criterion(criterion)])


def _line_name(own: list[Candidate]) -> str:
    """mclust's name of a model's line: its name at K >= 2 (E or V in one dimension), so the key does
    not call the line XXX after its K = 1 point."""
    fitted = [c.result for c in own if c.result is not None]
    d = fitted[0].mixture.n_dims if fitted else 2
    return MODELS[own[0].covariance_type].mclust_name(2, d)
