"""Table of a fitted mixture's parameters: one row per component, the two plotted coordinates.

Columns: weight, the means, the standard deviations and the correlation of the displayed pair of
coordinates (`ViewState.shown`), because those are what the plot's ellipses show; for D > 2 the
tooltip of a row lists every mean. DisplayRole is rounded text; `VALUE_ROLE` (= UserRole) and
EditRole give the exact float, so views can sort and tests can compare with the core's numbers.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from gmm_desktop.core.mixture import Mixture

VALUE_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex


def _name(names: tuple[str, ...], index: int) -> str:
    return names[index] if index < len(names) else f"x{index + 1}"


class FitParamsModel(QAbstractTableModel):
    """Read-only parameters of `set_mixture(...)`; an empty table when there is no fit."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mixture: Mixture | None = None
        self._headers: list[str] = []
        self._tips: list[str] = []
        self._values = np.empty((0, 0))
        self._row_tips: list[str] = []

    # ---------------------------------------------------------------- input
    def set_mixture(
        self, mixture: Mixture | None, coordinates: tuple[int, ...] = (0, 1), names: tuple[str, ...] = ("x", "y")
    ) -> None:
        """Show `mixture` (None: nothing) through `coordinates` named `names` (the data's columns).

        A live fit changes the numbers every iteration but not the shape, so the table then only
        announces changed cells and keeps the user's selection and scroll position.
        """
        self._mixture = mixture
        if mixture is None:
            headers, tips, values, row_tips = [], [], np.empty((0, 0)), []
        else:
            headers, tips, values = self._columns(mixture, tuple(c for c in coordinates if c < mixture.n_dims), names)
            row_tips = self._row_tooltips(mixture, names)
        if headers == self._headers and values.shape == self._values.shape:
            self._values, self._row_tips = values, row_tips
            if values.size:
                self.dataChanged.emit(self.index(0, 0), self.index(values.shape[0] - 1, values.shape[1] - 1))
            return
        self.beginResetModel()
        self._headers, self._tips, self._values, self._row_tips = headers, tips, values, row_tips
        self.endResetModel()

    def mixture(self) -> Mixture | None:
        return self._mixture

    def value(self, row: int, column: int) -> float:
        return float(self._values[row, column])

    @staticmethod
    def _columns(
        mixture: Mixture, coordinates: tuple[int, ...], names: tuple[str, ...]
    ) -> tuple[list[str], list[str], np.ndarray]:
        stds = mixture.stds()
        shown = [_name(names, c) for c in coordinates]
        headers = ["weight"] + [f"mean {n}" for n in shown] + [f"std {n}" for n in shown]
        tips = ["Mixing weight: the fraction of points the component explains."]
        tips += [f"Mean of the component in {n}." for n in shown]
        tips += [f"Standard deviation of the component in {n}." for n in shown]
        columns = [mixture.weights] + [mixture.means[:, c] for c in coordinates] + [stds[:, c] for c in coordinates]
        if len(coordinates) == 2:
            a, b = coordinates
            headers.append(f"corr {shown[0]},{shown[1]}")
            tips.append(f"Correlation of {shown[0]} and {shown[1]} within the component (-1 to 1).")
            columns.append(mixture.covariances[:, a, b] / (stds[:, a] * stds[:, b]))
        return headers, tips, np.column_stack(columns)

    @staticmethod
    def _row_tooltips(mixture: Mixture, names: tuple[str, ...]) -> list[str]:
        if mixture.n_dims <= 2:
            return [f"Component {k + 1}" for k in range(mixture.n_components)]
        return [
            f"Component {k + 1}: mean "
            + ", ".join(f"{_name(names, d)} {mixture.means[k, d]:.4g}" for d in range(mixture.n_dims))
            for k in range(mixture.n_components)
        ]

    # ---------------------------------------------------------------- QAbstractTableModel
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._values.shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = float(self._values[index.row(), index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value:.4g}" if np.isfinite(value) else "—"
        if role in (VALUE_ROLE, Qt.ItemDataRole.EditRole):
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self._row_tips[index.row()]}; {self._headers[index.column()]} = {value:.10g}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and not 0 <= section < len(self._headers):
            return None
        if not horizontal and not 0 <= section < self._values.shape[0]:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if horizontal else str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tips[section] if horizontal else self._row_tips[section]
        return None
