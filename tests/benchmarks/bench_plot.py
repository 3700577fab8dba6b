"""The sample cloud, ms per frame (redraw + paint of an 800x600 plot) at 1e4, 1e5 and 1e6 points.

Run: pytest tests/benchmarks -s -o python_files='bench_*.py'. Three figures per size:
- naive: one ScatterPlotItem with a brush per point (what a first version would write), setData + paint;
- pan: our plot while the view moves one pixel a frame (inside the raster's margin: a repaint);
- zoom: the view zooms 5 % a frame and the raster is re-binned at once (the worst frame: what a
  settled zoom, or a pan that leaves the margin, costs);
- recolour: our plot switching "cluster" <-> "uncertainty" (labels cached, re-encode + paint);
- sampling: a sampler batch of 1000 more points arrives each frame (buffer grown in place, cluster
  colours under the target);
and, once per data set, the cost of a new data set with its labels (spread over event-loop turns by
the labeller, so it never blocks the GUI for that long). Goal: <= 16 ms a frame at 1e6 points.
Times are printed, never asserted.
"""

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from gmm_desktop.core.mixture import article_demo
from gmm_desktop.gui.plot.mixture_plot import MixturePlot
from gmm_desktop.gui.plot.palette import component_rgb
from gmm_desktop.workspace.data import Dataset, GrowingPoints

from .timing import median_seconds, report

SIZES = (10_000, 100_000, 1_000_000)


@pytest.fixture
def plot(plot):
    """The shared plot (tests/conftest.py), with the demo target's ellipses drawn. Its density image,
    contours and colour bar are hidden: the cloud's cost is measured, as it was before the plot drew
    the state's density by itself."""
    plot.state.set_target(article_demo())
    for layer in ("image", "contours", "colorbar"):
        plot.state.set_layer_visible(layer, False)
    plot.flush()
    return plot


def naive_frame_ms(plot: MixturePlot, X: np.ndarray, labels: np.ndarray, repeats: int) -> float:
    brushes = [pg.mkBrush(*component_rgb(k), 215) for k in range(2)]
    per_point = [brushes[k] for k in labels]
    scatter = pg.ScatterPlotItem(pen=None, size=4)
    plot.plot_item.addItem(scatter)

    def frame():
        scatter.setData(pos=X, brush=per_point)
        plot.grab()

    seconds = median_seconds(frame, repeats)
    plot.plot_item.removeItem(scatter)
    return seconds * 1e3


@pytest.mark.parametrize("n", SIZES)
def test_cloud_frame_times(plot, n):
    target = article_demo()
    X = target.sample(n, 0)[0]
    data = Dataset(X, "exact")

    def new_data():
        plot.state.set_data(Dataset(X.copy(), "exact"))
        plot.flush()
        plot.grab()

    new_data_ms = median_seconds(new_data, 3) * 1e3
    plot.state.set_data(data)
    plot.flush()
    view_box = plot.plot_item.getViewBox()
    step = view_box.mapSceneToView(QPointF(1, 0)).x() - view_box.mapSceneToView(QPointF(0, 0)).x()

    def pan():
        x0, x1 = view_box.viewRange()[0]
        view_box.setXRange(x0 + step, x1 + step, padding=0)
        plot.flush()
        plot.grab()

    factors = iter((1.05, 1 / 1.05) * 100)
    regions = []

    def zoom():
        factor = next(factors)
        view_box.scaleBy((factor, factor))
        plot.flush()  # flush() re-bins a stretched raster at once, as the settle timer would
        regions.append(plot.cloud.raster_region())
        plot.grab()

    modes = iter(("uncertainty", "cluster") * 100)

    def recolour():
        plot.state.set_colouring(next(modes))
        plot.flush()
        plot.grab()

    buffer = GrowingPoints(2)
    buffer.append(X, np.zeros(n, dtype=np.int64))
    batches = iter(target.sample(1000 * 20, 9)[0].reshape(20, 1000, 2))

    def sampling():
        buffer.append(next(batches), np.zeros(1000, dtype=np.int64))
        points, chains = buffer.view()
        plot.state.set_data(Dataset(points, "mcmc", chain_ids=chains))
        plot.flush()
        plot.grab()

    sampling_ms = median_seconds(sampling, 7) * 1e3
    plot.state.set_data(data)
    plot.flush()
    pan_ms = median_seconds(pan, 7) * 1e3
    zoom_ms = median_seconds(zoom, 7) * 1e3
    assert n < 100_000 or len({id(region) for region in regions}) == len(regions), "every zoom frame must re-bin"
    recolour_ms = median_seconds(recolour, 7) * 1e3
    naive_ms = naive_frame_ms(plot, X, target.predict(X), 3 if n >= 1_000_000 else 5)
    print(
        f"\ncloud {n:.0e} points ({plot.cloud.drawn_as}): pan {pan_ms:.1f} ms/frame, zoom + re-bin "
        f"{zoom_ms:.1f} ms/frame, recolour {recolour_ms:.1f} ms/frame, sampling {sampling_ms:.1f} ms/frame, "
        f"new data + labels {new_data_ms:.0f} ms once"
    )
    report(f"cloud {n:.0e} points, re-binned frame", "naive per-point-brush scatter", naive_ms, zoom_ms, "ms", goal=1)
