"""Model selection: fit a grid of (K, covariance type), score each fit, and flag degenerate ones.

`sweep` streams one `Candidate` per fitted model (a generator: the window can draw the BIC curve as
it grows, and stop early); `best` picks the lowest criterion among the candidates that are not
degenerate. Criteria follow scikit-learn's sign: BIC, AIC and ICL are all LOWER IS BETTER.

A *degenerate* fit has a component that EM shrank onto a few points or onto tied values, which
likelihood rewards without limit (only the ridge stops it): rounded data such as waiting times in
whole minutes produce these readily. A component is degenerate when its variance in some direction is
below `collapse_ratio` times the data's variance in that direction, or when it holds fewer effective
points (sum of responsibilities) than a non-singular covariance of its model needs
(`CovarianceModel.points_needed`). Such candidates are reported, with the reason in words, and never
recommended. Every restart of a candidate is tested, and the best restart that passes is kept, so
more restarts never choose worse. Fewer effective points than parameters is only a `warning`: mclust
does not reject such components, and in 5 or 10 dimensions sound clusters of 20 or 60 points have it.

A sweep scales the ridge by the data's variances and stops EM when the gain still to come (Aitken's
estimate from the last three log-likelihoods) is below `tol` nats per point (1e-6 by default). Both
are unit-free: rescaling the data (the same factor c for every column) shifts every criterion by the
same 2 N D ln c and changes nothing else. mclust's relative rule, |ΔL| <= tol (1 + |L|), is not (L
moves with the units), and it stops where EM crawls: 0.5 nats short of the maximum on mclust's own
fixtures (`EMSettings.stopping` offers it, to reproduce mclust). In one dimension the models reduce
to mclust's E and V (equal or own variance): each requested model stands for its class once, the
first in the registry's order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.em import EMResult, EMSettings, GaussianParams, check_data, fit
from gmm_desktop.core.em.loop import GiveUp
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model
from gmm_desktop.core.models.prior import PRIOR_MODELS, check_prior_model

if TYPE_CHECKING:
    from gmm_desktop.core.em.hc import HCTree

CRITERIA = ("bic", "aic", "icl")
COLLAPSE_RATIO = 1e-4
"""A component variance below this fraction of the data's variance (same direction) is a collapse."""
HOPELESS_MARGIN = 10.0
"""A fit heading for a BIC this much above the best so far is stopped: a BIC difference over 10 is
"very strong" evidence (Kass & Raftery 1995), and over-fitted candidates crawl for thousands of
iterations towards a BIC they can never make competitive."""
COLLAPSED_FAR = 1e-2
"""A fit whose variance ratio fell this far below the degeneracy threshold is stopped (see `judge`)."""
HOPELESS_AFTER = 20
"""Iterations before a fit may be judged hopeless (Aitken's prediction needs a settled rate)..."""
HOPELESS_BUDGET = 2_000_000
"""...and point-iterations (iterations x N): small files, where iterations are cheap, are never cut
short (EM can sit on a plateau for 50 iterations and then climb past the best: seen on a 569-row
file); from about 1e5 rows, where an over-fitted candidate costs seconds, after 20 iterations."""


@dataclass(frozen=True)
class SelectionSettings:
    """What a model-selection sweep tries: K from k_min to k_max (an empty range when k_max < k_min),
    each of `covariance_types` (in the registry's order; all 14 by default, as mclust), scored by
    `criterion` (lower is better), with `n_init` EM restarts per candidate from `seed` (None: fresh
    randomness), started by `init` (by default mclust's hierarchical clustering for the first restart,
    k-means++ for the others). tol (the gain per point still to come, in nats, at which EM stops),
    max_iter and reg_covar (times each feature's variance) are each fit's. prior: "none" or
    "conjugate" (`EMSettings.prior`); with it, all 14 models means mclust's 10 that have a prior
    (`with_prior`), as mclust's `Mclust(prior = priorControl())` drops the others."""

    k_min: int = 1
    k_max: int = 6
    covariance_types: tuple[str, ...] = COVARIANCE_TYPES
    criterion: str = "bic"
    n_init: int = 2
    seed: int | None = 0
    init: str = "hc"
    tol: float = 1e-6
    max_iter: int = 1000
    reg_covar: float = 1e-8
    prior: str = "none"

    def __post_init__(self) -> None:
        for name in ("k_min", "k_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        types = tuple(covariance_model(name).name for name in self.covariance_types)
        types = with_prior(tuple(t for t in COVARIANCE_TYPES if t in types), self.prior)
        object.__setattr__(self, "covariance_types", types)
        if self.criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {self.criterion!r}")
        if self.init == "given":
            raise ValueError("init must be a method that starts from the data, not 'given'")
        self.em_settings()  # the same rules as a fit's

    @property
    def k_values(self) -> range:
        return range(self.k_min, self.k_max + 1)

    def em_settings(self) -> EMSettings:
        """The EM settings every candidate starts from (K and the covariance type are the sweep's)."""
        return sweep_settings(
            n_init=self.n_init,
            seed=self.seed,
            init=self.init,
            tol=self.tol,
            max_iter=self.max_iter,
            reg_covar=self.reg_covar,
            prior=self.prior,
        )


def with_prior(covariance_types: tuple[str, ...], prior: str) -> tuple[str, ...]:
    """The models a sweep with `prior` fits: all of them without a prior; with prior="conjugate",
    all 14 become the models that have one (`models.prior.PRIOR_MODELS`, as mclust's `Mclust`), and
    a model named on its own that has none is a ValueError."""
    if prior == "none":
        return covariance_types
    if set(covariance_types) == set(COVARIANCE_TYPES):
        return tuple(t for t in covariance_types if covariance_model(t).mclust in PRIOR_MODELS)
    for name in covariance_types:
        check_prior_model(covariance_model(name).mclust)
    return covariance_types


def sweep_settings(**fields: object) -> EMSettings:
    """EMSettings for a sweep: `fields` over the selection's defaults (hc start plus k-means++
    restarts, Aitken tol 1e-6, 1000 iterations, ridge 1e-8), with the unit-free rules every sweep uses:
    mclust's relative stopping rule and the ridge scaled by the data."""
    defaults = {"n_init": 2, "init": "hc", "tol": 1e-6, "max_iter": 1000, "reg_covar": 1e-8}
    return EMSettings(**{"stopping": "aitken", **defaults, **fields}, reg_scale="data")


@dataclass(frozen=True, eq=False)
class Candidate:
    """One fitted model of the sweep. bic, aic, icl: lower is better (inf if the fit failed).

    log_likelihood: mean per-sample log-likelihood of the fitted parameters. degenerate: a component
    collapsed or holds too few points for its covariance (see the module docstring), or the fit
    failed; `reason` says which in words ("" if fine). warning: a caution that does not reject the
    fit, in words ("" if none). result: the fit (None if it failed).
    """

    n_components: int
    covariance_type: str
    log_likelihood: float
    bic: float
    aic: float
    icl: float
    degenerate: bool
    reason: str
    result: EMResult | None
    warning: str = ""

    @property
    def model_name(self) -> str:
        """mclust's name for this candidate (E/V in 1-D, XII/XXI/XXX for one component)."""
        d = 1 if self.result is None else self.result.mixture.n_dims
        return covariance_model(self.covariance_type).mclust_name(self.n_components, d)

    def criterion(self, name: str) -> float:
        """The value of criterion `name` ("bic", "aic" or "icl"): lower is better."""
        if name not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got {name!r}")
        return getattr(self, name)


def sweep(
    X: np.ndarray,
    k_values: Iterable[int] = range(1, 11),
    covariance_types: Iterable[str] = COVARIANCE_TYPES,
    settings: EMSettings | None = None,
    *,
    collapse_ratio: float = COLLAPSE_RATIO,
    workers: int = 1,
) -> Iterator[Candidate]:
    """Fit every (K, covariance type) with `settings` (n_init, tol, init, seed...) and yield each
    `Candidate` in grid order (K outer, covariance type inner).

    X: (N, D). settings: by default `sweep_settings()` (unit-free). workers > 1 fits that many
    candidates at once on threads (the numba kernel releases the GIL), one kernel thread each; results
    still arrive in grid order. Closing the generator early cancels the candidates not yet started.
    With init="hc" the hierarchical clustering is made once, for every candidate.
    """
    settings = settings or sweep_settings()
    names = [covariance_model(t).name for t in covariance_types]
    grid = [(int(k), t) for k in k_values for t in distinct_models(names, np.shape(X))]
    if not grid:
        return
    X = check_data(X, max(k for k, _ in grid))
    tree = _tree(X, settings)
    bar = _BestSoFar()
    one = partial(_candidate, X, scale=_data_covariance(X), collapse_ratio=collapse_ratio, tree=tree, bar=bar)
    jobs = [replace(settings, n_components=k, covariance_type=t) for k, t in grid]
    if workers <= 1:
        for job in jobs:
            yield one(job)
        return
    jobs = [replace(job, n_threads=1) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gmm-sweep") as pool:
        pending: deque[Future] = deque(pool.submit(one, job) for job in jobs)
        try:
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def distinct_models(names: Iterable[str], shape: tuple[int, ...]) -> list[str]:
    """The models to fit, in the registry's order: in one dimension one per mclust class (E, V)."""
    wanted = set(names)
    ordered = [name for name in COVARIANCE_TYPES if name in wanted]
    if len(shape) == 2 and shape[1] > 1:
        return ordered
    seen: dict[str, str] = {}
    for name in ordered:
        seen.setdefault(covariance_model(name).mclust_name(2, 1), name)
    return list(seen.values())


def _tree(X: np.ndarray, settings: EMSettings) -> HCTree | None:
    if settings.init != "hc" or X.shape[1] == 1:
        return None
    from gmm_desktop.core.em.init import hc_tree_of

    return hc_tree_of(X, settings.seed)


def best(candidates: Iterable[Candidate], criterion: str = "bic") -> Candidate | None:
    """The non-degenerate candidate with the lowest `criterion` (lower is better); None if every
    candidate is degenerate. Never returns a degenerate candidate."""
    usable = [c for c in candidates if not c.degenerate and math.isfinite(c.criterion(criterion))]
    return min(usable, key=lambda c: c.criterion(criterion), default=None)


# ---------------------------------------------------------------------------------------------- one candidate
class _BestSoFar:
    """The lowest BIC of a sound candidate the sweep has finished, and the test that stops a fit
    heading for a BIC more than HOPELESS_MARGIN above it (by Aitken's prediction of its final
    log-likelihood; a stopped fit's BIC is then higher still, so it can never be chosen)."""

    def __init__(self) -> None:
        self.bic = math.inf

    def note(self, candidate: Candidate) -> Candidate:
        if not candidate.degenerate:
            self.bic = min(self.bic, candidate.bic)
        return candidate

    def judge(self, n_samples: int, n_parameters: int, collapsed: Callable[[np.ndarray], bool]) -> GiveUp:
        """The test that stops a fit: hopeless (see the class), or, checked every 10 iterations,
        collapsed far past the degeneracy threshold (it would be rejected anyway, and a collapse
        the ridge holds off can crawl for a thousand iterations)."""
        penalty = n_parameters * math.log(n_samples)
        after = max(HOPELESS_AFTER, math.ceil(HOPELESS_BUDGET / n_samples))

        def stop(iteration: int, bound: float, predicted: float, params: GaussianParams) -> bool:
            if iteration % 10 == 0 and collapsed(params.full_covariances()):
                return True
            heading = -2.0 * n_samples * predicted + penalty
            return iteration >= after and heading > self.bic + HOPELESS_MARGIN

        return stop


def _candidate(
    X: np.ndarray,
    settings: EMSettings,
    *,
    scale: np.ndarray,
    collapse_ratio: float,
    tree: HCTree | None,
    bar: _BestSoFar,
) -> Candidate:
    k, covariance_type = settings.n_components, settings.covariance_type
    test = partial(degeneracy, data_cov=scale, collapse_ratio=collapse_ratio)
    collapsed = partial(_collapsed, lower=np.linalg.cholesky(scale), ratio=collapse_ratio * COLLAPSED_FAR)
    give_up = bar.judge(X.shape[0], covariance_model(covariance_type).n_parameters(k, X.shape[1]), collapsed)
    try:
        result = fit(X, settings, accept=test, tree=tree, give_up=give_up)
    except ValueError as error:
        inf = math.inf
        return Candidate(k, covariance_type, math.nan, inf, inf, inf, True, f"fit failed: {error}", None)
    reason = test(result)
    return bar.note(
        Candidate(
            k,
            covariance_type,
            result.log_likelihood,
            result.bic,
            result.aic,
            result.icl,
            bool(reason),
            reason,
            result,
            few_points_warning(result) or ("" if reason else _stopped_warning(result, settings)),
        )
    )


def _collapsed(covariances: np.ndarray, lower: np.ndarray, ratio: float) -> bool:
    """Whether some component's variance in some direction is below `ratio` x the data's there."""
    whitened = np.linalg.solve(lower, np.linalg.solve(lower, covariances).transpose(0, 2, 1))
    return bool(np.linalg.eigvalsh(0.5 * (whitened + whitened.transpose(0, 2, 1)))[:, 0].min() < ratio)


def _stopped_warning(result: EMResult, settings: EMSettings) -> str:
    if result.converged or result.n_iter >= settings.max_iter:
        return ""
    return f"stopped at iteration {result.n_iter}: heading for a BIC over {HOPELESS_MARGIN:g} above the best"


def _data_covariance(X: np.ndarray) -> np.ndarray:
    """(D, D) covariance of the data plus a ridge of 1e-12 x its largest variance (and at least the
    smallest normal float), so data on a line or with a constant column still have a factorisable
    scale; such data are degenerate themselves, which is not a fault of any fit."""
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    ridge = max(1e-12 * float(np.diagonal(cov).max()), np.finfo(np.float64).tiny)
    return cov + ridge * np.eye(cov.shape[0])


def _axis_name(axis: int, n_dims: int) -> str:
    return "xyz"[axis] if n_dims <= 3 else f"coordinate {axis + 1}"


def degeneracy(result: EMResult, data_cov: np.ndarray, collapse_ratio: float = COLLAPSE_RATIO) -> str:
    """Why `result` is degenerate, in words ("" if it is not). data_cov: (D, D) covariance of the data.

    Checks each component for a collapsed variance (on an axis: tied values; in another direction:
    a line), then for fewer effective points than its model needs for a non-singular covariance.
    """
    mixture = result.mixture
    d = mixture.n_dims
    variances = np.diagonal(mixture.covariances, axis1=1, axis2=2) / np.diagonal(data_cov)
    lower = np.linalg.cholesky(data_cov)
    for k in range(mixture.n_components):
        axis = int(np.argmin(variances[k]))
        ratio = float(variances[k, axis])
        if ratio < collapse_ratio:
            return (
                f"component {k + 1} has variance {ratio:.1g} × the data's variance in {_axis_name(axis, d)}: "
                "collapsed onto tied values"
            )
        whitened = np.linalg.solve(lower, np.linalg.solve(lower, mixture.covariances[k]).T)
        values, vectors = np.linalg.eigh(0.5 * (whitened + whitened.T))
        if values[0] < collapse_ratio:
            direction = np.linalg.solve(lower.T, vectors[:, 0])  # u with u'Σ_k u / u'Σ_X u = values[0]
            shown = ", ".join(f"{v:.2f}" for v in direction / np.linalg.norm(direction))
            return (
                f"component {k + 1} has variance {values[0]:.1g} × the data's in the direction ({shown}): "
                "collapsed onto a line"
            )
    needed = covariance_model(result.covariance_type).points_needed(d)
    for k, count in enumerate(result.counts):
        if count < needed:
            return (
                f"component {k + 1} holds {count:.1f} effective points, fewer than the {needed} a non-singular "
                "covariance of this model needs"
            )
    return ""


def few_points_warning(result: EMResult) -> str:
    """A caution, in words, when a component holds fewer effective points than it has parameters
    ("" otherwise): its estimates are uncertain, but it has not collapsed."""
    per_component = covariance_model(result.covariance_type).parameters_per_component(result.mixture.n_dims)
    small = [(k, count) for k, count in enumerate(result.counts) if count < per_component]
    if not small:
        return ""
    k, count = min(small, key=lambda item: item[1])
    return f"component {k + 1} holds {count:.1f} effective points for its {per_component} parameters"
