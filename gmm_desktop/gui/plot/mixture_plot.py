"""The central plot: target density (image, contours, colour bar), the sample cloud, target and fit
ellipses, fitted contours, means, a chain's path and a hover readout of P(i|x).

Contour lines come from the core (contourpy) and are drawn as one `PlotCurveItem` per level with
`connect="finite"`; pyqtgraph's IsocurveItem would run marching squares inside paint() on the GUI
thread (170 ms a frame against 4 ms, shared/QT_ON_DEBIAN.md). Items are created once and updated
in place.

The setters (`set_target`, `set_data`, `set_fit`, ...) only store the new value and ask for a
redraw; the drawing runs at most ~30 times a second (`Throttle`), with the newest values, so a fit
that reports every EM iteration or a sampler that reports every batch never builds a backlog. The
plot shows the state and reports gestures (`mean_dragged`, `probed`); it never changes the state.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QTimer, Signal

from gmm_desktop.core.density import DensityGrid
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.plot.chain_path import ChainPathLayer
from gmm_desktop.gui.plot.cloud import COLOURINGS, CloudLayer
from gmm_desktop.gui.plot.contours import ContourLayer, fit_contour_lines
from gmm_desktop.gui.plot.ellipses import EllipseLayer, MeanMarkers, shown_marginal
from gmm_desktop.gui.plot.handles import MeanHandles
from gmm_desktop.gui.plot.key import PlotKey
from gmm_desktop.gui.plot.labels import Labeller, PointLabels
from gmm_desktop.gui.plot.layers import (
    LAYER_NAMES,
    Z_DENSITY_IMAGE,
    Z_FIT_ELLIPSES,
    Z_MEANS,
    Z_TARGET_CONTOURS,
    Z_TARGET_ELLIPSES,
    Layer,
    cache_painting,
)
from gmm_desktop.gui.plot.palette import TARGET_RGB
from gmm_desktop.gui.plot.readout import ProbeReadout
from gmm_desktop.gui.state.app_state import Dataset, FitState
from gmm_desktop.gui.state.throttle import Throttle

TARGET_LAYERS = ("image", "contours", "colorbar", "target_ellipses")
"""Layers of the target mixture (its mean handles, in "means", go with them)."""

FRAME_SAMPLE = 20_000
"""File data is framed on the 0.5-99.5 % range of at most this many evenly spread points (1e6: 70 ms)."""
DENSITY_COLORMAP = "CET-L17"
CONTOUR_PEN = pg.mkPen((40, 40, 60, 170), width=1.2)
CONTOUR_PEN_UNDER_POINTS = pg.mkPen((40, 40, 60, 80), width=1.0)
IMAGE_OPACITY_UNDER_POINTS = 0.4
"""The density image and the target's contours are faded while points are drawn over them, so the
component colours stay readable."""

RASTER_SETTLE_MS = 150


class MixturePlot(pg.GraphicsLayoutWidget):
    """Plot of a 2-D mixture and its samples, equal axis scales, y pointing up.

    Signals: mean_dragged(index, (x, y), finished) while the user drags a target mean (finished is
    True once, on release); probed((x, y, probabilities)) when the cursor hovers or clicks a point.
    """

    mean_dragged = Signal(int, object, bool)
    probed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mixturePlot")
        self.plot_item: pg.PlotItem = self.addPlot(row=0, col=0)
        self.plot_item.setLabel("bottom", "x")
        self.plot_item.setLabel("left", "y")
        self.plot_item.setAspectLocked(True)
        self.plot_item.hideButtons()
        self.density_image = pg.ImageItem()
        self.density_image.setZValue(Z_DENSITY_IMAGE)
        self.plot_item.addItem(self.density_image)
        self.color_bar = pg.ColorBarItem(
            colorMap=pg.colormap.get(DENSITY_COLORMAP), label="density P(x, y)", interactive=False, width=18
        )
        self.color_bar.setImageItem(self.density_image, insert_in=self.plot_item)
        self.contour_curves: list[pg.PlotCurveItem] = []
        self._contours_visible = True
        self._contour_pen = CONTOUR_PEN

        self.cloud = CloudLayer(self.plot_item)
        self.target_ellipses = EllipseLayer(self.plot_item, Z_TARGET_ELLIPSES, dashed=True, rgb=TARGET_RGB)
        self.fit_ellipses = EllipseLayer(self.plot_item, Z_FIT_ELLIPSES, dashed=False)
        self.fit_contours = ContourLayer(self.plot_item)
        self.fit_means = MeanMarkers(self.plot_item, Z_MEANS)
        self.handles = MeanHandles(Layer(self.plot_item), self)
        self.handles.dragged.connect(self.mean_dragged)
        self.chain_path = ChainPathLayer(self.plot_item)
        self.readout = ProbeReadout(self.plot_item)
        self.key = PlotKey(self.plot_item.getViewBox())
        self._layers: dict[str, list[Layer]] = {
            "points": [self.cloud],
            "target_ellipses": [self.target_ellipses],
            "fit_ellipses": [self.fit_ellipses],
            "fit_contours": [self.fit_contours],
            "means": [self.fit_means, self.handles.layer],
            "chain_path": [self.chain_path],
            "readout": [self.readout],
        }
        self._visible = dict.fromkeys(LAYER_NAMES, True)
        self._target_hidden = False
        self._framed: Dataset | None = None

        self._target: Mixture | None = None
        self._data: Dataset | None = None
        self._fit: FitState | None = None
        self._fit_mixture: Mixture | None = None
        self._colouring = "cluster"
        self._chain: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
        self._dirty: set[str] = set()
        self._in_redraw = False
        self.labeller = Labeller(self)
        self.labeller.ready.connect(self._on_labels_ready)
        self._throttle = Throttle(self._redraw, parent=self)
        # A raster shown stretched while the view moves is re-binned once the view has been still this long.
        self._settle = QTimer(self)
        self._settle.setObjectName("rasterSettle")
        self._settle.setSingleShot(True)
        self._settle.setInterval(RASTER_SETTLE_MS)
        self._settle.timeout.connect(self._on_view_settled)
        view_box = self.plot_item.getViewBox()
        view_box.sigRangeChanged.connect(self._on_view_changed)
        view_box.sigResized.connect(self._on_view_changed)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # ---------------------------------------------------------------- target density (drawn at once)
    def show_density(self, grid: DensityGrid, lines: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Draw `grid` as the filled image and `lines` (one (x, y) pair per level) as contours."""
        self.density_image.setImage(grid.values, rect=QRectF(*grid.rect), autoLevels=False)
        self.color_bar.setLevels((0.0, float(grid.values.max())))
        self._ensure_curves(len(lines))
        for curve, (x, y) in zip(self.contour_curves, lines):
            curve.setData(x, y, connect="finite")

    def _ensure_curves(self, count: int) -> None:
        while len(self.contour_curves) < count:
            curve = pg.PlotCurveItem(pen=self._contour_pen)
            cache_painting(curve)
            curve.setZValue(Z_TARGET_CONTOURS)
            curve.setVisible(self.contours_visible())
            self.plot_item.addItem(curve)
            self.contour_curves.append(curve)
        for curve in self.contour_curves[count:]:
            curve.setData([], [])

    def frame(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show exactly this region (aspect stays locked, so one side may gain margin)."""
        self.plot_item.setRange(xRange=x_range, yRange=y_range, padding=0.02)

    # ---------------------------------------------------------------- what to show (redrawn on the throttle)
    def set_target(self, mixture: Mixture | None) -> None:
        """The target's dashed 1/2-sigma ellipses and its draggable means; also what the readout and
        the colouring use while there is no fit."""
        self._target = mixture
        self._request("target")

    def set_data(self, dataset: Dataset | None) -> None:
        """The points to draw: a scatter, or a raster when `dataset.cloud_mode == "raster"`."""
        self._data = dataset
        self._request("data")

    def set_fit(self, fit: FitState | None) -> None:
        """The fit (called for every EM step): solid ellipses, means, fitted contours, point colours."""
        self._fit = fit
        self._fit_mixture = None
        self._request("fit")

    def set_colouring(self, mode: str) -> None:
        """Colour the points "plain", by "cluster" (argmax P(i|x)) or by "uncertainty" (1 - max P(i|x)),
        under the fit, or under the target while there is no fit."""
        if mode not in COLOURINGS:
            raise ValueError(f"colouring must be one of {', '.join(COLOURINGS)}, got {mode!r}")
        self._colouring = mode
        self._request("colouring")

    def colouring(self) -> str:
        return self._colouring

    def set_chain_path(self, points: np.ndarray | None, accepted: np.ndarray | None = None) -> None:
        """The last steps of one chain: states (M, 2) in order and whether each step was accepted (M,)."""
        if points is not None and accepted is not None and len(accepted) != len(points):
            raise ValueError(f"accepted has {len(accepted)} entries for {len(points)} points")
        self._chain = (points, accepted)
        self._request("chain")

    def set_chain_path_visible(self, visible: bool) -> None:
        self.set_layer_visible("chain_path", visible)

    def is_dragging(self) -> bool:
        """True while the user drags a target mean (the window should not re-frame the view then)."""
        return self.handles.dragging() is not None

    def flush(self) -> None:
        """Draw everything pending now, labels and a sharp raster included (tests, screenshots, exports)."""
        self._throttle.flush()
        if self.labeller.pending():
            self.labeller.finish()
        if self._settle.isActive():
            self._settle.stop()
            self._request("settle")
        self._throttle.flush()

    # ---------------------------------------------------------------- the mixture behind colours and readout
    def fit_mixture(self) -> Mixture | None:
        """The fitted mixture in all its dimensions (made once per FitState)."""
        if self._fit is not None and self._fit_mixture is None:
            self._fit_mixture = self._fit.mixture
        return self._fit_mixture

    def shown_mixture(self, mixture: Mixture | None) -> Mixture | None:
        """The 2-D marginal of `mixture` over the displayed coordinates (None for a 1-D mixture)."""
        return shown_marginal(mixture, self._data.display if self._data is not None else (0, 1))

    def reference_mixture(self) -> tuple[Mixture | None, str]:
        """(mixture, "fit" or "target") that P(i|x) is computed under: the fit when there is one."""
        fit = self.fit_mixture()
        return (fit, "fit") if fit is not None else (self._target, "target")

    def probe(self, x: float, y: float) -> list[float]:
        """P(i|x) at the displayed point (x, y) for every component of the fit (else the target);
        empty when there is neither. For data of more than 2 dimensions, under the shown marginal."""
        mixture = self.shown_mixture(self.reference_mixture()[0])
        if mixture is None:
            return []
        return mixture.responsibilities(np.array([[x, y]], dtype=np.float64))[0].tolist()

    def point_labels(self) -> PointLabels | None:
        """The labels the cloud is coloured by: for the current points, maybe of the previous fit
        while the new one is being computed; None when there are none for these points."""
        labels = self.labeller.result()
        if labels is None or self._data is None or labels.points is not self._data.points:
            return None
        return labels

    # ---------------------------------------------------------------- layers
    def layer_names(self) -> tuple[str, ...]:
        return LAYER_NAMES

    def set_layer_visible(self, name: str, visible: bool) -> None:
        """The user's toggle of a layer; the target's layers also hide while file data is shown."""
        if name not in self._visible:
            raise ValueError(f"unknown layer {name!r}; layers are: {', '.join(LAYER_NAMES)}")
        self._visible[name] = visible
        visible = self._shown(name)
        if name == "image":
            self.density_image.setVisible(visible)
        elif name == "contours":
            self._contours_visible = visible
            for curve in self.contour_curves:
                curve.setVisible(visible)
        elif name == "colorbar":
            self.color_bar.setVisible(visible)
        elif name == "legend":
            self.key.set_visible(visible)
        else:
            for layer in self._layers[name]:
                layer.set_visible(visible)
            if name == "means":
                self.handles.layer.set_visible(visible and not self._target_hidden)
            if name == "points":
                self._update_image_opacity()
            elif name == "fit_contours" and visible:
                self._request("fit")  # hidden fitted contours are not computed
            elif name == "readout" and not visible:
                self.readout.hide()
        self._update_key()

    def _shown(self, name: str) -> bool:
        return self._visible[name] and not (self._target_hidden and name in TARGET_LAYERS)

    def _show_data_context(self, data: Dataset | None) -> None:
        """Axis names from the data's columns; the target's density and ellipses hidden under file data,
        which no target generated (the File menu's data has nothing to do with the demo mixture)."""
        names = (
            ("x", "y")
            if data is None
            else tuple(data.columns[i] if i < len(data.columns) else "?" for i in data.display)
        )
        for axis, name in zip(("bottom", "left"), names):
            if self.plot_item.getAxis(axis).labelText != name:  # a new label re-lays out the axis
                self.plot_item.setLabel(axis, name)
        # Data in other coordinates than the target's (a file, or points painted over one) hides it.
        hidden = data is not None and (data.origin == "file" or tuple(data.columns[:2]) != ("x", "y"))
        if data is not None and data.origin == "file" and data is not self._framed:
            self._framed = data  # framed once, when it arrives; the user's zoom is left alone after
            shown = data.points[:: max(1, data.n_points // FRAME_SAMPLE), list(data.display)]
            low, high = np.percentile(shown, [0.5, 99.5], axis=0)
            pad = 0.08 * (high - low) + 0.5 * (high - low < 1e-6 * np.maximum(1.0, np.abs(high)))  # one value: +-0.5
            self.frame((low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1]))
        if hidden != self._target_hidden:
            self._target_hidden = hidden
            for name in (*TARGET_LAYERS, "means"):
                self.set_layer_visible(name, self._visible[name])

    def layer_visible(self, name: str) -> bool:
        return self._visible[name]

    def set_image_visible(self, visible: bool) -> None:
        self.set_layer_visible("image", visible)

    def set_contours_visible(self, visible: bool) -> None:
        self.set_layer_visible("contours", visible)

    def contours_visible(self) -> bool:
        return self._contours_visible

    def set_color_bar_visible(self, visible: bool) -> None:
        self.set_layer_visible("colorbar", visible)

    # ---------------------------------------------------------------- drawing
    def _request(self, what: str) -> None:
        if getattr(self, "closed", False):
            return
        self._dirty.add(what)
        self._throttle.request()

    def _redraw(self) -> None:
        if getattr(self, "closed", False):
            return  # the items are gone (pyqtgraph's close)
        dirty, self._dirty = self._dirty, set()
        self._in_redraw = True
        try:
            if dirty & {"target", "data"}:
                shown = self.shown_mixture(self._target)
                self.target_ellipses.set_mixture(shown)
                self.handles.set_means(None if shown is None else shown.means)
            if dirty & {"fit", "data"}:
                self._draw_fit()
            if "data" in dirty:
                data = self._data
                self._show_data_context(data)
                self.cloud.set_points(None if data is None else data.points, (0, 1) if data is None else data.display)
            if dirty & {"target", "fit", "data", "colouring"}:
                self._request_labels()
            if dirty & {"target", "fit", "data", "colouring", "labels"}:
                self._draw_cloud()
            elif dirty & {"view", "settle"}:
                rect, pixels = self._view_geometry()
                if self.cloud.follow_view(rect, pixels, settled="settle" in dirty):
                    self._settle.start()
            if "chain" in dirty:
                self.chain_path.set_path(*self._chain)
            self._update_key()
        finally:
            self._in_redraw = False

    def _draw_fit(self) -> None:
        shown = self.shown_mixture(self.fit_mixture())
        self.fit_ellipses.set_mixture(shown)
        self.fit_means.set_means(None if shown is None else shown.means)
        draw_contours = shown is not None and self._visible["fit_contours"]
        self.fit_contours.set_lines(fit_contour_lines(shown) if draw_contours else None)

    def _request_labels(self) -> None:
        if self._data is None or self._colouring == "plain":
            self.labeller.request(None, None)
            return
        self.labeller.request(self.reference_mixture()[0], self._data.points)

    def _view_geometry(self) -> tuple[tuple[float, float, float, float], tuple[int, int]]:
        """The view's rect (x0, y0, width, height) in data units and its size (cols, rows) in pixels."""
        view_box = self.plot_item.getViewBox()
        rect = view_box.viewRect()
        return (rect.x(), rect.y(), rect.width(), rect.height()), (round(view_box.width()), round(view_box.height()))

    def _draw_cloud(self) -> None:
        cloud_mode = self._data.cloud_mode if self._data is not None else "scatter"
        self.cloud.draw(cloud_mode, self._colouring, self.point_labels(), *self._view_geometry())
        self._update_image_opacity()

    def _update_image_opacity(self) -> None:
        under_points = self._data is not None and self._data.n_points > 0 and self._visible["points"]
        self.density_image.setOpacity(IMAGE_OPACITY_UNDER_POINTS if under_points else 1.0)
        pen = CONTOUR_PEN_UNDER_POINTS if under_points else CONTOUR_PEN
        if pen is not self._contour_pen:
            self._contour_pen = pen
            for curve in self.contour_curves:
                curve.setPen(pen)

    def _update_key(self) -> None:
        visible = self._visible
        self.key.update(
            target=self._target is not None and self._shown("target_ellipses"),
            fit=self._fit is not None and visible["fit_ellipses"],
            uncertainty=self._colouring == "uncertainty" and visible["points"] and self.point_labels() is not None,
            chain=self._chain_key() if visible["chain_path"] else None,
        )

    def _chain_key(self) -> str | None:
        points, accepted = self._chain
        if points is None or len(points) == 0:
            return None
        return "path" if accepted is None else "steps"

    def _on_labels_ready(self) -> None:
        if not self._in_redraw:
            self._request("labels")

    def _on_view_settled(self) -> None:
        self._request("settle")

    def _on_view_changed(self, *_args) -> None:
        if self.cloud.drawn_as == "raster":
            self._request("view")  # re-bin at about one bin per pixel of the new view

    # ---------------------------------------------------------------- hover and click
    def _probe_scene_pos(self, scene_pos: QPointF) -> tuple[float, float, list[float]] | None:
        view_box = self.plot_item.getViewBox()
        if not view_box.sceneBoundingRect().contains(scene_pos):
            return None
        point = view_box.mapSceneToView(scene_pos)
        return point.x(), point.y(), self.probe(point.x(), point.y())

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        probe = self._probe_scene_pos(scene_pos)
        if probe is None or not probe[2]:
            self.readout.hide()
            return
        x, y, probabilities = probe
        if self._visible["readout"]:
            view = self.plot_item.getViewBox().viewRect()
            toward = (x < view.center().x(), y < view.center().y())
            self.readout.show_at(x, y, probabilities, self.reference_mixture()[1], toward)
        self.probed.emit(probe)

    def _on_mouse_clicked(self, event) -> None:
        probe = self._probe_scene_pos(event.scenePos())
        if probe is not None and probe[2]:
            self.probed.emit(probe)

    def close(self) -> None:
        """pyqtgraph's close() deletes every item of the scene at once: stop all pending drawing first."""
        self._throttle.cancel()
        self._settle.stop()
        self.labeller.cancel()
        super().close()

    def paintEvent(self, event) -> None:
        """Paint, and let the redraw throttle space frames by what painting costs."""
        start = time.perf_counter()
        super().paintEvent(event)
        self._throttle.report_cost((time.perf_counter() - start) * 1e3)

    def leaveEvent(self, event: QEvent) -> None:
        self.readout.hide()
        super().leaveEvent(event)
