"""A workspace saved as a session file and opened again is the same work: data and shown columns,
chain state, fit, candidates, settings and view."""

import numpy as np

from gmm_desktop.core.em import EMSettings, em_steps
from gmm_desktop.core.io.session import FileSource, file_sha256, load_session, save_session
from gmm_desktop.core.mixture import preset
from gmm_desktop.core.selection import sweep
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.session import from_session, to_session
from gmm_desktop.workspace.settings import ExactDraws
from gmm_desktop.workspace.view import ViewState
from gmm_desktop.workspace.workspace import Workspace


def test_a_workspace_survives_a_session_file(tmp_path):
    target = preset("well separated")
    workspace = Workspace(target=target, target_name="Well separated")
    points = np.column_stack([target.sample(400, 1)[0], np.linspace(0, 1, 400)])
    data_file = tmp_path / "points.csv"
    data_file.write_text("a,b,c\n")
    source = FileSource(str(data_file), file_sha256(data_file), ("a", "b", "c"))
    workspace.set_data(Dataset(points, "file", columns=("a", "b", "c"), source=source), (2, 0))
    settings = EMSettings(n_components=3, seed=0)
    for step in em_steps(points, settings):
        workspace.add_em_step(step, settings)
    workspace.candidates = tuple(sweep(points, range(1, 3), ("diag",), EMSettings(seed=0)))
    workspace.set_settings("exact", ExactDraws(42))
    workspace.set_view(ViewState(shown=(2, 0), layers={"image": False}, colouring="uncertainty", view_box=(0, 1, 2, 3)))
    save_session(tmp_path / "work.gmmsession", to_session(workspace))

    reopened = from_session(load_session(tmp_path / "work.gmmsession"))
    np.testing.assert_array_equal(reopened.data.points, points)
    assert reopened.view == workspace.view
    assert reopened.target_name == "Well separated"
    np.testing.assert_array_equal(reopened.fit.mixture.means, workspace.fit.mixture.means)
    assert reopened.fit.trace == workspace.fit.trace
    assert [c.bic for c in reopened.candidates] == [c.bic for c in workspace.candidates]
    assert reopened.settings.exact == ExactDraws(42)


def test_settings_a_session_lacks_come_from_the_current_workspace(tmp_path):
    workspace = Workspace()
    save_session(tmp_path / "bare.gmmsession", to_session(workspace))
    session = load_session(tmp_path / "bare.gmmsession")
    current = Workspace()
    current.set_settings("exact", ExactDraws(7))
    current.set_settings("brush", current.settings.brush.__class__(radius=2.0))
    reopened = from_session(session, current)
    assert reopened.settings.brush.radius == 2.0  # the brush is the application's, not the document's
    assert reopened.settings.exact == ExactDraws(1000)  # the session's own
