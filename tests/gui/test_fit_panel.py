"""The fit dock driven as a user drives it: fields, Fit / Step / Stop, trace, parameters, comparison."""

import numpy as np
import pytest
from helpers import cell, click, wait_idle
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from gmm_desktop.core.compare import compare
from gmm_desktop.core.models import COVARIANCE_TYPES, MODELS
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.models.comparison_model import ComparisonModel
from gmm_desktop.gui.models.fit_params_model import VALUE_ROLE, FitParamsModel
from gmm_desktop.gui.panels.fit_panel import FitPanel, trace_y_range
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.derived import KL_SAMPLES

TIMEOUT = 30_000


@pytest.fixture
def panel(state, shown):
    return shown(FitPanel(state), height=900)


def fit_exact_samples(panel, state, qtbot, n=1000):
    state.sample_exact(n, 0)
    panel.flush()
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit is not None and state.fit.result is not None


def test_fit_k2_shows_the_cores_parameters(panel, state, qtbot):
    fit_exact_samples(panel, state, qtbot)
    result = state.fit.result
    mixture = result.mixture
    assert panel.status_label.text().startswith(f"converged after {result.n_iter} iterations")
    model = panel.params_model
    assert model.rowCount() == 2
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["weight", "mean x", "mean y", "std x", "std y", "corr x,y"]
    stds = mixture.stds()
    for k in range(2):
        expected = [
            mixture.weights[k],
            *mixture.means[k],
            *stds[k],
            mixture.covariances[k, 0, 1] / (stds[k, 0] * stds[k, 1]),
        ]
        shown = [float(cell(model, k, c)) for c in range(6)]
        exact = [cell(model, k, c, VALUE_ROLE) for c in range(6)]
        assert shown == pytest.approx(expected, rel=1e-3, abs=1e-4)
        assert exact == pytest.approx(expected, rel=1e-12)
    # the trace is the state's, one point per iteration
    xs, ys = panel.trace_curve.getData()
    np.testing.assert_array_equal(ys, state.fit.trace)
    np.testing.assert_array_equal(xs, np.arange(1, len(state.fit.trace) + 1))
    assert panel.fit_button.isEnabled() and not panel.stop_button.isEnabled()


def test_comparison_with_exact_samples_has_matches_kl_and_ari(panel, state, qtbot):
    fit_exact_samples(panel, state, qtbot)
    data = state.data
    expected = compare(
        state.fit.result.mixture, state.target, data=data.points, true_labels=data.labels, kl_samples=KL_SAMPLES, rng=0
    )
    model = panel.comparison_model
    assert model.rowCount() == 2
    for row, match in enumerate(expected.matches):
        assert cell(model, row, 0) == str(match.true_index + 1)
        assert cell(model, row, 1) == str(match.fitted_index + 1)
        assert cell(model, row, 3, VALUE_ROLE) == pytest.approx(match.mean_error)
    text = panel.comparison_label.text()
    assert f"KL(target ‖ fit) = {expected.kl:.4f}" in text
    assert f"ARI = {expected.ari:.3f}" in text
    assert expected.ari > 0.5


def test_comparison_of_mcmc_samples_has_no_ari(panel, state, qtbot):
    state.set_data(Dataset(state.target.sample(800, 3)[0], "mcmc", chain_ids=np.zeros(800, dtype=np.int64)))
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert panel.comparison_model.rowCount() == 2
    assert "ARI needs the true labels" in panel.comparison_label.text()


def test_comparison_is_not_applicable_to_a_file(panel, state, qtbot):
    state.set_data(Dataset(state.target.sample(500, 1)[0], "file"))
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit.result is not None
    assert panel.comparison_model.rowCount() == 0
    assert panel.comparison_label.text().startswith("No true mixture to compare with: the points come from a file")


def test_a_file_with_known_labels_reports_the_ari_against_them(panel, state, qtbot):
    from sklearn.metrics import adjusted_rand_score

    points, labels = state.target.sample(900, 4)
    state.set_data(Dataset(points, "file", labels=labels))
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    expected = adjusted_rand_score(labels, state.fit.result.mixture.predict(points))
    assert f"ARI against the known labels = {expected:.3f}" in panel.comparison_label.text()
    assert panel.comparison_model.rowCount() == 0  # no true mixture, so no matched components


def test_step_runs_one_iteration_at_a_time(panel, state, qtbot):
    state.sample_exact(600, 2)
    panel.flush()
    click(qtbot, panel.step_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit.step.iteration == 1
    assert panel.status_label.text().startswith("paused at iteration 1, log-likelihood")
    click(qtbot, panel.step_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit.step.iteration == 2
    assert panel.status_label.text().startswith("paused at iteration 2")
    assert len(panel.trace_curve.getData()[1]) == 2


def test_stop_a_long_fit(panel, state, qtbot):
    state.sample_exact(20_000, 0)
    panel.k_spin.setValue(8)
    panel.tol_spin.setValue(1e-12)
    panel.max_iter_spin.setValue(1_000_000)
    panel.flush()
    click(qtbot, panel.fit_button)
    qtbot.waitUntil(lambda: state.fit is not None, timeout=TIMEOUT)
    panel.flush()
    assert panel.status_label.text().startswith("running: iteration")
    assert not panel.fit_button.isEnabled()
    click(qtbot, panel.stop_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit.result is None
    assert panel.status_label.text() == (
        f"stopped at iteration {state.fit.step.iteration}, log-likelihood {state.fit.step.log_likelihood:.4f} per point"
    )
    # a stopped fit is still compared with the target: both true components matched among the 8
    assert panel.comparison_model.rowCount() == 2
    assert "extra fitted components" in panel.comparison_label.text()


def test_without_points_the_buttons_are_off_and_the_state_explains(panel, state):
    assert not panel.fit_button.isEnabled() and not panel.step_button.isEnabled()
    state.start_fit(panel.em_settings())  # e.g. a shortcut wired by the window
    assert panel.message.isVisible() and "no points to fit" in panel.message.text()


def test_bad_seed_and_too_many_components_are_messages(panel, state, qtbot):
    state.sample_exact(5, 0)
    panel.flush()
    panel.seed_edit.setText(str(2**33))
    click(qtbot, panel.fit_button)
    assert panel.message.is_error and "seed" in panel.message.text()
    assert not state.jobs.is_running("fit")
    panel.seed_edit.setText("1")
    panel.k_spin.setValue(6)  # more components than points: the core says so
    click(qtbot, panel.fit_button)
    qtbot.waitUntil(panel.message.isVisible, timeout=TIMEOUT)
    assert panel.message.is_error


def test_bayesian_fit_cannot_step(panel, state, qtbot):
    state.sample_exact(500, 0)
    panel.flush()
    assert panel.step_button.isEnabled()
    panel.bayesian_check.setChecked(True)
    assert not panel.step_button.isEnabled()
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    assert state.fit.result is not None and state.fit.settings.bayesian


def test_fields_explain_themselves_and_persist(panel, state, tmp_path):
    combo = panel.covariance_combo
    for name, mclust in (("full", "VVV"), ("tied", "EEE"), ("diag", "VVI"), ("spherical", "VII"), ("EEV", "EEV")):
        assert mclust in combo.itemData(combo.findData(name), Qt.ItemDataRole.ToolTipRole)
    for field in (panel.k_spin, panel.init_combo, panel.n_init_spin, panel.tol_spin, panel.max_iter_spin):
        assert field.toolTip().endswith(".")
    settings = QSettings(str(tmp_path / "fit.ini"), QSettings.Format.IniFormat)
    panel.k_spin.setValue(4)
    panel.covariance_combo.setCurrentIndex(panel.covariance_combo.findData("diag"))
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("random_from_data"))
    panel.tol_spin.setValue(1e-5)
    panel.reg_covar_spin.setValue(1e-4)
    panel.stopping_combo.setCurrentIndex(panel.stopping_combo.findData("relative"))
    panel.reg_scale_combo.setCurrentIndex(panel.reg_scale_combo.findData("data"))
    panel.bayesian_check.setChecked(True)
    panel.save_settings(settings)
    other = FitPanel(state)
    try:
        other.restore_settings(settings)
        restored = other.em_settings()
        assert (restored.n_components, restored.covariance_type, restored.init) == (4, "diag", "random_from_data")
        assert restored.tol == pytest.approx(1e-5) and restored.reg_covar == pytest.approx(1e-4)
        assert (restored.stopping, restored.reg_scale) == ("relative", "data")
        assert restored.bayesian
    finally:
        dispose(other)


def test_tolerance_box_steps_by_decades(panel):
    panel.tol_spin.setValue(1e-3)
    panel.tol_spin.stepBy(-2)
    assert panel.tol_spin.value() == pytest.approx(1e-5)
    assert panel.tol_spin.text() == "1e-05"


def test_models_pass_the_model_tester(qtmodeltester, state):
    mixture = state.target
    model = FitParamsModel()
    model.set_mixture(mixture)
    qtmodeltester.check(model)
    comparison = ComparisonModel()
    comparison.set_comparison(compare(mixture, mixture, kl_samples=100))
    qtmodeltester.check(comparison)
    model.set_mixture(None)
    assert model.rowCount() == 0 and model.columnCount() == 0


def test_params_of_a_3d_fit_show_the_displayed_pair():
    from gmm_desktop.core.mixture import Mixture

    rng = np.random.default_rng(0)
    covariances = np.stack([np.eye(3), 2 * np.eye(3)])
    mixture = Mixture(np.array([0.5, 0.5]), rng.normal(size=(2, 3)), covariances)
    model = FitParamsModel()
    model.set_mixture(mixture, (0, 2), ("a", "b", "c"))
    assert model.headerData(1, Qt.Orientation.Horizontal) == "mean a"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "mean c"
    assert cell(model, 1, 2, VALUE_ROLE) == mixture.means[1, 2]
    assert "b " in cell(model, 0, 0, Qt.ItemDataRole.ToolTipRole)  # every mean in the tooltip


def test_trace_range_leaves_a_far_first_iteration_off_the_scale():
    assert trace_y_range((-2e6, -3.30, -3.25, -3.23)) == (-3.30, -3.23)
    assert trace_y_range((-3.5, -3.30, -3.25)) is None
    assert trace_y_range((-3.5, -3.3)) is None
    low, high = trace_y_range((-2.40970369061438, -2.40970369061439, -2.40970369061438))  # flat: converged
    assert high - low == pytest.approx(2 * 2.40970369061438e-3) and low < -2.4097036906 < high


def test_every_covariance_model_is_offered_by_family(panel):
    combo = panel.covariance_combo
    offered = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i) is not None]
    assert tuple(offered) == COVARIANCE_TYPES
    headings = [i for i in range(combo.count()) if combo.itemData(i) is None]
    assert [combo.itemText(i) for i in headings] == ["Spherical", "Diagonal", "Ellipsoidal"]
    for i in headings:  # a heading cannot be chosen, by click or by key
        assert not combo.model().flags(combo.model().index(i, 0)) & Qt.ItemFlag.ItemIsEnabled
    for name, model in MODELS.items():
        index = combo.findData(name)
        assert combo.itemText(index) == model.label
        assert combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == model.description
    combo.setCurrentIndex(combo.findData("spherical"))
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "EEI"  # over the "Diagonal" heading
    assert panel.init_combo.findData("hc") >= 0


def test_an_eev_fit_started_by_hierarchical_clustering_with_mclusts_rules(panel, state, qtbot):
    state.sample_exact(400, 0)
    panel.flush()
    panel.covariance_combo.setCurrentIndex(panel.covariance_combo.findData("EEV"))
    panel.init_combo.setCurrentIndex(panel.init_combo.findData("hc"))
    panel.stopping_combo.setCurrentIndex(panel.stopping_combo.findData("relative"))
    panel.reg_scale_combo.setCurrentIndex(panel.reg_scale_combo.findData("data"))
    panel.tol_spin.setValue(1e-5)
    click(qtbot, panel.fit_button)
    wait_idle(qtbot, state, "fit", TIMEOUT)
    panel.flush()
    settings = state.fit.settings
    assert (settings.covariance_type, settings.init, settings.stopping, settings.reg_scale) == (
        "EEV",
        "hc",
        "relative",
        "data",
    )
    assert state.fit.result.covariance_type == "EEV" and state.fit.result.converged
    assert panel.status_label.text().startswith("converged") and panel.params_model.rowCount() == 2
