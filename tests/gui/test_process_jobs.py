"""Jobs in a child process: the same records as in-process, errors reported, stops joined."""

from functools import partial

import numpy as np
import pytest

from gmm_desktop.core.mixture import article_demo
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.rwmh import SamplerSettings, run_sampler
from gmm_desktop.gui.state.jobs import JobRunner
from gmm_desktop.gui.state.kinds import JobKind
from gmm_desktop.gui.state.process_jobs import WorkerProcessError, records_from_process


def test_records_and_result_cross_the_process_boundary_unchanged():
    settings = SamplerSettings(n_steps=3000, thin=10, n_chains=2, seed=5, batch_steps=500)
    generator = records_from_process(partial(run_sampler, article_demo(), settings))
    batches = list(generator)
    samples = np.concatenate([b.samples for b in batches])
    expected, _, _ = sample_all(article_demo(), settings)
    np.testing.assert_array_equal(samples, expected)
    assert batches[-1].progress == 1.0


def test_an_error_in_the_child_names_the_cause():
    bad = SamplerSettings(n_steps=100, start=np.zeros(3))  # a 3-D start for a 2-D target
    with pytest.raises(WorkerProcessError, match="ValueError"):
        list(records_from_process(partial(run_sampler, article_demo(), bad)))


def test_closing_early_stops_and_joins_the_child():
    settings = SamplerSettings(n_steps=50_000_000, thin=10, seed=1, batch_steps=200)
    generator = records_from_process(partial(run_sampler, article_demo(), settings))
    first = next(generator)
    assert first.samples.shape[1] == 2
    generator.close()  # must return promptly: the child sees the stop flag and exits


def test_runner_reports_child_errors_as_failed(app, qtbot):
    runner = JobRunner()
    bad = SamplerSettings(n_steps=100, start=np.zeros(3))
    with qtbot.waitSignal(runner.failed, timeout=20_000) as failed:
        runner.start(JobKind.SAMPLER, partial(run_sampler, article_demo(), bad))  # a child-process kind
    message, _ = failed.args[0].payload
    assert message.startswith("ValueError: ")
    assert runner.shutdown()
