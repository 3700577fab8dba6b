"""A progress window for a file load, shown only when the load is slow enough to be noticed.

Most files parse in well under a second; flashing a dialog for those is noise, so the window
appears only after `SHOW_AFTER_MS`. It follows a `DatasetLoader` by its signals, so whoever starts
a load need not drive it, and its Cancel button (Escape, closing it) cancels the load.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from gmm_desktop.gui.files.dataset_loading import DatasetLoader

SHOW_AFTER_MS = 300
STEPS = 1000


class LoadProgressDialog(QDialog):
    """Window-modal while shown; hidden again when the load ends however it ends."""

    def __init__(self, loader: DatasetLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadProgressDialog")
        self.setWindowTitle("Reading data")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._loader = loader
        self.label = QLabel("Reading …")
        self.label.setObjectName("loadProgressLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("loadProgressBar")
        self.bar.setRange(0, STEPS)
        self.bar.setToolTip("Share of the file read so far (large files report between chunks of 8 MB).")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("loadCancel")
        self.cancel_button.setToolTip("Stop reading the file; the current points stay as they are.")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)
        self._delay = QTimer(self)
        self._delay.setObjectName("loadProgressDelay")
        self._delay.setSingleShot(True)
        self._delay.setInterval(SHOW_AFTER_MS)
        self._delay.timeout.connect(self.show)
        loader.started.connect(self._on_started)
        loader.progress.connect(self._on_progress)
        for ended in (loader.loaded, loader.failed, loader.cancelled):
            ended.connect(self._finish)

    def reject(self) -> None:
        """Cancel, Escape and the close button stop the load; the dialog hides when it has."""
        self._loader.cancel()
        self._finish()

    def _on_started(self, path: Path) -> None:
        self.label.setText(f"Reading {path.name} …")
        self.bar.setValue(0)
        self._delay.start()

    def _on_progress(self, fraction: float) -> None:
        self.bar.setValue(round(fraction * STEPS))

    def _finish(self) -> None:
        self._delay.stop()
        self.hide()
