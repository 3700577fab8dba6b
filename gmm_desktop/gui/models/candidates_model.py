"""Table of model-selection candidates: K, covariance type, log-likelihood, BIC, AIC, ICL, status.

Criteria follow scikit-learn's sign (lower is better). The best candidate (chosen by the panel
through the core's `best`, never a degenerate one) is bold on a green background; degenerate rows
are red and their tooltip says why in words. `VALUE_ROLE` gives sortable raw values (numbers, with
failed fits' infinite criteria last), so a QSortFilterProxyModel can sort every column correctly.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gmm_desktop.core.models import MODELS
from gmm_desktop.core.selection import Candidate

VALUE_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("K", "type", "log-lik", "BIC", "AIC", "ICL", "status")
CRITERION_COLUMN = {"bic": 3, "aic": 4, "icl": 5}
HEADER_TIPS = (
    "Number of components.",
    "Covariance type: " + ", ".join(f"{m.name} = mclust {m.mclust}" for m in MODELS.values()) + ".",
    "Mean log-likelihood per point of the fitted model (higher fits the data more closely).",
    "Bayesian information criterion, -2 log L + p ln N: lower is better (mclust shows the negative).",
    "Akaike information criterion, -2 log L + 2 p: lower is better.",
    "Integrated completed likelihood, BIC + 2 × entropy of the assignments: lower is better.",
    "best: lowest criterion among usable fits; degenerate: a component collapsed (hover for why).",
)
BEST_BRUSH = QBrush(QColor(200, 235, 200))
DEGENERATE_BRUSH = QBrush(QColor(176, 0, 32))


class CandidatesModel(QAbstractTableModel):
    """Rows in the order the sweep produced them (K outer, covariance type inner)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._candidates: tuple[Candidate, ...] = ()
        self._best: Candidate | None = None
        self._criterion = "bic"
        self._bold = QFont()
        self._bold.setBold(True)

    # ---------------------------------------------------------------- input
    def set_candidates(self, candidates: tuple[Candidate, ...], best: Candidate | None) -> None:
        """Show `candidates`; a sweep only appends, so new rows are inserted and the rest kept."""
        old = self._candidates
        grows = len(candidates) >= len(old) and all(a is b for a, b in zip(old, candidates))
        if grows:
            if len(candidates) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(candidates) - 1)
                self._candidates = tuple(candidates)
                self.endInsertRows()
        else:
            self.beginResetModel()
            self._candidates = tuple(candidates)
            self.endResetModel()
        self.set_best(best)

    def set_best(self, best: Candidate | None) -> None:
        if best is self._best:
            return
        self._best = best
        if self._candidates:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._candidates) - 1, len(COLUMNS) - 1))

    def set_criterion(self, criterion: str) -> None:
        """Which criterion column is shown bold in the header."""
        self._criterion = criterion
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def candidate(self, row: int) -> Candidate:
        return self._candidates[row]

    def best_row(self) -> int | None:
        for row, candidate in enumerate(self._candidates):
            if candidate is self._best:
                return row
        return None

    # ---------------------------------------------------------------- QAbstractTableModel
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._candidates)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        candidate = self._candidates[index.row()]
        column = index.column()
        is_best = candidate is self._best
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(candidate, column, is_best)
        if role == VALUE_ROLE:
            return self._value(candidate, column, is_best)
        if role == Qt.ItemDataRole.ToolTipRole:
            scores = f"BIC {candidate.bic:,.1f} · AIC {candidate.aic:,.1f} · ICL {candidate.icl:,.1f}"
            if candidate.degenerate:
                return f"Degenerate: {candidate.reason}. Never recommended.\n{scores}"
            if is_best:
                return f"Best by {self._criterion.upper()} (lower is better).\n{scores}"
            if column == 1:
                model = MODELS.get(candidate.covariance_type)
                return f"{candidate.covariance_type} = mclust {model.mclust if model else '?'}"
            return scores
        if role == Qt.ItemDataRole.BackgroundRole and is_best:
            return BEST_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and candidate.degenerate:
            return DEGENERATE_BRUSH
        if role == Qt.ItemDataRole.FontRole and is_best:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and 0 < column < len(COLUMNS) - 1 and column != 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._candidates):
                return str(section + 1)
            return None
        if not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        if role == Qt.ItemDataRole.FontRole and section == CRITERION_COLUMN.get(self._criterion):
            return self._bold
        return None

    @staticmethod
    def _status(candidate: Candidate, is_best: bool) -> str:
        if candidate.degenerate:
            return "failed" if candidate.result is None else "degenerate"
        return "best" if is_best else "ok"

    def _text(self, candidate: Candidate, column: int, is_best: bool) -> str:
        if column == 0:
            return str(candidate.n_components)
        if column == 1:
            return candidate.covariance_type
        if column == 2:
            return f"{candidate.log_likelihood:.4f}" if math.isfinite(candidate.log_likelihood) else "—"
        if column == 6:
            return self._status(candidate, is_best)
        value = (candidate.bic, candidate.aic, candidate.icl)[column - 3]
        return f"{value:,.1f}" if math.isfinite(value) else "—"

    def _value(self, candidate: Candidate, column: int, is_best: bool) -> object:
        if column == 0:
            return candidate.n_components
        if column == 1:
            order = tuple(MODELS)
            return order.index(candidate.covariance_type) if candidate.covariance_type in MODELS else len(order)
        if column == 2:
            return candidate.log_likelihood if math.isfinite(candidate.log_likelihood) else -math.inf
        if column == 6:
            return ("best", "ok", "degenerate", "failed").index(self._status(candidate, is_best))
        return (candidate.bic, candidate.aic, candidate.icl)[column - 3]
