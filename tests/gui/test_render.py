"""`gmm-desktop render OUT.png` draws the real window into a picture."""

import numpy as np
from helpers import run_cli
from PySide6.QtGui import QImage


def image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)[..., :3].copy()


def test_render_command_writes_the_window(tmp_path, qapp):
    out = tmp_path / "window.png"
    result = run_cli("render", str(out), "--size", "900x600")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no Qt warnings on the way
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    pixels = image_array(image)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 200  # a filled density image, not a blank window


def test_render_rejects_bad_size(tmp_path):
    result = run_cli("render", str(tmp_path / "x.png"), "--size", "big")
    assert result.returncode == 2
    assert "size must look like 1280x800" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_render_reports_unwritable_target(tmp_path):
    out = tmp_path / "missing-folder" / "x.png"
    result = run_cli("render", str(out))
    assert result.returncode == 1
    assert "cannot write" in result.stderr
