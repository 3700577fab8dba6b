"""Run the core's generators on worker threads, one job per kind, cancellable, joined on close.

A job is a zero-argument callable returning a generator (the core's `run_sampler`, `em_steps`,
`sweep`, a derived result...). The worker pulls records from it and sends each one to the GUI thread
by a queued signal, checking a stop flag between records, so a job stops within one record's work.
A generator may yield None to mark a place where it can stop without reporting anything. Records are
immutable (frozen dataclasses of fresh arrays), so nothing needs a lock.

What a kind of job is (`kinds.JobKind`) is said once, in `kinds.KINDS`: its name in the status bar,
the lane it runs on (one pool each, all owned here), whether it runs in a child process, and what a
new start does while one runs: replace it (a new fit cancels the old one; its late records are
dropped by job id, so a view never mixes two runs) or wait for it and run the newest request after
it (a result per EM step would otherwise never finish).
`shutdown()` cancels everything and waits for the workers: the main window calls it on close.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal

from gmm_desktop.core.threads import blas_single_thread
from gmm_desktop.gui.state.kinds import Lane, spec_of
from gmm_desktop.gui.state.process_jobs import WorkerProcessError, records_from_process

JobFactory = Callable[[], Iterator | Generator]


def _ms_until(deadline: float) -> int:
    return max(0, round((deadline - time.monotonic()) * 1000))


RUNNERS: weakref.WeakSet[JobRunner] = weakref.WeakSet()
"""Every live runner, so the test harness can fail a test that leaves a job running."""


Handler = Callable[["JobEvent"], None]


@dataclass(frozen=True)
class Handlers:
    """What the owner of a kind does with its jobs' events (each optional)."""

    record: Handler | None = None
    finished: Handler | None = None
    failed: Handler | None = None
    stopped: Handler | None = None


def payload(handler: Callable[[object], None]) -> Handler:
    """A handler that passes the event's payload (a record, a result) on to `handler`."""
    return lambda event: handler(event.payload)


@dataclass(frozen=True)
class JobEvent:
    """What a job reports: its `kind`, the job's `id`, and its payload."""

    kind: str
    id: int
    payload: object
    elapsed: float


class _Relay(QObject):
    """Lives in the GUI thread; a lane's workers emit on it, and its own slots (so queued to it)
    hand the events to the runner in the GUI thread. One per lane, so `settle` can deliver the
    events of the view lanes without those of a fit that runs meanwhile."""

    record = Signal(object)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, runner: JobRunner) -> None:
        super().__init__(runner)
        self._runner = runner
        self.record.connect(self._on_record)
        self.done.connect(self._on_done)
        self.failed.connect(self._on_failed)

    def _on_record(self, event: JobEvent) -> None:
        self._runner._on_record(event)

    def _on_done(self, event: JobEvent) -> None:
        self._runner._on_done(event)

    def _on_failed(self, event: JobEvent) -> None:
        self._runner._on_failed(event)


class _Worker(QRunnable):
    def __init__(self, kind: str, job_id: int, factory: JobFactory, relay: _Relay, stop: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.kind, self.job_id, self.factory, self.relay, self.stop = kind, job_id, factory, relay, stop

    def run(self) -> None:
        start = time.monotonic()
        try:
            # One BLAS thread per worker: OpenBLAS threads busy-wait and fight the GUI on small machines.
            with blas_single_thread():
                result = drain(self.factory(), self.stop, self._emit_record(start))
        except Exception as exc:  # any failure of the job is reported to the user, not raised
            self.relay.failed.emit(JobEvent(self.kind, self.job_id, failure(exc), time.monotonic() - start))
            return
        self.relay.done.emit(JobEvent(self.kind, self.job_id, result, time.monotonic() - start))

    def _emit_record(self, start: float) -> Callable[[object], None]:
        return lambda record: self.relay.record.emit(JobEvent(self.kind, self.job_id, record, time.monotonic() - start))


def drain(generator: Iterator, stop: threading.Event, emit: Callable[[object], None]) -> object:
    """Pull records until the generator ends (its return value) or `stop` is set (None)."""
    try:
        while not stop.is_set():
            try:
                record = next(generator)
            except StopIteration as finished:
                return finished.value
            if record is not None:
                emit(record)
        return None
    finally:
        close = getattr(generator, "close", None)
        if close is not None:
            close()


def failure(exc: Exception) -> tuple[str, str]:
    """(message, traceback) of a failed job, as the `failed` payload carries them."""
    if isinstance(exc, WorkerProcessError):
        message = str(exc)  # already "ValueError: ..." from the child
    else:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return message, traceback.format_exc()


class JobRunner(QObject):
    """Runs at most one job per kind. Signals carry a `JobEvent` and arrive in the GUI thread.

    record(event): a record the generator yielded; finished(event): its return value (None when
    stopped); failed(event): payload (message, traceback); stopped(event): the job was cancelled.
    Events of a job that has been replaced or stopped are not forwarded, except `stopped`. The owner
    of a kind registers its `Handlers` with `handle(kind, ...)`: each kind's events go to its own
    handlers first, then out by the signals (for anyone watching every job: the status bar, tests).
    """

    record = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    stopped = Signal(object)
    running_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[Lane, QThreadPool] = {}
        self._relays: dict[Lane, _Relay] = {}
        for lane in Lane:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(lane.value[0])
            pool.setThreadPriority(lane.value[1])
            self._pools[lane] = pool
            self._relays[lane] = _Relay(self)
        self._ids = itertools.count(1)
        self._current: dict[str, tuple[int, threading.Event]] = {}
        self._waiting: dict[str, JobFactory] = {}  # coalesced kinds: the newest request, run next
        self._factories: dict[str, JobFactory] = {}  # what each current job runs
        self._rests: dict[str, QTimer] = {}
        self._handlers: dict[str, Handlers] = {}
        RUNNERS.add(self)

    def handle(self, kind: str, **handlers: Handler) -> None:
        """Send the events of `kind` to these handlers (record=, finished=, failed=, stopped=)."""
        self._handlers[kind] = Handlers(**handlers)

    def _dispatch(self, name: str, event: JobEvent) -> None:
        handler = getattr(self._handlers.get(event.kind, Handlers()), name)
        if handler is not None:
            handler(event)
        getattr(self, name).emit(event)

    # ------------------------------------------------------------------ starting and stopping
    def start(self, kind: str, factory: JobFactory) -> int | None:
        """Run `factory()`'s generator on a worker. A running job of the same kind is stopped first,
        or, for a coalescing kind, left to finish with `factory` run after it (None is returned then).

        A kind that runs in a child process needs a picklable factory, e.g. a functools.partial of a
        core function."""
        spec = spec_of(kind)
        if spec.coalesce and (kind in self._current or self._resting(kind)):
            self._waiting[kind] = factory
            return None
        self.stop(kind)
        return self._launch(kind, factory)

    def _launch(self, kind: str, factory: JobFactory) -> int:
        spec = spec_of(kind)
        if spec.in_process:
            factory = partial(records_from_process, factory)
        job_id = next(self._ids)
        stop = threading.Event()
        self._current[kind] = (job_id, stop)
        self._factories[kind] = factory
        self._pools[spec.lane].start(_Worker(kind, job_id, factory, self._relays[spec.lane], stop))
        self.running_changed.emit(kind, True)
        return job_id

    def run_inline(self, kind: str, factory: JobFactory) -> None:
        """Run the job here, now, to the end: for work too small to be worth a thread hop (labels of a
        few thousand points, so the first frame has the right colours). Its records and result go out
        through the same signals as a worker's; a running or waiting job of the kind is dropped."""
        self.stop(kind)
        job_id = next(self._ids)
        start = time.monotonic()
        try:
            emit = lambda record: self._dispatch("record", JobEvent(kind, job_id, record, 0.0))  # noqa: E731
            result = drain(factory(), threading.Event(), emit)
        except Exception as exc:  # as on a worker: reported, not raised
            self._dispatch("failed", JobEvent(kind, job_id, failure(exc), time.monotonic() - start))
            return
        self._dispatch("finished", JobEvent(kind, job_id, result, time.monotonic() - start))

    def stop(self, kind: str) -> None:
        """Ask the job of `kind` to stop after its current record; its later events are dropped, and a
        request waiting behind it is forgotten."""
        self._waiting.pop(kind, None)
        rest = self._rests.get(kind)
        if rest is not None:
            rest.stop()
        self._factories.pop(kind, None)
        current = self._current.pop(kind, None)
        if current is None:
            return
        job_id, stop = current
        stop.set()
        self._dispatch("stopped", JobEvent(kind, job_id, None, 0.0))
        self.running_changed.emit(kind, False)

    def is_running(self, kind: str) -> bool:
        return kind in self._current

    def is_pending(self, kind: str) -> bool:
        """Running, resting after a run, or waiting to run behind a job of its kind."""
        return kind in self._current or kind in self._waiting or self._resting(kind)

    def running_kinds(self) -> list[str]:
        return list(self._current)

    def active_threads(self) -> int:
        """Worker threads busy in all lanes."""
        return sum(pool.activeThreadCount() for pool in self._pools.values())

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every worker (of stopped jobs too) to return; True when all did in time."""
        deadline = time.monotonic() + timeout_ms / 1000
        return all(pool.waitForDone(_ms_until(deadline)) for pool in self._pools.values())

    def settle(self, kinds: Iterable[str], timeout_ms: int = 30_000) -> bool:
        """Finish the jobs of `kinds` now, and what waits behind them (no rest), delivering their
        events before returning (screenshots, exports, tests: what the views will draw, drawn now).
        True when they finished in time."""
        kinds = set(kinds)
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            for kind in kinds:
                if kind in self._rests:
                    self._rests[kind].stop()
                if spec_of(kind).lane is Lane.IDLE:
                    self._finish_here(kind)
                elif kind in self._waiting and kind not in self._current:
                    self._launch(kind, self._waiting.pop(kind))
            lanes = {spec_of(kind).lane for kind in kinds if kind in self._current}
            if not lanes:
                return True
            if not all(self._pools[lane].waitForDone(_ms_until(deadline)) for lane in lanes):
                return False
            for lane in lanes:  # those lanes' queued events, delivered now (a running fit's wait)
                QCoreApplication.sendPostedEvents(self._relays[lane], 0)

    def _finish_here(self, kind: str) -> None:
        """Run the newest request of an idle-lane kind on this thread: an idle-priority worker may
        wait for the CPU as long as anything else wants it."""
        newest = self._waiting.get(kind) or (self._factories.get(kind) if kind in self._current else None)
        if newest is not None:
            self.run_inline(kind, newest)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop every job and wait for the workers; True when all of them ended in time."""
        for kind in list(self._current) + list(self._waiting):
            self.stop(kind)
        return self.wait(timeout_ms)

    # ------------------------------------------------------------------ relay (GUI thread)
    def _is_current(self, event: JobEvent) -> bool:
        current = self._current.get(event.kind)
        return current is not None and current[0] == event.id

    def _on_record(self, event: JobEvent) -> None:
        if self._is_current(event):
            self._dispatch("record", event)

    def _on_done(self, event: JobEvent) -> None:
        if self._is_current(event):
            del self._current[event.kind]
            self._factories.pop(event.kind, None)
            self._dispatch("finished", event)
            self._ended(event)

    def _on_failed(self, event: JobEvent) -> None:
        if self._is_current(event):
            del self._current[event.kind]
            self._factories.pop(event.kind, None)
            self._dispatch("failed", event)
            self._ended(event)

    def _ended(self, event: JobEvent) -> None:
        """A job ended by itself: announce it, then start what waits behind it (after a rest)."""
        self.running_changed.emit(event.kind, False)
        waiting = event.kind in self._waiting
        pause = spec_of(event.kind).pause_ms(event.elapsed, waiting)
        if pause > 0:
            self._rest_timer(event.kind).start(pause)
        elif waiting:
            self._launch(event.kind, self._waiting.pop(event.kind))

    def _resting(self, kind: str) -> bool:
        rest = self._rests.get(kind)
        return rest is not None and rest.isActive()

    def _rest_timer(self, kind: str) -> QTimer:
        if kind not in self._rests:
            timer = QTimer(self)
            timer.setObjectName(f"{kind}Rest")
            timer.setSingleShot(True)
            timer.timeout.connect(partial(self._after_rest, kind))
            self._rests[kind] = timer
        return self._rests[kind]

    def _after_rest(self, kind: str) -> None:
        factory = self._waiting.pop(kind, None)
        if factory is not None and kind not in self._current:
            self._launch(kind, factory)
