"""Run a core generator in a child process and read its records back as a local generator.

For work that holds the GIL (the sampler's loop over steps is Python, one small numpy call after
another): on a thread it would starve the GUI thread of the GIL and the window would stutter
(shared/QT_ON_DEBIAN.md measured 8 event-loop ticks in 1.9 s). The child process has its own GIL;
the worker thread that reads the queue sleeps in a blocking `get`, which releases the GIL.

`records_from_process(factory)` is a generator: it yields what the child's generator yields and
returns what it returns. Closing it (the job runner does when a job is stopped) tells the child to
stop after its current record and joins it; a child that does not stop in time is terminated.
The factory must be picklable (a `functools.partial` of a core function with immutable records).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Generator, Iterator

_CONTEXT = multiprocessing.get_context("spawn")  # fork would copy the GUI's threads and locks
QUEUE_RECORDS = 4
"""Records in flight between child and parent: back-pressure, so a slow GUI never buffers a backlog."""
JOIN_SECONDS = 5.0
POLL_SECONDS = 0.05


def _child_main(factory: Callable[[], Iterator], records, stop) -> None:
    """Runs in the child: forward every record, then ("done", result) or ("error", message).
    The child inherits the parent's environment, so its BLAS thread limit too (cli._limit_threads)."""
    try:
        generator = factory()
        while not stop.is_set():
            try:
                record = next(generator)
            except StopIteration as finished:
                records.put(("done", finished.value))
                return
            records.put(("record", record))
        records.put(("done", None))
    except Exception as exc:  # reported to the parent, which raises it in the job's thread
        records.put(("error", f"{type(exc).__name__}: {exc}"))


class WorkerProcessError(RuntimeError):
    """The child failed or died; the message is the child's own when it could send one."""


def records_from_process(factory: Callable[[], Iterator]) -> Generator[object, None, object]:
    """Yield the records of `factory()`'s generator, run in a spawned child process."""
    records = _CONTEXT.Queue(maxsize=QUEUE_RECORDS)
    stop = _CONTEXT.Event()
    child = _CONTEXT.Process(target=_child_main, args=(factory, records, stop), daemon=True)
    child.start()
    try:
        while True:
            try:
                tag, payload = records.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise WorkerProcessError(
                        f"the worker process ended unexpectedly (exit code {child.exitcode})"
                    ) from None
                continue
            if tag == "record":
                yield payload
            elif tag == "done":
                return payload
            else:
                raise WorkerProcessError(payload)
    finally:
        _stop_child(child, records, stop)


def _stop_child(child, records, stop) -> None:
    """Ask the child to stop, keep its queue drained until it exits (a child flushing a big record
    into a full pipe cannot exit otherwise), and terminate it if it does not exit in time."""
    stop.set()
    deadline = time.monotonic() + JOIN_SECONDS
    while child.is_alive() and time.monotonic() < deadline:
        _drain(records)
        child.join(POLL_SECONDS)
    if child.is_alive():
        child.terminate()
        child.join(JOIN_SECONDS)
    _drain(records)
    records.close()
    records.join_thread()


def _drain(records) -> None:
    """Empty the queue so a child blocked on a full queue can see the stop flag and exit."""
    try:
        while True:
            records.get_nowait()
    except (queue.Empty, OSError, ValueError):
        return
