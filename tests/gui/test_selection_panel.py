"""The model-selection dock driven as a user drives it: range, types, criterion, Run, table, use."""

import numpy as np
import pytest
from helpers import cell, click, wait_idle
from PySide6.QtCore import QSettings, Qt

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.models import COVARIANCE_TYPES
from gmm_desktop.core.selection import best, sweep
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.models.candidates_model import VALUE_ROLE, CandidatesModel
from gmm_desktop.gui.panels.bic_plot import degenerate_positions, scale_range
from gmm_desktop.gui.panels.selection_panel import SIGN_NOTE, SelectionPanel
from gmm_desktop.gui.state.app_state import AppState
from gmm_desktop.workspace.data import Dataset

TIMEOUT = 60_000
STATUS = 6


@pytest.fixture
def panel(state, shown):
    return shown(SelectionPanel(state), height=900)


def run(panel, state, qtbot, k_min, k_max, types=("full",)):
    panel.k_min_spin.setValue(k_min)
    panel.k_max_spin.setValue(k_max)
    for name, check in panel.type_checks.items():
        check.setChecked(name in types)
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "selection", TIMEOUT)
    panel.flush()


def tied_data(n=300):
    """x takes only three values: components collapse onto them (degenerate) for K >= 2."""
    rng = np.random.default_rng(0)
    return np.column_stack([rng.integers(0, 3, n).astype(float), rng.normal(size=n)])


def test_k_1_to_3_full_finds_two_and_uses_it(panel, state, qtbot):
    state.sample_exact(1000, 0)
    run(panel, state, qtbot, 1, 3)
    candidates = state.candidates
    assert panel.model.rowCount() == 3
    assert [cell(panel.table, row, 0) for row in range(3)] == ["1", "2", "3"]
    chosen = state.best_candidate("bic")
    assert chosen.n_components == 2
    assert panel.best_label.text().startswith("Best by BIC: K = 2, VVV (full), BIC ")
    assert [cell(panel.table, row, 1) for row in range(3)] == ["XXX (full)", "VVV (full)", "VVV (full)"]
    assert cell(panel.table, 1, STATUS) == "best"
    assert cell(panel.table, 1, 0, Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(panel.table, 1, 3) == f"{chosen.bic:,.1f}"
    # the curve of "full" is the BIC of each K; the best is marked
    xs, ys = panel.bic_plot.curves["full"].getData()
    np.testing.assert_array_equal(xs, [1, 2, 3])
    np.testing.assert_allclose(ys, [c.bic for c in candidates])
    assert list(panel.bic_plot.best_marker.getData()[0]) == [2]
    for name in ("tied", "diag", "spherical", "EEV"):
        assert len(panel.bic_plot.curves[name].getData()[0] or []) == 0
    assert panel.bic_plot.key.shown() == ("full",) and panel.bic_plot.key.entries["full"].text() == "VVV"
    # no row selected: "Use this model" takes the best
    click(qtbot, panel.use_button)
    assert state.fit.result is chosen.result
    assert state.fit.mixture.n_components == 2


def test_the_selected_row_is_the_one_used(panel, state, qtbot):
    state.sample_exact(600, 1)
    run(panel, state, qtbot, 1, 3, types=("full", "diag"))
    assert panel.model.rowCount() == 6
    panel.table.selectRow(4)  # K = 3, diag (sorted by K, then the registry's order: diag before full)
    assert (cell(panel.table, 4, 0), cell(panel.table, 4, 1)) == ("3", "VVI (diag)")
    click(qtbot, panel.use_button)
    assert state.fit.mixture.n_components == 3
    assert state.fit.settings.covariance_type == "diag"


def test_degenerate_candidates_are_marked_explained_and_never_best(panel, state, qtbot):
    state.set_data(Dataset(tied_data(), "file"))
    run(panel, state, qtbot, 1, 3)
    rows = {int(cell(panel.table, row, 0)): row for row in range(panel.proxy.rowCount())}
    degenerate = [c for c in state.candidates if c.degenerate]
    assert degenerate, "the tied data should produce a collapsed component"
    for candidate in degenerate:
        row = rows[candidate.n_components]
        assert cell(panel.table, row, STATUS) == "degenerate"
        tip = cell(panel.table, row, 3, Qt.ItemDataRole.ToolTipRole)
        assert candidate.reason in tip and "collapsed" in tip
        assert cell(panel.table, row, 0, Qt.ItemDataRole.ForegroundRole) is not None
    assert panel.state.best_candidate("bic").n_components == 1
    assert "K = 1" in panel.best_label.text()
    # drawn as hollow red markers, not on the line
    assert sorted(panel.bic_plot.degenerate_markers.getData()[0]) == sorted(c.n_components for c in degenerate)
    ys = panel.bic_plot.curves["full"].getData()[1]
    assert np.isnan(ys[1:]).all() and np.isfinite(ys[0])


def test_changing_the_criterion_rescores_without_a_new_run(panel, state, qtbot):
    state.sample_exact(600, 0)
    run(panel, state, qtbot, 1, 3)
    panel.criterion_combo.setCurrentIndex(panel.criterion_combo.findData("aic"))
    panel.flush()
    assert not state.jobs.is_running("selection")
    chosen = best(state.candidates, "aic")
    assert panel.best_label.text().startswith(f"Best by AIC: K = {chosen.n_components}")
    np.testing.assert_allclose(panel.bic_plot.curves["full"].getData()[1], [c.aic for c in state.candidates])
    assert panel.model.headerData(4, Qt.Orientation.Horizontal, Qt.ItemDataRole.FontRole).bold()
    assert "lower is better" in panel.bic_plot.plot.getPlotItem().getAxis("left").labelText


def test_bad_requests_are_messages(panel, state, qtbot):
    state.sample_exact(200, 0)
    panel.k_min_spin.setValue(4)
    panel.k_max_spin.setValue(2)
    click(qtbot, panel.run_button)
    assert panel.message.is_error and "K range is empty" in panel.message.text()
    panel.k_max_spin.setValue(5)
    for check in panel.type_checks.values():
        check.setChecked(False)
    click(qtbot, panel.run_button)
    assert "at least one covariance model" in panel.message.text()
    assert not state.jobs.is_running("selection") and state.candidates == ()
    assert not panel.use_button.isEnabled()


def test_stop_keeps_the_finished_candidates(panel, state, qtbot):
    state.sample_exact(3000, 0)
    panel.k_min_spin.setValue(1)
    panel.k_max_spin.setValue(40)
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: len(state.candidates) >= 1, timeout=TIMEOUT)
    click(qtbot, panel.stop_button)
    wait_idle(qtbot, state, "selection", TIMEOUT)
    panel.flush()
    assert 1 <= panel.model.rowCount() < 160
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()


def test_the_sign_convention_is_stated(panel):
    assert SIGN_NOTE == "Lower is better (scikit-learn's sign; mclust shows the negative)."
    labels = [label.text() for label in panel.findChildren(type(panel.best_label))]
    assert SIGN_NOTE in labels
    for check in panel.type_checks.values():
        assert check.toolTip().endswith(".") and "mclust" in check.toolTip()


def test_settings_round_trip(panel, state, tmp_path):
    settings = QSettings(str(tmp_path / "selection.ini"), QSettings.Format.IniFormat)
    panel.k_min_spin.setValue(2)
    panel.k_max_spin.setValue(9)
    panel.type_checks["tied"].setChecked(False)
    panel.type_checks["EEV"].setChecked(False)
    panel.criterion_combo.setCurrentIndex(panel.criterion_combo.findData("icl"))
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("random_from_data"))
    panel.tol_spin.setValue(1e-4)
    panel.max_iter_spin.setValue(250)
    panel.reg_covar_spin.setValue(1e-3)
    panel.save_settings(settings)
    fresh = AppState()  # nothing of the first panel's state: only the file carries the settings
    other = SelectionPanel(fresh)
    try:
        other.restore_settings(settings)
        assert (other.k_min_spin.value(), other.k_max_spin.value()) == (2, 9)
        assert other.covariance_types() == tuple(t for t in COVARIANCE_TYPES if t not in ("tied", "EEV"))
        assert other.criterion() == "icl"
        restored = other.form.read()
        assert (restored.init, restored.max_iter) == ("random_from_data", 250)
        assert restored.tol == pytest.approx(1e-4) and restored.reg_covar == pytest.approx(1e-3)
        assert fresh.settings.selection == restored
    finally:
        dispose(other)
        assert fresh.shutdown()


def test_candidates_model_passes_the_model_tester(qtmodeltester):
    candidates = tuple(sweep(tied_data(120), range(1, 3), ("full", "spherical"), EMSettings()))
    model = CandidatesModel()
    model.set_candidates(candidates[:2], None)
    model.set_candidates(candidates, best(candidates))  # grows: rows inserted
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    assert cell(model, model.best_row(), STATUS) == "best"
    assert cell(model, 0, 3, VALUE_ROLE) == candidates[0].bic


def test_off_scale_degenerate_values_are_clamped_triangles():
    low, high = scale_range([100.0, 110.0])
    assert (low, high) == (97.5, 112.5)
    ys, symbols = degenerate_positions([-5000.0, 105.0, 1e6], [100.0, 110.0])
    assert ys == [low, 105.0, high]
    assert symbols == ["t", "o", "t1"]
    assert degenerate_positions([-5.0], []) == ([-5.0], ["o"])


def test_the_table_fits_the_dock_and_tooltips_keep_every_criterion(panel, state, qtbot):
    state.set_data(Dataset(tied_data(), "file"))  # degenerate rows: their reason is a long sentence
    run(panel, state, qtbot, 1, 4, types=("full", "tied", "diag", "spherical"))
    table = panel.table
    assert not table.horizontalScrollBar().isVisible()  # 380 px: no sideways scrolling
    shown = [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7) if not table.isColumnHidden(c)]
    assert shown == ["K", "model", "log-lik", "BIC", "status"]
    candidate = panel.model.candidate(0)
    tip = cell(panel.model, 0, 2, Qt.ItemDataRole.ToolTipRole)
    assert f"AIC {candidate.aic:,.1f}" in tip and f"ICL {candidate.icl:,.1f}" in tip
    panel.criterion_combo.setCurrentIndex(panel.criterion_combo.findData("icl"))
    panel.flush()
    assert not table.isColumnHidden(5) and table.isColumnHidden(3)


def test_after_a_sweep_every_cell_fits_its_column(panel, state, qtbot):
    """Columns keep the first rows' widths while candidates stream in, then fit all (the bold best row too)."""
    state.set_data(Dataset(state.target.sample(600, 1)[0], "file"))
    run(panel, state, qtbot, 1, 4, types=("full", "tied", "diag", "spherical"))
    table = panel.table
    last = panel.model.columnCount() - 1
    for column in range(last):  # the last one stretches
        if not table.isColumnHidden(column):
            assert table.columnWidth(column) >= table.sizeHintForColumn(column)
