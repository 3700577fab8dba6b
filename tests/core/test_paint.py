"""Spray and erase of hand-painted 2-D data: geometry, counts, seeds and immutability."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_desktop.core.paint import NO_CLASS, PaintedData, spray, within

coordinates = st.floats(-1e4, 1e4, allow_nan=False)
centers = st.tuples(coordinates, coordinates)
radii = st.floats(1e-3, 1e3)
counts = st.integers(0, 300)
seeds = st.integers(0, 2**32 - 1)


def painted(seed: int, n: int, spread: float = 3.0) -> PaintedData:
    rng = np.random.default_rng(seed)
    return PaintedData.from_arrays(rng.normal(0, spread, (n, 2)), rng.integers(-1, 10, n))


@given(centers, radii, counts, seeds)
def test_spray_puts_exactly_n_points_inside_the_disc(center, radius, n, seed):
    points = spray(center, radius, n, seed)
    assert points.shape == (n, 2) and points.dtype == np.float64
    distance = np.hypot(points[:, 0] - center[0], points[:, 1] - center[1])
    slack = 1e-12 * (abs(center[0]) + abs(center[1]) + radius)  # rounding of centre + offset
    assert np.all(distance <= radius + slack)


@given(centers, radii, counts, seeds)
def test_spray_is_reproducible_from_a_seed(center, radius, n, seed):
    np.testing.assert_array_equal(spray(center, radius, n, seed), spray(center, radius, n, seed))


def test_spray_fills_the_disc_uniformly():
    points = spray((1.0, -2.0), 2.0, 200_000, 0)
    distance = np.hypot(points[:, 0] - 1.0, points[:, 1] + 2.0)
    # Uniform in the disc: the inner half of the radius holds a quarter of the points.
    assert np.mean(distance <= 1.0) == pytest.approx(0.25, abs=0.005)
    assert points.mean(axis=0) == pytest.approx([1.0, -2.0], abs=0.01)


def test_spray_rejects_a_bad_radius_or_count():
    for radius in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="radius"):
            spray((0.0, 0.0), radius, 5)
    with pytest.raises(ValueError, match="number of points"):
        spray((0.0, 0.0), 1.0, -1)


@given(seeds, st.integers(0, 200), centers, radii)
def test_erase_removes_exactly_the_points_within_the_radius(seed, n, center, radius):
    data = painted(seed, n, spread=max(radius, 1.0))
    inside = within(data.points, center, radius)
    result = data.erase(center, radius)
    np.testing.assert_array_equal(result.points, data.points[~inside])
    np.testing.assert_array_equal(result.labels, data.labels[~inside])
    assert not within(result.points, center, radius).any()


def test_erase_of_nothing_returns_the_same_data():
    data = painted(0, 50)
    assert data.erase((100.0, 100.0), 1.0) is data


def test_erase_includes_the_rim():
    data = PaintedData.from_arrays(np.array([[1.0, 0.0], [0.0, 1.0000001]]))
    np.testing.assert_array_equal(data.erase((0.0, 0.0), 1.0).points, [[0.0, 1.0000001]])


@given(seeds, st.integers(0, 100), counts, st.one_of(st.none(), st.integers(0, 9)))
def test_append_keeps_earlier_points_bit_for_bit(seed, n, extra, label):
    data = painted(seed, n)
    before_points, before_labels = data.points.copy(), data.labels.copy()
    new = spray((0.5, 0.5), 1.0, extra, seed)
    result = data.append(new, label)
    assert result.n_points == n + extra
    assert result.points[:n].tobytes() == before_points.tobytes()
    np.testing.assert_array_equal(result.labels[:n], before_labels)
    assert result.points[n:].tobytes() == new.tobytes()
    assert np.all(result.labels[n:] == (NO_CLASS if label is None else label))
    assert data.points.tobytes() == before_points.tobytes()  # the original is untouched


def test_from_arrays_copies_the_callers_arrays():
    points = np.zeros((3, 2))
    data = PaintedData.from_arrays(points)
    points[0] = 7.0
    assert np.all(data.points == 0.0)
    assert np.all(data.labels == NO_CLASS)


def test_labels_are_none_until_a_class_is_used():
    data = PaintedData.empty().append(spray((0.0, 0.0), 1.0, 4, 0))
    assert data.labels_or_none() is None
    labelled = data.append(spray((0.0, 0.0), 1.0, 2, 1), 3)
    np.testing.assert_array_equal(labelled.labels_or_none(), [NO_CLASS] * 4 + [3, 3])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        PaintedData(np.zeros((2, 3)), np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="labels"):
        PaintedData(np.zeros((2, 2)), np.zeros(3, dtype=np.int64))
