"""Run the core's generators on worker threads, one job per kind, cancellable, joined on close.

A job is a zero-argument callable returning a generator (the core's `run_sampler`, `em_steps`,
`sweep`...). The worker pulls records from it and sends each one to the GUI thread by a queued
signal, checking a stop flag between records, so a job stops within one record's work. Records are
immutable (frozen dataclasses of fresh arrays), so nothing needs a lock.

Starting a job of a kind that is running cancels the old one; its late records are dropped by job
id, so a view never mixes two runs. `shutdown()` cancels everything and waits for the workers: the
main window calls it on close, so no thread outlives the window.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from threadpoolctl import threadpool_limits

from gmm_desktop.gui.state.process_jobs import WorkerProcessError, records_from_process

JobFactory = Callable[[], Iterator | Generator]

POOL_THREADS = 4
"""Sampler, fit, selection and file loading may all run at once; the global pool has one per core."""

RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()
"""Every live runner, so the test harness can fail a test that leaves a job running."""


@dataclass(frozen=True)
class JobEvent:
    """What a job reports: `kind` ("sampler", "fit", ...), the job's `id`, and its payload."""

    kind: str
    id: int
    payload: object
    elapsed: float


class _Relay(QObject):
    """Lives in the GUI thread; the worker emits on it, so receivers run in the GUI thread."""

    record = Signal(object)
    done = Signal(object)
    failed = Signal(object)


class _Worker(QRunnable):
    def __init__(self, kind: str, job_id: int, factory: JobFactory, relay: _Relay, stop: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.kind, self.job_id, self.factory, self.relay, self.stop = kind, job_id, factory, relay, stop

    def run(self) -> None:
        start = time.monotonic()
        try:
            # One BLAS thread per worker: OpenBLAS threads busy-wait and fight the GUI on small machines.
            with threadpool_limits(1, "blas"):
                result = self._drain(start)
        except Exception as exc:  # any failure of the job is reported to the user, not raised
            if isinstance(exc, WorkerProcessError):
                message = str(exc)  # already "ValueError: ..." from the child
            else:
                message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            detail = traceback.format_exc()
            self.relay.failed.emit(JobEvent(self.kind, self.job_id, (message, detail), time.monotonic() - start))
            return
        self.relay.done.emit(JobEvent(self.kind, self.job_id, result, time.monotonic() - start))

    def _drain(self, start: float) -> object:
        generator = self.factory()
        try:
            while not self.stop.is_set():
                try:
                    record = next(generator)
                except StopIteration as finished:
                    return finished.value
                self.relay.record.emit(JobEvent(self.kind, self.job_id, record, time.monotonic() - start))
            return None
        finally:
            close = getattr(generator, "close", None)
            if close is not None:
                close()


class JobRunner(QObject):
    """Runs at most one job per kind. Signals carry a `JobEvent` and arrive in the GUI thread.

    record(event): a record the generator yielded; finished(event): its return value (None when
    stopped); failed(event): payload (message, traceback); stopped(event): the job was cancelled.
    Events of a job that has been replaced or stopped are not forwarded, except `stopped`.
    """

    record = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    stopped = Signal(object)
    running_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(POOL_THREADS)
        self._relay = _Relay(self)
        self._relay.record.connect(self._on_record)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._ids = itertools.count(1)
        self._current: dict[str, tuple[int, threading.Event]] = {}
        RUNNERS.add(self)

    def start(self, kind: str, factory: JobFactory, in_process: bool = False) -> int:
        """Run `factory()`'s generator on a worker; a running job of the same kind is stopped first.

        in_process: run the generator in a child process (for work that holds the GIL); `factory`
        must then be picklable, e.g. a functools.partial of a core function."""
        self.stop(kind)
        if in_process:
            factory = partial(records_from_process, factory)
        job_id = next(self._ids)
        stop = threading.Event()
        self._current[kind] = (job_id, stop)
        self.pool.start(_Worker(kind, job_id, factory, self._relay, stop))
        self.running_changed.emit(kind, True)
        return job_id

    def stop(self, kind: str) -> None:
        """Ask the job of `kind` to stop after its current record; its later events are dropped."""
        current = self._current.pop(kind, None)
        if current is None:
            return
        job_id, stop = current
        stop.set()
        self.stopped.emit(JobEvent(kind, job_id, None, 0.0))
        self.running_changed.emit(kind, False)

    def is_running(self, kind: str) -> bool:
        return kind in self._current

    def running_kinds(self) -> list[str]:
        return list(self._current)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop every job and wait for the workers; True when all of them ended in time."""
        for kind in list(self._current):
            self.stop(kind)
        return self.pool.waitForDone(timeout_ms)

    # ------------------------------------------------------------------ relay (GUI thread)
    def _is_current(self, event: JobEvent) -> bool:
        current = self._current.get(event.kind)
        return current is not None and current[0] == event.id

    def _on_record(self, event: JobEvent) -> None:
        if self._is_current(event):
            self.record.emit(event)

    def _on_done(self, event: JobEvent) -> None:
        if self._is_current(event):
            del self._current[event.kind]
            self.finished.emit(event)
            self.running_changed.emit(event.kind, False)

    def _on_failed(self, event: JobEvent) -> None:
        if self._is_current(event):
            del self._current[event.kind]
            self.failed.emit(event)
            self.running_changed.emit(event.kind, False)
