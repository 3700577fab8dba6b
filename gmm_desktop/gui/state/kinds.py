"""The kinds of job the window runs, said once: name, status-bar label, lane, process, policy.

Adding a kind of job is one `JobKind` member and one `KindSpec` in `KINDS`; its owner (the state, a
file flow) registers what to do with its events on the runner (`JobRunner.handle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from PySide6.QtCore import QThread


class JobKind(StrEnum):
    SAMPLER = "sampler"
    FIT = "fit"
    SELECTION = "selection"
    PRELOAD = "preload"
    LOAD = "load"
    SAVE = "save"
    LABELS = "labels"
    TARGET_DENSITY = "target_density"
    FIT_CONTOURS = "fit_contours"
    COMPARISON = "comparison"
    DIAGNOSTICS = "diagnostics"


class Lane(Enum):
    """A pool of worker threads: (threads, priority)."""

    WORK = (4, QThread.Priority.InheritPriority)
    """Sampler, fit, selection, file loading and saving may all run at once."""
    VIEW = (2, QThread.Priority.InheritPriority)
    """Results views draw (densities, comparisons, diagnostics): short, never behind a long job."""
    IDLE = (1, QThread.Priority.IdlePriority)
    """Point labels: SCHED_IDLE on Linux, so colours may lag a frame, painting and input may not."""


@dataclass(frozen=True)
class KindSpec:
    """label: the status bar's name while it runs (None: not shown). coalesce: a start while one
    runs waits for it (the newest request wins) instead of replacing it. rest: after a coalesced job,
    the next waits as long as this one took (a core and the GIL stay free for the GUI)."""

    label: str | None
    lane: Lane = Lane.WORK
    in_process: bool = False
    coalesce: bool = False
    rest: bool = False
    spacing_ms: int = 0
    """A coalesced kind starts at most once per this many milliseconds."""

    def pause_ms(self, elapsed_s: float, waiting: bool) -> int:
        """How long the next job of this kind waits after one that took `elapsed_s`."""
        rest = round(elapsed_s * 1000) if self.rest and waiting else 0
        return max(rest, self.spacing_ms)


KINDS: dict[JobKind, KindSpec] = {
    # The sampler's loop over steps holds the GIL: it runs in a child process (see process_jobs).
    JobKind.SAMPLER: KindSpec("Sampling", in_process=True),
    JobKind.FIT: KindSpec("Fitting"),
    JobKind.SELECTION: KindSpec("Selecting models"),
    JobKind.PRELOAD: KindSpec("Preparing"),
    JobKind.LOAD: KindSpec("Loading"),
    JobKind.SAVE: KindSpec("Saving"),
    JobKind.LABELS: KindSpec(None, Lane.IDLE, coalesce=True, rest=True),
    JobKind.TARGET_DENSITY: KindSpec(None, Lane.VIEW, coalesce=True),
    # Asked for at every EM step: ~10 new sets a second follow a fit; more cost paint and GIL (bench_event_loop).
    JobKind.FIT_CONTOURS: KindSpec(None, Lane.VIEW, coalesce=True, spacing_ms=100),
    JobKind.COMPARISON: KindSpec(None, Lane.VIEW, coalesce=True),
    JobKind.DIAGNOSTICS: KindSpec(None, Lane.VIEW, coalesce=True),
}
AD_HOC = KindSpec(None)
"""The spec of a kind outside KINDS (tests and tools may run their own)."""


def spec_of(kind: str) -> KindSpec:
    return KINDS.get(kind, AD_HOC)  # a JobKind is its string
