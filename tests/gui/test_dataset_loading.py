"""Loading a CSV file on a worker: progress, cancel, located errors, the progress dialog."""

import time

import numpy as np
import pytest
from helpers import click, deliver_queued_events
from PySide6.QtCore import QTimer

from gmm_desktop.core.io.formats import read_table
from gmm_desktop.core.io.tables import LoadCancelled
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.files import dataset_loading
from gmm_desktop.gui.files.dataset_loading import DatasetLoader
from gmm_desktop.gui.files.load_progress import SHOW_AFTER_MS, LoadProgressDialog

TIMEOUT = 20_000


@pytest.fixture
def loader(app):
    loader = DatasetLoader()
    yield loader
    assert loader.shutdown()


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_csv(tmp_path):
    return write(tmp_path / "small.csv", "x,y,z,species\n1,2,3,a\n4,5,6,b\n7,8,9,a\n10,11,12,c\n")


def large_csv(tmp_path, rows=200_000):
    """About 12 MB, so load_csv reads it in chunks and asks the progress callback between them."""
    values = np.random.default_rng(0).normal(size=(rows, 3))
    lines = "\n".join(f"{a!r},{b!r},{c!r}" for a, b, c in values.tolist())
    return write(tmp_path / "large.csv", "x,y,z\n" + lines + "\n")


def record(signal):
    seen = []
    signal.connect(lambda *args: seen.append(args))
    return seen


# ---------------------------------------------------------------------------------------------- loader
def test_load_gives_the_table_with_progress(loader, small_csv, qtbot):
    started, fractions, failed = record(loader.started), record(loader.progress), record(loader.failed)
    with qtbot.waitSignal(loader.loaded, timeout=TIMEOUT) as done:
        loader.load(small_csv)
    table = done.args[0]
    assert table.columns == ("x", "y", "z", "species")
    assert table.n_rows == 4
    assert started == [(small_csv,)]
    qtbot.waitUntil(lambda: fractions and fractions[-1] == (1.0,), timeout=TIMEOUT)
    assert fractions[0] == (0.0,)
    assert not failed and not loader.is_loading()


def test_a_large_load_is_cancelled_by_the_progress_callback(loader, tmp_path, qtbot, monkeypatch):
    path = large_csv(tmp_path)
    outcomes = []

    def spy(*args, **kwargs):
        try:
            return read_table(*args, **kwargs)
        except LoadCancelled as exc:
            outcomes.append(exc)
            raise

    monkeypatch.setattr(dataset_loading, "read_table", spy)
    loaded = record(loader.loaded)
    with qtbot.waitSignal(loader.progress, timeout=TIMEOUT):  # load_csv is running (it reported 0.0)
        loader.load(path)
    with qtbot.waitSignal(loader.cancelled, timeout=TIMEOUT):
        loader.cancel()
    assert not loader.is_loading()
    qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=TIMEOUT)  # load_csv itself gave up
    assert loader.shutdown(TIMEOUT)  # the worker has ended: whatever it emitted is queued by now
    deliver_queued_events()  # so a late `loaded` would have arrived
    assert loaded == []


def test_a_malformed_file_fails_naming_file_and_line(loader, tmp_path, qtbot):
    path = write(tmp_path / "broken.csv", "x,y,z\n1,2,3\n4,5,6\n7,8,9\n1,2,3,4\n5,6,7\n")
    loaded = record(loader.loaded)
    with qtbot.waitSignal(loader.failed, timeout=TIMEOUT) as failed:
        loader.load(path)
    message = failed.args[0]
    assert "broken.csv" in message
    assert "line 5" in message
    assert not message.startswith("TableError")
    assert loaded == [] and not loader.is_loading()


def test_a_missing_file_fails(loader, tmp_path, qtbot):
    with qtbot.waitSignal(loader.failed, timeout=TIMEOUT) as failed:
        loader.load(tmp_path / "nowhere.csv")
    assert failed.args[0] == "nowhere.csv: file not found"


def test_a_new_load_replaces_a_running_one(loader, tmp_path, small_csv, qtbot):
    cancelled, loaded = record(loader.cancelled), record(loader.loaded)
    loader.load(large_csv(tmp_path))
    with qtbot.waitSignal(loader.loaded, timeout=TIMEOUT):
        loader.load(small_csv)
    assert len(cancelled) == 1
    assert [args[0].path for args in loaded] == [small_csv]


def test_a_shared_runner_stopping_the_load_cancels_it(state, tmp_path, qtbot):
    loader = DatasetLoader(state.jobs)
    loader.load(large_csv(tmp_path))
    assert state.jobs.is_running("load")
    with qtbot.waitSignal(loader.cancelled, timeout=TIMEOUT):
        state.jobs.stop("load")  # the window's "Stop all"
    assert not loader.is_loading()


# ---------------------------------------------------------------------------------------------- progress dialog
def slow_load(path, *, progress, **options):
    """A reader that reads forever until cancelled."""
    while progress(0.5):
        time.sleep(0.005)
    raise LoadCancelled(str(path))


@pytest.fixture
def progress_dialog(loader, qtbot):
    dialog = LoadProgressDialog(loader)
    qtbot.addWidget(dialog)
    yield dialog
    dispose(dialog)


def test_progress_appears_for_a_slow_load_and_cancel_stops_it(loader, progress_dialog, small_csv, qtbot, monkeypatch):
    monkeypatch.setattr(dataset_loading, "read_table", slow_load)
    start = time.monotonic()
    loader.load(small_csv)
    assert not progress_dialog.isVisible()
    qtbot.waitUntil(progress_dialog.isVisible, timeout=TIMEOUT)
    assert time.monotonic() - start >= SHOW_AFTER_MS / 1000 - 0.02
    assert progress_dialog.label.text() == "Reading small.csv …"
    qtbot.waitUntil(lambda: progress_dialog.bar.value() == 500, timeout=TIMEOUT)
    with qtbot.waitSignal(loader.cancelled, timeout=TIMEOUT):
        click(qtbot, progress_dialog.cancel_button)
    assert not progress_dialog.isVisible()
    assert not loader.is_loading()


def test_progress_stays_hidden_for_a_fast_load(loader, progress_dialog, small_csv, qtbot):
    with qtbot.waitSignal(loader.loaded, timeout=TIMEOUT):
        loader.load(small_csv)
    # The dialog is shown only by its delay timer, SHOW_AFTER_MS after the load started; the load
    # ended first and stopped it, so the dialog can never appear for this load.
    delay = progress_dialog.findChild(QTimer, "loadProgressDelay")
    assert delay is not None and not delay.isActive()
    assert not progress_dialog.isVisible()
