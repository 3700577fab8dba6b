"""The fit dock: EM settings, Fit / Step one iteration / Stop, the live log-likelihood trace, the
fitted parameters, and, when the points came from the target, how well the fit recovered it.

EM runs through `AppState` on a worker; the panel redraws the newest step at ~30 Hz. The comparison
with the target (component matching, errors, Monte Carlo KL, ARI) runs on the GUI thread once per
finished fit: with `KL_SAMPLES` draws and the ARI on at most `ARI_LIMIT` points it takes ~10-30 ms.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.models.comparison_model import ComparisonModel
from gmm_desktop.gui.models.fit_params_model import FitParamsModel
from gmm_desktop.gui.panels.forms import (
    COVARIANCE_CHOICES,
    DockTable,
    FieldGrid,
    JobPanel,
    ScientificSpinBox,
    SeedEdit,
    button,
    button_row,
    check_box,
    choice_combo,
    fmt_count,
    int_spin,
    make_plot,
    note_label,
)
from gmm_desktop.gui.state.app_state import AppState, Dataset, FitState

KL_SAMPLES = 20_000
"""Draws of the target for KL(target || fit): standard error ~1e-3 nats, a few ms."""
ARI_LIMIT = 100_000
"""The ARI uses at most the first this-many exact samples (independent draws: an unbiased subset)."""
TRACE_DOTS = 100
"""Above this many iterations the trace is a plain line."""
INIT_CHOICES = (
    ("k-means++", "k-means++", "Means seeded far apart (scikit-learn's k-means++ seeding), then EM."),
    ("k-means", "kmeans", "Start from the clusters of one k-means run."),
    ("random", "random", "Start from random responsibilities for every point."),
    ("random points", "random_from_data", "Start with K randomly chosen points as the means."),
)


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


def known_labels_note(mixture: Mixture, data: Dataset) -> str:
    """For points with no true mixture (a file, painting): the ARI against their known labels, if any."""
    where = "come from a file" if data.origin == "file" else "were painted"
    if data.labels is None:
        return f"No true mixture to compare with: the points {where}. Known labels (a class column) would give the ARI."
    from sklearn.metrics import adjusted_rand_score  # not on the start-up path

    n = min(data.n_points, ARI_LIMIT)
    known = data.labels[:n] >= 0  # painted points without a class carry -1
    ari = adjusted_rand_score(data.labels[:n][known], mixture.predict(data.points[:n][known]))
    subset = f" (first {fmt_count(ARI_LIMIT)} points)" if data.n_points > ARI_LIMIT else ""
    return f"ARI against the known labels = {ari:.3f}{subset}\n(no true mixture: the points {where})"


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
    """Fit dock. The window can wire `fit_button`, `step_button` and `stop_button`;
    `em_settings()` reads the fields."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "fit", parent)
        self._stepping = False
        self._compared: FitState | None = None
        self._drawn: tuple = ()  # (fit, display, columns) the trace and table show
        self._build_settings()
        self._build_actions()
        self._build_results()
        state.fit_changed.connect(self._on_changed)
        state.data_changed.connect(self._on_changed)
        self.bayesian_check.toggled.connect(self._update_buttons)
        self._update_buttons()
        self._redraw_now()

    # ---------------------------------------------------------------- building
    def _build_settings(self) -> None:
        box = QGroupBox("Expectation-maximisation")
        grid = FieldGrid(columns=2)
        self.k_spin = int_spin(2, 1, 100, "Number of Gaussian components K to fit (the article: 2).")
        self.covariance_combo = choice_combo(
            COVARIANCE_CHOICES, "Shape constraint on the components' covariances (mclust's name in brackets)."
        )
        self.init_combo = choice_combo(INIT_CHOICES, "How EM picks its starting parameters.")
        self.n_init_spin = int_spin(1, 1, 1000, "Independent starts; the one with the highest likelihood is kept.")
        self.tol_spin = ScientificSpinBox(
            1e-3, 1e-12, 10.0, "Stop when the log-likelihood per point improves by less than this (nats)."
        )
        self.max_iter_spin = int_spin(100, 1, 1_000_000, "Give up after this many iterations of each start.", step=10)
        self.reg_covar_spin = ScientificSpinBox(
            1e-6, 0.0, 1e3, "Added to every covariance diagonal so no component collapses onto a point."
        )
        self.seed_edit = SeedEdit(0, "Whole number for a reproducible fit; leave empty for fresh randomness.")
        self.bayesian_check = check_box(
            "Bayesian (variational, Dirichlet process prior)",
            False,
            "Fit scikit-learn's variational Bayesian mixture, which can switch off components it does not need.",
        )
        grid.add("K", self.k_spin)
        grid.add("Init", self.init_combo)
        grid.add("Covariance", self.covariance_combo, span=True)
        grid.add("Restarts", self.n_init_spin)
        grid.add("Tolerance", self.tol_spin)
        grid.add("Max iter", self.max_iter_spin)
        grid.add("Ridge", self.reg_covar_spin)
        grid.add("Seed", self.seed_edit)
        layout = QVBoxLayout()
        layout.addLayout(grid)
        layout.addWidget(self.bayesian_check)
        box.setLayout(layout)
        self.body.addWidget(box)
        for key, widget in (
            ("n_components", self.k_spin),
            ("covariance_type", self.covariance_combo),
            ("init", self.init_combo),
            ("n_init", self.n_init_spin),
            ("tol", self.tol_spin),
            ("max_iter", self.max_iter_spin),
            ("reg_covar", self.reg_covar_spin),
            ("seed", self.seed_edit),
            ("bayesian", self.bayesian_check),
        ):
            self.fields.bind(key, widget)

    def _build_actions(self) -> None:
        self.fit_button = button("Fit", "Fit the points by EM with these settings, live.")
        self.step_button = button("Step", "Run one EM iteration (from the current fit if the settings are unchanged).")
        self.stop_button = button("Stop", "Stop EM after the current iteration; Step goes on from there.")
        self.fit_button.clicked.connect(self._on_fit)
        self.step_button.clicked.connect(self._on_step)
        self.stop_button.clicked.connect(self.state.stop_fit)
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
    def em_settings(self) -> EMSettings:
        """The settings in the fields; ValueError with a message for the user when one is bad."""
        return EMSettings(
            n_components=self.k_spin.value(),
            covariance_type=self.covariance_combo.currentData(),
            tol=self.tol_spin.value(),
            reg_covar=self.reg_covar_spin.value(),
            max_iter=self.max_iter_spin.value(),
            n_init=self.n_init_spin.value(),
            init=self.init_combo.currentData(),
            seed=self.seed_edit.seed(),
            bayesian=self.bayesian_check.isChecked(),
        )

    def settings_or_none(self) -> EMSettings | None:
        """The fields as settings, or None while one holds a value EM would refuse."""
        try:
            return self.em_settings()
        except ValueError:
            return None

    def _checked_settings(self, verb: str) -> EMSettings | None:
        self.message.clear_message()
        try:
            return self.em_settings()
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
        self.fit_button.setEnabled(not running and has_data)
        self.step_button.setEnabled(not running and has_data and not self.bayesian_check.isChecked())
        self.stop_button.setEnabled(running)

    def _redraw_now(self) -> None:
        self._update_buttons()
        fit, data = self.state.fit, self.state.data
        self.status_label.setText(fit_status(fit, self.is_running(), self._stepping))
        drawn = (fit, data.display if data is not None else None, data.columns if data is not None else None)
        if drawn != self._drawn:  # new samples arrive ~30 times a second; the fit need not be redrawn
            self._drawn = drawn
            self._draw_fit(fit, data)
        self._update_comparison(fit)

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
            self.params_model.set_mixture(fit.mixture, data.display, data.columns)
        else:
            self.params_model.set_mixture(fit.mixture)

    def _update_comparison(self, fit: FitState | None) -> None:
        # A fit that is not running (finished, stopped, applied from a file, reopened from a session)
        # is compared; the comparison costs ~10-30 ms, so once per fitted mixture, not per redraw.
        shown = fit if fit is not None and not self.is_running() else None
        if shown is not None and shown is self._compared:
            return
        self._compared = shown
        mixture = shown.mixture if shown is not None else None
        if self.comparison_model.comparison() is not None:
            self.comparison_model.set_comparison(None)
        data = self.state.data
        target = data.target if data is not None and data.target is not None else self.state.target
        if mixture is None or data is None:
            self.comparison_label.setText("Shown when a fit finishes.")
            return
        if data.origin in ("file", "painted"):
            self.comparison_label.setText(known_labels_note(mixture, data))
            return
        if mixture.n_dims != target.n_dims:
            self.comparison_label.setText("Not applicable: the fit and the target differ in dimension.")
            return
        from gmm_desktop.core.compare import compare  # scipy + scikit-learn: not on the start-up path

        labelled = data.origin == "exact" and data.labels is not None
        points = data.points[:ARI_LIMIT] if labelled else None
        labels = data.labels[:ARI_LIMIT] if labelled else None
        comparison = compare(mixture, target, data=points, true_labels=labels, kl_samples=KL_SAMPLES, rng=0)
        self.comparison_model.set_comparison(comparison)
        lines = [f"KL(target ‖ fit) = {comparison.kl:.4f} ± {comparison.kl_stderr:.4f} nats"]
        if comparison.ari is not None:
            subset = f" (first {fmt_count(ARI_LIMIT)} points)" if data.n_points > ARI_LIMIT else ""
            lines.append(f"ARI = {comparison.ari:.3f}{subset}")
        else:
            lines.append("ARI needs the true labels: draw exact samples to see it")
        if comparison.unmatched_fitted:
            lines.append("extra fitted components: " + ", ".join(str(i + 1) for i in comparison.unmatched_fitted))
        if comparison.unmatched_true:
            lines.append("true components not found: " + ", ".join(str(i + 1) for i in comparison.unmatched_true))
        self.comparison_label.setText("\n".join(lines))
