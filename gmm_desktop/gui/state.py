"""The one owner of what the user works on; views listen to its signals and never own data.

Issue by issue it grows to hold the dataset, samples, fit and selection; every change goes
through a setter that announces it, so views stay in step without talking to each other.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gmm_desktop.core.mixture import Mixture, article_demo


class AppState(QObject):
    """Holds the target mixture and announces each new one with `target_changed(Mixture)`."""

    target_changed = Signal(object)

    def __init__(self, target: Mixture | None = None, target_name: str = "Article demo") -> None:
        super().__init__()
        self._target = target if target is not None else article_demo()
        self._target_name = target_name

    @property
    def target(self) -> Mixture:
        return self._target

    @property
    def target_name(self) -> str:
        return self._target_name

    def set_target(self, mixture: Mixture, name: str | None = None) -> None:
        """Replace the target (mixtures are immutable, so sharing them is safe) and announce it."""
        self._target = mixture
        if name is not None:
            self._target_name = name
        self.target_changed.emit(mixture)
