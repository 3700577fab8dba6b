"""The model-selection dock: fit every K in a range for each chosen covariance type, score the fits
by BIC, AIC or ICL (lower is better), and pick one.

The sweep runs through `AppState` on a worker and its candidates arrive one by one; the curves (one
per covariance type) and the table grow live at ~30 Hz. Degenerate candidates (a component collapsed
onto tied values or too few points) are drawn as hollow red markers, kept out of the curves' lines,
explained in the table's tooltips and never recommended. Changing the criterion rescores the
candidates already fitted; it needs no new run.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from gmm_desktop.core.models import MODELS
from gmm_desktop.core.selection import Candidate
from gmm_desktop.gui.models.candidates_model import CRITERION_COLUMN, VALUE_ROLE, CandidatesModel
from gmm_desktop.gui.panels import fields
from gmm_desktop.gui.panels.fields import Form
from gmm_desktop.gui.panels.forms import (
    DockTable,
    FieldGrid,
    SeedEdit,
    button_row,
    check_box,
    choice_combo,
    int_spin,
    make_plot,
    note_label,
)
from gmm_desktop.gui.panels.job_panel import JobPanel, action_button, command
from gmm_desktop.gui.state.app_state import AppState

CRITERION_CHOICES = (
    ("BIC", "bic", "Bayesian information criterion, -2 log L + p ln N: favours fewer components as N grows."),
    ("AIC", "aic", "Akaike information criterion, -2 log L + 2 p: a lighter penalty, so more components."),
    ("ICL", "icl", "BIC plus the entropy of the assignments: favours well-separated clusters."),
)
SIGN_NOTE = "Lower is better (scikit-learn's sign; mclust shows the negative)."
CURVE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
TYPE_COLOURS = {name: CURVE_COLOURS[i % len(CURVE_COLOURS)] for i, name in enumerate(MODELS)}
"""One curve colour per covariance model, in the registry's order."""
DEGENERATE_PEN = pg.mkPen("#d62728", width=1.6)
BEST_PEN = pg.mkPen("k", width=1.6)


def scale_range(good: list[float]) -> tuple[float, float]:
    """The y range of the plot: the usable candidates' values plus a quarter of their span each side.

    Degenerate fits can score thousands below every usable one (likelihood grows without bound as a
    component collapses); scaling to them would flatten the curves the user chooses from.
    """
    low, high = min(good), max(good)
    span = max(high - low, 0.05 * abs(high), 1.0)
    return low - 0.25 * span, high + 0.25 * span


def degenerate_positions(values: list[float], good: list[float]) -> tuple[list[float], list[str]]:
    """Where to draw degenerate candidates: at their value when it is on the scale, else clamped to
    its edge as a triangle pointing the way (down "t", up "t1")."""
    if not good:
        return list(values), ["o"] * len(values)
    low, high = scale_range(good)
    ys = [min(max(v, low), high) for v in values]
    symbols = ["t" if v < low else "t1" if v > high else "o" for v in values]
    return ys, symbols


STATUS_WIDTH = 110
"""Widest a column of the candidates table gets (pixels)."""


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
        box = QGroupBox("Candidates")
        layout = QVBoxLayout(box)
        grid = FieldGrid(columns=2)
        self.k_min_spin = int_spin(1, 1, 100, "Smallest number of components to try.")
        self.k_max_spin = int_spin(6, 1, 100, "Largest number of components to try.")
        grid.add("K from", self.k_min_spin)
        grid.add("to", self.k_max_spin)
        layout.addLayout(grid)
        # two by two, each in its curve's colour: the check boxes are the plot's legend
        types = QGridLayout()
        self.type_checks: dict[str, QCheckBox] = {}
        for index, model in enumerate(MODELS.values()):
            check = check_box(f"■ {model.label}", True, model.description)
            check.setStyleSheet(f"QCheckBox {{ color: {TYPE_COLOURS[model.name]}; }}")
            self.type_checks[model.name] = check
            types.addWidget(check, index // 2, index % 2)
        layout.addLayout(types)
        grid = FieldGrid(columns=2)
        self.criterion_combo = choice_combo(CRITERION_CHOICES, "Score used to rank the candidates: lower is better.")
        self.n_init_spin = int_spin(1, 1, 100, "Independent EM starts per candidate; the most likely one is kept.")
        self.seed_edit = SeedEdit(0, "Whole number for reproducible fits; leave empty for fresh randomness.")
        grid.add("Criterion", self.criterion_combo)
        grid.add("Restarts", self.n_init_spin)
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
                fields.choices("covariance_types", self.type_checks),
                fields.combo("criterion", self.criterion_combo),
                fields.spin("n_init", self.n_init_spin),
                fields.seed("seed", self.seed_edit),
            ),
            self,
        )

    def _build_actions(self) -> None:
        self.run_action = command(
            self,
            "Run",
            "Fit every K in the range for every checked covariance type, live.",
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
        self.body.addLayout(button_row(self.run_button, self.stop_button, self.use_button))
        self.best_label = QLabel()
        self.best_label.setWordWrap(True)
        self.best_label.setToolTip("The non-degenerate candidate with the lowest criterion.")
        self.body.addWidget(self.best_label)
        self.body.addWidget(self.message)

    def _build_results(self) -> None:
        self.plot = make_plot("BIC", "components K", height=190)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for model in MODELS.values():
            colour = TYPE_COLOURS[model.name]
            self.curves[model.name] = self.plot.plot(
                [], [], pen=pg.mkPen(colour, width=1.5), symbol="o", symbolSize=6, symbolBrush=colour, name=model.label
            )
        self.degenerate_markers = pg.ScatterPlotItem(symbol="o", size=9, pen=DEGENERATE_PEN, brush=None)
        self.best_marker = pg.ScatterPlotItem(symbol="s", size=15, pen=BEST_PEN, brush=None)
        self.plot.addItem(self.degenerate_markers)
        self.plot.addItem(self.best_marker)
        self.body.addWidget(self.plot, 2)
        self.body.addWidget(
            note_label(
                "Lines: one per covariance type. Hollow red: degenerate fits (triangles: off the scale, "
                "in that direction). Square: the best."
            )
        )
        self.model = CandidatesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(VALUE_ROLE)
        self.table = DockTable(self.proxy, rows_shown=6)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        # The table fits a 380 px dock instead of scrolling sideways: it shows the chosen criterion only,
        # and a degenerate candidate's reason, a sentence, is elided in its cell (the tooltip has it all).
        self.table.horizontalHeader().setMaximumSectionSize(STATUS_WIDTH)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.body.addWidget(self.table, 1)

    # ---------------------------------------------------------------- actions
    def criterion(self) -> str:
        return str(self.criterion_combo.currentData())

    def covariance_types(self) -> tuple[str, ...]:
        """The checked types, in the core's order (the sweep fits them in this order for each K)."""
        return tuple(name for name, check in self.type_checks.items() if check.isChecked())

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
            self.message.show_error("Cannot run: check at least one covariance type.")
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

    def _on_job_ended(self) -> None:
        # During a sweep the columns keep the widths of the first rows (measuring every cell for each
        # new row cost ~8 ms a candidate); once it ends they fit every row, the bold best one included.
        self.table.resizeColumnsToContents()

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
        self._draw_curves(candidates, best, criterion)
        self.best_label.setText(self._best_text(candidates, best, criterion))

    def _draw_curves(self, candidates: tuple[Candidate, ...], best: Candidate | None, criterion: str) -> None:
        self.plot.getPlotItem().setLabel("left", f"{criterion.upper()} (lower is better)")
        for name, curve in self.curves.items():
            own = [c for c in candidates if c.covariance_type == name]
            ks = np.array([c.n_components for c in own], dtype=float)
            # degenerate fits break the line (NaN) and are drawn by the red markers instead
            values = np.array([math.nan if c.degenerate else c.criterion(criterion) for c in own], dtype=float)
            values[~np.isfinite(values)] = math.nan
            curve.setData(ks, values, connect="finite")
        bad = [c for c in candidates if c.degenerate and math.isfinite(c.criterion(criterion))]
        good = [
            c.criterion(criterion) for c in candidates if not c.degenerate and math.isfinite(c.criterion(criterion))
        ]
        ys, symbols = degenerate_positions([c.criterion(criterion) for c in bad], good)
        self.degenerate_markers.setData([c.n_components for c in bad], ys, symbol=symbols)
        if good:
            self.plot.setYRange(*scale_range(good), padding=0.05)
        else:
            self.plot.enableAutoRange(y=True)
        if best is None:
            self.best_marker.setData([], [])
        else:
            self.best_marker.setData([best.n_components], [best.criterion(criterion)])

    def _best_text(self, candidates: tuple[Candidate, ...], best: Candidate | None, criterion: str) -> str:
        name = criterion.upper()
        so_far = " (so far)" if self.is_running() else ""
        if best is not None:
            kind = MODELS[best.covariance_type].label
            value = format(best.criterion(criterion), ",.1f")
            return f"Best by {name}{so_far}: K = {best.n_components}, {kind}, {name} {value}"
        if candidates:
            return f"No usable model{so_far}: every candidate is degenerate (hover the rows for why)."
        return "Run to fit every K × covariance type and compare them."
