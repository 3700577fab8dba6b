"""What every panel that drives a job has: a scrolling body, a message line, commands as QActions
(the menus show the same ones), a ~30 Hz redraw throttle, and the state's job signals for its kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from gmm_desktop.gui.panels.forms import DockPlot, MessageLabel, scrolling
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.remembered import restore_settings, save_settings
from gmm_desktop.gui.state.throttle import Throttle


def command(parent: QWidget, text: str, tip: str, slot: Callable[[], None], menu_text: str | None = None) -> QAction:
    """A command of a panel: its button shows `text`, the window's menu `menu_text` (the same action)."""
    action = QAction(menu_text or text, parent)
    action.setIconText(text)
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def action_button(action: QAction) -> QPushButton:
    """A push button that triggers `action` and follows its (short) text, tip and enabled state."""
    push = QPushButton(action.iconText())

    def follow() -> None:
        push.setText(action.iconText())
        push.setToolTip(action.toolTip())
        push.setEnabled(action.isEnabled())

    follow()
    action.changed.connect(follow)
    push.clicked.connect(action.trigger)
    return push


class JobPanel(QWidget):
    """A dock panel that drives one kind of job of the state ("sampler", "fit", "selection").

    Gives the subclass: `body` (the layout inside a scroll area, so a short dock scrolls instead of
    squeezing plots), `message` (errors of this job kind, from the state or from bad settings),
    `request_redraw()` (coalesced to ~30 Hz; subclasses draw in `_redraw_now`), and hooks
    `_update_buttons()` / `_on_job_ended()` called on busy changes. `settings_kinds`: the settings
    this panel edits (what `save_settings` and `restore_settings` keep).
    """

    settings_kinds: tuple[str, ...] = ()

    def __init__(self, state: AppState, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.kind = kind
        self.setObjectName(f"{kind}Panel")
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(6, 6, 6, 6)
        self.body.setSpacing(6)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(inner))
        self.message = MessageLabel()
        self._redraw = Throttle(self._redraw_and_settle, parent=self)
        state.job_failed.connect(self._on_job_failed)
        state.busy_changed.connect(self._on_busy_changed)

    # ---------------------------------------------------------------- public
    def commands(self) -> Iterable[QAction]:
        """The panel's actions, for the window's menus (subclasses list theirs)."""
        return ()

    def save_settings(self, store: QSettings) -> None:
        """Remember this panel's settings in `store` (the window calls this on close)."""
        save_settings(store, self.state.settings, self.settings_kinds)

    def restore_settings(self, store: QSettings) -> None:
        """Put back the settings saved by `save_settings`; unreadable entries keep their defaults."""
        restore_settings(store, self.state, self.settings_kinds)

    def request_redraw(self) -> None:
        self._redraw.request()

    def flush(self) -> None:
        """Draw now what is pending, derived results included (tests and screenshots; the throttle
        does it within ~33 ms)."""
        self.state.settle()
        self._redraw.flush()

    def is_running(self) -> bool:
        return self.state.jobs.is_running(self.kind)

    def _redraw_and_settle(self) -> None:
        self._redraw_now()
        # pyqtgraph applies a new range while painting and then asks for a second paint; applying
        # it now makes one repaint per update (measured: 2.0 -> 1.0 paints, 13 -> 10 ms a frame).
        for plot in self.findChildren(DockPlot):
            plot.getPlotItem().getViewBox().prepareForPaint()

    # ---------------------------------------------------------------- hooks
    def _redraw_now(self) -> None:
        """Subclasses draw the newest state here."""

    def _update_buttons(self) -> None:
        """Subclasses enable and disable their actions here."""

    def _on_job_ended(self) -> None:
        """Called when this panel's job stops, finishes or fails."""

    # ---------------------------------------------------------------- state signals
    def _on_job_failed(self, kind: str, message: str) -> None:
        if kind == self.kind:
            self.message.show_error(message)

    def _on_busy_changed(self, kind: str, running: bool) -> None:
        if kind != self.kind:
            return
        self._update_buttons()
        if not running:
            self._on_job_ended()
        self.request_redraw()
