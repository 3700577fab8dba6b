"""The sample cloud: a scatter while small, a raster of about one bin per screen pixel when large.

Whether a data set is "small" is decided by the workspace (`Dataset.cloud_mode`), not here. Measured
(shared/QT_ON_DEBIAN.md): a ScatterPlotItem of 1e6 points costs 1.5-2.5 s a frame, a uint8 image
with a colour lookup table ~9 ms. So:

- scatter: one ScatterPlotItem per colour group (component, or uncertainty step), never per-point
  brushes; items are reused and updated with setData, left alone when their points are unchanged
  (a converged fit keeps reporting the same labels), and only appended to when the points grew.
- raster: see `raster.py`; the binned region and its bins are kept until the data, the colours or
  the view's scale make them stale.

A running sampler replaces the data set every batch, but its buffer only grows in place
(`workspace.data.GrowingPoints`): then only the new rows are converted and binned, so a frame of a 1e6-point chain
costs the colouring and the paint, not a pass over every point (and a scatter only adds the new
points to its items, as long as the old points keep their colours).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from gmm_desktop.core.labels import UNCERTAINTY_LEVELS, PointLabels, extends
from gmm_desktop.gui.plot.layers import Z_CLOUD_POINTS, Z_CLOUD_RASTER, Layer, Scene
from gmm_desktop.gui.plot.palette import COMPONENT_COLOURS, PLAIN_POINT, component_rgb, uncertainty_rgb
from gmm_desktop.gui.plot.raster import RasterRegion, bin_points, encode_raster, raster_lut
from gmm_desktop.workspace.view import COLOURINGS

POINT_ALPHA = 215

Rect = tuple[float, float, float, float]
Colours = list[tuple[int, int, int]]


def _plain(labels: PointLabels) -> tuple[np.ndarray | None, Colours]:
    return None, [PLAIN_POINT]


def _by_component(labels: PointLabels) -> tuple[np.ndarray | None, Colours]:
    """The argmax component; colours repeat after the palette's 20, so do categories."""
    k = labels.n_components
    if k <= len(COMPONENT_COLOURS):
        return labels.labels.astype(np.uint8, copy=False), [component_rgb(i) for i in range(k)]
    return (labels.labels % len(COMPONENT_COLOURS)).astype(np.uint8), list(COMPONENT_COLOURS)


def _by_uncertainty(labels: PointLabels) -> tuple[np.ndarray | None, Colours]:
    """UNCERTAINTY_LEVELS steps of 1 - max P(i|x)."""
    return labels.uncertainty_levels, [uncertainty_rgb(i) for i in range(UNCERTAINTY_LEVELS)]


GROUPS = {"plain": _plain, "cluster": _by_component, "uncertainty": _by_uncertainty}
"""How each colouring of `workspace.view.COLOURINGS` groups the points (same keys)."""


def colour_groups(mode: str, labels: PointLabels | None) -> tuple[np.ndarray | None, Colours]:
    """(category (N,) uint8 or None, colour of each category) for a colouring mode; without labels,
    one plain group."""
    if mode not in COLOURINGS:
        raise ValueError(f"colouring must be one of {', '.join(COLOURINGS)}, got {mode!r}")
    if labels is None:
        return None, [PLAIN_POINT]
    return GROUPS[mode](labels)


def capacity_of(points: np.ndarray) -> int:
    """Rows the memory behind `points` holds: a sample buffer is sized for the whole run up front
    (`workspace.data.GrowingPoints`), and per-point arrays sized alike never re-grow (each doubling of a 2e6-row
    array cost a 20-40 ms frame while sampling)."""
    base = points.base
    return base.shape[0] if isinstance(base, np.ndarray) and base.ndim == 2 else len(points)


class _Growing:
    """A 1-D array that grows by appending, with amortised doubling; `view()` is the filled part."""

    def __init__(self, values: np.ndarray, capacity: int = 0) -> None:
        self._data = np.empty(max(capacity, len(values)), dtype=values.dtype)
        self._data[: len(values)] = values
        self.n = len(values)

    def append(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n : need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self._data[: self.n]


def point_size(n_points: int) -> float:
    """Screen size of a scatter point: smaller as the cloud grows (7 px at 100 points, 4 px at 20 000)."""
    return float(np.clip(9.6 - 1.3 * np.log10(max(n_points, 1)), 3.0, 7.0))


class CloudLayer(Layer):
    """Draws (N, 2) points as a scatter or a raster, coloured plain, by component or by uncertainty."""

    inputs = frozenset({"data", "labels", "colouring", "shown"})

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__(plot_item)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self._scatter_style: list[tuple | None] = []
        self._scatter_drawn: tuple | None = None
        self.raster_image = pg.ImageItem(axisOrder="row-major")
        # The raster spans the view, so it must not count for auto-range (it would zoom out forever).
        self.add(self.raster_image, Z_CLOUD_RASTER, ignore_bounds=True, cached=False)
        self._source: np.ndarray | None = None
        self._capacity = 0  # rows the per-point arrays are sized for (see capacity_of)
        self._per_bin = None  # (binning it belongs to, points done, their categories, per-bin array, bins written)
        self._dims = (0, 1)
        self._xs = self._ys = None
        self._x = self._y = None
        self._n = 0
        self._region: RasterRegion | None = None
        self._bins: tuple[RasterRegion, _Growing, _Growing, np.ndarray] | None = None
        """(region, flat bins of the points inside, inside mask of every binned point, counts)."""
        self._groups: tuple[np.ndarray | None, Colours] = (None, [PLAIN_POINT])
        self._raster_drawn: tuple | None = None
        self.drawn_as: str | None = None
        """What the last `draw` produced: "scatter", "raster" or None (nothing)."""

    def set_points(self, points: np.ndarray | None, dims: tuple[int, int] = (0, 1)) -> None:
        """Columns `dims` of `points` (N, D) are the (x, y) to draw, kept as float32 (half the memory
        traffic when binning). Points that extend the previous ones in place add only their new rows."""
        if points is None or len(points) == 0 or points.ndim != 2 or points.shape[1] <= max(dims):
            self._source = self._xs = self._ys = self._x = self._y = self._bins = self._scatter_drawn = None
            self._n = 0
            return
        if self._source is not None and tuple(dims) == self._dims and extends(points, self._source):
            self._xs.append(points[self._n :, dims[0]].astype(np.float32))
            self._ys.append(points[self._n :, dims[1]].astype(np.float32))
        else:
            capacity = capacity_of(points)
            self._xs = _Growing(points[:, dims[0]].astype(np.float32), capacity)
            self._ys = _Growing(points[:, dims[1]].astype(np.float32), capacity)
            self._bins = self._scatter_drawn = None
        self._capacity = capacity_of(points)
        self._source, self._dims = points, tuple(dims)
        self._x, self._y = self._xs.view(), self._ys.view()
        self._n = len(points)

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        if changed & {"data", "shown"}:
            data = scene.data
            self.set_points(None if data is None else data.points, scene.shown)
        mode = scene.data.cloud_mode if scene.data is not None else "scatter"
        self.draw_cloud(mode, scene.colouring, scene.labels, scene.view_rect, scene.view_pixels)

    def draw_cloud(
        self, cloud_mode: str, colouring: str, labels: PointLabels | None, view_rect: Rect, view_pixels: tuple[int, int]
    ) -> None:
        """Redraw: `cloud_mode` "scatter" or "raster" (Dataset.cloud_mode); `labels` for these points
        or None (drawn plain); `view_rect` (x0, y0, w, h) and `view_pixels` (cols, rows) size the raster."""
        if self._x is None:
            self._clear_scatter(0)
            self._clear_raster()
            self.drawn_as = None
            return
        self._groups = colour_groups(colouring, labels)
        if cloud_mode == "raster":
            self._clear_scatter(0)
            if self._region is None or self._region.fits(view_rect, view_pixels) != "sharp":
                self._region = RasterRegion.around(view_rect, view_pixels)
            self._draw_raster()
            self.drawn_as = "raster"
        else:
            self._clear_raster()
            self._draw_scatter(*self._groups, ordered=colouring == "uncertainty")
            self.drawn_as = "scatter"

    def follow_view(self, scene: Scene, settled: bool) -> bool:
        """The view moved (raster only). Re-bins now when the bins no longer cover it or are too far
        from one per pixel, or when `settled` and they are not sharp; True when the caller should
        call again with settled=True once the view stops moving."""
        view_rect, view_pixels = scene.view_rect, scene.view_pixels
        if self.drawn_as != "raster" or self._region is None:
            return False
        fit = self._region.fits(view_rect, view_pixels)
        if fit == "sharp":
            return False
        if fit == "stretched" and not settled:
            return True
        self._region = RasterRegion.around(view_rect, view_pixels)
        self._draw_raster()
        return False

    # ---------------------------------------------------------------- scatter
    def _scatter(self, index: int) -> pg.ScatterPlotItem:
        while len(self.scatter_items) <= index:
            item = pg.ScatterPlotItem(pen=None, symbol="o", pxMode=True, antialias=True)
            self.add(item, Z_CLOUD_POINTS)
            self.scatter_items.append(item)
            self._scatter_style.append(None)
        return self.scatter_items[index]

    def _draw_scatter(self, categories: np.ndarray | None, colours: Colours, ordered: bool) -> None:
        drawn = (self._n, categories, tuple(colours), ordered)
        previous = self._scatter_drawn
        start = 0
        if previous is not None and previous[2:] == drawn[2:] and previous[0] <= self._n:
            done, before = previous[0], previous[1]
            if before is categories or (
                before is not None and categories is not None and np.array_equal(before[:done], categories[:done])
            ):
                start = done  # the drawn points keep their groups: add the new ones only
                if start == self._n:
                    return
        self._scatter_drawn = drawn
        size = point_size(self._n)
        for c, rgb in enumerate(colours):
            item = self._scatter(c)
            if categories is None:
                x, y = self._x[start:], self._y[start:]
            else:
                chosen = categories[start:] == c
                x, y = self._x[start:][chosen], self._y[start:][chosen]
            if start:
                if x.size:
                    item.addPoints(x=x, y=y)
                self.show_content(item, len(item.data) > 0)
                continue
            style = (rgb, size)
            if self._scatter_style[c] != style:
                item.clear()  # restyling existing points would recompute every point's symbol first
                item.setBrush(pg.mkBrush(*rgb, POINT_ALPHA))
                item.setSize(size)
                self._scatter_style[c] = style
            item.setData(x=x, y=y)
            # Uncertainty: the uncertain points (higher steps) on top, where they can be seen.
            item.setZValue(Z_CLOUD_POINTS + (0.01 * c if ordered else 0.0))
            self.show_content(item, x.size > 0)
        self._clear_scatter(len(colours))

    def _clear_scatter(self, start: int) -> None:
        if start == 0:
            self._scatter_drawn = None
        for item in self.scatter_items[start:]:
            if item.data.size:
                item.setData(x=np.empty(0), y=np.empty(0))  # unlike clear(), tells auto-range
            self.show_content(item, False)

    def scatter_groups(self) -> list[tuple[tuple[int, int, int], np.ndarray, np.ndarray]]:
        """(colour, x, y) of every non-empty scatter item, as drawn."""
        groups = []
        for item in self.scatter_items:
            x, y = item.getData()
            if x is not None and len(x):
                groups.append((item.opts["brush"].color().getRgb()[:3], np.asarray(x), np.asarray(y)))
        return groups

    # ---------------------------------------------------------------- raster
    def _binned(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(flat bins, inside mask, counts) of every point in the current region; new rows only are binned."""
        region, n_bins = self._region, self._region.rows * self._region.cols
        if self._bins is None or self._bins[0] != region:
            bins, inside = bin_points(self._x, self._y, region.rect, (region.rows, region.cols))
            grown = (_Growing(bins, self._capacity), _Growing(inside, self._capacity))
            self._bins = (region, *grown, np.bincount(bins, minlength=n_bins))
        _, bins, inside, counts = self._bins
        done = inside.n
        if done < self._n:
            new_bins, new_inside = bin_points(self._x[done:], self._y[done:], region.rect, (region.rows, region.cols))
            bins.append(new_bins)
            inside.append(new_inside)
            np.add.at(counts, new_bins, 1)
        return bins.view(), inside.view(), counts

    def _draw_raster(self) -> None:
        region = self._region
        categories, colours = self._groups
        drawn = (region, self._source, self._n, categories, tuple(colours))
        previous = self._raster_drawn
        if (
            previous is not None
            and previous[0] == region
            and previous[1] is self._source
            and previous[2] == self._n
            and previous[3] is categories
            and previous[4] == drawn[4]
        ):
            return  # a new fit whose labels are still being computed: the image would come out the same
        self._raster_drawn = drawn
        bins, inside, counts = self._binned()
        lut, steps = raster_lut(colours)
        per_bin = self._bin_categories(categories, bins, inside, region.rows * region.cols)
        codes = encode_raster(bins, region.rows * region.cols, None, steps, counts, per_bin)
        self.raster_image.setImage(
            codes.reshape(region.rows, region.cols),
            rect=QRectF(*region.rect),
            levels=(0, 255),
            lut=lut,
            autoLevels=False,
        )
        self.show_content(self.raster_image, True)

    def _bin_categories(
        self, categories: np.ndarray | None, bins: np.ndarray, inside: np.ndarray, n_bins: int
    ) -> np.ndarray | None:
        """(n_bins,) the category of the last point in each bin. While samples only grow and the
        earlier points keep their categories, only the new points are written (a pass over all 1e6
        points cost ~4 ms a sampler batch)."""
        if categories is None:
            self._per_bin = None
            return None
        cache, n = self._per_bin, self._n
        fresh = (
            cache is None
            or cache[0] is not self._bins
            or cache[1] > n
            or not (cache[2] is categories or np.array_equal(cache[2][: cache[1]], categories[: cache[1]]))
        )
        if fresh:
            per_bin, done, written = np.zeros(n_bins, dtype=np.uint8), 0, 0
        else:
            _, done, _, per_bin, written = cache
        new_inside = inside[done:n]
        new_bins = bins[written : written + int(np.count_nonzero(new_inside))]
        per_bin[new_bins] = categories[done:n][new_inside]
        self._per_bin = (self._bins, n, categories, per_bin, written + len(new_bins))
        return per_bin

    def raster_region(self) -> RasterRegion | None:
        return self._region if self.drawn_as == "raster" else None

    def _clear_raster(self) -> None:
        if self.raster_image.image is not None:
            self.raster_image.clear()
        self.show_content(self.raster_image, False)
        self._region = self._raster_drawn = None
