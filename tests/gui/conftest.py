"""Fixtures shared by the GUI tests: a state that is shut down, widgets shown at dock size, a plot."""

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QWidget

from gmm_desktop.core.density import default_view_range
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.gui.app import dispose
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.state import AppState


@pytest.fixture
def state(app) -> Iterator[AppState]:
    """A fresh AppState; every job it started is stopped and joined at teardown."""
    state = AppState()
    yield state
    assert state.shutdown()


@pytest.fixture
def shown(qtbot, state) -> Iterator[Callable[..., QWidget]]:
    """show(widget, height=900): the widget shown at dock width (380 px); disposed at teardown."""
    widgets: list[QWidget] = []

    def show(widget: QWidget, height: int = 900) -> QWidget:
        qtbot.addWidget(widget)
        widget.resize(380, height)
        widget.show()
        widgets.append(widget)
        return widget

    yield show
    state.shutdown()
    for widget in widgets:
        dispose(widget)


@pytest.fixture
def plot(app, qtbot) -> Iterator[MixturePlot]:
    """A MixturePlot at 800x600 framing the article's demo; disposed at teardown."""
    widget = MixturePlot()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.frame(*default_view_range(article_demo()))
    yield widget
    dispose(widget)
