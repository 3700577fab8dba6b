"""The workspace's rules, without Qt: what an action or a job record changes, and what it keeps."""

import numpy as np
import pytest

from gmm_desktop.core.em import EMSettings, em_steps
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.core.samplers.rwmh import SamplerSettings, run_sampler
from gmm_desktop.core.selection import sweep
from gmm_desktop.workspace.data import CHAIN_TAIL, Dataset
from gmm_desktop.workspace.results import FitState
from gmm_desktop.workspace.workspace import Part, Workspace


def sampled(workspace: Workspace, settings: SamplerSettings) -> list:
    workspace.begin_sampling(settings)
    batches = list(run_sampler(workspace.target, settings))
    for batch in batches:
        workspace.add_batch(batch)
    return batches


def test_new_data_drops_the_fit_and_the_candidates_and_shows_its_first_columns():
    workspace = Workspace()
    points = article_demo().sample(300, 1)[0]
    workspace.set_data(Dataset(points, "exact"))
    workspace.candidates = tuple(sweep(points, range(1, 3), ("full",), EMSettings(seed=0)))
    workspace.add_em_step(next(em_steps(points, EMSettings(seed=0))), EMSettings(seed=0))
    X = np.random.default_rng(0).normal(size=(50, 3))
    parts = workspace.set_data(Dataset(X, "file", columns=("a", "b", "c")))
    assert {Part.DATA, Part.FIT, Part.SELECTION, Part.SAMPLER, Part.VIEW} <= parts
    assert workspace.fit is None and workspace.candidates == ()
    assert workspace.view.shown == (0, 1)
    workspace.set_data(Dataset(X, "file", columns=("a", "b", "c")), (2, 0))
    np.testing.assert_array_equal(workspace.shown_points(), X[:, [2, 0]])
    with pytest.raises(ValueError, match="must index the data's 3 columns"):
        workspace.set_shown((0, 3))


def test_sampling_grows_one_buffer_and_keeps_chain_zeros_tail():
    workspace = Workspace()
    settings = SamplerSettings(n_steps=3000, thin=2, n_chains=3, seed=1, batch_steps=500)
    batches = sampled(workspace, settings)
    data = workspace.data
    assert data.origin == "mcmc" and data.n_points == 3 * 1500
    assert workspace.sampler.progress == 1.0 and workspace.sampler.chain_state is batches[-1].state
    np.testing.assert_array_equal(workspace.sampler.chain_tail, data.points[data.chain_ids == 0][-CHAIN_TAIL:])
    first, copy = data.points, data.points.copy()
    assert workspace.continued_settings(1000).n_steps == 4000  # continues where the chains are
    workspace.add_batch(next(iter(run_sampler(workspace.target, workspace.sampler.settings, batches[-1].state))))
    assert workspace.data.n_points > len(first)
    np.testing.assert_array_equal(first, copy)  # a view of the old points never changes under its holder


def test_a_fits_trace_starts_again_with_each_restart():
    points = article_demo().sample(500, 2)[0]
    settings = EMSettings(n_components=2, n_init=2, seed=0, tol=1e-8, max_iter=5)
    workspace = Workspace()
    workspace.set_data(Dataset(points, "exact"))
    steps = list(em_steps(points, settings))
    for step in steps:
        workspace.add_em_step(step, settings)
    last = [s for s in steps if s.restart == steps[-1].restart]
    assert workspace.fit.trace == tuple(s.log_likelihood for s in last)
    assert workspace.resumable_step(settings) is steps[-1]
    assert workspace.resumable_step(EMSettings(n_components=3)) is None


def test_a_model_applied_without_em_must_match_the_datas_dimension():
    workspace = Workspace()
    with pytest.raises(ValueError, match="no points to fit"):
        workspace.apply_model(article_demo())
    workspace.set_data(Dataset(np.zeros((10, 3)) + np.arange(10)[:, None], "file"))
    with pytest.raises(ValueError, match="The model is 2-D but the points are 3-D"):
        workspace.apply_model(article_demo())
    assert workspace.reference_mixture() is None  # a 2-D target cannot colour 3-D points


def test_a_candidate_becomes_the_fit_with_the_panels_settings():
    points = preset("well separated").sample(600, 3)[0]
    workspace = Workspace()
    workspace.set_data(Dataset(points, "file"))
    workspace.set_settings("fit", EMSettings(tol=1e-5, seed=7))
    candidate = next(c for c in sweep(points, [3], ("diag",), EMSettings(seed=0)))
    workspace.use_candidate(candidate)
    fit = workspace.fit
    assert isinstance(fit, FitState) and fit.result is candidate.result
    assert (fit.settings.n_components, fit.settings.covariance_type, fit.settings.tol) == (3, "diag", 1e-5)
    assert workspace.reference_mixture() is fit.mixture


def test_restore_puts_samples_back_into_a_buffer_that_grows():
    source = Workspace()
    sampled(source, SamplerSettings(n_steps=400, thin=2, seed=3, batch_steps=100))
    copy = Workspace(data=source.data, sampler=source.sampler, target=source.target)
    workspace = Workspace()
    assert workspace.restore(copy) == set(Part)
    np.testing.assert_array_equal(workspace.data.points, source.data.points)
    settings = workspace.continued_settings(200)
    workspace.add_batch(next(iter(run_sampler(workspace.target, settings, workspace.sampler.chain_state))))
    assert workspace.data.n_points > source.data.n_points
