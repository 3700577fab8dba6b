"""The main window: menus, status bar and the central mixture plot, all listening to AppState."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from gmm_desktop import __version__
from gmm_desktop.core.density import DensityGrid, contour_levels, contour_lines, default_view_range, density_grid
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.export import export_plot
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.state import AppState

GRID_SIDE = 300
N_CONTOUR_LEVELS = 10
# The density image reaches past the framed region (3 sigma) so no edge shows when the aspect
# lock widens the view; beyond 4.5 sigma a component is below 1e-4 of its peak.
GRID_SIGMAS = 4.5


def target_grid(mixture: Mixture) -> DensityGrid:
    """The density image of a target: square cells, GRID_SIDE cells along the longer side."""
    x_range, y_range = default_view_range(mixture, GRID_SIGMAS)
    width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
    scale = GRID_SIDE / max(width, height)
    return density_grid(mixture, x_range, y_range, (max(round(height * scale), 2), max(round(width * scale), 2)))


class MainWindow(QMainWindow):
    """Top-level window. Owns the state object and the views; closing it saves the layout."""

    def __init__(self, state: AppState | None = None, remember_layout: bool = True) -> None:
        """`remember_layout=False` neither restores nor saves the geometry (offscreen renders)."""
        super().__init__()
        self._remember_layout = remember_layout
        self.setObjectName("mainWindow")
        self.state = state if state is not None else AppState()
        self.plot = MixturePlot(self)
        self.setCentralWidget(self.plot)
        self._build_menus()
        self.state.target_changed.connect(self._on_target_changed)
        self._on_target_changed(self.state.target)
        if remember_layout:
            self._restore_layout()
        else:
            self.resize(1280, 800)

    # ---------------------------------------------------------------- menus
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_action = self._action("&Export View…", "Save the plot as a PNG or SVG picture", self._on_export)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        quit_action = self._action("&Quit", "Close the window", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.image_action = self._toggle(
            "Density &Image", "Show the target density as a filled image", self.plot.set_image_visible
        )
        self.contours_action = self._toggle(
            "&Contour Lines", f"Show {N_CONTOUR_LEVELS} contour lines of the density", self.plot.set_contours_visible
        )
        self.color_bar_action = self._toggle(
            "Colour &Bar", "Show the colour scale of the density image", self.plot.set_color_bar_visible
        )
        for action in (self.image_action, self.contours_action, self.color_bar_action):
            view_menu.addAction(action)
        view_menu.addSeparator()
        reset = self._action("&Reset View", "Frame the whole target mixture", self._frame_target)
        reset.setShortcut(QKeySequence("Ctrl+0"))
        view_menu.addAction(reset)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&About gmm_desktop", "Version and credits", self._on_about))

    def _action(self, text: str, tip: str, slot) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _toggle(self, text: str, tip: str, slot) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.setChecked(True)
        action.setStatusTip(tip)
        action.toggled.connect(slot)
        return action

    # ---------------------------------------------------------------- state → views
    def _on_target_changed(self, mixture: Mixture) -> None:
        grid = target_grid(mixture)
        self.plot.show_density(grid, contour_lines(grid, contour_levels(grid, N_CONTOUR_LEVELS)))
        self._frame_target()
        self.setWindowTitle(f"{self.state.target_name} — gmm_desktop")
        self.statusBar().showMessage(
            f"Target: {self.state.target_name}, {mixture.n_components} components, peak density {grid.values.max():.3g}"
        )

    def _frame_target(self) -> None:
        self.plot.frame(*default_view_range(self.state.target))

    # ---------------------------------------------------------------- actions
    def _on_export(self) -> None:
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

    def _on_about(self) -> None:
        QMessageBox.about(
            self,
            "About gmm_desktop",
            f"<b>gmm_desktop {__version__}</b><p>Explore Gaussian mixture models: a target mixture, "
            "Metropolis-Hastings sampling, EM fitting and model selection, live.</p>"
            "<p>After Tiago Ramalho's <i>Quick introduction to Gaussian mixture models with Python</i>.</p>",
        )

    # ---------------------------------------------------------------- layout persistence
    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._remember_layout:
            settings = QSettings()
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/state", self.saveState())
        event.accept()
        super().closeEvent(event)
