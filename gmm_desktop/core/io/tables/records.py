"""What reading a table gives back: the `Table`, its bad cells, and the errors every room raises.

They live apart from the code that builds them so that the reader, the cell checks, the writer
and the window share one definition without importing one another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

WHITESPACE = " "
"""`Table.delimiter` value meaning "any run of spaces and tabs"."""


class TableError(ValueError):
    """A problem with a data file, located as precisely as possible.

    path: the file; line: 1-based line in the file or None; column: name (or 1-based index) or None;
    reason: the message without the location. str() reads like
    `data.csv, line 7, column "x": "abc" is not a number`.
    """

    def __init__(
        self, path: str | os.PathLike[str], reason: str, *, line: int | None = None, column: str | int | None = None
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        where = [self.path.name]
        if line is not None:
            where.append(f"line {line}")
        if isinstance(column, str):
            where.append(f'column "{column}"')
        elif column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {reason}")


class LoadCancelled(Exception):  # noqa: N818 - the name says what happened; it is not an error
    """The progress callback returned False: loading stopped, nothing was returned."""


class BadCell(NamedTuple):
    line: int
    column: str
    text: str
    """The cell as written in the file ('' when missing)."""


@dataclass(frozen=True)
class BadCells:
    """Where the missing, non-numeric or non-finite cells are: totals plus the first few."""

    total: int
    rows: int
    cells: tuple[BadCell, ...]

    def summary(self, shown: int = 5) -> str:
        """E.g. `3 bad cells in 2 rows: line 7 "x" ("abc"), line 9 "y" (missing), ...`."""
        if not self.total:
            return "no bad cells"
        parts = [f'line {c.line} "{c.column}" ({repr(c.text) if c.text else "missing"})' for c in self.cells[:shown]]
        more = ", ..." if self.total > len(parts) else ""
        cells = "cell" if self.total == 1 else "cells"
        rows = "row" if self.rows == 1 else "rows"
        return f"{self.total} bad {cells} in {self.rows} {rows}: {', '.join(parts)}{more}"


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV file. Treat `frame` and the arrays as read-only.

    frame: the cells as parsed (numbers for clean numeric columns, text otherwise), N rows.
    numeric_values: float64 (N,) per numeric column, NaN where the cell is bad.
    bad_counts: number of bad cells per numeric column.
    line_numbers: (N,) int64, 1-based file line of each row.
    delimiter: ",", ";", "\\t" or " " (runs of whitespace); decimal: "." or ",".
    """

    path: Path
    columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    frame: pd.DataFrame
    numeric_values: Mapping[str, np.ndarray]
    bad_counts: Mapping[str, int]
    line_numbers: np.ndarray
    delimiter: str
    encoding: str
    has_header: bool
    decimal: str

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns_with_bad_cells(self) -> tuple[str, ...]:
        return tuple(name for name in self.numeric_columns if self.bad_counts[name])
