"""mclust's hierarchical clustering (hc, model VVV, use = "SVD"): the same trees as R's mclust 6.0.0,
bit for bit, on every reference data set; the published criterion as a greedy search; sane on bad input.

The references are tests/fixtures/mclust/hc.json (make_fixtures.R) and hc_extra.json
(make_hc_extra.R); a missing file fails the tests that need it.
"""

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_desktop.core.em.hc import HCTree, hc_tree, svd_transform

FIXTURES = Path(__file__).parents[1] / "fixtures"
HC_SETS = ("faithful", "iris", "trees", "wreath")  # hc.json: use = "SVD"
EXTRA = (  # hc_extra.json: (data, use); its trees and wreath add their transformed data to hc.json's
    *((name, "SVD") for name in ("trees", "wreath", "diabetes", "banknote", "thyroid", "USArrests", "swiss")),
    *((name, "SVD") for name in ("chevron", "quakes", "wdbc", "acidity", "faithful_waiting", "precip")),
    *((name, "VARS") for name in ("faithful", "iris", "quakes")),
    ("GvHD.pos", "SVD"),  # 2000 of its 9083 rows, drawn in R
)
TRANSFORM = {"SVD": "SVD", "VARS": "none"}
TREES = [(name, "SVD", "hc") for name in HC_SETS] + [(*case, "extra") for case in EXTRA if case[0] not in HC_SETS[2:]]
CLUSTERED = [  # cases whose fixtures hold the very data hcvvv clustered
    *[(name, "SVD", "hc") for name in HC_SETS[:2]],
    *[(*case, "extra") for case in EXTRA if case[0] != "GvHD.pos"],
]
SETTINGS = settings(max_examples=40, deadline=None)


@cache
def reference(name: str, use: str, source: str) -> dict:
    """mclust's tree of a data set from hc.json ("hc"; X from the data set's CSV) or hc_extra.json."""
    if source == "hc":
        trees = json.loads((FIXTURES / "mclust" / "hc.json").read_text())["trees"]
        tree = next(t for t in trees if t["data"] == name)
        return {**tree, "X": np.loadtxt(FIXTURES / "datasets" / f"{name}.csv", delimiter=",", skiprows=1, ndmin=2)}
    cases = json.loads((FIXTURES / "mclust" / "hc_extra.json").read_text())["cases"]
    case = next(c for c in cases if c["data"] == name and c["use"] == use)
    return {**case, "X": np.array(case["X"], dtype=float)}


def clustered(ref: dict) -> np.ndarray:
    """The data hcvvv clustered: mclust's SVD transform of X, or X for use = "VARS"."""
    return np.array(ref["transformed_data"] if ref["use"] == "SVD" else ref["X"], dtype=float)


# ------------------------------------------------------------------------------- equal to mclust


@pytest.mark.parametrize(("name", "use", "source"), TREES)
def test_the_tree_and_its_partitions_are_mclusts(name, use, source):
    """From the raw data, through our SVD transform: mclust's whole merge sequence, so hclass's
    partition for every G (adjusted Rand index 1 everywhere)."""
    ref = reference(name, use, source)
    X = ref["X"]
    tree = hc_tree(X, transform=TRANSFORM[use], max_rows=X.shape[0])
    np.testing.assert_array_equal(tree.merges + 1, np.array(ref["merge_pairs"]))
    for G, expected in zip(ref["hclass_G"], ref["hclass"], strict=True):
        np.testing.assert_array_equal(tree.labels(G) + 1, expected, err_msg=f"G = {G}")


@pytest.mark.parametrize(("name", "use", "source"), CLUSTERED)
def test_on_mclusts_transformed_data_the_costs_are_mclusts_bit_for_bit(name, use, source):
    """Given the very data hcvvv clustered, every merge cost equals its "change" output exactly:
    the same arithmetic, so near-ties fall the same way."""
    ref = reference(name, use, source)
    Z = clustered(ref)
    tree = hc_tree(Z, transform="none", max_rows=Z.shape[0])
    np.testing.assert_array_equal(tree.merges + 1, np.array(ref["merge_pairs"]))
    np.testing.assert_array_equal(tree.costs, np.array(ref["change"]))


@pytest.mark.parametrize(("name", "use", "source"), [case for case in CLUSTERED if case[1] == "SVD"])
def test_the_svd_transform_is_mclusts(name, use, source):
    ref = reference(name, use, source)
    np.testing.assert_allclose(svd_transform(ref["X"]), clustered(ref), rtol=0, atol=1e-10)


def test_mclusts_stored_factors_differ_from_the_published_criterion():
    """mclust 6.0.0 keeps only the first row of a merged cluster's factor; the exact criterion then
    builds another tree for wreath (both give the same on faithful and iris)."""
    ref = reference("wreath", "SVD", "extra")
    exact = hc_tree(clustered(ref), transform="none", criterion="exact")
    assert not np.array_equal(exact.merges + 1, np.array(ref["merge_pairs"]))
    for name in ("faithful", "iris"):
        ref = reference(name, "SVD", "hc")
        exact = hc_tree(clustered(ref), transform="none", criterion="exact")
        np.testing.assert_array_equal(exact.merges + 1, ref["merge_pairs"])


# ------------------------------------------------------------------------------- the criterion


def greedy(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published criterion by brute force: all pair costs from scratch at every step."""
    n, p = Z.shape
    alpha = max((((Z - Z.mean(axis=0)) / np.sqrt(n * p)) ** 2).sum(), np.finfo(float).eps)

    def term(idx: list[int]) -> float:
        m = len(idx)
        centred = Z[idx] - Z[idx].mean(axis=0)
        W = centred.T @ centred
        t = np.trace(W)
        if m == 1:
            return np.log(alpha)
        if m <= p or t == 0:
            return m * np.log((t + alpha) / m) if m <= p else m * np.log(alpha / m)
        return m * np.log(max(np.linalg.det(W / m), 0.0) + (t + alpha) / m)

    clusters = {i: [i] for i in range(n)}
    merges, costs = [], []
    while len(clusters) > 1:
        cost, a, b = min(
            (term(clusters[a] + clusters[b]) - term(clusters[a]) - term(clusters[b]), a, b)
            for a in clusters
            for b in clusters
            if a < b
        )
        merges.append((a, b))
        costs.append(cost)
        clusters[a] += clusters.pop(b)
    return np.array(merges), np.array(costs)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 24), p=st.integers(2, 4))
def test_the_exact_criterion_is_the_greedy_search_on_true_scatters(seed, n, p):
    """The incremental bookkeeping (costs kept per pair, best partner per slot) merges what a search
    over all pairs at every step merges."""
    rng = np.random.default_rng(seed)
    Z = (
        rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p)
        + rng.normal(scale=3.0, size=(1, p)) * (np.arange(n) % 2)[:, None]
    )
    tree = hc_tree(Z, transform="none", criterion="exact")
    merges, costs = greedy(Z)
    np.testing.assert_array_equal(tree.merges, merges)
    np.testing.assert_allclose(tree.costs, costs, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------- properties


def partitions(tree: HCTree, rows: np.ndarray | None = None) -> list[set[frozenset[int]]]:
    """Every partition of the tree, as sets of clusters of (original) row numbers."""
    rows = tree.rows if rows is None else rows
    out = []
    for k in range(1, tree.rows.shape[0] + 1):
        labels = tree.labels(k)
        out.append({frozenset(rows[labels == c].tolist()) for c in range(k)})
    return out


def gaussian_data(seed: int, n: int, d: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) + 4.0 * rng.integers(0, 3, size=(n, 1))


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 4),
    extra=st.integers(2, 50),
    log_scale=st.lists(st.floats(-3, 3), min_size=4, max_size=4),
    negate=st.lists(st.booleans(), min_size=4, max_size=4),
    shift=st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4),
)
def test_shifting_and_scaling_columns_changes_no_partition(seed, d, extra, log_scale, negate, shift):
    """The SVD transform standardises each column and is blind to rotations, so the tree is too
    (up to ties, which continuous data do not have)."""
    X = gaussian_data(seed, d + extra, d)
    scale = 10.0 ** np.array(log_scale[:d]) * np.where(negate[:d], -1.0, 1.0)
    Y = X * scale + np.array(shift[:d]) * np.abs(scale)
    for criterion in ("mclust", "exact"):
        assert partitions(hc_tree(X, criterion=criterion)) == partitions(hc_tree(Y, criterion=criterion))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 40), d=st.integers(1, 4))
def test_the_order_of_the_rows_changes_no_partition(seed, n, d):
    X = gaussian_data(seed, n, d)
    order = np.random.default_rng(seed).permutation(n)
    assert partitions(hc_tree(X)) == partitions(hc_tree(X[order]), rows=order)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    d=st.integers(1, 5),
    levels=st.integers(1, 4),
    transform=st.sampled_from(["SVD", "scaled", "none"]),
    criterion=st.sampled_from(["mclust", "exact"]),
)
def test_partitions_nest_and_have_k_clusters_even_with_ties(seed, n, d, levels, transform, criterion):
    """Small integer data: duplicate points, equal costs, constant columns."""
    X = np.random.default_rng(seed).integers(0, levels, size=(n, d)).astype(float)
    tree = hc_tree(X, transform=transform, criterion=criterion)
    assert tree.merges.shape == (n - 1, 2) and tree.costs.shape == (n - 1,)
    assert (tree.merges[:, 0] < tree.merges[:, 1]).all()
    assert len(set(tree.merges[:, 1].tolist())) == n - 1  # each label disappears once
    assert np.isfinite(tree.costs).all()
    previous = None
    for k in range(1, n + 1):
        labels = tree.labels(k)
        assert labels.shape == (n,) and set(labels.tolist()) == set(range(k))
        first_seen = labels[np.sort(np.unique(labels, return_index=True)[1])]
        np.testing.assert_array_equal(first_seen, np.arange(k))  # numbered in order of first appearance
        if previous is not None:  # k clusters split one of the k - 1
            assert all(len(set(previous[labels == c].tolist())) == 1 for c in range(k))
        previous = labels
    assert not tree.merges.flags.writeable and not tree.rows.flags.writeable


def test_duplicate_points_merge_first():
    X = gaussian_data(3, 30, 2)
    X[[4, 17, 22]] = X[9]
    tree = hc_tree(X)
    assert {tuple(pair) for pair in tree.merges[:3].tolist()} <= {(4, 9), (4, 17), (4, 22), (9, 17), (9, 22), (17, 22)}
    assert set(np.flatnonzero(tree.labels(27) == tree.labels(27)[4]).tolist()) == {4, 9, 17, 22}


# ------------------------------------------------------------------------------- large N


def test_more_rows_than_max_rows_clusters_a_seeded_sorted_subset():
    X = gaussian_data(0, 700, 3)
    tree = hc_tree(X, max_rows=250, seed=5)
    assert tree.rows.shape == (250,) and np.all(np.diff(tree.rows) > 0) and tree.rows[-1] < 700
    assert tree.labels(4).shape == (250,)
    again = hc_tree(X, max_rows=250, seed=5)
    np.testing.assert_array_equal(again.rows, tree.rows)
    np.testing.assert_array_equal(again.merges, tree.merges)
    assert not np.array_equal(hc_tree(X, max_rows=250, seed=6).rows, tree.rows)
    # the subset is transformed on its own, as mclust transforms data[subset, ]
    np.testing.assert_array_equal(hc_tree(X[tree.rows], max_rows=250).merges, tree.merges)
    np.testing.assert_array_equal(hc_tree(X, max_rows=700).rows, np.arange(700))


def test_the_subset_draw_is_uniform():
    """Every row is about equally likely to be drawn (as R's sample), over seeds."""
    counts = np.zeros(40)
    for seed in range(400):
        counts[hc_tree(np.arange(120.0).reshape(40, 3) ** 1.5, max_rows=10, seed=seed).rows] += 1
    assert counts.min() > 60 and counts.max() < 140  # expected 100 each (binomial sd ~8.7)


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("X", "kwargs", "message"),
    [
        (np.zeros((0, 2)), {}, "non-empty"),
        (np.zeros((3, 0)), {}, "non-empty"),
        (np.zeros((2, 2, 2)), {}, "non-empty"),
        (np.array([[0.0, 1.0], [np.nan, 2.0]]), {}, "NaN"),
        (np.array([[0.0, 1.0], [np.inf, 2.0]]), {}, "NaN"),
        (np.eye(3), {"transform": "PCA"}, "transform"),
        (np.eye(3), {"criterion": "ward"}, "criterion"),
        (np.eye(3), {"max_rows": 0}, "max_rows"),
    ],
)
def test_impossible_requests_are_refused_with_a_reason(X, kwargs, message):
    with pytest.raises(ValueError, match=message):
        hc_tree(X, **kwargs)


def test_too_many_or_too_few_clusters_are_refused():
    tree = hc_tree(gaussian_data(1, 5, 2))
    for k in (0, 6, -1):
        with pytest.raises(ValueError, match="between 1 and the 5"):
            tree.labels(k)


@pytest.mark.parametrize(
    "X",
    [
        np.array([[1.0, 2.0]]),  # one point
        np.ones((6, 3)),  # all points equal: every cost ties
        gaussian_data(2, 3, 6),  # fewer points than dimensions
        np.linspace(0.0, 1.0, 9) ** 2,  # a vector is one column
        np.array([[0.0, 0.0], [1e-300, 0.0], [1e300, 1.0]]),  # extreme magnitudes
    ],
)
def test_degenerate_data_give_trees(X):
    tree = hc_tree(X)
    n = tree.rows.shape[0]
    assert n == len(X) and tree.merges.shape == (n - 1, 2)
    for k in range(1, n + 1):
        assert set(tree.labels(k).tolist()) == set(range(k))


def test_a_constant_column_is_dropped_as_mclust_drops_it():
    X = gaussian_data(4, 40, 2)
    with_constant = np.column_stack([X[:, 0], np.full(40, 7.5), X[:, 1]])
    np.testing.assert_array_equal(hc_tree(with_constant).merges, hc_tree(X).merges)
    assert hc_tree(with_constant, transform="none").labels(3).shape == (40,)  # kept as data: no crash


def test_a_repeated_column_leaves_a_rank_deficiency_out_of_the_transform():
    """mclust would scale a rounding-noise component up by 1/sqrt(1e-16); it is dropped instead."""
    X = gaussian_data(5, 40, 2)
    Z = svd_transform(np.column_stack([X, 2.0 * X[:, 0] + 1.0]))
    assert Z.shape == (40, 2) and np.isfinite(Z).all()
    np.testing.assert_allclose((Z**2).sum(axis=0), np.linalg.svd(Z, compute_uv=False) ** 2, rtol=1e-12)


# ------------------------------------------------------------------------------- the module


def test_importing_the_module_does_not_import_numba():
    code = "import sys, gmm_desktop.core.em.hc; assert 'numba' not in sys.modules, 'numba imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_trees_built_on_two_threads_at_once_are_the_same():
    from concurrent.futures import ThreadPoolExecutor

    X = gaussian_data(6, 400, 3)
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(hc_tree, [X, X])
    np.testing.assert_array_equal(first.merges, second.merges)
