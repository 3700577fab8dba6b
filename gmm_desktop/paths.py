"""Where the shipped resources live, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path


def resources_path() -> Path:
    """The resources folder: `gmm_desktop/resources` in a wheel, `resources/` beside the package in a checkout."""
    installed = Path(__file__).resolve().with_name("resources")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """Path of one shipped resource; raises FileNotFoundError naming it when it is missing."""
    path = resources_path().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource not found: {path}")
    return path
