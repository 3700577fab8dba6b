"""Painting a 2-D dataset by hand, as Orange's Paint Data widget does: spray and erase.

Pure numpy, so the geometry is tested without Qt. `PaintedData` is a value: every edit returns a
new one and never writes into the arrays it was made from, so an undo command can keep the data
before and after a stroke and a view holding the old arrays never sees them change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_CLASS = -1
"""Label of a point painted without a class (points of other classes keep theirs)."""

RandomSource = np.random.Generator | int | None
MODES = ("spray", "erase")
MAX_CLASS = 9


@dataclass(frozen=True)
class Brush:
    """radius in data units; points sprayed per stamp; label the class 0..MAX_CLASS of sprayed points
    (None: no class); mode "spray" or "erase"."""

    radius: float = 0.5
    points: int = 10
    label: int | None = None
    mode: str = "spray"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise ValueError(f"the brush radius must be a positive number, got {self.radius}")
        if self.points < 1:
            raise ValueError(f"a stamp sprays at least one point, got {self.points}")
        if self.label is not None and not 0 <= self.label <= MAX_CLASS:
            raise ValueError(f"the class must be 0..{MAX_CLASS} or None, got {self.label}")
        if self.mode not in MODES:
            raise ValueError(f"the brush mode must be one of {', '.join(MODES)}, got {self.mode!r}")


def spray(center: tuple[float, float], radius: float, n: int, rng: RandomSource = None) -> np.ndarray:
    """(n, 2) points uniform in the disc of `radius` around `center`.

    Uniform in the disc, not Gaussian, like Orange's spray: the brush outline the user sees is
    exactly where points can land. The radius is sqrt-distributed so the density is flat.
    """
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"the brush radius must be a finite number >= 0, got {radius}")
    if n < 0:
        raise ValueError(f"the number of points must be >= 0, got {n}")
    generator = np.random.default_rng(rng)
    distance = radius * np.sqrt(generator.random(n))
    angle = 2.0 * np.pi * generator.random(n)
    offsets = np.column_stack([distance * np.cos(angle), distance * np.sin(angle)])
    return np.asarray(center, dtype=np.float64) + offsets


def within(points: np.ndarray, center: tuple[float, float], radius: float) -> np.ndarray:
    """(N,) bool: which of `points` (N, 2) lie in the closed disc (the erase brush's reach)."""
    offsets = points - np.asarray(center, dtype=np.float64)
    return np.einsum("ij,ij->i", offsets, offsets) <= radius * radius


@dataclass(frozen=True, eq=False)
class PaintedData:
    """Painted points (N, 2) float64 and their classes (N,) int64, NO_CLASS where none was chosen."""

    points: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.points.ndim != 2 or self.points.shape[1] != 2:
            raise ValueError(f"painted points must be (N, 2), got shape {self.points.shape}")
        if self.labels.shape != (len(self.points),):
            raise ValueError(f"{len(self.points)} points need {len(self.points)} labels, got {self.labels.shape}")

    @classmethod
    def empty(cls) -> PaintedData:
        return cls(np.empty((0, 2)), np.empty(0, dtype=np.int64))

    @classmethod
    def from_arrays(cls, points: np.ndarray, labels: np.ndarray | None = None) -> PaintedData:
        """Start from existing 2-D points (copied, so later edits cannot reach the caller's arrays)."""
        points = np.array(points, dtype=np.float64, copy=True)
        if labels is None:
            labels = np.full(len(points), NO_CLASS, dtype=np.int64)
        return cls(points, np.array(labels, dtype=np.int64, copy=True))

    @property
    def n_points(self) -> int:
        return len(self.points)

    def append(self, points: np.ndarray, label: int | None = None) -> PaintedData:
        """These points added at the end, all of class `label` (None: no class); earlier points
        are copied bit for bit."""
        new_labels = np.full(len(points), NO_CLASS if label is None else int(label), dtype=np.int64)
        return PaintedData(
            np.concatenate([self.points, np.asarray(points, dtype=np.float64).reshape(-1, 2)]),
            np.concatenate([self.labels, new_labels]),
        )

    def erase(self, center: tuple[float, float], radius: float) -> PaintedData:
        """Without the points in the disc; the others keep their order. Returns self when none is
        there, so callers can tell a stroke that erased nothing (`result is data`)."""
        hit = within(self.points, center, radius)
        if not hit.any():
            return self
        keep = ~hit
        return PaintedData(self.points[keep], self.labels[keep])

    def labels_or_none(self) -> np.ndarray | None:
        """The labels, or None when no point has a class (the dataset is then unlabelled)."""
        return self.labels if bool((self.labels != NO_CLASS).any()) else None
