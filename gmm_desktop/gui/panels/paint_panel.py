"""The Paint dock: switch painting on, choose spray or erase, the brush radius, points per stamp and
the class of the sprayed points, and clear what was painted.

The panel only sets the `PaintTool`'s brush; the tool turns mouse strokes into undoable edits of the
state's data. The Paint button follows the tool (the window may switch painting off elsewhere), so
the two never disagree.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QRadioButton, QVBoxLayout, QWidget

from gmm_desktop.gui.panels.forms import (
    FieldGrid,
    MessageLabel,
    SettingsBinder,
    button,
    check_box,
    float_spin,
    int_spin,
    note_label,
)
from gmm_desktop.gui.plot.paint_tool import MAX_CLASS, PaintTool
from gmm_desktop.gui.state.app_state import Dataset

HINT = "Click or drag on the plot to add points."
ERASE_HINT = "Click or drag on the plot to erase points."


class PaintPanel(QWidget):
    """Drives `tool`: `paint_button` (checkable) switches painting on and off."""

    def __init__(self, tool: PaintTool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paintPanel")
        self.tool = tool
        self.fields = SettingsBinder("paint/")
        self._build()
        self._connect()
        self._apply_brush()
        self._on_data_changed(tool.state.data)

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
        for key, widget in (
            ("radius", self.radius_spin),
            ("points", self.points_spin),
            ("class", self.class_spin),
            ("no_class", self.no_class_check),
        ):
            self.fields.bind(key, widget)

    def _connect(self) -> None:
        self.paint_button.toggled.connect(self.tool.set_enabled)
        self.tool.enabled_changed.connect(self._on_enabled_changed)
        self.tool.refused.connect(self.message.show_error)
        self.tool.state.data_changed.connect(self._on_data_changed)
        self.clear_button.clicked.connect(self.tool.clear)
        self.erase_radio.toggled.connect(self._apply_brush)
        self.radius_spin.valueChanged.connect(self._apply_brush)
        self.points_spin.valueChanged.connect(self._apply_brush)
        self.class_spin.valueChanged.connect(self._apply_brush)
        self.no_class_check.toggled.connect(self._apply_brush)

    # ---------------------------------------------------------------- public
    def save_settings(self, settings: QSettings) -> None:
        """Store the brush fields under "paint/" (the window calls this on close)."""
        self.fields.save(settings)

    def restore_settings(self, settings: QSettings) -> None:
        """Put back the brush fields saved by `save_settings`; unreadable entries are skipped."""
        self.fields.restore(settings)

    # ---------------------------------------------------------------- reactions
    def _apply_brush(self) -> None:
        """The fields' values as the tool's brush; the class field is idle while "No class" is ticked."""
        erase = self.erase_radio.isChecked()
        no_class = self.no_class_check.isChecked()
        self.class_spin.setEnabled(not no_class and not erase)
        self.no_class_check.setEnabled(not erase)
        self.points_spin.setEnabled(not erase)
        self.hint.setText(ERASE_HINT if erase else HINT)
        self.tool.set_brush(
            replace(
                self.tool.brush,
                radius=self.radius_spin.value(),
                points=self.points_spin.value(),
                label=None if no_class else self.class_spin.value(),
                mode="erase" if erase else "spray",
            )
        )

    def _on_enabled_changed(self, enabled: bool) -> None:
        if self.paint_button.isChecked() != enabled:
            self.paint_button.setChecked(enabled)
        self.message.clear_message()

    def _on_data_changed(self, data: Dataset | None) -> None:
        self.clear_button.setEnabled(self.tool.can_clear())
        if data is None or data.points.shape[1] == 2:
            self.message.clear_message()  # a refusal no longer applies
