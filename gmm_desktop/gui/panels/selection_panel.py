"""The model-selection dock: fit every K in a range for each chosen covariance model (mclust's 14,
grouped by family), score the fits by BIC, AIC or ICL (lower is better), and pick one.

The sweep runs through `AppState` on a worker and its candidates arrive one by one; the plot (one
line per model, `bic_plot`) and the table grow live at ~30 Hz. Degenerate candidates (a component
collapsed onto tied values or too few points) are drawn as hollow red markers, kept out of the lines,
explained in the table's tooltips and never recommended. Changing the criterion rescores the
candidates already fitted; it needs no new run.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QWidget

from gmm_desktop.core.selection import Candidate
from gmm_desktop.gui.models.candidates_model import (
    CRITERION_COLUMN,
    LOG_LIK_COLUMN,
    STATUS_COLUMN,
    VALUE_ROLE,
    CandidatesModel,
    candidate_text,
)
from gmm_desktop.gui.panels import fields
from gmm_desktop.gui.panels.bic_plot import BicPlot
from gmm_desktop.gui.panels.fields import Form
from gmm_desktop.gui.panels.forms import (
    COMPACT_SPACING,
    DockTable,
    FieldGrid,
    ScientificSpinBox,
    SeedEdit,
    button_row,
    choice_combo,
    compact,
    compact_box,
    int_spin,
    note_label,
)
from gmm_desktop.gui.panels.job_panel import JobPanel, action_button, command
from gmm_desktop.gui.panels.model_choices import INIT_CHOICES, ModelChecks
from gmm_desktop.gui.state.app_state import AppState

CRITERION_CHOICES = (
    ("BIC", "bic", "Bayesian information criterion, -2 log L + p ln N: favours fewer components as N grows."),
    ("AIC", "aic", "Akaike information criterion, -2 log L + 2 p: a lighter penalty, so more components."),
    ("ICL", "icl", "BIC plus the entropy of the hard assignments (mclust's): favours well-separated clusters."),
)
SIGN_NOTE = "Lower is better (scikit-learn's sign; mclust shows the negative)."
STATUS_WIDTH = 110
"""Widest a column of the candidates table gets (pixels)."""


class CandidatesTable(DockTable):
    """The candidates table; it says when its size changes, so that the panel can drop or bring back
    the log-likelihood column (a subclass rather than an event filter, which would run Python for
    every event of the table)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class SelectionPanel(JobPanel):
    """Model-selection dock: `run_action`, `stop_action` and `use_action` (the window's menus show
    them too) and their buttons; `form` binds the fields to the selection settings."""

    settings_kinds = ("selection",)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "selection", parent)
        self._build_settings()
        self._build_actions()
        self._build_results()
        state.selection_changed.connect(self._on_changed)
        state.data_changed.connect(self._on_changed)
        self.criterion_combo.currentIndexChanged.connect(self.request_redraw)
        self._update_buttons()
        self._redraw_now()

    # ---------------------------------------------------------------- building
    def _build_settings(self) -> None:
        box, layout, grid = compact_box("Candidates")
        self.k_min_spin = int_spin(1, 1, 100, "Smallest number of components to try.")
        self.k_max_spin = int_spin(6, 1, 100, "Largest number of components to try.")
        grid.add("K from", self.k_min_spin)
        grid.add("to", self.k_max_spin)
        self.models = ModelChecks()
        self.type_checks = self.models.checks
        layout.addWidget(self.models)
        grid = FieldGrid(columns=2, spacing=COMPACT_SPACING)
        self.criterion_combo = choice_combo(CRITERION_CHOICES, "Score used to rank the candidates: lower is better.")
        self.n_init_spin = int_spin(1, 1, 100, "Independent EM starts per candidate; the most likely one is kept.")
        self.init_combo = choice_combo(
            INIT_CHOICES, "How each candidate's EM starts (by default mclust's: hierarchical clustering first)."
        )
        self.tol_spin = ScientificSpinBox(
            1e-6,
            1e-12,
            10.0,
            "Each fit stops when the log-likelihood it may still gain is below this, per point.",
        )
        self.max_iter_spin = int_spin(1000, 1, 1_000_000, "Give up on a restart after this many iterations.", step=100)
        self.reg_covar_spin = ScientificSpinBox(
            1e-6, 0.0, 1.0, "Added to each covariance's diagonal, times that feature's variance: nothing collapses."
        )
        self.seed_edit = SeedEdit(0, "Whole number for reproducible fits; leave empty for fresh randomness.")
        grid.add("Criterion", self.criterion_combo)
        grid.add("Restarts", self.n_init_spin)
        grid.add("Init", self.init_combo, span=True)
        grid.add("Tolerance", self.tol_spin)
        grid.add("Ridge", self.reg_covar_spin)
        grid.add("Max iter", self.max_iter_spin)
        grid.add("Seed", self.seed_edit)
        layout.addLayout(grid)
        layout.addWidget(note_label(SIGN_NOTE))
        self.body.addWidget(box)
        self.form = Form(
            self.state,
            "selection",
            (
                fields.spin("k_min", self.k_min_spin),
                fields.spin("k_max", self.k_max_spin),
                fields.ticks("covariance_types", self.models),
                fields.combo("criterion", self.criterion_combo),
                fields.spin("n_init", self.n_init_spin),
                fields.combo("init", self.init_combo),
                fields.spin("tol", self.tol_spin),
                fields.spin("max_iter", self.max_iter_spin),
                fields.spin("reg_covar", self.reg_covar_spin),
                fields.seed("seed", self.seed_edit),
            ),
            self,
        )

    def _build_actions(self) -> None:
        self.run_action = command(
            self,
            "Run",
            "Fit every K in the range for every ticked covariance model, live.",
            self._on_run,
            menu_text="Select &Models",
        )
        self.stop_action = command(
            self, "Stop", "Stop after the candidate being fitted; the finished ones stay.", self.state.stop_selection
        )
        self.use_action = command(
            self,
            "Use this model",
            "Show the selected row's model as the fit (the best one when no row is selected).",
            self._on_use,
        )
        self.run_button, self.stop_button, self.use_button = (
            action_button(action) for action in (self.run_action, self.stop_action, self.use_action)
        )
        compact(self.run_button, self.stop_button, self.use_button)
        self.body.addLayout(button_row(self.run_button, self.stop_button, self.use_button))
        self.best_label = QLabel()
        self.best_label.setWordWrap(True)
        self.best_label.setToolTip("The non-degenerate candidate with the lowest criterion.")
        self.body.addWidget(self.best_label)
        self.body.addWidget(self.message)

    def _build_results(self) -> None:
        self.bic_plot = BicPlot()
        self.body.addWidget(self.bic_plot, 2)
        self.body.addWidget(
            note_label(
                "One line per model (colour and symbol; dotted spherical, dashed diagonal, solid ellipsoidal). "
                "Hollow red: degenerate fits (triangles: off the scale, in that direction). Square: the best."
            )
        )
        self.model = CandidatesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(VALUE_ROLE)
        self.table = CandidatesTable(self.proxy, rows_shown=6)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        # The table fits the dock instead of scrolling sideways: it shows the chosen criterion only, the
        # log-likelihood when there is room, and a degenerate candidate's reason, a sentence, is elided in
        # its cell (the tooltip has it all, and the other scores).
        header = self.table.horizontalHeader()
        header.setMaximumSectionSize(STATUS_WIDTH)
        # The status takes the room left. As the stretched last section, QHeaderView would keep it no
        # narrower than its first size (100 px) after a sort or new rows, and a narrow dock would scroll.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(STATUS_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.resized.connect(self._fit_columns)
        self._columns_fitted_to: tuple[Candidate, ...] | None = None
        self.body.addWidget(self.table, 1)

    # ---------------------------------------------------------------- actions
    def criterion(self) -> str:
        return str(self.criterion_combo.currentData())

    def covariance_types(self) -> tuple[str, ...]:
        """The ticked models, in the core's order (the sweep fits them in this order for each K)."""
        return self.models.values()

    def selected_candidate(self) -> Candidate | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.candidate(self.proxy.mapToSource(rows[0]).row())

    def commands(self):
        return (self.run_action, self.stop_action, self.use_action)

    def _on_run(self) -> None:
        self.message.clear_message()
        k_min, k_max = self.k_min_spin.value(), self.k_max_spin.value()
        if k_max < k_min:
            self.message.show_error(f"Cannot run: the K range is empty ({k_min} to {k_max}); make 'to' ≥ 'from'.")
            return
        if not self.covariance_types():
            self.message.show_error("Cannot run: tick at least one covariance model.")
            return
        try:
            settings = self.form.read()
        except ValueError as error:
            self.message.show_error(f"Cannot run: {error}")
            return
        self.state.start_selection(settings)

    def _on_use(self) -> None:
        self.message.clear_message()
        candidate = self.selected_candidate() or self.state.best_candidate(self.criterion())
        if candidate is None:
            self.message.show_error("No model to use: run the selection, or select a row that is not degenerate.")
            return
        if candidate.result is None:
            self.message.show_error(f"That fit failed ({candidate.reason}); select another row.")
            return
        if candidate.degenerate:
            self.message.show_note(f"Using a degenerate model: {candidate.reason}.")
        self.state.use_candidate(candidate)

    def _on_double_clicked(self, _index: object) -> None:
        self._on_use()

    # ---------------------------------------------------------------- state
    def _on_changed(self, _value: object) -> None:
        self._update_buttons()  # a few flags: at once, so a click right after new data is not refused
        self.request_redraw()

    def _fit_columns(self) -> None:
        """Show the log-likelihood column only when every shown column then fits without a sideways
        scroll (a 1024-pixel-wide window leaves the dock ~280 px); its value stays in the tooltips."""
        table, header = self.table, self.table.horizontalHeader()
        hidden = {c for c in range(self.model.columnCount()) if table.isColumnHidden(c) and c != LOG_LIK_COLUMN}
        shown = [c for c in range(self.model.columnCount()) if c not in hidden]
        widths = [min(max(table.sizeHintForColumn(c), header.sectionSizeHint(c)), STATUS_WIDTH) for c in shown]
        table.setColumnHidden(LOG_LIK_COLUMN, sum(widths) > table.viewport().width())

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_data = self.state.data is not None and self.state.data.n_points > 0
        self.run_action.setEnabled(not running and has_data)
        self.stop_action.setEnabled(running)
        self.use_action.setEnabled(any(c.result is not None for c in self.state.candidates))

    def _redraw_now(self) -> None:
        self._update_buttons()
        criterion = self.criterion()
        candidates = self.state.candidates
        best = self.state.best_candidate(criterion)
        self.model.set_candidates(candidates, best)
        self.model.set_criterion(criterion)
        for name, column in CRITERION_COLUMN.items():  # the other two are in each row's tooltip
            self.table.setColumnHidden(column, name != criterion)
        if not self.is_running() and candidates is not self._columns_fitted_to:
            # During a sweep the columns keep the widths of the first rows (measuring every cell for each
            # new row cost ~8 ms a candidate); once it has ended and its last rows are in, they fit every
            # row, the bold best one included.
            self._columns_fitted_to = candidates
            self.table.resizeColumnsToContents()
            self._fit_columns()
        self.bic_plot.draw(candidates, best, criterion)
        self.best_label.setText(self._best_text(candidates, best, criterion))

    def _best_text(self, candidates: tuple[Candidate, ...], best: Candidate | None, criterion: str) -> str:
        name = criterion.upper()
        so_far = " (so far)" if self.is_running() else ""
        if best is not None:
            value = format(best.criterion(criterion), ",.1f")
            return f"Best by {name}{so_far}: K = {best.n_components}, {candidate_text(best)}, {name} {value}"
        if candidates:
            return f"No usable model{so_far}: every candidate is degenerate (hover the rows for why)."
        return "Run to fit every K × covariance model and compare them."
