"""Writing: data, fit results and samples as CSV that reads back exactly.

Written files must survive a crash mid-write and come back bit for bit, so:

* Everything goes through `atomic.atomic_open` (the old file stays until the new one is complete).
* Floats are written as float64 in shortest round-trip form (`repr`), so reading a file back
  gives identical floats; text cells and all header names are quoted (so a name such as `1.5`
  or `#id` stays a name).
* Fit output has one `label` column and `p_1 ... p_K`: **components are numbered from 1** in
  files, as in the window, so `label == k` means the row's most probable component is the one
  whose probability is `p_k`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gmm_desktop.core.io.atomic import atomic_open
from gmm_desktop.core.io.tables.records import Table


def write_csv(path: str | os.PathLike[str], columns: Mapping[str, Any] | pd.DataFrame, *, delimiter: str = ",") -> None:
    """Write columns atomically; floats as float64 repr (exact round trip), text and names quoted.

    Missing values (NaN, None) are written as empty cells.
    """
    frame = _as_frame(columns)
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False, sep=delimiter, quoting=csv.QUOTE_NONNUMERIC, na_rep="", lineterminator="\n")


def write_fit_csv(
    path: str | os.PathLike[str],
    data: Table | Mapping[str, Any] | pd.DataFrame | np.ndarray,
    probabilities: np.ndarray,
    labels: np.ndarray | None = None,
) -> None:
    """The input rows plus `label` and `p_1 ... p_K` (components numbered from 1, see module doc).

    probabilities: (N, K) responsibilities; labels: (N,) 0-based component indices as returned by
    `Mixture.predict` (default: argmax of probabilities), written 1-based. Names that clash with
    input columns get a `_2` suffix.
    """
    frame = _input_frame(data)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(frame):
        raise ValueError(f"probabilities must have shape ({len(frame)}, K), got {probabilities.shape}")
    labels = np.argmax(probabilities, axis=1) if labels is None else np.asarray(labels)
    taken = set(map(str, frame.columns))
    extra = {_unique("label", taken): labels.astype(np.int64) + 1}
    for k in range(probabilities.shape[1]):
        extra[_unique(f"p_{k + 1}", taken)] = probabilities[:, k]
    write_csv(path, pd.concat([frame, _as_frame(extra)], axis=1))


def write_samples_csv(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    chain: np.ndarray | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Samples (N, D) as `x, y` (`x`, `x,y,z`, or `x1..xD`; or `names`) plus an optional `chain` id."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2:
        raise ValueError(f"samples must have shape (N, D), got {samples.shape}")
    names = tuple(names) if names is not None else sample_column_names(samples.shape[1])
    if len(names) != samples.shape[1]:
        raise ValueError(f"{len(names)} names for {samples.shape[1]} columns of samples")
    columns: dict[str, Any] = {name: samples[:, j] for j, name in enumerate(names)}
    if chain is not None:
        columns[_unique("chain", set(names))] = np.asarray(chain, dtype=np.int64)
    write_csv(path, columns)


def sample_column_names(dims: int) -> tuple[str, ...]:
    """x / x, y / x, y, z, then x1 ... xD: what the CLI and the window use for generated data."""
    return ("x", "y", "z")[:dims] if dims <= 3 else tuple(f"x{j + 1}" for j in range(dims))


def _as_frame(columns: Mapping[str, Any] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(columns, pd.DataFrame):
        frame = columns.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
    else:
        arrays = {str(name): np.asarray(values) for name, values in columns.items()}
        lengths = {name: array.shape for name, array in arrays.items()}
        if any(array.ndim != 1 for array in arrays.values()) or len({s[0] for s in lengths.values()}) > 1:
            raise ValueError(f"columns must be 1-D arrays of one length, got shapes {lengths}")
        frame = pd.DataFrame(arrays)
    narrow = {name: np.float64 for name, dtype in frame.dtypes.items() if dtype.kind == "f" and dtype.itemsize < 8}
    return frame.astype(narrow) if narrow else frame


def _input_frame(data: Table | Mapping[str, Any] | pd.DataFrame | np.ndarray) -> pd.DataFrame:
    if isinstance(data, Table):
        return data.frame.reset_index(drop=True)
    if isinstance(data, np.ndarray):
        array = np.asarray(data, dtype=np.float64)
        if array.ndim != 2:
            raise ValueError(f"data must have shape (N, D), got {array.shape}")
        return _as_frame({name: array[:, j] for j, name in enumerate(sample_column_names(array.shape[1]))})
    return _as_frame(data).reset_index(drop=True)


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    taken.add(candidate)
    return candidate
