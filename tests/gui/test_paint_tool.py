"""Painting on the real plot: strokes of the mouse become undoable painted data.

Mouse events go through the window system at the pixel of a data point (QTest's QWindow overloads),
as in test_plot_interaction: the QWidget overloads warn that a press is "not accepted", which fails
under the harness. Moves are spaced as a hand spaces them (helpers.hand_pause), so pyqtgraph, which drops
moves less than 10 ms apart, gets every one.
"""

import time
from collections.abc import Iterator

import numpy as np
import pytest
from helpers import MOUSE_60HZ_MS, click, hand_pause
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.paint import NO_CLASS, Brush
from gmm_desktop.gui.panels.paint_panel import PaintPanel
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.plot.paint_tool import PaintTool
from gmm_desktop.workspace.data import Dataset

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier
PIXEL = 0.03
"""Two pixels in data units (the demo's framing is ~0.015 a pixel): a stamp lands at the pixel under the
cursor, not exactly at the data point the test aimed at."""
STROKE = [(-1.0, -1.0), (-0.5, -0.8), (0.0, -0.6), (0.5, -0.4), (1.0, -0.2)]


def pixel(plot: MixturePlot, x: float, y: float) -> QPoint:
    """Position in the plot's window of the data point (x, y)."""
    scene = plot.plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    return plot.viewport().mapTo(plot.window(), plot.mapFromScene(scene))


def handle(plot: MixturePlot):
    """The window the plot is in (the plot itself in most tests, the main window in one)."""
    return plot.window().windowHandle()


def wait_layout(qtbot, plot: MixturePlot, timeout: int = 5000) -> None:
    """Wait until the plot's layout has settled: no layout request pending and the view box at the same
    place in the window, with the same range, on two turns of the event loop in a row (an axis measures
    its tick labels when it paints, and a wider axis moves the view box). Mouse positions and view
    ranges are read only then."""
    view_box = plot.plot_item.getViewBox()
    last = []

    def settled() -> bool:
        now = (plot.mapTo(plot.window(), QPoint(0, 0)), plot.size(), view_box.sceneBoundingRect(), view_box.viewRange())
        idle = plot.ci.layout.isActivated() and plot.plot_item.layout.isActivated()
        stable = idle and last == [now]
        last[:] = [now]
        return stable

    qtbot.waitUntil(settled, timeout=timeout)


def settle(plot: MixturePlot, qtbot) -> None:
    """Draw what is pending and let the layout follow (new axis names change the view's width)."""
    plot.flush()
    wait_layout(qtbot, plot)


def three_d(n: int) -> np.ndarray:
    """(n, 3) points whose first two coordinates span [-3, 3]², so the stroke is inside the framed view."""
    corners = np.array([[-3.0, -3.0], [3.0, 3.0], [-3.0, 3.0], [3.0, -3.0]])
    return np.column_stack([corners[np.arange(n) % 4], np.arange(n, dtype=float)])


def drag(plot: MixturePlot, qtbot, path: list[tuple[float, float]]) -> None:
    """Hover at path[0], press there, move through path[1:], release at the last point; pending
    redraws first, since the plot frames file data when it draws it."""
    settle(plot, qtbot)
    QTest.mouseMove(handle(plot), pixel(plot, *path[0]))
    QTest.mousePress(handle(plot), LEFT, NO_KEYS, pixel(plot, *path[0]))
    for point in path[1:]:
        hand_pause(qtbot)
        QTest.mouseMove(handle(plot), pixel(plot, *point))
    hand_pause(qtbot)
    QTest.mouseRelease(handle(plot), LEFT, NO_KEYS, pixel(plot, *path[-1]))


def nearest_centre(points: np.ndarray, centres: list[tuple[float, float]]) -> np.ndarray:
    """(N,) distance of each point to the closest stamp centre."""
    offsets = points[:, None, :] - np.asarray(centres)[None, :, :]
    return np.sqrt((offsets**2).sum(axis=2)).min(axis=1)


@pytest.fixture
def state(plot):
    """The state the plot shows (the plot fixture makes it and joins its jobs)."""
    return plot.state


@pytest.fixture
def tool(plot, state, qtbot) -> Iterator[PaintTool]:
    """An enabled tool on the shown plot and its state."""
    tool = PaintTool(plot, state, QUndoStack(plot), seed=0)
    tool.set_brush(Brush(radius=0.3, points=10))
    tool.set_enabled(True)
    wait_layout(qtbot, plot)  # the axes' widths settle before tests compare view ranges
    yield tool
    tool.set_enabled(False)


# ---------------------------------------------------------------------------------------------- spray
def test_a_drag_sprays_points_per_stamp_around_the_stroke(tool, plot, state, qtbot):
    drag(plot, qtbot, STROKE)
    data = state.data
    assert data.origin == "painted" and data.columns == ("x", "y") and data.labels is None
    assert data.n_points == len(STROKE) * 10  # the press and each move are one stamp each
    assert np.all(nearest_centre(data.points, STROKE) <= 0.3 + PIXEL)
    assert tool.undo_stack.count() == 1 and tool.undo_stack.undoText() == "Paint points"
    plot.flush()
    assert plot.cloud.drawn_as == "scatter"


def test_one_drag_is_one_undo_step_and_redo_restores_it_bit_for_bit(tool, plot, state, qtbot):
    state.sample_exact(200, 0)
    exact = state.data
    drag(plot, qtbot, STROKE)
    painted = state.data
    assert painted.n_points == 200 + len(STROKE) * 10
    assert painted.points[:200].tobytes() == exact.points.tobytes()  # painting adds to what is shown
    np.testing.assert_array_equal(painted.labels[:200], exact.labels)
    assert np.all(painted.labels[200:] == NO_CLASS)
    drag(plot, qtbot, [(2.0, 2.0), (2.2, 2.2)])
    assert tool.undo_stack.count() == 2
    tool.undo_stack.undo()
    assert state.data is painted
    tool.undo_stack.undo()
    assert state.data is exact
    tool.undo_stack.redo()
    assert state.data.points.tobytes() == painted.points.tobytes()


def test_a_fast_drag_replaces_the_data_at_most_30_times_a_second(tool, plot, state, qtbot):
    pushes = []
    state.data_changed.connect(pushes.append)
    path = [(-2.0 + 0.05 * i, 0.0) for i in range(40)]
    started = time.monotonic()
    QTest.mouseMove(handle(plot), pixel(plot, *path[0]))
    QTest.mousePress(handle(plot), LEFT, NO_KEYS, pixel(plot, *path[0]))
    for point in path[1:]:
        hand_pause(qtbot, MOUSE_60HZ_MS)  # the time between moves is what the 30 Hz limit is measured against
        QTest.mouseMove(handle(plot), pixel(plot, *point))
    QTest.mouseRelease(handle(plot), LEFT, NO_KEYS, pixel(plot, *path[-1]))
    elapsed = time.monotonic() - started
    assert state.data.n_points == len(path) * 10
    assert 2 <= len(pushes) <= elapsed * 30 + 2  # live, but coalesced
    assert tool.undo_stack.count() == 1


def test_painting_does_not_pan_the_view(tool, plot, state, qtbot):
    before = plot.plot_item.getViewBox().viewRange()
    drag(plot, qtbot, STROKE)
    assert plot.plot_item.getViewBox().viewRange() == before


def test_classes_become_labels(tool, plot, state, qtbot):
    tool.set_brush(Brush(radius=0.3, points=5, label=3))
    drag(plot, qtbot, STROKE[:2])
    np.testing.assert_array_equal(state.data.labels, [3] * 10)
    assert tool.undo_stack.undoText() == "Paint points of class 3"
    tool.set_brush(Brush(radius=0.3, points=5, label=None))
    drag(plot, qtbot, STROKE[3:])
    np.testing.assert_array_equal(state.data.labels, [3] * 10 + [NO_CLASS] * 10)


def test_the_brush_circle_follows_the_cursor_while_painting_is_on(tool, plot, qtbot):
    QTest.mouseMove(handle(plot), pixel(plot, 1.0, 2.0))
    outline = tool._outline
    assert outline.isVisible()
    centre, rect = outline.rect().center(), outline.rect()
    assert (centre.x(), centre.y()) == pytest.approx((1.0, 2.0), abs=PIXEL)
    assert rect.width() == pytest.approx(0.6)
    tool.set_enabled(False)
    assert not outline.isVisible()


# ---------------------------------------------------------------------------------------------- erase
def test_erase_removes_the_points_near_the_cursor(tool, plot, state, qtbot):
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 41), np.linspace(-2, 2, 41)), axis=-1).reshape(-1, 2)
    state.set_data(Dataset(grid, "file", columns=("a", "b")))
    tool.set_brush(Brush(radius=0.5, mode="erase"))
    drag(plot, qtbot, [(0.0, 0.0)])
    data = state.data
    assert data.origin == "painted" and data.columns == ("a", "b")
    distance = np.hypot(*grid.T)
    kept = nearest_centre(data.points, [(0.0, 0.0)])
    assert kept.min() > 0.5 - PIXEL
    assert data.n_points >= np.sum(distance > 0.5 + PIXEL)
    assert data.n_points < len(grid)
    assert tool.undo_stack.undoText() == "Erase points"


def test_erasing_nothing_is_no_undo_step(tool, plot, state, qtbot):
    state.set_data(Dataset(np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]), "file"))
    tool.set_brush(Brush(radius=0.2, mode="erase"))
    drag(plot, qtbot, [(0.5, 0.0), (0.5, 0.3)])
    assert state.data.origin == "file" and tool.undo_stack.count() == 0


# ---------------------------------------------------------------------------------------------- off and refused
def test_a_disabled_tool_lets_a_drag_pan_the_view(tool, plot, state, qtbot):
    tool.set_enabled(False)
    state.set_layer_visible("means", False)  # the stroke starts on a target mean, whose handle would take it
    view_box = plot.plot_item.getViewBox()
    before = view_box.viewRect().center()
    drag(plot, qtbot, STROKE)  # 2 units to the right: the view follows the hand
    assert view_box.viewRect().center().x() - before.x() < -1.0
    assert state.data is None and tool.undo_stack.count() == 0


def test_data_of_three_dimensions_is_refused_with_a_message(tool, plot, state, qtbot):
    data = Dataset(three_d(10), "file", columns=("a", "b", "c"))
    state.set_data(data)
    settle(plot, qtbot)
    before = plot.plot_item.getViewBox().viewRange()
    with qtbot.waitSignal(tool.refused) as refused:
        drag(plot, qtbot, STROKE[:2])
    assert "two coordinates" in refused.args[0] and "has 3" in refused.args[0]
    assert state.data is data and tool.undo_stack.count() == 0
    assert plot.plot_item.getViewBox().viewRange() == before


def test_painted_data_can_be_fitted(tool, plot, state, qtbot):
    tool.set_brush(Brush(radius=0.3, points=40))
    drag(plot, qtbot, [(-1.5, -1.5), (-1.4, -1.5)])
    drag(plot, qtbot, [(1.5, 1.5), (1.6, 1.5)])
    state.start_fit(EMSettings(n_components=2, seed=0))
    qtbot.waitUntil(lambda: state.fit is not None and state.fit.result is not None, timeout=20_000)
    means = state.fit.mixture.means[np.argsort(state.fit.mixture.means[:, 0])]
    np.testing.assert_allclose(means, [[-1.45, -1.5], [1.55, 1.5]], atol=0.15)


# ---------------------------------------------------------------------------------------------- panel
@pytest.fixture
def panel(tool, qtbot) -> PaintPanel:
    """The panel on the tool, shown; qtbot deletes it before the plot fixture disposes the plot (the
    `shown` fixture's dispose would flush the plot's pending deletion first)."""
    tool.set_enabled(False)
    widget = PaintPanel(tool)
    qtbot.addWidget(widget)
    widget.resize(380, 300)
    widget.show()
    return widget


def test_the_panel_sets_the_brush_and_switches_painting(panel, tool, qtbot):
    assert not tool.is_enabled() and not panel.paint_button.isChecked()
    click(qtbot, panel.paint_button)
    assert tool.is_enabled()
    panel.radius_spin.setValue(1.25)
    panel.points_spin.setValue(7)
    panel.no_class_check.setChecked(False)
    panel.class_spin.setValue(4)
    assert tool.brush == Brush(radius=1.25, points=7, label=4, mode="spray")
    panel.erase_radio.setChecked(True)
    assert tool.brush.mode == "erase" and not panel.points_spin.isEnabled()
    assert "erase" in panel.hint.text()
    tool.set_enabled(False)  # e.g. from a menu of the window
    assert not panel.paint_button.isChecked()


def test_the_panel_clears_painted_points_undoably(panel, tool, plot, state, qtbot):
    assert not panel.clear_button.isEnabled()
    click(qtbot, panel.paint_button)
    drag(plot, qtbot, STROKE[:2])
    painted = state.data
    click(qtbot, panel.clear_button)
    assert state.data is None and not panel.clear_button.isEnabled()
    tool.undo_stack.undo()
    assert state.data is painted and panel.clear_button.isEnabled()


def test_the_panel_shows_a_refusal(panel, tool, plot, state, qtbot):
    state.set_data(Dataset(three_d(4), "file"))
    click(qtbot, panel.paint_button)
    drag(plot, qtbot, STROKE[:1])
    assert panel.message.is_error and "has 3" in panel.message.text()
    state.set_data(None)
    assert not panel.message.isVisible()


def test_the_tool_paints_in_the_main_window(main_window, qtbot):
    window = main_window
    tool = window.paint_tool
    window.actions.named["paint"].trigger()  # Run > Paint Data
    assert tool.is_enabled() and window.paint_panel.paint_button.isChecked()
    wait_layout(qtbot, window.plot)  # the paint dock has opened: the plot's place and size settle
    drag(window.plot, qtbot, STROKE[:3])
    assert window.state.data.origin == "painted"
    assert window.state.data.n_points == 3 * tool.brush.points
    assert window.isWindowModified()
    window.plot.flush()
    assert window.plot.cloud.drawn_as == "scatter"
    window.actions.named["stop"].trigger()  # Esc leaves paint mode
    assert not tool.is_enabled() and not window.actions.named["paint"].isChecked()
    window.undo_stack.undo()
    assert window.state.data is None
