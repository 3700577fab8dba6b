"""Atomic writes: the old file survives every injected failure and no temporary file is left."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from gmm_desktop.core.io import atomic
from gmm_desktop.core.io.atomic import AtomicWriteError, atomic_open, atomic_write_bytes, atomic_write_text


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _enospc(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_write_text_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second\r\nline ü")
    assert target.read_bytes() == "second\r\nline ü".encode()
    assert _leftovers(tmp_path) == []


def test_write_bytes_and_encoding(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"\x00\x01\xff")
    assert target.read_bytes() == b"\x00\x01\xff"
    atomic_write_text(target, "é", encoding="latin-1")
    assert target.read_bytes() == b"\xe9"


def test_atomic_open_text_and_binary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_open(target, "w", newline="") as handle:
        handle.write("a,b\n")
        assert not target.exists(), "the target must not appear before the block ends"
    assert target.read_text() == "a,b\n"
    with atomic_open(target, "wb") as handle:
        handle.write(b"x")
    assert target.read_bytes() == b"x"


def test_unsupported_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="modes"), atomic_open(tmp_path / "f", "a"):
        pass


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_injected_enospc_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    target = tmp_path / "session.json"
    target.write_text("old contents")
    if where == "write":

        def write(path: Path, data: bytes) -> None:
            with atomic_open(path, "wb") as handle:
                handle.write(data[:2])
                _enospc()

        writer = write
    else:
        monkeypatch.setattr(atomic.os, where, _enospc)
        writer = atomic_write_bytes
    with pytest.raises(AtomicWriteError) as info:
        writer(target, b"new contents")
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(target)
    assert "session.json" in str(info.value)
    assert "No space left" in str(info.value)
    assert isinstance(info.value, OSError)
    assert target.read_text() == "old contents"
    assert _leftovers(tmp_path) == []


def test_exception_in_block_propagates_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("keep")

    def failing_writer() -> None:
        with atomic_open(target) as handle:
            handle.write("partial")
            raise KeyError("boom")

    with pytest.raises(KeyError):
        failing_writer()
    assert target.read_text() == "keep"
    assert _leftovers(tmp_path) == []


def test_temp_creation_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stands in for a read-only folder when tests run as root (chmod does not stop root)."""

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    target = tmp_path / "a.txt"
    target.write_text("keep")
    monkeypatch.setattr(atomic.os, "open", refuse)
    with pytest.raises(AtomicWriteError) as info:
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert info.value.errno == errno.EACCES
    assert target.read_text() == "keep"
    assert _leftovers(tmp_path) == []


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AtomicWriteError) as info:
        atomic_write_text(tmp_path / "no" / "such" / "file.txt", "x")
    assert info.value.errno == errno.ENOENT


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_kept(tmp_path: Path) -> None:
    target = tmp_path / "private.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_symlink_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
