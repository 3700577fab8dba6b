"""mclust's conjugate prior (`EMSettings.prior="conjugate"`) against mclust 6.0.0 (tests/fixtures/mclust/prior.json,
made by make_prior_fixtures.R)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_desktop.cli import main
from gmm_desktop.core.em import EMSettings, fit
from gmm_desktop.core.em.loop import drain, run_em
from gmm_desktop.core.em.params import m_step, stats_from_resp
from gmm_desktop.core.em.settings import conjugate_prior
from gmm_desktop.core.models import MODELS, covariance_model
from gmm_desktop.core.models.prior import PRIOR_MODELS, default_prior, map_m_step
from gmm_desktop.core.selection import SelectionSettings, sweep_settings, with_prior
from tests.core.test_selection import faithful_like

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ITERATIVE = {"VEI", "VEV"}


@cache
def reference() -> dict:
    return json.loads((FIXTURES / "mclust" / "prior.json").read_text())


@cache
def dataset(name: str) -> np.ndarray:
    return np.loadtxt(FIXTURES / "datasets" / f"{name}.csv", delimiter=",", skiprows=1)


def _name(mclust: str) -> str:
    return covariance_model(mclust).name


def _hard_start(case: dict) -> tuple[np.ndarray, np.ndarray]:
    """The data and mclust's hard z (the classification stored with the M-step cases)."""
    X = dataset(case["data"])
    same = next(c for c in reference()["msteps"] if (c["data"], c["G"]) == (case["data"], case["G"]))
    classes = np.asarray(same["classes"]) - 1
    return X, np.eye(case["G"])[classes]


def _case_id(case: dict) -> str:
    return f"{case['data']}-G{case['G']}-{case['model']}"


def test_supported_models_are_mclusts() -> None:
    assert tuple(reference()["supported"]) == PRIOR_MODELS
    unsupported = set(reference()["unsupported"])
    assert {m.mclust for m in MODELS.values()} - set(PRIOR_MODELS) == unsupported


@pytest.mark.parametrize("case", reference()["hyper"], ids=_case_id)
def test_hyperparameters_are_default_priors(case: dict) -> None:
    prior = default_prior(dataset(case["data"]), case["G"], case["model"])
    assert (prior.shrinkage, prior.dof) == (case["shrinkage"], case["dof"])
    np.testing.assert_allclose(prior.mean, case["mean"], rtol=1e-14)
    np.testing.assert_allclose(prior.scale, case["scale"], rtol=1e-13)


@pytest.mark.parametrize("case", reference()["msteps"], ids=_case_id)
def test_map_m_step_equals_mclusts(case: dict) -> None:
    """The engine's M-step (ridge 0) from mclust's hard z gives mclust's pro, mean and sigma."""
    X, z = _hard_start(case)
    stats, centres = stats_from_resp(X, z)
    prior = default_prior(X, case["G"], case["model"])
    params = m_step(stats, centres, 0.0, _name(case["model"]), prior=prior)
    tol = 1e-6 if case["model"] in ITERATIVE else 1e-8
    sigma = np.asarray(case["sigma"])
    np.testing.assert_allclose(params.weights, case["pro"], rtol=1e-12)
    np.testing.assert_allclose(params.means, case["mean"], rtol=tol)
    np.testing.assert_allclose(params.full_covariances(), sigma, rtol=0, atol=tol * np.abs(sigma).max())


ME_DIFFERS = {"EEI", "EVI", "EEV", "VEV", "EII"}
"""mclust's `me` Fortran (me*p) does not use its own `mstep` MAP (ms*p) for these: e.g. meeeip divides
by ν + 1 (+1) plus the counts where mseeip divides by ν + N + 2 + G. Not reconciled yet: the engine
follows `mstep` (matched to 1e-14 above), so its EM from these starts ends up to ~2.5 nats from
`me`'s: they are compared by their M-steps only (the test above), not by `me`."""


def _me_cases() -> list:
    return [case for case in reference()["me"] if case["model"] not in ME_DIFFERS]


def test_me_is_compared_for_the_models_whose_me_and_mstep_agree() -> None:
    models = {case["model"] for case in reference()["me"]}
    assert models - ME_DIFFERS == {"VII", "VEI", "VVI", "EEE", "VVV"}
    assert {case["model"] for case in reference()["msteps"]} >= ME_DIFFERS


@pytest.mark.parametrize("case", _me_cases(), ids=_case_id)
def test_em_from_mclusts_start_reaches_its_loglik(case: dict) -> None:
    """mclust's `me` (relative tol 1e-5) from the same hard start: the same final log-likelihood."""
    X, z = _hard_start(case)
    em = EMSettings(
        case["G"],
        _name(case["model"]),
        tol=1e-5,
        reg_covar=0.0,
        max_iter=10_000,
        stopping="relative",
        prior="conjugate",
    )
    stats, centres = stats_from_resp(X, z)
    start = m_step(stats, centres, 0.0, em.covariance_type, prior=conjugate_prior(X, em))
    result = drain(run_em(X, em, np.random.RandomState(0), start, steps=False))
    assert result.total_log_likelihood == pytest.approx(case["default"]["loglik"], abs=0.01)


@pytest.mark.parametrize("model", sorted(set(MODELS) - {_name(m) for m in PRIOR_MODELS}))
def test_models_without_a_prior_are_refused(model: str) -> None:
    with pytest.raises(ValueError, match="available for EII, VII, EEI, VEI, EVI, VVI, EEE, EEV, VEV, VVV"):
        EMSettings(2, model, prior="conjugate")
    with pytest.raises(ValueError, match=covariance_model(model).mclust):
        with_prior((model,), "conjugate")
    with pytest.raises(ValueError, match="prior must be one of"):
        EMSettings(2, "full", prior="jeffreys")


def test_all_models_with_a_prior_means_mclusts_ten() -> None:
    chosen = SelectionSettings(prior="conjugate").covariance_types
    assert tuple(covariance_model(name).mclust for name in chosen) == PRIOR_MODELS
    assert SelectionSettings(prior="conjugate").em_settings().prior == "conjugate"


def test_prior_keeps_a_tiny_cluster_from_collapsing() -> None:
    """faithful_like ends with 5 identical points: as a component of its own its ML covariance is 0,
    its MAP covariance is the prior's scale over (ν + n + d + 2)."""
    X = faithful_like()
    labels = np.where(X[:, 1] < 67, 0, 1)
    labels[-5:] = 2
    stats, centres = stats_from_resp(X, np.eye(3)[labels])
    with pytest.raises(ValueError, match="ill-defined empirical covariance"):
        m_step(stats, centres, 0.0, "full")
    em = EMSettings(3, "full", reg_covar=0.0, max_iter=500, prior="conjugate")
    prior = conjugate_prior(X, em)
    start = m_step(stats, centres, 0.0, "full", prior=prior)
    result = drain(run_em(X, em, np.random.RandomState(0), start, steps=False))
    smallest = np.linalg.eigvalsh(result.params.full_covariances()).min()
    floor = np.linalg.eigvalsh(prior.scale).min() / (prior.dof + X.shape[0] + 4)
    assert math.isfinite(result.total_log_likelihood) and smallest > floor


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=st.floats(0.01, 100.0), model=st.sampled_from(["VVV", "EEE", "VII", "VEI", "EEV"]))
def test_bic_with_a_prior_shifts_by_2_n_d_log_c(c: float, model: str) -> None:
    X = dataset("trees")
    em = sweep_settings(n_components=3, covariance_type=_name(model), prior="conjugate", n_init=1)
    plain, scaled = fit(X, em), fit(c * X, em)
    shift = 2 * X.shape[0] * X.shape[1] * math.log(c)
    assert scaled.bic - plain.bic == pytest.approx(shift, abs=1e-6 * (1 + abs(plain.bic)))


def test_cli_fit_with_conjugate_prior(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FIXTURES / "datasets" / "trees.csv"
    assert main(["fit", str(source), "--components", "1-3", "--prior", "conjugate", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"]["prior"] == "conjugate"
    assert {c["model_name"] for c in summary["candidates"] if c["n_components"] > 1} <= set(PRIOR_MODELS)
    assert main(["fit", str(source), "--covariance", "VEE", "--prior", "conjugate"]) == 2
    assert "available for EII" in capsys.readouterr().err


def test_map_m_step_reads_one_component_and_one_dimension_as_mclust() -> None:
    """XII is VII's rule, XXX and V VVV's, E EEE's (mnxiip, mnxxxp, ms1vp, ms1ep)."""
    X = dataset("faithful")[:, :1]
    prior = default_prior(X, 2, "VVV")
    W, n, xbar = np.array([[[3.0]], [[5.0]]]), np.array([10.0, 20.0]), np.array([[2.0], [4.0]])
    _, covs = map_m_step("V", W, n, xbar, prior)
    pull = 0.01 * n / (0.01 + n) * (xbar[:, 0] - prior.mean[0]) ** 2
    np.testing.assert_allclose(covs[:, 0, 0], (prior.scale[0, 0] + W[:, 0, 0] + pull) / (3 + n + 3))
