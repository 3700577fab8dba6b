"""The points the user works on: a `Dataset` (sampled, exact draws, a file, painted) and the growing
buffer a running sampler appends to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_desktop.core.io.session import FileSource
from gmm_desktop.core.mixture import Mixture

SCATTER_LIMIT = 20_000
"""Above this many points the cloud is drawn as a raster (density or label image), not a scatter."""
CHAIN_TAIL = 200
"""How many of chain 0's last kept samples the chain-path overlay shows."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points to draw and fit. points (N, D); chain_ids (N,) for MCMC samples; labels (N,) known
    classes (exact samples: the generating component), else None. origin: "mcmc", "exact", "file" or
    "painted" (points the user sprayed on the plot, with the brush's classes as labels). target: the
    mixture the points were drawn from (the newest one, if it changed during a run), so a fit is
    compared with what made the data even after the target is edited. Which two columns are drawn is
    view state (`ViewState.shown`), not part of the data."""

    points: np.ndarray
    origin: str
    columns: tuple[str, ...] = ("x", "y")
    chain_ids: np.ndarray | None = None
    labels: np.ndarray | None = None
    target: Mixture | None = None
    source: FileSource | None = None
    """Where file data came from and how it was read (a session stores it with the points)."""

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_dims(self) -> int:
        return int(self.points.shape[1])

    @property
    def cloud_mode(self) -> str:
        """ "scatter" while small, "raster" when large: decided here, not in paint code."""
        return "scatter" if self.n_points <= SCATTER_LIMIT else "raster"

    def column_name(self, index: int) -> str:
        """The name of coordinate `index`; datasets of a D > 2 target may carry only ("x", "y")."""
        return self.columns[index] if index < len(self.columns) else f"x{index + 1}"


def default_shown(n_dims: int) -> tuple[int, int]:
    """The columns drawn when nobody chose: the first two, or the only one on both axes."""
    return (0, min(1, n_dims - 1))


class GrowingPoints:
    """Append-only (N, D) buffer with amortised doubling; views of [:n] stay valid and unchanged, so a
    view holding `data.points` never sees it change under it."""

    def __init__(self, dims: int, capacity: int = 1024) -> None:
        self._data = np.empty((max(capacity, 1), dims))
        self._chains = np.empty(max(capacity, 1), dtype=np.int64)
        self.n = 0

    def append(self, points: np.ndarray, chains: np.ndarray) -> None:
        need = self.n + len(points)
        if need > len(self._data):
            capacity = max(need, 2 * len(self._data))
            self._data = np.concatenate([self._data[: self.n], np.empty((capacity - self.n, self._data.shape[1]))])
            self._chains = np.concatenate([self._chains[: self.n], np.empty(capacity - self.n, dtype=np.int64)])
        self._data[self.n : need] = points
        self._chains[self.n : need] = chains
        self.n = need

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._data[: self.n], self._chains[: self.n]


def chain_tail(tail: np.ndarray, samples: np.ndarray, chain_ids: np.ndarray, shown: tuple[int, int]) -> np.ndarray:
    """The last CHAIN_TAIL kept samples of chain 0 (M, 2) after a new batch: `tail` plus the batch's
    chain-0 samples in the shown columns (never a pass over all samples)."""
    new = samples[chain_ids == 0][:, list(shown)]
    return np.concatenate([tail, new])[-CHAIN_TAIL:]
