"""Table of a fitted-versus-true comparison: one row per matched pair of components.

Components have no intrinsic order, so the core matches them first (Bhattacharyya distance,
Hungarian assignment); this table shows each pair and its errors. The mixture-wide numbers (KL,
ARI) and unmatched components are said by the panel in a label, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

if TYPE_CHECKING:  # the module imports scipy and scikit-learn: load it when a comparison is made
    from gmm_desktop.core.compare import Comparison

VALUE_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("true", "fitted", "Δ weight", "Δ mean", "Δ cov")
HEADER_TIPS = (
    "Component of the target mixture (numbered from 1).",
    "Fitted component matched to it (numbered from 1, as in the parameter table).",
    "|w_fit − w_true|: absolute difference of the mixing weights.",
    "‖μ_fit − μ_true‖: distance between the means, in data units.",
    "Covariance error relative to the true covariance: ‖Σ_fit − Σ_true‖ / ‖Σ_true‖ (Frobenius).",
)


class ComparisonModel(QAbstractTableModel):
    """Read-only; `set_comparison(None)` empties it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._comparison: Comparison | None = None

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self._comparison = comparison
        self.endResetModel()

    def comparison(self) -> Comparison | None:
        return self._comparison

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        if parent.isValid() or self._comparison is None:
            return 0
        return len(self._comparison.matches)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or self._comparison is None:
            return None
        match = self._comparison.matches[index.row()]
        values = (
            match.true_index + 1,
            match.fitted_index + 1,
            match.weight_error,
            match.mean_error,
            match.covariance_error,
        )
        value = values[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value) if index.column() < 2 else f"{value:.3g}"
        if role in (VALUE_ROLE, Qt.ItemDataRole.EditRole):
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"Fitted component {match.fitted_index + 1} matched to true component {match.true_index + 1}: "
                f"Bhattacharyya distance {match.distance:.3g} (0 when identical; the matching minimises the sum)."
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None
