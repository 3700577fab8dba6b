"""Menus and shortcuts of the main window, kept apart so the window stays readable.

The View menu's layers come from the plot's layer registry and its colourings from the workspace's;
both change the state's view, and their check marks follow the state (a reopened session, a test).
The Run menu shows the panels' own commands, so a shortcut and a button are the same action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from gmm_desktop.gui.files.recent_files import RecentFiles
from gmm_desktop.gui.plot.mixture_plot import layer_shown
from gmm_desktop.gui.plot.registry import PLOT_LAYERS
from gmm_desktop.workspace.view import COLOURINGS, ViewState

if TYPE_CHECKING:
    from gmm_desktop.gui.app.main_window import MainWindow


@dataclass
class WindowActions:
    """The actions a test or another widget may trigger, by name."""

    layer_toggles: dict[str, QAction] = field(default_factory=dict)
    colourings: dict[str, QAction] = field(default_factory=dict)
    named: dict[str, QAction] = field(default_factory=dict)

    def follow(self, view: ViewState) -> None:
        """Check marks as the view says (signals blocked: this is no user's choice)."""
        for name, toggle in self.layer_toggles.items():
            with QSignalBlocker(toggle):
                toggle.setChecked(layer_shown(view, name))
        for mode, choice in self.colourings.items():
            with QSignalBlocker(choice):
                choice.setChecked(mode == view.colouring)


def _action(window: MainWindow, text: str, tip: str, slot: Callable, shortcut: str | QKeySequence | None = None):
    action = QAction(text, window)
    action.setStatusTip(tip)
    action.setToolTip(tip)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    return action


def build_menus(window: MainWindow) -> WindowActions:
    actions = WindowActions()
    bar = window.menuBar()
    _file_menu(window, bar.addMenu("&File"), actions)

    edit_menu = bar.addMenu("&Edit")
    undo = window.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    edit_menu.addActions([undo, redo])
    actions.named.update({"undo": undo, "redo": redo})

    _view_menu(window, bar.addMenu("&View"), actions)
    _run_menu(window, bar.addMenu("&Run"), actions)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(window, "&About gmm_desktop", "Version and credits", window.show_about))
    actions.follow(window.state.view)
    return actions


def _file_menu(window: MainWindow, file_menu, actions: WindowActions) -> None:
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


def _view_menu(window: MainWindow, view_menu, actions: WindowActions) -> None:
    state = window.state
    for spec in PLOT_LAYERS:
        if spec.text is None:
            continue
        toggle = QAction(spec.text, window)
        toggle.setCheckable(True)
        toggle.setStatusTip(spec.tip)
        toggle.toggled.connect(lambda visible, layer=spec.name: state.set_layer_visible(layer, visible))
        view_menu.addAction(toggle)
        actions.layer_toggles[spec.name] = toggle
    view_menu.addSeparator()
    group = QActionGroup(window)
    for colouring in COLOURINGS.values():
        choice = QAction(colouring.text, window)
        choice.setCheckable(True)
        choice.setStatusTip(colouring.tip)
        choice.triggered.connect(lambda _checked=False, mode=colouring.name: state.set_colouring(mode))
        group.addAction(choice)
        view_menu.addAction(choice)
        actions.colourings[colouring.name] = choice
    view_menu.addSeparator()
    view_menu.addAction(_action(window, "&Reset View", "Frame the whole target mixture", window.frame_target, "Ctrl+0"))
    panels_menu = view_menu.addMenu("&Panels")
    for dock in window.docks.values():
        panels_menu.addAction(dock.toggleViewAction())


def _run_menu(window: MainWindow, run_menu, actions: WindowActions) -> None:
    for key, action, shortcut in (
        ("sample", window.sampler_panel.run_action, "F5"),
        ("fit", window.fit_panel.fit_action, "F6"),
        ("step", window.fit_panel.step_action, "F7"),
        ("select", window.selection_panel.run_action, "F8"),
    ):
        action.setShortcut(QKeySequence(shortcut))
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
