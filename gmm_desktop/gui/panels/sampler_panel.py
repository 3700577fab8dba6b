"""The sampler dock: Metropolis-Hastings settings, Run / Stop / Continue / Clear, live progress and
acceptance, ESS and R-hat, a trace plot of one chain, and exact samples of the target to compare.

Sampling runs through `AppState` on a worker; this panel only reads the state's records. Counts and
the trace redraw at ~30 Hz; ESS and R-hat are the state's derived diagnostics (computed on a worker
at most once a second while the chains run, and once when they stop).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QSpinBox, QWidget

from gmm_desktop.core.samplers import DEFAULT_SAMPLER, SAMPLERS
from gmm_desktop.core.samplers.diagnostics import chain_trace
from gmm_desktop.gui.panels import fields
from gmm_desktop.gui.panels.fields import Form
from gmm_desktop.gui.panels.forms import (
    FieldGrid,
    SeedEdit,
    button_row,
    float_spin,
    fmt,
    fmt_count,
    int_spin,
    make_plot,
    value_label,
)
from gmm_desktop.gui.panels.job_panel import JobPanel, action_button, command
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import ChainDiagnostics

RHAT_MIXED = 1.01
"""Split R-hat above this means the chains have not mixed yet (the strict rule of thumb)."""
TRACE_AXIS_WIDTH = 44
TRACE_PENS = (pg.mkPen("#1f77b4", width=1), pg.mkPen("#ff7f0e", width=1))


def one_chain(points: np.ndarray, chain_ids: np.ndarray, n_chains: int, chain: int) -> np.ndarray:
    """(n, D) samples of `chain` in step order. The sampler stores them step-major (chain ids 0..C-1
    repeating), so a strided view is free where a mask costs a pass over all N points every frame."""
    if len(points) % n_chains == 0 and len(points) >= n_chains and chain_ids[n_chains - 1] == n_chains - 1:
        return points[chain::n_chains]
    return chain_trace(points, chain_ids, chain)


class SamplerPanel(JobPanel):
    """Sampler dock: `run_action`, `stop_action`, `continue_action`, `clear_action` and `exact_action`
    (the window's menus show them too) and their buttons; `form` binds the fields to the settings."""

    settings_kinds = ("sampler", "exact")

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "sampler", parent)
        self._build_settings()
        self._build_actions()
        self._build_status()
        self._build_trace()
        self._build_exact()
        state.sampler_changed.connect(self._on_sampler_changed)
        state.data_changed.connect(self._on_sampler_changed)
        state.diagnostics_changed.connect(self._show_diagnostics)
        state.view_changed.connect(self._on_sampler_changed)
        state.view_changed.connect(self._show_diagnostics)
        self._update_buttons()
        self._redraw_now()
        self._show_diagnostics()

    # ---------------------------------------------------------------- building
    def _build_settings(self) -> None:
        box = QGroupBox(SAMPLERS[DEFAULT_SAMPLER].label)
        grid = FieldGrid(columns=2)
        self.steps_spin = int_spin(
            10_000, 1, 1_000_000_000, "Steps each chain takes after the burn-in (the article: 10,000).", step=1000
        )
        self.thin_spin = int_spin(10, 1, 1_000_000, "Keep one state in every this-many steps (the article: 10).")
        self.burn_in_spin = int_spin(
            0, 0, 1_000_000_000, "Steps run and discarded before any state is kept (the article: 0).", step=100
        )
        self.step_size_spin = float_spin(
            1.0, 0.001, 1000.0, "Standard deviation of the Gaussian proposal step (the article: 1).", step=0.1
        )
        self.chains_spin = int_spin(1, 1, 4096, "Independent chains run side by side, all from the origin.")
        self.seed_edit = SeedEdit(0, "Whole number for a reproducible run; leave empty for fresh randomness.")
        grid.add("Steps", self.steps_spin)
        grid.add("Thin", self.thin_spin)
        grid.add("Burn-in", self.burn_in_spin)
        grid.add("Step size", self.step_size_spin)
        grid.add("Chains", self.chains_spin)
        grid.add("Seed", self.seed_edit)
        box.setLayout(grid)
        self.body.addWidget(box)
        self.form = Form(
            self.state,
            "sampler",
            (
                fields.spin("n_steps", self.steps_spin),
                fields.spin("thin", self.thin_spin),
                fields.spin("burn_in", self.burn_in_spin),
                fields.spin("step_size", self.step_size_spin),
                fields.spin("n_chains", self.chains_spin),
                fields.seed("seed", self.seed_edit),
            ),
            self,
        )

    def _build_actions(self) -> None:
        self.run_action = command(
            self,
            "Run",
            "Start new chains from the origin with these settings (clears the points).",
            self._on_run,
            menu_text="&Sample",
        )
        self.stop_action = command(
            self, "Stop", "Pause the chains after the current batch; Continue resumes them exactly.", self._on_stop
        )
        self.continue_action = command(
            self,
            "Continue",
            "Run the paused or finished chains for another 'Steps' steps (thin and burn-in unchanged).",
            self._on_continue,
        )
        self.clear_action = command(self, "Clear", "Remove the samples, and the fit made from them.", self._on_clear)
        self.run_button, self.stop_button, self.continue_button, self.clear_button = (
            action_button(action)
            for action in (self.run_action, self.stop_action, self.continue_action, self.clear_action)
        )
        self.body.addLayout(button_row(self.run_button, self.stop_button, self.continue_button, self.clear_button))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setToolTip("Fraction of this run's steps (burn-in included) done.")
        self.body.addWidget(self.progress_bar)
        self.body.addWidget(self.message)

    def _build_status(self) -> None:
        grid = FieldGrid(columns=2)
        self.samples_label = value_label("Points kept so far, all chains together.")
        self.steps_label = value_label("Steps done per chain, burn-in included, out of this run's total.")
        self.acceptance_label = value_label("Fraction of proposals accepted after burn-in (the article's: ~0.51).")
        self.ess_label = value_label(
            "Effective sample size per coordinate: how many independent draws the correlated samples are worth."
        )
        self.rhat_label = value_label(
            f"Split R-hat per coordinate: ~1 when the chains agree; above {RHAT_MIXED} means run longer."
        )
        grid.add("Samples", self.samples_label)
        grid.add("Steps", self.steps_label)
        grid.add("Acceptance", self.acceptance_label)
        grid.add("ESS", self.ess_label, span=True)
        grid.add("R-hat", self.rhat_label, span=True)
        self.body.addLayout(grid)

    def _build_trace(self) -> None:
        row = QHBoxLayout()
        self.trace_title = QLabel("Trace of chain")
        self.chain_spin = QSpinBox()
        self.chain_spin.setRange(0, 0)
        self.chain_spin.setToolTip("Which chain the trace plot shows (chains are numbered from 0).")
        self.chain_spin.valueChanged.connect(self.request_redraw)
        row.addWidget(self.trace_title)
        row.addWidget(self.chain_spin)
        row.addStretch(1)
        self.body.addLayout(row)
        # one plot per coordinate, x-linked: two traces drawn over each other hide each other
        self.trace_plots = [make_plot(name, "", height=105) for name in "xy"]
        for plot in self.trace_plots:
            # Equal, fixed axis widths: x-linked views of different widths (tick labels "4" vs "-4.5")
            # map one range onto another, each auto-range moves the other, and painting never ends.
            plot.getPlotItem().getAxis("left").setWidth(TRACE_AXIS_WIDTH)
        self.trace_plots[1].setXLink(self.trace_plots[0])
        self.trace_plots[0].getPlotItem().getAxis("bottom").setStyle(showValues=False)
        self.trace_plots[1].getPlotItem().setLabel("bottom", "step")
        self.trace_curves = [plot.plot([], [], pen=pen) for plot, pen in zip(self.trace_plots, TRACE_PENS)]
        for curve in self.trace_curves:
            # long chains: draw at most a few points per pixel, only what is in view
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        for plot in self.trace_plots:
            self.body.addWidget(plot, 1)

    def _build_exact(self) -> None:
        box = QGroupBox("Exact samples, for comparison")
        grid = FieldGrid(columns=2)
        self.exact_spin = int_spin(
            1000, 1, 100_000_000, "How many independent draws of the target to make (replaces the points).", step=1000
        )
        self.exact_action = command(
            self, "Draw", "Draw independent samples of the target directly (no chain), using the seed above.",
            self._on_exact,
        )  # fmt: skip
        self.exact_button = action_button(self.exact_action)
        grid.add("Points", self.exact_spin)
        grid.addWidget(self.exact_button, 0, 2, 1, 2)
        box.setLayout(grid)
        self.body.addWidget(box)
        self.exact_form = Form(self.state, "exact", (fields.spin("n_points", self.exact_spin),), self)

    # ---------------------------------------------------------------- actions
    def commands(self):
        return (self.run_action, self.stop_action, self.continue_action, self.clear_action, self.exact_action)

    def _on_run(self) -> None:
        self.message.clear_message()
        try:
            settings = self.form.read()
        except ValueError as error:
            self.message.show_error(f"Cannot run: {error}")
            return
        self.chain_spin.setValue(0)
        self.state.start_sampling(settings)

    def _on_stop(self) -> None:
        self.state.stop_sampling()

    def _on_continue(self) -> None:
        self.message.clear_message()
        self.state.continue_sampling(self.steps_spin.value())

    def _on_clear(self) -> None:
        self.message.clear_message()
        self.state.clear_data()

    def _on_exact(self) -> None:
        self.message.clear_message()
        try:
            seed = self.seed_edit.seed()
        except ValueError as error:
            self.message.show_error(f"Cannot draw: {error}")
            return
        self.state.sample_exact(self.exact_spin.value(), seed)

    # ---------------------------------------------------------------- state
    def _on_sampler_changed(self, _value: object) -> None:
        self.request_redraw()

    def _update_buttons(self) -> None:
        running = self.is_running()
        data = self.state.data
        self.run_action.setEnabled(not running)
        self.stop_action.setEnabled(running)
        self.continue_action.setEnabled(not running and self.state.sampler.chain_state is not None)
        self.clear_action.setEnabled(data is not None and data.origin in ("mcmc", "exact"))
        self.exact_action.setEnabled(not running)

    def _redraw_now(self) -> None:
        self._update_buttons()
        data, status = self.state.data, self.state.sampler
        self.progress_bar.setValue(round(1000 * status.progress) if data is not None else 0)
        if data is None:
            self.samples_label.setText("0")
        else:
            origin = {"mcmc": "", "exact": " (exact draws)", "file": " (from a file)"}.get(data.origin, "")
            self.samples_label.setText(fmt_count(data.n_points) + origin)
        if status.chain_state is not None and status.settings is not None:
            done, total = status.chain_state.steps_done, status.settings.total_steps
            self.steps_label.setText(f"{fmt_count(done)} of {fmt_count(total)}")
        else:
            self.steps_label.setText("—")
        self.acceptance_label.setText(fmt(status.acceptance_rate, 3))
        self._draw_trace()

    def _draw_trace(self) -> None:
        data, settings = self.state.data, self.state.sampler.settings
        is_chain = data is not None and data.origin == "mcmc" and data.chain_ids is not None and settings is not None
        n_chains = settings.n_chains if is_chain else 1
        self.chain_spin.setMaximum(n_chains - 1)
        self.chain_spin.setVisible(n_chains > 1)
        self.trace_title.setText("Trace of chain" if n_chains > 1 else "Trace of the chain")
        if not is_chain:
            for curve in self.trace_curves:
                curve.setData([], [])
            return
        samples = one_chain(data.points, data.chain_ids, n_chains, self.chain_spin.value())
        steps = settings.burn_in + settings.thin * np.arange(len(samples))
        for plot, curve, coordinate in zip(self.trace_plots, self.trace_curves, self._coordinates(data)):
            curve.setData(steps, samples[:, coordinate])
            plot.getPlotItem().setLabel("left", data.column_name(coordinate))

    def _coordinates(self, data: Dataset) -> tuple[int, ...]:
        return self.state.view.shown if data.n_dims > 1 else (0,)

    def _show_diagnostics(self, _value: object = None) -> None:
        """ESS and R-hat of the shown coordinates; only chains have them (exact draws are independent)."""
        data = self.state.data
        diagnostics: ChainDiagnostics | None = self.state.workspace.derived.diagnostics
        if data is None or data.origin != "mcmc" or diagnostics is None:
            note = "independent draws" if data is not None and data.origin == "exact" else "—"
            self.ess_label.setText(note)
            self.rhat_label.setText("—")
            return
        coordinates = self._coordinates(data)
        suffix = f" (newest {fmt_count(diagnostics.used)})" if diagnostics.used < diagnostics.n_points else ""
        self.ess_label.setText(self._per_coordinate(diagnostics.ess, coordinates, data, 0) + suffix)
        text = self._per_coordinate(diagnostics.rhat, coordinates, data, 3)
        if diagnostics.rhat is not None and np.nanmax(diagnostics.rhat[list(coordinates)]) > RHAT_MIXED:
            text += "  (not mixed yet)"
        self.rhat_label.setText(text)

    @staticmethod
    def _per_coordinate(values: np.ndarray | None, coordinates: tuple[int, ...], data: Dataset, decimals: int) -> str:
        if values is None:
            return "—"
        parts = []
        for coordinate in coordinates:
            value = float(values[coordinate])
            shown = format(value, f",.{decimals}f") if np.isfinite(value) else "—"
            parts.append(f"{data.column_name(coordinate)} {shown}")
        return " · ".join(parts)
