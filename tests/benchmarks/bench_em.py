"""EM against scikit-learn in the same run: N = 1e6, K = 5, D = 2, full covariances.

Run: pytest tests/benchmarks -s -o python_files='bench_*.py'. Each test prints one line with both
timings and the ratio; it asserts only correctness (equal or better log-likelihood), never a time.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.em import EMSettings, fit, params_from_mixture, warm_up
from gmm_desktop.core.mixture import Mixture

from .timing import median_seconds

N, K = 1_000_000, 5


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    truth = Mixture.from_2d(
        [0.3, 0.2, 0.2, 0.15, 0.15],
        [[-4, -2], [3, -3], [0, 3], [5, 4], [-4, 4]],
        [[1.0, 0.8], [0.7, 1.2], [1.5, 0.6], [0.8, 0.8], [0.6, 1.0]],
        [0.3, -0.5, 0.2, 0.0, 0.6],
    )
    return truth.sample(N, 0)[0]


@pytest.fixture(scope="module")
def warm(data: np.ndarray) -> float:
    """Compile (or load from numba's cache) the serial and the 2-thread kernels; seconds taken."""
    return warm_up()


def _per_iteration(run, repeats: int, iterations: int = 5) -> float:
    """Seconds per iteration: (fit with 1 + iterations iterations - fit with 1) / iterations; this
    leaves out what a fit does once (validation, initial factorisation, final E-step)."""
    many = median_seconds(lambda: run(1 + iterations), repeats)
    return (many - median_seconds(lambda: run(1), repeats)) / iterations


def test_em_iteration(data: np.ndarray, warm: float) -> None:
    start = Mixture(np.full(K, 1 / K), data[:K] + 0.1, np.tile(np.eye(2), (K, 1, 1)))
    given = params_from_mixture(start, "full")

    def sklearn_fit(max_iter: int) -> GaussianMixture:
        model = GaussianMixture(
            K, tol=0.0, max_iter=max_iter, weights_init=given.weights, means_init=given.means,
            precisions_init=given.precisions(),
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(data)

    def our_fit(max_iter: int, n_threads: int = 0):
        return fit(
            data, EMSettings(K, tol=0.0, max_iter=max_iter, init="given", init_params=start, n_threads=n_threads)
        )

    sk = _per_iteration(sklearn_fit, repeats=3)
    ours = _per_iteration(our_fit, repeats=7)
    one = _per_iteration(lambda m: our_fit(m, n_threads=1), repeats=7)
    sk_model, result = sklearn_fit(6), our_fit(6)
    print(
        f"\nem iteration N=1e6 K=5 full: sklearn {sk * 1e3:.0f} ms, ours {ours * 1e3:.1f} ms, ratio {sk / ours:.0f}x "
        f"(goal >= 30x); one thread {one * 1e3:.1f} ms ({sk / one:.0f}x); numba warm-up {warm:.2f} s"
    )
    np.testing.assert_allclose(result.lower_bounds, sk_model.lower_bounds_, rtol=1e-10)
    np.testing.assert_allclose(result.params.means, sk_model.means_, rtol=1e-8, atol=1e-10)


def test_whole_fit(data: np.ndarray, warm: float) -> None:
    def sklearn_fit() -> GaussianMixture:
        return GaussianMixture(K, random_state=0).fit(data)

    def our_fit():
        return fit(data, EMSettings(K, init="kmeans", seed=0))

    sk = median_seconds(sklearn_fit, repeats=2)
    ours = median_seconds(our_fit, repeats=5)
    sk_model, result = sklearn_fit(), our_fit()
    sk_ll, our_ll = sk_model.score(data), result.log_likelihood
    print(
        f"\nwhole fit N=1e6 K=5 full (init + EM): sklearn {sk:.2f} s ({sk_model.n_iter_} iterations), "
        f"ours {ours * 1e3:.0f} ms ({result.n_iter} iterations), ratio {sk / ours:.0f}x (goal >= 20x); "
        f"mean log-likelihood sklearn {sk_ll:.6f}, ours {our_ll:.6f}"
    )
    assert our_ll >= sk_ll - 1e-3  # equal (within tol) or better
