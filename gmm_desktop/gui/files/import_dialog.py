"""Choose what to take from a parsed CSV file: the columns to fit, the plotted pair, known labels.

The dialog never guesses past what the user can see: it states how the file was read, previews
the first rows by file line, lists bad cells of the chosen columns by line and column, and keeps
OK disabled, with the reason said, until the choice makes a Dataset (at least one column; bad
rows dropped only when the user ticks "Drop these rows"). A wrongly detected delimiter, decimal mark
or header is corrected under that text: `reparse_requested` asks the owner to read the file again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gmm_desktop.core.io.tables import Table, bad_cells
from gmm_desktop.gui.files.preview_model import PREVIEW_ROWS, FormatRow, PreviewModel
from gmm_desktop.gui.panels.forms import ERROR_STYLE, FieldGrid, MessageLabel, check_box, note_label
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.importing import (
    ImportOptions,
    dataset_from_table,
    describe_bad_cells,
    label_columns,
)

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", " ": "spaces"}
DECIMAL_NAMES = {".": "point (1.5)", ",": "comma (1,5)"}
ONE_COLUMN_NOTE = "One column is fitted: the plot shows it on both axes (the points lie on the diagonal)."


class ImportDialog(QDialog):
    """Built from a parsed `Table`; `options()` and `result_dataset()` give the user's choice.

    reparse_requested(dict of delimiter, decimal, has_header): the user changed how the file is read;
    Import stays disabled until the owner opens a new dialog for the new Table or calls `end_reparse`.
    """

    reparse_requested = Signal(dict)

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(f"Import {table.path.name}")
        self.table = table
        self._labels = label_columns(table)
        self._accepted: Dataset | None = None
        self._shown: tuple[str | None, str | None] = (None, None)
        self._bad_rows = 0
        self._reparsing = False
        self._build()
        self._on_columns_changed()

    # ------------------------------------------------------------------ the user's choice
    def fit_columns(self) -> tuple[str, ...]:
        items = (self.columns_list.item(row) for row in range(self.columns_list.count()))
        return tuple(item.text() for item in items if item.checkState() == Qt.CheckState.Checked)

    def display(self) -> tuple[int, int]:
        names = self.fit_columns()
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        return (names.index(x), names.index(y)) if x in names and y in names else (0, 0)

    def label_column(self) -> str | None:
        return self.label_combo.currentData()

    def options(self) -> ImportOptions:
        """The choices, to store with the file's path (sessions) and replay with `dataset_from_table`."""
        return ImportOptions(self.fit_columns(), self.display(), self.label_column(), self.drop_check.isChecked())

    def end_reparse(self, error: str | None = None) -> None:
        """The re-read gave no new Table: keep this one, its format in the controls, and say why."""
        self._reparsing = False
        self.format_row.show_table(self.table)
        self.format_row.setEnabled(True)
        self._update_ok()
        if error is not None:
            self.message.show_error(f"Cannot read the file that way: {error.rstrip('.')}. The table shown is kept.")

    def result_dataset(self) -> Dataset:
        """The accepted Dataset; before OK, the current choice's (ValueError when it makes none)."""
        if self._accepted is not None:
            return self._accepted
        options = self.options()
        return dataset_from_table(
            self.table, options.fit_columns, options.display, options.label_column, options.drop_bad_rows
        )

    def accept(self) -> None:
        """Build the Dataset first, so a choice that cannot make one keeps the dialog open with the reason."""
        try:
            self._accepted = self.result_dataset()
        except ValueError as exc:  # TableError too, e.g. every row has a bad cell
            self.message.show_error(str(exc))
            return
        super().accept()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._info_label())
        self.format_row = FormatRow(self.table)
        self.format_row.changed.connect(self._request_reparse)
        layout.addWidget(self.format_row)
        choices = QHBoxLayout()
        choices.addLayout(self._columns_box(), 1)
        choices.addLayout(self._axes_box(), 1)
        layout.addLayout(choices)
        layout.addLayout(self._bad_cells_box())
        layout.addWidget(QLabel(f"Preview (first {PREVIEW_ROWS} rows; row labels are file lines):"))
        layout.addWidget(self._preview_table(), 1)
        self.message = MessageLabel()
        self.message.setObjectName("importMessage")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("importButtons")
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("importOk")
        self.ok_button.setText("Import")
        self.ok_button.setToolTip("Replace the current points with the chosen columns of this file.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for first, second in zip(self._tab_chain(), self._tab_chain()[1:]):
            self.setTabOrder(first, second)
        self.columns_list.setFocus()
        self.resize(720, 620)

    def _tab_chain(self) -> list[QWidget]:
        row = self.format_row
        choices = [self.columns_list, self.x_combo, self.y_combo, self.label_combo, self.drop_check, self.preview]
        return [row.delimiter_combo, row.decimal_combo, row.header_check, *choices]

    def _info_label(self) -> QLabel:
        table = self.table
        header = "the first line is a header" if table.has_header else "no header (columns named x1, x2, …)"
        text = (
            f"{table.path.name}: {table.n_rows:,} rows, {len(table.columns)} columns "
            f"({len(table.numeric_columns)} numeric).\n"
            f"Read with delimiter {DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))}, decimal "
            f"{DECIMAL_NAMES.get(table.decimal, table.decimal)}, encoding {table.encoding}; {header}."
        )
        label = QLabel(text)
        label.setObjectName("importInfo")
        label.setWordWrap(True)
        label.setToolTip(str(table.path))
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _columns_box(self) -> QVBoxLayout:
        self.columns_list = QListWidget()
        self.columns_list.setObjectName("fitColumns")
        self.columns_list.setToolTip("The numeric columns to fit; tick at least one (Space toggles the current one).")
        for name in self.table.numeric_columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            bad = self.table.bad_counts[name]
            item.setToolTip(f"{bad:,} cells of {name!r} are missing or not numbers." if bad else f"{name!r}: numbers.")
            self.columns_list.addItem(item)
        self.columns_list.setCurrentRow(0)
        self.columns_list.itemChanged.connect(self._on_columns_changed)
        box = QVBoxLayout()
        caption = QLabel("&Columns to fit:")
        caption.setBuddy(self.columns_list)
        box.addWidget(caption)
        box.addWidget(self.columns_list)
        return box

    def _axes_box(self) -> QVBoxLayout:
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("xAxisCombo")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("yAxisCombo")
        self.label_combo = QComboBox()
        self.label_combo.setObjectName("labelCombo")
        grid = FieldGrid(columns=1)
        grid.add("&x axis", self.x_combo, "The fitted column drawn horizontally in the plot.")
        grid.add("&y axis", self.y_combo, "The fitted column drawn vertically in the plot.")
        grid.add(
            "Known &labels",
            self.label_combo,
            "A column of known classes (text or whole numbers): the fit is then scored against it by ARI.",
        )
        self.x_combo.currentIndexChanged.connect(lambda: self._on_axis_changed(self.x_combo, self.y_combo))
        self.y_combo.currentIndexChanged.connect(lambda: self._on_axis_changed(self.y_combo, self.x_combo))
        self.label_combo.currentIndexChanged.connect(self._show_label_note)
        self.axes_note = note_label(ONE_COLUMN_NOTE)
        self.axes_note.setObjectName("axesNote")
        self.label_note = note_label("")
        self.label_note.setObjectName("labelNote")
        box = QVBoxLayout()
        box.addLayout(grid)
        box.addWidget(self.axes_note)
        box.addWidget(self.label_note)
        box.addStretch(1)
        return box

    def _bad_cells_box(self) -> QVBoxLayout:
        self.bad_label = QLabel()
        self.bad_label.setObjectName("badCellsReport")
        self.bad_label.setWordWrap(True)
        self.bad_label.setStyleSheet(ERROR_STYLE)
        self.bad_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tip = "Leave out every row with a bad cell in the chosen columns."
        self.drop_check = check_box("Drop these rows", False, tip)
        self.drop_check.setObjectName("dropBadRows")
        self.drop_check.toggled.connect(self._update_ok)
        box = QVBoxLayout()
        box.addWidget(self.bad_label)
        box.addWidget(self.drop_check, 0, Qt.AlignmentFlag.AlignLeft)  # only its text and box take clicks
        return box

    def _preview_table(self) -> QTableView:
        self.preview_model = PreviewModel(self.table, parent=self)
        self.preview = QTableView()
        self.preview.setObjectName("importPreview")
        self.preview.setModel(self.preview_model)
        self.preview.setToolTip("The first rows as read; bad cells of the chosen columns are tinted red.")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview.resizeColumnsToContents()
        return self.preview

    # ------------------------------------------------------------------ reactions
    def _request_reparse(self, options: dict) -> None:
        self._reparsing = True
        self.format_row.setEnabled(False)  # one re-read at a time; the choice stays shown until it ends
        self._update_ok()
        self.reparse_requested.emit(options)

    def _on_columns_changed(self) -> None:
        names = self.fit_columns()
        self._fill_axes(names)
        self._fill_labels(names)
        self.preview_model.set_fit_columns(names)
        self._report_bad_cells(names)
        self._update_ok()

    def _fill_axes(self, names: tuple[str, ...]) -> None:
        """Keep the plotted pair when its columns stay fitted, else the first two (one: on both axes)."""
        old_x, old_y = self._shown
        x = old_x if old_x in names else (names[0] if names else None)
        y = old_y if old_y in names and old_y != x else next((n for n in names if n != x), x)
        for combo, chosen in ((self.x_combo, x), (self.y_combo, y)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(combo.findText(chosen) if chosen is not None else -1)
            combo.setEnabled(len(names) > 1)
            combo.blockSignals(False)
        self._shown = (x, y)
        self.axes_note.setVisible(len(names) == 1)

    def _on_axis_changed(self, changed: QComboBox, other: QComboBox) -> None:
        """Picking for one axis the column of the other swaps them, so x and y always differ."""
        if changed.currentText() == other.currentText():
            old = self._shown[0] if changed is self.x_combo else self._shown[1]
            other.blockSignals(True)
            other.setCurrentIndex(other.findText(old))
            other.blockSignals(False)
        self._shown = (self.x_combo.currentText(), self.y_combo.currentText())

    def _fill_labels(self, names: tuple[str, ...]) -> None:
        old = self.label_combo.currentData()
        self.label_combo.blockSignals(True)
        self.label_combo.clear()
        self.label_combo.addItem("None", None)
        for name in self._labels:
            if name not in names:
                self.label_combo.addItem(name, name)
        self.label_combo.setCurrentIndex(max(self.label_combo.findData(old), 0) if old is not None else 0)
        self.label_combo.blockSignals(False)
        self._show_label_note()

    def _show_label_note(self) -> None:
        name = self.label_column()
        if name is None:
            self.label_note.setText("No known labels: the fit is not scored against classes.")
            return
        classes = self.table.frame[name].nunique()
        self.label_note.setText(f"{classes:,} classes in {name!r}: the fit will be scored against them (ARI).")

    def _report_bad_cells(self, names: tuple[str, ...]) -> None:
        report = bad_cells(self.table, names, limit=5) if names else None
        has_bad = report is not None and report.total > 0
        text = describe_bad_cells(report) if has_bad else ""
        if text != self.bad_label.text():
            self.drop_check.setChecked(False)  # agreeing to drop 3 rows is not agreeing to drop 5
        self.bad_label.setText(text)
        self.bad_label.setVisible(has_bad)
        self.drop_check.setVisible(has_bad)
        if has_bad:
            self.drop_check.setText("Drop this row" if report.rows == 1 else f"Drop these {report.rows:,} rows")
        self._bad_rows = report.rows if has_bad else 0

    def _update_ok(self) -> None:
        reason = self._blocking_reason()
        self.ok_button.setEnabled(reason is None)
        if reason is None:
            self.message.clear_message()
        else:
            self.message.show_note(reason)

    def _blocking_reason(self) -> str | None:
        if self._reparsing:
            return "Reading the file again in the chosen format …"
        if not self.fit_columns():
            return "Tick at least one column to fit."
        if self._bad_rows == self.table.n_rows:
            return "Every row has a bad cell in the chosen columns: choose other columns."
        if self._bad_rows and not self.drop_check.isChecked():
            return "Some rows have bad cells: tick “Drop …” to leave them out, or untick their columns."
        return None
