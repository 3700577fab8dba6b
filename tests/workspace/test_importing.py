"""Turning a parsed Table and the import dialog's choices into the workspace's data."""

import numpy as np
import pytest

from gmm_desktop.core.io.tables import load_csv
from gmm_desktop.workspace.data import default_shown
from gmm_desktop.workspace.importing import dataset_from_table, label_codes, label_columns
from gmm_desktop.workspace.workspace import Workspace


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


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
    workspace = Workspace()
    workspace.set_data(data, (0, 2))
    assert workspace.view.shown == (0, 2)
    np.testing.assert_array_equal(workspace.shown_points(), [[1, 3], [4, 6], [7, 9], [10, 12]])
    assert data.labels is None


def test_one_column_is_displayed_on_both_axes(table):
    data = dataset_from_table(table, ["y"])
    assert default_shown(1) == (0, 0)
    workspace = Workspace()
    workspace.set_data(data)
    assert workspace.view.shown == (0, 0)
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
