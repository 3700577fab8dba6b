"""Session files: everything the user made, saved so that reopening shows exactly what was saved.

A session file (extension `.gmmsession`) is a ZIP archive holding `session.json`, the manifest
`{"format": "gmm_desktop.session", "version": 2, ...}`, and one uncompressed .npy member per array
(named after its field, e.g. `data.points.npy`). Arrays and floats read back bit for bit; see
`session_codec` for the encoding rules. Files are written atomically (the old file survives any
failure) and the same session always gives the same bytes. Version 2 (mclust's model family, its
stopping rule and ridge, ICL's hard classification) reads version-1 files: the fields version 2
added take the values a version-1 file meant (`session_codec.ADDED_FIELDS`).

Data loaded from a file is stored both by reference (path, SHA-256 of the file's bytes, the options
it was read with) and embedded, so a session opens even when the file has moved; `load_session`
sets `SavedData.source_status` to "same", "changed" or "missing" (`check_source`) so the window can
say so. Sampled and painted data are only embedded.

Every problem with a file raises `SessionError` (a ValueError) naming the file and, where there is
one, the field or member at fault; nothing is half-read.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import operator
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.io.atomic import atomic_open
from gmm_desktop.core.io.session_checks import check_covariance_type
from gmm_desktop.core.io.session_codec import (
    SAVED,
    FieldError,
    decode,
    encode,
    json_copy,
    read_array,
    value_key,
    write_array,
    write_json,
)
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.samplers.rwmh import ChainState, SamplerSettings
from gmm_desktop.core.selection import Candidate

FORMAT = "gmm_desktop.session"
SESSION_VERSION = 2
EXTENSION = ".gmmsession"
MANIFEST = "session.json"
ORIGINS = ("mcmc", "exact", "file", "painted")
SOURCE_SAME, SOURCE_CHANGED, SOURCE_MISSING = "same", "changed", "missing"


class SessionError(ValueError):
    """A session file that cannot be saved or opened. str() starts with the file name; `field` is
    the field or archive member at fault (None for a problem with the whole file)."""

    def __init__(self, path: str | os.PathLike[str], reason: str, field: str | None = None) -> None:
        self.path, self.reason, self.field = Path(path), reason, field
        super().__init__(f"{self.path.name}: {field}: {reason}" if field else f"{self.path.name} {reason}")


class _Record:
    """Equality by value, bit for bit (arrays by their bytes, NaN equal to NaN): what a round trip keeps."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return value_key(self) == value_key(other)

    def __hash__(self) -> int:
        return hash(value_key(self))


def _readonly(value: Any, dtype: type) -> np.ndarray:
    """A read-only array of `dtype`; one that already is, and owns its memory, is shared, not copied
    (sessions can hold millions of points, and loading re-creates the data record once)."""
    if isinstance(value, np.ndarray) and value.dtype == dtype and not value.flags.writeable and value.base is None:
        return value
    array = np.array(value, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def _int_column(name: str, value: Any, n_points: int) -> np.ndarray | None:
    """An optional (N,) integer array (chain ids, labels), as read-only int64."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "iu" or array.shape != (n_points,):
        raise ValueError(f"{name} must be {n_points} integers, got a {array.dtype} array of shape {array.shape}")
    return _readonly(array, np.int64)


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True, eq=False)
class FileSource(_Record):
    """Where file data came from and how it was read, so the window can check or re-read the file.

    path: as given when loading (absolute is best); sha256: hex digest of the file's bytes;
    columns: the file's columns used, in order; label_column: the column read as labels, if any;
    delimiter, decimal, has_header: the reading options (None = detected, as `tables.load_csv`).
    """

    path: str
    sha256: str
    columns: tuple[str, ...]
    label_column: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    has_header: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))
        object.__setattr__(self, "columns", tuple(self.columns))
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, got {self.sha256!r}")


@dataclass(frozen=True, eq=False)
class SavedData(_Record):
    """The dataset: points (N, D) float64; origin: one of ORIGINS; columns: D names; display: the two
    column indices drawn; chain_ids, labels: optional (N,) int64; mixture: the model the data came
    from, if any; source: required exactly when origin is "file". source_status is not saved: it
    is None, or what `check_source` said when the session was loaded."""

    points: np.ndarray
    origin: str
    columns: tuple[str, ...]
    display: tuple[int, int] = (0, 1)
    chain_ids: np.ndarray | None = None
    labels: np.ndarray | None = None
    mixture: Mixture | None = None
    source: FileSource | None = None
    source_status: str | None = field(default=None, compare=False, metadata={SAVED: False})

    def __post_init__(self) -> None:
        points = _readonly(self.points, np.float64)
        if points.ndim != 2 or points.shape[1] < 1:
            raise ValueError(f"points must have shape (N, D), got {points.shape}")
        n, d = points.shape
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, got {self.origin!r}")
        columns, display = tuple(self.columns), tuple(map(operator.index, self.display))
        if len(columns) != d:
            raise ValueError(f"columns must name the {d} coordinates, got {len(columns)} names")
        if len(display) != 2 or not all(0 <= i < d for i in display):
            raise ValueError(f"display must be two column indices below {d}, got {display}")
        if self.mixture is not None and self.mixture.n_dims != d:
            raise ValueError(f"mixture is {self.mixture.n_dims}-D but the points are {d}-D")
        if (self.origin == "file") != (self.source is not None):
            raise ValueError("source must be given exactly when origin is 'file'")
        set_ = functools.partial(object.__setattr__, self)
        set_("points", points)
        set_("columns", columns)
        set_("display", display)
        set_("chain_ids", _int_column("chain_ids", self.chain_ids, n))
        set_("labels", _int_column("labels", self.labels, n))


@dataclass(frozen=True, eq=False)
class SavedSampler(_Record):
    """The sampler panel: settings (None until set), the `ChainState` that Continue resumes from
    (None before a run), the acceptance rate shown (NaN before the first counted step) and progress (0..1)."""

    settings: SamplerSettings | None = None
    state: ChainState | None = None
    acceptance_rate: float = math.nan
    progress: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "acceptance_rate", float(self.acceptance_rate))
        object.__setattr__(self, "progress", float(self.progress))
        if not 0.0 <= self.progress <= 1.0:
            raise ValueError(f"progress must lie between 0 and 1, got {self.progress!r}")


@dataclass(frozen=True, eq=False)
class SavedModel(_Record):
    """A fitted model as the fit panel shows it: the mixture, its covariance type, the
    log-likelihood of each iteration, the iteration count and whether EM converged."""

    mixture: Mixture
    covariance_type: str
    log_likelihoods: tuple[float, ...]
    n_iter: int
    converged: bool

    def __post_init__(self) -> None:
        check_covariance_type(self.covariance_type)
        object.__setattr__(self, "log_likelihoods", tuple(map(float, self.log_likelihoods)))
        if self.n_iter < 0:
            raise ValueError(f"n_iter must be >= 0, got {self.n_iter}")


@dataclass(frozen=True, eq=False)
class SavedFit(_Record):
    """The fit panel: its settings and the fitted model, each None until there is one."""

    settings: EMSettings | None = None
    model: SavedModel | None = None


@dataclass(frozen=True, eq=False)
class Session(_Record):
    """Everything a session file holds. selection: the model-selection sweep's candidates, exactly
    (each with its `EMResult`). view and panels: the window's JSON-able state, kept as a private
    JSON copy (so tuples become lists; NaN and infinity are refused)."""

    target: Mixture
    target_name: str = ""
    sampler: SavedSampler = field(default_factory=SavedSampler)
    data: SavedData | None = None
    fit: SavedFit = field(default_factory=SavedFit)
    selection: tuple[Candidate, ...] = ()
    view: dict[str, Any] = field(default_factory=dict)
    panels: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "selection", tuple(self.selection))
        for name in ("view", "panels"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"{name} must be a dict, got {type(getattr(self, name)).__name__}")
            object.__setattr__(self, name, json_copy(getattr(self, name), name))


# ---------------------------------------------------------------------------------------------- files
def save_session(path: str | os.PathLike[str], session: Session) -> None:
    """Write `session` to `path` atomically. Raises SessionError for a value that cannot be stored
    and AtomicWriteError (an OSError) when writing fails; either way the old file is left intact."""
    try:
        with atomic_open(path, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            body = encode(session, Session, "", functools.partial(write_array, archive))
            write_json(archive, MANIFEST, {"format": FORMAT, "version": SESSION_VERSION, **body})
    except FieldError as exc:
        raise SessionError(path, exc.reason, exc.field) from None


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read a session file; file data gets its `source_status`. Raises SessionError for any problem."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SessionError(path, "does not exist") from None
    except OSError as exc:
        raise SessionError(path, f"cannot be read ({exc.strerror or exc})") from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise SessionError(path, "is not a gmm_desktop session (not a ZIP archive)") from None
    with archive:
        document = _read_manifest(path, archive)
        try:
            session = decode(document, Session, "", functools.partial(read_array, archive), document["version"])
        except FieldError as exc:
            raise SessionError(path, exc.reason, exc.field) from None
    if session.data is not None and session.data.source is not None:
        data = dataclasses.replace(session.data, source_status=check_source(session.data))
        session = dataclasses.replace(session, data=data)
    return session


def _read_manifest(path: Path, archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, checked for format and version before any field is read."""
    try:
        text = archive.read(MANIFEST).decode("utf-8")
    except KeyError:
        raise SessionError(path, f"is not a gmm_desktop session (it has no {MANIFEST} manifest)") from None
    except (
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        UnicodeDecodeError,
        zipfile.BadZipFile,
        zlib.error,
    ) as exc:
        raise SessionError(path, f"cannot be read ({exc})", MANIFEST) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionError(
            path, f"not valid JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})", MANIFEST
        ) from None
    if not isinstance(document, dict):
        raise SessionError(path, "expected a JSON object", MANIFEST)
    if document.get("format") != FORMAT:
        raise SessionError(
            path, f"is not a gmm_desktop session (its format is {document.get('format')!r}, not {FORMAT!r})"
        )
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionError(path, f"expected a session version (an integer >= 1), got {version!r}", "version")
    if version > SESSION_VERSION:
        raise SessionError(
            path,
            f"was written by a newer gmm_desktop (session version {version}; this version reads up to "
            f"{SESSION_VERSION}). Update gmm_desktop to open it.",
        )
    return document


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file's bytes (read in chunks: data files can be large)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_source(data: SavedData) -> str:
    """Whether the file `data` was loaded from is still there unchanged: SOURCE_SAME ("same"),
    SOURCE_CHANGED ("changed": other bytes) or SOURCE_MISSING ("missing": gone or unreadable).
    ValueError for data that did not come from a file."""
    if data.source is None:
        raise ValueError(f"{data.origin} data has no source file to check")
    try:
        digest = file_sha256(data.source.path)
    except (OSError, ValueError):  # ValueError: a path no file can have (a NUL character)
        return SOURCE_MISSING
    return SOURCE_SAME if digest == data.source.sha256 else SOURCE_CHANGED
