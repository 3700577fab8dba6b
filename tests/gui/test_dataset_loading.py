"""Loading a CSV file on a worker (progress, cancel, located errors) and turning a Table into a Dataset."""

import time

import numpy as np
import pytest
from helpers import click

from gmm_desktop.core.io.tables import LoadCancelled, load_csv
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.files import dataset_loading
from gmm_desktop.gui.files.dataset_loading import DatasetLoader, dataset_from_table, label_codes, label_columns
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
            return load_csv(*args, **kwargs)
        except LoadCancelled as exc:
            outcomes.append(exc)
            raise

    monkeypatch.setattr(dataset_loading, "load_csv", spy)
    loaded = record(loader.loaded)
    with qtbot.waitSignal(loader.progress, timeout=TIMEOUT):  # load_csv is running (it reported 0.0)
        loader.load(path)
    with qtbot.waitSignal(loader.cancelled, timeout=TIMEOUT):
        loader.cancel()
    assert not loader.is_loading()
    qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=TIMEOUT)  # load_csv itself gave up
    assert loader.shutdown(TIMEOUT)  # the worker has ended
    qtbot.wait(50)  # any late event of the worker would be delivered now
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
    """A load_csv that reads forever until cancelled."""
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
    monkeypatch.setattr(dataset_loading, "load_csv", slow_load)
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
    qtbot.wait(SHOW_AFTER_MS + 100)
    assert not progress_dialog.isVisible()


# ---------------------------------------------------------------------------------------------- Table -> Dataset
@pytest.fixture
def table(tmp_path):
    text = "x,y,z,species,group\n1,2,3,b,2\n4,5,6,a,7\n7,8,9,b,2\n10,11,12,c,5\n"
    return load_csv(write(tmp_path / "t.csv", text))


def test_text_labels_become_codes_in_sorted_order(table):
    data = dataset_from_table(table, ["x", "y"], (0, 1), "species")
    np.testing.assert_array_equal(data.labels, [1, 0, 1, 2])
    np.testing.assert_array_equal(data.labels, np.unique(["b", "a", "b", "c"], return_inverse=True)[1])
    assert data.labels.dtype == np.int64
    assert data.origin == "file" and data.columns == ("x", "y")
    np.testing.assert_array_equal(data.points, [[1, 2], [4, 5], [7, 8], [10, 11]])


def test_whole_number_labels_become_codes(table):
    assert label_columns(table) == ("x", "y", "z", "species", "group")
    np.testing.assert_array_equal(label_codes(table, "group"), [0, 2, 0, 1])
    data = dataset_from_table(table, ["x", "y", "z"], label_column="group")
    np.testing.assert_array_equal(data.labels, [0, 2, 0, 1])


def test_three_columns_displayed_as_first_and_third(table):
    data = dataset_from_table(table, ["x", "y", "z"], (0, 2))
    assert data.points.shape == (4, 3)
    assert data.display == (0, 2)
    np.testing.assert_array_equal(data.shown(), [[1, 3], [4, 6], [7, 9], [10, 12]])
    assert data.labels is None


def test_one_column_is_displayed_on_both_axes(table):
    data = dataset_from_table(table, ["y"])
    assert data.display == (0, 0)
    assert data.points.shape == (4, 1)


@pytest.mark.parametrize(
    ("columns", "display", "label", "match"),
    [
        ([], None, None, "at least one column"),
        (["x", "y"], (0, 2), None, "must index the 2 fit columns"),
        (["x", "group"], None, "group", "both fitted and the known labels"),
        (["x", "y"], None, "nope", "cannot be used as labels"),
    ],
)
def test_impossible_choices_are_refused(table, columns, display, label, match):
    with pytest.raises(ValueError, match=match):
        dataset_from_table(table, columns, display, label)


@pytest.fixture
def bad_table(tmp_path):
    """12 rows (x stays a numeric column, 11 of 12 cells are numbers): "abc" on line 4, y missing on line 7."""
    rows = [f"{2 * i + 1},{2 * i + 2},{'pq'[i % 2]}" for i in range(12)]
    rows[2] = "abc,6,p"
    rows[5] = "11,,r"
    return load_csv(write(tmp_path / "bad.csv", "x,y,kind\n" + "\n".join(rows) + "\n"))


def test_bad_cells_are_refused_with_their_lines(bad_table):
    assert bad_table.numeric_columns == ("x", "y")
    with pytest.raises(ValueError) as raised:
        dataset_from_table(bad_table, ["x", "y"])
    message = str(raised.value)
    assert message.startswith("2 cells are missing or not numbers in the chosen columns")
    assert "line 4 column 'x' ('abc')" in message
    assert "line 7 column 'y' (missing)" in message


def test_bad_rows_are_dropped_when_agreed(bad_table):
    data = dataset_from_table(bad_table, ["x", "y"], label_column="kind", drop_bad_rows=True)
    assert data.n_points == 10
    np.testing.assert_array_equal(data.points[:4], [[1, 2], [3, 4], [7, 8], [9, 10]])
    np.testing.assert_array_equal(data.labels[:5], [0, 1, 1, 0, 0])  # p, q, q, p, p: "r" went with its row
    assert np.isfinite(data.points).all()


def test_only_the_chosen_columns_are_checked_for_bad_cells(bad_table):
    expected = "1 cell is missing or not a number in the chosen columns: line 4 column 'x' ('abc')"
    with pytest.raises(ValueError) as raised:
        dataset_from_table(bad_table, ["x"])
    assert str(raised.value) == expected
    assert dataset_from_table(bad_table, ["x"], drop_bad_rows=True).n_points == 11


def test_dropping_every_row_is_refused(tmp_path):
    rows = [f",{i}" for i in range(6)] + [f"{i}," for i in range(6)]  # x missing above, y below
    table = load_csv(write(tmp_path / "holes.csv", "x,y\n" + "\n".join(rows) + "\n"))
    assert table.numeric_columns == ("x", "y")
    with pytest.raises(ValueError, match="every row has a bad cell"):
        dataset_from_table(table, ["x", "y"], drop_bad_rows=True)
    assert dataset_from_table(table, ["y"], drop_bad_rows=True).n_points == 6
