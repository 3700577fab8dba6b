"""The article's one-chain Metropolis-Hastings loop, as it was written: the baseline the sampler's
benchmark measures against and a test oracle of the article's acceptance rate (not program code)."""

from collections.abc import Callable

import numpy as np

from gmm_desktop.core.mixture import Mixture


def _article_density(target: Mixture) -> Callable[[np.ndarray], float]:
    """p(x) on numpy scalars, one call per point: the article's bivariate_normal sum for 2-D targets."""
    weights, means, covs = target.weights, target.means, target.covariances
    if target.n_dims == 2:
        params = [  # Python floats, as the article's literal arguments were
            tuple(map(float, (w, m[0], m[1], np.sqrt(c[0, 0]), np.sqrt(c[1, 1]), c[0, 1])))
            for w, m, c in zip(weights, means, covs, strict=True)
        ]

        def density(x: np.ndarray) -> float:
            total = 0.0
            for w, mux, muy, sx, sy, sxy in params:  # matplotlib.mlab.bivariate_normal, as the article used it
                xmu, ymu = x[0] - mux, x[1] - muy
                rho = sxy / (sx * sy)
                z = xmu**2 / sx**2 + ymu**2 / sy**2 - 2 * rho * xmu * ymu / (sx * sy)
                total = total + w * np.exp(-z / (2 * (1 - rho**2))) / (2 * np.pi * sx * sy * np.sqrt(1 - rho**2))
            return total

        return density
    precisions = np.linalg.inv(covs)
    norms = weights / np.sqrt(np.linalg.det(2 * np.pi * covs))

    def density_nd(x: np.ndarray) -> float:
        total = 0.0
        for norm, mu, prec in zip(norms, means, precisions, strict=True):
            diff = x - mu
            total = total + norm * np.exp(-0.5 * diff @ prec @ diff)
        return total

    return density_nd


def article_scalar_loop(target: Mixture, n_steps: int, step_size: float, seed: int | None) -> np.ndarray:
    """The article's one-chain loop, the benchmark's baseline: (n_steps, D) position after each step.

    One proposal per Python iteration, p(x) evaluated on numpy scalars per step, accept if
    p' >= p or u < p'/p, starting at the origin. The program never runs it (it is 40x+ slower).
    """
    rng = np.random.default_rng(seed)
    density = _article_density(target)
    x = np.zeros(target.n_dims)
    p = density(x)
    out = np.empty((n_steps, target.n_dims))
    for i in range(n_steps):
        proposal = x + step_size * rng.normal(size=target.n_dims)
        p_new = density(proposal)
        if p_new >= p or rng.random() < p_new / p:
            x, p = proposal, p_new
        out[i] = x
    return out
