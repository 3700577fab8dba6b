"""The Paint dock: switch painting on, choose spray or erase, the brush radius, points per stamp and
the class of the sprayed points, and clear what was painted.

The panel's fields edit the brush in the workspace's settings; the `PaintTool` reads it and turns
mouse strokes into undoable edits of the state's data. The Paint button follows the tool (the window
may switch painting off elsewhere), so the two never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QRadioButton, QSpinBox, QVBoxLayout, QWidget

from gmm_desktop.core.paint import MAX_CLASS
from gmm_desktop.gui.panels import fields
from gmm_desktop.gui.panels.fields import Field, Form
from gmm_desktop.gui.panels.forms import FieldGrid, MessageLabel, button, check_box, float_spin, int_spin, note_label
from gmm_desktop.gui.plot.paint_tool import PaintTool
from gmm_desktop.gui.state.remembered import restore_settings, save_settings
from gmm_desktop.workspace.data import Dataset

HINT = "Click or drag on the plot to add points."
ERASE_HINT = "Click or drag on the plot to erase points."


def label_field(class_spin: QSpinBox, no_class: QWidget) -> Field:
    """The brush's class: the spin box's number, or None while "No class" is ticked."""

    def write(label: int | None) -> None:
        no_class.setChecked(label is None)
        if label is not None:
            class_spin.setValue(label)

    return Field(
        "label",
        lambda: None if no_class.isChecked() else class_spin.value(),
        write,
        (class_spin.valueChanged, no_class.toggled),
        (class_spin, no_class),
    )


def mode_field(erase: QRadioButton, spray: QRadioButton) -> Field:
    return Field(
        "mode",
        lambda: "erase" if erase.isChecked() else "spray",
        lambda mode: (erase if mode == "erase" else spray).setChecked(True),
        (erase.toggled,),
        (erase, spray),
    )


class PaintPanel(QWidget):
    """Drives `tool`: `paint_button` (checkable) switches painting on and off."""

    settings_kinds = ("brush",)

    def __init__(self, tool: PaintTool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paintPanel")
        self.tool = tool
        self.state = tool.state
        self._build()
        self.form = Form(
            self.state,
            "brush",
            (
                fields.spin("radius", self.radius_spin),
                fields.spin("points", self.points_spin),
                label_field(self.class_spin, self.no_class_check),
                mode_field(self.erase_radio, self.spray_radio),
            ),
            self,
        )
        self._connect()
        self._on_brush_changed()
        self._on_data_changed(self.state.data)

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        self.paint_button = button("Paint", "Switch painting on the plot on or off; the view pans again when off.")
        self.paint_button.setCheckable(True)
        self.spray_radio = QRadioButton("Spray")
        self.spray_radio.setToolTip("Each click or drag step adds points scattered inside the brush.")
        self.spray_radio.setChecked(True)
        self.erase_radio = QRadioButton("Erase")
        self.erase_radio.setToolTip("Each click or drag step removes the points inside the brush.")
        self._modes = QButtonGroup(self)
        self._modes.addButton(self.spray_radio)
        self._modes.addButton(self.erase_radio)
        self.radius_spin = float_spin(
            0.5, 0.01, 1000.0, "Radius of the brush in plot units (the dashed circle).", decimals=2, step=0.1
        )
        self.points_spin = int_spin(10, 1, 1000, "How many points each click or drag step sprays.")
        self.class_spin = int_spin(0, 0, MAX_CLASS, "Class given to the sprayed points, saved as their label.")
        self.no_class_check = check_box("No class", True, "Spray points without a class (unlabelled data).")
        self.clear_button = button("Clear painted points", "Remove all painted points (undoable).")
        self.hint = note_label(HINT)
        self.message = MessageLabel()

        modes = QHBoxLayout()
        for widget in (self.paint_button, self.spray_radio, self.erase_radio):
            modes.addWidget(widget)
        modes.addStretch(1)
        grid = FieldGrid(columns=2)
        grid.add("Radius", self.radius_spin)
        grid.add("Points", self.points_spin)
        grid.add("Class", self.class_spin)
        grid.addWidget(self.no_class_check, 1, 2, 1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(modes)
        layout.addLayout(grid)
        layout.addWidget(self.clear_button)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def _connect(self) -> None:
        self.paint_button.toggled.connect(self.tool.set_enabled)
        self.tool.enabled_changed.connect(self._on_enabled_changed)
        self.tool.refused.connect(self.message.show_error)
        self.state.data_changed.connect(self._on_data_changed)
        self.state.settings_changed.connect(self._on_settings_changed)
        self.clear_button.clicked.connect(self.tool.clear)
        # the fields whose meaning depends on the mode and the class check follow at once
        self.erase_radio.toggled.connect(self._on_brush_changed)
        self.no_class_check.toggled.connect(self._on_brush_changed)

    # ---------------------------------------------------------------- public
    def save_settings(self, store: QSettings) -> None:
        """Remember the brush under "paint/" (the window calls this on close)."""
        save_settings(store, self.state.settings, self.settings_kinds)

    def restore_settings(self, store: QSettings) -> None:
        """Put back the brush saved by `save_settings`; unreadable entries keep their defaults."""
        restore_settings(store, self.state, self.settings_kinds)

    # ---------------------------------------------------------------- reactions
    def _on_settings_changed(self, kind: str) -> None:
        if kind == "brush":
            self._on_brush_changed()

    def _on_brush_changed(self, *_args: object) -> None:
        """The class field is idle while "No class" is ticked; erasing needs neither it nor a count."""
        erase = self.erase_radio.isChecked()
        self.class_spin.setEnabled(not self.no_class_check.isChecked() and not erase)
        self.no_class_check.setEnabled(not erase)
        self.points_spin.setEnabled(not erase)
        self.hint.setText(ERASE_HINT if erase else HINT)

    def _on_enabled_changed(self, enabled: bool) -> None:
        if self.paint_button.isChecked() != enabled:
            self.paint_button.setChecked(enabled)
        self.message.clear_message()

    def _on_data_changed(self, data: Dataset | None) -> None:
        self.clear_button.setEnabled(self.tool.can_clear())
        if data is None or data.n_dims == 2:
            self.message.clear_message()  # a refusal no longer applies
