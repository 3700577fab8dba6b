"""Delimited tables in and out: pandas' C parser for speed, our own checks for honest error messages.

The package's rooms, in the order a file goes through them: `sniff` (encoding, delimiter, decimal
mark and header, from the first 64 KB), `read` (`load_csv`: the pandas read, in chunks with
progress and cancel for large files), `lines` (the file line of every row, ragged rows, located
parser errors), `cells` (numeric columns and bad cells: nothing silently becomes 0 or NaN) and
`write` (atomic CSV that reads back bit for bit). `records` holds what they share: `Table`,
`BadCells` and the errors. Each room's docstring states the rules the user sees.

The constants below are re-exported for reading; code reads them in their own room, so a test
that changes one patches it there (e.g. `tables.read.CHUNK_BYTES`).
"""

from gmm_desktop.core.io.tables.cells import (
    NUMERIC_FRACTION,
    bad_cells,
    drop_rows_with_bad_cells,
    numeric_matrix,
    preview_rows,
)
from gmm_desktop.core.io.tables.read import CHUNK_BYTES, CHUNKED_ABOVE_BYTES, load_csv
from gmm_desktop.core.io.tables.records import WHITESPACE, BadCell, BadCells, LoadCancelled, Table, TableError
from gmm_desktop.core.io.tables.sniff import SNIFF_BYTES, SNIFF_RECORDS
from gmm_desktop.core.io.tables.write import sample_column_names, write_csv, write_fit_csv, write_samples_csv

__all__ = [
    "CHUNKED_ABOVE_BYTES",
    "CHUNK_BYTES",
    "NUMERIC_FRACTION",
    "SNIFF_BYTES",
    "SNIFF_RECORDS",
    "WHITESPACE",
    "BadCell",
    "BadCells",
    "LoadCancelled",
    "Table",
    "TableError",
    "bad_cells",
    "drop_rows_with_bad_cells",
    "load_csv",
    "numeric_matrix",
    "preview_rows",
    "sample_column_names",
    "write_csv",
    "write_fit_csv",
    "write_samples_csv",
]
