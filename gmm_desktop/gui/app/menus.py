"""Menus, shortcuts and the toolbar of the main window, kept apart so the window stays readable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QAbstractButton

from gmm_desktop.gui.files.recent_files import RecentFiles

if TYPE_CHECKING:
    from gmm_desktop.gui.app.main_window import MainWindow

LAYERS = (
    ("image", "Density &Image", "Show the target density as a filled image"),
    ("contours", "&Contour Lines", "Show contour lines of the target density"),
    ("colorbar", "Colour &Bar", "Show the colour scale of the density image"),
    ("points", "&Points", "Show the samples or the data points"),
    ("target_ellipses", "&Target Ellipses", "Show 1σ and 2σ ellipses of the target components (dashed)"),
    ("fit_ellipses", "&Fit Ellipses", "Show 1σ and 2σ ellipses of the fitted components (solid)"),
    ("fit_contours", "Fitted &Density Contours", "Show contour lines of the fitted mixture"),
    ("means", "Component &Means", "Show the means of the target and fitted components"),
    ("chain_path", "C&hain Path", "Show the last kept samples of chain 1 as a path"),
)
HIDDEN_AT_START = ("chain_path",)
"""Layers a user turns on when wanted (the chain path clutters the cloud)."""
COLOURINGS = (
    ("plain", "Plain Points", "Draw every point in one colour"),
    ("cluster", "Colour by Component", "Colour each point by its most probable component argmax P(i|x)"),
    ("uncertainty", "Shade by Uncertainty", "Shade each point by 1 - max P(i|x): dark where the fit is unsure"),
)


@dataclass
class WindowActions:
    """The actions a test or another widget may trigger, by name."""

    layer_toggles: dict[str, QAction] = field(default_factory=dict)
    colourings: dict[str, QAction] = field(default_factory=dict)
    named: dict[str, QAction] = field(default_factory=dict)


def _action(window: MainWindow, text: str, tip: str, slot: Callable, shortcut: str | QKeySequence | None = None):
    action = QAction(text, window)
    action.setStatusTip(tip)
    action.setToolTip(tip)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    return action


def _click(button: QAbstractButton) -> Callable[[], None]:
    """A slot that clicks `button` if it is enabled (so shortcuts follow the panel's own rules)."""

    def click() -> None:
        if button.isEnabled():
            button.click()

    return click


def build_menus(window: MainWindow) -> WindowActions:
    actions = WindowActions()
    bar = window.menuBar()

    file_menu = bar.addMenu("&File")
    files = window.files
    for key, text, tip, slot, shortcut in (
        ("open_data", "&Open Data…", "Load points from a CSV file", files.open_data, QKeySequence.StandardKey.Open),
        ("open_session", "Open &Session…", "Reopen a saved session", files.open_session, "Ctrl+Shift+O"),
        (None, "Open &Recent", "", None, None),
        ("save_session", "Sa&ve Session", "Save everything to the session file", files.save_session, "Ctrl+S"),
        (
            "save_session_as",
            "Save Session &As…",
            "Save everything to a new session file",
            files.save_session_as,
            "Ctrl+Shift+S",
        ),
        (
            "save_data",
            "Save &Points as CSV…",
            "The points with chain, label and p_1..p_K columns",
            files.save_data,
            None,
        ),
        ("export_model", "Export &Fitted Model…", "The fitted mixture as a JSON file", files.export_model, None),
        ("export_target", "Export &Target…", "The target mixture as a JSON file", files.export_target, None),
        ("import_target", "&Import Target…", "Make a model JSON file the target (undoable)", files.import_target, None),
        ("export", "&Export View…", "Save the plot as a PNG or SVG picture", window.export_view, "Ctrl+E"),
        ("quit", "&Quit", "Close the window", window.close, QKeySequence.StandardKey.Quit),
    ):
        if key is None:
            files.recent = RecentFiles(file_menu.addMenu(text), files.open_path, window)
            file_menu.addSeparator()
            continue
        action = _action(window, text, tip, slot, shortcut)
        file_menu.addAction(action)
        actions.named[key] = action
        if key in ("save_session_as", "import_target", "export"):
            file_menu.addSeparator()

    edit_menu = bar.addMenu("&Edit")
    undo = window.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    edit_menu.addActions([undo, redo])

    view_menu = bar.addMenu("&View")
    for name, text, tip in LAYERS:
        toggle = QAction(text, window)
        toggle.setCheckable(True)
        toggle.setStatusTip(tip)
        toggle.toggled.connect(lambda visible, layer=name: window.plot.set_layer_visible(layer, visible))
        toggle.setChecked(name not in HIDDEN_AT_START)
        window.plot.set_layer_visible(name, toggle.isChecked())
        view_menu.addAction(toggle)
        actions.layer_toggles[name] = toggle
    view_menu.addSeparator()
    group = QActionGroup(window)
    for mode, text, tip in COLOURINGS:
        choice = QAction(text, window)
        choice.setCheckable(True)
        choice.setStatusTip(tip)
        choice.triggered.connect(lambda _checked=False, m=mode: window.plot.set_colouring(m))
        group.addAction(choice)
        view_menu.addAction(choice)
        actions.colourings[mode] = choice
    actions.colourings["cluster"].setChecked(True)
    window.plot.set_colouring("cluster")
    view_menu.addSeparator()
    view_menu.addAction(_action(window, "&Reset View", "Frame the whole target mixture", window.frame_target, "Ctrl+0"))
    panels_menu = view_menu.addMenu("&Panels")
    for dock in window.docks.values():
        panels_menu.addAction(dock.toggleViewAction())

    run_menu = bar.addMenu("&Run")
    for key, text, tip, button, shortcut in (
        ("sample", "&Sample", "Run the Metropolis-Hastings sampler", window.sampler_panel.run_button, "F5"),
        ("fit", "&Fit", "Fit the points by EM", window.fit_panel.fit_button, "F6"),
        ("step", "S&tep One Iteration", "One more EM iteration", window.fit_panel.step_button, "F7"),
        ("select", "Select &Models", "Sweep K and covariance types", window.selection_panel.run_button, "F8"),
    ):
        action = _action(window, text, tip, _click(button), shortcut)
        run_menu.addAction(action)
        actions.named[key] = action
    apply_model = _action(
        window, "&Apply Model to Data…", "Colour the points by a model file, without EM", window.files.apply_model
    )
    run_menu.addAction(apply_model)
    actions.named["apply_model"] = apply_model
    paint = _action(
        window, "&Paint Data", "Click or drag on the plot to add points (Esc leaves)", window.paint_tool.set_enabled
    )
    paint.setCheckable(True)
    window.paint_tool.enabled_changed.connect(paint.setChecked)
    run_menu.addAction(paint)
    actions.named["paint"] = paint
    run_menu.addSeparator()
    stop = _action(window, "Stop &All", "Stop every running job and leave paint mode", window.stop_all, "Esc")
    run_menu.addAction(stop)
    actions.named["stop"] = stop

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(window, "&About gmm_desktop", "Version and credits", window.show_about))
    actions.named.update({"undo": undo, "redo": redo})
    return actions
