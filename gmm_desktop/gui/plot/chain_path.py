"""The last steps of one Metropolis-Hastings chain: the walk as a line, accepted and rejected steps marked.

`points` are the chain's successive states and `accepted[t]` tells whether the proposal made at step
t was taken; a rejected step leaves the chain where it was, so it is drawn as a red cross on the spot
where the chain stayed (a hollow marker would hide under the accepted dot of the same place).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gmm_desktop.gui.plot.layers import Z_CHAIN_PATH, Layer, Scene

PATH_PEN = pg.mkPen((30, 30, 30, 110), width=1.0)
ACCEPTED_BRUSH = pg.mkBrush(30, 30, 30, 170)
REJECTED_PEN = pg.mkPen((200, 30, 30), width=1.8)


class ChainPathLayer(Layer):
    """A PlotCurveItem for the walk and two ScatterPlotItems (accepted dots, rejected red crosses)."""

    inputs = frozenset({"chain"})

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__(plot_item)
        self.path = pg.PlotCurveItem(pen=PATH_PEN, antialias=True)
        self.accepted = pg.ScatterPlotItem(symbol="o", size=4, pen=None, brush=ACCEPTED_BRUSH)
        self.rejected = pg.ScatterPlotItem(symbol="x", size=9, pen=REJECTED_PEN, brush=pg.mkBrush(200, 30, 30))
        self.current = pg.ScatterPlotItem(
            symbol="o", size=10, pen=pg.mkPen("k", width=1.5), brush=pg.mkBrush(255, 255, 255, 230)
        )
        for offset, item in enumerate((self.path, self.accepted, self.rejected, self.current)):
            self.add(item, Z_CHAIN_PATH + 0.1 * offset, ignore_bounds=True)
        self.drawn: str | None = None
        """What is drawn, for the plot's key: None, "path" (the line alone) or "steps" (with flags)."""

    def draw(self, scene: Scene, changed: frozenset[str]) -> None:
        tail = scene.chain_tail
        self.set_path(tail if tail is not None and len(tail) else None, None)

    def set_path(self, points: np.ndarray | None, accepted: np.ndarray | None) -> None:
        """points (M, 2) chain states in order; accepted (M,) bool, or None to draw the line alone."""
        if points is None or len(points) == 0:
            for item in (self.path, self.accepted, self.rejected, self.current):
                item.setData(x=np.empty(0), y=np.empty(0))
                self.show_content(item, False)
            self.drawn = None
            return
        points = np.asarray(points, dtype=np.float64)[:, :2]
        self.path.setData(points[:, 0], points[:, 1])
        self.show_content(self.path, True)
        if accepted is None:
            taken, refused = points[:0], points[:0]  # no flags: the line alone says where the chain went
        else:
            accepted = np.asarray(accepted, dtype=bool)
            if accepted.shape != (len(points),):
                raise ValueError(f"accepted must have shape ({len(points)},), got {accepted.shape}")
            taken, refused = points[accepted], points[~accepted]
        self.drawn = "path" if accepted is None else "steps"
        for item, chosen in ((self.accepted, taken), (self.rejected, refused), (self.current, points[-1:])):
            item.setData(x=chosen[:, 0], y=chosen[:, 1])
            self.show_content(item, len(chosen) > 0)
