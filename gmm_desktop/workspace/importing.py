"""From a parsed file to the workspace's data: the import dialog's choices turned into a `Dataset`.

Bad cells in the chosen columns are refused unless the user agreed to drop their rows, since nothing
may silently become 0 or NaN. Pure (numpy and pandas), so the rules are tested without a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gmm_desktop.core.io.session import FileSource, file_sha256
from gmm_desktop.core.io.tables import (
    BadCells,
    Table,
    bad_cells,
    drop_rows_with_bad_cells,
    numeric_matrix,
)
from gmm_desktop.workspace.data import Dataset, default_shown


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose in the import dialog; with the file's path it rebuilds the Dataset (sessions).

    display: indices into fit_columns of the plotted pair ((0, 0) when one column is fitted).
    """

    fit_columns: tuple[str, ...]
    display: tuple[int, int]
    label_column: str | None = None
    drop_bad_rows: bool = False


def describe_bad_cells(report: BadCells) -> str:
    """E.g. `3 cells are missing or not numbers in the chosen columns: line 4 column 'x' ('abc'), ...`."""
    shown = [
        f"line {cell.line} column {cell.column!r} ({repr(cell.text) if cell.text else 'missing'})"
        for cell in report.cells[:5]
    ]
    more = ", ..." if report.total > len(shown) else ""
    verb = "cell is missing or not a number" if report.total == 1 else "cells are missing or not numbers"
    return f"{report.total:,} {verb} in the chosen columns: {', '.join(shown)}{more}"


def label_columns(table: Table) -> tuple[str, ...]:
    """Columns that can hold known classes: text or whole numbers, with no empty cell.

    A row without a label could only be dropped or given a made-up class, so such columns are not offered.
    """
    return tuple(name for name in table.columns if _is_label_column(table, name))


def _is_label_column(table: Table, name: str) -> bool:
    if name in table.numeric_columns:
        values = table.numeric_values[name]
        return table.bad_counts[name] == 0 and bool(np.all(values == np.round(values)))
    return not table.frame[name].isna().any()


def label_codes(table: Table, name: str) -> np.ndarray:
    """(N,) int64 classes 0..n-1 in sorted order of the values (as np.unique's inverse, hash-fast)."""
    if name not in table.columns or not _is_label_column(table, name):
        raise ValueError(f"column {name!r} cannot be used as labels: it must hold text or whole numbers in every row")
    codes, _ = pd.factorize(table.frame[name], sort=True)
    return codes.astype(np.int64)


def dataset_from_table(
    table: Table,
    fit_columns: Sequence[str],
    display: tuple[int, int] | None = None,
    label_column: str | None = None,
    drop_bad_rows: bool = False,
) -> Dataset:
    """The Dataset the import dialog's choices describe (origin "file"); `display` (the shown pair,
    indices into fit_columns, default `default_shown`) is checked here and kept by the view.

    Bad cells in the fit columns raise ValueError (`describe_bad_cells`) unless drop_bad_rows, when
    their rows go (TableError if that leaves none).
    """
    names = tuple(fit_columns)
    if not names:
        raise ValueError("choose at least one column to fit")
    if label_column is not None and label_column in names:
        raise ValueError(f"column {label_column!r} cannot be both fitted and the known labels")
    display = default_shown(len(names)) if display is None else (int(display[0]), int(display[1]))
    if not all(0 <= index < len(names) for index in display):
        raise ValueError(f"display {display} must index the {len(names)} fit columns")
    report = bad_cells(table, names, limit=5)
    if report.total:
        if not drop_bad_rows:
            raise ValueError(describe_bad_cells(report))
        table = drop_rows_with_bad_cells(table, names)
    labels = label_codes(table, label_column) if label_column is not None else None
    return Dataset(
        numeric_matrix(table, names),
        "file",
        columns=names,
        labels=labels,
        source=file_source(table, names, label_column),
    )


def file_source(table: Table, columns: tuple[str, ...], label_column: str | None) -> FileSource:
    """Where the points came from and how they were read, with the file's SHA-256 (~40 ms for 60 MB),
    so a saved session can tell whether the file has changed since."""
    path = table.path.resolve()
    return FileSource(
        str(path), file_sha256(path), columns, label_column, table.delimiter, table.decimal, table.has_header
    )
