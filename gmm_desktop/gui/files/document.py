"""What the window's work is saved as, and whether it changed since: the title and the save prompts.

A session file holds everything the user made (target, samples or data, fit, selection). The
document remembers which file that is (or "Untitled") and whether anything changed since it was
saved or opened: a target edit, new points, a fit or a selection result. Closing the window,
opening a session or opening a data file over unsaved work asks first (Save / Discard / Cancel),
so nothing the user made is lost without a prompt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget

from gmm_desktop.gui.state.app_state import AppState

Answer = str
""""save", "discard" or "cancel"."""
AskToSave = Callable[[QWidget, str], Answer]


def ask_with_message_box(parent: QWidget, doing: str) -> Answer:
    """The standard question: Save / Discard / Cancel (Escape cancels)."""
    buttons = QMessageBox.StandardButton
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Unsaved changes",
        f"Save this session before {doing}?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        parent,
    )
    box.setObjectName("unsavedChangesBox")
    box.setInformativeText(
        "Otherwise the target edits, points, fit and model-selection results made since the last save are lost."
    )
    box.setDefaultButton(buttons.Save)
    box.setEscapeButton(buttons.Cancel)
    answer = box.exec()
    return {buttons.Save.value: "save", buttons.Discard.value: "discard"}.get(answer, "cancel")


def discard_unsaved(_parent: QWidget, _doing: str) -> Answer:
    """For windows whose work is not the user's (offscreen renders, benchmarks): never ask."""
    return "discard"


class Document(QObject):
    """`path` (None: untitled), `modified`; `changed` fires when either does (the window retitles)."""

    changed = Signal()

    def __init__(self, state: AppState, undo_stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._undo_stack = undo_stack
        self.path: Path | None = None
        self._modified = False
        self._quiet = 0
        for signal in (state.target_changed, state.data_changed, state.fit_changed, state.selection_changed):
            signal.connect(self._on_work_changed)
        undo_stack.cleanChanged.connect(lambda _clean: self.changed.emit())

    @property
    def modified(self) -> bool:
        return self._modified or not self._undo_stack.isClean()

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    def mark_saved(self, path: Path | None) -> None:
        """The work now matches `path` (after saving or opening it; None: a fresh untitled start)."""
        self.path = path
        self._modified = False
        self._undo_stack.setClean()
        self.changed.emit()

    def mark_modified(self) -> None:
        if not self._modified:
            self._modified = True
            self.changed.emit()

    @contextlib.contextmanager
    def restoring(self) -> Iterator[None]:
        """State changes inside are the document being put back, not new work."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _on_work_changed(self, *_args: object) -> None:
        if not self._quiet:
            self.mark_modified()
