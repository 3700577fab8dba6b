"""EM for Gaussian mixtures on our own engine: scikit-learn's algorithm, step by step, fast.

The package's rooms: `settings` (what to fit), `records` (steps, results, criteria), `params` (raw
parameters and the M-step), `data_pass` and `kernels` (the E-step pass, numpy or numba), `init`
(initial parameters) and `hc` (the hierarchical clustering mclust starts from), `bayesian`
(scikit-learn's variational fit, stepped), `loop` (the generator that runs them).
Covariance-model specifics live in `core.models`; nothing here names a model.
"""

from gmm_desktop.core.em.data_pass import BACKENDS, PARALLEL_MIN_SAMPLES, check_data
from gmm_desktop.core.em.loop import drain, em_steps, fit, run_em, warm_up
from gmm_desktop.core.em.params import GaussianParams, params_from_mixture
from gmm_desktop.core.em.records import EMResult, EMStep, RestartSummary, criteria, responsibilities
from gmm_desktop.core.em.settings import INIT_METHODS, REG_SCALES, STOPPING_RULES, EMSettings
from gmm_desktop.core.models import COVARIANCE_TYPES, SKLEARN_TYPES, n_parameters

__all__ = [
    "BACKENDS",
    "COVARIANCE_TYPES",
    "INIT_METHODS",
    "PARALLEL_MIN_SAMPLES",
    "REG_SCALES",
    "SKLEARN_TYPES",
    "STOPPING_RULES",
    "EMResult",
    "EMSettings",
    "EMStep",
    "GaussianParams",
    "RestartSummary",
    "check_data",
    "criteria",
    "drain",
    "em_steps",
    "fit",
    "n_parameters",
    "params_from_mixture",
    "responsibilities",
    "run_em",
    "warm_up",
]
