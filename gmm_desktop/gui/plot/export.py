"""Pictures of the plot and the window, written atomically (a failed write keeps the old file).

SVG is drawn by Qt's own QSvgGenerator over the plot's scene: pyqtgraph 0.14's SVGExporter fails on
the closing 'Z' of paths that Qt 6.11 emits ("not enough values to unpack").
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

from gmm_desktop.core.io.atomic import atomic_write_bytes


def png_bytes(image: QImage) -> bytes:
    """Encode a QImage as PNG in memory, so the file itself can be replaced atomically."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ValueError("could not encode the picture as PNG")
    buffer.close()
    return bytes(data.data())


def svg_bytes(item: pg.GraphicsItem, title: str = "gmm_desktop view") -> bytes:
    """Draw the scene region under `item` into an SVG document in memory."""
    source = item.sceneBoundingRect()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(round(source.width()), round(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    item.scene().render(painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
    buffer.close()
    return bytes(data.data())


def export_plot(item: pg.GraphicsItem, path: Path) -> None:
    """Write the plot `item` to `path`; the suffix chooses PNG or SVG."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        data = svg_bytes(item)
    elif suffix == ".png":
        data = png_bytes(pg_exporters.ImageExporter(item).export(toBytes=True))
    else:
        raise ValueError(f"{path.name}: choose a .png or .svg file name")
    atomic_write_bytes(path, data)
