"""The job runner: records arrive in order in the GUI thread, jobs stop, replace, fail and join."""

import threading
import time

import pytest
from helpers import deliver_queued_events
from PySide6.QtCore import QThread

from gmm_desktop.gui.state.jobs import JobRunner


def counting(n: int, delay: float = 0.0, result: str = "done"):
    def factory():
        def generate():
            for i in range(n):
                if delay:
                    time.sleep(delay)
                yield i
            return result

        return generate()

    return factory


@pytest.fixture
def runner(qapp):
    runner = JobRunner()
    yield runner
    assert runner.shutdown()


def test_records_then_result_in_order_on_the_gui_thread(runner, qtbot):
    seen, threads = [], set()

    def on_record(event):
        seen.append(event.payload)
        threads.add(QThread.currentThread())

    runner.record.connect(on_record)
    with qtbot.waitSignal(runner.finished, timeout=5000) as done:
        runner.start("count", counting(50))
    assert seen == list(range(50))
    assert threads == {qapp_thread()}
    assert done.args[0].payload == "done"
    assert not runner.is_running("count")


def qapp_thread():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance().thread()


def test_stop_ends_the_worker_and_drops_late_records(runner, qtbot):
    seen = []
    runner.record.connect(lambda event: seen.append(event.payload))
    with qtbot.waitSignal(runner.record, timeout=5000):
        runner.start("slow", counting(10_000, delay=0.001))
    with qtbot.waitSignal(runner.stopped, timeout=1000):
        runner.stop("slow")
    count = len(seen)
    assert runner.wait(2000)  # the worker has returned: whatever it emitted is queued by now
    deliver_queued_events()  # so a late record, if it were forwarded, would be in `seen` now
    assert len(seen) == count < 10_000
    assert not runner.is_running("slow")


def test_starting_the_same_kind_replaces_the_old_job(runner, qtbot):
    ids = set()
    runner.record.connect(lambda event: ids.add(event.id))
    first = runner.start("fit", counting(10_000, delay=0.001))
    second = runner.start("fit", counting(5, result="second"))
    with qtbot.waitSignal(runner.finished, timeout=5000) as done:
        pass
    assert done.args[0].id == second != first
    assert runner.wait(2000)  # the replaced worker has returned: its records are all queued
    deliver_queued_events()
    assert first not in ids


def test_a_failing_job_reports_its_message(runner, qtbot):
    def factory():
        def generate():
            yield 1
            raise ValueError("covariance of component 2 is not positive definite")

        return generate()

    with qtbot.waitSignal(runner.failed, timeout=5000) as failed:
        runner.start("fit", factory)
    message, detail = failed.args[0].payload
    assert message == "ValueError: covariance of component 2 is not positive definite"
    assert "Traceback" in detail
    assert not runner.is_running("fit")


def test_kinds_run_side_by_side(runner, qtbot):
    with qtbot.waitSignals([runner.finished, runner.finished], timeout=5000):
        runner.start("walk", counting(20, delay=0.002))
        runner.start("fit", counting(20, delay=0.002))
    assert runner.running_kinds() == []


def test_shutdown_joins_running_jobs(runner, qtbot):
    started = threading.Event()

    def factory():
        def generate():
            started.set()
            while True:
                time.sleep(0.001)
                yield None

        return generate()

    runner.start("endless", factory)
    assert started.wait(2)
    assert runner.shutdown(timeout_ms=2000)
    assert runner.active_threads() == 0


def test_hundred_start_stop_cycles_leave_nothing_running(runner, qtbot):
    for _ in range(100):
        runner.start("walk", counting(1000, delay=0.0005))
        runner.stop("walk")
    assert runner.wait(5000)
    assert runner.running_kinds() == []


# ---------------------------------------------------------------------------------------------- kinds
def test_job_kinds_are_an_enum_and_each_has_a_spec():
    from gmm_desktop.gui.state.kinds import KINDS, JobKind, Lane

    assert set(KINDS) == set(JobKind)
    assert JobKind.SAMPLER == "sampler" and KINDS[JobKind.SAMPLER].in_process  # the GIL-holding loop
    assert KINDS[JobKind.LABELS].lane is Lane.IDLE
    assert all(KINDS[kind].label is None for kind in (JobKind.LABELS, JobKind.COMPARISON, JobKind.DIAGNOSTICS))


def test_a_coalescing_kind_finishes_the_running_job_then_runs_the_newest(runner, qtbot):
    from gmm_desktop.gui.state.kinds import JobKind

    results = []
    runner.finished.connect(lambda event: results.append(event.payload))
    runner.start(JobKind.COMPARISON, counting(20, delay=0.005, result="first"))
    assert runner.start(JobKind.COMPARISON, counting(1, result="second")) is None  # waits
    runner.start(JobKind.COMPARISON, counting(1, result="third"))  # replaces "second" in the queue
    qtbot.waitUntil(lambda: results == ["first", "third"], timeout=5000)
    assert not runner.is_pending(JobKind.COMPARISON)


def test_run_inline_delivers_records_and_result_at_once(runner):
    from gmm_desktop.gui.state.kinds import JobKind

    seen, results = [], []
    runner.record.connect(lambda event: seen.append(event.payload))
    runner.finished.connect(lambda event: results.append(event.payload))
    runner.run_inline(JobKind.LABELS, counting(3, result="labels"))
    assert seen == [0, 1, 2] and results == ["labels"]  # before run_inline returned
    assert not runner.is_running(JobKind.LABELS)


def test_settle_finishes_derived_jobs_and_delivers_their_events(runner):
    from gmm_desktop.gui.state.kinds import JobKind

    results = []
    runner.finished.connect(lambda event: results.append(event.payload))
    runner.start(JobKind.TARGET_DENSITY, counting(5, delay=0.01, result="density"))
    runner.start(JobKind.TARGET_DENSITY, counting(1, result="newer"))
    assert runner.settle([JobKind.TARGET_DENSITY])
    assert results == ["density", "newer"]


def test_none_records_are_places_to_stop_not_reports(runner, qtbot):
    def factory():
        def generate():
            yield None
            yield "kept"
            yield None
            return "done"

        return generate()

    seen = []
    runner.record.connect(lambda event: seen.append(event.payload))
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start("quiet", factory)
    assert seen == ["kept"]
