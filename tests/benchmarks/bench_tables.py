"""CSV loading: `load_csv` + `numeric_matrix` against `numpy.loadtxt`, measured in the same run.

Run: `pytest tests/benchmarks -s -o python_files='bench_*.py'`. Prints one line with both
medians and the ratio; the goal (PERF_FACTS.md) is <= 0.3 s for 1e6 rows x 3 columns. Never
asserts a time: only that both readers return the same floats.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gmm_desktop.core.io.tables import load_csv, numeric_matrix, write_csv

ROWS = 1_000_000
REPEATS = 3
GOAL_SECONDS = 0.3


def _timed(function: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def test_load_csv_vs_loadtxt(tmp_path: Path) -> None:
    data = np.random.default_rng(0).standard_normal((ROWS, 3))
    path = tmp_path / "big.csv"
    write_csv(path, {"x": data[:, 0], "y": data[:, 1], "z": data[:, 2]})

    def ours() -> np.ndarray:
        return numeric_matrix(load_csv(path))

    def baseline() -> np.ndarray:
        return np.loadtxt(path, delimiter=",", skiprows=1)

    ours_times, baseline_times = [], []
    for _ in range(REPEATS):  # interleaved, so machine load hits both alike
        seconds, ours_result = _timed(ours)
        ours_times.append(seconds)
        seconds, baseline_result = _timed(baseline)
        baseline_times.append(seconds)
    ours_median, baseline_median = float(np.median(ours_times)), float(np.median(baseline_times))
    size_mb = path.stat().st_size / 1e6
    print(
        f"\nbench_tables: {ROWS:.0e} x 3 CSV ({size_mb:.0f} MB): load_csv {ours_median:.3f} s, "
        f"numpy.loadtxt {baseline_median:.3f} s, loadtxt/load_csv = {baseline_median / ours_median:.1f}x "
        f"(goal load_csv <= {GOAL_SECONDS} s: {'met' if ours_median <= GOAL_SECONDS else 'NOT met'})"
    )
    assert np.array_equal(ours_result, baseline_result)
    assert np.array_equal(ours_result, data)
