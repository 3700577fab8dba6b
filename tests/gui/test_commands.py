"""Target commands on a real QUndoStack: exact undo, merging rules of drags, pure mixture edits."""

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack

from gmm_desktop.core.mixture import MixtureError, article_demo, preset
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.gui.state.commands import (
    MoveMeanCommand,
    SetTargetCommand,
    TargetEditor,
    edited_name,
    same_mixture,
    with_added_component,
    with_moved_mean,
    without_component,
)


@pytest.fixture
def state(qapp):
    state = AppState()
    yield state
    assert state.shutdown()


def test_set_target_command_restores_mixture_and_name(state):
    stack = QUndoStack()
    original = state.target
    new = preset("overlapping")
    stack.push(SetTargetCommand(state, new, "Preset: Overlapping", name="Overlapping"))
    assert (state.target, state.target_name) == (new, "Overlapping")
    assert stack.undoText() == "Preset: Overlapping"
    stack.undo()
    assert (state.target, state.target_name) == (original, "Article demo")
    stack.redo()
    assert (state.target, state.target_name) == (new, "Overlapping")


def test_each_command_announces_the_target_once(state):
    stack = QUndoStack()
    seen = []
    state.target_changed.connect(seen.append)
    stack.push(SetTargetCommand(state, preset("elongated"), "Preset: Elongated", "Elongated"))
    stack.undo()
    assert len(seen) == 2


def test_moves_merge_only_within_one_drag_of_one_component(state):
    stack = QUndoStack()
    stack.push(MoveMeanCommand(state, 0, (0.0, 0.0), drag=1))
    stack.push(MoveMeanCommand(state, 0, (0.5, 0.0), drag=1))
    assert stack.count() == 1
    stack.push(MoveMeanCommand(state, 1, (0.5, 0.5), drag=1))  # another component
    stack.push(MoveMeanCommand(state, 1, (0.6, 0.5), drag=2))  # another drag
    assert stack.count() == 3
    assert [stack.text(i) for i in range(3)] == [
        "Move mean of component 1",
        "Move mean of component 2",
        "Move mean of component 2",
    ]
    while stack.canUndo():
        stack.undo()
    assert same_mixture(state.target, article_demo())


def test_editor_ignores_edits_that_change_nothing(state):
    stack = QUndoStack()
    editor = TargetEditor(state, stack)
    assert not editor.edit(state.target, "Nothing")
    assert editor.edit(with_moved_mean(state.target, 0, (0.0, 0.0)), "Move")
    assert state.target_name == "Article demo (edited)"
    assert editor.remove_component(5) == "There is no component 6."
    assert stack.count() == 1


def test_an_unfinished_drag_is_already_on_the_stack(state):
    """A drag cut short (no finished=True) still leaves the stack consistent: undo restores."""
    stack = QUndoStack()
    editor = TargetEditor(state, stack)
    editor.drag_mean(1, (0.0, 0.0), finished=False)
    assert stack.count() == 1
    stack.undo()
    assert same_mixture(state.target, article_demo())


def test_pure_edits():
    demo = article_demo()
    added = with_added_component(demo)
    np.testing.assert_allclose(added.weights, [demo.weights[0] * 2 / 3, demo.weights[1] * 2 / 3, 1 / 3])
    np.testing.assert_allclose(added.means[2], demo.mean())
    assert added.correlations()[2] == 0.0
    removed = without_component(added, 2)
    np.testing.assert_allclose(removed.weights, demo.weights)
    with pytest.raises(MixtureError, match="last one"):
        without_component(without_component(demo, 0), 0)
    moved = with_moved_mean(demo, 1, (5.0, 6.0))
    np.testing.assert_array_equal(moved.means, [[-1.0, -1.0], [5.0, 6.0]])
    np.testing.assert_array_equal(moved.weights, demo.weights)
    assert edited_name(edited_name("Overlapping")) == "Overlapping (edited)"
