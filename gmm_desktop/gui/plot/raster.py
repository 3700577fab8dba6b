"""Binning a large cloud into a uint8 image of about one bin per screen pixel, and where to bin it.

Each occupied bin gets one code = 1 + category * L + shade: the category is the colour group of a
point in the bin (the last one written; neighbours within a pixel share their component almost
everywhere), the shade is log(count) in L steps, and a 256-entry RGBA lookup table turns codes into
colour and opacity, 0 being transparent (shared/QT_ON_DEBIAN.md: ~9 ms at 1e6 points, where a
ScatterPlotItem takes seconds).

Binning 1e6 points costs ~13 ms, painting the plot ~10 ms more, so re-binning on every frame of a
pan or zoom would miss a 16 ms frame. The region binned is therefore the view plus a margin on each
side: a pan inside the margin only moves the image (it lives in data coordinates), and a zoom shows
the old bins stretched until the view settles, then re-bins once at the new scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RASTER_MARGIN = 0.25
"""Extra region binned on each side, as a fraction of the view's width and height."""
RASTER_MAX_SIDE = 4096
"""Bins per side at most (a huge window would otherwise allocate a huge raster)."""
SHARP = 0.02
"""Bins per pixel within 1 +- SHARP count as one to one: no re-binning after the view settles."""
STRETCH = 1.6
"""Bins stretched by up to this factor (either way) are shown while a zoom is going on."""


def bin_points(
    x: np.ndarray, y: np.ndarray, rect: tuple[float, float, float, float], shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(flat bin index (M,) int32, mask (N,) of the M points inside) for bins of `rect` = (x0, y0,
    width, height) split into `shape` = (rows, cols); row 0 is the lowest y, as in the density image."""
    x0, y0, width, height = rect
    rows, cols = shape
    fx = (x - np.float32(x0)) * np.float32(cols / width)
    fy = (y - np.float32(y0)) * np.float32(rows / height)
    inside = (fx >= 0) & (fx < cols) & (fy >= 0) & (fy < rows)
    col = fx[inside].astype(np.int32)
    row = fy[inside].astype(np.int32)
    np.minimum(col, cols - 1, out=col)  # float32 rounding can land exactly on the far edge
    np.minimum(row, rows - 1, out=row)
    row *= cols
    row += col
    return row, inside


def shade_table(max_count: int, steps: int) -> np.ndarray:
    """uint8 table: count -> 0 for an empty bin, else 1 + shade, shade in [0, steps) by log(count)."""
    counts = np.arange(max_count + 1, dtype=np.float64)
    scale = np.log1p(counts) / np.log1p(max(max_count, 1))
    table = np.ceil(scale * steps).astype(np.int64)
    return np.clip(table, 0, steps).astype(np.uint8)


def raster_lut(colours: list[tuple[int, int, int]]) -> tuple[np.ndarray, int]:
    """(lookup table (256, 4) uint8, shades per colour L): code 1 + c * L + s is colour c with an
    opacity rising with the shade s; code 0 is transparent."""
    steps = 255 // len(colours)
    lut = np.zeros((256, 4), dtype=np.uint8)
    alpha = np.round(80 + 175 * np.arange(1, steps + 1) / steps).astype(np.uint8)
    for c, rgb in enumerate(colours):
        codes = slice(1 + c * steps, 1 + (c + 1) * steps)
        lut[codes, :3] = rgb
        lut[codes, 3] = alpha
    return lut, steps


def encode_raster(
    bins: np.ndarray,
    n_bins: int,
    categories: np.ndarray | None,
    steps: int,
    counts: np.ndarray | None = None,
    per_bin: np.ndarray | None = None,
) -> np.ndarray:
    """(n_bins,) uint8 codes (see `raster_lut`) for points in flat `bins`, with per-point `categories`
    (or, already reduced, `per_bin`: the category of the last point written to each bin)."""
    if counts is None:
        counts = np.bincount(bins, minlength=n_bins)
    codes = shade_table(int(counts.max()) if counts.size else 0, steps)[counts]
    if per_bin is None and categories is not None:
        per_bin = np.zeros(n_bins, dtype=np.uint8)
        per_bin[bins] = categories
    if per_bin is not None:
        codes += per_bin * np.uint8(steps)  # empty bins keep category 0, so their code stays 0
    return codes


@dataclass(frozen=True)
class RasterRegion:
    """What was binned: rect (x0, y0, width, height) in data units, split into rows x cols bins."""

    rect: tuple[float, float, float, float]
    rows: int
    cols: int

    @classmethod
    def around(cls, view_rect: tuple[float, float, float, float], view_pixels: tuple[int, int]) -> RasterRegion:
        """The view plus RASTER_MARGIN on each side, at one bin per screen pixel."""
        x0, y0, width, height = view_rect
        grow = 1.0 + 2.0 * RASTER_MARGIN
        cols = int(np.clip(round(max(view_pixels[0], 2) * grow), 2, RASTER_MAX_SIDE))
        rows = int(np.clip(round(max(view_pixels[1], 2) * grow), 2, RASTER_MAX_SIDE))
        rect = (x0 - RASTER_MARGIN * width, y0 - RASTER_MARGIN * height, width * grow, height * grow)
        return cls(rect, rows, cols)

    def bins_per_pixel(self, view_rect: tuple[float, float, float, float], view_pixels: tuple[int, int]) -> float:
        """Along x: > 1 when the bins are finer than the screen (zoomed out since binning)."""
        return (self.cols / self.rect[2]) / (max(view_pixels[0], 1) / view_rect[2])

    def covers(self, view_rect: tuple[float, float, float, float]) -> bool:
        x0, y0, width, height = self.rect
        vx, vy, vw, vh = view_rect
        return x0 <= vx and y0 <= vy and vx + vw <= x0 + width and vy + vh <= y0 + height

    def fits(self, view_rect: tuple[float, float, float, float], view_pixels: tuple[int, int]) -> str:
        """How well this region serves the view: "sharp" (covers it at one bin per pixel), "stretched"
        (covers it, bins within STRETCH of a pixel: fine while the view moves) or "stale"."""
        if not self.covers(view_rect):
            return "stale"
        ratio = self.bins_per_pixel(view_rect, view_pixels)
        if abs(ratio - 1.0) <= SHARP:
            return "sharp"
        return "stretched" if 1.0 / STRETCH <= ratio <= STRETCH else "stale"
