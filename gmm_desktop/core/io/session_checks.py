"""Checks of the records a session decodes whose own constructors validate too little for a file
from outside (raw parameters' shapes, a result's counts, a candidate's model, a chain's generator).
`session_codec` runs the check of each record type it decodes (`CHECKS`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmm_desktop.core.em import EMResult, GaussianParams
from gmm_desktop.core.models import covariance_model
from gmm_desktop.core.samplers.rwmh import ChainState, _restore_rng
from gmm_desktop.core.selection import Candidate


def check_covariance_type(value: str) -> None:
    """ValueError unless `value` names a covariance model by its scikit-learn name (as files store it)."""
    if covariance_model(value).name != value:
        raise ValueError(
            f"covariance_type must be stored by its registry name ({covariance_model(value).name!r}), got {value!r}"
        )


def _check_params(params: GaussianParams) -> None:
    """Nothing else checks raw parameters; a wrong shape would only fail later, in a plot or a score."""
    check_covariance_type(params.covariance_type)
    if params.means.ndim != 2:
        raise ValueError(f"means must have shape (K, D), got {params.means.shape}")
    k, d = params.means.shape
    raw = covariance_model(params.covariance_type).raw_shape(k, d)
    for name, shape in (("weights", (k,)), ("covariances", raw), ("precisions_cholesky", raw)):
        actual = getattr(params, name).shape
        if actual != shape:
            raise ValueError(f"{name} must have shape {shape} for this {params.covariance_type} model, got {actual}")


def _check_result(result: EMResult) -> None:
    if result.counts.shape != result.params.weights.shape:
        raise ValueError(f"counts must have shape {result.params.weights.shape}, got {result.counts.shape}")
    if result.n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {result.n_samples}")


def _check_candidate(candidate: Candidate) -> None:
    check_covariance_type(candidate.covariance_type)
    result = candidate.result
    if result is not None and (result.covariance_type, result.mixture.n_components) != (
        candidate.covariance_type,
        candidate.n_components,
    ):
        raise ValueError(
            f"the result is a {result.covariance_type} model with {result.mixture.n_components} components, "
            f"not {candidate.covariance_type} with {candidate.n_components}"
        )


def _check_chain_state(state: ChainState) -> None:
    """Restore the generator now, so a damaged state fails on opening rather than on Continue."""
    try:
        _restore_rng(state.rng_state)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"rng_state is not a valid random generator state ({exc})") from None


CHECKS: dict[type, Callable[[Any], None]] = {
    GaussianParams: _check_params,
    EMResult: _check_result,
    Candidate: _check_candidate,
    ChainState: _check_chain_state,
}
"""Checks of decoded records whose constructors validate too little for a file from outside."""
