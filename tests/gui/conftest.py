"""Fixtures shared by the GUI tests: a state that is shut down, widgets shown at dock size, and the
garbage of each test collected on the GUI thread."""

import gc
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QWidget

from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.state.app_state import AppState


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    """After each test's windows are closed, collect its garbage here, on the GUI thread.

    pyqtgraph's menus (ViewBoxMenu, the plot's "Plot Options") are top-level QWidgets owned by Python
    objects in reference cycles: they outlive a disposed plot until the cycle collector runs, and it
    runs on whichever thread allocates, a job's worker included. A QWidget deleted off the GUI thread
    corrupts QApplication's list of widgets. Measured: up to 144 such widgets waited for the collector
    after one test, the collector ran on Qt pool threads, and the suite died in `topLevelWidgets()`
    (conftest's timer check, a segfault) in about one full run in five. What survives is frozen
    (`gc.freeze`), so the next test's collection scans only what that test made (a full collection
    after every test made the suite 50% slower)."""
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture
def state(app) -> Iterator[AppState]:
    """A fresh AppState; every job it started is stopped and joined at teardown."""
    state = AppState()
    yield state
    assert state.shutdown()


@pytest.fixture
def shown(qtbot, state) -> Iterator[Callable[..., QWidget]]:
    """show(widget, height=900): the widget shown at dock width (380 px) and exposed; disposed at
    teardown (after the state's jobs are joined). Panel tests build their `panel` fixture with it."""
    widgets: list[QWidget] = []

    def show(widget: QWidget, height: int = 900) -> QWidget:
        qtbot.addWidget(widget)
        widget.resize(380, height)
        widget.show()
        qtbot.waitExposed(widget)
        widgets.append(widget)
        return widget

    yield show
    state.shutdown()
    for widget in widgets:
        dispose(widget)
