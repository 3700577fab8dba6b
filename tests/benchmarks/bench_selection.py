"""Model-selection sweep K = 1..10, full covariances, N = 1e5, against a sequential scikit-learn loop.

Same n_init, tol and initialisation method (k-means) on both sides; ours initialises on a 10k
subsample. Prints one line with both timings and the ratio (goal >= 10x); asserts only that both
pick the same K and that our best BIC is as good (within tol), never a time.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from sklearn.mixture import GaussianMixture

from gmm_desktop.core.em import EMSettings, warm_up
from gmm_desktop.core.mixture import article_demo
from gmm_desktop.core.selection import best, sweep

from .timing import median_seconds

N, K_VALUES, TOL, N_INIT = 100_000, range(1, 11), 1e-3, 1


def sklearn_sweep(X: np.ndarray) -> list[tuple[int, float]]:
    return [(k, GaussianMixture(k, tol=TOL, n_init=N_INIT, random_state=0).fit(X).bic(X)) for k in K_VALUES]


def our_sweep(X: np.ndarray, workers: int = 1) -> list:
    settings = EMSettings(tol=TOL, n_init=N_INIT, init="kmeans", seed=0)
    return list(sweep(X, K_VALUES, ["full"], settings, workers=workers))


def test_selection_sweep() -> None:
    X, _ = article_demo().sample(N, 0)
    warm = warm_up(parallel=False)

    sk = median_seconds(lambda: sklearn_sweep(X), repeats=1)
    ours = median_seconds(lambda: our_sweep(X), repeats=3)
    two = median_seconds(lambda: our_sweep(X, workers=2), repeats=3)
    print(
        f"\nselection sweep K=1..10 full N=1e5: sklearn {sk:.2f} s, ours {ours:.3f} s, ratio {sk / ours:.1f}x "
        f"(goal >= 10x); ours on 2 workers {two:.3f} s ({sk / two:.1f}x); numba warm-up {warm:.2f} s"
    )
    sk_bic = dict(sklearn_sweep(X))
    chosen = best(our_sweep(X))
    sk_k = min(sk_bic, key=sk_bic.get)
    assert chosen.n_components == sk_k
    assert chosen.bic <= sk_bic[sk_k] + 2 * N * TOL
