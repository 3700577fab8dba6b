"""Metropolis-Hastings sampler: settings, exact reproducibility and resume, the article's numbers, moments."""

from dataclasses import replace

import numpy as np
import pytest
from article_loop import article_scalar_loop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers import SAMPLERS, sample_all
from gmm_desktop.core.samplers.diagnostics import effective_sample_size, to_chains
from gmm_desktop.core.samplers.rwmh import (
    ChainState,
    SampleBatch,
    SamplerSettings,
    run_sampler,
)

ARTICLE_MEAN = np.array([0.240175, 0.860262])
ARTICLE_COV = np.array([[2.717425, 1.481596], [1.481596, 2.896980]])


def concat(batches: list[SampleBatch]) -> tuple[np.ndarray, ...]:
    return tuple(
        np.concatenate([getattr(b, name) for b in batches]) for name in ("samples", "chain_ids", "steps", "accepted")
    )


def assert_runs_identical(a: list[SampleBatch], b: list[SampleBatch]) -> None:
    """Bit for bit: the same bytes in every output array and in the final state."""
    for x, y in zip(concat(a), concat(b), strict=True):
        assert x.dtype == y.dtype
        assert x.shape == y.shape
        assert x.tobytes() == y.tobytes()
    sa, sb = a[-1].state, b[-1].state
    assert sa.positions.tobytes() == sb.positions.tobytes()
    assert sa.log_density.tobytes() == sb.log_density.tobytes()
    assert sa.rng_state == sb.rng_state
    assert (sa.steps_done, sa.n_proposed) == (sb.steps_done, sb.n_proposed)
    np.testing.assert_array_equal(sa.n_accepted, sb.n_accepted)


def assert_moments_match(samples_by_chain: np.ndarray, mean: np.ndarray, cov: np.ndarray, sigmas: float = 4.0) -> None:
    """Mean and covariance within `sigmas` Monte-Carlo standard errors computed from the ESS.

    chains (C, n, D). For the covariance the series (x_i - mu_i)(x_j - mu_j) around the exact mean is
    an unbiased estimator of Sigma_ij; its own ESS and spread give its standard error.
    """
    d = samples_by_chain.shape[2]
    flat = samples_by_chain.reshape(-1, d)
    ess = effective_sample_size(samples_by_chain)
    error = np.abs(flat.mean(axis=0) - mean)
    assert np.all(error < sigmas * np.sqrt(np.diag(cov) / ess)), (flat.mean(axis=0), mean, ess)
    centred = samples_by_chain - mean
    i, j = np.triu_indices(d)
    products = centred[..., i] * centred[..., j]  # (C, n, P)
    ess_p = effective_sample_size(products)
    sd_p = products.reshape(-1, i.size).std(axis=0)
    estimate = products.reshape(-1, i.size).mean(axis=0)
    assert np.all(np.abs(estimate - cov[i, j]) < sigmas * sd_p / np.sqrt(ess_p)), (estimate, cov[i, j], ess_p)


# ---------------------------------------------------------------------- settings
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_steps", 0),
        ("n_steps", 2.5),
        ("n_steps", True),
        ("thin", 0),
        ("burn_in", -1),
        ("step_size", 0.0),
        ("step_size", float("nan")),
        ("step_size", "big"),
        ("n_chains", 0),
        ("seed", -3),
        ("seed", "abc"),
        ("batch_steps", 0),
        ("proposal_cov", np.array([1.0, 2.0])),
        ("proposal_cov", np.array([[1.0, 2.0], [2.0, 1.0]])),  # not positive definite
        ("proposal_cov", np.array([[1.0, 0.5], [0.0, 1.0]])),  # not symmetric
        ("proposal_cov", np.array([[np.inf, 0.0], [0.0, 1.0]])),
        ("start", np.zeros((2, 2, 2))),
        ("start", np.array([0.0, np.nan])),
        ("start", np.zeros((3, 2))),  # 3 rows for the default 1 chain
        ("start", ["a", "b"]),
        ("proposal_cov", "wide"),
    ],
)
def test_bad_settings_raise_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        SamplerSettings(**{field: value})


def test_settings_defaults_are_the_articles() -> None:
    s = SamplerSettings()
    assert (s.n_steps, s.thin, s.burn_in, s.step_size, s.n_chains, s.seed) == (10_000, 10, 0, 1.0, 1, 0)
    assert s.start is None
    assert s.proposal_cov is None


def test_settings_with_arrays_compare_and_hash_by_value() -> None:
    a = SamplerSettings(start=[1.0, 2.0], proposal_cov=np.eye(2))
    b = SamplerSettings(start=np.array([1.0, 2.0]), proposal_cov=np.eye(2))
    assert a == b
    assert hash(a) == hash(b)
    assert a != replace(b, start=[1.0, 3.0])
    assert not a.start.flags.writeable


@pytest.mark.parametrize(
    ("field", "settings_kwargs"),
    [
        ("start", {"start": [0.0, 0.0, 0.0]}),
        ("proposal_cov", {"proposal_cov": np.eye(3)}),
        ("start", {"start": [1e200, 1e200]}),  # log-density not finite
    ],
)
def test_settings_that_do_not_fit_the_target_raise_on_the_calling_thread(field: str, settings_kwargs: dict) -> None:
    with pytest.raises(ValueError, match=field):
        run_sampler(article_demo(), SamplerSettings(n_steps=10, **settings_kwargs))  # before any next()


def test_state_with_wrong_shape_raises() -> None:
    state = next(run_sampler(article_demo(), SamplerSettings(n_steps=10, n_chains=2))).state
    with pytest.raises(ValueError, match="state"):
        run_sampler(article_demo(), SamplerSettings(n_steps=20, n_chains=3), state)
    with pytest.raises(ValueError, match="state"):
        run_sampler(Mixture([1.0], [[0.0]], [[[1.0]]]), SamplerSettings(n_steps=20, n_chains=2), state)


# ---------------------------------------------------------------------- reproducibility and resume
def test_same_seed_is_bit_for_bit_reproducible() -> None:
    s = SamplerSettings(n_steps=500, thin=3, burn_in=50, n_chains=4, batch_steps=100, seed=7)
    assert_runs_identical(list(run_sampler(article_demo(), s)), list(run_sampler(article_demo(), s)))


def test_different_seeds_differ() -> None:
    a, _, _ = sample_all(article_demo(), SamplerSettings(n_steps=200, seed=1))
    b, _, _ = sample_all(article_demo(), SamplerSettings(n_steps=200, seed=2))
    assert not np.array_equal(a, b)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    n_chains=st.integers(1, 5),
    burn_in=st.integers(0, 60),
    thin=st.integers(1, 7),
    batch_steps=st.integers(1, 90),
    stop_after=st.integers(0, 50),
    new_batch_steps=st.integers(1, 90),
)
def test_stop_and_continue_equals_uninterrupted_run(
    seed: int, n_chains: int, burn_in: int, thin: int, batch_steps: int, stop_after: int, new_batch_steps: int
) -> None:
    """Continuing from any batch's state, even with another batch size, gives the same bits."""
    s = SamplerSettings(
        n_steps=150, thin=thin, burn_in=burn_in, n_chains=n_chains, batch_steps=batch_steps, seed=seed, step_size=1.3
    )
    full = list(run_sampler(article_demo(), s))
    j = min(stop_after, len(full) - 1)
    rest = list(run_sampler(article_demo(), replace(s, batch_steps=new_batch_steps), full[j].state))
    if j == len(full) - 1:
        assert rest == []
    else:
        assert_runs_identical(full, full[: j + 1] + rest)


def test_continue_against_another_target_recomputes_log_density() -> None:
    s = SamplerSettings(n_steps=300, thin=1, n_chains=3, batch_steps=100)
    first = next(run_sampler(article_demo(), s))
    other = Mixture([1.0], [[0.5, 0.5]], [np.eye(2) * 2])
    batches = list(run_sampler(other, s, first.state))
    assert len(batches) == 2
    # the first proposal of the continued run is judged against the new target's density
    np.testing.assert_allclose(batches[-1].state.log_density, other.logpdf(batches[-1].state.positions), rtol=1e-12)


def test_records_are_read_only_snapshots() -> None:
    """Records handed to another thread never change after they are yielded."""
    run = run_sampler(article_demo(), SamplerSettings(n_steps=60, thin=1, n_chains=2, batch_steps=20))
    batch = next(run)
    for array in (batch.samples, batch.chain_ids, batch.steps, batch.accepted, batch.state.positions):
        assert not array.flags.writeable
    before = (batch.samples.copy(), batch.state.positions.copy(), batch.state.log_density.copy())
    rng_before = repr(batch.state.rng_state)
    rest = list(run)
    assert len(rest) == 2
    np.testing.assert_array_equal(batch.samples, before[0])
    np.testing.assert_array_equal(batch.state.positions, before[1])
    np.testing.assert_array_equal(batch.state.log_density, before[2])
    assert repr(batch.state.rng_state) == rng_before


# ---------------------------------------------------------------------- bookkeeping
def test_burn_in_thinning_counts_ids_and_steps() -> None:
    s = SamplerSettings(n_steps=95, thin=10, burn_in=30, n_chains=3, batch_steps=20)
    batches = list(run_sampler(article_demo(), s))
    samples, chain_ids, steps, accepted = concat(batches)
    assert samples.shape == (3 * 10, 2)  # ceil(95 / 10) kept steps per chain
    np.testing.assert_array_equal(np.unique(steps), 30 + 10 * np.arange(10))
    np.testing.assert_array_equal(chain_ids, np.tile(np.arange(3), 10))  # step-major order
    np.testing.assert_array_equal(steps, np.repeat(30 + 10 * np.arange(10), 3))
    assert accepted.dtype == bool
    assert [b.samples.shape[0] for b in batches[:1]] == [0]  # the first batch is all burn-in
    progress = [b.progress for b in batches]
    assert progress == sorted(progress)
    assert progress[-1] == 1.0
    assert len(batches) == 7  # ceil(125 / 20)
    last = batches[-1].state
    assert (last.steps_done, last.n_proposed) == (125, 95)
    assert np.isnan(batches[0].acceptance_rate)
    assert batches[-1].acceptance_rate == last.n_accepted.sum() / (95 * 3)


def test_with_thin_one_the_kept_flags_are_every_decision() -> None:
    s = SamplerSettings(n_steps=400, thin=1, n_chains=4, batch_steps=150)
    batches = list(run_sampler(article_demo(), s))
    samples, chain_ids, _, accepted = concat(batches)
    state = batches[-1].state
    np.testing.assert_array_equal(np.bincount(chain_ids, weights=accepted), state.n_accepted)
    # a chain moves exactly when it accepts
    chains = to_chains(samples, chain_ids)
    moved = np.any(np.diff(chains, axis=1) != 0, axis=2)
    np.testing.assert_array_equal(moved, to_chains(accepted[:, None].astype(float), chain_ids)[:, 1:, 0] == 1)


def test_start_per_chain() -> None:
    start = np.array([[3.0, 3.0], [-3.0, -3.0]])
    batch = next(run_sampler(article_demo(), SamplerSettings(n_steps=1, thin=1, n_chains=2, start=start, seed=3)))
    # after one step each chain is at its start or one proposal (std 1) away from it
    assert np.all(np.abs(batch.samples - start) < 6)
    assert batch.samples[0, 0] > 0 > batch.samples[1, 0]


def test_sample_all_concatenates() -> None:
    s = SamplerSettings(n_steps=100, thin=5, n_chains=2, batch_steps=30)
    samples, chain_ids, rate = sample_all(article_demo(), s)
    batches = list(run_sampler(article_demo(), s))
    full = concat(batches)
    np.testing.assert_array_equal(samples, full[0])
    np.testing.assert_array_equal(chain_ids, full[1])
    assert rate == batches[-1].acceptance_rate


# ---------------------------------------------------------------------- the article's numbers
ARTICLE_SETTINGS = SamplerSettings(n_steps=10_000, thin=10, step_size=1.0, start=np.zeros(2), seed=0)


def test_article_settings_give_1000_samples_and_acceptance_about_051() -> None:
    samples, chain_ids, rate = sample_all(article_demo(), ARTICLE_SETTINGS)
    assert samples.shape == (1000, 2)
    assert np.all(chain_ids == 0)
    assert 0.45 < rate < 0.57


@pytest.mark.parametrize("seed", [1, 2, 3, 11, 12345])
def test_article_acceptance_across_seeds(seed: int) -> None:
    _, _, rate = sample_all(article_demo(), replace(ARTICLE_SETTINGS, seed=seed))
    assert 0.45 < rate < 0.57


def test_article_scalar_loop_baseline_is_a_correct_sampler() -> None:
    chain = article_scalar_loop(article_demo(), 10_000, 1.0, seed=0)
    assert chain.shape == (10_000, 2)
    moved = np.any(np.diff(chain, axis=0) != 0, axis=1).mean()
    assert 0.45 < moved < 0.57
    np.testing.assert_array_equal(chain, article_scalar_loop(article_demo(), 10_000, 1.0, seed=0))
    three_d = article_scalar_loop(Mixture([1.0], [[0.0, 0.0, 0.0]], [np.eye(3)]), 200, 0.5, seed=1)
    assert three_d.shape == (200, 3)


# ---------------------------------------------------------------------- moments against the exact mixture
def test_many_chains_match_the_article_mixture_moments() -> None:
    s = SamplerSettings(n_steps=2000, thin=1, burn_in=500, n_chains=256, seed=42)
    samples, chain_ids, _ = sample_all(article_demo(), s)
    np.testing.assert_allclose(article_demo().mean(), ARTICLE_MEAN, atol=1e-6)
    np.testing.assert_allclose(article_demo().covariance(), ARTICLE_COV, atol=1e-6)
    assert_moments_match(to_chains(samples, chain_ids), ARTICLE_MEAN, ARTICLE_COV)


def test_proposal_cov_path_samples_the_target() -> None:
    cov = np.array([[2.5, 1.2], [1.2, 2.5]])
    s = SamplerSettings(n_steps=2000, thin=1, burn_in=500, n_chains=128, seed=5, proposal_cov=cov)
    samples, chain_ids, rate = sample_all(article_demo(), s)
    assert 0.1 < rate < 0.9
    assert_moments_match(to_chains(samples, chain_ids), ARTICLE_MEAN, ARTICLE_COV)


def test_proposal_cov_overrides_step_size() -> None:
    base = SamplerSettings(n_steps=200, thin=1, n_chains=3, seed=9)
    a, _, _ = sample_all(article_demo(), replace(base, step_size=2.0))
    b, _, _ = sample_all(article_demo(), replace(base, step_size=0.1, proposal_cov=4.0 * np.eye(2)))
    np.testing.assert_array_equal(a, b)  # cholesky(4 I) = 2 I exactly: the same proposals


@pytest.mark.parametrize(
    "target",
    [
        Mixture([0.3, 0.7], [[-2.0], [1.5]], [[[0.5]], [[1.0]]]),
        Mixture(
            [0.5, 0.5],
            [[0.0, 0.0, 0.0], [2.0, -1.0, 1.0]],
            [np.eye(3), [[1.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.0]]],
        ),
    ],
    ids=["1-D", "3-D"],
)
def test_other_dimensions_sample_the_target(target: Mixture) -> None:
    s = SamplerSettings(n_steps=2000, thin=1, burn_in=300, n_chains=128, seed=13, step_size=1.2)
    samples, chain_ids, _ = sample_all(target, s)
    assert samples.shape == (128 * 2000, target.n_dims)
    assert_moments_match(to_chains(samples, chain_ids), target.mean(), target.covariance())


def test_chain_state_validates_shapes() -> None:
    with pytest.raises(ValueError, match="positions"):
        ChainState(np.zeros(2), np.zeros(1), {}, 0, np.zeros(1), 0)
    with pytest.raises(ValueError, match="log_density"):
        ChainState(np.zeros((2, 2)), np.zeros(3), {}, 0, np.zeros(2), 0)
    with pytest.raises(ValueError, match="steps_done"):
        ChainState(np.zeros((2, 2)), np.zeros(2), {}, -1, np.zeros(2), 0)


def test_the_registry_holds_the_articles_sampler():
    rwmh = SAMPLERS["rwmh"]
    assert rwmh.run is run_sampler and rwmh.settings is SamplerSettings
    samples, _, _ = sample_all(article_demo(), SamplerSettings(n_steps=200, seed=3))
    np.testing.assert_array_equal(
        samples, np.concatenate([b.samples for b in run_sampler(article_demo(), SamplerSettings(n_steps=200, seed=3))])
    )
