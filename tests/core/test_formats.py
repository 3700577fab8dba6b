"""The file-format registry: dispatch by suffix, the delimited-text fallback, the open-dialog filter."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gmm_desktop.core.io import formats
from gmm_desktop.core.io.formats import (
    DELIMITED_TEXT,
    FORMATS,
    FileFormat,
    format_for,
    open_dialog_filter,
    read_table,
)
from gmm_desktop.core.io.tables import Table, load_csv

_CSV = "# written by a test\nx,y,label\n1.5,-2,a\n0.25,3e3,b\n-0.0,,c\n7,8,d\n"
_SUFFIXES = [suffix for entry in FORMATS for suffix in entry.suffixes]


def _write(folder: Path, name: str, content: str = _CSV) -> Path:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def _assert_same_table(a: Table, b: Table) -> None:
    """Field by field (Table compares by identity): frames, arrays (NaN equal to NaN), the rest by ==."""
    for field in dataclasses.fields(Table):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, pd.DataFrame):
            assert x.equals(y), field.name
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y), field.name
        elif field.name == "numeric_values":
            assert x.keys() == y.keys()
            assert all(np.array_equal(x[name], y[name], equal_nan=True) for name in x)
        else:
            assert x == y, field.name


def test_the_filter_lists_every_registered_suffix() -> None:
    assert open_dialog_filter() == "Data files (*.csv *.tsv *.txt *.dat);;All files (*)"


def test_each_suffix_is_lower_case_and_belongs_to_one_entry() -> None:
    assert _SUFFIXES == [".csv", ".tsv", ".txt", ".dat"]
    assert all(suffix == suffix.lower() and suffix.startswith(".") for suffix in _SUFFIXES)
    assert all(entry.description for entry in FORMATS)


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.csv", ".csv"),
        ("A.CSV", ".csv"),
        ("b.Tsv", ".tsv"),
        ("c.TXT", ".txt"),
        ("d.dat", ".dat"),
        ("e.x.Dat", ".dat"),
    ],
)
def test_dispatch_by_suffix_ignores_case(name: str, suffix: str) -> None:
    entry = format_for(name)
    assert entry in FORMATS
    assert entry.suffixes == (suffix,)


@pytest.mark.parametrize("name", ["data.weird", "data", "data.csv.bak", ".csv"])
def test_an_unregistered_suffix_is_read_as_delimited_text(tmp_path: Path, name: str) -> None:
    assert format_for(name) is DELIMITED_TEXT
    assert DELIMITED_TEXT.read is load_csv
    path = _write(tmp_path, name)
    _assert_same_table(read_table(path), load_csv(path))


@pytest.mark.parametrize("suffix", _SUFFIXES)
def test_every_registered_reader_gives_load_csvs_table(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path, f"data{suffix.upper()}")
    expected = load_csv(path)
    assert expected.numeric_columns == ("x", "y")
    _assert_same_table(format_for(path).read(path), expected)
    _assert_same_table(read_table(path), expected)
    bare = _write(tmp_path, f"bare{suffix}", "1;2,5\n3;4\n")
    _assert_same_table(read_table(bare, delimiter=";", decimal=","), load_csv(bare, delimiter=";", decimal=","))


def test_read_table_passes_path_and_options_to_the_entrys_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, dict[str, object]]] = []
    table = load_csv(_write(tmp_path, "data.csv"))

    def reader(path: object, **options: object) -> Table:
        calls.append((path, options))
        return table

    monkeypatch.setattr(formats, "format_for", lambda path: FileFormat((".csv",), "test", reader))

    def progress(_fraction: float) -> bool:
        return True

    assert read_table("x.csv", progress=progress, delimiter=";", has_header=True, decimal=",") is table
    assert calls == [("x.csv", {"progress": progress, "delimiter": ";", "has_header": True, "decimal": ","})]
