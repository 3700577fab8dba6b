"""From a CSV file to a `Dataset`: parse on a worker thread, then turn the user's choices into points.

Two halves. `dataset_from_table` and its helpers are pure (numpy and pandas, no Qt), so they could
move to the core: they turn a parsed `Table` plus the import dialog's choices into a `Dataset`,
refusing bad cells unless the user agreed to drop their rows, since nothing may silently become 0
or NaN. `DatasetLoader` runs `load_csv` on a `JobRunner` (a 1e6-row file takes about a second,
longer than the GUI may freeze) and reports progress, the Table, a located error, or a cancel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, Signal

from gmm_desktop.core.io.session import FileSource, file_sha256
from gmm_desktop.core.io.tables import (
    BadCells,
    Table,
    TableError,
    bad_cells,
    drop_rows_with_bad_cells,
    load_csv,
    numeric_matrix,
)
from gmm_desktop.gui.state.app_state import Dataset
from gmm_desktop.gui.state.jobs import JobEvent, JobRunner

KIND = "load"
"""The JobRunner kind of a file load (one at a time; the status bar names running jobs by kind)."""


# ====================================================================== pure: Table -> Dataset
@dataclass(frozen=True)
class ImportOptions:
    """What the user chose in the import dialog; with the file's path it rebuilds the Dataset (sessions).

    display: indices into fit_columns of the plotted pair ((0, 0) when one column is fitted).
    """

    fit_columns: tuple[str, ...]
    display: tuple[int, int]
    label_column: str | None = None
    drop_bad_rows: bool = False


def default_display(n_columns: int) -> tuple[int, int]:
    """The first two fit columns, or the only one on both axes."""
    return (0, min(1, n_columns - 1))


def describe_bad_cells(report: BadCells) -> str:
    """E.g. `3 cells are missing or not numbers in the chosen columns: line 4 column 'x' ('abc'), ...`."""
    shown = [
        f"line {cell.line} column {cell.column!r} ({repr(cell.text) if cell.text else 'missing'})"
        for cell in report.cells[:5]
    ]
    more = ", ..." if report.total > len(shown) else ""
    verb = "cell is missing or not a number" if report.total == 1 else "cells are missing or not numbers"
    return f"{report.total:,} {verb} in the chosen columns: {', '.join(shown)}{more}"


def label_columns(table: Table) -> tuple[str, ...]:
    """Columns that can hold known classes: text or whole numbers, with no empty cell.

    A row without a label could only be dropped or given a made-up class, so such columns are not offered.
    """
    return tuple(name for name in table.columns if _is_label_column(table, name))


def _is_label_column(table: Table, name: str) -> bool:
    if name in table.numeric_columns:
        values = table.numeric_values[name]
        return table.bad_counts[name] == 0 and bool(np.all(values == np.round(values)))
    return not table.frame[name].isna().any()


def label_codes(table: Table, name: str) -> np.ndarray:
    """(N,) int64 classes 0..n-1 in sorted order of the values (as np.unique's inverse, hash-fast)."""
    if name not in table.columns or not _is_label_column(table, name):
        raise ValueError(f"column {name!r} cannot be used as labels: it must hold text or whole numbers in every row")
    codes, _ = pd.factorize(table.frame[name], sort=True)
    return codes.astype(np.int64)


def dataset_from_table(
    table: Table,
    fit_columns: Sequence[str],
    display: tuple[int, int] | None = None,
    label_column: str | None = None,
    drop_bad_rows: bool = False,
) -> Dataset:
    """The Dataset the import dialog's choices describe (origin "file").

    Bad cells in the fit columns raise ValueError (`describe_bad_cells`) unless drop_bad_rows, when
    their rows go (TableError if that leaves none). display defaults to `default_display`.
    """
    names = tuple(fit_columns)
    if not names:
        raise ValueError("choose at least one column to fit")
    if label_column is not None and label_column in names:
        raise ValueError(f"column {label_column!r} cannot be both fitted and the known labels")
    display = default_display(len(names)) if display is None else (int(display[0]), int(display[1]))
    if not all(0 <= index < len(names) for index in display):
        raise ValueError(f"display {display} must index the {len(names)} fit columns")
    report = bad_cells(table, names, limit=5)
    if report.total:
        if not drop_bad_rows:
            raise ValueError(describe_bad_cells(report))
        table = drop_rows_with_bad_cells(table, names)
    labels = label_codes(table, label_column) if label_column is not None else None
    return Dataset(
        numeric_matrix(table, names),
        "file",
        columns=names,
        labels=labels,
        display=display,
        source=file_source(table, names, label_column),
    )


def file_source(table: Table, columns: tuple[str, ...], label_column: str | None) -> FileSource:
    """Where the points came from and how they were read, with the file's SHA-256 (~40 ms for 60 MB),
    so a saved session can tell whether the file has changed since."""
    path = table.path.resolve()
    return FileSource(
        str(path), file_sha256(path), columns, label_column, table.delimiter, table.decimal, table.has_header
    )


# ====================================================================== Qt: parsing on a worker
def _read(path: Path, options: dict, progress: Callable[[float], bool]) -> Iterator[Table | TableError]:
    """One record: the Table, or the TableError saying why there is none (JobRunner runs generators)."""
    try:
        outcome: Table | TableError = load_csv(path, progress=progress, **options)
    except TableError as exc:
        outcome = exc
    yield outcome


class _Relay(QObject):
    """Lives in the GUI thread; the worker's progress callback emits on it (a queued connection)."""

    fraction = Signal(object, float)  # the load's stop event (its identity), fraction read


class DatasetLoader(QObject):
    """Parses one CSV file at a time on a worker; a new `load` replaces (cancels) a running one.

    Signals arrive in the GUI thread: started(Path); progress(fraction 0..1); loaded(Table);
    failed(message naming file, line and column); cancelled() when `cancel()` (or anyone stopping
    the "load" job on the runner) ended the load. Exactly one of loaded/failed/cancelled follows started.
    """

    started = Signal(object)
    progress = Signal(float)
    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, runner: JobRunner | None = None, parent: QObject | None = None) -> None:
        """runner: a shared JobRunner (e.g. `AppState.jobs`, whose owner joins it), else one of our own."""
        super().__init__(parent)
        self._owns_runner = runner is None
        self._runner = JobRunner(self) if runner is None else runner
        self._relay = _Relay(self)
        self._relay.fraction.connect(self._on_fraction)
        self._runner.record.connect(self._on_record)
        self._runner.failed.connect(self._on_failed)
        self._runner.stopped.connect(self._on_stopped)
        self._job_id: int | None = None
        self._stop = threading.Event()

    def load(self, path: str | Path, **options: object) -> None:
        """Parse `path` on a worker; options go to `load_csv` (delimiter, has_header, decimal)."""
        path = Path(path)
        stop = threading.Event()
        job_id = self._runner.start(KIND, partial(_read, path, options, partial(_keep_going, self._relay, stop)))
        self._job_id, self._stop = job_id, stop
        self.started.emit(path)

    def cancel(self) -> None:
        """Stop the running load: its next progress call returns False, so load_csv gives up."""
        if self._job_id is not None:
            self._stop.set()
            self._runner.stop(KIND)  # emits stopped -> cancelled, and drops the worker's late events

    def is_loading(self) -> bool:
        return self._job_id is not None

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel and join the worker; with a shared runner its owner joins it, so only cancel."""
        self.cancel()
        return self._runner.shutdown(timeout_ms) if self._owns_runner else True

    # ------------------------------------------------------------------ runner events (GUI thread)
    def _is_ours(self, event: JobEvent) -> bool:
        return event.kind == KIND and event.id == self._job_id

    def _on_fraction(self, stop: threading.Event, fraction: float) -> None:
        if stop is self._stop and self._job_id is not None:
            self.progress.emit(fraction)

    def _on_record(self, event: JobEvent) -> None:
        if not self._is_ours(event):
            return
        self._job_id = None
        if isinstance(event.payload, TableError):
            self.failed.emit(str(event.payload))
        else:
            self.loaded.emit(event.payload)

    def _on_failed(self, event: JobEvent) -> None:
        if self._is_ours(event):
            self._job_id = None
            message, _detail = event.payload
            self.failed.emit(message)

    def _on_stopped(self, event: JobEvent) -> None:
        if self._is_ours(event):
            self._stop.set()
            self._job_id = None
            self.cancelled.emit()


def _keep_going(relay: _Relay, stop: threading.Event, fraction: float) -> bool:
    """load_csv's progress callback, on the worker: report the fraction; False once cancelled."""
    relay.fraction.emit(stop, fraction)
    return not stop.is_set()
