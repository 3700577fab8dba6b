"""One field spec per panel: which widget shows which field of a settings record, read and written
from the same list.

A `Form` binds a panel's widgets to one kind of the workspace's settings (`workspace.settings`).
An edit the record accepts goes to the state at once (`AppState.set_settings`), so sessions and the
remembered settings hold it; a record changed elsewhere (a reopened session, another panel) is
written back into the widgets, with their signals blocked, so nothing echoes. A value the record
refuses stays in its widget and is reported when the user starts the job (`Form.read`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, SignalInstance
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from gmm_desktop.gui.panels.forms import SeedEdit, select_data
from gmm_desktop.gui.panels.model_choices import ModelChecks
from gmm_desktop.gui.state.app_state import AppState


@dataclass(frozen=True)
class Field:
    """attribute: the record's field; read: the widgets' value for it (ValueError with a message for
    the user); write: show a value; changed: the widgets' signals of an edit; widgets: to block."""

    attribute: str
    read: Callable[[], Any]
    write: Callable[[Any], None]
    changed: tuple[SignalInstance, ...]
    widgets: tuple[QWidget, ...]


def spin(attribute: str, widget: QSpinBox | QDoubleSpinBox) -> Field:
    return Field(attribute, widget.value, widget.setValue, (widget.valueChanged,), (widget,))


def check(attribute: str, widget: QAbstractButton) -> Field:
    return Field(attribute, widget.isChecked, widget.setChecked, (widget.toggled,), (widget,))


def combo(attribute: str, widget: QComboBox) -> Field:
    def write(value: object) -> None:
        select_data(widget, value)

    return Field(attribute, widget.currentData, write, (widget.currentIndexChanged,), (widget,))


def seed(attribute: str, widget: SeedEdit) -> Field:
    return Field(attribute, widget.seed, widget.set_seed, (widget.textChanged,), (widget,))


def ticks(attribute: str, widget: ModelChecks) -> Field:
    """A tuple of the models ticked, in the registry's order; a preset is one edit."""
    return Field(attribute, widget.values, widget.set_values, (widget.changed,), (widget,))


class Form(QObject):
    """The fields of one `kind` of settings (a key of `workspace.settings.Settings`)."""

    def __init__(self, state: AppState, kind: str, fields: Sequence[Field], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.kind, self.fields = state, kind, tuple(fields)
        for field in self.fields:
            for signal in field.changed:
                signal.connect(self._on_edited)
        state.settings_changed.connect(self._on_settings_changed)
        self.write(state.settings.of(kind))

    def read(self) -> Any:
        """The state's record with every field as the widgets show it; ValueError with a message for
        the user when a widget holds a value the record refuses."""
        values = {field.attribute: field.read() for field in self.fields}
        return replace(self.state.settings.of(self.kind), **values)

    def write(self, record: Any) -> None:
        """Show `record` in the widgets (their signals blocked: this is no edit)."""
        for field in self.fields:
            blockers = [QSignalBlocker(widget) for widget in field.widgets]
            try:
                field.write(getattr(record, field.attribute))
            finally:
                for blocker in blockers:
                    blocker.unblock()

    def _on_edited(self, *_args: object) -> None:
        try:
            record = self.read()
        except ValueError:
            return  # said when the job starts; the state keeps the last good record
        self.state.set_settings(self.kind, record)

    def _on_settings_changed(self, kind: str) -> None:
        if kind != self.kind:
            return
        record = self.state.settings.of(kind)
        try:
            shown = self.read()
        except ValueError:
            shown = None
        if shown != record:
            self.write(record)
