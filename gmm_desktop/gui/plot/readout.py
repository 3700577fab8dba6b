"""The hover readout: P(i|x) of every component at the cursor, each behind a swatch of its colour.

Text stays black (the palette's yellow and sky blue are unreadable as text on white); the colour is
carried by a square swatch in front of each value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg

from gmm_desktop.gui.plot.layers import Z_READOUT, Layer
from gmm_desktop.gui.plot.palette import component_hex

PER_LINE = 4


def readout_html(probabilities: Sequence[float], source: str) -> str:
    """Rich text: a small heading naming the mixture ("fit" or "target"), then "■ P(i|x)=0.93" entries."""
    entries = [
        f'<span style="color:{component_hex(i)}">&#9632;</span>&nbsp;P({i + 1}|x)={p:.2f}'
        for i, p in enumerate(probabilities)
    ]
    lines = ["&nbsp;&nbsp;".join(entries[i : i + PER_LINE]) for i in range(0, len(entries), PER_LINE)]
    return f'<div style="color:#202020"><span style="color:#606060">{source}</span><br>{"<br>".join(lines)}</div>'


class ProbeReadout(Layer):
    """A TextItem that follows the cursor; shown only while the cursor is over the plot."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        super().__init__(plot_item)
        self.text = pg.TextItem(
            anchor=(-0.04, 1.1), fill=pg.mkBrush(255, 255, 255, 230), border=pg.mkPen(150, 150, 150, 200)
        )
        self.add(self.text, Z_READOUT, ignore_bounds=True)

    def show_at(
        self, x: float, y: float, probabilities: Sequence[float], source: str, toward: tuple[bool, bool] = (True, True)
    ) -> None:
        """Show the readout at (x, y), extending right/up when `toward` says so, else left/down (the
        plot passes the direction with more room, so the box is not clipped at the view's edge)."""
        if not probabilities:
            self.hide()
            return
        self.text.setHtml(readout_html(probabilities, source))
        self.text.setAnchor((-0.04 if toward[0] else 1.04, 1.1 if toward[1] else -0.1))
        self.text.setPos(x, y)
        self.show_content(self.text, True)

    def hide(self) -> None:
        self.show_content(self.text, False)

    def html(self) -> str:
        return self.text.textItem.toHtml()
