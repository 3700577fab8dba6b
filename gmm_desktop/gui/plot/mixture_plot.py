"""The central plot: a view of the state's workspace, drawn by the layers of `registry`.

The plot listens to the state's signals, notes which parts of the scene changed, and redraws at most
~30 times a second (`Throttle`) with the newest values: each layer whose inputs changed draws the
`Scene` read from the workspace then, so a fit that reports every EM iteration or a sampler that
reports every batch never builds a backlog. Nothing here computes a result: densities, contours and
point labels come from the state's derived results. The plot reports gestures (`mean_dragged`,
`probed`) and where the user moved the view; it never changes the rest of the state.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QTimer, Signal

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.gui.plot.layers import Scene
from gmm_desktop.gui.plot.registry import LAYERS, PLOT_LAYERS
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.throttle import Throttle
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.view import ViewState, shown_marginal

FRAME_SAMPLE = 20_000
"""File data is framed on the 0.5-99.5 % range of at most this many evenly spread points (1e6: 70 ms)."""
RASTER_SETTLE_MS = 150


def layer_shown(view: ViewState, name: str) -> bool:
    """The user's choice for layer `name` (its default until the user or a file set it)."""
    return view.layers.get(name, LAYERS[name].shown_at_start)


def target_hidden(data: Dataset | None) -> bool:
    """Data in other coordinates than the target's (a file, or points painted over a named pair)
    hides the target's layers: no target generated it."""
    return data is not None and (data.origin == "file" or tuple(data.columns[:2]) != ("x", "y"))


class MixturePlot(pg.GraphicsLayoutWidget):
    """Plot of a 2-D mixture and its samples, equal axis scales, y pointing up.

    Signals: mean_dragged(index, (x, y), finished) while the user drags a target mean (finished is
    True once, on release); probed((x, y, probabilities)) when the cursor hovers or clicks a point.
    """

    mean_dragged = Signal(int, object, bool)
    probed = Signal(object)

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mixturePlot")
        self.state = state
        self.plot_item: pg.PlotItem = self.addPlot(row=0, col=0)
        self.plot_item.setLabel("bottom", "x")
        self.plot_item.setLabel("left", "y")
        self.plot_item.setAspectLocked(True)
        self.plot_item.hideButtons()
        self.layers = {}
        for spec in PLOT_LAYERS:
            self.layers[spec.name] = spec.make(self)
        self.cloud = self.layers["points"]
        self.target_ellipses, self.fit_ellipses = self.layers["target_ellipses"], self.layers["fit_ellipses"]
        self.fit_contours, self.chain_path = self.layers["fit_contours"], self.layers["chain_path"]
        self.readout, self.key = self.layers["readout"], self.layers["legend"].key
        self.fit_means, self.handles = self.layers["means"].fit_means, self.layers["means"].handles
        self.handles.dragged.connect(self.mean_dragged)
        self._target_hidden = False
        self._framed: Dataset | None = None
        self._view = state.view
        self._noted_box: tuple[float, float, float, float] | None = None
        self._marginals: dict[str, tuple[object, tuple[int, int], Mixture | None]] = {}
        self._dirty: set[str] = set()
        self._in_redraw = False
        self._throttle = Throttle(self._redraw, parent=self)
        # A raster shown stretched while the view moves is re-binned once the view has been still this long.
        self._settle = QTimer(self)
        self._settle.setObjectName("rasterSettle")
        self._settle.setSingleShot(True)
        self._settle.setInterval(RASTER_SETTLE_MS)
        self._settle.timeout.connect(self._on_view_settled)
        self._connect_state()
        view_box = self.plot_item.getViewBox()
        view_box.sigRangeChanged.connect(self._on_view_changed)
        view_box.sigResized.connect(self._on_view_changed)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._apply_visibility()
        self._request(*{name for layer in self.layers.values() for name in layer.inputs})

    def _connect_state(self) -> None:
        # Bound methods, not lambdas: Qt drops these connections when the plot is deleted, so a state
        # that outlives it (a test's, a closed window's last events) never calls into a dead plot.
        state = self.state
        state.target_changed.connect(self._on_target_changed)
        state.data_changed.connect(self._on_data_changed)
        state.fit_changed.connect(self._on_fit_changed)
        state.labels_changed.connect(self._on_labels_changed)
        state.target_density_changed.connect(self._on_density_changed)
        state.fit_contours_changed.connect(self._on_fit_contours_changed)
        state.sampler_changed.connect(self._on_sampler_changed)
        state.view_changed.connect(self._on_state_view_changed)

    def _on_target_changed(self, _target: object) -> None:
        self._request("target")

    def _on_data_changed(self, _data: object) -> None:
        self._request("data")

    def _on_fit_changed(self, _fit: object) -> None:
        self._request("fit")

    def _on_labels_changed(self, _labels: object) -> None:
        self._request("labels")

    def _on_density_changed(self, _density: object) -> None:
        self._request("density")

    def _on_fit_contours_changed(self, _contours: object) -> None:
        self._request("fit_contours")

    def _on_sampler_changed(self, _status: object) -> None:
        self._request("chain")

    # ---------------------------------------------------------------- the density layers' items
    @property
    def density_image(self) -> pg.ImageItem:
        return self.layers["image"].image

    @property
    def color_bar(self) -> pg.ColorBarItem:
        return self.layers["colorbar"].bar

    @property
    def contour_curves(self) -> list[pg.PlotCurveItem]:
        return self.layers["contours"].curves

    # ---------------------------------------------------------------- framing
    def frame(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Show exactly this region (aspect stays locked, so one side may gain margin)."""
        self.plot_item.setRange(xRange=x_range, yRange=y_range, padding=0.02)

    def is_dragging(self) -> bool:
        """True while the user drags a target mean (the window should not re-frame the view then)."""
        return self.handles.dragging() is not None

    def flush(self) -> None:
        """Draw everything pending now, derived results and a sharp raster included (tests,
        screenshots, exports)."""
        self.state.settle()
        self._throttle.flush()
        if self._settle.isActive():
            self._settle.stop()
            self._request("settle")
        self._throttle.flush()

    # ---------------------------------------------------------------- the mixture behind the readout
    def reference_mixture(self) -> tuple[Mixture | None, str]:
        """(mixture, "fit" or "target") that the hover readout's P(i|x) is computed under."""
        fit = self.state.fit
        return (fit.mixture, "fit") if fit is not None else (self.state.target, "target")

    def probe(self, x: float, y: float) -> list[float]:
        """P(i|x) at the displayed point (x, y) for every component of the fit (else the target);
        empty when there is neither. For data of more than 2 dimensions, under the shown marginal."""
        mixture = shown_marginal(self.reference_mixture()[0], self.state.view.shown)
        if mixture is None:
            return []
        return mixture.responsibilities(np.array([[x, y]], dtype=np.float64))[0].tolist()

    def point_labels(self):
        """The labels the cloud is coloured by: of the shown points, maybe under the previous fit
        while the new ones are being computed; None when there are none for these points."""
        labels, data = self.state.workspace.derived.labels, self.state.data
        return labels if labels is not None and data is not None and labels.points is data.points else None

    # ---------------------------------------------------------------- view state
    def _on_state_view_changed(self, view: ViewState) -> None:
        old, self._view = self._view, view
        if view.layers != old.layers:
            self._apply_visibility()
            self._request("visibility")
        if view.colouring != old.colouring:
            self._request("colouring")
        if view.shown != old.shown:
            self._request("shown")
        if view.view_box is not None and view.view_box != self._noted_box:
            x0, x1, y0, y1 = view.view_box
            self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def _visibility(self) -> dict[str, bool]:
        return {
            spec.name: layer_shown(self._view, spec.name) and not (self._target_hidden and spec.of_target)
            for spec in PLOT_LAYERS
        }

    def _apply_visibility(self) -> None:
        for name, visible in self._visibility().items():
            self.layers[name].set_visible(visible)
        self.layers["means"].set_target_hidden(self._target_hidden)
        if not layer_shown(self._view, "readout"):
            self.readout.hide()
        self._update_fading()

    def _show_data_context(self, data: Dataset | None) -> None:
        """Axis names from the data's columns; the target's layers hidden under data no target made;
        file data framed once, when it arrives (the user's zoom is left alone after)."""
        shown = self._view.shown
        names = ("x", "y") if data is None else tuple(data.column_name(i) for i in shown)
        for axis, name in zip(("bottom", "left"), names):
            if self.plot_item.getAxis(axis).labelText != name:  # a new label re-lays out the axis
                self.plot_item.setLabel(axis, name)
        if data is not None and data.origin == "file" and data is not self._framed:
            self._framed = data
            points = data.points[:: max(1, data.n_points // FRAME_SAMPLE), list(shown)]
            low, high = np.percentile(points, [0.5, 99.5], axis=0)
            pad = 0.08 * (high - low) + 0.5 * (high - low < 1e-6 * np.maximum(1.0, np.abs(high)))  # one value: +-0.5
            self.frame((low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1]))
        hidden = target_hidden(data)
        if hidden != self._target_hidden:
            self._target_hidden = hidden
            self._apply_visibility()
            self._request("visibility")

    # ---------------------------------------------------------------- drawing
    def _request(self, *parts: str) -> None:
        if getattr(self, "closed", False):
            return
        self._dirty.update(parts)
        self._throttle.request()

    def _scene(self) -> Scene:
        ws = self.state.workspace
        view_box = self.plot_item.getViewBox()
        rect = view_box.viewRect()
        return Scene(
            target=self._marginal("target", ws.target, ws.target),
            fit=self._marginal("fit", ws.fit, ws.fit.mixture if ws.fit is not None else None),
            data=ws.data,
            shown=self._view.shown,
            labels=self.point_labels(),
            colouring=self._view.colouring,
            density=ws.derived.target_density,
            fit_contours=ws.derived.fit_contours,
            chain_tail=ws.sampler.chain_tail,
            visible=self._visibility(),
            view_rect=(rect.x(), rect.y(), rect.width(), rect.height()),
            view_pixels=(round(view_box.width()), round(view_box.height())),
        )

    def _marginal(self, key: str, source: object, mixture: Mixture | None) -> Mixture | None:
        """The shown 2-D marginal of `mixture`, made once per (source record, shown columns)."""
        cached = self._marginals.get(key)
        if cached is None or cached[0] is not source or cached[1] != self._view.shown:
            cached = (source, self._view.shown, shown_marginal(mixture, self._view.shown))
            self._marginals[key] = cached
        return cached[2]

    def _redraw(self) -> None:
        if getattr(self, "closed", False):
            return  # the items are gone (pyqtgraph's close)
        dirty, self._dirty = frozenset(self._dirty), set()
        self._in_redraw = True
        try:
            if dirty & {"data", "shown"}:
                self._show_data_context(self.state.data)
            scene = self._scene()
            for layer in self.layers.values():
                changed = layer.inputs & dirty
                if changed:
                    layer.draw(scene, changed)
                elif dirty & {"view", "settle"} and layer.follow_view(scene, settled="settle" in dirty):
                    self._settle.start()
            self._update_fading()
        finally:
            self._in_redraw = False

    def _update_fading(self) -> None:
        data = self.state.data
        under_points = data is not None and data.n_points > 0 and layer_shown(self._view, "points")
        self.layers["image"].set_faded(under_points)
        self.layers["contours"].set_faded(under_points)

    def _on_view_settled(self) -> None:
        self._request("settle")

    def _on_view_changed(self, *_args) -> None:
        (x0, x1), (y0, y1) = self.plot_item.getViewBox().viewRange()
        self._noted_box = (x0, x1, y0, y1)
        self.state.note_view_box(self._noted_box)
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
        if layer_shown(self._view, "readout"):
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
        super().close()

    def paintEvent(self, event) -> None:
        """Paint, and let the redraw throttle space frames by what painting costs."""
        start = time.perf_counter()
        super().paintEvent(event)
        self._throttle.report_cost((time.perf_counter() - start) * 1e3)

    def leaveEvent(self, event: QEvent) -> None:
        self.readout.hide()
        super().leaveEvent(event)
