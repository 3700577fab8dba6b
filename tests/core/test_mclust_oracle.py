"""Our engine against R's mclust 6.0.0, by reference values stored in tests/fixtures/mclust (made by
its make_fixtures.R; R is not needed to run these tests).

Where the two disagree, the test says which is right: mclust's VVE M-step does not maximise its
objective (its Fortran turns the common orientation as if the volumes were equal), so VVE is checked
against the maximum-likelihood reference the fixture script computed beside it, and against mclust
as "at least as good".
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from gmm_desktop.core.em import EMSettings, criteria, fit
from gmm_desktop.core.em.params import m_step, stats_from_resp
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model
from gmm_desktop.core.selection import best, sweep

FIXTURES = Path(__file__).parents[1] / "fixtures"
ONE_D = {"E": "EII", "V": "spherical"}  # a model of each 1-D class stands for mclust's E and V


@cache
def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "mclust" / f"{name}.json").read_text())


@cache
def data(name: str) -> np.ndarray:
    return np.loadtxt(FIXTURES / "datasets" / f"{name}.csv", delimiter=",", skiprows=1, ndmin=2)


def ours(mclust_name: str) -> str:
    return covariance_model(ONE_D.get(mclust_name, mclust_name)).name


def _objective(W: np.ndarray, n: np.ndarray, covariances: np.ndarray) -> float:
    """Σ_k n_k log|Σ_k| + tr(Σ_k⁻¹ W_k): what an M-step minimises (twice the negative of its Q, but
    for constants)."""
    return float(
        sum(n[k] * np.linalg.slogdet(c)[1] + np.trace(np.linalg.solve(c, W[k])) for k, c in enumerate(covariances))
    )


# ---------------------------------------------------------------------------------------------- counts
def test_free_parameters_equal_mclusts_for_every_model_dimension_and_k() -> None:
    entries = fixture("nvarparams")["entries"]
    assert len(entries) > 600
    for entry in entries:
        model, d, k = covariance_model(ours(entry["model"])), entry["d"], entry["G"]
        assert model.n_covariance_parameters(k, d) == entry["nVarParams"], entry
        assert model.n_parameters(k, d) == entry["nMclustParams"], entry


# ---------------------------------------------------------------------------------------------- M-steps
def _mstep_cases() -> list[dict]:
    return fixture("mstep")["cases"]


@pytest.mark.parametrize("case", _mstep_cases(), ids=lambda c: f"{c['data']}-{c['model']}-G{c['G']}-{c['z_kind']}")
def test_each_m_step_from_fixed_responsibilities_equals_mclusts(case: dict) -> None:
    """Weights and means to 1e-10; the covariances minimise the M-step's objective at least as well
    as mclust's (1e-12 relative) and equal them to 1e-8 where the maximum is unique and closed-form.
    The iterative models stop on their parameters here and on the objective in mclust, whose
    parameters are then good to ~1e-7 only (the objective is flat at its minimum): there, 1e-6.
    An orientation is not unique for a component with no more points than dimensions."""
    X, z = data(case["data"]), np.array(case["z"])
    stats, centres = stats_from_resp(X, z)
    mixture = m_step(stats, centres, 0.0, ours(case["model"])).mixture()
    np.testing.assert_allclose(mixture.weights, case["pro"], rtol=1e-10)
    np.testing.assert_allclose(mixture.means, case["mean"], rtol=1e-10, atol=1e-12)
    counts = z.sum(axis=0)
    deviations = X[:, None, :] - mixture.means
    scatter = np.einsum("nk,nki,nkj->kij", z, deviations, deviations)
    theirs = np.array(case["sigma"]).reshape(mixture.covariances.shape)
    mine, reference = _objective(scatter, counts, mixture.covariances), _objective(scatter, counts, theirs)
    assert mine <= reference + 1e-12 * abs(reference)
    if case["model"] == "VVE":  # mclust's is not the maximum: ours is the fixture's ML reference
        reference = np.array(case["ml_reference"]["sigma"])
        np.testing.assert_allclose(mixture.covariances, reference, rtol=1e-6, atol=1e-6 * np.abs(reference).max())
        return
    identifiable = counts.min() > X.shape[1] or not case["model"].endswith("V")
    if identifiable:
        rtol = 1e-6 if case["iterative"] else 1e-8
        np.testing.assert_allclose(mixture.covariances, theirs, rtol=rtol, atol=rtol * np.abs(theirs).max())


def test_the_m_step_fixtures_cover_every_model() -> None:
    assert {case["model"] for case in _mstep_cases()} == {covariance_model(n).mclust for n in COVARIANCE_TYPES} | {
        "E",
        "V",
    }


# ---------------------------------------------------------------------------------------------- EM
def _arbitrary_start(run: dict) -> bool:
    """A start cluster with no more points than dimensions has no orientation of its own: for a model
    with own orientations (…V) EM's path from it is arbitrary (mclust's and ours differ by rounding)."""
    counts = np.bincount(run["z_start_classes"], minlength=run["G"] + 1)[1:]
    return run["model"].endswith("V") and counts.min() <= run["d"]


def _me_runs() -> list[dict]:
    return [run for run in fixture("me")["runs"] if not _arbitrary_start(run)]


def test_only_starts_without_an_orientation_are_left_out() -> None:
    left_out = [(r["data"], r["model"], r["G"]) for r in fixture("me")["runs"] if _arbitrary_start(r)]
    assert left_out == [("trees", "EEV", 3)]


@pytest.mark.parametrize("run", _me_runs(), ids=lambda r: f"{r['data']}-{r['model']}-G{r['G']}")
def test_em_from_mclusts_start_reaches_its_log_likelihood(run: dict) -> None:
    """mclust's `me` starts with an M-step from a hard classification; so do we (reg_covar 0, mclust's
    relative rule at 1e-10). The final log-likelihood is within 0.01 of mclust's converged one; VVE,
    whose mclust M-step is not the maximum, must be at least as good."""
    X, k = data(run["data"]), run["G"]
    z = np.eye(k)[np.array(run["z_start_classes"]) - 1]
    stats, centres = stats_from_resp(X, z)
    start = m_step(stats, centres, 0.0, ours(run["model"])).mixture()
    settings = EMSettings(
        k,
        ours(run["model"]),
        tol=1e-10,
        stopping="relative",
        reg_covar=0.0,
        max_iter=20_000,
        init="given",
        init_params=start,
    )
    result = fit(X, settings)
    if run["model"] == "VVE":
        assert result.total_log_likelihood >= run["loglik_tight"] - 0.01
    else:
        assert result.total_log_likelihood == pytest.approx(run["loglik_tight"], abs=0.01)
    # the selection's own rule (Aitken's, 1e-6 nats per point) gets there too
    ours_rule = fit(X, replace(settings, stopping="aitken", tol=1e-6))
    assert ours_rule.total_log_likelihood >= run["loglik_tight"] - 0.01


# ---------------------------------------------------------------------------------------------- criteria
def _tables() -> dict[str, dict]:
    return {table["data"]: table for table in fixture("bic_tables")["tables"]}


@pytest.mark.parametrize("name", sorted(_tables()))
def test_icl_is_mclusts_hard_classification_criterion(name: str) -> None:
    """ICL on mclust's chosen parameters: BIC - 2 Σ log max_k z_ik (the hard MAP classification,
    Biernacki, Celeux & Govaert 2000), not the soft entropy (which costs about twice as much). mclust
    stores the parameters of one M-step after its last E-step; where that step moved nothing (its
    fit had converged) the criteria agree to 1e-9, elsewhere the classification term to 2%."""
    table, X = _tables()[name], data(name)
    chosen, d = table["chosen"], X.shape[1]
    mixture = Mixture(
        chosen["pro"], np.array(chosen["mean"]).reshape(-1, d), np.array(chosen["sigma"]).reshape(-1, d, d)
    )
    total = float(mixture.logpdf(X).sum())
    scores = criteria(total, chosen["df"], X.shape[0], mixture.responsibilities(X))
    theirs = chosen["ICL"] - chosen["BIC"]  # mclust's sign: ICL - BIC = 2 Σ log z_map <= 0
    mine = scores["bic"] - scores["icl"]
    assert mine == pytest.approx(theirs, rel=0.02, abs=1e-9)
    soft = criteria(total, chosen["df"], X.shape[0], None)["bic"] + 2 * _entropy(mixture.responsibilities(X))
    assert abs(soft - scores["bic"]) > 1.5 * abs(theirs) or abs(theirs) < 1e-6
    if abs(total - chosen["loglik"]) < 1e-9:
        assert scores["bic"] == pytest.approx(-chosen["BIC"], rel=1e-9)
        assert scores["icl"] == pytest.approx(-chosen["ICL"], rel=1e-9)


def _entropy(resp: np.ndarray) -> float:
    return float(-np.sum(resp * np.log(np.where(resp > 0, resp, 1.0))))


SWEPT = ("faithful_waiting", "acidity", "precip", "trees", "iris", "diabetes")


@pytest.mark.parametrize("name", SWEPT)
def test_the_choice_is_at_least_as_good_as_mclusts_and_the_tables_agree(name: str) -> None:
    """Over mclust's whole grid (K = 1..9, its models), our best BIC is at least mclust's best, never a
    degenerate fit; cell by cell, ours is equal (0.05) or better except for a few local optima."""
    table, X = _tables()[name], data(name)
    models = [ours(m) for m in table["models"]]
    candidates = {(c.n_components, c.covariance_type): c for c in sweep(X, table["G"], models)}
    chosen = best(candidates.values())
    assert chosen is not None and not chosen.degenerate
    assert -chosen.bic >= table["chosen"]["BIC"] - 0.01
    compared = worse = 0
    for row, k in enumerate(table["G"]):
        for column, model in enumerate(models):
            reference, candidate = table["BIC"][row][column], candidates[(k, model)]
            if reference is None or candidate.degenerate:
                continue
            compared += 1
            worse += -candidate.bic < reference - 0.05
    assert compared >= 0.5 * len(table["G"]) * len(models)
    assert worse <= math.ceil(0.05 * compared), f"{worse} of {compared} cells worse than mclust's"
