"""Opening a data file, start to end: parse on a worker, let the user choose, then replace the data.

The window calls `ImportFlow.open(path)` and listens to `finished`. Nothing here blocks: the
progress window, the import dialog and the error box are opened with `open()` (window-modal) and
answered through signals, so the event loop, running jobs, and tests, keep going. The current data
changes only when the user accepts the dialog; a failed, cancelled or rejected import leaves it.

When the user corrects the delimiter, decimal mark or header in the dialog, the file is read again
with those options and a new dialog replaces the old one; the import goes on (one `finished` per
`open`). A re-read that fails or is cancelled leaves the old dialog up, with the error said in it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gmm_desktop.core.io.tables import Table
from gmm_desktop.gui.files.dataset_loading import DatasetLoader
from gmm_desktop.gui.files.import_dialog import ImportDialog
from gmm_desktop.gui.files.load_progress import LoadProgressDialog
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.workspace.importing import ImportOptions


class ImportFlow(QObject):
    """finished(accepted): the import ended, with new data or not; error(message): the file could
    not be read (the message names file, line and column; a box shows it too).

    `dialog`, `message_box`: the import dialog or error box now open, else None (tests drive them).
    `last_path`, `last_options`: what the last accepted import took (to save with a session).
    """

    finished = Signal(bool)
    error = Signal(str)

    def __init__(self, parent: QWidget, state: AppState, loader: DatasetLoader | None = None) -> None:
        """loader: defaults to one on `state.jobs`, so the window's `state.shutdown()` joins it."""
        super().__init__(parent)
        self.setObjectName("importFlow")
        self._window = parent
        self.state = state
        self.loader = loader if loader is not None else DatasetLoader(state.jobs, self)
        self.progress_dialog = LoadProgressDialog(self.loader, parent)
        self.dialog: ImportDialog | None = None
        self.message_box: QMessageBox | None = None
        self.last_path: Path | None = None
        self.last_options: ImportOptions | None = None
        self._path: Path | None = None
        self._reparsing = False  # the loader is re-reading the file for the open dialog
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.loader.cancelled.connect(self._on_cancelled)

    def open(self, path: str | Path) -> None:
        """Start importing `path`; an import in progress (loading, or its dialog open) is abandoned."""
        self._close_dialog()
        self._path = Path(path)
        self.loader.load(self._path)

    def is_busy(self) -> bool:
        return self.loader.is_loading() or self.dialog is not None

    def cancel(self) -> None:
        """Abandon the import in progress, if any (the window calls this before it closes)."""
        self.loader.cancel()
        self._close_dialog()

    # ------------------------------------------------------------------ steps
    def _on_loaded(self, table: Table) -> None:
        old, self._reparsing = self.dialog, False
        dialog = ImportDialog(table, self._window)
        dialog.accepted.connect(self._on_accepted)
        dialog.rejected.connect(self._on_rejected)
        dialog.reparse_requested.connect(self._on_reparse_requested)
        if old is not None:  # a re-read: the new dialog takes the old one's place, the import goes on
            dialog.resize(old.size())
            old.blockSignals(True)  # its rejection must not end the import
            old.reject()
            old.deleteLater()
        self.dialog = dialog
        dialog.open()

    def _on_reparse_requested(self, options: dict) -> None:
        assert self._path is not None  # a dialog is open only for a file being imported
        self._reparsing = True
        self.loader.load(self._path, **options)

    def _on_accepted(self) -> None:
        dialog = self._take_dialog()
        self.last_path, self.last_options = self._path, dialog.options()
        self.state.set_data(dialog.result_dataset(), self.last_options.display)
        self.finished.emit(True)

    def _on_rejected(self) -> None:
        self._take_dialog()
        self.finished.emit(False)

    def _on_failed(self, message: str) -> None:
        if self._reparsing and self.dialog is not None:  # the old reading stays; the dialog says why
            self._reparsing = False
            self.dialog.end_reparse(message)
            return
        self.error.emit(message)
        name = self._path.name if self._path is not None else "the file"
        self._close_box()
        ok = QMessageBox.StandardButton.Ok
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot open file", f"Cannot open {name}.", ok, self._window)
        box.setObjectName("importErrorBox")
        box.setInformativeText(f"{message}\n\nThe current points are unchanged.")
        box.finished.connect(self._on_box_closed)
        self.message_box = box
        box.open()
        self.finished.emit(False)

    def _on_cancelled(self) -> None:
        if self._reparsing and self.dialog is not None:
            self._reparsing = False
            self.dialog.end_reparse()
            return
        self.finished.emit(False)

    def _on_box_closed(self) -> None:
        if self.message_box is not None:
            self.message_box.deleteLater()
            self.message_box = None

    def _close_box(self) -> None:
        if self.message_box is not None:
            self.message_box.done(QMessageBox.StandardButton.Ok.value)

    # ------------------------------------------------------------------ dialog lifetime
    def _take_dialog(self) -> ImportDialog:
        if self._reparsing:
            self.loader.cancel()  # the import ends: its re-read has nothing to replace
        dialog, self.dialog = self.dialog, None
        assert dialog is not None  # accepted/rejected come from the dialog we keep
        dialog.deleteLater()
        return dialog

    def _close_dialog(self) -> None:
        """Reject an open import dialog (its rejection ends that import with finished(False))."""
        if self.dialog is not None:
            self.dialog.reject()
