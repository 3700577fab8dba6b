"""Start-up preloading: what a first fit, selection or comparison would import, done on a worker.

Imports hold the GIL (and the import lock the GUI thread may need) in long stretches: done while the
user starts a first fit, they stalled the event loop for 80-110 ms at a time. So once the window
shows, the application runs `preload` as a job; between pieces it can be cancelled.
"""

from __future__ import annotations

import importlib
from collections.abc import Generator

from gmm_desktop.core.em import warm_up
from gmm_desktop.gui.state.app_state import AppState

LAZY_MODULES = ("sklearn.cluster", "sklearn.metrics", "scipy.optimize")
"""What a first fit, selection or comparison imports (about 1100 modules, 1-2 s of held GIL)."""


def preload() -> Generator[str, None, None]:
    """Import the lazily loaded modules and warm the EM kernels, yielding the name of each piece done."""
    for name in LAZY_MODULES:
        importlib.import_module(name)
        yield name
    warm_up()
    yield "kernels"


def start_preload(state: AppState) -> None:
    """Run `preload` on the state's job runner (the window calls this once it shows)."""
    state.jobs.start("preload", preload)
