"""What a start does while a job of the kind runs: spacing between results that follow a fit, and
settling idle-lane work on the calling thread (an idle-priority worker may wait for the CPU)."""

import threading
import time

import pytest

from gmm_desktop.gui.state.jobs import JobRunner
from gmm_desktop.gui.state.kinds import KINDS, JobKind, KindSpec


@pytest.fixture
def runner(qapp):
    runner = JobRunner()
    yield runner
    assert runner.shutdown()


def returning(value, delay=0.0):
    def factory():
        def generate():
            time.sleep(delay)
            return value
            yield  # a generator, as the runner expects

        return generate()

    return factory


def test_a_spaced_kind_starts_at_most_once_per_interval(runner, qtbot):
    spacing = KINDS[JobKind.FIT_CONTOURS].spacing_ms
    assert spacing > 0
    started = []
    runner.running_changed.connect(lambda kind, running: started.append(time.monotonic()) if running else None)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(JobKind.FIT_CONTOURS, returning("first"))
    assert runner.is_pending(JobKind.FIT_CONTOURS)  # resting: a request now waits
    results = []
    runner.finished.connect(lambda event: results.append(event.payload))
    assert runner.start(JobKind.FIT_CONTOURS, returning("second")) is None
    qtbot.waitUntil(lambda: results == ["second"], timeout=5000)
    assert started[1] - started[0] >= spacing / 1000 * 0.9


def test_the_pause_is_the_rest_and_the_spacing_whichever_is_longer():
    assert KindSpec(None, rest=True).pause_ms(0.2, waiting=True) == 200
    assert KindSpec(None, rest=True).pause_ms(0.2, waiting=False) == 0
    assert KindSpec(None, rest=True, spacing_ms=300).pause_ms(0.2, waiting=True) == 300
    assert KindSpec(None).pause_ms(5.0, waiting=True) == 0


def test_settle_finishes_an_idle_lane_job_on_the_calling_thread(runner):
    threads = []

    def factory():
        def generate():
            threads.append(threading.current_thread())
            time.sleep(0.05)
            return "labels"
            yield

        return generate()

    results = []
    runner.finished.connect(lambda event: results.append(event.payload))
    runner.start(JobKind.LABELS, factory)
    assert runner.settle([JobKind.LABELS])
    assert results == ["labels"] and threading.main_thread() in threads
    assert not runner.is_running(JobKind.LABELS)
