"""`gmm-desktop sample`, as a script would call it."""

import json

import numpy as np
import pytest
from helpers import run_cli

from gmm_desktop.cli import main
from gmm_desktop.core.io.model_file import save_model
from gmm_desktop.core.io.tables import load_csv, numeric_matrix
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.headless import sample_summary


def test_article_workflow_json():
    result = run_cli("sample", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary) == {"n_samples", "acceptance_rate", "mean", "covariance", "ess", "rhat"}
    assert summary["n_samples"] == 1000
    assert 0.45 < summary["acceptance_rate"] < 0.57  # the article measured about 0.51
    assert np.array(summary["covariance"]).shape == (2, 2)


def test_same_seed_same_output(capsys):
    assert main(["sample", "--seed", "7", "--json", "--steps", "2000"]) == 0
    first = capsys.readouterr().out
    assert main(["sample", "--seed", "7", "--json", "--steps", "2000"]) == 0
    assert capsys.readouterr().out == first
    assert main(["sample", "--seed", "8", "--json", "--steps", "2000"]) == 0
    assert capsys.readouterr().out != first


def test_many_chains_agree_with_the_exact_moments(tmp_path, capsys):
    out = tmp_path / "samples.csv"
    args = [
        "sample",
        "--chains",
        "16",
        "--burn-in",
        "500",
        "--steps",
        "20000",
        "--thin",
        "5",
        "--json",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    truth = article_demo()
    sd = np.sqrt(np.diag(truth.covariance()))
    error = np.abs(np.array(summary["mean"]) - truth.mean())
    np.testing.assert_array_less(error, 4 * sd / np.sqrt(summary["ess"]))
    assert max(summary["rhat"]) < 1.05
    table = load_csv(out)
    assert table.columns == ("x", "y", "chain")
    assert table.n_rows == summary["n_samples"] == 16 * 4000
    np.testing.assert_allclose(numeric_matrix(table, ["x", "y"]).mean(axis=0), summary["mean"], rtol=1e-12)


def test_target_from_model_file(tmp_path, capsys):
    model = tmp_path / "target.json"
    save_model(model, article_demo().marginal([0]))
    assert main(["sample", "--target", str(model), "--json", "--steps", "3000"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["mean"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "nope"], "unknown preset 'nope'"),
        (["--thin", "0"], "thin must be an integer >= 1"),
        (["--step-size", "-1"], "step_size must be a positive finite number"),
        (["--target", "missing.json"], "missing.json: file not found"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "out.csv"
    assert main(["sample", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_summary_of_a_short_run_has_no_diagnostics():
    summary = sample_summary(np.zeros((3, 2)) + np.arange(3)[:, None], np.zeros(3, int), 0.5)
    assert summary["ess"] == [None, None]
    assert summary["n_samples"] == 3
