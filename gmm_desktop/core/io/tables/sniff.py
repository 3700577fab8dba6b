"""Detection: what a delimited text file looks like, decided from its first 64 KB.

Files come from anywhere (spreadsheets in several locales, instruments, scripts), so nothing is
asked of the user up front; every choice below can be overridden by the caller (the import dialog).

* Encoding: a UTF-8 byte-order mark, else UTF-8 if the sample decodes, else Latin-1 (UTF-16 with
  a BOM is transcoded). NUL bytes mean "not a text file".
* Delimiter: the candidate (tab, semicolon, comma, runs of whitespace) that splits most sample
  lines into the same number (>= 2) of fields; near-ties go to that order of preference, so
  `1,5;2,5` is semicolon-delimited.
* Decimal comma: only when the delimiter is not a comma and more sample cells look like `1,5`
  than like `1.5`.
* Header: the first record is a header when one of its cells is text (or quoted) above a column
  that is mostly numbers below, or when none of its cells is a number.
* `#` starts a comment; lines that are blank or start with `#` are skipped (pandas' rules).
* Headers are stripped of surrounding spaces; empty names become `x<i>` (1-based), repeated names
  get `_2`, `_3`, ...; files without a header get `x1, x2, ...`.

The result is a `Format`, which also tells the reader which columns may be declared float64.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from gmm_desktop.core.io.tables.records import WHITESPACE, TableError

SNIFF_BYTES = 64 * 1024
SNIFF_RECORDS = 200

_DELIMITERS = ("\t", ";", ",", WHITESPACE)  # order of preference on near-ties
_TIE = 0.05
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.ASCII | re.IGNORECASE)
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?", re.ASCII)
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?", re.ASCII)


@dataclass(frozen=True)
class Format:
    delimiter: str
    decimal: str
    has_header: bool
    names: tuple[str, ...]
    numeric_hint: tuple[bool, ...]
    """Per column: every non-empty sample cell is a number (so pandas may parse it as float64)."""


def detect_encoding(path: Path, head: bytes, *, complete: bool) -> str:
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


def sample_text(raw: bytes, codec: str, complete: bool) -> str:
    """The detection sample as text, cut after its last full line unless it is the whole file."""
    text = raw.decode(codec, errors="replace")
    return text if complete else text[: max(text.rfind("\n"), text.rfind("\r")) + 1]


def sniff_format(
    path: Path, sample: str, delimiter: str | None, has_header: bool | None, decimal: str | None
) -> Format:
    records = _sample_records(sample)
    if not records:
        raise TableError(path, "file is empty (only comments and blank lines)")
    if delimiter is None:
        delimiter = _detect_delimiter([text for _, text in records])
    split = [split_line(text, delimiter) for _, text in records]
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
    return Format(delimiter, decimal, has_header, names, hint)


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
        counts = Counter(len(split_line(line, delimiter)) for line in lines)
        fields, hits = counts.most_common(1)[0]
        if fields >= 2:
            scores[delimiter] = hits / len(lines)
    if not scores:
        return ","  # a single column
    best = max(scores.values())
    return next(d for d in _DELIMITERS if scores.get(d, -1.0) >= best - _TIE)


def split_line(line: str, delimiter: str) -> list[tuple[str, bool]]:
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


def is_number(cell: str, decimal: str) -> bool:
    return bool(_NUMBER.fullmatch(cell.replace(",", ".") if decimal == "," else cell))


def _looks_numeric(cells: list[str], decimal: str) -> bool:
    present = [cell for cell in cells if cell]
    return bool(present) and all(is_number(cell, decimal) for cell in present)


def _detect_header(rows: list[list[str]], quoted: list[bool], decimal: str) -> bool:
    first, rest = rows[0], rows[1:]
    is_text = [bool(cell) and (q or not is_number(cell, decimal)) for cell, q in zip(first, quoted, strict=True)]
    for j, text in enumerate(is_text):
        below = [row[j] for row in rest if j < len(row) and row[j]]
        if text and below and 2 * sum(is_number(cell, decimal) for cell in below) >= len(below):
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
