"""MCMC diagnostics against known answers: AR(1) autocorrelation times, iid ESS, split R-hat."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lfilter

from gmm_desktop.core.mixture import article_demo
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.diagnostics import (
    acceptance_rates,
    autocorr_times,
    chain_trace,
    effective_sample_size,
    integrated_autocorr_time,
    split_rhat,
    to_chains,
)
from gmm_desktop.core.samplers.rwmh import ChainState, SamplerSettings, run_sampler


def ar1(phi: float, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """AR(1) x_t = phi x_{t-1} + e_t along the last axis, started in its stationary law.

    Its integrated autocorrelation time is (1 + phi) / (1 - phi).
    """
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(shape)
    noise[..., 0] /= np.sqrt(1 - phi**2)  # stationary start: no transient to bias tau
    return lfilter([1.0], [1.0, -phi], noise, axis=-1)


@pytest.mark.parametrize("phi", [0.5, 0.8, 0.9])
def test_ar1_autocorrelation_time(phi: float) -> None:
    tau = integrated_autocorr_time(ar1(phi, (400_000,), seed=1))
    assert tau == pytest.approx((1 + phi) / (1 - phi), rel=0.08)


def test_iid_normals_have_tau_one() -> None:
    x = np.random.default_rng(2).standard_normal(100_000)
    assert integrated_autocorr_time(x) == pytest.approx(1.0, abs=0.06)


def test_constant_series_has_nan_diagnostics() -> None:
    assert np.isnan(integrated_autocorr_time(np.full(50, 3.0)))
    chains = np.ones((2, 40, 1))
    assert np.isnan(effective_sample_size(chains)).all()
    assert np.isnan(split_rhat(chains)).all()


def test_ess_of_iid_chains_is_the_sample_count() -> None:
    chains = np.random.default_rng(3).standard_normal((4, 20_000, 2))
    np.testing.assert_allclose(effective_sample_size(chains), 80_000, rtol=0.1)


def test_ess_of_ar1_chains() -> None:
    phi = 0.7
    chains = np.moveaxis(ar1(phi, (8, 3, 50_000), seed=4), 2, 1)  # (C, n, D)
    expected = 8 * 50_000 * (1 - phi) / (1 + phi)
    np.testing.assert_allclose(effective_sample_size(chains), expected, rtol=0.1)
    np.testing.assert_allclose(autocorr_times(chains), (1 + phi) / (1 - phi), rtol=0.1)


def test_rhat_near_one_for_well_mixed_chains() -> None:
    chains = np.random.default_rng(5).standard_normal((4, 2000, 3))
    rhat = split_rhat(chains)
    assert rhat.shape == (3,)
    assert np.all(rhat < 1.01)


def test_rhat_flags_chains_stuck_in_different_places() -> None:
    chains = np.random.default_rng(6).standard_normal((4, 1000, 2))
    chains[2:] += 3.0  # two chains in another mode
    assert np.all(split_rhat(chains) > 1.1)


def test_split_rhat_catches_a_drifting_single_chain() -> None:
    x = np.random.default_rng(7).standard_normal(2000)
    x[1000:] += 2.0  # the second half sits elsewhere
    assert split_rhat(x[None, :, None])[0] > 1.1
    np.random.default_rng(8).shuffle(x)  # the same values, mixed: fine
    assert split_rhat(x[None, :, None])[0] < 1.05


@settings(max_examples=30, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3).map(lambda v: v * (1 if v > 0.5 else -1)),
    shift=st.floats(-1e3, 1e3),
    seed=st.integers(0, 2**31),
)
def test_diagnostics_are_affine_invariant(scale: float, shift: float, seed: int) -> None:
    chains = ar1(0.6, (3, 2, 500), seed).swapaxes(1, 2)
    moved = chains * scale + shift
    np.testing.assert_allclose(split_rhat(moved), split_rhat(chains), rtol=1e-6)
    np.testing.assert_allclose(effective_sample_size(moved), effective_sample_size(chains), rtol=1e-6)
    assert integrated_autocorr_time(moved[0, :, 0]) == pytest.approx(integrated_autocorr_time(chains[0, :, 0]))


@settings(max_examples=30, deadline=None)
@given(n_chains=st.integers(1, 5), n=st.integers(4, 40), d=st.integers(1, 3), seed=st.integers(0, 100))
def test_to_chains_and_chain_trace_invert_the_flat_layout(n_chains: int, n: int, d: int, seed: int) -> None:
    chains = np.random.default_rng(seed).normal(size=(n_chains, n, d))
    flat = chains.swapaxes(0, 1).reshape(-1, d)  # step-major, as the sampler yields
    ids = np.tile(np.arange(n_chains), n)
    np.testing.assert_array_equal(to_chains(flat, ids), chains)
    for c in range(n_chains):
        np.testing.assert_array_equal(chain_trace(flat, ids, c), chains[c])
    assert effective_sample_size(chains).shape == (d,)
    assert split_rhat(chains).shape == (d,)


def test_to_chains_rejects_ragged_chains() -> None:
    with pytest.raises(ValueError, match="different numbers"):
        to_chains(np.zeros((3, 2)), np.array([0, 0, 1]))


@pytest.mark.parametrize("shape", [(10,), (2, 10), (1, 1, 1)])
def test_bad_chain_shapes_raise(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="chains"):
        split_rhat(np.zeros(shape))


def test_acceptance_rates_from_state() -> None:
    s = SamplerSettings(n_steps=300, thin=1, burn_in=20, n_chains=3, batch_steps=1000)
    batch = next(run_sampler(article_demo(), s))
    rates = acceptance_rates(batch.state)
    assert rates.shape == (3,)
    np.testing.assert_allclose(rates, batch.state.n_accepted / 300)
    assert rates.mean() == pytest.approx(batch.acceptance_rate)
    empty = ChainState(np.zeros((2, 2)), np.zeros(2), {}, 0, np.zeros(2), 0)
    assert np.isnan(acceptance_rates(empty)).all()


def test_sampler_output_diagnostics_are_sane() -> None:
    samples, chain_ids, _ = sample_all(
        article_demo(), SamplerSettings(n_steps=3000, thin=1, burn_in=300, n_chains=32, seed=1)
    )
    chains = to_chains(samples, chain_ids)
    assert chains.shape == (32, 3000, 2)
    rhat = split_rhat(chains)
    assert np.all(rhat < 1.05)
    tau = autocorr_times(chains)
    assert np.all((tau > 5) & (tau < 100))  # a random walk with unit steps on a spread of ~1.7
    np.testing.assert_allclose(effective_sample_size(chains), 32 * 3000 / tau)


def test_antithetic_series_keep_a_finite_positive_ess() -> None:
    """Alternating series give tau <= 0 without the floor; the ESS stays finite, at most N log10 N."""
    x = np.tile([1.0, -1.0], 500) + 0.01 * np.random.default_rng(9).standard_normal(1000)
    tau = integrated_autocorr_time(x)
    assert tau == pytest.approx(1 / np.log10(1000))
    ess = effective_sample_size(x[None, :, None])
    assert 0 < ess[0] <= 1000 * np.log10(1000) + 1e-9
