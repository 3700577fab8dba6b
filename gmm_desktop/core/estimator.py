"""A scikit-learn estimator on our EM engine: `FastGaussianMixture`, a drop-in `GaussianMixture`.

Same parameters, attributes and methods as `sklearn.mixture.GaussianMixture` (fit, fit_predict,
predict, predict_proba, score_samples, score, sample, bic, aic, warm_start), the same results from
the same initial parameters (to ~1e-14), and, for N <= `init_subsample`, the same initialisation
draw for draw from the same `random_state`. Larger data are initialised on a random subsample of
`init_subsample` points, and the data pass runs in the fused numba kernel (`backend`). BIC and AIC:
lower is better. Inputs are validated as scikit-learn validates them; computation is in float64.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from gmm_desktop.core.em import BACKENDS, EMSettings, GaussianParams, drain, run_em
from gmm_desktop.core.em.init import initial_params
from gmm_desktop.core.em.params import params_from_precisions
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model

_INITS = ("kmeans", "k-means++", "random", "random_from_data")


class FastGaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture fitted by EM; see `sklearn.mixture.GaussianMixture` for the parameters.

    Extra parameters: init_subsample (int, default 10000): the initialisation runs on at most this
    many random points; backend ("auto", "numba", "numpy"): where the data pass runs.

    Attributes (as scikit-learn's): weights_ (K,), means_ (K, D), covariances_, precisions_,
    precisions_cholesky_ (shapes by covariance_type), converged_, n_iter_, lower_bound_ (mean
    per-sample log-likelihood before the last M-step), lower_bounds_, n_features_in_.
    """

    _parameter_constraints: dict = {  # noqa: RUF012 (scikit-learn's convention)
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(_INITS))],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "init_subsample": [Interval(Integral, 2, None, closed="left")],
        "backend": [StrOptions(set(BACKENDS))],
    }

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start: bool = False,
        init_subsample: int = 10_000,
        backend: str = "auto",
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.init_subsample = init_subsample
        self.backend = backend

    # ------------------------------------------------------------------------------------------ fitting
    def fit(self, X, y=None) -> FastGaussianMixture:
        """Estimate the parameters with EM (n_init restarts, the best kept). Returns self."""
        self.fit_predict(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then return the most probable component of each row of X (n_samples,)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if X.shape[0] < self.n_components:
            raise ValueError(
                "Expected n_samples >= n_components "
                f"but got n_components = {self.n_components}, n_samples = {X.shape[0]}"
            )
        X = np.ascontiguousarray(X, dtype=np.float64)
        warm = self.warm_start and hasattr(self, "converged_")
        settings = EMSettings(
            n_components=self.n_components,
            covariance_type=self.covariance_type,
            tol=float(self.tol),
            reg_covar=float(self.reg_covar),
            max_iter=int(self.max_iter),
            n_init=1 if warm else int(self.n_init),
            init=self.init_params,
            seed=None,
            init_subsample=int(self.init_subsample),
            backend=self.backend,
        )
        if warm:
            initial, bound = self._params(), self.lower_bound_
        else:
            initial, bound = self._initialiser(X, settings), -math.inf
        result = drain(run_em(X, settings, check_random_state(self.random_state), initial, bound))
        self._set(result.params)
        self.converged_ = result.converged
        self.n_iter_ = result.n_iter
        self.lower_bound_ = result.lower_bound
        self.lower_bounds_ = list(result.lower_bounds)
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init parameters, "
                "or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return np.argmax(self._params().weighted_log_prob(X), axis=1)

    def _initialiser(self, X: np.ndarray, settings: EMSettings):
        """The initialisation of each restart: scikit-learn's, with the user's *_init overriding."""
        k, d = self.n_components, X.shape[1]
        weights = None if self.weights_init is None else _check_weights(self.weights_init, k)
        means = None if self.means_init is None else _check_array(self.means_init, (k, d), "means")
        precisions = None
        if self.precisions_init is not None:
            shape = covariance_model(self.covariance_type).raw_shape(k, d)
            precisions = _check_precisions(self.precisions_init, shape, self.covariance_type)

        def initialise(random_state: np.random.RandomState) -> GaussianParams:
            base = None
            if weights is None or means is None or precisions is None:
                base = initial_params(X, settings, random_state, sklearn_tied=True)
            w = base.weights if weights is None else weights
            m = base.means if means is None else means
            if precisions is not None:
                return params_from_precisions(w, m, precisions, self.covariance_type)
            return GaussianParams(w, m, base.covariances, base.precisions_cholesky, self.covariance_type)

        return initialise

    def _set(self, params: GaussianParams) -> None:
        self.weights_ = params.weights
        self.means_ = params.means
        self.covariances_ = params.covariances
        self.precisions_cholesky_ = params.precisions_cholesky
        self.precisions_ = params.precisions()

    def _params(self) -> GaussianParams:
        return GaussianParams(
            self.weights_, self.means_, self.covariances_, self.precisions_cholesky_, self.covariance_type
        )

    # ------------------------------------------------------------------------------------------ inference
    def _weighted_log_prob(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._params().weighted_log_prob(np.asarray(X, dtype=np.float64))

    def score_samples(self, X) -> np.ndarray:
        """(n_samples,) log p(x) under the fitted mixture (natural log)."""
        return _logsumexp(self._weighted_log_prob(X))

    def score(self, X, y=None) -> float:
        """Mean per-sample log-likelihood of X."""
        return float(np.mean(self.score_samples(X)))

    def predict(self, X) -> np.ndarray:
        """(n_samples,) index of the most probable component of each row."""
        return np.argmax(self._weighted_log_prob(X), axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """(n_samples, n_components) responsibilities; rows sum to 1."""
        log_prob = self._weighted_log_prob(X)
        return np.exp(log_prob - _logsumexp(log_prob)[:, None])

    def sample(self, n_samples: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(X (n_samples, D), labels (n_samples,)) drawn as scikit-learn draws them (same random_state,
        same samples), grouped by component."""
        check_is_fitted(self)
        if n_samples < 1:
            raise ValueError(f"Invalid value for 'n_samples': {n_samples}. The sampling requires at least one sample.")
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        covariances = self._params().full_covariances()
        if not covariance_model(self.covariance_type).axis_aligned:
            parts = [rng.multivariate_normal(m, c, int(n)) for m, c, n in zip(self.means_, covariances, counts)]
        else:
            d = self.means_.shape[1]
            parts = [
                m + rng.standard_normal(size=(n, d)) * np.sqrt(c)
                for m, c, n in zip(self.means_, self.covariances_, counts)
            ]
        labels = np.concatenate([np.full(int(n), i, dtype=np.int64) for i, n in enumerate(counts)])
        return np.vstack(parts), labels

    def _n_parameters(self) -> int:
        return covariance_model(self.covariance_type).n_parameters(self.n_components, self.means_.shape[1])

    def bic(self, X) -> float:
        """-2 log L + p ln n on X: lower is better."""
        n = np.asarray(X).shape[0]
        return -2.0 * self.score(X) * n + self._n_parameters() * math.log(n)

    def aic(self, X) -> float:
        """-2 log L + 2 p on X: lower is better."""
        return -2.0 * self.score(X) * np.asarray(X).shape[0] + 2.0 * self._n_parameters()


def _logsumexp(a: np.ndarray) -> np.ndarray:
    top = a.max(axis=1)
    return top + np.log(np.exp(a - top[:, None]).sum(axis=1))


def _check_array(value, shape: tuple[int, ...], name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"The parameter '{name}' should have the shape of {shape}, but got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"The parameter '{name}' contains NaN or infinity")
    return array


def _check_weights(value, k: int) -> np.ndarray:
    weights = _check_array(value, (k,), "weights")
    if np.any(weights < 0) or np.any(weights > 1):
        raise ValueError(f"The parameter 'weights' should be in the range [0, 1], but got {weights}")
    if not np.isclose(weights.sum(), 1.0, rtol=0.0, atol=1e-8):
        raise ValueError(f"The parameter 'weights' should be normalized, but got sum(weights) = {weights.sum():.5f}")
    return weights


def _check_precisions(value, shape: tuple[int, ...], covariance_type: str) -> np.ndarray:
    precisions = _check_array(value, shape, f"{covariance_type} precision")
    if covariance_model(covariance_type).axis_aligned:
        if np.any(precisions <= 0):
            raise ValueError(f"'{covariance_type} precision' should be positive")
        return precisions
    matrices = precisions.reshape((-1, *shape[-2:]))
    symmetric = np.allclose(matrices, np.swapaxes(matrices, 1, 2))
    if not symmetric or np.any(np.linalg.eigvalsh(matrices) <= 0):
        raise ValueError(f"'{covariance_type} precision' should be symmetric, positive-definite")
    return precisions
