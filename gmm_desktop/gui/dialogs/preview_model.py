"""The import dialog's preview: the first rows of a parsed file, as written, with their file lines.

Rows are labelled by their line in the file (not 1..N) so that what the bad-cell report and error
messages say ("line 7") can be found in the preview and in an editor. Bad cells of the columns
chosen for fitting are tinted; columns not fitted are greyed, so the effect of a choice is visible.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from gmm_desktop.core.tables import Table, preview_rows

PREVIEW_ROWS = 20
BAD_BRUSH = QBrush(QColor("#f6c6c6"))
UNUSED_BRUSH = QBrush(QColor("#8a8a8a"))
_Index = QModelIndex | QPersistentModelIndex


class PreviewModel(QAbstractTableModel):
    """Read-only; `set_fit_columns` says which columns are fitted (their bad cells are tinted)."""

    def __init__(self, table: Table, rows: int = PREVIEW_ROWS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._rows = preview_rows(table, rows)
        n = len(self._rows)
        self._bad = {name: ~np.isfinite(values[:n]) for name, values in table.numeric_values.items()}
        self._fit: frozenset[str] = frozenset(table.numeric_columns)

    def set_fit_columns(self, names: tuple[str, ...]) -> None:
        self._fit = frozenset(names)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def is_bad(self, row: int, column: int) -> bool:
        """Whether the cell is a bad cell of a fitted column (what the tint shows)."""
        name = self._table.columns[column]
        return name in self._fit and name in self._bad and bool(self._bad[name][row])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._table.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        text = self._rows[row][1][column]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.BackgroundRole and self.is_bad(row, column):
            return BAD_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and self._table.columns[column] not in self._fit:
            return UNUSED_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and self.is_bad(row, column):
            return "Missing value: this row cannot be fitted." if not text else f"{text!r} is not a finite number."
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            if 0 <= section < len(self._rows) and role == Qt.ItemDataRole.DisplayRole:
                return str(self._rows[section][0])
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Line of the file where this row starts."
            return None
        if not 0 <= section < len(self._table.columns):
            return None
        name = self._table.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return _column_tip(self._table, name)
        return None


def _column_tip(table: Table, name: str) -> str:
    if name not in table.numeric_columns:
        return f"{name!r}: a text column (it can be the known labels, not fitted)."
    bad = table.bad_counts[name]
    return f"{name!r}: a numeric column with {bad:,} missing or non-numeric cells." if bad else f"{name!r}: numbers."
