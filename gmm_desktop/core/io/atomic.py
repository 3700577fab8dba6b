"""Atomic file writes: the file on disk is either the old one or the complete new one.

A crash, a full disk or a permission error half-way through saving a CSV, a session or a model
must never leave the user with a truncated file. So every write goes to a temporary file in the
same folder (same file system, so the rename is atomic), is flushed and fsync'ed, and only then
replaces the target with `os.replace`. On any failure the temporary file is removed, the previous
file stays untouched, and an `AtomicWriteError` (an `OSError`, so callers that already catch
`OSError` keep working) names the path and the reason.

The temporary file is created with mode 0o666 filtered by the process umask, like a plain
`open(path, "w")` would, and takes the permission bits of the file it replaces when there is one.
Symbolic links are followed: the file the link points to is replaced, the link stays a link.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_TEXT_MODES = {"w", "wt"}
_BINARY_MODES = {"wb"}


class AtomicWriteError(OSError):
    """Saving `filename` failed; the previous file (if any) is intact and no temporary file is left.

    `errno` and `strerror` come from the underlying failure (e.g. ENOSPC, EACCES).
    """

    def __str__(self) -> str:
        return f"cannot save {self.filename}: {self.strerror}"


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` atomically (newlines written as given, no translation)."""
    with atomic_open(path, "w", encoding=encoding, newline="") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` with `data` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Yield a handle on a temporary file that replaces `path` when the block exits cleanly.

    mode: "w"/"wt" (text, `encoding` and `newline` as for `open`) or "wb". If the block raises,
    the temporary file is deleted, `path` is left as it was and the exception propagates
    (an `OSError` is re-raised as `AtomicWriteError` carrying the target path).
    """
    if mode not in _TEXT_MODES | _BINARY_MODES:
        raise ValueError(f"atomic_open supports modes 'w', 'wt' and 'wb', not {mode!r}")
    target = Path(os.path.realpath(os.fspath(path)))
    try:
        fd, temp = _create_temp(target)
    except OSError as exc:
        raise _wrap(exc, target) from exc
    try:
        if mode in _BINARY_MODES:
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        _remove_quietly(temp)
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _copy_mode(target, temp)
        os.replace(temp, target)
    except OSError as exc:
        _remove_quietly(temp)
        raise _wrap(exc, target) from exc
    except BaseException:
        _remove_quietly(temp)
        raise
    _fsync_directory(target.parent)


def _create_temp(target: Path) -> tuple[int, Path]:
    """Open a new, uniquely named hidden file next to `target` (O_EXCL: never clobbers anything)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a unique temporary file", str(target.parent))


def _copy_mode(target: Path, temp: Path) -> None:
    """Give the new file the permission bits of the one it replaces (a 0600 script stays 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temp, mode)


def _fsync_directory(folder: Path) -> None:
    """Persist the rename itself; best effort (not possible on Windows or some file systems)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(temp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp)


def _wrap(exc: OSError, target: Path) -> AtomicWriteError:
    if isinstance(exc, AtomicWriteError):
        return exc
    reason = exc.strerror or str(exc) or type(exc).__name__
    return AtomicWriteError(exc.errno or errno.EIO, reason, str(target))
