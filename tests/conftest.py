"""Test harness: offscreen Qt, settings in a temporary folder, and no work left running.

QT_QPA_PLATFORM must be set before anything imports Qt, so it is the first thing here.
"""

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
# scikit-learn's estimator checks include an array-API check that runs only with this set (before scipy loads).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

LEAK_GRACE_SECONDS = 2.0


def _no_real_dialog(*_args, **_kwargs):
    raise AssertionError("a test opened a real modal dialog (it would wait for a click forever): answer it in the test")


# Session-wide, so a test's monkeypatch of these falls back to the guard, never to a blocking dialog.
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

for _name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
    setattr(QFileDialog, _name, _no_real_dialog)
QMessageBox.exec = _no_real_dialog


def pytest_sessionfinish(session, exitstatus) -> None:
    """Delete every widget left while QApplication exists (PySide6 can segfault at exit otherwise)."""
    app = QApplication.instance()
    if app is None:
        return
    from gmm_desktop.gui.app.application import dispose

    for widget in app.topLevelWidgets():
        if isValid(widget):
            dispose(widget)
    from shiboken6 import delete

    from gmm_desktop.gui.state.jobs import RUNNERS

    for runner in list(RUNNERS):  # join and delete every pool while the application exists
        if isValid(runner):
            runner.shutdown()
            delete(runner)


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """QSettings and standard paths point into a temporary folder, never at the user's files."""
    folder = tmp_path_factory.mktemp("settings")
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))


@pytest.fixture(autouse=True)
def _fresh_settings(_isolated_settings) -> None:
    """Each test starts from empty settings, as a first launch does (no layout from an earlier test)."""
    QSettings().clear()


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    """The application configured as the real program configures it (names, pyqtgraph options)."""
    from gmm_desktop.gui.app.application import application

    return application()


@pytest.fixture
def main_window(app: QApplication, qtbot) -> Iterator:
    """The real main window, shown; owned here and closed at teardown so its work is joined."""
    from gmm_desktop.gui.app.application import dispose
    from gmm_desktop.gui.app.main_window import MainWindow
    from gmm_desktop.gui.files.document import discard_unsaved

    window = MainWindow(ask_to_save=discard_unsaved)  # tests of the prompt set their own
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.flush()  # as a user first sees it: the target's density drawn
    yield window
    dispose(window)


@pytest.fixture
def plot(app, qtbot) -> Iterator:
    """A MixturePlot of a fresh AppState (`plot.state`) at 800x600 framing the article's demo;
    the state's jobs are joined and the plot disposed at teardown."""
    from gmm_desktop.core.density import default_view_range
    from gmm_desktop.core.mixture import article_demo
    from gmm_desktop.gui.app.application import dispose
    from gmm_desktop.gui.plot.mixture_plot import MixturePlot
    from gmm_desktop.gui.state.app_state import AppState

    state = AppState()
    widget = MixturePlot(state)
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.frame(*default_view_range(article_demo()))
    yield widget
    assert state.shutdown()
    dispose(widget)


def _active_timers() -> list[str]:
    app = QApplication.instance()
    if app is None:
        return []
    owners = [app, *app.topLevelWidgets()]
    return [
        f"{type(owner).__name__}/{timer.objectName() or 'QTimer'}"
        for owner in owners
        for timer in owner.findChildren(QTimer)
        if timer.isActive()
    ]


def _leftover_work(threads_before: set[threading.Thread]) -> list[str]:
    # Qt's pool threads show up as dummy Thread objects that never die; the pools are checked below.
    problems = [
        f"thread {t.name}"
        for t in threading.enumerate()
        if t not in threads_before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]
    if QThreadPool.globalInstance().activeThreadCount():
        problems.append(f"{QThreadPool.globalInstance().activeThreadCount()} job(s) in the global thread pool")
    from gmm_desktop.gui.state.jobs import RUNNERS

    for runner in list(RUNNERS):
        if not isValid(runner):  # deleted with its window: its pool was joined then
            continue
        if runner.active_threads():
            problems.append(f"{runner.active_threads()} job(s) of a JobRunner ({runner.running_kinds()})")
    return problems + [f"timer {name}" for name in _active_timers()]


@pytest.fixture(autouse=True)
def _no_leftover_work() -> Iterator[None]:
    """Fail any test that leaves a thread, a pooled job or a timer running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + LEAK_GRACE_SECONDS
    while (problems := _leftover_work(before)) and time.monotonic() < deadline:
        if QApplication.instance() is not None:
            QCoreApplication.processEvents()
        time.sleep(0.02)
    assert not problems, "test left work running: " + ", ".join(problems)
