"""Widgets the panels and dialogs share, so they look and behave alike: number fields, seeds,
drop-downs, labelled grids, message lines, small dock plots and tables.

Every parameter field explains itself in a one-sentence tooltip (on the field and on its label);
input the core would reject becomes a message line in the panel, never an exception. How fields are
bound to settings is `fields`; the base of the panels that drive a job is `job_panel`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #b00020;"
NOTE_STYLE = "color: #555555;"


# ---------------------------------------------------------------------------------------------- numbers
def fmt(value: float | None, digits: int = 4) -> str:
    """A number for a label: `digits` significant digits, thousands separators, an em dash for none."""
    if value is None or not math.isfinite(value):
        return "—"
    return format(value, f",.{digits}g")


def fmt_count(value: int) -> str:
    return format(int(value), ",")


# ---------------------------------------------------------------------------------------------- fields
def int_spin(value: int, minimum: int, maximum: int, tooltip: str, *, step: int = 1) -> QSpinBox:
    """An integer field; the range makes impossible values (thin 0, no chains) untypeable."""
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setGroupSeparatorShown(True)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    spin.setKeyboardTracking(False)
    return spin


def float_spin(value: float, minimum: float, maximum: float, tooltip: str, *, decimals: int = 3, step: float = 0.1):
    """A decimal field with a fixed number of decimals (step sizes and the like)."""
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setToolTip(tooltip)
    spin.setKeyboardTracking(False)
    return spin


class ScientificSpinBox(QDoubleSpinBox):
    """A positive quantity spanning decades (tolerance, covariance ridge): shown as 1e-06, typed in any
    float notation, and stepped by factors of ten, since a fixed-decimal box cannot show 1e-6 usefully."""

    def __init__(self, value: float, minimum: float, maximum: float, tooltip: str) -> None:
        super().__init__()
        self.setDecimals(300)  # QDoubleSpinBox rounds to `decimals`: keep every digit of tiny values
        self.setRange(minimum, maximum)
        self.setValue(value)
        self.setToolTip(tooltip)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            number = float(text)
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        if self.minimum() <= number <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:
        self.setValue(min(max(self.value() * 10.0**steps, self.minimum()), self.maximum()))


class SeedEdit(QLineEdit):
    """A random seed: a whole number for a reproducible run, or empty for fresh randomness.

    A line edit rather than a spin box because "no seed" is a real choice and numpy seeds exceed a
    32-bit spin box; what is typed is checked when the run starts (`seed()`), and a bad value becomes
    the panel's message.
    """

    def __init__(self, value: int | None, tooltip: str) -> None:
        super().__init__()
        self.setPlaceholderText("random")
        self.setClearButtonEnabled(True)
        self.set_seed(value)
        self.setToolTip(tooltip)

    def set_seed(self, value: int | None) -> None:
        self.setText("" if value is None else str(value))

    def seed(self) -> int | None:
        """The seed typed, None when empty; ValueError with a message for the user otherwise."""
        text = self.text().strip().replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            raise ValueError(
                f"The seed must be a whole number ≥ 0, or empty for a fresh random seed; got {self.text()!r}."
            ) from None
        if value < 0:
            raise ValueError(f"The seed must be ≥ 0 (or empty for a fresh random seed); got {value}.")
        return value


def choice_combo(choices: Sequence[tuple[str, str, str]], tooltip: str) -> QComboBox:
    """A drop-down of (label, value, one-sentence tooltip) items; `currentData()` is the value."""
    combo = QComboBox()
    for index, (label, data, item_tip) in enumerate(choices):
        combo.addItem(label, data)
        combo.setItemData(index, item_tip, Qt.ItemDataRole.ToolTipRole)
    combo.setToolTip(tooltip)
    return combo


def select_data(combo: QComboBox, data: str) -> bool:
    """Select the item whose value is `data`; False (and no change) when there is none."""
    index = combo.findData(data)
    if index >= 0:
        combo.setCurrentIndex(index)
    return index >= 0


def check_box(text: str, checked: bool, tooltip: str) -> QCheckBox:
    box = QCheckBox(text)
    box.setChecked(checked)
    box.setToolTip(tooltip)
    return box


def button(text: str, tooltip: str) -> QPushButton:
    push = QPushButton(text)
    push.setToolTip(tooltip)
    return push


BUTTON_PADDING = 12
"""Room each side of a compact button's text (pixels)."""


def compact(*buttons: QPushButton) -> None:
    """Let push buttons shrink to their text and padding instead of the style's 80 px minimum, so a
    row of three fits a dock ~270 px wide (a 1024-pixel window); they still share a wider row."""
    for push in buttons:
        push.setMinimumWidth(push.fontMetrics().horizontalAdvance(push.text()) + 2 * BUTTON_PADDING)


def side_by_side(*widgets: QWidget) -> QWidget:
    """Widgets in one row without margins: two parts of one field (a tolerance and its rule)."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for widget in widgets:
        if isinstance(widget, QAbstractSpinBox | QLineEdit):  # as FieldGrid.add caps a field alone
            widget.setMinimumWidth(min(widget.minimumSizeHint().width(), FieldGrid.MIN_FIELD_WIDTH))
        row.addWidget(widget, 1)
    return box


def button_row(*buttons: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(4)
    for widget in buttons:
        row.addWidget(widget)
    return row


class FieldGrid(QGridLayout):
    """Label-field pairs in `columns` columns: compact in a ~380 px dock, labels right-aligned.

    The tooltip goes on both the label and the field, so hovering either explains the parameter.
    """

    def __init__(self, columns: int = 2, spacing: int = 6) -> None:
        super().__init__()
        self._columns = columns
        self._count = 0
        self.setHorizontalSpacing(spacing)
        self.setVerticalSpacing(4)
        for column in range(columns):
            self.setColumnStretch(2 * column + 1, 1)

    # Spin boxes size themselves for their largest value (1,000,000,000): too wide for two columns in a
    # ~380 px dock. Number fields may shrink to this; the values shown are far shorter.
    MIN_FIELD_WIDTH = 64

    def add(self, label: str, widget: QWidget, tooltip: str | None = None, *, span: bool = False) -> QLabel:
        """Add `widget` after `label`; `span` gives it the rest of a fresh row. Returns the label."""
        if span and self._count % self._columns:
            self._count += self._columns - self._count % self._columns
        row, column = divmod(self._count, self._columns)
        caption = QLabel(label)
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setBuddy(widget)
        if isinstance(widget, QAbstractSpinBox | QLineEdit):
            widget.setMinimumWidth(min(widget.minimumSizeHint().width(), self.MIN_FIELD_WIDTH))
        tip = tooltip if tooltip is not None else widget.toolTip()
        widget.setToolTip(tip)
        caption.setToolTip(tip)
        self.addWidget(caption, row, 2 * column)
        if span:
            self.addWidget(widget, row, 2 * column + 1, 1, 2 * self._columns - 1)
            self._count += self._columns
        else:
            self.addWidget(widget, row, 2 * column + 1)
            self._count += 1
        return caption


COMPACT_SPACING = 4
"""Between a compact grid's labels and fields, and inside a compact group box (pixels): the style's
6 and 9 made a dock of a 1024-pixel-wide window (~270 px inside) scroll sideways."""


def compact_box(title: str) -> tuple[QGroupBox, QVBoxLayout, FieldGrid]:
    """A group box of settings for a narrow dock: the box, its layout, and a two-column FieldGrid
    with compact spacing already in the layout."""
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(*(COMPACT_SPACING,) * 4)
    grid = FieldGrid(columns=2, spacing=COMPACT_SPACING)
    layout.addLayout(grid)
    return box, layout, grid


def value_label(tooltip: str) -> QLabel:
    """A read-only value (counts, rates) that can be selected and copied."""
    label = QLabel("—")
    label.setToolTip(tooltip)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MessageLabel(QLabel):
    """One line (wrapped) telling the user what went wrong or what to do; hidden when empty."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setVisible(False)
        self.is_error = False

    def show_error(self, text: str) -> None:
        self._show(text, ERROR_STYLE, True)

    def show_note(self, text: str) -> None:
        self._show(text, NOTE_STYLE, False)

    def clear_message(self) -> None:
        self.setText("")
        self.is_error = False
        self.setVisible(False)

    def _show(self, text: str, style: str, is_error: bool) -> None:
        self.setStyleSheet(style)
        self.setText(text)
        self.is_error = is_error
        self.setVisible(bool(text))


def note_label(text: str) -> QLabel:
    """Grey explanatory text under a field (conventions such as the sign of BIC)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label


class DockPlot(pg.PlotWidget):
    """A PlotWidget that asks for `height` pixels (pyqtgraph's default hint is 640 x 480, which made
    every dock scroll) and may grow when the dock is taller."""

    def __init__(self, height: int) -> None:
        super().__init__()
        self._hint = QSize(300, height)
        self.setMinimumHeight(min(height, 110))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return self._hint


def make_plot(left: str, bottom: str, height: int = 170) -> DockPlot:
    """A small plot for a dock: grid, axis labels, no auto-range button (the right-click menu's
    "View All" does it), asking for `height` pixels."""
    plot = DockPlot(height)
    item = plot.getPlotItem()
    item.hideButtons()
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)
    # Long traces (a chain of 1e5+ kept steps) are drawn decimated to the pixels they cover.
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    return plot


class DockTable(QTableView):
    """A read-only table asking for about `rows_shown` rows (QTableView asks for 256 x 192 whatever
    it holds); whole rows are selected, one at a time."""

    def __init__(self, model, rows_shown: int = 4) -> None:
        super().__init__()
        self._hint = QSize(300, 28 + 22 * rows_shown)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # Fit columns when rows come or go, not on every change of a value: ResizeToContents measured
        # every cell on each dataChanged, ~10 ms a frame for a live fit's parameter table.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        model.modelReset.connect(self.resizeColumnsToContents)
        model.rowsInserted.connect(self._on_rows_inserted)
        self.setMinimumHeight(28 + 22 * min(rows_shown, 2))

    def sizeHint(self) -> QSize:
        return self._hint

    def _on_rows_inserted(self, _parent: object, first: int, _last: int) -> None:
        # Sized by the first rows only: measuring every cell again for each new row (a selection sweep
        # adds 40) cost ~8 ms a row; later rows have the same kind of content.
        if first == 0:
            self.resizeColumnsToContents()


def scrolling(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area, so a dock can be shorter or narrower than its form."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area
