"""AppState: actions run core generators on workers; records come back and are announced."""

import numpy as np
import pytest
from helpers import deliver_queued_events, wait_idle
from PySide6.QtCore import QTimer

from gmm_desktop.core.em import EMSettings, fit
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.core.selection import SelectionSettings
from gmm_desktop.workspace.data import SCATTER_LIMIT, Dataset

TIMEOUT = 20_000


def test_sampling_fills_the_data_exactly_like_the_core(state, qtbot):
    settings = SamplerSettings(n_steps=5000, thin=5, n_chains=3, seed=4, batch_steps=300)
    state.start_sampling(settings)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    expected, chains, acceptance = sample_all(article_demo(), settings)
    np.testing.assert_array_equal(state.data.points, expected)
    np.testing.assert_array_equal(state.data.chain_ids, chains)
    assert state.data.origin == "mcmc"
    assert state.sampler.progress == 1.0
    assert state.sampler.acceptance_rate == pytest.approx(acceptance)


def test_stop_then_continue_equals_one_run(state, qtbot):
    settings = SamplerSettings(n_steps=200_000, thin=10, seed=1, batch_steps=500)
    state.start_sampling(settings)
    qtbot.waitUntil(lambda: state.data is not None and state.data.n_points >= 100, timeout=10_000)
    state.stop_sampling()
    assert state.jobs.wait(TIMEOUT)  # the stopped worker has returned ...
    deliver_queued_events()  # ... and its late records have come (and been dropped as a stopped job's)
    stopped_at = state.data.n_points
    assert stopped_at < 20_000
    state.continue_sampling(extra_steps=1000)
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    total_steps = state.sampler.chain_state.steps_done
    reference, _, _ = sample_all(article_demo(), SamplerSettings(n_steps=total_steps, thin=10, seed=1))
    np.testing.assert_array_equal(state.data.points, reference)


def test_new_target_while_sampling_continues_the_chain(state, qtbot):
    state.start_sampling(SamplerSettings(n_steps=400_000, thin=10, seed=2, batch_steps=1000))
    qtbot.waitUntil(lambda: state.data is not None and state.data.n_points >= 200, timeout=10_000)
    before = state.data.n_points
    state.set_target(preset("well separated"), "Well separated")
    qtbot.waitUntil(lambda: state.data.n_points > before + 500, timeout=10_000)
    state.stop_sampling()
    assert state.data.points[:before].shape[0] == before  # the earlier samples are kept


def test_fit_announces_each_iteration_and_the_result(state, qtbot):
    points, labels = article_demo().sample(2000, 3)
    state.set_data(Dataset(points, "exact", labels=labels))
    seen = []
    state.fit_changed.connect(lambda fit_state: seen.append(fit_state))
    settings = EMSettings(n_components=2, seed=0, tol=1e-6)
    state.start_fit(settings)
    qtbot.waitUntil(lambda: state.fit is not None and state.fit.result is not None, timeout=20_000)
    expected = fit(points, settings)
    assert len(state.fit.trace) == expected.n_iter
    np.testing.assert_allclose(state.fit.trace, expected.lower_bounds)
    np.testing.assert_allclose(state.fit.mixture.means, expected.mixture.means)
    assert [s.step.iteration for s in seen[: expected.n_iter]] == list(range(1, expected.n_iter + 1))


def test_step_one_iteration_at_a_time(state, qtbot):
    points, _ = article_demo().sample(1000, 5)
    state.set_data(Dataset(points, "file"))
    settings = EMSettings(n_components=2, seed=0)
    for expected_iteration in (1, 2, 3):
        state.step_fit(settings)
        wait_idle(qtbot, state, "fit", TIMEOUT)
        assert state.fit.step.iteration == expected_iteration
    assert len(state.fit.trace) == 3


def test_fit_without_points_says_why(state, qtbot):
    with qtbot.waitSignal(state.job_failed) as failed:
        state.start_fit(EMSettings())
    assert "no points to fit" in failed.args[1]


def test_selection_streams_candidates_and_use_this_model(state, qtbot):
    points, _ = article_demo().sample(1500, 8)
    state.set_data(Dataset(points, "file"))
    state.start_selection(SelectionSettings(1, 3, ("full", "diag"), "bic", seed=0))
    wait_idle(qtbot, state, "selection", TIMEOUT)
    assert [(c.n_components, c.covariance_type) for c in state.candidates] == [
        (k, t)
        for k in (1, 2, 3)
        for t in ("diag", "full")  # the registry's (mclust's) order
    ]
    chosen = state.best_candidate()
    assert (chosen.n_components, chosen.covariance_type) == (2, "full")
    state.use_candidate(chosen)
    np.testing.assert_array_equal(state.fit.mixture.means, chosen.result.mixture.means)


def test_cloud_mode_is_decided_by_the_number_of_points():
    small = Dataset(np.zeros((SCATTER_LIMIT, 2)), "file")
    large = Dataset(np.zeros((SCATTER_LIMIT + 1, 2)), "file")
    assert (small.cloud_mode, large.cloud_mode) == ("scatter", "raster")


def test_new_data_drops_the_fit(state, qtbot):
    points, _ = article_demo().sample(500, 1)
    state.set_data(Dataset(points, "file"))
    state.start_fit(EMSettings(n_components=2))
    qtbot.waitUntil(lambda: state.fit is not None and state.fit.result is not None, timeout=20_000)
    with qtbot.waitSignal(state.fit_changed) as changed:
        state.set_data(Dataset(points[:100], "file"))
    assert changed.args[0] is None
    assert state.fit is None


def test_samples_remember_the_target_that_made_them(state, qtbot):
    state.sample_exact(100, 0)
    original = state.target
    state.set_target(preset("overlapping"), "Overlapping")
    assert state.data.target is original


def test_a_new_fit_keeps_the_model_selection_results(state, qtbot):
    points, _ = article_demo().sample(600, 2)
    state.set_data(Dataset(points, "file"))
    state.start_selection(SelectionSettings(1, 2, ("full",), "bic", seed=0))
    wait_idle(qtbot, state, "selection", TIMEOUT)
    state.start_fit(EMSettings(n_components=3))
    wait_idle(qtbot, state, "fit", TIMEOUT)
    assert len(state.candidates) == 2


def test_a_drag_of_many_targets_restarts_the_sampler_once(state, qtbot):
    state.start_sampling(SamplerSettings(n_steps=5_000_000, thin=10, seed=2, batch_steps=500))
    qtbot.waitUntil(lambda: state.data is not None and state.data.n_points > 50, timeout=10_000)
    started = []
    state.jobs.running_changed.connect(lambda kind, running: started.append(running) if kind == "sampler" else None)
    for shift in np.linspace(0, 1, 20):
        state.set_target(article_demo().with_component(0, 0.38, np.array([-1.0 + shift, -1.0]), np.eye(2)))
    qtbot.waitUntil(lambda: True in started, timeout=5_000)
    # A restart is scheduled only by this single-shot timer, re-armed by each new target while the
    # sampler runs; it has fired and is idle, so no second restart can follow.
    retarget = state.findChild(QTimer, "samplerRetarget")
    assert retarget is not None and not retarget.isActive()
    assert started.count(True) == 1
    state.stop_sampling()


def test_preload_imports_what_a_first_fit_needs_on_a_worker(state, qtbot):
    import sys

    from gmm_desktop.gui.app.preload import LAZY_MODULES, start_preload

    start_preload(state)
    assert state.jobs.is_running("preload")  # on a worker: the call itself returns at once
    qtbot.waitUntil(lambda: not state.jobs.is_running("preload"), timeout=60_000)
    assert all(name in sys.modules for name in LAZY_MODULES)


def test_a_fit_from_the_window_leaves_the_gui_a_core_and_gives_the_same_answer():
    import os
    from dataclasses import replace

    from gmm_desktop.gui.state.app_state import with_gui_threads

    settings = EMSettings(n_components=3, seed=1)
    assert with_gui_threads(settings).n_threads == max(1, (os.cpu_count() or 1) - 1)
    assert with_gui_threads(replace(settings, n_threads=2)).n_threads == 2  # the user's choice stands
    from gmm_desktop.core.em import PARALLEL_MIN_SAMPLES

    X = article_demo().sample(PARALLEL_MIN_SAMPLES, 2)[0]  # the size where the kernels run in parallel
    one, many = fit(X, replace(settings, n_threads=1)), fit(X, replace(settings, n_threads=2))
    assert one.n_iter == many.n_iter
    assert one.log_likelihood == pytest.approx(many.log_likelihood, rel=1e-12)
