"""Model JSON files: exact round trips and clear errors."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_desktop.core.io.model_file import ModelFileError, load_model, model_document, save_model
from gmm_desktop.core.mixture import Mixture, article_demo


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**31))
def test_round_trip_is_exact(tmp_path_factory, k, d, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, d, d))
    mixture = Mixture(rng.uniform(0.1, 1, k), rng.normal(size=(k, d)) * 1e3, a @ np.swapaxes(a, 1, 2) + np.eye(d))
    path = tmp_path_factory.mktemp("model") / "m.json"
    save_model(path, mixture, "full", columns=tuple(f"c{j}" for j in range(d)))
    again = load_model(path)
    np.testing.assert_array_equal(again.weights, mixture.weights)
    np.testing.assert_array_equal(again.means, mixture.means)
    np.testing.assert_array_equal(again.covariances, mixture.covariances)


def test_document_fields():
    document = model_document(article_demo(), "tied", columns=("x", "y"), source="test")
    assert document["format"] == "gmm_desktop.model"
    assert (document["n_components"], document["n_features"], document["covariance_type"]) == (2, 2, "tied")
    assert document["columns"] == ["x", "y"]
    assert document["metadata"] == {"source": "test"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"weights": [1,\n  "means": []}', r"m\.json, line 2, column \d+: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"version": 9, "weights": [1]}', "newer gmm_desktop"),
        ('{"weights": [1], "means": [[0, 0]]}', "missing the field 'covariances'"),
        ('{"weights": [1], "means": [[0, 0]], "covariances": [[[1, 2], [2, 1]]]}', "not positive definite"),
    ],
)
def test_bad_files_are_named(tmp_path, text, message):
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.json: file not found"):
        load_model(tmp_path / "nope.json")


def test_plain_dict_is_accepted(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(article_demo().to_dict()))
    np.testing.assert_allclose(load_model(path).weights, article_demo().weights)
