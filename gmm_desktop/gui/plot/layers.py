"""Plot layers: named groups of plot items shown or hidden together, drawn from one `Scene`.

A layer's items are made once and reused. Each item also has its own "has content" flag (a scatter of
the raster mode, a ninth ellipse of a now 2-component fit): an item is drawn only when its layer is
visible *and* it has content, so the user's toggle and the data never fight over `setVisible`, and
hidden items cost nothing to paint. Which layers exist, in what order, is said once in `registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gmm_desktop.core.labels import PointLabels
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import FitContours, TargetDensity

# Stacking order, back to front: the density image stays underneath, handles and the readout on top.
Z_DENSITY_IMAGE = -10
Z_CLOUD_RASTER = -4
Z_TARGET_CONTOURS = -3
Z_CLOUD_POINTS = 0
Z_FIT_CONTOURS = 2
Z_TARGET_ELLIPSES = 3
Z_FIT_ELLIPSES = 4
Z_CHAIN_PATH = 5
Z_MEANS = 6
Z_HANDLES = 7
Z_READOUT = 10


@dataclass(frozen=True, eq=False)
class Scene:
    """Everything the layers draw, read from the state once per redraw. target and fit: their 2-D
    marginals over the shown columns; labels: P(i|x) labels of exactly `data.points`, else None;
    visible: each layer's effective visibility; view_rect (x0, y0, w, h) and view_pixels (cols, rows)."""

    target: Mixture | None = None
    fit: Mixture | None = None
    data: Dataset | None = None
    shown: tuple[int, int] = (0, 1)
    labels: PointLabels | None = None
    colouring: str = "cluster"
    density: TargetDensity | None = None
    fit_contours: FitContours | None = None
    chain_tail: np.ndarray | None = None
    visible: Mapping[str, bool] = field(default_factory=dict)
    view_rect: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    view_pixels: tuple[int, int] = (1, 1)


def cache_painting(item: QGraphicsItem) -> None:
    """Paint `item` from a pixmap Qt keeps until the item or the view changes.

    Antialiased, dashed and haloed paths cost ~0.3 ms each and a plot holds dozens: a full repaint
    took 12-16 ms, of which the target's contours and ellipses (unchanged while sampling or fitting)
    were most. Cached, a repaint that only moves the fit's ellipses costs what those ellipses cost.
    """
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class Layer:
    """Items added through `add` follow `set_visible`; `show_content` marks an item empty or not.

    Subclasses draw a `Scene`: `inputs` names the scene parts they depend on (the plot redraws a
    layer when one of them changed), `draw(scene, changed)` draws them."""

    inputs: frozenset[str] = frozenset()

    def __init__(self, plot_item: pg.PlotItem, cached: bool = True) -> None:
        """cached: paint the items from pixmaps (`cache_painting`); not for layers that change with
        every EM step, where re-caching each frame costs more than drawing."""
        self._plot_item = plot_item
        self._cached = cached
        self._items: list[QGraphicsItem] = []
        self._has_content: dict[int, bool] = {}
        self._visible = True

    def add(
        self, item: QGraphicsItem, z: float, ignore_bounds: bool = False, cached: bool | None = None
    ) -> QGraphicsItem:
        """Put `item` on the plot at depth `z`; it starts without content (hidden). `cached`
        overrides the layer's choice (an image that changes with every sampler batch is not)."""
        if self._cached if cached is None else cached:
            cache_painting(item)
        item.setZValue(z)
        self._plot_item.addItem(item, ignoreBounds=ignore_bounds)
        self._items.append(item)
        self._has_content[id(item)] = False
        item.setVisible(False)
        return item

    def show_content(self, item: QGraphicsItem, has_content: bool) -> None:
        self._has_content[id(item)] = has_content
        item.setVisible(self._visible and has_content)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        for item in self._items:
            item.setVisible(visible and self._has_content[id(item)])

    @property
    def visible(self) -> bool:
        return self._visible

    def items(self) -> list[QGraphicsItem]:
        return list(self._items)

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        """Draw what `scene` holds for this layer (`changed`: which of its inputs changed)."""

    def follow_view(self, scene: Scene, settled: bool) -> bool:
        """The view moved; True when the layer wants a call with settled=True once it stops."""
        return False
