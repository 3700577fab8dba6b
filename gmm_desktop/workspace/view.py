"""What the plot shows, as plain values: the two columns drawn, which layers are on, how points are
coloured, and the region in view. Views apply it; sessions save it (`to_dict` / `from_dict`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from gmm_desktop.core.mixture import Mixture


@dataclass(frozen=True)
class Colouring:
    """A way to colour the points: its name, the View menu's text and tip, and whether it needs the
    points' P(i|x) (`core.labels`), which cost a pass over every point for each new fit."""

    name: str
    text: str
    tip: str
    needs_labels: bool


COLOURINGS: dict[str, Colouring] = {
    c.name: c
    for c in (
        Colouring("plain", "Plain Points", "Draw every point in one colour", needs_labels=False),
        Colouring(
            "cluster", "Colour by Component", "Colour each point by its most probable component argmax P(i|x)", True
        ),
        Colouring(
            "uncertainty",
            "Shade by Uncertainty",
            "Shade each point by 1 - max P(i|x): dark where the fit is unsure",
            needs_labels=True,
        ),
    )
}
"""Every colouring, in menu order; the cloud layer draws each by name."""

ViewBox = tuple[float, float, float, float]
"""(x0, x1, y0, y1) in data units."""


@dataclass(frozen=True)
class ViewState:
    """shown: the data columns on the x and y axes. layers: layer name -> shown, for the layers the
    user (or a file) set; others are at their default. colouring: a key of COLOURINGS. view_box: the
    region in view, None before the plot reported one."""

    shown: tuple[int, int] = (0, 1)
    layers: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    colouring: str = "cluster"
    view_box: ViewBox | None = None

    def __post_init__(self) -> None:
        if self.colouring not in COLOURINGS:
            raise ValueError(f"colouring must be one of {', '.join(COLOURINGS)}, got {self.colouring!r}")
        object.__setattr__(self, "layers", MappingProxyType(dict(self.layers)))
        object.__setattr__(self, "shown", tuple(int(i) for i in self.shown))

    def with_layer(self, name: str, visible: bool) -> ViewState:
        return replace(self, layers={**self.layers, name: bool(visible)})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form a session stores (`Session.view`)."""
        document: dict[str, Any] = {"layers": dict(self.layers), "colouring": self.colouring}
        if self.view_box is not None:
            document["range"] = list(self.view_box)
        return document

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], shown: tuple[int, int] = (0, 1)) -> ViewState:
        """Leniently: a missing or malformed entry keeps its default (files from outside say anything)."""
        layers = document.get("layers")
        layers = {k: v for k, v in layers.items() if isinstance(v, bool)} if isinstance(layers, dict) else {}
        colouring = document.get("colouring")
        return cls(
            shown=shown,
            layers=layers,
            colouring=colouring if colouring in COLOURINGS else "cluster",
            view_box=_view_box(document.get("range")),
        )


def _view_box(bounds: object) -> ViewBox | None:
    if not (isinstance(bounds, list) and len(bounds) == 4):
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds):
        return None
    x0, x1, y0, y1 = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or x1 <= x0 or y1 <= y0:
        return None
    return (x0, x1, y0, y1)


def shown_marginal(mixture: Mixture | None, dims: tuple[int, int]) -> Mixture | None:
    """The 2-D marginal of `mixture` over the shown coordinates `dims` (its first two when it has
    fewer dimensions than `dims` asks for, e.g. a 2-D target over a 4-column file); None for 1-D."""
    if mixture is None or mixture.n_dims < 2:
        return None
    if mixture.n_dims <= max(dims):
        dims = (0, 1)
    return mixture if mixture.n_dims == 2 and tuple(dims) == (0, 1) else mixture.marginal(dims)
