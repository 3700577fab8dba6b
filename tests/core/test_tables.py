"""CSV in and out: exact round trips, detection, and a battery of malformed files.

Every malformed file is written by the test itself; each must give the right typed result or a
TableError pointing at the right line and column of the file.
"""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_desktop.core.io import tables
from gmm_desktop.core.io.tables import (
    LoadCancelled,
    TableError,
    bad_cells,
    drop_rows_with_bad_cells,
    load_csv,
    numeric_matrix,
    preview_rows,
    sample_column_names,
    write_csv,
    write_fit_csv,
    write_samples_csv,
)


def _write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def _same_floats(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality (so -0.0 and 0.0 differ, as they should after a round trip)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def _load_error(path: Path, **kwargs: object) -> TableError:
    with pytest.raises(TableError) as info:
        load_csv(path, **kwargs)  # type: ignore[arg-type]
    return info.value


# ====================================================================== round trips
_NAME_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
_names = st.text(_NAME_CHARS, min_size=1, max_size=10).filter(lambda s: s == s.strip() and s != "")
_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def _numeric_tables(draw: st.DrawFn) -> dict[str, np.ndarray]:
    names = draw(st.lists(_names, min_size=1, max_size=4, unique=True))
    rows = draw(st.integers(min_value=1, max_value=25))
    return {name: np.array(draw(st.lists(_finite, min_size=rows, max_size=rows))) for name in names}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_numeric_tables())
def test_round_trip_numeric(tmp_path: Path, data: dict[str, np.ndarray]) -> None:
    path = tmp_path / "round.csv"
    write_csv(path, data)
    table = load_csv(path)
    assert table.columns == tuple(data)
    assert table.numeric_columns == tuple(data)
    assert table.has_header
    assert _same_floats(numeric_matrix(table), np.column_stack(list(data.values())))
    assert np.array_equal(table.line_numbers, np.arange(2, len(next(iter(data.values()))) + 2))


def _is_text(cell: str) -> bool:
    """Not empty, not a number to pandas ('inf', '1e5') and not a boolean (pandas reads TRUE as True)."""
    stripped = cell.strip()
    if stripped == "" or stripped.lower() in ("true", "false"):
        return False
    return bool(pd.isna(pd.to_numeric(stripped, errors="coerce")))


_words = st.text(string.ascii_letters + " ,;\t#\"'é€中-_", min_size=1, max_size=12).filter(_is_text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.tuples(_finite, _words), min_size=1, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_round_trip_with_text_column(tmp_path: Path, values: list[tuple[float, str]], delimiter: str) -> None:
    path = tmp_path / "mixed.csv"
    numbers = np.array([v for v, _ in values])
    words = [w for _, w in values]
    write_csv(
        path, pd.DataFrame({"value x": numbers, 'label "q"': pd.Series(words, dtype=object)}), delimiter=delimiter
    )
    table = load_csv(path)
    assert table.delimiter == delimiter
    assert table.numeric_columns == ("value x",)
    assert table.text_columns == ('label "q"',)
    assert _same_floats(table.numeric_values["value x"], numbers)
    assert table.frame['label "q"'].tolist() == words


@pytest.mark.parametrize(
    "value", [5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, -0.0, 0.1, 1 / 3, 123456789012345680.0]
)
def test_round_trip_extreme_floats(tmp_path: Path, value: float) -> None:
    path = tmp_path / "x.csv"
    write_csv(path, {"a": np.array([value, 1.0]), "b": np.array([2.0, value])})
    assert _same_floats(numeric_matrix(load_csv(path)), np.array([[value, 2.0], [1.0, value]]))


def test_numeric_looking_names_stay_names(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    write_csv(path, {"1.5": np.array([1.0, 2.0]), "#id": np.array([3.0, 4.0]), "inf": np.array([5.0, 6.0])})
    table = load_csv(path)
    assert table.columns == ("1.5", "#id", "inf")
    assert numeric_matrix(table).tolist() == [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]


def test_float32_written_as_float64(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    values = np.array([0.1, 1 / 3], dtype=np.float32)
    write_csv(path, {"x": values})
    assert _same_floats(load_csv(path).numeric_values["x"], values.astype(np.float64))


def test_write_rejects_ragged_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one length"):
        write_csv(tmp_path / "x.csv", {"a": np.zeros(3), "b": np.zeros(2)})
    with pytest.raises(ValueError, match="1-D"):
        write_csv(tmp_path / "x.csv", {"a": np.zeros((3, 2))})


def test_write_fit_csv(tmp_path: Path) -> None:
    source = _write(tmp_path, "in.csv", "name,x,label\nA,1.5,7\nB,2.5,8\n")
    table = load_csv(source)
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8]])
    out = tmp_path / "out.csv"
    write_fit_csv(out, table, probabilities)
    result = load_csv(out)
    assert result.columns == ("name", "x", "label", "label_2", "p_1", "p_2")
    assert result.frame["label_2"].tolist() == [1, 2]
    assert _same_floats(numeric_matrix(result, ["p_1", "p_2"]), probabilities)
    assert result.frame["name"].tolist() == ["A", "B"]
    write_fit_csv(out, np.array([[0.0, 1.0], [2.0, 3.0]]), probabilities, labels=np.array([1, 1]))
    result = load_csv(out)
    assert result.columns == ("x", "y", "label", "p_1", "p_2")
    assert result.frame["label"].tolist() == [2, 2]
    with pytest.raises(ValueError, match="shape"):
        write_fit_csv(out, table, np.ones((3, 2)))


def test_write_samples_csv(tmp_path: Path) -> None:
    out = tmp_path / "samples.csv"
    samples = np.random.default_rng(0).standard_normal((50, 2))
    chain = np.repeat(np.arange(5), 10)
    write_samples_csv(out, samples, chain)
    table = load_csv(out)
    assert table.columns == ("x", "y", "chain")
    assert _same_floats(numeric_matrix(table, ["x", "y"]), samples)
    assert table.frame["chain"].tolist() == chain.tolist()
    assert sample_column_names(1) == ("x",)
    assert sample_column_names(3) == ("x", "y", "z")
    assert sample_column_names(4) == ("x1", "x2", "x3", "x4")
    with pytest.raises(ValueError, match="3 names for 2 columns"):
        write_samples_csv(out, samples, names=["a", "b", "c"])


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _write(tmp_path, "keep.csv", "old\n")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="No space left"):
        write_csv(out, {"x": np.arange(3.0)})
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


# ====================================================================== detection
@pytest.mark.parametrize(
    ("content", "delimiter", "decimal", "expected"),
    [
        ("x,y\n1.5,2\n-3,4e2\n", ",", ".", [[1.5, 2.0], [-3.0, 400.0]]),
        ("x;y\n1,5;2\n-3;4,25\n", ";", ",", [[1.5, 2.0], [-3.0, 4.25]]),
        ("x;y\n1.5;2\n-3;4.25\n", ";", ".", [[1.5, 2.0], [-3.0, 4.25]]),
        ("x\ty\n1.5\t2\n-3\t4\n", "\t", ".", [[1.5, 2.0], [-3.0, 4.0]]),
        ("  x   y\n  1.5   2\n -3     4\n", " ", ".", [[1.5, 2.0], [-3.0, 4.0]]),
        ("x, y\n1.5, 2\n-3, 4\n", ",", ".", [[1.5, 2.0], [-3.0, 4.0]]),
    ],
)
def test_delimiters(tmp_path: Path, content: str, delimiter: str, decimal: str, expected: list) -> None:
    table = load_csv(_write(tmp_path, "d.csv", content))
    assert (table.delimiter, table.decimal) == (delimiter, decimal)
    assert table.columns == ("x", "y")
    assert numeric_matrix(table).tolist() == expected
    assert table.line_numbers.tolist() == [2, 3]


def test_no_header_names_synthesised(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "n.csv", "1,2,3\n4,5,6\n"))
    assert not table.has_header
    assert table.columns == ("x1", "x2", "x3")
    assert table.line_numbers.tolist() == [1, 2]
    assert numeric_matrix(table).tolist() == [[1, 2, 3], [4, 5, 6]]


def test_header_names_cleaned(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "h.csv", " a ,a,,b\n1,2,3,4\n"))
    assert table.columns == ("a", "a_2", "x3", "b")


def test_header_over_a_text_column(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "t.csv", "name,x\nbob,1\nann,2\n"))
    assert table.has_header
    assert table.text_columns == ("name",)
    assert table.numeric_columns == ("x",)
    no_header = load_csv(_write(tmp_path, "t2.csv", "bob,1\nann,2\n"))
    assert not no_header.has_header
    assert no_header.text_columns == ("x1",)


def test_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, "o.csv", "1;2\n3;4\n")
    table = load_csv(path, has_header=True)
    assert table.columns == ("1", "2")
    assert table.line_numbers.tolist() == [2]
    assert _load_error(path, delimiter=",", has_header=False).reason == "no numeric column (columns: x1)"
    comma = load_csv(_write(tmp_path, "c.csv", "x;y\n1,5;2\n"), decimal=".")
    assert comma.decimal == "."
    assert comma.text_columns == ("x",)
    with pytest.raises(ValueError, match="one character"):
        load_csv(path, delimiter=";;")


def test_bom(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "b.csv", "\ufeffx,y\n1,2\n"))
    assert table.columns == ("x", "y")
    assert table.encoding == "utf-8-sig"


def test_bom_then_comment(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "b.csv", "\ufeff# note\nx,y\n1,2\n\n3,4\n"))
    assert table.columns == ("x", "y")
    assert table.line_numbers.tolist() == [3, 5]


def test_latin1_with_accents_in_header(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "l.csv", "température;durée\n1,5;2\n3;4\n", encoding="latin-1"))
    assert table.encoding == "latin-1"
    assert table.columns == ("température", "durée")
    assert numeric_matrix(table).tolist() == [[1.5, 2.0], [3.0, 4.0]]


def test_latin1_byte_after_the_sample(tmp_path: Path) -> None:
    body = "".join(f"{i},{i}.5,ok\n" for i in range(20_000))
    path = _write(tmp_path, "late.csv", ("x,y,note\n" + body).encode() + b"1,2,caf\xe9\n")
    table = load_csv(path)
    assert table.encoding == "latin-1"
    assert table.frame["note"].iloc[-1] == "café"
    assert table.n_rows == 20_001


def test_utf8_accents(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "u.csv", "größe,温度\n1,2\n"))
    assert table.columns == ("größe", "温度")
    assert table.encoding == "utf-8"


def test_utf16_with_bom(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "w.csv", "x\ty\n1\t2\n# c\n3\t4\n", encoding="utf-16"))
    assert table.encoding == "utf-16"
    assert numeric_matrix(table).tolist() == [[1, 2], [3, 4]]
    assert table.line_numbers.tolist() == [2, 4]


def test_comments_and_blank_lines_count_as_lines(tmp_path: Path) -> None:
    content = "# exported by hand\n\nx,y\n# first block\n1,2  # trailing note\n\n   \n3,4\n   # indented note\n5,6\n\n"
    table = load_csv(_write(tmp_path, "c.csv", content))
    assert table.columns == ("x", "y")
    assert numeric_matrix(table).tolist() == [[1, 2], [3, 4], [5, 6]]
    assert table.line_numbers.tolist() == [5, 8, 10]


def test_crlf_and_cr_line_endings(tmp_path: Path) -> None:
    crlf = load_csv(_write(tmp_path, "a.csv", "x,y\r\n1,2\r\n\r\n3,4\r\n"))
    assert numeric_matrix(crlf).tolist() == [[1, 2], [3, 4]]
    assert crlf.line_numbers.tolist() == [2, 4]
    cr = load_csv(_write(tmp_path, "b.csv", "x,y\r1,2\r\r3,4\r"))
    assert numeric_matrix(cr).tolist() == [[1, 2], [3, 4]]
    assert cr.line_numbers.tolist() == [2, 4]


def test_quoted_fields_with_delimiters_and_newlines(tmp_path: Path) -> None:
    content = 'name,x,y\n"Smith, J.",1,2\n"two\nlines",3,4\n"say ""hi"" #1",5,6\n'
    table = load_csv(_write(tmp_path, "q.csv", content))
    assert table.frame["name"].tolist() == ["Smith, J.", "two\nlines", 'say "hi" #1']
    assert numeric_matrix(table).tolist() == [[1, 2], [3, 4], [5, 6]]
    assert table.line_numbers.tolist() == [2, 3, 5]


def test_last_line_without_newline(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "e.csv", "x,y\n1,2\n3,4"))
    assert table.line_numbers.tolist() == [2, 3]


# ====================================================================== bad cells
def test_missing_values_are_bad_cells(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "m.csv", "x,y,z\n1,,3\n4,5,6\n,8,\n"))
    assert table.numeric_columns == ("x", "y", "z")
    assert dict(table.bad_counts) == {"x": 1, "y": 1, "z": 1}
    found = bad_cells(table)
    assert found.total == 3
    assert found.rows == 2
    assert found.cells == ((2, "y", ""), (4, "x", ""), (4, "z", ""))
    with pytest.raises(TableError) as info:
        numeric_matrix(table)
    assert (info.value.line, info.value.column) == (2, "y")
    assert str(info.value) == 'm.csv, line 2, column "y": missing value (3 bad cells in 2 rows)'
    with pytest.raises(TableError, match=r'line 4, column "x": missing value$'):
        numeric_matrix(table, ["x"])
    clean = drop_rows_with_bad_cells(table)
    assert clean.n_rows == 1
    assert clean.line_numbers.tolist() == [3]
    assert numeric_matrix(clean).tolist() == [[4, 5, 6]]
    assert table.n_rows == 3, "the original table is unchanged"


def test_non_numeric_cell_in_a_numeric_column(tmp_path: Path) -> None:
    body = "".join(f"{i},{i * 2}\n" for i in range(12))
    path = _write(tmp_path, "data.csv", "x,y\n" + body[:20] + "abc,7\n" + body[20:])
    table = load_csv(path)
    assert table.numeric_columns == ("x", "y"), "one bad cell in 13 keeps the column numeric"
    assert table.columns_with_bad_cells == ("x",)
    with pytest.raises(TableError) as info:
        numeric_matrix(table)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.path, error.line, error.column) == (path, 7, "x")
    assert str(error) == 'data.csv, line 7, column "x": "abc" is not a number'
    assert numeric_matrix(table, ["y"]).shape == (13, 1)
    clean = drop_rows_with_bad_cells(table, ["x"])
    assert clean.n_rows == 12
    assert 7 not in clean.line_numbers
    assert numeric_matrix(clean)[:, 0].tolist() == list(range(12))


def test_numeric_fraction_rule(tmp_path: Path) -> None:
    nine_of_ten = "a,b\n" + "".join(f"{i},1\n" for i in range(9)) + "oops,1\n"
    assert load_csv(_write(tmp_path, "a.csv", nine_of_ten)).numeric_columns == ("a", "b")
    eight_of_ten = "a,b\n" + "".join(f"{i},1\n" for i in range(8)) + "oops,1\nmore,1\n"
    table = load_csv(_write(tmp_path, "b.csv", eight_of_ten))
    assert table.numeric_columns == ("b",)
    assert table.text_columns == ("a",)
    with pytest.raises(TableError, match=r'line 10, column "a": "oops" is not a number \(the column is text\)'):
        numeric_matrix(table, ["a"])


def test_non_finite_values_are_bad_cells(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "f.csv", "x,y\n1,inf\n2,3\nnan,4\n" + "5,6\n" * 10))
    assert table.numeric_columns == ("x", "y")
    found = bad_cells(table)
    assert [(c.line, c.column) for c in found.cells] == [(2, "y"), (4, "x")]
    with pytest.raises(TableError, match='"inf" is not a finite number'):
        numeric_matrix(table)


def test_bad_cells_limit_and_summary(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "s.csv", "x\n" + "1\n" * 100 + "a\n" * 5))
    found = bad_cells(table, limit=2)
    assert found.total == 5
    assert found.rows == 5
    assert len(found.cells) == 2
    assert found.summary().startswith("5 bad cells in 5 rows: line 102 \"x\" ('a'), line 103")
    assert bad_cells(drop_rows_with_bad_cells(table)).summary() == "no bad cells"


def test_unknown_column(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "u.csv", "x,y\n1,2\n"))
    with pytest.raises(TableError, match='no column named "z"'):
        numeric_matrix(table, ["x", "z"])


def test_preview_rows(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "p.csv", "# c\nname,x\nbob,1.5\n\nann,\n"))
    assert preview_rows(table, 5) == [(3, ("bob", "1.5")), (5, ("ann", ""))]
    assert len(preview_rows(table, 1)) == 1


# ====================================================================== errors
@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("a,b,c\n1,2,3\n4,5,6,7\n", 3, "4 fields, expected 3"),
        ("# c1\n\na,b,c\n# c2\n1,2,3\n\n4,5,6,7\n", 7, "4 fields, expected 3"),
        ("a,b,c\n1,2,3,4\n4,5,6\n", 2, "4 fields, expected 3"),
        ("a,b,c\n1,2,3\n\n4,5\n7,8,9\n", 4, "2 fields, expected 3"),
        ('a,b,c\n"x\ny",2,3\n4,5,6,7\n', 4, "4 fields, expected 3"),
        ("1 2 3\n4 5 6\n\n7 8\n", 4, "2 fields, expected 3"),
        ("a;b\n1;2\n3;4;5\n", 3, "3 fields, expected 2"),
    ],
)
def test_ragged_rows(tmp_path: Path, content: str, line: int, reason: str) -> None:
    error = _load_error(_write(tmp_path, "r.csv", content))
    assert (error.line, error.column, error.reason) == (line, None, reason)
    assert str(error) == f"r.csv, line {line}: {reason}"


def test_ragged_row_far_down_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables.read, "CHUNKED_ABOVE_BYTES", 0)
    monkeypatch.setattr(tables.read, "CHUNK_BYTES", 2000)
    body = "".join(f"{i},{i}\n" for i in range(5000))
    path = _write(tmp_path, "big.csv", "# c\nx,y\n" + body + "\n1,2,3\n")
    error = _load_error(path, progress=lambda _f: True)
    assert error.line == 5004


@pytest.mark.parametrize(
    ("name", "content", "reason", "line"),
    [
        ("empty.csv", b"", "file is empty", None),
        ("blank.csv", b"\n  \n\n", "file is empty", None),
        ("comments.csv", b"# nothing\n# here\n", "file is empty (only comments and blank lines)", None),
        ("header.csv", b"x,y,z\n", "the file has a header row but no data rows", 1),
        ("header2.csv", b"# c\nx,y\n\n# end\n", "the file has a header row but no data rows", 2),
        ("text.csv", b"a,b\nfoo,bar\n", "no numeric column (columns: a, b)", None),
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "not a text file (binary content)",
            None,
        ),
        ("quote.csv", b'x,y\n1,2\n3,"4\n5,6\n', "a quoted field starts here and its closing quote is missing", 3),
    ],
)
def test_file_level_errors(tmp_path: Path, name: str, content: bytes, reason: str, line: int | None) -> None:
    error = _load_error(_write(tmp_path, name, content))
    assert error.reason == reason
    assert error.line == line
    assert str(error).startswith(name)


def test_file_not_found_and_folder(tmp_path: Path) -> None:
    error = _load_error(tmp_path / "missing.csv")
    assert error.reason == "file not found"
    assert str(error) == "missing.csv: file not found"
    assert _load_error(tmp_path).reason == "is a folder, not a file"


# ====================================================================== progress
def test_progress_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"{i},{i / 7!r},{-i}\n" for i in range(20_000))
    path = _write(tmp_path, "p.csv", "a,b,c\n" + body)
    whole = load_csv(path)
    monkeypatch.setattr(tables.read, "CHUNKED_ABOVE_BYTES", 0)
    monkeypatch.setattr(tables.read, "CHUNK_BYTES", 50_000)
    seen: list[float] = []
    chunked = load_csv(path, progress=lambda f: seen.append(f) is None)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert len(seen) > 5
    assert all(b >= a for a, b in itertools.pairwise(seen))
    assert _same_floats(numeric_matrix(chunked), numeric_matrix(whole))
    assert np.array_equal(chunked.line_numbers, whole.line_numbers)
    calls: list[float] = []

    def cancel_third(fraction: float) -> bool:
        calls.append(fraction)
        return len(calls) < 3

    with pytest.raises(LoadCancelled):
        load_csv(path, progress=cancel_third)
    assert len(calls) == 3
    with pytest.raises(LoadCancelled):
        load_csv(path, progress=lambda _f: False)


def test_chunks_with_a_bad_cell_late(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables.read, "CHUNKED_ABOVE_BYTES", 0)
    monkeypatch.setattr(tables.read, "CHUNK_BYTES", 5000)
    body = "".join(f"{i},{i}\n" for i in range(3000))
    table = load_csv(_write(tmp_path, "c.csv", "x,y\n" + body + "oops,1\n"), progress=lambda _f: True)
    assert table.numeric_columns == ("x", "y")
    assert bad_cells(table).cells == ((3002, "x", "oops"),)


def test_large_file_with_a_late_text_cell_does_not_warn(tmp_path: Path) -> None:
    """Above CHUNKED_ABOVE_BYTES; pandas' own low-memory mode would raise DtypeWarning here."""
    rows = tables.CHUNKED_ABOVE_BYTES // 9
    body = "".join(f"{i},{i % 97}\n" for i in range(rows))
    path = _write(tmp_path, "big.csv", "x,y\n" + body + "n/a,5\n")
    assert path.stat().st_size > tables.CHUNKED_ABOVE_BYTES
    table = load_csv(path)
    assert table.numeric_columns == ("x", "y")
    assert bad_cells(table).cells == ((rows + 2, "x", "n/a"),)
    assert numeric_matrix(table, ["y"]).shape == (rows + 1, 1)


def test_many_empty_last_cells_and_a_late_short_row(tmp_path: Path) -> None:
    body = "".join(f"{i},{i},\n" if i % 3 else f"{i},{i},{i}\n" for i in range(30_000))
    ok = load_csv(_write(tmp_path, "ok.csv", "a,b,note\n" + body + "  # indented comment\n1,2,3\n"))
    assert ok.n_rows == 30_001
    assert ok.line_numbers[-1] == 30_003
    assert ok.bad_counts["note"] == 20_000
    error = _load_error(_write(tmp_path, "bad.csv", "a,b,note\n" + body + '"q,",2\n1,2\n'))
    assert (error.line, error.reason) == (30_002, "2 fields, expected 3")


def test_table_is_frozen(tmp_path: Path) -> None:
    table = load_csv(_write(tmp_path, "f.csv", "x,y\n1,2\n"))
    with pytest.raises(AttributeError):
        table.delimiter = ";"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        table.line_numbers[0] = 5
    with pytest.raises(ValueError, match="read-only"):
        table.numeric_values["x"][0] = 5
    with pytest.raises(TypeError):
        table.numeric_values["z"] = np.zeros(1)  # type: ignore[index]
