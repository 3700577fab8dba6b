"""Derived results as jobs of the one runner: labels, the target's density, the fit's contours, the
comparison and the diagnostics arrive as records, and a late one never paints over a newer state."""

import numpy as np
from helpers import wait_idle
from PySide6.QtCore import QThreadPool

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.gui.state.derived import SYNC_POINTS
from gmm_desktop.gui.state.jobs import JobRunner
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.derived import DIAGNOSTICS_LIMIT, target_grid

TIMEOUT = 20_000


def test_labels_of_a_small_data_set_are_there_at_once(state):
    X = article_demo().sample(SYNC_POINTS // 4, 1)[0]
    state.set_data(Dataset(X, "exact"))
    labels = state.workspace.derived.labels  # computed in set_data itself: the first frame is right
    assert labels is not None and labels.points is X
    np.testing.assert_array_equal(labels.labels, article_demo().predict(X))


def test_labels_of_a_large_data_set_come_from_a_worker(state, qtbot):
    X = article_demo().sample(SYNC_POINTS * 3, 2)[0]
    with qtbot.waitSignal(state.labels_changed, timeout=TIMEOUT) as arrived:
        state.set_data(Dataset(X, "exact"))
        assert state.workspace.derived.labels is None  # not inside the call
    assert arrived.args[0].points is X
    np.testing.assert_array_equal(arrived.args[0].labels, article_demo().predict(X))


def test_the_newest_of_many_label_requests_is_served(state):
    mixture = article_demo()
    sets = [mixture.sample(SYNC_POINTS * 2, seed)[0] for seed in (1, 2, 3)]
    for X in sets:
        state.set_data(Dataset(X, "exact"))
    assert state.settle()
    labels = state.workspace.derived.labels
    assert labels.points is sets[-1]
    np.testing.assert_array_equal(labels.labels, mixture.predict(sets[-1]))


def test_plain_colouring_needs_no_labels(state):
    state.set_colouring("plain")
    state.sample_exact(1000, 0)
    assert state.settle()
    assert state.workspace.derived.labels is None
    state.set_colouring("uncertainty")
    assert state.workspace.derived.labels is not None


def test_the_target_density_follows_the_target(state):
    assert state.settle()
    assert state.workspace.derived.target_density.mixture is state.target
    mixture = preset("many small clusters")
    state.set_target(mixture, "Many small clusters")
    assert state.settle()
    density = state.workspace.derived.target_density
    assert density.mixture is mixture
    np.testing.assert_array_equal(density.grid.values, target_grid(mixture).values)


def test_a_finished_fit_is_compared_once_and_a_running_one_not_at_all(state, qtbot):
    points, labels = article_demo().sample(1500, 4)
    state.set_data(Dataset(points, "exact", labels=labels, target=article_demo()))
    compared = []
    state.comparison_changed.connect(lambda value: compared.append(value))
    state.start_fit(EMSettings(n_components=2, seed=0))
    qtbot.waitUntil(lambda: state.fit is not None and state.fit.result is not None, timeout=TIMEOUT)
    assert state.settle()
    results = [c for c in compared if c is not None]
    assert len(results) == 1 and results[0].fitted is state.fit.mixture
    assert results[0].ari is not None and results[0].ari > 0.8
    state.start_fit(EMSettings(n_components=3, seed=0, tol=0, max_iter=1000))
    assert state.workspace.derived.comparison is None or not state.jobs.is_running("fit")
    state.stop_fit()


def test_fit_contours_follow_the_fit_and_their_layer(state, qtbot):
    points = article_demo().sample(1000, 1)[0]
    state.set_data(Dataset(points, "exact"))
    state.start_fit(EMSettings(n_components=2, seed=0))
    qtbot.waitUntil(lambda: state.fit is not None and state.fit.result is not None, timeout=TIMEOUT)
    assert state.settle()
    assert state.workspace.derived.fit_contours is not None
    state.set_layer_visible("fit_contours", False)  # hidden contours are not computed
    assert state.workspace.derived.fit_contours is None


def test_diagnostics_after_the_chains_stop_use_the_newest_samples(state, qtbot):
    state.start_sampling(SamplerSettings(n_steps=20_000, thin=1, n_chains=8, seed=0))
    wait_idle(qtbot, state, "sampler", TIMEOUT)
    diagnostics = state.workspace.derived.diagnostics
    assert diagnostics.n_points == state.data.n_points == 160_000
    assert diagnostics.used == DIAGNOSTICS_LIMIT
    state.sample_exact(100)
    assert state.workspace.derived.diagnostics is None  # independent draws have none


def test_every_worker_thread_belongs_to_a_job_runner(main_window):
    pools = main_window.findChildren(QThreadPool)
    assert pools and all(isinstance(pool.parent(), JobRunner) for pool in pools)
