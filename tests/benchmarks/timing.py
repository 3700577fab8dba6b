"""Shared timing helper for the ratio benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable


def median_seconds(func: Callable[[], object], repeats: int = 5) -> float:
    """Median wall time of `repeats` calls of `func`, after one untimed warm-up call."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def report(name: str, baseline_label: str, baseline: float, ours: float, unit: str, goal: float) -> float:
    """Print one line `name: baseline X, ours Y, ratio Rx (goal >= Gx)` and return the ratio."""
    ratio = baseline / ours
    figures = f"{baseline_label} {baseline:.4g} {unit}, ours {ours:.4g} {unit}"
    print(f"\n{name}: {figures}, ratio {ratio:.1f}x (goal >= {goal:g}x)")
    return ratio
