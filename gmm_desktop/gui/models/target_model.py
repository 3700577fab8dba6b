"""The target mixture as a table: one row per component, six parameter columns.

A lazy view over AppState's (immutable) target: the per-component numbers are computed once per
target change into small numpy arrays and `data()` only indexes them. Edits are validated here and
handed to the `TargetEditor` as whole new mixtures (one undo step each); the model never writes its
own cache, it refreshes when the state announces the new target, so nothing echoes. Refused edits
are reported by the `error` signal, never by a dialog.

Weights: the column shows the normalised weight (the weights sum to 1). Typing a value sets that
component's raw weight while the others keep their current values, then all are divided by their
sum: with 0.5 / 0.5, typing 1.5 in row 1 gives 1.5 / 2 = 0.75 and 0.25. A weight of 0 switches a
component off (allowed while another component has a positive weight).

Dimensions: the table edits 2-D targets. A target with D != 2 (only from a file) is shown by its
first two coordinates, read-only (`flags()` drops ItemIsEditable), and `is_editable()` is False.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from gmm_desktop.core.mixture import Mixture, MixtureError
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import TargetEditor

WEIGHT, MEAN_X, MEAN_Y, STD_X, STD_Y, CORRELATION = range(6)

COLUMNS = ("weight", "mean x", "mean y", "std x", "std y", "correlation")
"""Column names as used in messages and undo texts ("Edit std x of component 2")."""

HEADERS = ("weight", "mean x", "mean y", "std x", "std y", "corr.")
"""Shorter header labels: the panel lives in a ~350 px dock."""

COLUMN_TIPS = (
    "Share of the component in the mixture (normalised to sum to 1); typing sets its raw weight, "
    "the others keep theirs, then all are rescaled to sum to 1.",
    "Horizontal position of the component's centre.",
    "Vertical position of the component's centre.",
    "Standard deviation along x: how wide the component is (must be positive).",
    "Standard deviation along y: how tall the component is (must be positive).",
    "Correlation of x and y within the component: tilts the ellipse (strictly between -1 and 1).",
)

_Index = QModelIndex | QPersistentModelIndex


TINY = 1e-12
"""Non-zero magnitudes below this are float noise in practice (3 cos(pi/2) = 1.8e-16): shown as "≈0"."""


def format_value(value: float) -> str:
    """Display form: 4 significant digits keeps six columns readable in a narrow dock; the editor
    and the cell's tooltip show the full value."""
    if value != 0 and abs(value) < TINY:
        return "≈0"
    return f"{value:.4g}"


def parse_value(value: Any) -> float:
    """A finite float from an editor's text (a comma is accepted as the decimal mark) or a number.

    Raises ValueError with the message the user sees.
    """
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text:
            raise ValueError("enter a number")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a number") from None
    elif isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(f"{value!r} is not a number")
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


class TargetTableModel(QAbstractTableModel):
    """Rows = components of `state.target`; columns = COLUMNS. Edits go through `editor` (undoable);
    without an editor they set the target directly (no undo), which is what a test of the model
    alone needs.

    `error(str)` carries a refused edit's reason ("Row 2, std y: must be positive"); an empty string
    is emitted when an edit is accepted, so a view can clear an old message.
    """

    error = Signal(str)

    def __init__(self, state: AppState, editor: TargetEditor | None = None, parent=None) -> None:
        super().__init__(parent)
        self._state = state
        self._editor = editor
        self._cache(state.target)
        state.target_changed.connect(self._on_target_changed)

    # ---------------------------------------------------------------- cache of the shown target
    def _cache(self, mixture: Mixture) -> None:
        """(K, 6) table of the numbers shown, NaN where a 1-D target has no y."""
        self._mixture = mixture
        k, d = mixture.n_components, mixture.n_dims
        table = np.full((k, len(COLUMNS)), np.nan)
        table[:, WEIGHT] = mixture.weights
        stds = mixture.stds()
        table[:, MEAN_X], table[:, STD_X] = mixture.means[:, 0], stds[:, 0]
        if d >= 2:
            table[:, MEAN_Y], table[:, STD_Y] = mixture.means[:, 1], stds[:, 1]
            table[:, CORRELATION] = mixture.correlations()
        self._table = table

    def _on_target_changed(self, mixture: Mixture) -> None:
        old = self._mixture
        if old.n_components == mixture.n_components and old.n_dims == mixture.n_dims:
            self._cache(mixture)
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(self.rowCount() - 1, self.columnCount() - 1),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole],
            )
        else:
            # Rows came or went (or editability changed): which ones is unknown from two mixtures.
            self.beginResetModel()
            self._cache(mixture)
            self.endResetModel()

    def is_editable(self) -> bool:
        """Only 2-D targets are edited in the table (see the module docstring)."""
        return self._mixture.n_dims == 2

    # ---------------------------------------------------------------- read
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._mixture.n_components

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = float(self._table[index.row(), index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if math.isnan(value) else format_value(value)
        if role == Qt.ItemDataRole.EditRole:
            # Full precision as text: a QLineEdit editor (a float would get a 2-decimal spin box).
            return "" if math.isnan(value) else repr(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if math.isnan(value):
                return "This target has one dimension: there is no y."
            return f"{COLUMNS[index.column()]} of component {index.row() + 1}: {value!r}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMN_TIPS[section]
        elif orientation == Qt.Orientation.Vertical and 0 <= section < self.rowCount():
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Component {section + 1}"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_editable():
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # ---------------------------------------------------------------- write
    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Validate, build the new target and hand it to the editor; the cache refreshes when the
        state announces the change. Returns False (and emits `error`) for a refused value."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self.is_editable():
            return False
        row, column = index.row(), index.column()
        where = f"Row {row + 1}, {COLUMNS[column]}"
        try:
            number = parse_value(value)
            if number == self._table[row, column]:
                self.error.emit("")
                return True  # unchanged (e.g. Enter in an untouched editor): no undo step
            new = self._edited(row, column, number)
        except (ValueError, MixtureError) as exc:
            self.error.emit(f"{where}: {exc}")
            return False
        text = f"Edit {COLUMNS[column]} of component {row + 1}"
        if self._editor is not None:
            self._editor.edit(new, text)
        else:
            self._state.set_target(new)
        self.error.emit("")
        return True

    def _edited(self, row: int, column: int, number: float) -> Mixture:
        """The target with one table cell changed; other components keep their arrays bit for bit.

        Raises ValueError (the reason the user sees) or MixtureError.
        """
        mixture = self._mixture
        weights, means, covariances = mixture.weights.copy(), mixture.means.copy(), mixture.covariances.copy()
        if column == WEIGHT:
            if number < 0:
                raise ValueError("must not be negative")
            weights[row] = number
            if weights.sum() <= 0:
                raise ValueError("at least one component needs a positive weight")
        elif column in (MEAN_X, MEAN_Y):
            means[row, column - MEAN_X] = number
        else:
            std_x, std_y, rho = (float(v) for v in self._table[row, STD_X : CORRELATION + 1])
            if column in (STD_X, STD_Y):
                if number <= 0:
                    raise ValueError("must be positive")
                std_x, std_y = (number, std_y) if column == STD_X else (std_x, number)
            else:
                if not -1 < number < 1:
                    raise ValueError("must lie strictly between -1 and 1")
                rho = number
            cov_xy = rho * std_x * std_y
            covariances[row] = [[std_x**2, cov_xy], [cov_xy, std_y**2]]
        return Mixture(weights, means, covariances)
