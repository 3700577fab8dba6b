"""Colours of the plot: one fixed categorical colour per mixture component, and the uncertainty ramp.

Components use the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies),
reordered for a white background: the strong colours first, yellow last (it vanishes on white);
components 9 to 20 continue with Paul Tol's "muted" and "light" colours and a brown, all apart from
those eight. Past twenty components colours repeat (no palette keeps 20+ hues apart); the hover
readout still names each component by number.
A fitted component keeps its colour everywhere: its points, its ellipses, its mean and the hover
readout. The target is drawn in a neutral dark grey (see TARGET_RGB).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from gmm_desktop.core.labels import UNCERTAINTY_LEVELS

OKABE_ITO: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178),  # blue
    (213, 94, 0),  # vermillion
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (230, 159, 0),  # orange
    (86, 180, 233),  # sky blue
    (90, 90, 90),  # dark grey (Okabe-Ito's black, softened so it does not read as an outline)
    (240, 228, 66),  # yellow
)

TOL_EXTRA: tuple[tuple[int, int, int], ...] = (
    (51, 34, 136),  # indigo
    (204, 102, 119),  # rose
    (17, 119, 51),  # green
    (136, 34, 85),  # wine
    (68, 170, 153),  # teal
    (153, 153, 51),  # olive
    (170, 68, 153),  # purple
    (136, 204, 238),  # cyan
    (221, 204, 119),  # sand
    (187, 204, 51),  # pear
    (255, 170, 187),  # pink
    (140, 86, 75),  # brown (tab10)
)

COMPONENT_COLOURS = OKABE_ITO + TOL_EXTRA

PLAIN_POINT = (45, 45, 60)
"""Points that are not coloured by component."""

TARGET_RGB = (35, 35, 35)
"""The target's ellipses and mean handles: neutral, because the fit's component i need not be the
target's component i, and two meanings of one colour would mislead."""

UNCERTAIN_LOW = (205, 205, 212)
UNCERTAIN_HIGH = (0, 75, 60)
"""The uncertainty ramp runs from a pale grey (certain) to a dark teal (as uncertain as K allows):
teal is the one hue the density colour map (white-orange-magenta-blue) does not use."""


def component_rgb(index: int) -> tuple[int, int, int]:
    """The colour of component `index` (0-based); the palette repeats past twenty components."""
    return COMPONENT_COLOURS[index % len(COMPONENT_COLOURS)]


def component_color(index: int, alpha: int = 255) -> QColor:
    r, g, b = component_rgb(index)
    return QColor(r, g, b, alpha)


def component_hex(index: int) -> str:
    """'#rrggbb' for rich text (the hover readout)."""
    return component_color(index).name()


def uncertainty_rgb(level: int, levels: int = UNCERTAINTY_LEVELS) -> tuple[int, int, int]:
    """Colour of uncertainty step `level` in [0, levels): linear in RGB between the ramp's ends."""
    t = level / max(levels - 1, 1)
    low, high = np.array(UNCERTAIN_LOW, float), np.array(UNCERTAIN_HIGH, float)
    r, g, b = np.round(low + t * (high - low)).astype(int)
    return int(r), int(g), int(b)
