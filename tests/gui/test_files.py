"""The File menu, driven as a user does: open data (menu, recent list, drag and drop), sessions,
points as CSV, models in and out, and the unsaved-changes prompts."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from helpers import click, deliver_queued_events, run_cli
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.io.model_file import load_model, save_model
from gmm_desktop.core.io.tables import load_csv, write_csv
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.gui.files.document import discard_unsaved
from gmm_desktop.workspace.data import Dataset


# ---------------------------------------------------------------------------------------------- helpers
def answer_file_dialogs(monkeypatch, path: Path) -> None:
    """The next open or save dialog answers `path`."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def write_points_csv(path: Path, n: int = 300, seed: int = 0) -> np.ndarray:
    points, labels = article_demo().sample(n, seed)
    write_csv(path, {"a": points[:, 0], "b": points[:, 1], "kind": np.where(labels == 0, "left", "right")})
    return points


def accept_import(qtbot, window) -> None:
    flow = window.files.import_flow
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=10_000)
    with qtbot.waitSignal(flow.finished, timeout=5000):
        click(qtbot, flow.dialog.ok_button)


def fit_and_wait(qtbot, window, k: int = 2) -> None:
    window.state.start_fit(EMSettings(n_components=k, seed=0))
    qtbot.waitUntil(lambda: window.state.fit is not None and window.state.fit.result is not None, timeout=30_000)


def drop(window, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)


# ---------------------------------------------------------------------------------------------- open data
def test_open_data_from_the_menu_then_from_the_recent_list(main_window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "points.csv"
    points = write_points_csv(path)
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["open_data"].trigger()
    accept_import(qtbot, main_window)
    data = main_window.state.data
    assert data.origin == "file" and data.columns == ("a", "b")
    np.testing.assert_array_equal(data.points, points)  # the same floats, not approximations
    assert data.source is not None and Path(data.source.path) == path.resolve()
    recent = main_window.files.recent.menu.actions()
    assert recent[0].data() == str(path.resolve()) and recent[0].isEnabled()
    main_window.state.clear_data()
    recent[0].trigger()
    accept_import(qtbot, main_window)
    np.testing.assert_array_equal(main_window.state.data.points, points)


def test_a_file_dropped_on_the_window_opens(main_window, qtbot, tmp_path):
    path = tmp_path / "dropped.csv"
    points = write_points_csv(path, 120, 3)
    drop(main_window, path)
    accept_import(qtbot, main_window)
    np.testing.assert_array_equal(main_window.state.data.points, points)


def test_a_broken_file_says_where_and_keeps_the_data(main_window, qtbot, tmp_path):
    main_window.state.sample_exact(500, 1)
    before = main_window.state.data
    path = tmp_path / "broken.csv"
    path.write_text("x,y\n1,2\n3,4\n5,6,7\n")
    drop(main_window, path)
    flow = main_window.files.import_flow
    qtbot.waitUntil(lambda: flow.message_box is not None, timeout=10_000)
    assert "line 4" in flow.message_box.informativeText()
    assert main_window.state.data is before


# ---------------------------------------------------------------------------------------------- sessions
def test_a_session_reopens_exactly_as_saved(main_window, qtbot, monkeypatch, tmp_path):
    window = main_window
    window.state.sample_exact(2000, 4)
    fit_and_wait(qtbot, window)
    window.fit_panel.k_spin.setValue(4)
    window.actions.layer_toggles["fit_contours"].setChecked(False)
    window.actions.colourings["uncertainty"].trigger()
    window.plot.frame((-3.0, 5.0), (-2.0, 4.0))
    path = tmp_path / "work.gmmsession"
    answer_file_dialogs(monkeypatch, path)
    window.actions.named["save_session"].trigger()
    assert path.exists() and not window.isWindowModified()
    assert window.windowTitle().startswith("work.gmmsession")
    saved_view = window.plot.plot_item.getViewBox().viewRange()
    saved = window.state

    from gmm_desktop.gui.app.main_window import MainWindow

    other = MainWindow(remember_layout=False, ask_to_save=discard_unsaved)
    qtbot.addWidget(other)
    other.resize(window.size())
    other.show()
    qtbot.waitExposed(other)
    other.actions.named["open_session"].trigger()
    restored = other.state
    np.testing.assert_array_equal(restored.data.points, saved.data.points)
    np.testing.assert_array_equal(restored.data.labels, saved.data.labels)
    assert restored.data.origin == "exact"
    np.testing.assert_array_equal(restored.fit.mixture.means, saved.fit.mixture.means)
    np.testing.assert_array_equal(restored.fit.mixture.covariances, saved.fit.mixture.covariances)
    assert restored.fit.trace == saved.fit.trace
    assert restored.target_name == saved.target_name
    assert other.fit_panel.k_spin.value() == 4
    assert not other.actions.layer_toggles["fit_contours"].isChecked()
    assert other.actions.colourings["uncertainty"].isChecked()
    (x0, x1), (y0, y1) = other.plot.plot_item.getViewBox().viewRange()
    (sx0, sx1), (sy0, sy1) = saved_view
    # The aspect is locked, so a plot of another shape shows the saved region plus margin on one axis.
    assert x0 <= sx0 + 1e-9 and x1 >= sx1 - 1e-9 and y0 <= sy0 + 1e-9 and y1 >= sy1 - 1e-9
    assert np.isclose(x0 + x1, sx0 + sx1) and np.isclose(y0 + y1, sy0 + sy1)  # same centre
    assert np.isclose(x1 - x0, sx1 - sx0) or np.isclose(y1 - y0, sy1 - sy0)
    assert not other.isWindowModified() and other.windowTitle().startswith("work.gmmsession")
    other.flush()
    assert other.fit_panel.params_model.rowCount() == 2  # the parameter table shows the saved fit
    other.state.shutdown()


def test_a_corrupt_or_newer_session_gives_a_message_and_changes_nothing(main_window, qtbot, monkeypatch, tmp_path):
    main_window.state.sample_exact(300, 2)
    before = main_window.state.data
    path = tmp_path / "bad.gmmsession"
    path.write_bytes(b"not a zip at all")
    answer_file_dialogs(monkeypatch, path)
    main_window.files.document.mark_saved(None)  # nothing to ask about
    main_window.actions.named["open_session"].trigger()
    box = main_window.files.error_box
    assert box is not None and "bad.gmmsession" in box.text() and "not a ZIP archive" in box.text()
    assert main_window.state.data is before


def test_a_failed_save_reports_and_keeps_the_old_file(main_window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "kept.gmmsession"
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["save_session"].trigger()
    old = path.read_bytes()
    main_window.state.sample_exact(400, 5)

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    main_window.actions.named["save_session"].trigger()
    assert "No space left" in main_window.files.error_box.text()
    assert path.read_bytes() == old
    assert main_window.isWindowModified()  # still unsaved: the prompt will ask on close
    assert [p.name for p in tmp_path.iterdir()] == ["kept.gmmsession"]  # no temporary file left


# ---------------------------------------------------------------------------------------------- unsaved changes
@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_closing_with_unsaved_work_asks_first(main_window, qtbot, monkeypatch, tmp_path, answer):
    asked = []
    main_window.ask_to_save = lambda _parent, doing: asked.append(doing) or answer
    main_window.state.sample_exact(300, 1)
    assert main_window.isWindowModified() and "[*]" in main_window.windowTitle()  # Qt draws [*] as a mark
    path = tmp_path / "closing.gmmsession"
    answer_file_dialogs(monkeypatch, path)
    closed = main_window.close()
    main_window.ask_to_save = discard_unsaved  # the fixture's own close must not ask again
    assert asked == ["closing"]
    assert closed == (answer != "cancel")
    assert path.exists() == (answer == "save")


def test_opening_data_over_unsaved_work_can_be_cancelled(main_window, qtbot, monkeypatch, tmp_path):
    main_window.ask_to_save = lambda _parent, _doing: "cancel"
    main_window.state.sample_exact(300, 1)
    before = main_window.state.data
    path = tmp_path / "new.csv"
    write_points_csv(path)
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["open_data"].trigger()
    # Refused at the prompt: no read of the file is under way (the import dialog opens when one ends),
    # and any event a worker queued is delivered before looking.
    assert not main_window.state.jobs.is_pending("load")
    assert main_window.state.jobs.wait()
    deliver_queued_events()
    main_window.ask_to_save = discard_unsaved
    assert main_window.files.import_flow.dialog is None and main_window.state.data is before


def test_undo_back_to_the_saved_target_clears_the_mark(main_window, qtbot, monkeypatch, tmp_path):
    answer_file_dialogs(monkeypatch, tmp_path / "t.gmmsession")
    main_window.actions.named["save_session"].trigger()
    main_window.editor.add_component()
    assert main_window.isWindowModified()


# ---------------------------------------------------------------------------------------------- points and models
def test_save_points_as_csv_with_labels_and_probabilities(main_window, qtbot, monkeypatch, tmp_path):
    main_window.state.sample_exact(1500, 7)
    fit_and_wait(qtbot, main_window)
    path = tmp_path / "out.csv"
    answer_file_dialogs(monkeypatch, path)
    saved = lambda event: event.kind == "save"  # noqa: E731 (the runner also finishes derived results)
    with qtbot.waitSignal(main_window.state.jobs.finished, timeout=20_000, check_params_cb=saved):
        main_window.actions.named["save_data"].trigger()
    table = load_csv(path)
    assert table.columns == ("x", "y", "class", "label", "p_1", "p_2")
    data, mixture = main_window.state.data, main_window.state.fit.mixture
    np.testing.assert_array_equal(table.numeric_values["x"], data.points[:, 0])  # floats read back exactly
    np.testing.assert_array_equal(table.numeric_values["label"], mixture.predict(data.points) + 1)
    np.testing.assert_allclose(table.numeric_values["p_2"], mixture.responsibilities(data.points)[:, 1], rtol=1e-15)


def test_export_a_fit_then_use_it_as_the_target_and_undo(main_window, qtbot, monkeypatch, tmp_path):
    main_window.state.sample_exact(1000, 3)
    fit_and_wait(qtbot, main_window)
    path = tmp_path / "fitted.json"
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["export_model"].trigger()
    exported = load_model(path)
    np.testing.assert_array_equal(exported.means, main_window.state.fit.mixture.means)
    original = main_window.state.target
    main_window.actions.named["import_target"].trigger()
    np.testing.assert_array_equal(main_window.state.target.means, exported.means)
    assert main_window.state.target_name == "fitted"
    main_window.undo_stack.undo()
    assert main_window.state.target is original


def test_apply_a_model_file_to_data_of_its_dimension(main_window, qtbot, monkeypatch, tmp_path):
    model = preset("well separated")
    path = tmp_path / "model.json"
    save_model(path, model)
    points, _ = model.sample(800, 2)
    main_window.state.set_data(Dataset(points, "file"))
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["apply_model"].trigger()
    fit = main_window.state.fit
    np.testing.assert_array_equal(fit.mixture.means, model.means)
    assert fit.step.log_likelihood == pytest.approx(float(np.mean(model.logpdf(points))))
    main_window.plot.flush()
    np.testing.assert_array_equal(main_window.plot.point_labels().labels, model.predict(points))


def test_a_3d_model_is_refused_as_target_with_a_reason(main_window, monkeypatch, tmp_path):
    path = tmp_path / "3d.json"
    save_model(path, preset("well separated").marginal((0, 1)).__class__(np.ones(1), np.zeros((1, 3)), np.eye(3)[None]))
    answer_file_dialogs(monkeypatch, path)
    before = main_window.state.target
    main_window.actions.named["import_target"].trigger()
    assert "3-D" in main_window.files.error_box.text() and main_window.state.target is before


# ---------------------------------------------------------------------------------------------- command line
def test_the_command_line_refuses_a_missing_file_before_opening_a_window(tmp_path):
    result = run_cli(str(tmp_path / "nope.csv"))
    assert result.returncode == 2 and "nope.csv: no such file" in result.stderr


def test_file_data_is_drawn_on_its_own_axes_without_the_target(main_window, qtbot, tmp_path):
    path = tmp_path / "named.csv"
    points = article_demo().sample(400, 9)[0] * 10 + 100  # far from the demo target
    write_csv(path, {"a": points[:, 0], "b": points[:, 1]})
    drop(main_window, path)
    accept_import(qtbot, main_window)
    plot = main_window.plot
    plot.flush()
    assert plot.plot_item.getAxis("bottom").labelText == "a" and plot.plot_item.getAxis("left").labelText == "b"
    assert not plot.density_image.isVisible() and not plot.color_bar.isVisible()
    assert main_window.actions.layer_toggles["image"].isChecked()  # the user's choice is kept for later
    (x0, x1), (y0, y1) = plot.plot_item.getViewBox().viewRange()
    inside = (points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0) & (points[:, 1] < y1)
    assert inside.mean() > 0.98  # framed on the data, not on the target
    main_window.state.sample_exact(100, 0)
    plot.flush()
    assert plot.density_image.isVisible() and plot.plot_item.getAxis("bottom").labelText == "x"


def test_a_reopened_session_compares_its_fit_with_the_target_again(main_window, qtbot, monkeypatch, tmp_path):
    main_window.state.sample_exact(1500, 6)
    fit_and_wait(qtbot, main_window)
    main_window.flush()
    before = main_window.fit_panel.comparison_label.text()
    assert "ARI = " in before
    path = tmp_path / "compare.gmmsession"
    answer_file_dialogs(monkeypatch, path)
    main_window.actions.named["save_session"].trigger()
    main_window.state.clear_data()
    main_window.files.document.mark_saved(None)
    main_window.actions.named["open_session"].trigger()
    main_window.flush()
    assert main_window.fit_panel.comparison_label.text() == before  # same KL (fixed seed) and ARI
    assert main_window.fit_panel.comparison_model.rowCount() == 2
