"""Every layer of the main plot, once: its name, its View-menu entry, whether it shows at start and
whether it belongs to the target, and the code that makes it.

To add a layer: write a `layers.Layer` subclass (its `inputs` and `draw(scene, changed)`) and add one
`LayerSpec` here; the plot builds it, redraws it when its inputs change, and the View menu, the
session files and the remembered settings show and keep its visibility. Order is back to front for
items that share a depth, and a spec may use a layer made before it (the colour bar, the image).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gmm_desktop.gui.plot.chain_path import ChainPathLayer
from gmm_desktop.gui.plot.cloud import CloudLayer
from gmm_desktop.gui.plot.contours import ContourLayer
from gmm_desktop.gui.plot.density import ColourBarLayer, DensityImageLayer, TargetContourLayer
from gmm_desktop.gui.plot.ellipses import EllipseLayer
from gmm_desktop.gui.plot.handles import MeansLayer
from gmm_desktop.gui.plot.key import KeyLayer
from gmm_desktop.gui.plot.layers import Z_FIT_ELLIPSES, Z_TARGET_ELLIPSES, Layer
from gmm_desktop.gui.plot.palette import TARGET_RGB
from gmm_desktop.gui.plot.readout import ProbeReadout

if TYPE_CHECKING:
    from gmm_desktop.gui.plot.mixture_plot import MixturePlot


@dataclass(frozen=True)
class LayerSpec:
    """text: the View menu's entry (None: not in the menu); tip: what it shows; shown_at_start:
    visible unless the user turned it off; of_target: hidden while the data is in other coordinates
    than the target's (a file)."""

    name: str
    text: str | None
    tip: str
    make: Callable[[MixturePlot], Layer]
    shown_at_start: bool = True
    of_target: bool = False


PLOT_LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        "image",
        "Density &Image",
        "Show the target density as a filled image",
        lambda plot: DensityImageLayer(plot.plot_item),
        of_target=True,
    ),
    LayerSpec(
        "contours",
        "&Contour Lines",
        "Show contour lines of the target density",
        lambda plot: TargetContourLayer(plot.plot_item),
        of_target=True,
    ),
    LayerSpec(
        "colorbar",
        "Colour &Bar",
        "Show the colour scale of the density image",
        lambda plot: ColourBarLayer(plot.plot_item, plot.layers["image"].image),
        of_target=True,
    ),
    LayerSpec("points", "&Points", "Show the samples or the data points", lambda plot: CloudLayer(plot.plot_item)),
    LayerSpec(
        "target_ellipses",
        "&Target Ellipses",
        "Show 1σ and 2σ ellipses of the target components (dashed)",
        lambda plot: EllipseLayer(plot.plot_item, "target", Z_TARGET_ELLIPSES, dashed=True, rgb=TARGET_RGB),
        of_target=True,
    ),
    LayerSpec(
        "fit_ellipses",
        "&Fit Ellipses",
        "Show 1σ and 2σ ellipses of the fitted components (solid)",
        lambda plot: EllipseLayer(plot.plot_item, "fit", Z_FIT_ELLIPSES, dashed=False),
    ),
    LayerSpec(
        "fit_contours",
        "Fitted &Density Contours",
        "Show contour lines of the fitted mixture",
        lambda plot: ContourLayer(plot.plot_item),
    ),
    LayerSpec(
        "means",
        "Component &Means",
        "Show the means of the target and fitted components",
        lambda plot: MeansLayer(plot.plot_item, plot),
    ),
    LayerSpec(
        "chain_path",
        "C&hain Path",
        "Show the last kept samples of chain 1 as a path",
        lambda plot: ChainPathLayer(plot.plot_item),
        shown_at_start=False,
    ),
    LayerSpec("readout", None, "P(i|x) under the cursor", lambda plot: ProbeReadout(plot.plot_item)),
    LayerSpec(
        "legend", None, "The key to what is shown", lambda plot: KeyLayer(plot.plot_item, plot.layers["chain_path"])
    ),
)

LAYERS: dict[str, LayerSpec] = {spec.name: spec for spec in PLOT_LAYERS}
LAYER_NAMES: tuple[str, ...] = tuple(LAYERS)
