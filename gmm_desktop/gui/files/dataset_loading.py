"""Parsing a data file on a worker: progress, the parsed `Table`, a located error, or a cancel.

A 1e6-row file takes about a second, longer than the GUI may freeze, so `DatasetLoader` runs the
file's reader (`core.io.formats`) on the state's `JobRunner`. Turning the parsed table and the
import dialog's choices into data is the workspace's (`workspace.importing`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from gmm_desktop.core.io.formats import read_table
from gmm_desktop.core.io.tables import Table, TableError
from gmm_desktop.gui.state.jobs import JobEvent, JobRunner
from gmm_desktop.gui.state.kinds import JobKind

KIND = JobKind.LOAD
"""The JobRunner kind of a file load (one at a time; the status bar names running jobs by kind)."""


def _read(path: Path, options: dict, progress: Callable[[float], bool]) -> Iterator[Table | TableError]:
    """One record: the Table, or the TableError saying why there is none (JobRunner runs generators)."""
    try:
        outcome: Table | TableError = read_table(path, progress=progress, **options)
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
        self._runner.handle(KIND, record=self._on_record, failed=self._on_failed, stopped=self._on_stopped)
        self._job_id: int | None = None
        self._stop = threading.Event()

    def load(self, path: str | Path, **options: object) -> None:
        """Parse `path` on a worker; options go to the reader (delimiter, has_header, decimal)."""
        path = Path(path)
        stop = threading.Event()
        job_id = self._runner.start(KIND, partial(_read, path, options, partial(_keep_going, self._relay, stop)))
        self._job_id, self._stop = job_id, stop
        self.started.emit(path)

    def cancel(self) -> None:
        """Stop the running load: its next progress call returns False, so the reader gives up."""
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
        return event.id == self._job_id

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
    """The reader's progress callback, on the worker: report the fraction; False once cancelled."""
    relay.fraction.emit(stop, fraction)
    return not stop.is_set()
