"""Thread limits of the numerical libraries, set once rather than per call.

OpenBLAS and OpenMP threads busy-wait and fight each other and the GUI on small machines
(shared/PERF_FACTS.md), so the entry points set OPENBLAS_NUM_THREADS=1 before numpy loads. Where that
was not done (a library user), BLAS is limited around the calls that need it. threadpoolctl finds
the libraries with dl_iterate_phdr, whose Python callback needs the GIL while the loader lock is
held: called on many worker threads at once, it deadlocked against a thread starting another
(measured in the test suite), so it runs only when the limit is really missing, and only once: its
scan of the loaded libraries costs 5 ms, which a sweep of hundreds of small fits would pay per fit.
"""

from __future__ import annotations

import os
import threading
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Any

_SCAN = threading.Lock()


def blas_single_thread() -> AbstractContextManager:
    """Limit BLAS to one thread around work that calls it (scikit-learn's k-means, a worker's job):
    busy-waiting BLAS threads slow the numba threads that follow. Nothing to do when the entry
    point already set OPENBLAS_NUM_THREADS=1."""
    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        return nullcontext()
    return _controller().limit(limits=1, user_api="blas")


@cache
def _controller() -> Any:
    """threadpoolctl's view of the loaded libraries, scanned once (under a lock: one scan at a time)."""
    from threadpoolctl import ThreadpoolController

    with _SCAN:
        return ThreadpoolController()
