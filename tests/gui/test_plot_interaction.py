"""What the mouse does on the plot: the P(i|x) readout on hover and click, and dragging a target mean.

Mouse events go through the window system (QTest's QWindow overloads) at the pixel of a data point,
as a user's would: the QWidget overloads warn that the press is "not accepted" (a failure under the
harness), and hand-made QMouseEvents sent to the viewport confuse QGraphicsView's drag positions.
pyqtgraph drops moves closer than 10 ms apart, so moves are spaced as a hand spaces them (helpers.hand_pause).
"""

import numpy as np
import pytest
from helpers import hand_pause
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from gmm_desktop.core.em import EMSettings, em_steps
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.plot.palette import component_hex
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import FitState

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


def pixel(plot: MixturePlot, x: float, y: float) -> QPoint:
    """Position in the plot's window of the data point (x, y)."""
    scene = plot.plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    return plot.viewport().mapTo(plot.window(), plot.mapFromScene(scene))


def move(plot: MixturePlot, at: QPoint) -> None:
    QTest.mouseMove(plot.windowHandle(), at)


def press(plot: MixturePlot, at: QPoint) -> None:
    QTest.mousePress(plot.windowHandle(), LEFT, NO_KEYS, at)


def release(plot: MixturePlot, at: QPoint) -> None:
    QTest.mouseRelease(plot.windowHandle(), LEFT, NO_KEYS, at)


def fitted(n_components: int = 2) -> tuple[np.ndarray, FitState]:
    X = article_demo().sample(1500, 11)[0]
    step = list(em_steps(X, EMSettings(n_components=n_components, seed=0)))[-1]
    return X, FitState(step, ())


# ---------------------------------------------------------------------------------------------- probe
def test_probe_is_the_fit_responsibilities(plot):
    X, fit = fitted(3)
    plot.state.set_target(article_demo())
    plot.state.set_data(Dataset(X, "exact"))
    plot.state.set_fit(fit)
    for x, y in [(0.0, 0.0), (-1.0, -1.0), (2.5, 3.0)]:
        np.testing.assert_allclose(plot.probe(x, y), fit.mixture.responsibilities(np.array([[x, y]]))[0])
    assert len(plot.probe(0.0, 0.0)) == 3


def test_probe_uses_the_target_without_a_fit(plot):
    np.testing.assert_allclose(plot.probe(0.0, 0.0), article_demo().responsibilities(np.zeros((1, 2)))[0])
    target = preset("well separated")
    plot.state.set_target(target)
    np.testing.assert_allclose(plot.probe(0.5, 0.5), target.responsibilities(np.array([[0.5, 0.5]]))[0])


def test_hover_shows_the_readout_and_emits_probed(plot, qtbot):
    target = article_demo()
    plot.state.set_target(target)
    plot.flush()
    with qtbot.waitSignal(plot.probed) as probed:
        move(plot, pixel(plot, 0.5, 1.0))
    x, y, probabilities = probed.args[0]
    assert (x, y) == pytest.approx((0.5, 1.0), abs=0.03)  # one pixel is ~0.015 data units
    np.testing.assert_allclose(probabilities, target.responsibilities(np.array([[x, y]]))[0])
    assert plot.readout.text.isVisible()
    html = plot.readout.html()
    assert f"P(1|x)={probabilities[0]:.2f}" in html and f"P(2|x)={probabilities[1]:.2f}" in html
    assert component_hex(1) in html and "target" in html
    plot.state.set_layer_visible("readout", False)
    assert not plot.readout.text.isVisible()


def test_click_emits_probed(plot, qtbot):
    plot.state.set_target(article_demo())
    plot.flush()
    at = pixel(plot, -1.0, -1.0)
    with qtbot.waitSignal(plot.probed) as probed:
        press(plot, at)
        release(plot, at)
    assert probed.args[0][2][0] > 0.99


def test_leaving_the_plot_area_hides_the_readout(plot, qtbot):
    plot.state.set_target(article_demo())
    plot.flush()
    move(plot, pixel(plot, 0.0, 0.0))
    assert plot.readout.text.isVisible()
    hand_pause(qtbot)
    move(plot, QPoint(2, 2))  # over the axis corner, outside the view box
    assert not plot.readout.text.isVisible()


# ---------------------------------------------------------------------------------------------- drag
def drag(plot, qtbot, path: list[tuple[float, float]], during=None) -> None:
    """Press at path[0], move through path[1:] (calling during(i) after move i), release at the end."""
    move(plot, pixel(plot, *path[0]))
    press(plot, pixel(plot, *path[0]))
    for i, point in enumerate(path[1:], start=1):
        hand_pause(qtbot)
        move(plot, pixel(plot, *point))
        if during is not None:
            during(i)
    hand_pause(qtbot)
    release(plot, pixel(plot, *path[-1]))


def test_dragging_a_target_mean_emits_live_and_finished_positions(plot, qtbot):
    target = article_demo()
    plot.state.set_target(target)
    plot.flush()
    emitted = []
    plot.mean_dragged.connect(lambda k, xy, finished: emitted.append((k, xy, finished)))
    path = [(1.0, 2.0), (1.2, 2.1), (1.5, 2.2), (1.8, 2.4)]
    drag(plot, qtbot, path)
    assert emitted, "no drag reported"
    assert all(k == 1 for k, _, _ in emitted)
    live = [xy for _, xy, finished in emitted if not finished]
    assert len(live) >= 2
    assert [finished for _, _, finished in emitted].count(True) == 1 and emitted[-1][2]
    assert emitted[-1][1] == pytest.approx(path[-1], abs=0.03)
    assert live[-1] == pytest.approx(path[-1], abs=0.03)
    assert not plot.is_dragging()
    # The plot reports; it does not edit: the target (and, after a redraw, the handle) stays.
    plot.state.set_target(target)
    plot.flush()
    np.testing.assert_allclose(plot.handles.positions(), target.means)


def test_set_target_during_a_drag_does_not_break_it(plot, qtbot):
    target = article_demo()
    plot.state.set_target(target)
    plot.flush()
    emitted = []
    plot.mean_dragged.connect(lambda k, xy, finished: emitted.append((k, xy, finished)))
    seen_dragging = []

    def window_updates_target(i: int) -> None:
        # What the window does with a live drag: the target follows, the plot is told at once.
        if emitted:
            _, (x, y), _ = emitted[-1]
            plot.state.set_target(target.with_component(0, target.weights[0], np.array([x, y]), target.covariances[0]))
            plot.flush()
            seen_dragging.append(plot.is_dragging())

    path = [(-1.0, -1.0), (-1.2, -0.9), (-1.4, -0.8), (-1.6, -0.7), (-1.9, -0.5)]
    drag(plot, qtbot, path, during=window_updates_target)
    assert seen_dragging and all(seen_dragging)
    assert emitted[-1][2] and emitted[-1][1] == pytest.approx(path[-1], abs=0.03)
    live = [xy for k, xy, finished in emitted if not finished and k == 0]
    assert live[-1] == pytest.approx(path[-1], abs=0.03)
    # The other mean never moved; the dragged handle ended where the cursor let go.
    np.testing.assert_allclose(plot.handles.positions()[1], target.means[1])
    assert plot.handles.positions()[0] == pytest.approx(path[-1], abs=0.03)


def test_dragging_empty_space_pans_without_reporting(plot, qtbot):
    plot.state.set_target(article_demo())
    plot.flush()
    emitted = []
    plot.mean_dragged.connect(lambda *args: emitted.append(args))
    drag(plot, qtbot, [(4.0, -3.0), (4.3, -3.0), (4.6, -3.0)])
    assert emitted == []
