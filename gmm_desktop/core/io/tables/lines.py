"""Line numbers: which line of the file each row came from, so every message can point at it.

pandas counts records, not lines, and says nothing about rows it padded. Here:

* `Table.line_numbers` are the 1-based lines of the file (header, comments and blank lines
  counted) where each data row starts.
* Ragged rows are errors with that line number, whether they have too many fields or too few.
* A line holding only an indented comment (`   # note`) is dropped like a comment line.
* pandas' tokenizer messages become `TableError`s located at our line numbers.

The common case costs one newline count (`Lines.physical_count`); the full index (numpy over the
raw bytes, `_LineIndex`) is built only when lines were skipped, a row looks short, or pandas
reported an error.
"""

from __future__ import annotations

import codecs
import mmap
import re
from pathlib import Path

import numpy as np
import pandas as pd

from gmm_desktop.core.io.tables.records import WHITESPACE, TableError
from gmm_desktop.core.io.tables.sniff import Format, split_line

_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_HASH, _QUOTE = 35, 34


class Lines:
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
    pandas (it becomes an empty row); `check_rows` drops those rows.
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


def parser_error(path: Path, source: Lines, message: str) -> TableError:
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


def check_rows(path: Path, frame: pd.DataFrame, fmt: Format, lines: Lines) -> tuple[pd.DataFrame, np.ndarray]:
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
        counts[k] = len(split_line(text, delimiter))
    return counts
