"""What the jobs produced, as the window shows it: the sampler's status, the fit, and the results
derived from them (labels, densities, the comparison with the target, chain diagnostics).

Every record is frozen and holds read-only arrays, so it can cross threads and be shared by views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.density import DensityGrid
from gmm_desktop.core.em import EMResult, EMSettings, EMStep
from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.samplers.rwmh import ChainState, SampleBatch, SamplerSettings

if TYPE_CHECKING:  # scipy and scikit-learn: not on the start-up path
    from gmm_desktop.core.compare import Comparison

Lines = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class SamplerStatus:
    """What the sampler panel shows: settings of the run, progress 0..1, acceptance so far, the chain
    state to continue from (None before the first batch), the newest batch, and chain 0's last kept
    samples in the shown columns (`data.CHAIN_TAIL` of them, for the chain-path overlay)."""

    settings: SamplerSettings | None = None
    chain_state: ChainState | None = None
    progress: float = 0.0
    acceptance_rate: float = float("nan")
    last_batch: SampleBatch | None = None
    chain_tail: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))


@dataclass(frozen=True, eq=False)
class FitState:
    """The fit as the window shows it: the newest EM step, the log-likelihood trace, and the final
    result once EM has finished (None while it runs or after a stop)."""

    step: EMStep
    trace: tuple[float, ...]
    result: EMResult | None = None
    settings: EMSettings = field(default_factory=EMSettings)

    @cached_property
    def mixture(self) -> Mixture:
        """Made once: the plot, the labels and the contours all ask for it after every EM step."""
        return self.result.mixture if self.result is not None else self.step.mixture


def settled_step(
    mixture: Mixture,
    covariance_type: str,
    iteration: int,
    log_likelihood: float,
    converged: bool,
    lower_bound: float | None = None,
) -> EMStep:
    """The step a fit that did not run here is shown as (a selection candidate, a model file, a
    saved session): the views draw a `FitState`, whose newest step carries the parameters."""
    bound = log_likelihood if lower_bound is None else lower_bound
    w, mu, cov = mixture.weights, mixture.means, mixture.covariances
    return EMStep(0, iteration, log_likelihood, w, mu, cov, covariance_type, converged, bound)


# ---------------------------------------------------------------------------------------------- derived
@dataclass(frozen=True, eq=False)
class TargetDensity:
    """The target's density image and its contour lines (one NaN-separated (x, y) pair per level)."""

    mixture: Mixture
    grid: DensityGrid
    lines: Lines


@dataclass(frozen=True, eq=False)
class FitContours:
    """Contour lines of a fit's shown 2-D marginal (`mixture`), a few levels over its own 4-sigma box."""

    mixture: Mixture
    lines: Lines


@dataclass(frozen=True, eq=False)
class FitComparison:
    """How a finished fit compares with what made the data, for the fit panel.

    fitted: the fitted mixture this is about. comparison: matched components, errors and KL against
    the true mixture (None when there is none: file or painted data, or a dimension mismatch).
    ari: the adjusted Rand index against the data's known labels (exact draws' components, or a
    file's or painting's class column), on `ari_points` of `n_points` points; None without labels.
    """

    fitted: Mixture
    origin: str
    comparison: Comparison | None
    dims_differ: bool
    ari: float | None
    ari_points: int
    n_points: int


@dataclass(frozen=True, eq=False)
class ChainDiagnostics:
    """ESS and split R-hat per coordinate (D,) of the newest `used` kept samples (all chains), or
    None where there were too few; `n_points` samples existed when they were computed."""

    ess: np.ndarray | None
    rhat: np.ndarray | None
    used: int
    n_points: int
