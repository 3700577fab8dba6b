"""Plain helpers shared by the tests: running the program as a shell does, and driving the GUI.

GUI fixtures (a state, a shown widget) are in tests/gui/conftest.py; these are functions, imported as
`from helpers import ...` (pytest puts tests/ on the path).
"""

import subprocess
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QAbstractItemView

DEFAULT_TIMEOUT_MS = 30_000

MOVE_GAP_MS = 15
"""Between two simulated mouse moves. pyqtgraph drops a move that comes less than 10 ms after the
last one (its `mouseRateLimit`, 100 a second): a hand never moves that fast, a test loop does."""

MOUSE_60HZ_MS = 16
"""Between two moves of a fast drag, as a mouse reports at 60 Hz: twice the app's 30 Hz redraw rate, so
a test can show that the redraws are coalesced (pushed at most 30 times a second)."""


# ---------------------------------------------------------------------------------------------- the shell
def run_python(*args: str, env: dict | None = None, cwd=None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python ARGS...` in this environment, output captured as text; never raises on a failure."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False
    )


def run_cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m gmm_desktop ARGS...`, as a script would call the program."""
    return run_python("-m", "gmm_desktop", *args, env=env, timeout=timeout)


# ---------------------------------------------------------------------------------------------- the GUI
def click(qtbot, button) -> None:
    """Click `button` as a user does; a disabled button is a test failure, not a silent no-op."""
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_idle(qtbot, state, kind: str, timeout: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the `kind` job of `state` (an AppState) has ended, then finish what follows from its
    result (diagnostics, comparison, labels) so the views have it; a panel's test may flush() next."""
    qtbot.waitUntil(lambda: not state.jobs.is_running(kind), timeout=timeout)
    assert state.settle(timeout), "derived results did not finish"


def deliver_queued_events() -> None:
    """Deliver, now, every event already posted to objects of the GUI thread.

    After a JobRunner's `wait()` (or a loader's `shutdown()`) its workers have returned, so every queued
    record or result they emitted is posted by then: once this returns, a late event that was going to
    arrive has arrived. Tests that show something is *never* delivered join first, then call this,
    instead of waiting a fixed time."""
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()


def cell(model, row: int, column: int, role: Qt.ItemDataRole | int = Qt.ItemDataRole.DisplayRole):
    """What a Qt model holds at (row, column) for `role`; given a view, what the view's model holds (for a
    sorted table, the row as the user sees it). The display role is the text shown in the cell."""
    if isinstance(model, QAbstractItemView):
        model = model.model()
    return model.data(model.index(row, column), role)


def hand_pause(qtbot, ms: int = MOVE_GAP_MS) -> None:
    """The pause a hand leaves between two mouse events (see MOVE_GAP_MS and MOUSE_60HZ_MS). Not a wait
    for a result: it spaces simulated events out in time, which is what the code under test looks at."""
    qtbot.wait(ms)
