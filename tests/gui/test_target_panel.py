"""The Target panel driven as a user drives it: type in cells, click Add / Remove, press Delete,
pick a preset, drag a mean; every change is one undo step and undo restores the exact target."""

import numpy as np
import pytest
from helpers import cell
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLineEdit

from gmm_desktop.core.mixture import PRESETS, Mixture, article_demo
from gmm_desktop.gui.models.target_model import COLUMNS, CORRELATION, MEAN_X, STD_X, STD_Y, WEIGHT
from gmm_desktop.gui.panels.target_panel import TargetPanel
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import same_mixture


@pytest.fixture
def panel(state, shown):
    # `shown` deletes it at teardown, not at the session's end: conftest's final sweep trips over the
    # combo's popup (a top-level child window) once its owner has been deleted before it.
    return shown(TargetPanel(state, QUndoStack()), height=400)


def type_into_cell(qtbot, panel: TargetPanel, row: int, column: int, text: str) -> None:
    """Open the cell's editor as F2 would, type over the selected old value, press Enter."""
    index = panel.model.index(row, column)
    panel.view.setCurrentIndex(index)
    panel.view.edit(index)
    editor = panel.view.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    assert editor.selectedText() == editor.text()  # the old value, full precision, selected
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits and closes by a queued call, on the next turn of the event loop.
    qtbot.waitUntil(lambda: panel.view.indexWidget(index) is None)


def table_parameters(mixture: Mixture) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return mixture.weights.copy(), mixture.means.copy(), mixture.stds().copy(), mixture.correlations().copy()


def assert_same(a: Mixture, b: Mixture) -> None:
    assert same_mixture(a, b), (a.to_dict(), b.to_dict())


# ---------------------------------------------------------------------- showing
def test_table_shows_the_article_demo(panel):
    model = panel.model
    assert (model.rowCount(), model.columnCount()) == (2, 6)
    assert [cell(panel.model, 1, c) for c in range(6)] == ["0.6201", "1", "2", "1.5", "0.8", "0.5"]
    assert cell(panel.model, 0, WEIGHT) == "0.3799"  # normalised: 0.6 / 29 * ... of the article's raw weights
    assert cell(panel.model, 0, CORRELATION) == "-0.8"
    assert cell(model, 0, WEIGHT, Qt.ItemDataRole.EditRole) == repr(float(article_demo().weights[0]))
    assert "Article demo" in panel.name_label.text()
    assert panel.preset_combo.currentText() == "Article demo"
    assert panel.preset_combo.itemText(0) == "Article demo"
    assert "sum to 1" in panel.hint_label.text()
    assert not panel.error_label.isVisible()


def test_every_column_and_control_explains_itself(panel):
    for column in range(len(COLUMNS)):
        tip = panel.model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        assert tip and tip.endswith(".")
    for widget in (panel.add_button, panel.remove_button, panel.preset_combo, panel.view, panel.hint_label):
        assert widget.toolTip()


def test_model_passes_qt_model_tester(panel, qtmodeltester):
    qtmodeltester.check(panel.model)
    panel.editor.apply_preset("Many small clusters")
    qtmodeltester.check(panel.model)


# ---------------------------------------------------------------------- editing cells
def test_typing_a_std_sets_the_target_and_is_one_undo_step(panel, qtbot):
    original = panel.state.target
    type_into_cell(qtbot, panel, 1, STD_Y, "0.5")
    weights, means, stds, rho = table_parameters(original)
    stds[1, 1] = 0.5
    expected = Mixture.from_2d(weights, means, stds, rho)
    np.testing.assert_allclose(panel.state.target.covariances, expected.covariances, rtol=1e-12)
    np.testing.assert_array_equal(panel.state.target.covariances[0], original.covariances[0])
    assert cell(panel.model, 1, STD_Y) == "0.5"
    stack = panel.undo_stack
    assert (stack.count(), stack.undoText()) == (1, "Edit std y of component 2")
    edited = panel.state.target
    stack.undo()
    assert panel.state.target is original
    assert panel.state.target_name == "Article demo"
    assert cell(panel.model, 1, STD_Y) == "0.8"
    stack.redo()
    assert panel.state.target is edited
    assert panel.state.target_name == "Article demo (edited)"
    assert panel.preset_combo.currentIndex() == -1  # no longer a preset
    assert panel.preset_combo.placeholderText()


def test_a_weight_edit_sets_the_raw_weight_then_normalises(panel, qtbot):
    panel.editor.apply_preset("Overlapping")  # weights 0.5 / 0.5
    type_into_cell(qtbot, panel, 0, WEIGHT, "1.5")
    np.testing.assert_allclose(panel.state.target.weights, [0.75, 0.25])
    assert [cell(panel.model, r, WEIGHT) for r in range(2)] == ["0.75", "0.25"]
    type_into_cell(qtbot, panel, 1, WEIGHT, "0")  # switched off, allowed while another weighs > 0
    np.testing.assert_array_equal(panel.state.target.weights, [1.0, 0.0])


def test_a_mean_and_a_correlation_edit(panel, qtbot):
    type_into_cell(qtbot, panel, 0, MEAN_X, "2,5")  # a comma works as the decimal mark
    type_into_cell(qtbot, panel, 0, CORRELATION, "0.25")
    weights, means, stds, rho = table_parameters(article_demo())
    means[0, 0], rho[0] = 2.5, 0.25
    expected = Mixture.from_2d(weights, means, stds, rho)
    np.testing.assert_allclose(panel.state.target.means, expected.means)
    np.testing.assert_allclose(panel.state.target.covariances, expected.covariances, rtol=1e-12)
    assert panel.undo_stack.count() == 2
    panel.undo_stack.undo()
    panel.undo_stack.undo()
    assert_same(panel.state.target, article_demo())


@pytest.mark.parametrize(
    ("row", "column", "text", "message"),
    [
        (1, STD_Y, "abc", "Row 2, std y: 'abc' is not a number"),
        (1, STD_Y, "0", "Row 2, std y: must be positive"),
        (0, STD_X, "-1", "Row 1, std x: must be positive"),
        (0, CORRELATION, "1", "Row 1, correlation: must lie strictly between -1 and 1"),
        (1, CORRELATION, "-1.5", "Row 2, correlation: must lie strictly between -1 and 1"),
        (0, WEIGHT, "-0.1", "Row 1, weight: must not be negative"),
        (0, MEAN_X, "nan", "Row 1, mean x: must be a finite number"),
        (0, MEAN_X, " ", "Row 1, mean x: enter a number"),
    ],
)
def test_bad_values_are_refused_and_reported(panel, qtbot, row, column, text, message):
    original = panel.state.target
    errors = []
    panel.model.error.connect(errors.append)
    type_into_cell(qtbot, panel, row, column, text)
    assert errors == [message]
    assert panel.error_label.isVisible()
    assert panel.error_label.text() == message
    assert panel.state.target is original
    assert panel.undo_stack.count() == 0
    # The next accepted edit clears the message.
    type_into_cell(qtbot, panel, row, MEAN_X, "0.125")
    assert not panel.error_label.isVisible()


def test_all_weights_zero_is_refused(panel):
    model = panel.model
    assert model.setData(model.index(0, WEIGHT), "0")
    before = panel.state.target
    errors = []
    model.error.connect(errors.append)
    assert not model.setData(model.index(1, WEIGHT), "0")
    assert errors == ["Row 2, weight: at least one component needs a positive weight"]
    assert panel.state.target is before


def test_enter_without_a_change_adds_no_undo_step(panel, qtbot):
    index = panel.model.index(1, STD_X)
    panel.view.edit(index)
    qtbot.keyClick(panel.view.indexWidget(index), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.view.indexWidget(index) is None)
    assert panel.undo_stack.count() == 0
    assert panel.state.target_name == "Article demo"


def test_one_edit_refreshes_the_model_once(panel, qtbot):
    """Edit → command → state.set_target → one target_changed → one dataChanged: no echo."""
    announced, refreshed = [], []
    panel.state.target_changed.connect(announced.append)
    panel.model.dataChanged.connect(lambda *args: refreshed.append(args))
    type_into_cell(qtbot, panel, 0, STD_X, "2")
    assert len(announced) == 1
    assert len(refreshed) == 1


# ---------------------------------------------------------------------- add / remove / presets
def test_add_button_appends_a_component_and_selects_it(panel, qtbot):
    original = panel.state.target
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    target = panel.state.target
    assert target.n_components == 3
    np.testing.assert_allclose(target.weights[:2] / target.weights[:2].sum(), original.weights)
    assert target.weights[2] == pytest.approx(1 / 3)
    assert panel.selected_row() == 2
    assert panel.model.rowCount() == 3
    assert panel.undo_stack.undoText() == "Add component"
    assert "3 components" in panel.name_label.text()
    panel.undo_stack.undo()
    assert panel.state.target is original
    assert panel.model.rowCount() == 2


def test_remove_button_and_delete_key_remove_the_selected_component(panel, qtbot):
    panel.editor.apply_preset("Well separated")
    original = panel.state.target
    panel.select_row(0)
    assert panel.remove_button.isEnabled()
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.state.target.n_components == 2
    np.testing.assert_array_equal(panel.state.target.means, original.means[1:])
    assert panel.undo_stack.undoText() == "Remove component 1"
    panel.select_row(1)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert panel.state.target.n_components == 1
    np.testing.assert_array_equal(panel.state.target.means, original.means[1:2])
    assert panel.undo_stack.undoText() == "Remove component 2"
    # The last component stays: the button is off and Delete says why.
    assert not panel.remove_button.isEnabled()
    last = panel.state.target
    panel.select_row(0)
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert panel.state.target is last
    assert "last one cannot be removed" in panel.error_label.text()
    panel.undo_stack.undo()
    panel.undo_stack.undo()
    assert panel.state.target is original


def test_delete_in_an_open_editor_edits_text_not_rows(panel, qtbot):
    index = panel.model.index(0, MEAN_X)
    panel.view.edit(index)
    editor = panel.view.indexWidget(index)
    editor.setCursorPosition(0)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)  # "-1" → "1"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.view.indexWidget(index) is None)
    assert panel.state.target.n_components == 2
    assert panel.state.target.means[0, 0] == 1.0


def test_choosing_a_preset_replaces_the_target(panel, qtbot):
    combo = panel.preset_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # as a user would with the keyboard: activated fires
    name = list(PRESETS)[1]
    assert panel.state.target_name == name
    assert_same(panel.state.target, PRESETS[name]())
    assert panel.undo_stack.undoText() == f"Preset: {name}"
    assert panel.model.rowCount() == PRESETS[name]().n_components
    assert name in panel.name_label.text()
    panel.undo_stack.undo()
    assert panel.state.target_name == "Article demo"
    assert combo.currentText() == "Article demo"
    assert panel.model.rowCount() == 2


def test_choosing_the_current_preset_again_adds_nothing(panel):
    panel.editor.apply_preset("Article demo")
    assert panel.undo_stack.count() == 0


# ---------------------------------------------------------------------- dragging a mean
def test_a_drag_is_live_and_one_undo_step(panel):
    original = panel.state.target
    path = [(-0.8, -1.0), (-0.5, -0.7), (0.0, -0.2), (0.25, 0.5)]
    for position in path[:-1]:
        panel.editor.drag_mean(0, position, finished=False)
        np.testing.assert_array_equal(panel.state.target.means[0], position)
        assert cell(panel.model, 0, MEAN_X) == f"{position[0]:.4g}"
    panel.editor.drag_mean(0, path[-1], finished=True)
    np.testing.assert_array_equal(panel.state.target.means, [[0.25, 0.5], [1.0, 2.0]])
    np.testing.assert_array_equal(panel.state.target.covariances, original.covariances)
    stack = panel.undo_stack
    assert (stack.count(), stack.undoText()) == (1, "Move mean of component 1")
    stack.undo()
    assert panel.state.target is original
    assert panel.state.target_name == "Article demo"
    stack.redo()
    np.testing.assert_array_equal(panel.state.target.means[0], [0.25, 0.5])


def test_two_drags_of_one_component_are_two_steps(panel):
    original = panel.state.target
    panel.editor.drag_mean(1, (1.5, 2.0), finished=False)
    panel.editor.drag_mean(1, (2.0, 2.0), finished=True)
    after_first = panel.state.target
    panel.editor.drag_mean(1, (3.0, 2.0), finished=False)
    panel.editor.drag_mean(1, (3.0, 3.0), finished=True)
    assert panel.undo_stack.count() == 2
    panel.undo_stack.undo()
    assert panel.state.target is after_first
    panel.undo_stack.undo()
    assert panel.state.target is original


def test_a_drag_back_to_the_start_leaves_no_undo_step(panel):
    original = panel.state.target
    panel.editor.drag_mean(0, (0.0, 0.0), finished=False)
    panel.editor.drag_mean(0, (-1.0, -1.0), finished=True)
    assert panel.undo_stack.count() == 0
    assert_same(panel.state.target, original)
    assert panel.state.target_name == "Article demo"


# ---------------------------------------------------------------------- targets the table cannot edit
def test_a_three_dimensional_target_is_shown_read_only(shown, qtmodeltester):
    covariances = np.stack([np.eye(3), np.diag([4.0, 1.0, 9.0])])
    state = AppState(Mixture(np.array([1.0, 3.0]), np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]), covariances), "file")
    panel = shown(TargetPanel(state, QUndoStack()), height=400)
    qtmodeltester.check(panel.model)
    assert [cell(panel.model, 1, c) for c in range(6)] == ["0.75", "3", "4", "2", "1", "0"]
    assert not panel.model.flags(panel.model.index(0, MEAN_X)) & Qt.ItemFlag.ItemIsEditable
    assert not panel.model.setData(panel.model.index(0, MEAN_X), "1")
    assert "3 dimensions" in panel.error_label.text()
    assert not panel.add_button.isEnabled()
    panel.select_row(0)
    assert not panel.remove_button.isEnabled()
    panel.editor.apply_preset("Overlapping")  # a preset brings the table back
    assert panel.model.flags(panel.model.index(0, MEAN_X)) & Qt.ItemFlag.ItemIsEditable
    assert not panel.error_label.isVisible()
    assert panel.add_button.isEnabled()
    assert state.shutdown()


def test_std_columns_round_trip_the_target(panel):
    stds = panel.state.target.stds()
    shown = [[float(cell(panel.model, r, c, Qt.ItemDataRole.EditRole)) for c in (STD_X, STD_Y)] for r in range(2)]
    np.testing.assert_array_equal(shown, stds)
