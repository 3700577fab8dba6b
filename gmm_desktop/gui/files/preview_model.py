"""The import dialog's preview: the first rows of a parsed file, as written, with their file lines;
and the row of controls that says how the file was read (delimiter, decimal mark, header).

Rows are labelled by their line in the file (not 1..N) so that what the bad-cell report and error
messages say ("line 7") can be found in the preview and in an editor. Bad cells of the columns
chosen for fitting are tinted; columns not fitted are greyed, so the effect of a choice is visible.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from gmm_desktop.core.io.tables import Table, preview_rows
from gmm_desktop.gui.panels.forms import check_box, choice_combo, select_data

PREVIEW_ROWS = 20
BAD_BRUSH = QBrush(QColor("#f6c6c6"))
UNUSED_BRUSH = QBrush(QColor("#8a8a8a"))
_Index = QModelIndex | QPersistentModelIndex
DELIMITER_CHOICES = (
    ("Comma", ",", "Fields are separated by commas."),
    ("Semicolon", ";", "Fields are separated by semicolons."),
    ("Tab", "\t", "Fields are separated by tabs."),
    ("Whitespace", " ", "Fields are separated by runs of spaces or tabs."),
)
DECIMAL_CHOICES = (("Point", ".", "Numbers are written as 1.5."), ("Comma", ",", "Numbers are written as 1,5."))


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


class FormatRow(QWidget):
    """How a Table was read, as controls the user can correct: delimiter, decimal mark, header line.

    changed(dict of delimiter, decimal, has_header): the user changed one (`load_csv`'s keywords).
    """

    changed = Signal(dict)

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.delimiter_combo = choice_combo(
            DELIMITER_CHOICES, "The character between fields; a change reads the file again."
        )
        self.delimiter_combo.setObjectName("delimiterCombo")
        self.decimal_combo = choice_combo(
            DECIMAL_CHOICES, "The decimal mark of numbers; a change reads the file again."
        )
        self.decimal_combo.setObjectName("decimalCombo")
        tip = "Take the first line as column names rather than data; a change reads the file again."
        self.header_check = check_box("First line is a &header", table.has_header, tip)
        self.header_check.setObjectName("headerCheck")
        self.show_table(table)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for caption, combo in (("&Delimiter:", self.delimiter_combo), ("D&ecimal:", self.decimal_combo)):
            label = QLabel(caption)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo)
        row.addWidget(self.header_check)
        row.addStretch(1)
        self.delimiter_combo.currentIndexChanged.connect(self._on_changed)
        self.decimal_combo.currentIndexChanged.connect(self._on_changed)
        self.header_check.toggled.connect(self._on_changed)

    def options(self) -> dict:
        return {
            "delimiter": self.delimiter_combo.currentData(),
            "decimal": self.decimal_combo.currentData(),
            "has_header": self.header_check.isChecked(),
        }

    def show_table(self, table: Table) -> None:
        """Show how `table` was read, without emitting `changed`."""
        widgets = (self.delimiter_combo, self.decimal_combo, self.header_check)
        for widget in widgets:
            widget.blockSignals(True)
        select_data(self.delimiter_combo, table.delimiter)
        select_data(self.decimal_combo, table.decimal)
        self.header_check.setChecked(table.has_header)
        for widget in widgets:
            widget.blockSignals(False)

    def _on_changed(self) -> None:
        self.changed.emit(self.options())
