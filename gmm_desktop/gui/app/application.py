"""QApplication set-up shared by the window and the offscreen renderer."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from gmm_desktop import __version__
from gmm_desktop.paths import resource

ORGANIZATION = "gmm_desktop"
APPLICATION = "gmm-desktop"


def configure_pyqtgraph() -> None:
    """Options every view relies on: row-major images (or densities come out transposed)."""
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")


def application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, created on first use with the names QSettings files are keyed by."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("gmm_desktop")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource("icons", "gmm-desktop.svg"))))
    configure_pyqtgraph()
    return app


def dispose(widget: QWidget) -> None:
    """Close and delete `widget` now, while the application still exists.

    PySide6 6.11 + pyqtgraph 0.14 segfault at interpreter exit in about one run out of four when
    a plot widget is left for the garbage collector after QApplication is gone (measured: 14/20
    runs of a bare PlotWidget script); deleting it first avoids that.
    """
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run_window(path: Path | None = None) -> int:
    """Open the main window on the article's demo (then `path`: data, session or model) and run it."""
    from gmm_desktop.gui.app.main_window import MainWindow
    from gmm_desktop.gui.app.preload import start_preload

    app = application()
    window = MainWindow()
    window.show()
    start_preload(window.state)
    if path is not None:
        window.files.open_path(path)
    # Start-up objects live for the whole session: keep the collector from rescanning them
    # (gc pauses caused 25-100 ms frame spikes, shared/QT_ON_DEBIAN.md).
    gc.freeze()
    code = app.exec()
    dispose(window)
    return code
