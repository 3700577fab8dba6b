"""The fit dock: EM settings, Fit / Step one iteration / Stop, the live log-likelihood trace, the
fitted parameters, and how well the fit recovered what made the points.

EM runs through `AppState` on a worker; the panel redraws the newest step at ~30 Hz. The comparison
with the target (component matching, errors, Monte Carlo KL, ARI) is a derived result of the state,
computed on a worker once per finished fit; the panel only puts it into words.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.em.settings import REG_SCALES, STOPPING_RULES
from gmm_desktop.gui.models.comparison_model import ComparisonModel
from gmm_desktop.gui.models.fit_params_model import FitParamsModel
from gmm_desktop.gui.panels import fields
from gmm_desktop.gui.panels.fields import Form
from gmm_desktop.gui.panels.forms import (
    DockTable,
    ScientificSpinBox,
    SeedEdit,
    button_row,
    check_box,
    choice_combo,
    compact,
    compact_box,
    fmt_count,
    int_spin,
    make_plot,
    note_label,
    side_by_side,
)
from gmm_desktop.gui.panels.job_panel import JobPanel, action_button, command
from gmm_desktop.gui.panels.model_choices import INIT_CHOICES, model_combo
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.derived import ARI_LIMIT
from gmm_desktop.workspace.results import FitComparison, FitState

TRACE_DOTS = 100
"""Above this many iterations the trace is a plain line."""
_STOPPING_WORDS = {
    "absolute": ("per point", "Stop when the log-likelihood per point changes by less than Tolerance: scikit-learn's."),
    "relative": (
        "relative",
        "Stop when the total log-likelihood L changes by less than Tolerance × (1 + |L|): mclust's.",
    ),
    "aitken": ("Aitken", "Stop when the gain still to come (Aitken's estimate) is below Tolerance per point."),
}
_RIDGE_WORDS = {
    "absolute": ("absolute", "The ridge is in the data's units squared (scikit-learn's)."),
    "data": ("× variance", "The ridge is times each feature's variance: rescaling the data changes nothing."),
}


def _choices(values: tuple[str, ...], words: dict[str, tuple[str, str]]) -> tuple[tuple[str, str, str], ...]:
    """(label, value, tooltip) for each of the core's `values`, so that a rule the core gains is offered
    (by its name) rather than silently replaced when a session holding it is shown."""
    choices = []
    for value in values:
        label, tip = words.get(value, (value, value))
        choices.append((label, value, tip))
    return tuple(choices)


STOPPING_CHOICES = _choices(STOPPING_RULES, _STOPPING_WORDS)
RIDGE_SCALE_CHOICES = _choices(REG_SCALES, _RIDGE_WORDS)


def fit_status(fit: FitState | None, running: bool, stepping: bool) -> str:
    """The one line that says where the fit is: running, converged, stopped or paused."""
    if fit is None:
        return "initialising…" if running else "No fit yet: press Fit, or Step to watch one iteration at a time."
    step = fit.step
    where = f"iteration {step.iteration}, log-likelihood {step.log_likelihood:.4f} per point"
    if running:
        restarts = fit.settings.n_init
        return f"running: {where}" + (f" (restart {step.restart + 1} of {restarts})" if restarts > 1 else "")
    result = fit.result
    if result is not None:
        ll = f"log-likelihood {result.log_likelihood:.4f} per point"
        if result.converged:
            return f"converged after {result.n_iter} iterations, {ll}"
        return f"did not converge in {result.n_iter} iterations (raise Max iter or Tolerance), {ll}"
    if step.converged:
        return f"converged at {where}"
    if stepping:
        return f"paused at {where}: Step for one more"
    return f"stopped at {where}"


def comparison_text(result: FitComparison | None) -> str:
    """The comparison of a finished fit in words: KL and ARI against the true mixture, or for points
    no mixture made, the ARI against their known labels."""
    if result is None:
        return "Shown when a fit finishes."
    if result.origin in ("file", "painted"):
        where = "come from a file" if result.origin == "file" else "were painted"
        if result.ari is None:
            return (
                f"No true mixture to compare with: the points {where}. "
                "Known labels (a class column) would give the ARI."
            )
        subset = _subset(result)
        return f"ARI against the known labels = {result.ari:.3f}{subset}\n(no true mixture: the points {where})"
    if result.dims_differ:
        return "Not applicable: the fit and the target differ in dimension."
    comparison = result.comparison
    lines = [f"KL(target ‖ fit) = {comparison.kl:.4f} ± {comparison.kl_stderr:.4f} nats"]
    if result.ari is not None:
        lines.append(f"ARI = {result.ari:.3f}{_subset(result)}")
    else:
        lines.append("ARI needs the true labels: draw exact samples to see it")
    if comparison.unmatched_fitted:
        lines.append("extra fitted components: " + ", ".join(str(i + 1) for i in comparison.unmatched_fitted))
    if comparison.unmatched_true:
        lines.append("true components not found: " + ", ".join(str(i + 1) for i in comparison.unmatched_true))
    return "\n".join(lines)


def _subset(result: FitComparison) -> str:
    return f" (first {fmt_count(ARI_LIMIT)} points)" if result.n_points > ARI_LIMIT else ""


def trace_y_range(trace: tuple[float, ...]) -> tuple[float, float] | None:
    """The y range that shows the trace's shape, or None for auto range.

    k-means++ starts every covariance at reg_covar, so iteration 1 often scores millions of nats
    below the rest and flattens them into a line; when it lies more than 10 spans of the later
    iterations below them it is left off the scale (its line still runs down out of view). A trace
    flatter than 1e-3 (relative) is shown on a span of that size.
    """
    if not trace:
        return None
    top, bottom = max(trace), min(trace)
    least = 1e-3 * max(abs(top), 1.0)
    if top - bottom < least:  # a flat trace (converged at once): no axis of 15-digit tick labels
        middle = 0.5 * (top + bottom)
        return middle - least, middle + least
    if len(trace) < 3:
        return None
    rest = trace[1:]
    low, high = min(rest), max(rest)
    span = max(high - low, 1e-9 * max(abs(high), 1.0))
    return (low, high) if low - trace[0] > 10 * span else None


class FitPanel(JobPanel):
    """Fit dock: `fit_action`, `step_action` and `stop_action` (the window's menus show them too)
    and their buttons; `em_settings()` reads the fields."""

    settings_kinds = ("fit",)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "fit", parent)
        self._stepping = False
        self._drawn: tuple = ()  # (fit, shown, columns) the trace and table show
        self._build_settings()
        self._build_actions()
        self._build_results()
        state.fit_changed.connect(self._on_changed)
        state.data_changed.connect(self._on_changed)
        state.view_changed.connect(self._on_changed)
        state.comparison_changed.connect(self._show_comparison)
        self.bayesian_check.toggled.connect(self._update_buttons)
        self._update_buttons()
        self._redraw_now()
        self._show_comparison()

    # ---------------------------------------------------------------- building
    def _build_settings(self) -> None:
        box, layout, grid = compact_box("Expectation-maximisation")
        self.k_spin = int_spin(2, 1, 100, "Number of Gaussian components K to fit (the article: 2).")
        self.covariance_combo = model_combo(
            "Shape constraint on the components' covariances: mclust's 14 models by family "
            "(scikit-learn's name first for its four)."
        )
        self.init_combo = choice_combo(INIT_CHOICES, "How EM picks its starting parameters.")
        self.n_init_spin = int_spin(1, 1, 1000, "Independent starts; the one with the highest likelihood is kept.")
        self.tol_spin = ScientificSpinBox(
            1e-3,
            1e-12,
            10.0,
            "Stop when the log-likelihood changes by less than this (nats per point, or relative).",
        )
        self.stopping_combo = choice_combo(STOPPING_CHOICES, "How Tolerance is measured.")
        self.max_iter_spin = int_spin(100, 1, 1_000_000, "Give up after this many iterations of each start.", step=10)
        self.reg_covar_spin = ScientificSpinBox(
            1e-6, 0.0, 1e3, "Added to every covariance diagonal so no component collapses onto a point."
        )
        self.reg_scale_combo = choice_combo(RIDGE_SCALE_CHOICES, "What the ridge is measured in.")
        self.seed_edit = SeedEdit(0, "Whole number for a reproducible fit; leave empty for fresh randomness.")
        self.bayesian_check = check_box(
            "Bayesian (variational)",
            False,
            "Fit scikit-learn's variational Bayesian mixture (Dirichlet process prior), which can switch off "
            "components it does not need.",
        )
        grid.add("K", self.k_spin)
        grid.add("Restarts", self.n_init_spin)
        grid.add("Model", self.covariance_combo, span=True)
        grid.add("Init", self.init_combo, span=True)
        tolerance = side_by_side(self.tol_spin, self.stopping_combo)
        grid.add("Tolerance", tolerance, self.tol_spin.toolTip(), span=True)
        ridge = side_by_side(self.reg_covar_spin, self.reg_scale_combo)
        grid.add("Ridge", ridge, self.reg_covar_spin.toolTip(), span=True)
        grid.add("Max iter", self.max_iter_spin)
        grid.add("Seed", self.seed_edit)
        layout.addWidget(self.bayesian_check)
        self.body.addWidget(box)
        self.form = Form(
            self.state,
            "fit",
            (
                fields.spin("n_components", self.k_spin),
                fields.combo("covariance_type", self.covariance_combo),
                fields.combo("init", self.init_combo),
                fields.spin("n_init", self.n_init_spin),
                fields.spin("tol", self.tol_spin),
                fields.combo("stopping", self.stopping_combo),
                fields.spin("max_iter", self.max_iter_spin),
                fields.spin("reg_covar", self.reg_covar_spin),
                fields.combo("reg_scale", self.reg_scale_combo),
                fields.seed("seed", self.seed_edit),
                fields.check("bayesian", self.bayesian_check),
            ),
            self,
        )

    def _build_actions(self) -> None:
        self.fit_action = command(
            self, "Fit", "Fit the points by EM with these settings, live.", self._on_fit, menu_text="&Fit"
        )
        self.step_action = command(
            self,
            "Step",
            "Run one EM iteration (from the current fit if the settings are unchanged).",
            self._on_step,
            menu_text="S&tep One Iteration",
        )
        self.stop_action = command(
            self, "Stop", "Stop EM after the current iteration; Step goes on from there.", self.state.stop_fit
        )
        self.fit_button, self.step_button, self.stop_button = (
            action_button(action) for action in (self.fit_action, self.step_action, self.stop_action)
        )
        compact(self.fit_button, self.step_button, self.stop_button)
        self.body.addLayout(button_row(self.fit_button, self.step_button, self.stop_button))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setToolTip("Where the fit is: running, converged, stopped or paused.")
        self.body.addWidget(self.status_label)
        self.body.addWidget(self.message)

    def _build_results(self) -> None:
        self.trace_plot = make_plot("log-lik / point", "iteration", height=150)
        self.trace_curve = self.trace_plot.plot([], [], pen="#1f77b4", symbol="o", symbolSize=4, symbolBrush="#1f77b4")
        self.body.addWidget(self.trace_plot, 2)
        self.params_model = FitParamsModel(self)
        self.params_view = DockTable(self.params_model, rows_shown=4)
        self.params_view.setToolTip("Fitted weight, means, standard deviations and correlation of each component.")
        self.body.addWidget(QLabel("Fitted parameters"))
        self.body.addWidget(self.params_view)
        box = QGroupBox("Compared with the target")
        layout = QVBoxLayout(box)
        self.comparison_label = note_label("")
        self.comparison_label.setToolTip(
            "KL(target ‖ fit): information lost using the fit for the target (Monte Carlo, nats); "
            "ARI: agreement of the fit's clusters with the true components (1 = same)."
        )
        self.comparison_model = ComparisonModel(self)
        self.comparison_view = DockTable(self.comparison_model, rows_shown=2)
        layout.addWidget(self.comparison_label)
        layout.addWidget(self.comparison_view)
        self.body.addWidget(box)

    # ---------------------------------------------------------------- actions
    def commands(self):
        return (self.fit_action, self.step_action, self.stop_action)

    def em_settings(self) -> EMSettings:
        """The settings in the fields; ValueError with a message for the user when one is bad."""
        return self.form.read()

    def _checked_settings(self, verb: str) -> EMSettings | None:
        self.message.clear_message()
        try:
            return self.form.read()
        except ValueError as error:
            self.message.show_error(f"Cannot {verb}: {error}")
            return None

    def _on_fit(self) -> None:
        settings = self._checked_settings("fit")
        if settings is not None:
            self._stepping = False
            self.state.start_fit(settings)

    def _on_step(self) -> None:
        settings = self._checked_settings("step")
        if settings is not None:
            self._stepping = True
            self.state.step_fit(settings)

    # ---------------------------------------------------------------- state
    def _on_changed(self, _value: object) -> None:
        self._update_buttons()  # a few flags: at once, so a click right after new data is not refused
        self.request_redraw()

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_data = self.state.data is not None and self.state.data.n_points > 0
        self.fit_action.setEnabled(not running and has_data)
        self.step_action.setEnabled(not running and has_data and not self.bayesian_check.isChecked())
        self.stop_action.setEnabled(running)

    def _redraw_now(self) -> None:
        self._update_buttons()
        fit, data = self.state.fit, self.state.data
        self.status_label.setText(fit_status(fit, self.is_running(), self._stepping))
        drawn = (fit, self.state.view.shown, data.columns if data is not None else None)
        if drawn != self._drawn:  # new samples arrive ~30 times a second; the fit need not be redrawn
            self._drawn = drawn
            self._draw_fit(fit, data)

    def _draw_fit(self, fit: FitState | None, data: Dataset | None) -> None:
        """The trace and the parameter table of `fit` (None clears them)."""
        if fit is None:
            self.trace_curve.setData([], [])
            self.params_model.set_mixture(None)
            return
        last = fit.step.iteration
        # dots show single iterations while there are few; thousands of dots would cost ~15 ms a frame
        symbol = "o" if len(fit.trace) <= TRACE_DOTS else None
        self.trace_curve.setData(np.arange(last - len(fit.trace) + 1, last + 1), np.asarray(fit.trace), symbol=symbol)
        y_range = trace_y_range(fit.trace)
        if y_range is None:
            self.trace_plot.enableAutoRange(y=True)
        else:
            self.trace_plot.setYRange(*y_range, padding=0.08)
        if data is not None:
            self.params_model.set_mixture(fit.mixture, self.state.view.shown, data.columns)
        else:
            self.params_model.set_mixture(fit.mixture)

    def _show_comparison(self, _value: object = None) -> None:
        result = self.state.workspace.derived.comparison
        self.comparison_label.setText(comparison_text(result))
        comparison = result.comparison if result is not None else None
        if comparison is not self.comparison_model.comparison():
            self.comparison_model.set_comparison(comparison)
