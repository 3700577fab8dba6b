"""Table of model-selection candidates: K, model, log-likelihood, BIC, AIC, ICL, status.

The model is named as mclust prints it (`Candidate.model_name`: EEV, or XXX for one ellipsoidal
component, E or V in one dimension), with scikit-learn's name in brackets for the four it has.
Criteria follow scikit-learn's sign (lower is better). The best candidate (chosen by the panel
through the core's `best`, never a degenerate one) is bold on a green background; degenerate rows
are red and their tooltip says why in words; a candidate with a caution (`Candidate.warning`, e.g. a
component with fewer effective points than parameters) keeps its status with a ⚠ and the caution in
its tooltip. `VALUE_ROLE` gives sortable raw values (numbers, with failed fits' infinite criteria
last; K then the registry's order for the K column, the registry's order then K for the model
column), so a QSortFilterProxyModel sorts every column correctly and ties never reorder at random.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gmm_desktop.core.models import MODELS, CovarianceModel
from gmm_desktop.core.selection import Candidate

VALUE_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("K", "model", "log-lik", "BIC", "AIC", "ICL", "status")
MODEL_COLUMN, LOG_LIK_COLUMN, STATUS_COLUMN = 1, 2, 6
CRITERION_COLUMN = {"bic": 3, "aic": 4, "icl": 5}
WARNING_MARK = "⚠"
HEADER_TIPS = (
    "Number of components.",
    "The covariance model by mclust's name (XXX, XXI, XII for one component; E, V in one dimension), "
    "with scikit-learn's name in brackets: "
    + ", ".join(f"{m.mclust} = {m.name}" for m in MODELS.values() if m.name != m.mclust)
    + ".",
    "Mean log-likelihood per point of the fitted model (higher fits the data more closely).",
    "Bayesian information criterion, -2 log L + p ln N: lower is better (mclust shows the negative).",
    "Akaike information criterion, -2 log L + 2 p: lower is better.",
    "Integrated completed likelihood, BIC + 2 × entropy of the hard assignments (mclust's): lower is better.",
    f"best: lowest criterion among usable fits; degenerate: a component collapsed (hover for why); "
    f"{WARNING_MARK}: a caution, such as a component with fewer points than parameters (hover for it).",
)
BEST_BRUSH = QBrush(QColor(200, 235, 200))
DEGENERATE_BRUSH = QBrush(QColor(176, 0, 32))
WARNING_BRUSH = QBrush(QColor(150, 95, 0))
_ORDER = {name: index for index, name in enumerate(MODELS)}


def model_text(model: CovarianceModel, name: str | None = None) -> str:
    """How the window names a model: mclust's `name` (by default the model's three letters), with
    scikit-learn's name in brackets where it has one ("VVV (full)", "XXX (full)", "EEV")."""
    shown = name or model.mclust
    return shown if model.name == model.mclust else f"{shown} ({model.name})"


def candidate_text(candidate: Candidate) -> str:
    """The candidate's model as the table and the best line name it (a failed fit, which has no
    dimension to name it by, by the model's three letters)."""
    model = MODELS.get(candidate.covariance_type)
    if model is None:
        return candidate.covariance_type
    return model_text(model, candidate.model_name if candidate.result is not None else None)


class CandidatesModel(QAbstractTableModel):
    """Rows in the order the sweep produced them (K outer, the registry's order of models inner)."""

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
            return self._tooltip(candidate, column, is_best)
        if role == Qt.ItemDataRole.BackgroundRole and is_best:
            return BEST_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and candidate.degenerate:
            return DEGENERATE_BRUSH
        if role == Qt.ItemDataRole.ForegroundRole and candidate.warning and column == STATUS_COLUMN:
            return WARNING_BRUSH
        if role == Qt.ItemDataRole.FontRole and is_best:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and MODEL_COLUMN < column < STATUS_COLUMN:
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

    def _tooltip(self, candidate: Candidate, column: int, is_best: bool) -> str:
        scores = (
            f"log-lik {candidate.log_likelihood:.4f} per point · BIC {candidate.bic:,.1f} · "
            f"AIC {candidate.aic:,.1f} · ICL {candidate.icl:,.1f}"
        )
        lines = [scores]
        model = MODELS.get(candidate.covariance_type)
        if column == MODEL_COLUMN and model is not None:
            lines.insert(0, f"{model.label}: {model.description}")
            if candidate.result is not None and candidate.model_name != model.mclust:
                k = candidate.n_components
                lines.insert(1, f"mclust calls {model.mclust} {candidate.model_name} here (K = {k}).")
        if candidate.degenerate:
            lines.insert(0, f"Degenerate: {candidate.reason}. Never recommended.")
        elif is_best:
            lines.insert(0, f"Best by {self._criterion.upper()} (lower is better).")
        if candidate.warning:
            lines.append(f"{WARNING_MARK} Caution: {candidate.warning}; its estimates are uncertain (not rejected).")
        return "\n".join(lines)

    @staticmethod
    def _status(candidate: Candidate, is_best: bool) -> str:
        if candidate.degenerate:
            return "failed" if candidate.result is None else "degenerate"
        return "best" if is_best else "ok"

    def _text(self, candidate: Candidate, column: int, is_best: bool) -> str:
        if column == 0:
            return str(candidate.n_components)
        if column == MODEL_COLUMN:
            return candidate_text(candidate)
        if column == LOG_LIK_COLUMN:
            return f"{candidate.log_likelihood:.4f}" if math.isfinite(candidate.log_likelihood) else "—"
        if column == STATUS_COLUMN:
            status = self._status(candidate, is_best)
            return f"{status} {WARNING_MARK}" if candidate.warning and not candidate.degenerate else status
        value = (candidate.bic, candidate.aic, candidate.icl)[column - 3]
        return f"{value:,.1f}" if math.isfinite(value) else "—"

    def _value(self, candidate: Candidate, column: int, is_best: bool) -> object:
        order = _ORDER.get(candidate.covariance_type, len(_ORDER))
        if column == 0:  # K, then the registry's order: ties never depend on the order rows came in
            return candidate.n_components * 1000 + order
        if column == MODEL_COLUMN:
            return order * 1000 + candidate.n_components
        if column == LOG_LIK_COLUMN:
            return candidate.log_likelihood if math.isfinite(candidate.log_likelihood) else -math.inf
        if column == STATUS_COLUMN:
            return ("best", "ok", "degenerate", "failed").index(self._status(candidate, is_best))
        return (candidate.bic, candidate.aic, candidate.icl)[column - 3]
