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


def cut_off_texts(root) -> list[str]:
    """The texts under `root` (a shown widget) that do not fit the room they have: a label, a button or
    check box, a drop-down, a table's header section. Elided text is easy to miss in an offscreen run;
    this compares what each text needs (its font's advance) with its widget's room."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QTableView

    def shown(kind):
        return [w for w in root.findChildren(kind) if w.isVisibleTo(root)]

    problems = [_label_problem(label) for label in shown(QLabel) if label.text()]
    problems += [_button_problem(button) for button in shown(QAbstractButton) if button.text()]
    problems += [
        f"drop-down {combo.currentText()!r}: {combo.width()} px, needs {combo.minimumSizeHint().width()}"
        for combo in shown(QComboBox)
        if combo.width() < combo.minimumSizeHint().width()
    ]
    for table in shown(QTableView):
        problems += _header_problems(table)
    return [problem for problem in problems if problem]


def _advance(widget, text: str) -> int:
    return max((widget.fontMetrics().horizontalAdvance(line) for line in text.split("\n")), default=0)


def _label_problem(label) -> str:
    room = label.contentsRect()
    if label.wordWrap():
        needed = label.heightForWidth(room.width())
        return f"label {label.text()!r}: {room.height()} px high, needs {needed}" if room.height() < needed - 1 else ""
    needed = _advance(label, label.text())
    return f"label {label.text()!r}: {room.width()} px, needs {needed}" if room.width() < needed else ""


def _button_problem(button) -> str:
    from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

    option = QStyleOptionButton()
    option.initFrom(button)
    option.text = button.text()
    is_check = isinstance(button, QCheckBox | QRadioButton)
    element = QStyle.SubElement.SE_CheckBoxContents if is_check else QStyle.SubElement.SE_PushButtonContents
    room = button.style().subElementRect(element, option, button).width()
    text = button.text().replace("&", "")
    needed = _advance(button, text)
    return f"button {text!r}: {room} px for the text, needs {needed}" if room < needed else ""


def _header_problems(table) -> list[str]:
    header = table.horizontalHeader()
    problems = []
    for column in range(header.count()):
        if table.isColumnHidden(column):
            continue
        from PySide6.QtGui import QFontMetrics

        model = table.model()
        text = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        font = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.FontRole) or header.font()
        needed = QFontMetrics(font).horizontalAdvance(text) + 8  # the section's margins
        if header.sectionSize(column) < needed:
            problems.append(f"header {text!r}: {header.sectionSize(column)} px, needs {needed}")
    return problems
