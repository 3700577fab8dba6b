"""Fixtures shared by the GUI tests: a state that is shut down, widgets shown at dock size."""

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QWidget

from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.state.app_state import AppState


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
