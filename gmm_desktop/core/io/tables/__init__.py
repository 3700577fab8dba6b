"""CSV in and out: pandas' C parser for speed, our own checks for honest error messages.

Reading (`load_csv`):

* Detection looks only at the first 64 KB. Encoding: a UTF-8 byte-order mark, else UTF-8 if the
  sample decodes, else Latin-1 (UTF-16 with a BOM is transcoded). NUL bytes mean "not a text file".
  Delimiter: the candidate (tab, semicolon, comma, runs of whitespace) that splits most sample
  lines into the same number (>= 2) of fields; near-ties go to that order of preference, so
  `1,5;2,5` is semicolon-delimited. Decimal comma: only when the delimiter is not a comma and
  more sample cells look like `1,5` than like `1.5`. Header: the first record is a header when
  one of its cells is text (or quoted) above a column that is mostly numbers below, or when none
  of its cells is a number. Every choice can be overridden by the caller (the import dialog).
* `#` starts a comment; lines that are blank or start with `#` are skipped (pandas' rules).
* Headers are stripped of surrounding spaces; empty names become `x<i>` (1-based), repeated names
  get `_2`, `_3`, ...; files without a header get `x1, x2, ...`.
* **Numeric columns.** A cell is numeric when it parses as a number. A column is numeric when at
  least 90% (`NUMERIC_FRACTION`) of its non-empty cells are numeric; its other cells (missing,
  text, or non-finite such as `inf`/`nan`) are *bad cells*. Nothing silently becomes 0 or NaN:
  `numeric_matrix` raises `TableError` naming the first bad cell, `bad_cells` lists where they
  are, and `drop_rows_with_bad_cells` removes those rows when the user agrees. Columns of
  True/False are text columns; numeric columns are float64 (a `7` shows as `7.0`).
* `Table.line_numbers` are the 1-based lines of the file (header, comments and blank lines
  counted) where each data row starts, so every message can point at the file. Ragged rows are
  errors with that line number, whether they have too many fields or too few. A line holding
  only an indented comment (`   # note`) is dropped like a comment line.
* Speed (1e6 x 3 numbers in ~0.15 s, ~5x `numpy.loadtxt`): one pandas read with float64/str
  types declared from the sample and `comment` passed only when the file holds a `#`, plus a
  newline count; nothing loops over cells in Python. The full line index (numpy over the raw
  bytes) is built only when lines were skipped, a row looks short, or pandas reported an error.

Writing (`write_csv` and friends) goes through `atomic.atomic_open`; floats are written as
float64 in shortest round-trip form (`repr`), so reading a file back gives identical floats;
text cells and all header names are quoted (so a name such as `1.5` or `#id` stays a name).
Fit output has one `label` column and `p_1 ... p_K`: **components are numbered from 1** in
files, as in the window, so `label == k` means the row's most probable component is the one
whose probability is `p_k`.

This module is longer than our usual ~400 lines because detection, the line index that error
messages need and the writer share one set of conventions; splitting them would scatter those.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import mmap
import os
import re
import types
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
import pandas as pd

from gmm_desktop.core.io.atomic import atomic_open

NUMERIC_FRACTION = 0.9
"""A column is numeric when at least this share of its non-empty cells are numbers."""
SNIFF_BYTES = 64 * 1024
SNIFF_RECORDS = 200
CHUNKED_ABOVE_BYTES = 4 * 1024 * 1024
"""Files larger than this are read in chunks of about CHUNK_BYTES (progress is reported between them)."""
CHUNK_BYTES = 8 * 1024 * 1024
WHITESPACE = " "
"""`Table.delimiter` value meaning "any run of spaces and tabs"."""

_DELIMITERS = ("\t", ";", ",", WHITESPACE)  # order of preference on near-ties
_TIE = 0.05
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.ASCII | re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?", re.ASCII)
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?", re.ASCII)
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_HASH, _QUOTE = 35, 34


class TableError(ValueError):
    """A problem with a data file, located as precisely as possible.

    path: the file; line: 1-based line in the file or None; column: name (or 1-based index) or None;
    reason: the message without the location. str() reads like
    `data.csv, line 7, column "x": "abc" is not a number`.
    """

    def __init__(
        self, path: str | os.PathLike[str], reason: str, *, line: int | None = None, column: str | int | None = None
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        where = [self.path.name]
        if line is not None:
            where.append(f"line {line}")
        if isinstance(column, str):
            where.append(f'column "{column}"')
        elif column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {reason}")


class LoadCancelled(Exception):  # noqa: N818 - the name says what happened; it is not an error
    """The progress callback returned False: loading stopped, nothing was returned."""


class BadCell(NamedTuple):
    line: int
    column: str
    text: str
    """The cell as written in the file ('' when missing)."""


@dataclass(frozen=True)
class BadCells:
    """Where the missing, non-numeric or non-finite cells are: totals plus the first few."""

    total: int
    rows: int
    cells: tuple[BadCell, ...]

    def summary(self, shown: int = 5) -> str:
        """E.g. `3 bad cells in 2 rows: line 7 "x" ("abc"), line 9 "y" (missing), ...`."""
        if not self.total:
            return "no bad cells"
        parts = [f'line {c.line} "{c.column}" ({repr(c.text) if c.text else "missing"})' for c in self.cells[:shown]]
        more = ", ..." if self.total > len(parts) else ""
        cells = "cell" if self.total == 1 else "cells"
        rows = "row" if self.rows == 1 else "rows"
        return f"{self.total} bad {cells} in {self.rows} {rows}: {', '.join(parts)}{more}"


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV file. Treat `frame` and the arrays as read-only.

    frame: the cells as parsed (numbers for clean numeric columns, text otherwise), N rows.
    numeric_values: float64 (N,) per numeric column, NaN where the cell is bad.
    bad_counts: number of bad cells per numeric column.
    line_numbers: (N,) int64, 1-based file line of each row.
    delimiter: ",", ";", "\\t" or " " (runs of whitespace); decimal: "." or ",".
    """

    path: Path
    columns: tuple[str, ...]
    numeric_columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    frame: pd.DataFrame
    numeric_values: Mapping[str, np.ndarray]
    bad_counts: Mapping[str, int]
    line_numbers: np.ndarray
    delimiter: str
    encoding: str
    has_header: bool
    decimal: str

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns_with_bad_cells(self) -> tuple[str, ...]:
        return tuple(name for name in self.numeric_columns if self.bad_counts[name])


@dataclass(frozen=True)
class _Format:
    delimiter: str
    decimal: str
    has_header: bool
    names: tuple[str, ...]
    numeric_hint: tuple[bool, ...]
    """Per column: every non-empty sample cell is a number (so pandas may parse it as float64)."""


# ====================================================================== reading
def load_csv(
    path: str | os.PathLike[str],
    *,
    progress: Callable[[float], bool | None] | None = None,
    delimiter: str | None = None,
    has_header: bool | None = None,
    decimal: str | None = None,
) -> Table:
    """Read a delimited text file into a `Table` (detection rules in the module docstring).

    progress(fraction) is called with 0.0, between chunks of a large file, and with 1.0; returning
    False raises `LoadCancelled`. delimiter/has_header/decimal override detection (None = detect).
    Raises TableError for anything wrong with the file, including "no numeric column".
    """
    path = Path(path)
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character (' ' for runs of whitespace), got {delimiter!r}")
    head, size = _read_head(path)
    encoding = _detect_encoding(path, head, complete=len(head) >= size)
    if progress is not None and progress(0.0) is False:
        raise LoadCancelled(str(path))
    data = _transcoded(path) if encoding == "utf-16" else None
    raw = head if data is None else data[:SNIFF_BYTES]
    complete = len(head) >= size if data is None else len(data) <= SNIFF_BYTES
    lines = _Lines(path, data, raw)
    fmt = _sniff(path, _sample_text(raw, _codec(encoding), complete), delimiter, has_header, decimal)
    frame, encoding = _read_frame(path, data, encoding, fmt, lines, progress, size if data is None else len(data))
    frame, line_numbers = _check_rows(path, frame, fmt, lines)
    table = _make_table(path, frame, line_numbers, fmt, encoding)
    if progress is not None:
        progress(1.0)
    return table


def _read_head(path: Path) -> tuple[bytes, int]:
    """The first SNIFF_BYTES (more if they hold no data line yet) and the file size."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise TableError(path, "is a folder, not a file")
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            while len(head) < size and not _has_record(head) and len(head) < 64 * SNIFF_BYTES:
                head += handle.read(len(head))
    except FileNotFoundError:
        raise TableError(path, "file not found") from None
    except PermissionError:
        raise TableError(path, "permission denied: the file cannot be read") from None
    if not head.strip():
        raise TableError(path, "file is empty")
    return head, size


def _has_record(head: bytes) -> bool:
    return any(line.strip() and not line.lstrip().startswith(b"#") for line in head.splitlines()[:-1])


def _detect_encoding(path: Path, head: bytes, *, complete: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    controls = sum(head.count(bytes([b])) for b in (*range(0, 8), *range(14, 27), *range(28, 32)))
    if b"\x00" in head or controls > 0.05 * len(head):
        raise TableError(path, "not a text file (binary content)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _sample_text(raw: bytes, codec: str, complete: bool) -> str:
    """The detection sample as text, cut after its last full line unless it is the whole file."""
    text = raw.decode(codec, errors="replace")
    return text if complete else text[: max(text.rfind("\n"), text.rfind("\r")) + 1]


def _codec(encoding: str) -> str:
    return "utf-8" if encoding == "utf-16" else encoding


def _transcoded(path: Path) -> bytes:
    """UTF-16 text re-encoded as UTF-8, so pandas and the line index see single-byte newlines."""
    try:
        return path.read_bytes().decode("utf-16").encode("utf-8")
    except UnicodeDecodeError:
        raise TableError(path, "the file starts like UTF-16 text but is not valid UTF-16") from None


# ---------------------------------------------------------------------- detection
def _sniff(path: Path, sample: str, delimiter: str | None, has_header: bool | None, decimal: str | None) -> _Format:
    records = _sample_records(sample)
    if not records:
        raise TableError(path, "file is empty (only comments and blank lines)")
    if delimiter is None:
        delimiter = _detect_delimiter([text for _, text in records])
    split = [_split(text, delimiter) for _, text in records]
    rows = [[cell.strip() for cell, _ in fields] for fields in split]
    if decimal is None:
        decimal = _detect_decimal(rows) if delimiter != "," else "."
    if has_header is None:
        has_header = _detect_header(rows, [quoted for _, quoted in split[0]], decimal)
    if has_header:
        names = _header_names(rows[0])
        if len(records) == 1:
            raise TableError(path, "the file has a header row but no data rows", line=records[0][0])
    else:
        counts = Counter(len(row) for row in rows)
        names = tuple(f"x{j + 1}" for j in range(counts.most_common(1)[0][0]))
    # pandas would silently take an extra first-row field for an index column: refuse instead.
    first_line, first_fields = records[int(has_header)][0], len(rows[int(has_header)])
    if first_fields > len(names):
        raise TableError(path, f"{first_fields} fields, expected {len(names)}", line=first_line)
    data_rows = rows[int(has_header) :]
    hint = tuple(_looks_numeric([row[j] for row in data_rows if j < len(row)], decimal) for j in range(len(names)))
    return _Format(delimiter, decimal, has_header, names, hint)


def _sample_records(sample: str) -> list[tuple[int, str]]:
    """(1-based line, text) of the first SNIFF_RECORDS lines that are neither blank nor comments."""
    out = []
    for number, text in enumerate(re.split(r"\r\n|\n|\r", sample), start=1):
        stripped = text.strip(" \t\r")
        if stripped and not stripped.startswith("#"):
            out.append((number, text))
            if len(out) == SNIFF_RECORDS:
                break
    return out


def _detect_delimiter(lines: list[str]) -> str:
    scores = {}
    for delimiter in _DELIMITERS:
        counts = Counter(len(_split(line, delimiter)) for line in lines)
        fields, hits = counts.most_common(1)[0]
        if fields >= 2:
            scores[delimiter] = hits / len(lines)
    if not scores:
        return ","  # a single column
    best = max(scores.values())
    return next(d for d in _DELIMITERS if scores.get(d, -1.0) >= best - _TIE)


def _split(line: str, delimiter: str) -> list[tuple[str, bool]]:
    """Cells of one line as (text, was_quoted); a `#` outside quotes ends the line."""
    if '"' not in line:
        line = line.split("#", 1)[0]
        cells = line.split() if delimiter == WHITESPACE else line.split(delimiter)
        return [(cell, False) for cell in cells]
    return _split_quoted(line, delimiter)


def _split_quoted(line: str, delimiter: str) -> list[tuple[str, bool]]:
    """The quote-aware splitter (doubled quotes escape a quote), one character at a time.

    Only lines holding a quote come here, so the Python loop stays off the common path.
    """
    runs = delimiter == WHITESPACE
    cells: list[tuple[str, bool]] = []
    buf: list[str] = []
    quoted = in_quotes = False
    i = 0
    while i < len(line):
        char = line[i]
        if in_quotes:
            if char == '"' and line[i + 1 : i + 2] == '"':
                buf.append('"')
                i += 1
            elif char == '"':
                in_quotes = False
            else:
                buf.append(char)
        elif char == '"' and not "".join(buf).strip():
            buf, quoted, in_quotes = [], True, True
        elif (char in " \t") if runs else (char == delimiter):
            if not (runs and not buf and not quoted):  # a run of blanks is one delimiter
                cells.append(("".join(buf), quoted))
                buf, quoted = [], False
        elif char == "#":
            break
        else:
            buf.append(char)
        i += 1
    if buf or quoted or not runs:
        cells.append(("".join(buf), quoted))
    return cells


def _detect_decimal(rows: list[list[str]]) -> str:
    comma = sum(bool(_COMMA_DECIMAL.fullmatch(cell)) for row in rows for cell in row)
    dot = sum(bool(_DOT_DECIMAL.fullmatch(cell)) for row in rows for cell in row)
    return "," if comma > dot else "."


def _is_number(cell: str, decimal: str) -> bool:
    return bool(_NUMBER.fullmatch(cell.replace(",", ".") if decimal == "," else cell))


def _looks_numeric(cells: list[str], decimal: str) -> bool:
    present = [cell for cell in cells if cell]
    return bool(present) and all(_is_number(cell, decimal) for cell in present)


def _detect_header(rows: list[list[str]], quoted: list[bool], decimal: str) -> bool:
    first, rest = rows[0], rows[1:]
    is_text = [bool(cell) and (q or not _is_number(cell, decimal)) for cell, q in zip(first, quoted, strict=True)]
    for j, text in enumerate(is_text):
        below = [row[j] for row in rest if j < len(row) and row[j]]
        if text and below and 2 * sum(_is_number(cell, decimal) for cell in below) >= len(below):
            return True
    return any(is_text) and all(text or not cell for text, cell in zip(is_text, first, strict=True))


def _header_names(cells: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for j, cell in enumerate(cells):
        base = cell or f"x{j + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return tuple(names)


# ---------------------------------------------------------------------- pandas
def _read_frame(
    path: Path,
    data: bytes | None,
    encoding: str,
    fmt: _Format,
    lines: _Lines,
    progress: Callable[[float], bool | None] | None,
    size: int,
) -> tuple[pd.DataFrame, str]:
    """Parse with pandas' C engine; retry as Latin-1 if a bad UTF-8 byte shows up past the sample."""
    options: dict[str, Any] = {
        "sep": r"\s+" if fmt.delimiter == WHITESPACE else fmt.delimiter,
        "decimal": fmt.decimal,
        "header": 0 if fmt.has_header else None,
        "names": list(fmt.names),
        # pandas' tokenizer is ~70% slower with a comment character: ask for it only when needed.
        "comment": "#" if lines.contains(b"#") else None,
        "keep_default_na": False,
        "na_values": [""],
        "index_col": False,
        "engine": "c",
    }
    reader = _Reader(path, data, options, fmt, lines, progress, size)
    try:
        return reader.read(_codec(encoding)), encoding
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise TableError(path, f"cannot decode the file as {encoding}") from None
    return reader.read("latin-1"), "latin-1"


class _Reader:
    """One pandas read, typed from the sample, falling back to full type inference.

    Columns whose sample cells are all numbers are declared float64, the others str: declared
    types are the fastest path, and they keep pandas' low-memory mode from raising DtypeWarning
    when a column changes type between its internal chunks. A declared float64 column holding a
    non-number further down makes pandas raise ValueError; then the file is read again with
    inferred types (low_memory=False, slower but exact), and bad cells are found afterwards.
    """

    def __init__(
        self,
        path: Path,
        data: bytes | None,
        options: dict[str, Any],
        fmt: _Format,
        lines: _Lines,
        progress: Callable[[float], bool | None] | None,
        size: int,
    ) -> None:
        self.path, self.data, self.options, self.lines = path, data, options, lines
        self.progress, self.size = progress, size
        self.dtypes = {
            name: np.float64 if hint else "str" for name, hint in zip(fmt.names, fmt.numeric_hint, strict=True)
        }

    def read(self, encoding: str) -> pd.DataFrame:
        try:
            try:
                return self._read(encoding, self.dtypes)
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
                raise
            except ValueError:  # a column that looked numeric is not: let pandas infer the types
                return self._read(encoding, None)
        except pd.errors.ParserError as exc:
            raise _parser_error(self.path, self.lines, str(exc)) from None
        except pd.errors.EmptyDataError:
            raise TableError(self.path, "file is empty") from None

    def _source(self) -> str | IO[bytes]:
        # pandas reads a path with its own C file reader: ~40% faster than through a Python handle.
        return io.BytesIO(self.data) if self.data is not None else str(self.path)

    def _read(self, encoding: str, dtypes: dict[str, Any] | None) -> pd.DataFrame:
        if self.progress is None or self.size <= CHUNKED_ABOVE_BYTES:
            return pd.read_csv(
                self._source(), encoding=encoding, dtype=dtypes, low_memory=dtypes is not None, **self.options
            )
        return self._read_chunks(encoding, dtypes, self.progress)

    def _read_chunks(
        self, encoding: str, dtypes: dict[str, Any] | None, progress: Callable[[float], bool | None]
    ) -> pd.DataFrame:
        """About CHUNK_BYTES at a time, with progress (rows read / rows expected) between chunks."""
        per_row = self.lines.bytes_per_line()
        rows = max(1000, int(CHUNK_BYTES / per_row))
        expected = max(self.size / per_row, 1.0)
        chunks: list[pd.DataFrame] = []
        done = 0
        with pd.read_csv(
            self._source(), encoding=encoding, dtype=dtypes, chunksize=rows, low_memory=False, **self.options
        ) as reader:
            for chunk in reader:
                chunks.append(chunk)
                done += len(chunk)
                if progress(min(done / expected, 0.99)) is False:
                    raise LoadCancelled(str(self.path))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def _parser_error(path: Path, source: _Lines, message: str) -> TableError:
    """Map pandas' tokenizer messages to located TableErrors (pandas counts lines, not records)."""
    lines = source.index()
    ragged = _RAGGED.search(message)
    if ragged:
        expected, line, seen = (int(g) for g in ragged.groups())
        return TableError(path, f"{seen} fields, expected {expected}", line=lines.pandas_line(line))
    if "EOF inside string" in message:
        return TableError(
            path, "a quoted field starts here and its closing quote is missing", line=lines.unclosed_quote_line()
        )
    return TableError(path, f"cannot be parsed ({message.removeprefix('Error tokenizing data. C error: ')})")


# ---------------------------------------------------------------------- line numbers
class _Lines:
    """Lazy access to the file's bytes for line bookkeeping (most files never need the full index)."""

    def __init__(self, path: Path, data: bytes | None, head: bytes) -> None:
        self.path, self.data, self.head = path, data, head
        self.terminator = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
        self._index: _LineIndex | None = None

    def bytes_per_line(self) -> float:
        """Average line length in the sample (for progress estimates)."""
        return max(len(self.head) / max(self.head.count(self.terminator), 1), 1.0)

    def physical_count(self) -> int:
        """Number of lines in the file (a last line without newline counts), ~15 ms per 60 MB."""
        if self.data is not None:
            return self.data.count(self.terminator) + (not self.data.endswith(self.terminator))
        block, byte = 1 << 20, self.terminator[0]
        try:
            with self.path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                array = np.frombuffer(view, np.uint8)
                try:  # block by block: small temporaries stay in cache
                    count = sum(
                        int(np.count_nonzero(array[i : i + block] == byte)) for i in range(0, array.size, block)
                    )
                    last = int(array[-1])
                finally:
                    del array  # the mmap cannot close while a view exports its buffer
        except (OSError, ValueError):  # changed under us, or a file system without mmap
            return -1  # "unknown": the caller builds the full index instead
        return count + (last != byte)

    def contains(self, needle: bytes) -> bool:
        """Whether the file holds `needle` anywhere (memchr speed: ~2 ms per 60 MB)."""
        if self.data is not None:
            return needle in self.data
        try:
            with self.path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return view.find(needle) >= 0
        except (OSError, ValueError):
            return True  # cannot tell: assume it is there (only costs speed)

    def index(self) -> _LineIndex:
        if self._index is None:
            data = self.data if self.data is not None else self.path.read_bytes()
            self._index = _LineIndex(data, self.terminator[0])
        return self._index


class _LineIndex:
    """Where every physical line starts, which lines pandas skips, and where each record starts.

    Mirrors pandas' C tokenizer: a line is skipped when it holds only spaces/tabs or starts with
    `#`; a newline inside double quotes continues the record (quotes on comment lines ignored).
    A line whose first non-blank character is `#` after some indentation is *not* skipped by
    pandas (it becomes an empty row); `_check_rows` drops those rows.
    """

    def __init__(self, data: bytes, terminator: int) -> None:
        self.data = data
        arr = np.frombuffer(data, np.uint8)
        self.arr = arr
        offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        newlines = np.flatnonzero(arr == terminator)
        starts = np.concatenate(([offset], newlines + 1))
        ends = np.concatenate((newlines, [arr.size]))
        keep = starts < arr.size if arr.size and arr[-1] == terminator else np.ones(starts.size, bool)
        self.starts, self.ends = starts[keep], ends[keep]
        self.first = self._first_non_blank()
        blank = self.first >= self.ends
        comment = (self.starts < self.ends) & (arr[np.minimum(self.starts, arr.size - 1)] == _HASH)
        self.continuation = self._continuations(comment)
        self.noncontinuation = np.flatnonzero(~self.continuation)
        self.records = np.flatnonzero(~self.continuation & ~blank & ~comment)

    def _first_non_blank(self) -> np.ndarray:
        """Position of the first byte that is not a space, tab or CR on each line (ends if none)."""
        pos = self.starts.copy()
        active = np.flatnonzero(pos < self.ends)
        while active.size:
            char = self.arr[pos[active]]
            blank = (char == 32) | (char == 9) | (char == 13)
            active = active[blank]
            pos[active] += 1
            active = active[pos[active] < self.ends[active]]
        return pos

    def _continuations(self, comment: np.ndarray) -> np.ndarray:
        if b'"' not in self.data:
            return np.zeros(self.starts.size, bool)
        quotes = np.flatnonzero(self.arr == _QUOTE)
        per_line = np.searchsorted(quotes, self.ends) - np.searchsorted(quotes, self.starts)
        per_line[comment] = 0
        before = np.cumsum(per_line) - per_line
        return before % 2 == 1

    def record_lines(self) -> np.ndarray:
        """1-based line of each record (header included)."""
        return self.records + 1

    def record_spans(self, records: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, stop, first non-blank) byte positions of records (0-based, header included)."""
        lines = self.records[records]
        following = np.searchsorted(self.noncontinuation, lines, side="right")
        safe = np.minimum(following, self.noncontinuation.size - 1)
        last = np.where(following < self.noncontinuation.size, self.noncontinuation[safe] - 1, self.starts.size - 1)
        return self.starts[lines], self.ends[last], self.first[lines]

    def pandas_line(self, number: int) -> int:
        """pandas numbers lines from 1 without counting newlines inside quotes; ours count them."""
        if 1 <= number <= self.noncontinuation.size:
            return int(self.noncontinuation[number - 1]) + 1
        return number

    def unclosed_quote_line(self) -> int | None:
        quotes = np.flatnonzero(self.arr == _QUOTE)
        if not quotes.size:
            return None
        return int(np.searchsorted(self.starts, quotes[-1], side="right"))


def _check_rows(path: Path, frame: pd.DataFrame, fmt: _Format, lines: _Lines) -> tuple[pd.DataFrame, np.ndarray]:
    """Line numbers for every row; short (ragged) rows raise; rows that were indented comments go.

    pandas pads a short row with missing values, so only rows whose last cell is missing are
    examined (their fields are counted in the raw bytes). The common case, no skipped lines and
    no missing last cells, costs one newline count.
    """
    header = int(fmt.has_header)
    n_rows = len(frame)
    if n_rows == 0:
        raise TableError(path, "the file has a header row but no data rows" if fmt.has_header else "file is empty")
    simple = np.arange(1 + header, n_rows + 1 + header, dtype=np.int64)
    suspicious = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
    if not suspicious.size and lines.physical_count() == n_rows + header:
        return frame, simple
    index = lines.index()
    record_lines = index.record_lines()
    if record_lines.size != n_rows + header:  # our model of pandas' line rules failed: stay approximate
        return frame, simple
    line_numbers = record_lines[header:].astype(np.int64)
    if not suspicious.size:
        return frame, line_numbers
    fields = _field_counts(index, suspicious + header, fmt.delimiter)
    short = np.flatnonzero((fields > 0) & (fields < len(fmt.names)))
    if short.size:
        row = suspicious[short[0]]
        raise TableError(path, f"{fields[short[0]]} fields, expected {len(fmt.names)}", line=int(line_numbers[row]))
    keep = np.ones(n_rows, bool)
    keep[suspicious[fields == 0]] = False
    if keep.all():
        return frame, line_numbers
    if not keep.any():
        raise TableError(path, "file is empty (no data rows)")
    return frame.loc[keep].reset_index(drop=True), line_numbers[keep]


def _field_counts(index: _LineIndex, records: np.ndarray, delimiter: str) -> np.ndarray:
    """Fields per record as pandas counts them, 0 for a record holding only an (indented) comment.

    Vectorised over records without quotes (delimiter bytes before the first `#`); records with
    quotes, and whitespace-delimited files, go through the one-line splitter.
    """
    starts, stops, first = index.record_spans(records)
    hashes = np.flatnonzero(index.arr == _HASH)
    cut = stops
    if hashes.size:
        following = np.searchsorted(hashes, starts)
        first_hash = hashes[np.minimum(following, hashes.size - 1)]
        cut = np.where((following < hashes.size) & (first_hash < stops), first_hash, stops)
    counts = np.where(first >= cut, 0, -1)
    if delimiter != WHITESPACE:
        quotes = np.flatnonzero(index.arr == _QUOTE)
        plain = (np.searchsorted(quotes, stops) - np.searchsorted(quotes, starts)) == 0
        marks = np.flatnonzero(index.arr == ord(delimiter))
        delimited = np.searchsorted(marks, cut) - np.searchsorted(marks, starts) + 1
        counts = np.where(plain & (counts != 0), delimited, counts)
    for k in np.flatnonzero(counts < 0):
        text = index.data[starts[k] : stops[k]].decode("latin-1").rstrip("\r")
        counts[k] = len(_split(text, delimiter))
    return counts


# ---------------------------------------------------------------------- columns
def _make_table(path: Path, frame: pd.DataFrame, line_numbers: np.ndarray, fmt: _Format, encoding: str) -> Table:
    numeric, text, values = [], [], {}
    for name in frame.columns:
        column_values, is_numeric = _classify(frame[name], fmt.decimal)
        if is_numeric:
            numeric.append(name)
            values[name] = _readonly(column_values)
        else:
            text.append(name)
    if not numeric:
        raise TableError(path, f"no numeric column (columns: {', '.join(map(str, frame.columns))})")
    line_numbers = _readonly(line_numbers)
    bad = {name: int(np.count_nonzero(~np.isfinite(values[name]))) for name in numeric}
    return Table(
        path,
        tuple(frame.columns),
        tuple(numeric),
        tuple(text),
        frame,
        types.MappingProxyType(values),
        types.MappingProxyType(bad),
        line_numbers,
        fmt.delimiter,
        encoding,
        fmt.has_header,
        fmt.decimal,
    )


def _classify(column: pd.Series, decimal: str) -> tuple[np.ndarray, bool]:
    """(float64 values with NaN where not a number, whether the column counts as numeric)."""
    if column.dtype.kind in "iuf":
        values = column.to_numpy(np.float64, na_value=np.nan)
        return values, bool(np.any(~np.isnan(values)))
    if column.dtype.kind == "b":
        return np.full(len(column), np.nan), False
    values, nonempty = _coerce(column, decimal)
    numbers = int(np.count_nonzero(~np.isnan(values)))
    return values, numbers > 0 and numbers >= NUMERIC_FRACTION * nonempty


def _coerce(column: pd.Series, decimal: str) -> tuple[np.ndarray, int]:
    """Vectorised text -> float (pd.to_numeric), and the number of non-empty cells."""
    text = column.astype("str").str.strip()
    nonempty = int((text.str.len() > 0).sum())
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    return values, nonempty


def _readonly(array: np.ndarray) -> np.ndarray:
    """A read-only view (the underlying buffer, maybe the frame's, is not touched)."""
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view


# ====================================================================== bad cells
def numeric_matrix(table: Table, columns: Sequence[str] | None = None) -> np.ndarray:
    """(N, D) float64 of the chosen columns (default: all numeric ones), C-contiguous, a fresh copy.

    Raises TableError at the first bad cell (in file order), with the total count in the message.
    """
    names = _selection(table, columns)
    out = np.empty((table.n_rows, len(names)))
    for j, name in enumerate(names):
        out[:, j] = _values(table, name)
    bad = ~np.isfinite(out)
    if bad.any():
        found = bad_cells(table, names, limit=1)
        cell = found.cells[0]
        total = f" ({found.total} bad cells in {found.rows} rows)" if found.total > 1 else ""
        raise TableError(
            table.path, _cell_reason(cell.text, table, cell.column) + total, line=cell.line, column=cell.column
        )
    return out


def bad_cells(table: Table, columns: Sequence[str] | None = None, limit: int | None = 20) -> BadCells:
    """Bad (missing, non-numeric, non-finite) cells of the chosen columns: totals and the first `limit`."""
    names = _selection(table, columns)
    mask = _bad_mask(table, names)
    flat = np.flatnonzero(mask)
    shown = flat if limit is None else flat[:limit]
    cells = tuple(
        BadCell(
            int(table.line_numbers[i // len(names)]),
            names[i % len(names)],
            _raw(table, i // len(names), names[i % len(names)]),
        )
        for i in shown
    )
    return BadCells(int(flat.size), int(np.count_nonzero(mask.any(axis=1))), cells)


def drop_rows_with_bad_cells(table: Table, columns: Sequence[str] | None = None) -> Table:
    """A new Table without the rows that have a bad cell in the chosen columns (the user agreed)."""
    names = _selection(table, columns)
    keep = ~_bad_mask(table, names).any(axis=1)
    if not keep.any():
        raise TableError(table.path, "every row has a bad cell in the chosen columns")
    frame = table.frame.loc[keep].reset_index(drop=True)
    values = {name: _readonly(array[keep]) for name, array in table.numeric_values.items()}
    bad = {name: int(np.count_nonzero(~np.isfinite(array))) for name, array in values.items()}
    return dataclasses.replace(
        table,
        frame=frame,
        numeric_values=types.MappingProxyType(values),
        bad_counts=types.MappingProxyType(bad),
        line_numbers=_readonly(table.line_numbers[keep]),
    )


def preview_rows(table: Table, n: int = 20) -> list[tuple[int, tuple[str, ...]]]:
    """The first n rows as (file line, cell texts) for the import dialog."""
    head = table.frame.head(n)
    return [
        (int(table.line_numbers[i]), tuple(_display(v) for v in row))
        for i, row in enumerate(head.itertuples(index=False, name=None))
    ]


def _selection(table: Table, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(table.numeric_columns)
    if isinstance(columns, str):
        columns = [columns]
    for name in columns:
        if name not in table.columns:
            raise TableError(table.path, f'no column named "{name}"', column=name)
    if not columns:
        raise TableError(table.path, "no column chosen")
    return list(columns)


def _values(table: Table, name: str) -> np.ndarray:
    if name in table.numeric_values:
        return table.numeric_values[name]
    return _coerce(table.frame[name], table.decimal)[0]


def _bad_mask(table: Table, names: list[str]) -> np.ndarray:
    return ~np.isfinite(np.column_stack([_values(table, name) for name in names]))


def _raw(table: Table, row: int, name: str) -> str:
    return _display(table.frame[name].iat[row])


def _display(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _cell_reason(text: str, table: Table, name: str) -> str:
    stripped = text.strip()
    if not stripped:
        return "missing value"
    if _is_number(stripped, table.decimal) or stripped.lower().lstrip("+-") == "nan":
        return f'"{text}" is not a finite number'  # a finite number is never a bad cell
    suffix = "" if name in table.numeric_columns else " (the column is text)"
    return f'"{text}" is not a number{suffix}'


# ====================================================================== writing
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
