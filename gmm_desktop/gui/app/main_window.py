"""The main window: the plot in the middle, one dock per concern, menus, shortcuts, status bar.

It composes; it does not compute. Panels and the plot listen to `AppState`; the window routes the
plot's drags to undoable target edits, frames a new target, shows what is running in the status bar,
and on close stops and joins every job before remembering the layout and the settings.
"""

from __future__ import annotations

import time
from pathlib import Path

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
from gmm_desktop.core.density import default_view_range
from gmm_desktop.gui.app.menus import build_menus
from gmm_desktop.gui.files.document import AskToSave, ask_with_message_box
from gmm_desktop.gui.files.file_actions import FileActions
from gmm_desktop.gui.panels.fit_panel import FitPanel
from gmm_desktop.gui.panels.forms import scrolling
from gmm_desktop.gui.panels.job_panel import JobPanel
from gmm_desktop.gui.panels.paint_panel import PaintPanel
from gmm_desktop.gui.panels.sampler_panel import SamplerPanel
from gmm_desktop.gui.panels.selection_panel import SelectionPanel
from gmm_desktop.gui.panels.target_panel import TargetPanel
from gmm_desktop.gui.plot.export import export_plot
from gmm_desktop.gui.plot.mixture_plot import MixturePlot, layer_shown
from gmm_desktop.gui.plot.paint_tool import PaintTool
from gmm_desktop.gui.plot.surface import SurfaceView
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import TargetEditor
from gmm_desktop.gui.state.kinds import KINDS
from gmm_desktop.workspace.results import TargetDensity

TABBED_WITH = {"selection": "fit", "surface": "fit", "paint": "fit"}
"""Docks that share a place with another as tabs (one tab group: with two, Qt 6.11 left an orphan
tab bar drawn over the plot)."""


def dropped_path(mime: QMimeData) -> Path | None:
    """The one local file of a drag, or None (several files, a web link, text)."""
    urls = [url for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
    return Path(urls[0].toLocalFile()) if len(urls) == 1 else None


def _job_name(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.label if spec is not None and spec.label else kind


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
        self.plot = MixturePlot(self.state, self)
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
        self._connect_state()
        self._on_target_changed(self.state.target)
        self._on_density_changed(self.state.workspace.derived.target_density)
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
        state.target_density_changed.connect(self._on_density_changed)
        state.busy_changed.connect(self._on_busy_changed)
        state.view_changed.connect(self._on_view_changed)
        state.job_failed.connect(self._on_job_failed)
        self.plot.mean_dragged.connect(self.editor.drag_mean)
        self.paint_tool.refused.connect(lambda message: self.statusBar().showMessage(message, 8000))

    # ---------------------------------------------------------------- state → views
    def _on_target_changed(self, _mixture: object) -> None:
        if not self.plot.is_dragging():
            self.frame_target()
        self._update_title()

    def _on_view_changed(self, view) -> None:
        self.actions.follow(view)

    def _on_density_changed(self, density: TargetDensity | None) -> None:
        if density is None:
            return
        self.surface.set_density(density.grid)
        k = density.mixture.n_components
        self.statusBar().showMessage(
            f"Target: {self.state.target_name}, {k} components, peak density {density.grid.values.max():.3g}"
        )

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
        running = [f"{_job_name(k)} {now - t:.1f} s" for k, t in self._job_started.items()]
        self.jobs_label.setText(" · ".join(running) if running else "Idle")

    def _on_job_failed(self, kind: str, message: str) -> None:
        self.statusBar().showMessage(f"{_job_name(kind)} failed: {message}", 15_000)

    def _update_title(self) -> None:
        """ "session[*] — target — gmm_desktop"; Qt shows the [*] as a mark while there are unsaved changes."""
        document = self.files.document
        self.setWindowTitle(f"{document.name}[*] — {self.state.target_name} — gmm_desktop")
        self.setWindowModified(document.modified)

    def frame_target(self) -> None:
        self.plot.frame(*default_view_range(self.state.target))

    def flush(self) -> None:
        """Draw every pending update now, derived results, plot and panels (screenshots and tests;
        views redraw on their own within a frame or two)."""
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
        view = self.state.view
        for name in self.actions.layer_toggles:
            self.state.set_layer_visible(name, settings.value(f"view/{name}", layer_shown(view, name), type=bool))

    def _save_settings(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        for panel in (*self.job_panels(), self.paint_panel):
            panel.save_settings(settings)
        for name in self.actions.layer_toggles:
            settings.setValue(f"view/{name}", layer_shown(self.state.view, name))

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
