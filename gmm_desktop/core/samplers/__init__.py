"""MCMC samplers of a target mixture, and the diagnostics of their chains.

Every sampler is one `Sampler` entry in `SAMPLERS`: its name, its words for the window, the settings
record it takes, and its run, a generator of `SampleBatch`es that can be stopped between batches
and continued exactly from a batch's state. The window's sampler job and the `sample` command read
the registry, so adding a sampler is one module here (its settings and run) plus one entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from gmm_desktop.core.mixture import Mixture
from gmm_desktop.core.samplers.rwmh import ChainState, SampleBatch, SamplerSettings, run_sampler

Run = Callable[[Mixture, SamplerSettings, ChainState | None], Iterator[SampleBatch]]


@dataclass(frozen=True)
class Sampler:
    """name: as files and the command line say it; label and description: the window's words;
    settings: the record `run` takes; run(target, settings, state): its batches (state None: start)."""

    name: str
    label: str
    description: str
    settings: type
    run: Run


SAMPLERS: dict[str, Sampler] = {
    "rwmh": Sampler(
        "rwmh",
        "Metropolis-Hastings",
        "Random-walk Metropolis-Hastings with Gaussian steps, vectorised across chains (the article's).",
        SamplerSettings,
        run_sampler,
    ),
}
DEFAULT_SAMPLER = "rwmh"


def sample_all(
    target: Mixture, settings: SamplerSettings, sampler: str = DEFAULT_SAMPLER
) -> tuple[np.ndarray, np.ndarray, float]:
    """Run a whole sampler: (samples (M, D), chain_ids (M,), overall acceptance rate after burn-in)."""
    batches = list(SAMPLERS[sampler].run(target, settings, None))
    samples = np.concatenate([b.samples for b in batches])
    chain_ids = np.concatenate([b.chain_ids for b in batches])
    return samples, chain_ids, batches[-1].acceptance_rate
