"""The Target dock: the target's name, a preset selector, the component table, Add / Remove.

Everything the user changes here becomes one command on the main window's QUndoStack (passed in;
Undo/Redo actions are the window's). The panel shows the state and never keeps a copy of it: the
name, the preset selector and the buttons are refreshed from `target_changed`, and the preset
selector reacts to `activated` (a user's choice) only, so setting it from the state echoes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gmm_desktop.core.mixture import PRESETS, Mixture
from gmm_desktop.gui.models.target_model import TargetTableModel
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import TargetEditor

WEIGHT_HINT = "Weights are relative: they sum to 1 after normalisation."
ERROR_STYLE = "color: #c62828;"


class TargetPanel(QWidget):
    """Edit the target mixture: table (F2 / double-click to edit), Add, Remove (or Delete), presets."""

    def __init__(
        self, state: AppState, undo_stack: QUndoStack, parent: QWidget | None = None, editor: TargetEditor | None = None
    ) -> None:
        """`editor`: the window's TargetEditor if it has one (else the panel makes its own on `undo_stack`)."""
        super().__init__(parent)
        self.setObjectName("targetPanel")
        self.state = state
        self.undo_stack = undo_stack
        self.editor = editor if editor is not None else TargetEditor(state, undo_stack)
        self.model = TargetTableModel(state, self.editor, self)
        self._build()
        self.model.error.connect(self._show_error)
        self.model.modelReset.connect(self._update_buttons)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        state.target_changed.connect(self._on_target_changed)
        self._on_target_changed(state.target)

    # ---------------------------------------------------------------- layout
    def _build(self) -> None:
        self.name_label = QLabel(self)
        self.name_label.setObjectName("targetName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label.setToolTip("Name of the target mixture; it gets “(edited)” once you change a preset.")
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)

        self.preset_combo = QComboBox(self)
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItems(list(PRESETS))
        self.preset_combo.setPlaceholderText("Choose a preset…")
        self.preset_combo.setToolTip("Replace the target by a ready-made mixture (undoable).")
        self.preset_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        preset_label = QLabel("Preset:", self)
        preset_label.setBuddy(self.preset_combo)

        self.view = QTableView(self)
        self.view.setObjectName("targetTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setToolTip("Components of the target; double-click or F2 edits a value, Delete removes a row.")
        header = self.view.horizontalHeader()
        header.setMinimumSectionSize(30)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        vertical = self.view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        vertical.setHighlightSections(False)
        self.view.installEventFilter(self)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("targetError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)

        self.hint_label = QLabel(WEIGHT_HINT, self)
        self.hint_label.setWordWrap(True)
        self.hint_label.setEnabled(False)  # greyed: a hint, not a control
        self.hint_label.setToolTip(
            "Typing a weight sets that component's raw weight, the others keep theirs, then all are divided "
            "by their sum: with 0.5 and 0.5, typing 1.5 in row 1 gives 0.75 and 0.25."
        )

        self.add_button = QPushButton("Add", self)
        self.add_button.setToolTip("Add a round component at the centre of the mixture, with an equal share.")
        self.add_button.clicked.connect(self._on_add)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Remove the selected component (Delete); the last one cannot be removed.")
        self.remove_button.clicked.connect(self._on_remove)

        # Also in the table's context menu, for discoverability.
        self.add_action = QAction("Add component", self)
        self.add_action.triggered.connect(self._on_add)
        self.remove_action = QAction("Remove component", self)
        self.remove_action.setShortcut(Qt.Key.Key_Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self._on_remove)
        self.view.addActions([self.add_action, self.remove_action])
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        preset_row = QHBoxLayout()
        preset_row.addWidget(preset_label)
        preset_row.addWidget(self.preset_combo, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.name_label)
        layout.addLayout(preset_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        layout.addWidget(self.hint_label)

    # ---------------------------------------------------------------- state → widgets
    def _on_target_changed(self, mixture: Mixture) -> None:
        name = self.state.target_name
        k = mixture.n_components
        self.name_label.setText(f"{name} · {k} component{'s' if k != 1 else ''}")
        # activated (not currentIndexChanged) drives presets, so this cannot echo back.
        self.preset_combo.setCurrentIndex(self.preset_combo.findText(name, Qt.MatchFlag.MatchExactly))
        editable = self.model.is_editable()
        self.add_button.setEnabled(editable)
        self.add_action.setEnabled(editable)
        if not editable:
            self._show_error(
                f"This target has {mixture.n_dims} dimensions: the table shows the first two "
                "coordinates, read-only. Choose a preset to edit a two-dimensional target."
            )
        else:
            self._show_error("")
        self._update_buttons()

    def _update_buttons(self) -> None:
        can_remove = (
            self.model.is_editable() and self.model.rowCount() > 1 and self.view.selectionModel().hasSelection()
        )
        self.remove_button.setEnabled(can_remove)
        self.remove_action.setEnabled(can_remove)

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # ---------------------------------------------------------------- user actions
    def selected_row(self) -> int | None:
        """The component selected in the table (0-based), or None."""
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )

    def _on_add(self) -> None:
        if not self.model.is_editable():
            return
        self.editor.add_component()
        self.select_row(self.model.rowCount() - 1)

    def _on_remove(self) -> None:
        row = self.selected_row()
        if not self.model.is_editable():
            return
        if row is None:
            self._show_error("Select the component to remove first.")
            return
        message = self.editor.remove_component(row)
        if message:
            self._show_error(message)
            return
        self.select_row(min(row, self.model.rowCount() - 1))

    def _on_preset_chosen(self, position: int) -> None:
        self.editor.apply_preset(self.preset_combo.itemText(position))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Delete in the table (not in an open cell editor, which keeps its own Delete) removes the
        selected component; filtered here as well as by the action's shortcut so it also works
        when the window is not the active one (offscreen tests, a floating dock)."""
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and self.view.state() != QAbstractItemView.State.EditingState
        ):
            self._on_remove()
            return True
        return super().eventFilter(watched, event)
