"""Cells: which columns are numeric, where the bad cells are, and what the window shows of them.

Real files have stray text, empty cells and `nan`s; the rule is that nothing silently becomes 0
or NaN in the data the models see:

* A cell is numeric when it parses as a number. A column is numeric when at least 90%
  (`NUMERIC_FRACTION`) of its non-empty cells are numeric; its other cells (missing, text, or
  non-finite such as `inf`/`nan`) are *bad cells*.
* `numeric_matrix` raises `TableError` naming the first bad cell, `bad_cells` lists where they
  are, and `drop_rows_with_bad_cells` removes those rows when the user agrees.
* Columns of True/False are text columns; numeric columns are float64 (a `7` shows as `7.0`).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gmm_desktop.core.io.tables.records import BadCell, BadCells, Table, TableError
from gmm_desktop.core.io.tables.sniff import Format, is_number

NUMERIC_FRACTION = 0.9
"""A column is numeric when at least this share of its non-empty cells are numbers."""


# ====================================================================== columns
def make_table(path: Path, frame: pd.DataFrame, line_numbers: np.ndarray, fmt: Format, encoding: str) -> Table:
    numeric, text, values = [], [], {}
    for name in frame.columns:
        column_values, is_numeric = _classify(frame[name], fmt.decimal)
        if is_numeric:
            numeric.append(name)
            values[name] = _readonly(column_values)
        else:
            text.append(name)
    if not numeric:
        raise TableError(path, f"no numeric column (columns: {', '.join(map(str, frame.columns))})")
    line_numbers = _readonly(line_numbers)
    bad = {name: int(np.count_nonzero(~np.isfinite(values[name]))) for name in numeric}
    return Table(
        path,
        tuple(frame.columns),
        tuple(numeric),
        tuple(text),
        frame,
        types.MappingProxyType(values),
        types.MappingProxyType(bad),
        line_numbers,
        fmt.delimiter,
        encoding,
        fmt.has_header,
        fmt.decimal,
    )


def _classify(column: pd.Series, decimal: str) -> tuple[np.ndarray, bool]:
    """(float64 values with NaN where not a number, whether the column counts as numeric)."""
    if column.dtype.kind in "iuf":
        values = column.to_numpy(np.float64, na_value=np.nan)
        return values, bool(np.any(~np.isnan(values)))
    if column.dtype.kind == "b":
        return np.full(len(column), np.nan), False
    values, nonempty = _coerce(column, decimal)
    numbers = int(np.count_nonzero(~np.isnan(values)))
    return values, numbers > 0 and numbers >= NUMERIC_FRACTION * nonempty


def _coerce(column: pd.Series, decimal: str) -> tuple[np.ndarray, int]:
    """Vectorised text -> float (pd.to_numeric), and the number of non-empty cells."""
    text = column.astype("str").str.strip()
    nonempty = int((text.str.len() > 0).sum())
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    return values, nonempty


def _readonly(array: np.ndarray) -> np.ndarray:
    """A read-only view (the underlying buffer, maybe the frame's, is not touched)."""
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view


# ====================================================================== bad cells
def numeric_matrix(table: Table, columns: Sequence[str] | None = None) -> np.ndarray:
    """(N, D) float64 of the chosen columns (default: all numeric ones), C-contiguous, a fresh copy.

    Raises TableError at the first bad cell (in file order), with the total count in the message.
    """
    names = _selection(table, columns)
    out = np.empty((table.n_rows, len(names)))
    for j, name in enumerate(names):
        out[:, j] = _values(table, name)
    bad = ~np.isfinite(out)
    if bad.any():
        found = bad_cells(table, names, limit=1)
        cell = found.cells[0]
        total = f" ({found.total} bad cells in {found.rows} rows)" if found.total > 1 else ""
        raise TableError(
            table.path, _cell_reason(cell.text, table, cell.column) + total, line=cell.line, column=cell.column
        )
    return out


def bad_cells(table: Table, columns: Sequence[str] | None = None, limit: int | None = 20) -> BadCells:
    """Bad (missing, non-numeric, non-finite) cells of the chosen columns: totals and the first `limit`."""
    names = _selection(table, columns)
    mask = _bad_mask(table, names)
    flat = np.flatnonzero(mask)
    shown = flat if limit is None else flat[:limit]
    cells = tuple(
        BadCell(
            int(table.line_numbers[i // len(names)]),
            names[i % len(names)],
            _raw(table, i // len(names), names[i % len(names)]),
        )
        for i in shown
    )
    return BadCells(int(flat.size), int(np.count_nonzero(mask.any(axis=1))), cells)


def drop_rows_with_bad_cells(table: Table, columns: Sequence[str] | None = None) -> Table:
    """A new Table without the rows that have a bad cell in the chosen columns (the user agreed)."""
    names = _selection(table, columns)
    keep = ~_bad_mask(table, names).any(axis=1)
    if not keep.any():
        raise TableError(table.path, "every row has a bad cell in the chosen columns")
    frame = table.frame.loc[keep].reset_index(drop=True)
    values = {name: _readonly(array[keep]) for name, array in table.numeric_values.items()}
    bad = {name: int(np.count_nonzero(~np.isfinite(array))) for name, array in values.items()}
    return dataclasses.replace(
        table,
        frame=frame,
        numeric_values=types.MappingProxyType(values),
        bad_counts=types.MappingProxyType(bad),
        line_numbers=_readonly(table.line_numbers[keep]),
    )


def preview_rows(table: Table, n: int = 20) -> list[tuple[int, tuple[str, ...]]]:
    """The first n rows as (file line, cell texts) for the import dialog."""
    head = table.frame.head(n)
    return [
        (int(table.line_numbers[i]), tuple(_display(v) for v in row))
        for i, row in enumerate(head.itertuples(index=False, name=None))
    ]


def _selection(table: Table, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(table.numeric_columns)
    if isinstance(columns, str):
        columns = [columns]
    for name in columns:
        if name not in table.columns:
            raise TableError(table.path, f'no column named "{name}"', column=name)
    if not columns:
        raise TableError(table.path, "no column chosen")
    return list(columns)


def _values(table: Table, name: str) -> np.ndarray:
    if name in table.numeric_values:
        return table.numeric_values[name]
    return _coerce(table.frame[name], table.decimal)[0]


def _bad_mask(table: Table, names: list[str]) -> np.ndarray:
    return ~np.isfinite(np.column_stack([_values(table, name) for name in names]))


def _raw(table: Table, row: int, name: str) -> str:
    return _display(table.frame[name].iat[row])


def _display(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _cell_reason(text: str, table: Table, name: str) -> str:
    stripped = text.strip()
    if not stripped:
        return "missing value"
    if is_number(stripped, table.decimal) or stripped.lower().lstrip("+-") == "nan":
        return f'"{text}" is not a finite number'  # a finite number is never a bad cell
    suffix = "" if name in table.numeric_columns else " (the column is text)"
    return f'"{text}" is not a number{suffix}'
