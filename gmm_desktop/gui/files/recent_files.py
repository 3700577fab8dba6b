"""The File > Open Recent menu: the last files opened or saved, newest first, kept in QSettings.

Entries whose file has gone are shown disabled (with the reason in the tooltip) rather than
silently dropped, so a user who moved a folder sees why the entry no longer opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QMenu

MAX_RECENT = 10
SETTINGS_KEY = "files/recent"


class RecentFiles(QObject):
    """Keeps the list and rebuilds `menu` each time it changes; `opener(path)` opens an entry."""

    def __init__(self, menu: QMenu, opener: Callable[[Path], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = menu
        self._opener = opener
        self._rebuild()

    def paths(self) -> list[Path]:
        value = QSettings().value(SETTINGS_KEY, [])
        if isinstance(value, str):  # QSettings gives a bare string for a one-entry list
            value = [value]
        return [Path(p) for p in value or [] if isinstance(p, str) and p]

    def add(self, path: str | Path) -> None:
        """Put `path` first (moving it up if already listed)."""
        path = Path(path).resolve()
        kept = [p for p in self.paths() if p != path]
        self._store([path, *kept][:MAX_RECENT])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[Path]) -> None:
        QSettings().setValue(SETTINGS_KEY, [str(p) for p in paths])
        self._rebuild()

    def _rebuild(self) -> None:
        self.menu.clear()
        paths = self.paths()
        for number, path in enumerate(paths, start=1):
            text = f"&{number % 10} {path.name}" if number <= 10 else path.name
            action = self.menu.addAction(text)
            action.setData(str(path))
            exists = path.exists()
            action.setEnabled(exists)
            action.setToolTip(str(path) if exists else f"{path} (no longer exists)")
            action.setStatusTip(action.toolTip())
            action.triggered.connect(lambda _checked=False, p=path: self._opener(p))
        self.menu.addSeparator()
        clear = self.menu.addAction("Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.clear)
        self.menu.setEnabled(True)
