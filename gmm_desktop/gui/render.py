"""`gmm-desktop render OUT.png`: the main window drawn offscreen, for the README and for scripts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gmm_desktop.core.atomic import atomic_write_bytes

# The offscreen platform has no window manager to pass size hints to; saying so is noise.
_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"


def _print_qt_message(mode, context, message: str) -> None:
    if not message.startswith(_OFFSCREEN_NOISE):
        print(message, file=sys.stderr)


def render_to_png(out: str | os.PathLike, size: tuple[int, int]) -> int:
    """Draw the main window at `size` (width, height) into the PNG `out`; returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import qInstallMessageHandler

    from gmm_desktop.gui.app import application, dispose
    from gmm_desktop.gui.export import png_bytes
    from gmm_desktop.gui.main_window import MainWindow

    qInstallMessageHandler(_print_qt_message)
    app = application()
    window = MainWindow(remember_layout=False)
    window.resize(*size)
    window.show()
    app.processEvents()
    try:
        image = window.grab().toImage()
        atomic_write_bytes(Path(out), png_bytes(image))
    except (OSError, ValueError) as exc:
        print(f"gmm-desktop render: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    finally:
        dispose(window)
    print(f"wrote {out} ({image.width()}x{image.height()})")
    return 0
