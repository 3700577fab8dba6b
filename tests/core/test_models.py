"""The covariance-model registry: names, mclust's names and parameter counts, raw shapes."""

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.em import EMSettings, fit
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.core.models import COVARIANCE_TYPES, MODELS, SKLEARN_TYPES, covariance_model, n_parameters

# mclust 6.0.0's nVarParams for d = 3 and G = 1, 2, 3 (shared/STATS_FACTS.md)
MCLUST_VAR_PARAMS_D3 = {
    "EII": (1, 1, 1),
    "VII": (1, 2, 3),
    "EEI": (3, 3, 3),
    "VEI": (3, 4, 5),
    "EVI": (3, 5, 7),
    "VVI": (3, 6, 9),
    "EEE": (6, 6, 6),
    "VEE": (6, 7, 8),
    "EVE": (6, 8, 10),
    "VVE": (6, 9, 12),
    "EEV": (6, 9, 12),
    "VEV": (6, 10, 14),
    "EVV": (6, 11, 16),
    "VVV": (6, 12, 18),
}
MCLUST_ORDER = ["EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV"]


def test_the_registry_holds_mclusts_family_in_its_order_with_scikit_learns_names():
    assert [model.mclust for model in MODELS.values()] == MCLUST_ORDER
    assert tuple(MODELS) == COVARIANCE_TYPES
    assert SKLEARN_TYPES == ("full", "tied", "diag", "spherical")
    assert [MODELS[name].mclust for name in SKLEARN_TYPES] == ["VVV", "EEE", "VVI", "VII"]
    for model in MODELS.values():
        assert covariance_model(model.mclust) is model is covariance_model(model.name)
        assert model.mclust in model.label and model.description.endswith(".")
    assert {m.family for m in MODELS.values()} == {"spherical", "diagonal", "ellipsoidal"}


@pytest.mark.parametrize("name", COVARIANCE_TYPES)
def test_covariance_parameters_equal_mclusts_count(name):
    model = MODELS[name]
    assert tuple(model.n_covariance_parameters(g, 3) for g in (1, 2, 3)) == MCLUST_VAR_PARAMS_D3[model.mclust]


def test_names_at_one_dimension_and_one_component_are_mclusts():
    assert {MODELS[n].mclust_name(3, 1) for n in COVARIANCE_TYPES} == {"E", "V"}
    assert MODELS["tied"].mclust_name(2, 1) == "E" and MODELS["full"].mclust_name(2, 1) == "V"
    assert [MODELS[n].mclust_name(1, 4) for n in ("EII", "VEI", "EVE")] == ["XII", "XXI", "XXX"]
    assert MODELS["EVE"].mclust_name(1, 1) == "X" and MODELS["EVE"].mclust_name(2, 4) == "EVE"


@pytest.mark.parametrize("name", SKLEARN_TYPES)
@pytest.mark.parametrize(("k", "d"), [(1, 1), (2, 2), (3, 5)])
def test_free_parameters_and_raw_shapes_equal_scikit_learns(name, k, d):
    X = np.random.default_rng(0).normal(size=(200, d))
    reference = GaussianMixture(k, covariance_type=name, random_state=0, max_iter=5).fit(X)
    assert n_parameters(k, d, name) == reference._n_parameters()
    assert MODELS[name].raw_shape(k, d) == reference.covariances_.shape


@pytest.mark.parametrize("name", COVARIANCE_TYPES)
def test_a_fit_keeps_its_raw_parameters_in_the_models_shape(name):
    result = fit(article_demo().sample(500, 1)[0], EMSettings(n_components=2, covariance_type=name, seed=0))
    assert result.params.covariances.shape == MODELS[name].raw_shape(2, 2)
    assert result.n_parameters == MODELS[name].n_parameters(2, 2)


def test_a_component_owns_its_weight_mean_and_unshared_covariance():
    assert MODELS["full"].parameters_per_component(3) == 1 + 3 + 6
    assert MODELS["tied"].parameters_per_component(3) == 1 + 3  # the covariance belongs to all
    assert MODELS["diag"].parameters_per_component(3) == 1 + 3 + 3
    assert MODELS["spherical"].parameters_per_component(3) == 1 + 3 + 1


def test_an_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match=r"EII \(EII\).*full \(VVV\); got 'round'"):
        covariance_model("round")
