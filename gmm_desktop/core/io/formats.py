"""Data file formats: one registry, keyed by file suffix, of the readers that turn a file into a `Table`.

The open dialog, the command line and sessions need to know which files the app reads and how,
without each keeping its own list. Today every data file is delimited text read by
`tables.load_csv`, which detects the delimiter, decimal mark and header itself; the registry says
so with one entry per suffix the app offers. A file whose suffix is not registered is read as
delimited text too (`DELIMITED_TEXT`), as the open dialog's "All files (*)" promises.

To add a reader: write its code, a function with `Reader`'s signature returning a `Table` (options
it has no use for may be ignored), and add one `FileFormat` entry for it to `FORMATS`;
`read_table` and `open_dialog_filter` pick it up from there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gmm_desktop.core.io.tables import Table, load_csv


class Reader(Protocol):
    """What a format's reader looks like: `load_csv`'s signature (options None = detect)."""

    def __call__(
        self,
        path: str | os.PathLike[str],
        *,
        progress: Callable[[float], bool | None] | None = None,
        delimiter: str | None = None,
        has_header: bool | None = None,
        decimal: str | None = None,
    ) -> Table: ...


@dataclass(frozen=True)
class FileFormat:
    """One readable format. suffixes: lower-case, with the dot (".csv"); description: its name in
    file dialogs ("Comma-separated values"); read: the `Reader` that turns such a file into a Table."""

    suffixes: tuple[str, ...]
    description: str
    read: Reader


FORMATS: tuple[FileFormat, ...] = (
    FileFormat((".csv",), "Comma-separated values", load_csv),
    FileFormat((".tsv",), "Tab-separated values", load_csv),
    FileFormat((".txt",), "Delimited text", load_csv),
    FileFormat((".dat",), "Delimited data", load_csv),
)
"""The registered formats, in the order file dialogs list their suffixes; a suffix belongs to one entry."""

DELIMITED_TEXT = FileFormat((), "Delimited text (any suffix)", load_csv)
"""How a file whose suffix is not registered is read."""

_BY_SUFFIX = {suffix: entry for entry in FORMATS for suffix in entry.suffixes}


def format_for(path: str | os.PathLike[str]) -> FileFormat:
    """The entry for the file's suffix (case-insensitive), or `DELIMITED_TEXT` if none is registered."""
    return _BY_SUFFIX.get(Path(path).suffix.lower(), DELIMITED_TEXT)


def read_table(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[float], bool | None] | None = None,
    delimiter: str | None = None,
    has_header: bool | None = None,
    decimal: str | None = None,
) -> Table:
    """Read a data file with the reader its suffix is registered for (options as `load_csv`)."""
    reader = format_for(path).read
    return reader(path, progress=progress, delimiter=delimiter, has_header=has_header, decimal=decimal)


def open_dialog_filter() -> str:
    """The Qt open-dialog filter: every registered suffix as "Data files", then "All files (*)"."""
    patterns = " ".join(f"*{suffix}" for entry in FORMATS for suffix in entry.suffixes)
    return f"Data files ({patterns});;All files (*)"
