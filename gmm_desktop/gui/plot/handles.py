"""The means layer: the fit's means as markers, and draggable handles at the target's means.

The plot never edits the target: a drag only reports where the user moved a mean, live while the
mouse moves (finished=False) and once more on release (finished=True); the window turns that into
an undoable edit and calls `set_target`, which repositions every handle except the one being
dragged (its position is the user's hand, and moving it under the cursor would make it jump).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal

from gmm_desktop.gui.plot.ellipses import MeanMarkers
from gmm_desktop.gui.plot.layers import Z_HANDLES, Z_MEANS, Layer, Scene
from gmm_desktop.gui.plot.palette import TARGET_RGB

HANDLE_SIZE = 15


class MeanHandles(QObject):
    """One pg.TargetItem per target component, reused; `dragged(index, (x, y), finished)`."""

    dragged = Signal(int, object, bool)

    def __init__(self, layer: Layer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.layer = layer
        self.items: list[pg.TargetItem] = []
        self._count = 0

    def _item(self, index: int) -> pg.TargetItem:
        while len(self.items) <= index:
            k = len(self.items)
            item = pg.TargetItem(
                pos=(0.0, 0.0),
                size=HANDLE_SIZE,
                symbol="crosshair",
                pen=pg.mkPen(TARGET_RGB, width=2.2),
                hoverPen=pg.mkPen((213, 94, 0), width=2.8),
                brush=pg.mkBrush(255, 255, 255, 150),
                hoverBrush=pg.mkBrush(255, 255, 255, 220),
                movable=True,
            )
            item.setToolTip(f"Mean of target component {k + 1}: drag to move it")
            item.sigPositionChanged.connect(self._on_moved)
            item.sigPositionChangeFinished.connect(self._on_finished)
            self.layer.add(item, Z_HANDLES, ignore_bounds=True)
            self.items.append(item)
        return self.items[index]

    def set_means(self, means: np.ndarray | None) -> None:
        """Put a handle on each of `means` (K, 2); None removes them. A handle being dragged stays put."""
        count = 0 if means is None else len(means)
        for k in range(count):
            item = self._item(k)
            if not item.moving:
                item.setPos(float(means[k][0]), float(means[k][1]))
            self.layer.show_content(item, True)
        for item in self.items[count:]:
            item.moving = False  # a vanished component ends its drag
            self.layer.show_content(item, False)
        self._count = count

    def positions(self) -> np.ndarray:
        """(K, 2) where the shown handles are."""
        return np.array([[item.pos().x(), item.pos().y()] for item in self.items[: self._count]]).reshape(-1, 2)

    def dragging(self) -> int | None:
        """Index of the handle being dragged, or None."""
        return next((k for k, item in enumerate(self.items[: self._count]) if item.moving), None)

    def _index(self, item: pg.TargetItem) -> int | None:
        for k, candidate in enumerate(self.items[: self._count]):
            if candidate is item:
                return k
        return None

    def _on_moved(self, item: pg.TargetItem) -> None:
        # setPos from set_means also signals; only a user's drag (item.moving) is reported.
        k = self._index(item)
        if k is not None and item.moving:
            self.dragged.emit(k, (item.pos().x(), item.pos().y()), False)

    def _on_finished(self, item: pg.TargetItem) -> None:
        k = self._index(item)
        if k is not None:
            self.dragged.emit(k, (item.pos().x(), item.pos().y()), True)


class MeansLayer(Layer):
    """ "means": the fit's means (`fit_means`) and the target's draggable handles (`handles`); the
    handles hide with the target's other layers (`set_target_hidden`)."""

    inputs = frozenset({"target", "fit", "shown"})

    def __init__(self, plot_item: pg.PlotItem, parent: QObject | None = None) -> None:
        super().__init__(plot_item)
        self.fit_means = MeanMarkers(plot_item, Z_MEANS)
        self.handles = MeanHandles(Layer(plot_item), parent)
        self._target_hidden = False

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        if changed & {"target", "shown"}:
            self.handles.set_means(None if scene.target is None else scene.target.means)
        if changed & {"fit", "shown"}:
            self.fit_means.set_means(None if scene.fit is None else scene.fit.means)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self.fit_means.set_visible(visible)
        self.handles.layer.set_visible(visible and not self._target_hidden)

    def set_target_hidden(self, hidden: bool) -> None:
        self._target_hidden = hidden
        self.set_visible(self._visible)
