"""Results derived from the workspace, as plain functions the job runner calls on a worker:
the target's density image and contours, a fit's contours, the comparison of a finished fit with
what made the data, and the chain diagnostics. Point labels come from `core.labels`.

Each takes immutable inputs and returns a fresh record (`results`), so it can run on any thread.
"""

from __future__ import annotations

import numpy as np

from gmm_desktop.core.density import contour_levels, contour_lines, default_view_range, density_grid
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.samplers.diagnostics import effective_sample_size, split_rhat, to_chains
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import ChainDiagnostics, FitComparison, FitContours, TargetDensity

GRID_SIDE = 300
N_CONTOUR_LEVELS = 10
GRID_SIGMAS = 4.5
"""The density image reaches past the framed region (3 sigma) so no edge shows when the aspect lock
widens the view; beyond 4.5 sigma a component is below 1e-4 of its peak."""
FIT_GRID_SIDE = 120
FIT_LEVELS = 4
KL_SAMPLES = 20_000
"""Draws of the target for KL(target || fit): standard error ~1e-3 nats, a few ms."""
ARI_LIMIT = 100_000
"""The ARI uses at most the first this-many points (independent draws: an unbiased subset)."""
DIAGNOSTICS_LIMIT = 100_000
"""ESS and R-hat use the newest this-many samples once the chains stop: ~20 ms, where 1e7 take seconds."""
LIVE_DIAGNOSTICS_LIMIT = 20_000
"""... and this many while they run (~5 ms): the sampler's worker holds the GIL part of the time."""


def target_grid(mixture: Mixture):
    """The density image of a target: square cells, GRID_SIDE cells along the longer side."""
    x_range, y_range = default_view_range(mixture, GRID_SIGMAS)
    width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
    scale = GRID_SIDE / max(width, height)
    return density_grid(mixture, x_range, y_range, (max(round(height * scale), 2), max(round(width * scale), 2)))


def target_density(mixture: Mixture) -> TargetDensity:
    """The target's density image and N_CONTOUR_LEVELS contour lines (~10 ms at 300 x 300)."""
    grid = target_grid(mixture)
    return TargetDensity(mixture, grid, contour_lines(grid, contour_levels(grid, N_CONTOUR_LEVELS)))


def fit_contours(mixture: Mixture) -> FitContours:
    """FIT_LEVELS evenly spaced contour levels of a 2-D mixture's density (~2 ms at 120 x 120)."""
    x_range, y_range = default_view_range(mixture, 4.0)
    grid = density_grid(mixture, x_range, y_range, (FIT_GRID_SIDE, FIT_GRID_SIDE))
    return FitContours(mixture, contour_lines(grid, contour_levels(grid, FIT_LEVELS)))


def compare_fit(fitted: Mixture, data: Dataset, target: Mixture) -> FitComparison:
    """The fit against the mixture that made the data (sampled or exact draws), or, for points no
    mixture made (a file, a painting), the ARI against their known labels when they have some."""
    n = data.n_points
    if data.origin in ("file", "painted"):
        ari, used = _known_labels_ari(fitted, data)
        return FitComparison(fitted, data.origin, None, False, ari, used, n)
    if fitted.n_dims != target.n_dims:
        return FitComparison(fitted, data.origin, None, True, None, 0, n)
    from gmm_desktop.core.compare import compare  # scipy + scikit-learn: not on the start-up path

    labelled = data.origin == "exact" and data.labels is not None
    points = data.points[:ARI_LIMIT] if labelled else None
    labels = data.labels[:ARI_LIMIT] if labelled else None
    comparison = compare(fitted, target, data=points, true_labels=labels, kl_samples=KL_SAMPLES, rng=0)
    used = min(n, ARI_LIMIT) if labelled else 0
    return FitComparison(fitted, data.origin, comparison, False, comparison.ari, used, n)


def _known_labels_ari(fitted: Mixture, data: Dataset) -> tuple[float | None, int]:
    if data.labels is None:
        return None, 0
    from sklearn.metrics import adjusted_rand_score  # not on the start-up path

    n = min(data.n_points, ARI_LIMIT)
    known = data.labels[:n] >= 0  # painted points without a class carry -1
    return float(adjusted_rand_score(data.labels[:n][known], fitted.predict(data.points[:n][known]))), n


def chain_diagnostics(
    points: np.ndarray, chain_ids: np.ndarray, n_chains: int, limit: int = DIAGNOSTICS_LIMIT
) -> ChainDiagnostics:
    """ESS (D,) and split R-hat (D,) of the newest <= `limit` samples (None where too few).

    The sampler stores samples step-major (all chains of one kept step together), so the newest
    whole kept steps give every chain the same count, as `to_chains` needs.
    """
    per_chain = min(len(points) // n_chains, max(limit // n_chains, 1))
    if per_chain < 2:
        return ChainDiagnostics(None, None, 0, len(points))
    used = per_chain * n_chains
    tail, tail_ids = points[-used:], chain_ids[-used:]
    if np.array_equal(
        tail_ids.reshape(per_chain, n_chains), np.broadcast_to(np.arange(n_chains), (per_chain, n_chains))
    ):
        chains = tail.reshape(per_chain, n_chains, -1).transpose(1, 0, 2)  # step-major: a free view
    else:
        chains = to_chains(tail, tail_ids)
    with np.errstate(invalid="ignore", divide="ignore"):
        ess = effective_sample_size(chains)
        rhat = split_rhat(chains) if per_chain >= 4 else None
    return ChainDiagnostics(ess, rhat, used, len(points))
