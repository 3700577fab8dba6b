"""The main window: the plot in the middle, one dock per concern, menus, shortcuts, status bar.

It composes; it does not compute. Panels and the plot listen to `AppState`; the window routes the
plot's drags to undoable target edits, shows what is running in the status bar, and on close stops
and joins every job before saving the layout.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
)

from gmm_desktop import __version__
from gmm_desktop.core.density import DensityGrid, contour_levels, contour_lines, default_view_range, density_grid
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.app.menus import build_menus
from gmm_desktop.gui.files.document import AskToSave, ask_with_message_box
from gmm_desktop.gui.files.file_actions import FileActions
from gmm_desktop.gui.panels.fit_panel import FitPanel
from gmm_desktop.gui.panels.forms import JobPanel, scrolling
from gmm_desktop.gui.panels.paint_panel import PaintPanel
from gmm_desktop.gui.panels.sampler_panel import SamplerPanel
from gmm_desktop.gui.panels.selection_panel import SelectionPanel
from gmm_desktop.gui.panels.target_panel import TargetPanel
from gmm_desktop.gui.plot.export import export_plot
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.plot.paint_tool import PaintTool
from gmm_desktop.gui.plot.surface import SurfaceView
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import TargetEditor

GRID_SIDE = 300
N_CONTOUR_LEVELS = 10
# The density image reaches past the framed region (3 sigma) so no edge shows when the aspect
# lock widens the view; beyond 4.5 sigma a component is below 1e-4 of its peak.
GRID_SIGMAS = 4.5
CHAIN_TAIL = 200
"""How many of chain 0's last kept samples the chain-path overlay shows."""
TABBED_WITH = {"selection": "fit", "surface": "fit", "paint": "fit"}
"""Docks that share a place with another as tabs (one tab group: with two, Qt 6.11 left an orphan
tab bar drawn over the plot)."""
JOB_NAMES = {
    "sampler": "Sampling",
    "fit": "Fitting",
    "selection": "Selecting models",
    "preload": "Preparing",
    "load": "Loading",
    "save": "Saving",
}


def dropped_path(mime: QMimeData) -> Path | None:
    """The one local file of a drag, or None (several files, a web link, text)."""
    urls = [url for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
    return Path(urls[0].toLocalFile()) if len(urls) == 1 else None


def target_grid(mixture: Mixture) -> DensityGrid:
    """The density image of a target: square cells, GRID_SIDE cells along the longer side."""
    x_range, y_range = default_view_range(mixture, GRID_SIGMAS)
    width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
    scale = GRID_SIDE / max(width, height)
    return density_grid(mixture, x_range, y_range, (max(round(height * scale), 2), max(round(width * scale), 2)))


class MainWindow(QMainWindow):
    """Top-level window. Owns the state, the undo stack, the plot and the docks."""

    def __init__(
        self, state: AppState | None = None, remember_layout: bool = True, ask_to_save: AskToSave | None = None
    ) -> None:
        """`remember_layout=False` neither restores nor saves geometry and settings (offscreen renders).
        `ask_to_save(window, doing)` answers "save", "discard" or "cancel" before unsaved work would
        be replaced (default: a message box; renders and tests pass their own)."""
        super().__init__()
        self.ask_to_save: AskToSave = ask_to_save or ask_with_message_box
        self.setObjectName("mainWindow")
        self._remember_layout = remember_layout
        self.state = state if state is not None else AppState()
        if self.state.parent() is None:
            # Deleted with the window, while QApplication exists: its thread pool is joined then,
            # not in the garbage collector's order at interpreter exit.
            self.state.setParent(self)
        self.undo_stack = QUndoStack(self)
        self.editor = TargetEditor(self.state, self.undo_stack)
        self.plot = MixturePlot(self)
        self.setCentralWidget(self.plot)
        self.target_panel = TargetPanel(self.state, self.undo_stack, editor=self.editor)
        self.sampler_panel = SamplerPanel(self.state)
        self.fit_panel = FitPanel(self.state)
        self.selection_panel = SelectionPanel(self.state)
        self.surface = SurfaceView()
        self.paint_tool = PaintTool(self.plot, self.state, self.undo_stack)
        self.paint_panel = PaintPanel(self.paint_tool)
        self.docks = self._build_docks()
        self.files = FileActions(self)
        self.files.document.changed.connect(self._update_title)
        self.actions = build_menus(self)
        self.setAcceptDrops(True)
        self._build_status_bar()
        self._chain_tail = np.empty((0, 2))
        self._last_batch = None
        self._connect_state()
        self._on_target_changed(self.state.target)
        if remember_layout:
            self._restore_settings()
        else:
            self.resize(1400, 880)

    # ---------------------------------------------------------------- layout
    def _build_docks(self) -> dict[str, QDockWidget]:
        docks = {}
        area = Qt.DockWidgetArea
        for key, title, widget, side in (
            ("target", "Target", self.target_panel, area.LeftDockWidgetArea),
            ("sampler", "Sampler", self.sampler_panel, area.LeftDockWidgetArea),
            ("fit", "Fit", self.fit_panel, area.RightDockWidgetArea),
            ("selection", "Model selection", self.selection_panel, area.RightDockWidgetArea),
            ("surface", "3-D surface", self.surface, area.RightDockWidgetArea),
            ("paint", "Paint data", scrolling(self.paint_panel), area.RightDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{key}Dock")
            dock.setWidget(widget)
            docks[key] = dock
            tab_of = TABBED_WITH.get(key)
            if tab_of is None:
                self.addDockWidget(side, dock)
            else:
                self.tabifyDockWidget(docks[tab_of], dock)
        docks["fit"].raise_()
        self.plot.setMinimumSize(480, 400)  # docks may not crush the plot
        horizontal = Qt.Orientation.Horizontal
        self.resizeDocks([docks["target"], docks["fit"]], [390, 430], horizontal)
        self.resizeDocks([docks["target"], docks["sampler"]], [230, 520], Qt.Orientation.Vertical)
        return docks

    def _build_status_bar(self) -> None:
        self.jobs_label = QLabel("Idle")
        self.jobs_label.setObjectName("jobsLabel")
        self.statusBar().addPermanentWidget(self.jobs_label)
        self._job_started: dict[str, float] = {}
        self._status_timer = QTimer(self)
        self._status_timer.setObjectName("statusClock")
        self._status_timer.setInterval(500)
        self._status_timer.timeout.connect(self._show_jobs)

    def _connect_state(self) -> None:
        state = self.state
        state.target_changed.connect(self._on_target_changed)
        state.data_changed.connect(self.plot.set_data)
        state.fit_changed.connect(self.plot.set_fit)
        state.sampler_changed.connect(self._on_sampler_changed)
        state.busy_changed.connect(self._on_busy_changed)
        state.job_failed.connect(self._on_job_failed)
        self.plot.mean_dragged.connect(self.editor.drag_mean)
        self.paint_tool.refused.connect(lambda message: self.statusBar().showMessage(message, 8000))

    # ---------------------------------------------------------------- state → views
    def _on_target_changed(self, mixture: Mixture) -> None:
        grid = target_grid(mixture)
        self.plot.show_density(grid, contour_lines(grid, contour_levels(grid, N_CONTOUR_LEVELS)))
        self.plot.set_target(mixture)
        self.surface.set_density(grid)
        if not self.plot.is_dragging():
            self.frame_target()
        self._update_title()
        self.statusBar().showMessage(
            f"Target: {self.state.target_name}, {mixture.n_components} components, peak density {grid.values.max():.3g}"
        )

    def _on_sampler_changed(self, status) -> None:
        """Keep the last CHAIN_TAIL kept samples of chain 0 from each new batch (never a pass over
        all samples) and hand them to the plot, which draws them when its chain-path layer is shown."""
        batch = status.last_batch
        if batch is None:
            self._chain_tail = np.empty((0, 2))
        elif batch is not self._last_batch:
            data = self.state.data
            dims = list(data.display) if data is not None else [0, 1]
            new = batch.samples[batch.chain_ids == 0][:, dims]
            self._chain_tail = np.concatenate([self._chain_tail, new])[-CHAIN_TAIL:]
        self._last_batch = batch
        self.plot.set_chain_path(self._chain_tail if len(self._chain_tail) else None, None)

    def _on_busy_changed(self, kind: str, running: bool) -> None:
        if running:
            self._job_started[kind] = time.monotonic()
        else:
            self._job_started.pop(kind, None)
        if self._job_started and not self._status_timer.isActive():
            self._status_timer.start()
        elif not self._job_started:
            self._status_timer.stop()
        self._show_jobs()

    def _show_jobs(self) -> None:
        now = time.monotonic()
        running = [f"{JOB_NAMES.get(k, k)} {now - t:.1f} s" for k, t in self._job_started.items()]
        self.jobs_label.setText(" · ".join(running) if running else "Idle")

    def _on_job_failed(self, kind: str, message: str) -> None:
        self.statusBar().showMessage(f"{JOB_NAMES.get(kind, kind)} failed: {message}", 15_000)

    def _update_title(self) -> None:
        """ "session[*] — target — gmm_desktop"; Qt shows the [*] as a mark while there are unsaved changes."""
        document = self.files.document
        self.setWindowTitle(f"{document.name}[*] — {self.state.target_name} — gmm_desktop")
        self.setWindowModified(document.modified)

    def frame_target(self) -> None:
        self.plot.frame(*default_view_range(self.state.target))

    def flush(self) -> None:
        """Draw every pending update now, plot and panels (screenshots and tests; views redraw on
        their own within a frame or two)."""
        self.plot.flush()
        for panel in self.job_panels():
            panel.flush()

    # ---------------------------------------------------------------- actions
    def stop_all(self) -> None:
        """Esc: every job stops, and paint mode ends (so a click pans the view again)."""
        for kind in self.state.jobs.running_kinds():
            self.state.jobs.stop(kind)
        self.paint_tool.set_enabled(False)

    def export_view(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export view", "gmm-view.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if not path:
            return
        try:
            export_plot(self.plot.ci, Path(path))
        except (OSError, ValueError) as exc:
            QMessageBox.critical(self, "Export failed", str(exc))
            return
        self.statusBar().showMessage(f"Exported the view to {path}", 5000)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About gmm_desktop",
            f"<b>gmm_desktop {__version__}</b><p>Explore Gaussian mixture models: a target mixture, "
            "Metropolis-Hastings sampling, EM fitting and model selection, live.</p>"
            "<p>After Tiago Ramalho's <i>Quick introduction to Gaussian mixture models with Python</i>.</p>",
        )

    # ---------------------------------------------------------------- settings and close
    def job_panels(self) -> list[JobPanel]:
        return [self.sampler_panel, self.fit_panel, self.selection_panel]

    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 880)
        layout = settings.value("window/state")
        if layout is not None:
            self.restoreState(layout)
        for panel in (*self.job_panels(), self.paint_panel):
            panel.restore_settings(settings)
        for name, action in self.actions.layer_toggles.items():
            action.setChecked(settings.value(f"view/{name}", action.isChecked(), type=bool))

    def _save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        for panel in (*self.job_panels(), self.paint_panel):
            panel.save_settings(settings)
        for name, action in self.actions.layer_toggles.items():
            settings.setValue(f"view/{name}", action.isChecked())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """A data file, a session or a model JSON dropped anywhere on the window opens like File > Open."""
        path = dropped_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.files.open_path(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before unsaved work is lost; then stop and join every job: no worker may outlive the window."""
        if not self.files.maybe_save("closing"):
            event.ignore()
            return
        self.files.cancel_import()
        self._status_timer.stop()
        self.state.shutdown()
        if self._remember_layout:
            self._save_settings()
        event.accept()
        super().closeEvent(event)
