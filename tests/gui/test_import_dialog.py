"""The import dialog driven as a user drives it, and the whole import flow from file to state.data."""

import numpy as np
import pytest
from helpers import cell, click, deliver_queued_events
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from gmm_desktop.core.io.tables import load_csv
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.files.import_dialog import ImportDialog
from gmm_desktop.gui.files.import_flow import ImportFlow
from gmm_desktop.gui.files.preview_model import BAD_BRUSH
from gmm_desktop.workspace.data import Dataset

TIMEOUT = 20_000


def write_csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def good_csv(tmp_path):
    """25 rows: three numeric columns, a text class and an integer id; a comment shifts the lines."""
    rows = [f"{i}.5,{2 * i},{i % 3 - 1},{'abc'[i % 3]},{100 + i % 4}" for i in range(25)]
    rows.insert(3, "# a comment line")
    return write_csv(tmp_path / "good.csv", "x,y,z,species,id", rows)


@pytest.fixture
def bad_csv(tmp_path):
    """12 rows of x, y with "abc" on line 4 and y missing on line 7."""
    rows = [f"{i},{i * 0.5}" for i in range(12)]
    rows[2] = "abc,1.0"
    rows[5] = "5,"
    return write_csv(tmp_path / "bad.csv", "x,y", rows)


@pytest.fixture
def open_dialog(app):
    """make(path): the dialog for that file, shown; every one is disposed at teardown."""
    dialogs = []

    def make(path):
        dialog = ImportDialog(load_csv(path))
        dialog.show()
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dispose(dialog)


def toggle(qtbot, dialog, name):
    """Select the column in the list and press Space, as a keyboard user does."""
    items = dialog.columns_list.findItems(name, Qt.MatchFlag.MatchExactly)
    assert len(items) == 1
    dialog.columns_list.setCurrentItem(items[0])
    qtbot.keyClick(dialog.columns_list, Qt.Key.Key_Space)


def combo_items(combo):
    return [combo.itemText(i) for i in range(combo.count())]


def choose(combo, text):
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {combo_items(combo)}"
    combo.setCurrentIndex(index)


# ---------------------------------------------------------------------------------------------- the dialog
def test_defaults_fit_every_numeric_column_and_show_the_first_two(open_dialog, good_csv):
    dialog = open_dialog(good_csv)
    assert dialog.fit_columns() == ("x", "y", "z", "id")
    assert (dialog.x_combo.currentText(), dialog.y_combo.currentText()) == ("x", "y")
    assert dialog.display() == (0, 1)
    assert combo_items(dialog.label_combo) == ["None", "species"]  # id is fitted, so not offered
    assert dialog.ok_button.isEnabled()
    assert not dialog.bad_label.isVisible() and not dialog.drop_check.isVisible()
    info = dialog.findChild(QWidget, "importInfo").text()
    assert "good.csv: 25 rows, 5 columns (4 numeric)" in info
    assert "delimiter comma" in info and "the first line is a header" in info


def test_unchecking_a_column_updates_the_axes_and_the_labels(open_dialog, good_csv, qtbot):
    dialog = open_dialog(good_csv)
    toggle(qtbot, dialog, "x")
    assert dialog.fit_columns() == ("y", "z", "id")
    assert combo_items(dialog.x_combo) == ["y", "z", "id"]
    assert (dialog.x_combo.currentText(), dialog.y_combo.currentText()) == ("y", "z")
    toggle(qtbot, dialog, "id")
    assert combo_items(dialog.label_combo) == ["None", "species", "id"]
    assert dialog.options().fit_columns == ("y", "z")


def test_picking_the_other_axis_column_swaps_them(open_dialog, good_csv):
    dialog = open_dialog(good_csv)
    choose(dialog.x_combo, "y")
    assert (dialog.x_combo.currentText(), dialog.y_combo.currentText()) == ("y", "x")
    assert dialog.display() == (1, 0)
    choose(dialog.y_combo, "z")
    assert dialog.display() == (1, 2)


def test_no_column_disables_ok_and_one_column_shows_it_on_both_axes(open_dialog, good_csv, qtbot):
    dialog = open_dialog(good_csv)
    for name in ("x", "y", "z", "id"):
        toggle(qtbot, dialog, name)
    assert dialog.fit_columns() == ()
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.isVisible() and dialog.message.text() == "Tick at least one column to fit."
    toggle(qtbot, dialog, "z")
    assert dialog.ok_button.isEnabled() and not dialog.message.isVisible()
    assert dialog.display() == (0, 0)
    assert (dialog.x_combo.currentText(), dialog.y_combo.currentText()) == ("z", "z")
    assert not dialog.x_combo.isEnabled()
    assert dialog.axes_note.isVisible()
    click(qtbot, dialog.ok_button)
    data = dialog.result_dataset()
    assert data.points.shape == (25, 1) and dialog.options().display == (0, 0)


def test_known_labels_give_ari_ready_codes(open_dialog, good_csv, qtbot):
    dialog = open_dialog(good_csv)
    choose(dialog.label_combo, "species")
    assert "3 classes in 'species'" in dialog.label_note.text()
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT):
        click(qtbot, dialog.ok_button)
    data = dialog.result_dataset()
    expected = np.unique(["abc"[i % 3] for i in range(25)], return_inverse=True)[1]
    np.testing.assert_array_equal(data.labels, expected)
    assert data.columns == ("x", "y", "z", "id")
    assert dialog.options().label_column == "species"


def test_an_integer_column_becomes_labels_once_it_is_not_fitted(open_dialog, good_csv, qtbot):
    dialog = open_dialog(good_csv)
    toggle(qtbot, dialog, "id")
    choose(dialog.label_combo, "id")
    data = dialog.result_dataset()
    np.testing.assert_array_equal(data.labels, [i % 4 for i in range(25)])
    toggle(qtbot, dialog, "id")  # fitted again: it cannot stay the labels
    assert dialog.label_column() is None


def test_bad_cells_are_listed_and_ok_waits_for_drop(open_dialog, bad_csv, qtbot):
    dialog = open_dialog(bad_csv)
    report = dialog.bad_label.text()
    assert report.startswith("2 cells are missing or not numbers in the chosen columns")
    assert "line 4 column 'x' ('abc')" in report and "line 7 column 'y' (missing)" in report
    assert dialog.drop_check.isVisible() and dialog.drop_check.text() == "Drop these 2 rows"
    assert not dialog.ok_button.isEnabled()
    assert "Drop" in dialog.message.text()
    click(qtbot, dialog.drop_check)
    assert dialog.ok_button.isEnabled()
    toggle(qtbot, dialog, "x")  # a different set of bad rows needs a new agreement
    assert dialog.bad_label.text().startswith("1 cell is missing or not a number")
    assert dialog.drop_check.text() == "Drop this row" and not dialog.drop_check.isChecked()
    assert not dialog.ok_button.isEnabled()
    click(qtbot, dialog.drop_check)
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT):
        click(qtbot, dialog.ok_button)
    data = dialog.result_dataset()
    assert data.points.shape == (11, 1) and np.isfinite(data.points).all()
    assert dialog.options().drop_bad_rows


def test_unchecking_the_bad_columns_clears_the_report(open_dialog, bad_csv, qtbot):
    dialog = open_dialog(bad_csv)
    toggle(qtbot, dialog, "y")
    toggle(qtbot, dialog, "x")
    toggle(qtbot, dialog, "y")  # y alone still has its missing cell
    assert dialog.bad_label.text().startswith("1 cell")
    toggle(qtbot, dialog, "y")
    assert not dialog.bad_label.isVisible() and not dialog.drop_check.isVisible()


def test_preview_shows_the_first_rows_by_file_line_with_bad_cells_tinted(open_dialog, good_csv, bad_csv):
    model = open_dialog(good_csv).preview_model
    assert model.rowCount() == 20
    lines = [model.headerData(r, Qt.Orientation.Vertical) for r in range(5)]
    assert lines == ["2", "3", "4", "6", "7"]  # line 1 is the header, line 5 the comment
    assert model.headerData(3, Qt.Orientation.Horizontal) == "species"
    assert cell(model, 0, 0) == "0.5"
    assert cell(model, 0, 3) == "a"
    bad = open_dialog(bad_csv)
    bad_model = bad.preview_model
    assert bad_model.headerData(2, Qt.Orientation.Vertical) == "4"
    assert cell(bad_model, 2, 0, Qt.ItemDataRole.BackgroundRole) == BAD_BRUSH
    assert cell(bad_model, 2, 1, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(bad_model, 5, 1, Qt.ItemDataRole.ToolTipRole).startswith("Missing value")


def tab_chain(dialog, start, n):
    """The next n widgets Tab reaches from `start` (focusable by Tab, visible, enabled)."""
    chain, widget = [], start
    while len(chain) < n:
        widget = widget.nextInFocusChain()
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(dialog) and widget.isEnabled():
            chain.append(widget.objectName())
    return chain


def test_keyboard_order_goes_from_columns_to_axes_labels_and_preview(open_dialog, good_csv, bad_csv):
    dialog = open_dialog(bad_csv)
    assert tab_chain(dialog, dialog.columns_list, 5) == [
        "xAxisCombo",
        "yAxisCombo",
        "labelCombo",
        "dropBadRows",
        "importPreview",
    ]
    assert dialog.focusWidget() is dialog.columns_list
    dialog = open_dialog(good_csv)
    assert all(dialog.findChild(QWidget, name).toolTip() for name in ("fitColumns", "xAxisCombo", "labelCombo"))


# ---------------------------------------------------------------------------------------------- the flow
@pytest.fixture
def window(app, qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    yield widget
    dispose(widget)


@pytest.fixture
def flow(window, state):
    flow = ImportFlow(window, state)
    yield flow
    flow.cancel()


def wait_dialog(qtbot, flow):
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=TIMEOUT)
    return flow.dialog


def test_open_choose_and_accept_replaces_the_data(flow, state, good_csv, qtbot):
    state.sample_exact(100, 0)
    flow.open(good_csv)
    dialog = wait_dialog(qtbot, flow)
    toggle(qtbot, dialog, "y")
    choose(dialog.label_combo, "species")
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT) as finished:
        click(qtbot, dialog.ok_button)
    assert finished.args == [True]
    data = state.data
    assert isinstance(data, Dataset) and data.origin == "file"
    assert data.columns == ("x", "z", "id")
    np.testing.assert_array_equal(data.points[:2], [[0.5, -1, 100], [1.5, 0, 101]])
    assert data.labels is not None and data.n_points == 25
    assert flow.dialog is None and not flow.is_busy()
    assert flow.last_path == good_csv and flow.last_options.label_column == "species"


def test_rejecting_the_dialog_keeps_the_data(flow, state, good_csv, qtbot):
    state.sample_exact(100, 0)
    before = state.data
    flow.open(good_csv)
    dialog = wait_dialog(qtbot, flow)
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT) as finished:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert finished.args == [False]
    assert state.data is before


def test_a_failing_file_shows_the_error_and_keeps_the_data(flow, state, tmp_path, qtbot):
    path = write_csv(tmp_path / "broken.csv", "x,y,z", ["1,2,3", "4,5,6", "7,8,9", "1,2,3,4", "5,6,7"])
    state.sample_exact(100, 0)
    before = state.data
    with qtbot.waitSignal(flow.error, timeout=TIMEOUT) as error:
        flow.open(path)
    assert "broken.csv" in error.args[0] and "line 5" in error.args[0]
    box = flow.message_box
    assert box is not None and box.isVisible()
    assert box.text() == "Cannot open broken.csv."
    assert "line 5" in box.informativeText()
    assert state.data is before and flow.dialog is None
    box.accept()
    assert flow.message_box is None


def test_opening_another_file_abandons_the_open_dialog(flow, good_csv, bad_csv, qtbot):
    finished = []
    flow.finished.connect(finished.append)
    flow.open(good_csv)
    first = wait_dialog(qtbot, flow)
    flow.open(bad_csv)
    assert finished == [False] and not first.isVisible()
    second = wait_dialog(qtbot, flow)
    assert second.table.path == bad_csv


# ---------------------------------------------------------------------------------------------- correcting the format
@pytest.fixture
def semicolon_csv(tmp_path):
    """3 rows of a;b written with semicolons and decimal commas."""
    return write_csv(tmp_path / "semi.csv", "a;b", ["1,5;2,5", "3,5;4,5", "5,5;6,5"])


@pytest.fixture
def numeric_header_csv(tmp_path):
    """6 lines of two numbers: the first looks like data, so no header is detected."""
    return write_csv(tmp_path / "numbers.csv", "1,2", ["3,4", "5,6", "7,8", "9,10", "11,12"])


def wait_new_dialog(qtbot, flow, old):
    qtbot.waitUntil(
        lambda: flow.dialog is not None and flow.dialog is not old and flow.dialog.isVisible(), timeout=TIMEOUT
    )
    assert not isValid(old) or not old.isVisible()  # closed, and soon deleted
    return flow.dialog


def test_the_format_controls_show_what_was_detected(open_dialog, semicolon_csv, numeric_header_csv):
    dialog = open_dialog(semicolon_csv)
    row = dialog.format_row
    assert row.delimiter_combo.currentText() == "Semicolon" and row.decimal_combo.currentText() == "Comma"
    assert row.header_check.isChecked()
    assert row.options() == {"delimiter": ";", "decimal": ",", "has_header": True}
    assert all(dialog.findChild(QWidget, name).toolTip() for name in ("delimiterCombo", "decimalCombo", "headerCheck"))
    plain = open_dialog(numeric_header_csv).format_row
    assert plain.delimiter_combo.currentText() == "Comma" and plain.decimal_combo.currentText() == "Point"
    assert not plain.header_check.isChecked()


def test_ticking_the_header_reads_the_file_again(flow, state, numeric_header_csv, qtbot):
    flow.open(numeric_header_csv)
    first = wait_dialog(qtbot, flow)
    assert (first.table.n_rows, first.fit_columns()) == (6, ("x1", "x2"))
    click(qtbot, first.format_row.header_check)
    assert not first.ok_button.isEnabled() and not first.format_row.isEnabled()  # until the new table arrives
    second = wait_new_dialog(qtbot, flow, first)
    assert (second.table.n_rows, second.fit_columns()) == (5, ("1", "2"))
    assert second.format_row.header_check.isChecked() and second.ok_button.isEnabled()
    click(qtbot, second.format_row.header_check)
    third = wait_new_dialog(qtbot, flow, second)
    assert (third.table.n_rows, third.fit_columns()) == (6, ("x1", "x2"))
    click(qtbot, third.format_row.header_check)
    fourth = wait_new_dialog(qtbot, flow, third)
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT) as finished:
        click(qtbot, fourth.ok_button)
    assert finished.args == [True]
    assert state.data.n_points == 5 and state.data.columns == ("1", "2")
    np.testing.assert_array_equal(state.data.points[0], [3, 4])
    assert state.data.source.has_header


def test_a_format_that_cannot_be_read_is_reported_in_the_dialog(flow, state, semicolon_csv, qtbot):
    flow.open(semicolon_csv)
    dialog = wait_dialog(qtbot, flow)
    row = dialog.format_row
    choose(row.delimiter_combo, "Comma")  # "1,5;2,5" splits into 3 fields under a 1-field header
    qtbot.waitUntil(lambda: dialog.message.is_error, timeout=TIMEOUT)
    assert "line 2" in dialog.message.text() and dialog.message.isVisible()
    assert flow.dialog is dialog and flow.message_box is None
    assert row.delimiter_combo.currentText() == "Semicolon" and row.isEnabled()  # back to what is shown
    assert dialog.ok_button.isEnabled()
    choose(row.delimiter_combo, "Tab")  # one text column "a;b": nothing to fit
    qtbot.waitUntil(lambda: dialog.message.is_error and "no numeric column" in dialog.message.text(), timeout=TIMEOUT)
    assert flow.dialog is dialog and dialog.ok_button.isEnabled()
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT) as finished:
        click(qtbot, dialog.ok_button)
    assert finished.args == [True]
    np.testing.assert_array_equal(state.data.points, [[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]])


def test_an_import_with_re_reads_finishes_once(flow, state, numeric_header_csv, qtbot):
    finished = []
    flow.finished.connect(finished.append)
    flow.open(numeric_header_csv)
    first = wait_dialog(qtbot, flow)
    click(qtbot, first.format_row.header_check)
    second = wait_new_dialog(qtbot, flow, first)
    assert finished == [] and flow.is_busy()
    with qtbot.waitSignal(flow.finished, timeout=TIMEOUT):
        qtbot.keyClick(second, Qt.Key.Key_Escape)
    assert finished == [False]
    flow.open(numeric_header_csv)  # cancelling during a re-read ends the import once, with no new dialog
    third = wait_dialog(qtbot, flow)
    click(qtbot, third.format_row.header_check)
    third.reject()
    assert state.jobs.wait(TIMEOUT)  # the cancelled re-read has returned: its events are queued by now
    deliver_queued_events()  # so a late table, if it were used, would have opened a dialog now
    assert finished == [False, False]
    assert flow.dialog is None and not flow.is_busy()
