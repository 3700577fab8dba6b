"""`gmm-desktop render OUT.png`: the window after the article's workflow, drawn offscreen.

It runs what a user would click through (sample the target, fit two components, sweep K = 1..6)
on the same workers the window uses, waits for each job, and grabs the window: the picture shows
contours, coloured samples and ellipses. Used for the README and by scripts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from gmm_desktop.core.io.atomic import atomic_write_bytes

# The offscreen platform has no window manager to pass size hints to; saying so is noise.
_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"
JOB_TIMEOUT_S = 120


def _print_qt_message(mode, context, message: str) -> None:
    if not message.startswith(_OFFSCREEN_NOISE):
        print(message, file=sys.stderr)


def _wait_idle(app, state, kind: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while state.jobs.is_running(kind):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the {kind} job did not finish within {JOB_TIMEOUT_S} s")
        app.processEvents()
        time.sleep(0.005)


def run_demo_workflow(app, window) -> None:
    """The article's steps, clicked through the panels with their default settings: MH sampling
    (10,000 steps, thin 10), a model-selection sweep, then a 2-component full fit."""
    state = window.state
    for button, kind in (
        (window.sampler_panel.run_button, "sampler"),
        (window.selection_panel.run_button, "selection"),
        (window.fit_panel.fit_button, "fit"),
    ):
        button.click()
        _wait_idle(app, state, kind)
    window.docks["selection"].raise_()


def render_to_png(out: str | os.PathLike, size: tuple[int, int], workflow: bool = True) -> int:
    """Draw the main window at `size` (width, height) into the PNG `out`; returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import qInstallMessageHandler

    from gmm_desktop.gui.app.application import application, dispose
    from gmm_desktop.gui.app.main_window import MainWindow
    from gmm_desktop.gui.files.document import discard_unsaved
    from gmm_desktop.gui.plot.export import png_bytes

    qInstallMessageHandler(_print_qt_message)
    app = application()
    window = MainWindow(remember_layout=False, ask_to_save=discard_unsaved)
    window.resize(*size)
    window.show()
    app.processEvents()
    try:
        if workflow:
            run_demo_workflow(app, window)
        window.flush()
        app.processEvents()
        image = window.grab().toImage()
        atomic_write_bytes(Path(out), png_bytes(image))
    except (OSError, ValueError, TimeoutError) as exc:
        print(f"gmm-desktop render: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    finally:
        dispose(window)
    print(f"wrote {out} ({image.width()}x{image.height()})")
    return 0
