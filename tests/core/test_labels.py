"""Point labels for colouring: argmax P(i|x), the uncertainty and its steps, computed for a buffer's
new tail only, with places to stop between chunks."""

import numpy as np
import pytest

from gmm_desktop.core import labels as labels_module
from gmm_desktop.core.labels import UNCERTAINTY_LEVELS, label_points, new_points
from gmm_desktop.core.mixture import article_demo, preset
from gmm_desktop.workspace.data import GrowingPoints


def run(generator):
    pauses = 0
    while True:
        try:
            assert next(generator) is None
            pauses += 1
        except StopIteration as done:
            return done.value, pauses


def test_labels_are_the_mixtures_predict_and_uncertainty():
    mixture = preset("well separated")
    X = mixture.sample(5000, 1)[0]
    result, _ = run(label_points(mixture, X))
    np.testing.assert_array_equal(result.labels, mixture.predict(X))
    np.testing.assert_allclose(result.uncertainty, 1.0 - mixture.responsibilities(X).max(axis=1), atol=1e-6)
    top = 1.0 - 1.0 / mixture.n_components
    expected = np.minimum((result.uncertainty * (UNCERTAINTY_LEVELS / top)).astype(int), UNCERTAINTY_LEVELS - 1)
    np.testing.assert_array_equal(result.uncertainty_levels, expected)
    assert not result.labels.flags.writeable and result.points is X and result.mixture is mixture


def test_a_large_pass_pauses_between_chunks(monkeypatch):
    monkeypatch.setattr(labels_module, "CHUNK", 1000)
    mixture = article_demo()
    X = mixture.sample(4500, 2)[0]
    result, pauses = run(label_points(mixture, X))
    assert pauses == 4  # after 1000, 2000, 3000, 4000: a place to stop, not after the last chunk
    np.testing.assert_array_equal(result.labels, mixture.predict(X))


def test_only_the_new_tail_of_a_growing_buffer_is_labelled(monkeypatch):
    mixture = article_demo()
    buffer = GrowingPoints(2)
    buffer.append(mixture.sample(3000, 1)[0], np.zeros(3000, dtype=np.int64))
    buffer.append(mixture.sample(100, 5)[0], np.zeros(100, dtype=np.int64))  # capacity now 6000
    first, _ = run(label_points(mixture, buffer.view()[0]))
    buffer.append(mixture.sample(500, 2)[0], np.zeros(500, dtype=np.int64))
    grown = buffer.view()[0]
    assert new_points(first, mixture, grown) == 500
    seen = []
    original = type(mixture).weighted_log_prob
    monkeypatch.setattr(type(mixture), "weighted_log_prob", lambda self, x: seen.append(len(x)) or original(self, x))
    result, _ = run(label_points(mixture, grown, first))
    assert seen == [500]
    np.testing.assert_array_equal(result.labels, mixture.predict(grown))


@pytest.mark.parametrize("change", ["mixture", "memory"])
def test_labels_of_another_mixture_or_buffer_are_not_reused(change):
    mixture = article_demo()
    X = mixture.sample(1000, 1)[0]
    first, _ = run(label_points(mixture, X))
    other_mixture = preset("overlapping") if change == "mixture" else mixture
    other_points = X if change == "mixture" else X.copy()
    assert new_points(first, other_mixture, other_points) == 1000
