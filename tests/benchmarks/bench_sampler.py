"""Metropolis-Hastings proposals per second: the article's scalar loop against our chains-vectorised sampler.

Both run in this process, medians of a few repeats; the line printed is the ratio (goal >= 40x).
Correctness is asserted (acceptance rates in range, the same target); times and ratios never are.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from article_loop import article_scalar_loop

from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.rwmh import SamplerSettings

from .timing import median_seconds

BASELINE_STEPS = 20_000
CHAINS = 1024
STEPS_PER_CHAIN = 2_000
GOAL = 40


def five_components() -> Mixture:
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 2, 2))
    return Mixture(rng.uniform(0.2, 1, 5), rng.normal(0, 2, (5, 2)), a @ np.swapaxes(a, 1, 2) + 0.2 * np.eye(2))


def measure(target: Mixture, label: str) -> float:
    """Print and return the ratio of our proposals/s (CHAINS chains) to the article loop's, on `target`."""
    ours_settings = SamplerSettings(n_steps=STEPS_PER_CHAIN, thin=10, n_chains=CHAINS, batch_steps=1000, seed=1)
    baseline_chain = article_scalar_loop(target, BASELINE_STEPS, 1.0, seed=0)
    _, _, rate = sample_all(target, ours_settings)
    baseline_rate = np.any(np.diff(baseline_chain, axis=0) != 0, axis=1).mean()
    assert abs(rate - baseline_rate) < 0.05, (rate, baseline_rate)  # the same sampler, the same target

    baseline = BASELINE_STEPS / median_seconds(lambda: article_scalar_loop(target, BASELINE_STEPS, 1.0, seed=0), 3)
    ours = CHAINS * STEPS_PER_CHAIN / median_seconds(lambda: sample_all(target, ours_settings), 5)
    ratio = ours / baseline
    print(
        f"\nsampler {label}: {baseline / 1e6:.3g} M/s article loop, {ours / 1e6:.3g} M/s ours ({CHAINS} chains), "
        f"ratio {ratio:.0f}x (goal >= {GOAL}x); acceptance {rate:.3f}"
    )
    return ratio


def test_sampler_article_demo_against_article_loop() -> None:
    _, _, rate = sample_all(article_demo(), SamplerSettings(seed=0))
    assert 0.45 < rate < 0.57  # the article's chain: about 0.51
    measure(article_demo(), "K=2 article demo")


def test_sampler_five_components_against_article_loop() -> None:
    measure(five_components(), "K=5")
