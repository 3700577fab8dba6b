"""`gmm-desktop fit`, as a script would call it: output contract, files, bad input."""

import json

import numpy as np
import pytest
from helpers import run_cli
from sklearn.mixture import GaussianMixture

from gmm_desktop.cli import main
from gmm_desktop.core.io.model_file import load_model
from gmm_desktop.core.io.tables import load_csv, numeric_matrix
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.models import COVARIANCE_TYPES, MODELS
from gmm_desktop.headless import parse_components, parse_models
from gmm_desktop.paths import resource

SUMMARY_KEYS = {
    "n_samples",
    "columns",
    "model",
    "log_likelihood",
    "bic",
    "aic",
    "icl",
    "converged",
    "n_iter",
    "candidates",
}
CANDIDATE_KEYS = {
    "n_components", "covariance_type", "model_name", "log_likelihood", "bic", "aic", "icl", "degenerate", "reason",
    "warning",
}  # fmt: skip


@pytest.fixture
def article_csv(tmp_path):
    x, labels = article_demo().sample(1500, 11)
    path = tmp_path / "article.csv"
    rows = "\n".join(f"{a:.17g},{b:.17g},g{k + 1}" for (a, b), k in zip(x, labels))
    path.write_text("x,y,group\n" + rows + "\n")
    return path


def fit_json(capsys, *args) -> dict:
    assert main(["fit", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_contract_and_choice(article_csv, capsys):
    summary = fit_json(capsys, article_csv, "--components", "1-4")
    assert set(summary) == SUMMARY_KEYS
    assert summary["columns"] == ["x", "y"]  # the text column is ignored
    assert summary["n_samples"] == 1500
    model = summary["model"]
    assert (model["n_components"], model["covariance_type"]) == (2, "full")
    assert len(summary["candidates"]) == 4 * 14  # every K, every model of mclust's family
    assert all(set(c) == CANDIDATE_KEYS for c in summary["candidates"])
    chosen = min((c for c in summary["candidates"] if not c["degenerate"]), key=lambda c: c["bic"])
    assert summary["bic"] == chosen["bic"]
    assert summary["log_likelihood"] == pytest.approx(chosen["log_likelihood"])
    # The reported total is that of the reported parameters, and at least as good as scikit-learn's fit.
    X = numeric_matrix(load_csv(article_csv), ["x", "y"])
    fitted = Mixture(model["weights"], model["means"], model["covariances"])
    assert summary["log_likelihood"] == pytest.approx(fitted.logpdf(X).sum(), rel=1e-9)
    assert summary["log_likelihood"] >= GaussianMixture(2, random_state=0).fit(X).score(X) * len(X) - 1e-6
    means = np.array(sorted(model["means"]))
    np.testing.assert_allclose(means, sorted(article_demo().means.tolist()), atol=0.25)


def test_all_covariance_types_and_criteria(article_csv, capsys):
    summary = fit_json(capsys, article_csv, "--components", "2-3", "--covariance", "all", "--criterion", "aic")
    kinds = {(c["n_components"], c["covariance_type"]) for c in summary["candidates"]}
    assert kinds == {(k, t) for k in (2, 3) for t in COVARIANCE_TYPES}
    assert {c["model_name"] for c in summary["candidates"]} == {m.mclust for m in MODELS.values()}
    usable = [c for c in summary["candidates"] if not c["degenerate"]]
    assert summary["aic"] == min(c["aic"] for c in usable)


def test_out_and_model_files(article_csv, tmp_path, capsys):
    out, model = tmp_path / "labels.csv", tmp_path / "model.json"
    summary = fit_json(capsys, article_csv, "--components", "2", "--out", out, "--model-out", model)
    table = load_csv(out)
    assert table.columns == ("x", "y", "group", "label", "p_1", "p_2")
    assert table.n_rows == 1500
    p = numeric_matrix(table, ["p_1", "p_2"])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(numeric_matrix(table, ["label"])[:, 0], p.argmax(axis=1) + 1)
    np.testing.assert_array_equal(numeric_matrix(table, ["x", "y"]), numeric_matrix(load_csv(article_csv), ["x", "y"]))
    saved = load_model(model)
    np.testing.assert_array_equal(saved.means, np.array(summary["model"]["means"]))


def test_columns_option(tmp_path, capsys):
    path = tmp_path / "three.csv"
    rng = np.random.default_rng(0)
    data = rng.normal(size=(300, 3))
    path.write_text("a;b;c\n" + "\n".join(";".join(f"{v:.6f}".replace(".", ",") for v in row) for row in data))
    summary = fit_json(capsys, path, "--columns", "c,a", "--components", "1")
    assert summary["columns"] == ["c", "a"]
    np.testing.assert_allclose(summary["model"]["means"][0], data[:, [2, 0]].mean(axis=0), atol=1e-6)


def test_text_output(article_csv, capsys):
    assert main(["fit", str(article_csv), "--components", "1-3"]) == 0
    text = capsys.readouterr().out
    assert "chosen by BIC (lower is better): K=2 VVV (full)" in text


def test_ties_are_flagged_and_never_chosen(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x, _ = article_demo().sample(400, 5)
    x = np.vstack([np.round(x, 0), np.tile([[7.0, 7.0]], (6, 1))])  # whole numbers and a stack of identical points
    path = tmp_path / "ties.csv"
    path.write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in x[rng.permutation(len(x))]))
    summary = fit_json(capsys, path, "--components", "1-8")
    flagged = [c for c in summary["candidates"] if c["degenerate"]]
    assert flagged, "rounded data with a stack of identical points must produce a degenerate candidate"
    assert all(c["reason"] for c in flagged)
    chosen = (summary["model"]["n_components"], summary["model"]["covariance_type"])
    assert chosen not in {(c["n_components"], c["covariance_type"]) for c in flagged}


def test_every_candidate_degenerate_exits_1(tmp_path, capsys):
    path = tmp_path / "spots.csv"
    path.write_text("x,y\n" + "1,2\n3,1\n2,5\n" * 10)  # three tied spots: K >= 3 collapses onto them
    out = tmp_path / "out.csv"
    assert main(["fit", str(path), "--components", "3-4", "--out", str(out)]) == 1
    assert "every candidate model is degenerate" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("x,y\n1,2\n3,4,5\n5,6\n", [], "bad.csv, line 3"),
        ("x,y\n1,2\n3,abc\n" + "5,6\n" * 12, [], 'bad.csv, line 3, column "y"'),
        ("x,y\n1,2\n3,4\n5,6\n", ["--columns", "x,z"], "no column named 'z'"),
        ("x,name\n1,a\n3,b\n5,c\n", ["--columns", "name"], 'column "name": is not a numeric column'),
        ("x,y\n1,2\n3,4\n5,6\n", ["--components", "3-1"], "1 <= K1 <= K2"),
        ("", [], "bad.csv"),
    ],
)
def test_bad_input_exits_2_naming_the_place(tmp_path, capsys, content, args, message):
    path, out = tmp_path / "bad.csv", tmp_path / "out.csv"
    path.write_text(content)
    assert main(["fit", str(path), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gmm-desktop fit: ")
    assert message in err
    assert not out.exists()


def test_missing_file_from_the_shell(tmp_path):
    result = run_cli("fit", str(tmp_path / "none.csv"))
    assert result.returncode == 2
    assert "none.csv: file not found" in result.stderr


def test_shipped_example_fits(capsys):
    summary = fit_json(capsys, resource("examples", "three_clusters_3d.csv"), "--components", "1-5")
    assert summary["columns"] == ["length", "width", "depth"]
    assert summary["model"]["n_components"] == 3


@pytest.mark.parametrize(("text", "expected"), [("3", range(3, 4)), ("1-6", range(1, 7))])
def test_parse_components(text, expected):
    assert parse_components(text) == expected


@pytest.mark.parametrize("text", ["0", "x", "2-", "5-2"])
def test_parse_components_rejects(text):
    with pytest.raises(ValueError, match="--components"):
        parse_components(text)


def test_covariance_takes_a_list_in_either_vocabulary():
    assert parse_models("all") == COVARIANCE_TYPES
    assert parse_models("VVV, EEV,diag") == ("full", "EEV", "diag")
    with pytest.raises(ValueError, match="--covariance: covariance_type must be one of"):
        parse_models("VVV,round")


def test_fit_options_reach_the_sweep(article_csv, capsys):
    summary = fit_json(
        capsys, article_csv, "--components", "2", "--covariance", "EEV,VVE", "--init", "k-means++",
        "--tol", "1e-8", "--max-iter", "500", "--reg-covar", "1e-5",
    )  # fmt: skip
    assert [c["model_name"] for c in summary["candidates"]] == ["VVE", "EEV"]
    assert summary["model"]["model_name"] in ("VVE", "EEV")
