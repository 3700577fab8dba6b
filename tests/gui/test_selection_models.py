"""mclust's 14 covariance models in the window: ticked by family or by preset, swept, drawn one line per
model with a key, named in the table as mclust names them, and used as the fit whatever the model."""

from dataclasses import replace

import numpy as np
import pytest
from helpers import cell, click, wait_idle
from PySide6.QtCore import Qt

from gmm_desktop.core.models import COVARIANCE_TYPES, MODELS, SKLEARN_TYPES
from gmm_desktop.core.selection import best, sweep
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.models.candidates_model import STATUS_COLUMN, WARNING_BRUSH, WARNING_MARK, CandidatesModel
from gmm_desktop.gui.panels.bic_plot import STYLES, BicPlot
from gmm_desktop.gui.panels.model_choices import FAMILIES, PRESETS
from gmm_desktop.gui.panels.selection_panel import SelectionPanel
from gmm_desktop.gui.plot.ellipses import ellipse_points

TIMEOUT = 60_000
MODEL = 1


@pytest.fixture
def panel(state, shown):
    return shown(SelectionPanel(state), height=1200)


def sweep_in(panel, state, qtbot, k_max: int, names: tuple[str, ...]) -> None:
    """Tick exactly `names` by hand, K from 1 to `k_max`, Run, and wait for the sweep and its redraw."""
    panel.k_min_spin.setValue(1)
    panel.k_max_spin.setValue(k_max)
    click(qtbot, panel.models.preset_buttons["None"])
    for name in names:
        panel.type_checks[name].click()
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "selection", TIMEOUT)
    panel.flush()


def row_of(table, k: int, text: str) -> int:
    rows = [r for r in range(table.model().rowCount()) if (cell(table, r, 0), cell(table, r, MODEL)) == (str(k), text)]
    assert len(rows) == 1, f"no single row K = {k}, {text}"
    return rows[0]


def test_every_model_has_a_box_in_its_familys_group(panel):
    checks, headings = panel.models.checks, panel.models.headings
    assert tuple(checks) == COVARIANCE_TYPES  # the registry's order: the order the sweep fits them in
    assert [headings[f].text() for f in ("spherical", "diagonal", "ellipsoidal")] == list(FAMILIES.values())
    tops = {family: label.geometry().top() for family, label in headings.items()}
    below = {"spherical": tops["diagonal"], "diagonal": tops["ellipsoidal"], "ellipsoidal": 10**6}
    for name, box in checks.items():
        model = MODELS[name]
        assert box.text() == model.mclust and box.toolTip() == model.description and box.isChecked()
        top = box.mapTo(panel.models, box.rect().topLeft()).y()
        assert tops[model.family] < top < below[model.family], f"{name} is not in the {model.family} group"


def test_presets_tick_their_models_in_one_change(panel, state, qtbot):
    changes = []
    state.settings_changed.connect(changes.append)
    expected = {text: names for text, names, _tip in PRESETS}
    assert expected["scikit-learn's 4"] == SKLEARN_TYPES and expected["All 14"] == COVARIANCE_TYPES
    for text in ("scikit-learn's 4", "None", "All 14", "scikit-learn's 4"):
        click(qtbot, panel.models.preset_buttons[text])
        ticked = tuple(name for name, box in panel.type_checks.items() if box.isChecked())
        assert set(ticked) == set(expected[text])
        assert state.settings.selection.covariance_types == ticked == panel.covariance_types()
    assert changes == ["selection"] * 4  # one change per preset, not one per box
    assert panel.covariance_types() == ("spherical", "diag", "tied", "full")  # mclust's order: VII, VVI, EEE, VVV
    click(qtbot, panel.models.preset_buttons["scikit-learn's 4"])  # already so: nothing changes
    assert len(changes) == 4
    click(qtbot, panel.models.preset_buttons["None"])
    state.sample_exact(100, 0)
    click(qtbot, panel.run_button)
    assert "tick at least one covariance model" in panel.message.text()


def test_a_sweep_over_eev_and_vve_draws_a_line_each_and_names_them(panel, state, qtbot):
    state.sample_exact(400, 0)
    sweep_in(panel, state, qtbot, 3, ("EEV", "VVE"))
    table = panel.table
    assert [cell(table, r, MODEL) for r in range(6)] == ["XXX", "XXX", "VVE", "EEV", "VVE", "EEV"]
    assert [cell(table, r, 0) for r in range(6)] == ["1", "1", "2", "2", "3", "3"]
    tip = cell(table, 0, MODEL, Qt.ItemDataRole.ToolTipRole)
    assert "VVE" in tip and "XXX" in tip  # mclust's name for one component is explained
    plot = panel.bic_plot
    for name in ("EEV", "VVE"):
        own = [c for c in state.candidates if c.covariance_type == name]
        xs, ys = plot.curves[name].getData()
        np.testing.assert_array_equal(xs, [1, 2, 3])
        np.testing.assert_allclose(ys, [np.nan if c.degenerate else c.bic for c in own])
        assert plot.curves[name].opts["symbol"] == STYLES[name].symbol
    for name in set(COVARIANCE_TYPES) - {"EEV", "VVE"}:
        assert len(plot.curves[name].getData()[0] or []) == 0
    assert plot.key.shown() == ("VVE", "EEV")  # the registry's order
    assert [plot.key.entries[n].text() for n in ("VVE", "EEV")] == ["VVE", "EEV"]
    # sorting by the model column: the registry's order, then K
    table.sortByColumn(MODEL, Qt.SortOrder.AscendingOrder)
    assert [(cell(table, r, 0), cell(table, r, MODEL)) for r in range(3)] == [("1", "XXX"), ("2", "VVE"), ("3", "VVE")]


def test_every_model_keeps_its_own_look():
    looks = {(style.colour, style.symbol) for style in STYLES.values()}
    assert len(looks) == len(MODELS) and len({style.colour for style in STYLES.values()}) == len(MODELS)
    dashes = {MODELS[name].family: style.dash for name, style in STYLES.items()}
    assert len(set(dashes.values())) == 3  # one line style per family
    assert all(style.colour != "#d62728" for style in STYLES.values())  # red is the degenerate markers'


def test_use_this_model_shows_an_eev_fit(main_window, qtbot):
    state, panel = main_window.state, main_window.selection_panel
    main_window.docks["selection"].raise_()
    state.sample_exact(400, 3)
    sweep_in(panel, state, qtbot, 3, ("EEV", "VVE"))
    row = row_of(panel.table, 2, "EEV")
    panel.table.selectRow(row)
    chosen = panel.selected_candidate()
    assert (chosen.n_components, chosen.covariance_type, chosen.model_name) == (2, "EEV", "EEV")
    click(qtbot, panel.use_button)
    main_window.flush()
    fit = state.fit
    assert fit.result is chosen.result and fit.settings.covariance_type == "EEV"
    assert fit.step.covariance_type == "EEV" and fit.mixture.n_components == 2
    assert main_window.fit_panel.params_model.rowCount() == 2
    assert main_window.fit_panel.status_label.text().startswith("converged")
    for k in range(2):  # the plot draws the EEV fit's own ellipses
        x, y = main_window.plot.fit_ellipses.curve(k, 1.0).getData()
        ex, ey = ellipse_points(fit.mixture.means[k], fit.mixture.covariances[k], 1.0)
        np.testing.assert_allclose(x, ex)
        np.testing.assert_allclose(y, ey)


def test_a_caution_is_marked_and_explained(state, qtbot):
    state.sample_exact(300, 0)
    state.start_selection(replace(state.settings.selection, k_max=2, covariance_types=("VVE",)))
    wait_idle(qtbot, state, "selection", TIMEOUT)
    caution = "component 2 holds 4.0 effective points for its 6 parameters"
    candidates = (state.candidates[0], replace(state.candidates[1], warning=caution))
    model = CandidatesModel()
    model.set_candidates(candidates, best(candidates))
    status = cell(model, 1, STATUS_COLUMN)
    assert status.endswith(WARNING_MARK) and status.split()[0] in ("best", "ok")
    assert cell(model, 1, STATUS_COLUMN, Qt.ItemDataRole.ForegroundRole) == WARNING_BRUSH
    assert caution in cell(model, 1, MODEL, Qt.ItemDataRole.ToolTipRole)
    assert WARNING_MARK not in cell(model, 0, STATUS_COLUMN)


def test_in_one_dimension_the_key_and_the_rows_say_e_and_v(app):
    """mclust's 14 models reduce to E and V (equal or own variance) in 1-D; the sweep fits one of each."""
    x = np.concatenate([np.random.default_rng(0).normal(0, 1, 150), np.random.default_rng(1).normal(6, 2, 150)])
    candidates = tuple(sweep(x[:, None], range(1, 3), COVARIANCE_TYPES))
    plot = BicPlot()
    try:
        plot.draw(candidates, best(candidates), "bic")
        assert plot.key.shown() == ("EII", "spherical")
        assert [plot.key.entries[name].text() for name in plot.key.shown()] == ["E", "V"]
    finally:
        dispose(plot)  # now, not whenever the garbage collector gets to it (see `dispose`)
    model = CandidatesModel()
    model.set_candidates(candidates, best(candidates))
    assert [cell(model, row, MODEL) for row in range(4)] == ["X", "X (spherical)", "E", "V (spherical)"]
