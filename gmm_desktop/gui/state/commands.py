"""Undoable edits of the target mixture, and the small controller the panel and the plot call.

Every change of the target made by the user goes through a `QUndoCommand` whose `redo()` calls
`AppState.set_target`; views never write the target themselves, they refresh when the state
announces it (so no widget echoes its own edit). Mixtures are immutable, so a command simply keeps
the old and the new one (a few hundred bytes).

A drag of a component's mean from the plot is many live moves but one undo step: each move is a
`MoveMeanCommand` that merges into the previous one of the same drag (`id()` / `mergeWith()`), so
the stack always holds the pre-drag target and undo returns to it at once.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtGui import QUndoCommand, QUndoStack

from gmm_desktop.core.mixture import PRESETS, Mixture, MixtureError
from gmm_desktop.gui.state.app_state import AppState

EDITED_SUFFIX = " (edited)"
"""Appended to a target's name once the user changes it, so a preset's name is never shown for a
mixture that is no longer that preset (undo restores the exact old name)."""

_MOVE_MEAN_ID = 0x6D6D  # any constant other than -1; QUndoStack merges only commands of equal id
_DRAG_NUMBERS = itertools.count(1)  # shared, so two editors on one stack never mix up their drags


def edited_name(name: str) -> str:
    """`name` marked as edited (idempotent: a second edit does not add a second suffix)."""
    return name if name.endswith(EDITED_SUFFIX) else name + EDITED_SUFFIX


def same_mixture(a: Mixture, b: Mixture) -> bool:
    """Bit-for-bit equality of parameters: an edit that changes nothing must not become an undo step."""
    return (
        a.weights.shape == b.weights.shape
        and a.means.shape == b.means.shape
        and np.array_equal(a.weights, b.weights)
        and np.array_equal(a.means, b.means)
        and np.array_equal(a.covariances, b.covariances)
    )


# ---------------------------------------------------------------------- pure mixture edits
def with_added_component(mixture: Mixture) -> Mixture:
    """A new round component at the mixture's centre, as wide as the average component and with
    the average weight (so the others keep their proportions and the new one gets an equal share)."""
    weights = np.append(mixture.weights, mixture.weights.mean())
    mean = mixture.mean()
    std = mixture.stds().mean(axis=0)
    means = np.vstack([mixture.means, mean])
    covariances = np.concatenate([mixture.covariances, np.diag(std**2)[None]])
    return Mixture(weights, means, covariances)


def without_component(mixture: Mixture, index: int) -> Mixture:
    """The mixture without component `index` (0-based); the remaining weights are renormalised.

    Raises MixtureError when it is the last component or the others all weigh zero.
    """
    if mixture.n_components <= 1:
        raise MixtureError("a mixture needs at least one component, so the last one cannot be removed")
    keep = np.arange(mixture.n_components) != index
    return Mixture(mixture.weights[keep], mixture.means[keep], mixture.covariances[keep])


def with_moved_mean(mixture: Mixture, index: int, position: tuple[float, float]) -> Mixture:
    """Component `index` centred at `position` in the first two coordinates; nothing else changes."""
    mean = mixture.means[index].copy()
    mean[:2] = position[: mixture.n_dims]
    return mixture.with_component(index, mixture.weights[index], mean, mixture.covariances[index])


# ---------------------------------------------------------------------- commands
class SetTargetCommand(QUndoCommand):
    """Replace the whole target (any edit, add/remove, preset); undo restores the old target and name.

    `name=None` keeps the target's current name on redo.
    """

    def __init__(self, state: AppState, new_mixture: Mixture, text: str, name: str | None = None, parent=None) -> None:
        super().__init__(text, parent)
        self._state = state
        self.old_mixture = state.target
        self.old_name = state.target_name
        self.new_mixture = new_mixture
        self.new_name = name

    def redo(self) -> None:
        self._state.set_target(self.new_mixture, self.new_name)

    def undo(self) -> None:
        self._state.set_target(self.old_mixture, self.old_name)


class MoveMeanCommand(SetTargetCommand):
    """Move one component's mean; consecutive moves of the same drag merge into one undo step.

    `drag` tells drags apart: two drags of the same component one after the other are two steps.
    A drag that ends exactly where it began makes the command obsolete, and the stack drops it.
    """

    def __init__(
        self,
        state: AppState,
        index: int,
        position: tuple[float, float],
        drag: int = 0,
        name: str | None = None,
        parent=None,
    ) -> None:
        new = with_moved_mean(state.target, index, position)
        super().__init__(state, new, f"Move mean of component {index + 1}", name, parent)
        self.index = index
        self.drag = drag

    def id(self) -> int:
        return _MOVE_MEAN_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveMeanCommand) or (other.index, other.drag) != (self.index, self.drag):
            return False
        self.new_mixture = other.new_mixture
        self.new_name = other.new_name
        if same_mixture(self.new_mixture, self.old_mixture):
            # The stack drops an obsolete command without calling undo(): put the old name back.
            self.setObsolete(True)
            if self._state.target_name != self.old_name:
                self._state.set_target(self.old_mixture, self.old_name)
        return True


# ---------------------------------------------------------------------- controller
class TargetEditor:
    """What the panel, the table model and the plot call to change the target, undoably.

    It owns no state of its own besides a drag counter: the target lives in AppState, the history
    in the main window's QUndoStack. Methods that can be refused return an error message (or "").
    """

    def __init__(self, state: AppState, undo_stack: QUndoStack) -> None:
        self.state = state
        self.undo_stack = undo_stack
        self._drag: int | None = None

    def edit(self, new_mixture: Mixture, text: str, name: str | None = None) -> bool:
        """Push an undoable replacement of the target; `name=None` marks the current name as edited.

        Returns False (and pushes nothing) when `new_mixture` equals the current target.
        """
        if same_mixture(new_mixture, self.state.target) and (name is None or name == self.state.target_name):
            return False
        new_name = name if name is not None else edited_name(self.state.target_name)
        self.undo_stack.push(SetTargetCommand(self.state, new_mixture, text, new_name))
        return True

    def add_component(self) -> None:
        """Append a component (see `with_added_component`) as one undo step "Add component"."""
        self.edit(with_added_component(self.state.target), "Add component")

    def remove_component(self, index: int) -> str:
        """Remove component `index` (0-based) as one undo step; returns why not, or "" on success."""
        if not 0 <= index < self.state.target.n_components:
            return f"There is no component {index + 1}."
        try:
            new = without_component(self.state.target, index)
        except MixtureError as exc:
            return f"Cannot remove component {index + 1}: {exc}."
        self.edit(new, f"Remove component {index + 1}")
        return ""

    def apply_preset(self, name: str) -> None:
        """Replace the target by the preset `name` (a key of PRESETS), named after it."""
        self.edit(PRESETS[name](), f"Preset: {name}", name=name)

    def drag_mean(self, index: int, position: tuple[float, float], finished: bool) -> None:
        """Move component `index`'s mean to `position` (x, y) live; call with `finished=True` once
        at the release. All moves of one drag merge into a single undo step "Move mean of component
        i", so undo returns to the pre-drag target at once."""
        if self._drag is None:
            self._drag = next(_DRAG_NUMBERS)
        name = edited_name(self.state.target_name)
        command = MoveMeanCommand(self.state, index, (float(position[0]), float(position[1])), self._drag, name)
        if finished:
            self._drag = None
        self.undo_stack.push(command)
