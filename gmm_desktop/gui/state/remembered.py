"""The settings the application remembers between launches, in QSettings, as earlier versions kept
them ("sampler/steps", "fit/tol", ...): see `workspace.settings` for the names and the lenient reading."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSettings

from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.workspace.settings import Settings, from_saved, section_of, to_saved


def save_settings(store: QSettings, settings: Settings, kinds: Iterable[str]) -> None:
    """Write the records of `kinds` into `store`, one value per key."""
    for kind in kinds:
        section = section_of(kind)
        for key, value in to_saved(kind, settings.of(kind)).items():
            store.setValue(f"{section}/{key}", value)


def restored_settings(store: QSettings, kind: str) -> object:
    """The record of `kind` saved in `store`; missing or unreadable values keep the defaults."""
    default = Settings().of(kind)
    section = section_of(kind)
    values = {key: store.value(f"{section}/{key}") for key in to_saved(kind, default)}
    return from_saved(kind, values, default)


def restore_settings(store: QSettings, state: AppState, kinds: Iterable[str]) -> None:
    """Give `state` the records of `kinds` saved in `store` (what `save_settings` wrote)."""
    for kind in kinds:
        state.set_settings(kind, restored_settings(store, kind))
