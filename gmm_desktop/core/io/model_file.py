"""Mixture models as JSON files: what `fit --model-out` writes and `sample --target` reads.

Schema (version 1): {"format": "gmm_desktop.model", "version": 1, "n_components": K,
"n_features": D, "covariance_type": "full" | ..., "weights": [K], "means": [K][D],
"covariances": [K][D][D] (always full matrices), optional "columns": [D] and "metadata": {...}}.
A file from a newer version, or one that is not valid JSON, gives a `ModelFileError` naming the
file (and the line and column for a JSON syntax error); nothing is half-read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gmm_desktop.core.io.atomic import atomic_write_text
from gmm_desktop.core.mixture import Mixture, MixtureError

FORMAT = "gmm_desktop.model"
VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be used; str() starts with the file name (and line, column)."""

    def __init__(self, path: str | os.PathLike, reason: str, line: int | None = None, column: int | None = None):
        self.path, self.reason, self.line, self.column = Path(path), reason, line, column
        where = self.path.name + (f", line {line}, column {column}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


def model_document(
    mixture: Mixture, covariance_type: str = "full", columns: tuple[str, ...] | None = None, **metadata: Any
) -> dict[str, Any]:
    """The JSON-ready dict of a mixture (covariances written as full matrices whatever the type)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "n_components": mixture.n_components,
        "n_features": mixture.n_dims,
        "covariance_type": covariance_type,
        **mixture.to_dict(),
    }
    if columns is not None:
        document["columns"] = list(columns)
    if metadata:
        document["metadata"] = metadata
    return document


def save_model(path: str | os.PathLike, mixture: Mixture, covariance_type: str = "full", **extra: Any) -> None:
    """Write the model atomically; floats keep full precision (json writes repr)."""
    atomic_write_text(path, json.dumps(model_document(mixture, covariance_type, **extra), indent=2) + "\n")


def load_model(path: str | os.PathLike) -> Mixture:
    """Read a model file written by `save_model` (or any dict with weights, means, covariances)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(path, f"cannot read the file ({exc})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(path, f"not valid JSON ({exc.msg})", exc.lineno, exc.colno) from None
    if not isinstance(document, dict):
        raise ModelFileError(path, "expected a JSON object with weights, means and covariances")
    version = document.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        reason = f"written by a newer gmm_desktop (model version {version}); this one reads {VERSION}"
        raise ModelFileError(path, reason)
    try:
        return Mixture.from_dict(document)
    except (MixtureError, ValueError, TypeError) as exc:
        raise ModelFileError(path, str(exc)) from None
