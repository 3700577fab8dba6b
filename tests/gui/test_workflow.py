"""The article's workflow in the real window, driven as a user drives it."""

import numpy as np
import pytest
from helpers import cell, wait_idle
from PySide6.QtCore import Qt

from gmm_desktop.core.em import fit
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.rwmh import SamplerSettings


def scatter_points(window) -> np.ndarray:
    """Every point the cloud's scatter items show, as (N, 2)."""
    parts = [np.column_stack(item.getData()) for item in window.plot.cloud.scatter_items if item.isVisible()]
    parts = [p for p in parts if p.size]
    return np.vstack(parts) if parts else np.empty((0, 2))


def run_sampler(qtbot, window, steps=10_000):
    window.sampler_panel.steps_spin.setValue(steps)
    qtbot.mouseClick(window.sampler_panel.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window.state, "sampler")
    window.flush()


def test_run_the_sampler_and_see_the_points(main_window, qtbot):
    run_sampler(qtbot, main_window)
    expected, _, acceptance = sample_all(article_demo(), SamplerSettings())
    shown = scatter_points(main_window)
    assert shown.shape == (1000, 2)
    np.testing.assert_allclose(np.sort(shown[:, 0]), np.sort(expected[:, 0]))
    assert main_window.sampler_panel.samples_label.text().replace(",", "").startswith("1000")
    assert f"{acceptance:.3f}"[:4] in main_window.sampler_panel.acceptance_label.text()


def test_stop_and_continue_from_the_run_menu(main_window, qtbot):
    main_window.sampler_panel.steps_spin.setValue(2_000_000)
    main_window.actions.named["sample"].trigger()
    qtbot.waitUntil(lambda: main_window.state.data is not None and main_window.state.data.n_points > 50)
    main_window.actions.named["stop"].trigger()
    wait_idle(qtbot, main_window.state, "sampler")
    paused = main_window.state.data.n_points
    assert paused < 200_000
    assert main_window.sampler_panel.continue_button.isEnabled()
    main_window.state.continue_sampling(extra_steps=500)
    wait_idle(qtbot, main_window.state, "sampler")
    assert main_window.state.data.n_points == paused + 50


def test_fit_draws_ellipses_colours_and_the_table(main_window, qtbot):
    run_sampler(qtbot, main_window)
    qtbot.mouseClick(main_window.fit_panel.fit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: main_window.state.fit is not None and main_window.state.fit.result is not None, timeout=30_000
    )
    main_window.flush()
    result = fit(main_window.state.data.points, main_window.fit_panel.em_settings())
    np.testing.assert_allclose(main_window.state.fit.mixture.means, result.mixture.means)
    # Ellipses: the 1-sigma curve of each fitted component is centred on its mean.
    for k, mean in enumerate(result.mixture.means):
        x, y = main_window.plot.fit_ellipses.curve(k, 1.0).getData()
        np.testing.assert_allclose([np.nanmean(x), np.nanmean(y)], mean, atol=0.05)
    # Colours: the points are grouped by the fit's most probable component.
    labels = main_window.plot.point_labels()
    np.testing.assert_array_equal(labels.labels, result.mixture.predict(main_window.state.data.points))
    # The parameter table shows the fitted weights (once the panel's throttled redraw has run).
    main_window.fit_panel.flush()
    model = main_window.fit_panel.params_model
    shown = sorted(
        float(cell(model, row, 0, Qt.ItemDataRole.EditRole) or cell(model, row, 0)) for row in range(model.rowCount())
    )
    np.testing.assert_allclose(shown, np.sort(result.mixture.weights), atol=5e-4)


def test_model_selection_and_use_this_model(main_window, qtbot):
    run_sampler(qtbot, main_window)
    panel = main_window.selection_panel
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, main_window.state, "selection", timeout=60_000)
    best = main_window.state.best_candidate(panel.criterion() if hasattr(panel, "criterion") else "bic")
    assert best is not None
    assert best.n_components == 2
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert main_window.state.fit is not None
    assert main_window.state.fit.mixture.n_components == best.n_components


def test_edit_a_cell_changes_the_density_and_undo_restores_it(main_window, qtbot):
    before = main_window.plot.density_image.image.copy()
    model = main_window.target_panel.model
    index = model.index(0, 1)  # mean x of component 1
    assert model.setData(index, "-2.5", Qt.ItemDataRole.EditRole)
    assert main_window.state.target.means[0, 0] == -2.5
    main_window.flush()  # the density is computed on a worker
    assert not np.array_equal(main_window.plot.density_image.image, before)
    main_window.actions.named["undo"].trigger()
    np.testing.assert_array_equal(main_window.state.target.means, article_demo().means)
    main_window.flush()
    np.testing.assert_allclose(main_window.plot.density_image.image, before)
    main_window.actions.named["redo"].trigger()
    assert main_window.state.target.means[0, 0] == -2.5


def test_drag_a_mean_updates_table_and_density_in_one_undo_step(main_window, qtbot):
    plot = main_window.plot
    for x in (-1.2, -1.6, -2.0):
        plot.mean_dragged.emit(0, (x, -0.5), False)
    plot.mean_dragged.emit(0, (-2.0, -0.5), True)
    np.testing.assert_allclose(main_window.state.target.means[0], [-2.0, -0.5])
    assert cell(main_window.target_panel.model, 0, 1) in ("-2", "-2.0", "-2.000")
    assert main_window.undo_stack.count() == 1
    main_window.actions.named["undo"].trigger()
    np.testing.assert_array_equal(main_window.state.target.means, article_demo().means)


def test_changing_the_target_while_sampling_keeps_sampling(main_window, qtbot):
    main_window.sampler_panel.steps_spin.setValue(2_000_000)
    main_window.actions.named["sample"].trigger()
    qtbot.waitUntil(lambda: main_window.state.data is not None and main_window.state.data.n_points > 100)
    model = main_window.target_panel.model
    assert model.setData(model.index(1, 1), "3", Qt.ItemDataRole.EditRole)
    count = main_window.state.data.n_points
    qtbot.waitUntil(lambda: main_window.state.data.n_points > count + 100, timeout=10_000)
    assert main_window.state.jobs.is_running("sampler")
    main_window.actions.named["stop"].trigger()


@pytest.mark.parametrize("kind", ["sampler", "fit", "selection"])
def test_close_during_a_job_stops_and_joins_it(app, qtbot, kind):
    from gmm_desktop.gui.app.application import dispose
    from gmm_desktop.gui.app.main_window import MainWindow
    from gmm_desktop.gui.files.document import discard_unsaved

    window = MainWindow(ask_to_save=discard_unsaved)  # disposed below, so not handed to qtbot
    window.show()
    points, _ = article_demo().sample(200_000, 0)
    if kind == "sampler":
        window.sampler_panel.steps_spin.setValue(5_000_000)
        window.actions.named["sample"].trigger()
    else:
        from gmm_desktop.workspace.data import Dataset

        window.state.set_data(Dataset(points, "file"))
        window.actions.named["fit" if kind == "fit" else "select"].trigger()
    qtbot.waitUntil(lambda: window.state.jobs.is_running(kind))
    window.close()
    assert window.state.jobs.active_threads() == 0
    assert window.state.jobs.running_kinds() == []
    dispose(window)


def test_status_bar_says_what_runs(main_window, qtbot):
    main_window.sampler_panel.steps_spin.setValue(2_000_000)
    main_window.actions.named["sample"].trigger()
    qtbot.waitUntil(lambda: "Sampling" in main_window.jobs_label.text())
    main_window.actions.named["stop"].trigger()
    qtbot.waitUntil(lambda: main_window.jobs_label.text() == "Idle")


def test_exact_samples_then_fit_reports_ari(main_window, qtbot):
    main_window.state.sample_exact(3000, 1)
    main_window.state.start_fit(main_window.fit_panel.em_settings())
    qtbot.waitUntil(
        lambda: main_window.state.fit is not None and main_window.state.fit.result is not None, timeout=30_000
    )
    qtbot.waitUntil(lambda: "ARI" in main_window.fit_panel.comparison_label.text(), timeout=10_000)
    assert isinstance(main_window.state.target, Mixture)
