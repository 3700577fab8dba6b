"""Choosing covariance models and EM starts, the same way in every panel that asks for them.

mclust's 14 models are too many for one flat list: the panels group them by family (spherical,
diagonal, ellipsoidal, the registry's `CovarianceModel.family`) and name them by mclust's three
letters, with scikit-learn's name where it has one and the model's sentence as the tooltip. Everything
here reads the core's registry, so a new model shows up without a change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gmm_desktop.core.models import COVARIANCE_TYPES, MODELS, SKLEARN_TYPES, CovarianceModel
from gmm_desktop.gui.panels.forms import NOTE_STYLE, button, button_row, check_box, compact

FAMILIES: dict[str, str] = {
    "spherical": "Spherical: round components",
    "diagonal": "Diagonal: axis-aligned",
    "ellipsoidal": "Ellipsoidal: any orientation",
}
"""The families in the order the window shows them, with the heading of each group."""

INIT_CHOICES = (
    (
        "hierarchical",
        "hc",
        "mclust's start: model-based hierarchical clustering for the first restart, k-means++ for the others.",
    ),
    ("k-means++", "k-means++", "Means seeded far apart (scikit-learn's k-means++ seeding), then EM."),
    ("k-means", "kmeans", "Start from the clusters of one k-means run."),
    ("random", "random", "Start from random responsibilities for every point."),
    ("random points", "random_from_data", "Start with K randomly chosen points as the means."),
)
"""(label, EMSettings.init, tooltip): how EM starts, for the Fit and Model selection panels."""

PRESETS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "scikit-learn's 4",
        SKLEARN_TYPES,
        "Tick scikit-learn's four: full (VVV), tied (EEE), diag (VVI), spherical (VII).",
    ),
    (f"All {len(COVARIANCE_TYPES)}", COVARIANCE_TYPES, "Tick every model, as mclust tries by default."),
    ("None", (), "Untick every model."),
)
"""(button text, models ticked, tooltip) of the preset buttons under the check boxes."""

CHECK_COLUMNS = 4
"""Check boxes per row: four of mclust's three-letter names fit a dock ~260 px wide."""


def by_family(models: Iterable[CovarianceModel] = MODELS.values()) -> dict[str, list[CovarianceModel]]:
    """The models of each family (in `FAMILIES`' order), each family in the registry's order."""
    groups: dict[str, list[CovarianceModel]] = {family: [] for family in FAMILIES}
    for model in models:
        groups.setdefault(model.family, []).append(model)
    return {family: members for family, members in groups.items() if members}


def heading(text: str) -> QLabel:
    """A small grey heading over a group of fields."""
    label = QLabel(text)
    label.setStyleSheet(NOTE_STYLE)
    return label


class ModelChecks(QWidget):
    """One check box per covariance model, in three labelled groups, and the preset buttons.

    `checks`: model name -> box, in the registry's order (the order a sweep fits them in). `changed`
    is emitted once per edit: a box the user ticks, or a whole preset (the boxes are set with their
    signals blocked, so a preset is one change of the settings, not fourteen).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.checks: dict[str, QCheckBox] = {}
        self.headings: dict[str, QLabel] = {}
        groups = by_family()
        for family, members in groups.items():
            self.headings[family] = heading(FAMILIES.get(family, family.capitalize()))
            layout.addWidget(self.headings[family])
            grid = QGridLayout()
            grid.setHorizontalSpacing(6)
            grid.setVerticalSpacing(2)
            grid.setContentsMargins(8, 0, 0, 0)
            for index, model in enumerate(members):
                box = check_box(model.mclust, True, model.description)
                box.toggled.connect(self._on_toggled)
                grid.addWidget(box, index // CHECK_COLUMNS, index % CHECK_COLUMNS)
                self.checks[model.name] = box
            for column in range(CHECK_COLUMNS):
                grid.setColumnStretch(column, 1)
            layout.addLayout(grid)
        self.checks = {name: self.checks[name] for name in MODELS if name in self.checks}
        self.preset_buttons: dict[str, QPushButton] = {}
        for text, names, tip in PRESETS:
            push = button(text, tip)
            compact(push)
            push.clicked.connect(lambda _checked=False, names=names: self.apply(names))
            self.preset_buttons[text] = push
        layout.addSpacing(2)
        layout.addLayout(button_row(*self.preset_buttons.values()))

    def values(self) -> tuple[str, ...]:
        """The ticked models, in the registry's order."""
        return tuple(name for name, box in self.checks.items() if box.isChecked())

    def set_values(self, names: Sequence[str]) -> None:
        """Tick exactly `names` (no `changed`: this is no edit by the user)."""
        blockers = [QSignalBlocker(box) for box in self.checks.values()]
        try:
            for name, box in self.checks.items():
                box.setChecked(name in names)
        finally:
            for blocker in blockers:
                blocker.unblock()

    def apply(self, names: Sequence[str]) -> None:
        """A preset: tick exactly `names`, then say so once."""
        if tuple(names) == self.values():
            return
        self.set_values(names)
        self.changed.emit()

    def _on_toggled(self, _checked: bool) -> None:
        self.changed.emit()


def model_combo(tooltip: str) -> QComboBox:
    """A drop-down of every covariance model under a heading per family (headings cannot be chosen);
    `currentData()` is the model's covariance_type, each item's tooltip its description."""
    combo = QComboBox()
    items = QStandardItemModel(combo)
    bold = QFont()
    bold.setBold(True)
    for family, members in by_family().items():
        title = QStandardItem(family.capitalize())
        title.setFlags(Qt.ItemFlag.NoItemFlags)
        title.setFont(bold)
        items.appendRow(title)
        for model in members:
            item = QStandardItem(model.label)
            item.setData(model.name, Qt.ItemDataRole.UserRole)
            item.setToolTip(model.description)
            items.appendRow(item)
    combo.setModel(items)
    # as wide as a model's name, not as the headings; the list that drops down is as wide as they are
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(max(len(model.label) for model in MODELS.values()))
    combo.setToolTip(tooltip)
    return combo
