"""The File menu's work: open data, sessions and models; save sessions, data and models.

The window owns one `FileActions`. Reading and writing go through the core (tables, model files,
session), whose errors name the file, line and column; they are shown in one message box and
leave the current work untouched. Every file is written atomically. Work that replaces what the
user made (opening a session or a data file, closing) asks first (`maybe_save`; the `Document`
knows whether anything changed since the last save).
Writing a data file of a million rows takes seconds, so it runs on the state's job runner.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox

from gmm_desktop.core.io.model_file import ModelFileError, load_model, save_model
from gmm_desktop.core.io.session import (
    EXTENSION,
    SOURCE_CHANGED,
    SOURCE_MISSING,
    SessionError,
    load_session,
    save_session,
)
from gmm_desktop.gui.files.document import Document
from gmm_desktop.gui.state.jobs import JobEvent
from gmm_desktop.gui.state.kinds import JobKind
from gmm_desktop.workspace.session import from_session, to_session

if TYPE_CHECKING:
    import pandas as pd

    from gmm_desktop.core.mixture import Mixture
    from gmm_desktop.gui.app.main_window import MainWindow
    from gmm_desktop.gui.files.import_flow import ImportFlow
    from gmm_desktop.gui.files.recent_files import RecentFiles
    from gmm_desktop.workspace.data import Dataset

SESSION_FILTER = f"gmm_desktop sessions (*{EXTENSION})"
MODEL_FILTER = "Mixture models (*.json)"
SAVE_KIND = JobKind.SAVE


class FileActions(QObject):
    """Slots of the File menu and of drag-and-drop; `recent` is set by the menu builder."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.document = Document(window.state, window.undo_stack, self)
        self._import_flow: ImportFlow | None = None
        self.recent: RecentFiles | None = None
        self.error_box: QMessageBox | None = None
        self.state.jobs.handle(SAVE_KIND, finished=self._on_saved, failed=self._on_save_failed)

    @property
    def import_flow(self) -> ImportFlow:
        """Made on first use: it brings pandas (0.2 s of imports), which start-up does not need."""
        if self._import_flow is None:
            from gmm_desktop.gui.files.import_flow import ImportFlow

            self._import_flow = ImportFlow(self.window, self.state)
            self._import_flow.finished.connect(self._on_import_finished)
        return self._import_flow

    def cancel_import(self) -> None:
        if self._import_flow is not None:
            self._import_flow.cancel()

    def maybe_save(self, doing: str) -> bool:
        """Before `doing` something that replaces unsaved work: True to go on (saved, or discarded)."""
        if not self.document.modified:
            return True
        answer = self.window.ask_to_save(self.window, doing)
        if answer == "save":
            return self.save_session()
        return answer == "discard"

    # ---------------------------------------------------------------- opening
    def open_data(self) -> None:
        from gmm_desktop.core.io.formats import open_dialog_filter  # pandas: not on the start-up path

        path = self._ask_open("Open data", open_dialog_filter())
        if path is not None:
            self.open_path(path)

    def open_session(self) -> None:
        path = self._ask_open("Open session", SESSION_FILTER)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Open whatever `path` is: a session, a model (as the target) or a data file."""
        path = Path(path)
        if path.suffix.lower() == EXTENSION:
            self._open_session_file(path)
        elif path.suffix.lower() == ".json":
            self._import_target(path)
        elif self.maybe_save("opening a data file"):
            self.import_flow.open(path)

    def _on_import_finished(self, accepted: bool) -> None:
        if accepted and self.import_flow.last_path is not None:
            self._remember(self.import_flow.last_path)

    def _open_session_file(self, path: Path) -> None:
        if not self.maybe_save("opening another session"):
            return
        try:
            session = load_session(path)
        except SessionError as exc:
            self._error("Cannot open session", exc, "The current session is unchanged.")
            return
        with self.document.restoring():
            self.state.restore(from_session(session, self.state.workspace))
        self.document.mark_saved(path)
        self._remember(path)
        status = session.data.source_status if session.data is not None else None
        if status in (SOURCE_CHANGED, SOURCE_MISSING):
            source = session.data.source.path
            what = "has changed since" if status == SOURCE_CHANGED else "is no longer where it was when"
            self.window.statusBar().showMessage(
                f"The data file {source} {what} the session was saved; the session's own copy of the points is shown.",
                20_000,
            )

    def _import_target(self, path: Path) -> None:
        mixture = self._read_model(path)
        if mixture is None:
            return
        if mixture.n_dims != 2:
            self._error(
                "Cannot use as target",
                f"{path.name}: the target is a 2-D mixture; this model is {mixture.n_dims}-D.",
                "Use Run > Apply Model to Data… to colour data of that dimension with it.",
            )
            return
        self.window.editor.edit(mixture, f"Import target {path.name}", name=path.stem)
        self._remember(path)

    def import_target(self) -> None:
        path = self._ask_open("Import target model", MODEL_FILTER)
        if path is not None:
            self._import_target(path)

    def apply_model(self) -> None:
        """A model file as a fixed fit of the current points (no EM): colours, P(i|x), table."""
        path = self._ask_open("Apply model to data", MODEL_FILTER)
        mixture = self._read_model(path) if path is not None else None
        if mixture is not None:
            self.state.apply_model(mixture)

    # ---------------------------------------------------------------- saving
    def save_session(self) -> bool:
        """Save to the session's file (asks for one when untitled); False when nothing was saved."""
        if self.document.path is None:
            return self.save_session_as()
        return self._write_session(self.document.path)

    def save_session_as(self) -> bool:
        path = self._ask_save("Save session", f"{Path(self.document.name).stem}{EXTENSION}", SESSION_FILTER, EXTENSION)
        return path is not None and self._write_session(path)

    def _write_session(self, path: Path) -> bool:
        try:
            save_session(path, to_session(self.state.workspace))
        except (SessionError, OSError) as exc:
            self._error("Cannot save session", exc, _kept(path))
            return False
        self.document.mark_saved(path)
        self._remember(path)
        self.window.statusBar().showMessage(f"Saved the session to {path}", 5000)
        return True

    def save_data(self) -> None:
        """The points as CSV, with `chain` for samples and `label`, p_1..p_K of the model shown."""
        data = self.state.data
        if data is None or data.n_points == 0:
            self._error("Nothing to save", "There are no points yet: run the sampler, paint or open a data file.")
            return
        path = self._ask_save("Save data", f"{data.origin}-points.csv", "CSV files (*.csv)", ".csv")
        if path is None:
            return
        mixture = self.state.workspace.reference_mixture()
        self.state.jobs.start(SAVE_KIND, lambda: _write_job(path, data, mixture))

    def export_model(self) -> None:
        fit = self.state.fit
        if fit is None:
            self._error("No fitted model", "Fit a model first (Run > Fit), then export it.")
            return
        path = self._ask_save("Export fitted model", "fitted-model.json", MODEL_FILTER, ".json")
        columns = self.state.data.columns if self.state.data is not None else None
        if path is not None:
            self._write_model(path, fit.mixture, fit.step.covariance_type, columns)

    def export_target(self) -> None:
        path = self._ask_save("Export target", "target.json", MODEL_FILTER, ".json")
        if path is not None:
            self._write_model(path, self.state.target, "full", None)

    def _write_model(self, path: Path, mixture: Mixture, covariance_type: str, columns: tuple[str, ...] | None):
        if columns is not None and len(columns) != mixture.n_dims:
            columns = None
        try:
            save_model(path, mixture, covariance_type, columns=columns)
        except (OSError, ValueError) as exc:
            self._error("Cannot export the model", exc, _kept(path))
            return
        self._remember(path)
        self.window.statusBar().showMessage(f"Exported the model to {path}", 5000)

    # ---------------------------------------------------------------- jobs
    def _on_saved(self, event: JobEvent) -> None:
        if isinstance(event.payload, Path):
            self.window.statusBar().showMessage(f"Saved the points to {event.payload}", 5000)

    def _on_save_failed(self, event: JobEvent) -> None:
        self._error("Cannot save the points", event.payload[0], "Any previous file of that name is intact.")

    # ---------------------------------------------------------------- helpers
    def _read_model(self, path: Path) -> Mixture | None:
        try:
            return load_model(path)
        except ModelFileError as exc:
            self._error("Cannot read the model", exc)
            return None

    def _remember(self, path: Path) -> None:
        QSettings().setValue("files/last_folder", str(Path(path).resolve().parent))
        if self.recent is not None:
            self.recent.add(path)

    def _folder(self) -> str:
        default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return str(QSettings().value("files/last_folder", default) or "")

    def _ask_open(self, title: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self._folder(), filters)
        return Path(path) if path else None

    def _ask_save(self, title: str, name: str, filters: str, suffix: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(Path(self._folder()) / name), filters)
        if not path:
            return None
        path = Path(path)
        return path if path.suffix else path.with_suffix(suffix)

    def _error(self, title: str, error: object, detail: str = "") -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, str(error), QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("fileErrorBox")
        if detail:
            box.setInformativeText(detail)
        box.finished.connect(box.deleteLater)
        self.error_box = box  # tests read it; a newer error replaces it
        box.open()


def data_columns(data: Dataset, mixture: Mixture | None) -> dict[str, np.ndarray | pd.api.extensions.ExtensionArray]:
    """The CSV's columns: the coordinates, `chain` (samples), `class` (known labels), then `label`
    (1-based most probable component) and p_1..p_K under `mixture` when there is one."""
    import pandas as pd  # not on the start-up path

    columns: dict[str, np.ndarray] = {name: data.points[:, j] for j, name in enumerate(data.columns)}
    if data.chain_ids is not None:
        columns["chain"] = data.chain_ids
    if data.labels is not None:  # painted points without a class (-1) get an empty cell
        known = pd.array(data.labels, dtype="Int64")
        known[data.labels < 0] = pd.NA
        columns["class"] = known
    if mixture is not None:
        probabilities = mixture.responsibilities(data.points)
        columns["label"] = np.argmax(probabilities, axis=1) + 1
        for k in range(mixture.n_components):
            columns[f"p_{k + 1}"] = probabilities[:, k]
    return columns


def _write_job(path: Path, data: Dataset, mixture: Mixture | None) -> Generator[None, None, Path]:
    """A job without records: compute the columns, write the CSV atomically, return its path."""
    import pandas as pd

    from gmm_desktop.core.io.tables import write_csv

    write_csv(path, pd.DataFrame(data_columns(data, mixture)))  # a frame keeps the nullable class column
    return path
    yield  # a generator, as JobRunner expects


def _kept(path: Path) -> str:
    return f"{path.name} was not changed." if path.exists() else ""
