"""Paint data on the main plot by hand, like Orange's Paint Data widget: spray points, or erase them.

The tool watches the plot's viewport through an event filter, so the plot itself knows nothing of
painting. While the tool is enabled, a left press inside the plot area starts a stroke and the press,
the moves and the release are consumed (the view does not pan); the wheel, the middle and right
buttons and hovering still reach the plot. While it is disabled, every event passes untouched.

Each press and each move is one stamp of the brush. Stamps are collected and pushed as an undoable
`PaintCommand` at most ~30 times a second (`Throttle`), because every push replaces the state's data
and everything listening redraws; the commands of one stroke merge, so one drag is one undo step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPen, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QGraphicsEllipseItem
from shiboken6 import isValid

from gmm_desktop.core.paint import Brush, PaintedData, spray
from gmm_desktop.gui.plot.layers import Z_HANDLES
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.throttle import Throttle
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.workspace import Workspace

PAINTED = "painted"
"""`Dataset.origin` of painted data."""

_PAINT_ID = 0x7061  # any constant other than -1; QUndoStack merges only commands of equal id
_STROKES = itertools.count(1)
_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)
_OUTLINE_RGBA = (20, 20, 20, 200)


def paint_base(workspace: Workspace) -> tuple[PaintedData, tuple[str, str]]:
    """What a stroke paints onto: the shown points and their column names. Painting adds to what is
    shown, which is all of the data only when it is 2-D; ValueError (a message for the user) else."""
    data = workspace.data
    if data is None:
        return PaintedData.empty(), ("x", "y")
    if data.n_dims != 2:
        raise ValueError(
            f"Painting adds points in two coordinates, but the current data has {data.n_dims}: "
            "clear it or load 2-D data to paint."
        )
    shown = workspace.view.shown
    columns = tuple(data.columns[i] for i in shown) if len(data.columns) == 2 else ("x", "y")
    return PaintedData.from_arrays(workspace.shown_points(), data.labels), columns


def painted_dataset(painted: PaintedData, columns: tuple[str, str] = ("x", "y")) -> Dataset:
    return Dataset(painted.points, PAINTED, columns=columns, labels=painted.labels_or_none())


class PaintCommand(QUndoCommand):
    """Replace the data by painted data (or None, to clear it); undo puts the old data back, shown
    as it was. Commands of the same `stroke` merge into one undo step; `stroke=None` never merges.
    """

    def __init__(self, state: AppState, new: Dataset | None, text: str, stroke: int | None = None, parent=None) -> None:
        super().__init__(text, parent)
        self._state = state
        self.old, self.old_shown = state.data, state.view.shown
        self.new = new
        self.stroke = stroke

    def redo(self) -> None:
        self._state.set_data(self.new)

    def undo(self) -> None:
        self._state.set_data(self.old, self.old_shown)

    def id(self) -> int:
        return -1 if self.stroke is None else _PAINT_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, PaintCommand) or other.stroke != self.stroke:
            return False
        self.new = other.new
        return True


@dataclass(eq=False)
class _Stroke:
    """One press-drag-release: the brush it started with, the painted data so far, and sprayed
    points not yet pushed (concatenated once per push, not once per stamp)."""

    brush: Brush
    painted: PaintedData
    columns: tuple[str, str]
    number: int = field(default_factory=lambda: next(_STROKES))
    pending: list[np.ndarray] = field(default_factory=list)
    changed: bool = False

    def text(self) -> str:
        """The undo step's name: what the stroke did."""
        if self.brush.mode == "erase":
            return "Erase points"
        return "Paint points" if self.brush.label is None else f"Paint points of class {self.brush.label}"

    def take(self) -> Dataset:
        """The painted data with the pending points added, as the dataset to push."""
        if self.pending:
            self.painted = self.painted.append(np.concatenate(self.pending), self.brush.label)
            self.pending = []
        self.changed = False
        return painted_dataset(self.painted, self.columns)


class PaintTool(QObject):
    """Spray or erase points on `plot`, as undoable edits of `state`'s data on `undo_stack`.

    Signals: refused(message) when a stroke cannot start (data that is not 2-D);
    enabled_changed(bool) when painting is switched on or off.
    """

    refused = Signal(str)
    enabled_changed = Signal(bool)

    def __init__(
        self, plot: MixturePlot, state: AppState, undo_stack: QUndoStack, seed: int | None = None, parent=None
    ) -> None:
        """`seed` makes the sprayed points reproducible (tests); by default they are fresh each run."""
        super().__init__(parent if parent is not None else plot)
        self.plot = plot
        self.state = state
        self.undo_stack = undo_stack
        self._enabled = False
        self._pressed = False
        self._stroke: _Stroke | None = None
        self._rng = np.random.default_rng(seed)
        self._pusher = Throttle(self._push, parent=self)
        self._outline = self._make_outline()
        plot.viewport().installEventFilter(self)
        state.settings_changed.connect(self._on_settings_changed)

    # ---------------------------------------------------------------- public
    def is_enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Switch painting on or off; switching off mid-stroke ends the stroke with what it painted."""
        if enabled == self._enabled:
            return
        if not enabled:
            self._end_stroke()
            self._hide_outline()
            self.plot.viewport().unsetCursor()
        else:
            self.plot.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self._enabled = enabled
        self.enabled_changed.emit(enabled)

    @property
    def brush(self) -> Brush:
        """The workspace's brush (the paint panel edits it)."""
        return self.state.settings.brush

    def set_brush(self, brush: Brush) -> None:
        """Takes effect at the next stroke (a stroke keeps the brush it started with)."""
        self.state.set_settings("brush", brush)

    def _on_settings_changed(self, kind: str) -> None:
        if kind == "brush" and isValid(self._outline) and self._outline.isVisible():
            self._place_outline(self._outline.rect().center().x(), self._outline.rect().center().y())

    def is_painting(self) -> bool:
        """True during a stroke (the window should not re-frame the view then)."""
        return self._stroke is not None

    def can_clear(self) -> bool:
        data = self.state.data
        return data is not None and data.origin == PAINTED

    def clear(self) -> bool:
        """Remove the painted points as one undo step; False (nothing done) when the data is not painted."""
        if not self.can_clear():
            return False
        self._end_stroke()
        self.undo_stack.push(PaintCommand(self.state, None, "Clear painted points"))
        return True

    # ---------------------------------------------------------------- mouse
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._enabled or getattr(self.plot, "closed", False):
            return False  # closed: pyqtgraph has deleted the plot's items, the outline included
        kind = event.type()
        if kind in _PRESSES and event.button() == Qt.MouseButton.LeftButton:
            return self._on_press(event)
        if kind == QEvent.Type.MouseMove:
            return self._on_move(event)
        if kind == QEvent.Type.MouseButtonRelease and event.button() == Qt.MouseButton.LeftButton and self._pressed:
            self._pressed = False
            self._end_stroke()
            return True
        if kind == QEvent.Type.Leave:
            self._hide_outline()
        return False

    def _on_press(self, event: QMouseEvent) -> bool:
        position = self._data_position(event)
        if position is None:
            return False  # on an axis or the colour bar: theirs
        self._pressed = True
        try:
            painted, columns = paint_base(self.state.workspace)
        except ValueError as exc:
            self.refused.emit(str(exc))
            return True
        self._stroke = _Stroke(self.brush, painted, columns)
        self._stamp(*position)
        return True

    def _on_move(self, event: QMouseEvent) -> bool:
        position = self._data_position(event)
        if position is None:
            self._hide_outline()
        else:
            self._place_outline(*position)
        if self._stroke is not None and position is not None:
            self._stamp(*position)
        return self._pressed

    def _data_position(self, event: QMouseEvent) -> tuple[float, float] | None:
        """The data coordinates under the cursor, or None outside the plot area."""
        view_box = self.plot.plot_item.getViewBox()
        scene = self.plot.mapToScene(QPoint(round(event.position().x()), round(event.position().y())))
        if not view_box.sceneBoundingRect().contains(scene):
            return None
        point = view_box.mapSceneToView(scene)
        return point.x(), point.y()

    # ---------------------------------------------------------------- strokes
    def _stamp(self, x: float, y: float) -> None:
        stroke = self._stroke
        brush = stroke.brush
        if brush.mode == "spray":
            stroke.pending.append(spray((x, y), brush.radius, brush.points, self._rng))
            stroke.changed = True
        else:
            erased = stroke.painted.erase((x, y), brush.radius)
            stroke.changed |= erased is not stroke.painted
            stroke.painted = erased
        self._pusher.request()

    def _push(self) -> None:
        stroke = self._stroke
        if stroke is not None and stroke.changed:
            self.undo_stack.push(PaintCommand(self.state, stroke.take(), stroke.text(), stroke.number))

    def _end_stroke(self) -> None:
        self._pusher.flush()
        self._stroke = None
        self._pressed = False

    # ---------------------------------------------------------------- brush outline
    def _make_outline(self) -> QGraphicsEllipseItem:
        """A circle under the cursor showing where the brush reaches (hidden while disabled)."""
        outline = QGraphicsEllipseItem()
        pen = QPen(QColor(*_OUTLINE_RGBA), 1.2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        outline.setPen(pen)
        outline.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        outline.setZValue(Z_HANDLES + 0.5)
        outline.hide()
        self.plot.plot_item.addItem(outline, ignoreBounds=True)
        return outline

    def _hide_outline(self) -> None:
        if isValid(self._outline):  # not after the plot's close() deleted its items
            self._outline.hide()

    def _place_outline(self, x: float, y: float) -> None:
        r = self.brush.radius
        self._outline.setRect(QRectF(x - r, y - r, 2 * r, 2 * r))
        self._outline.show()
