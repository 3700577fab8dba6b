"""The sampler dock driven as a user drives it: fields, Run / Stop / Continue / Clear, exact samples."""

import numpy as np
import pytest
from helpers import click, wait_idle
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit

from gmm_desktop.core.samplers.diagnostics import chain_trace, effective_sample_size, split_rhat, to_chains
from gmm_desktop.gui.app.application import dispose
from gmm_desktop.gui.panels.sampler_panel import SamplerPanel, one_chain
from gmm_desktop.workspace.derived import chain_diagnostics

TIMEOUT = 20_000


@pytest.fixture
def panel(state, shown):
    return shown(SamplerPanel(state), height=800)


def number(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def test_defaults_are_the_articles_and_every_field_explains_itself(panel):
    assert panel.steps_spin.value() == 10_000
    assert panel.thin_spin.value() == 10
    assert panel.burn_in_spin.value() == 0
    assert panel.step_size_spin.value() == 1.0
    assert panel.chains_spin.value() == 1
    assert panel.seed_edit.seed() == 0
    fields = panel.findChildren(QAbstractSpinBox) + panel.findChildren(QLineEdit) + panel.findChildren(QCheckBox)
    fields += panel.findChildren(QComboBox)
    for field in fields:
        if field.parent() is not None and isinstance(field.parent(), QAbstractSpinBox):
            continue  # the line edit inside a spin box
        tip = field.toolTip()
        assert tip.endswith(".") and len(tip) > 20, f"{type(field).__name__} has tooltip {tip!r}"


def test_article_run_keeps_1000_samples_with_acceptance_about_half(panel, state, qtbot):
    assert not panel.stop_button.isEnabled()
    assert not panel.continue_button.isEnabled()
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()

    assert state.data.n_points == 1000
    assert panel.samples_label.text() == "1,000"
    assert panel.steps_label.text() == "10,000 of 10,000"
    assert number(panel.acceptance_label.text()) == pytest.approx(0.51, abs=0.03)
    assert number(panel.acceptance_label.text()) == pytest.approx(state.sampler.acceptance_rate, abs=5e-4)
    assert panel.progress_bar.value() == panel.progress_bar.maximum()
    # ESS and R-hat are the core's numbers for the whole chain
    chains = to_chains(state.data.points, state.data.chain_ids)
    ess, rhat = effective_sample_size(chains), split_rhat(chains)
    assert panel.ess_label.text() == f"x {ess[0]:,.0f} · y {ess[1]:,.0f}"
    assert panel.rhat_label.text().startswith(f"x {rhat[0]:.3f} · y {rhat[1]:.3f}")
    # the trace is chain 0 against the kept step: 0, 10, ..., 9990
    steps, xs = panel.trace_curves[0].getOriginalDataset()
    _, ys = panel.trace_curves[1].getOriginalDataset()
    np.testing.assert_array_equal(steps, np.arange(0, 10_000, 10))
    np.testing.assert_array_equal(xs, state.data.points[:, 0])
    np.testing.assert_array_equal(ys, state.data.points[:, 1])
    assert not panel.chain_spin.isVisible()
    assert panel.run_button.isEnabled() and panel.continue_button.isEnabled() and panel.clear_button.isEnabled()
    assert not panel.stop_button.isEnabled()


def test_stop_mid_run_then_continue_adds_samples(panel, state, qtbot):
    panel.steps_spin.setValue(100_000_000)  # hours of work: it only ends by Stop
    click(qtbot, panel.run_button)
    qtbot.waitUntil(lambda: state.data is not None and state.data.n_points > 0, timeout=TIMEOUT)
    assert not panel.run_button.isEnabled() and not panel.continue_button.isEnabled()
    click(qtbot, panel.stop_button)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()
    first = state.data.n_points
    assert 0 < first < 10_000_000
    assert panel.samples_label.text() == f"{first:,}"

    panel.steps_spin.setValue(20_000)
    click(qtbot, panel.continue_button)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()
    assert state.data.n_points == first + 2000  # 20,000 more steps, thin 10
    assert panel.samples_label.text() == f"{first + 2000:,}"
    steps, _ = panel.trace_curves[0].getOriginalDataset()
    assert steps[-1] == 10 * (first + 2000 - 1)


def test_a_bad_seed_is_a_message_not_a_crash(panel, state, qtbot):
    panel.seed_edit.setText("abc")
    click(qtbot, panel.run_button)
    assert panel.message.isVisible() and panel.message.is_error
    assert "seed" in panel.message.text() and "'abc'" in panel.message.text()
    assert state.data is None and not state.jobs.is_running("sampler")
    panel.seed_edit.setText("")  # empty: fresh randomness, a valid choice
    click(qtbot, panel.run_button)
    assert not panel.message.isVisible()
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()
    assert state.data.n_points == 1000


def test_a_failed_sampler_job_is_reported_in_the_panel(panel, state):
    state.job_failed.emit("fit", "not mine")
    assert not panel.message.isVisible()
    state.job_failed.emit("sampler", "ValueError: start lies too far from the target")
    assert panel.message.isVisible() and "too far" in panel.message.text()


def test_clear_removes_the_samples(panel, state, qtbot):
    panel.steps_spin.setValue(1000)
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()
    click(qtbot, panel.clear_button)
    panel.flush()
    assert state.data is None
    assert panel.samples_label.text() == "0"
    assert len(panel.trace_curves[0].getOriginalDataset()[0] or []) == 0
    assert not panel.clear_button.isEnabled() and not panel.continue_button.isEnabled()


def test_exact_samples_replace_the_chain(panel, state, qtbot):
    panel.exact_spin.setValue(500)
    panel.seed_edit.setText("7")
    click(qtbot, panel.exact_button)
    qtbot.waitUntil(lambda: panel.ess_label.text() == "independent draws", timeout=TIMEOUT)
    panel.flush()
    assert state.data.origin == "exact" and state.data.n_points == 500
    np.testing.assert_array_equal(state.data.points, state.target.sample(500, 7)[0])
    assert panel.samples_label.text() == "500 (exact draws)"
    assert len(panel.trace_curves[0].getOriginalDataset()[0] or []) == 0
    assert not panel.continue_button.isEnabled() and panel.clear_button.isEnabled()


def test_chain_selector_shows_each_chain(panel, state, qtbot):
    panel.chains_spin.setValue(3)
    panel.steps_spin.setValue(2000)
    panel.thin_spin.setValue(1)
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    panel.flush()
    assert panel.chain_spin.isVisible() and panel.chain_spin.maximum() == 2
    assert panel.samples_label.text() == "6,000"
    panel.chain_spin.setValue(2)
    panel.flush()
    expected = chain_trace(state.data.points, state.data.chain_ids, 2)
    np.testing.assert_array_equal(panel.trace_curves[1].getOriginalDataset()[1], expected[:, 1])
    rhat = split_rhat(to_chains(state.data.points, state.data.chain_ids))
    assert panel.rhat_label.text().startswith(f"x {rhat[0]:.3f}")


def test_settings_round_trip(panel, state, tmp_path):
    settings = QSettings(str(tmp_path / "panel.ini"), QSettings.Format.IniFormat)
    panel.steps_spin.setValue(5000)
    panel.thin_spin.setValue(3)
    panel.burn_in_spin.setValue(100)
    panel.step_size_spin.setValue(0.5)
    panel.chains_spin.setValue(8)
    panel.seed_edit.setText("")
    panel.save_settings(settings)
    settings.sync()
    assert settings.value("sampler/steps") is not None

    other = SamplerPanel(state)
    settings.setValue("sampler/thin", "not a number")  # a damaged entry keeps its default
    other.restore_settings(settings)
    try:
        assert other.steps_spin.value() == 5000
        assert other.thin_spin.value() == 10
        assert other.burn_in_spin.value() == 100
        assert other.step_size_spin.value() == 0.5
        assert other.chains_spin.value() == 8
        assert other.seed_edit.seed() is None
    finally:
        dispose(other)


def test_diagnostics_use_the_newest_samples_only():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(3000, 2))
    chain_ids = np.tile(np.arange(3), 1000)
    diagnostics = chain_diagnostics(points, chain_ids, 3, limit=600)
    assert (diagnostics.used, diagnostics.n_points) == (600, 3000)
    tail = to_chains(points[-600:], chain_ids[-600:])
    np.testing.assert_allclose(diagnostics.ess, effective_sample_size(tail))
    np.testing.assert_allclose(diagnostics.rhat, split_rhat(tail))
    too_few = chain_diagnostics(points[:3], chain_ids[:3], 3)
    assert (too_few.ess, too_few.rhat, too_few.used) == (None, None, 0)


def test_one_chain_view_equals_the_cores_mask():
    points = np.arange(24.0).reshape(12, 2)
    chain_ids = np.tile(np.arange(3), 4)
    for chain in range(3):
        np.testing.assert_array_equal(one_chain(points, chain_ids, 3, chain), chain_trace(points, chain_ids, chain))
    shuffled = chain_ids[::-1].copy()  # not the sampler's layout: falls back to the mask
    np.testing.assert_array_equal(one_chain(points, shuffled, 3, 1), chain_trace(points, shuffled, 1))
