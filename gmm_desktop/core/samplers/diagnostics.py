"""MCMC diagnostics for the sampler's output: acceptance, autocorrelation time, ESS, split R-hat.

Pure functions on plain arrays. Chains are passed as (C, n, D): C chains of n kept samples in D
dimensions (use `to_chains` to reshape the sampler's flat (samples, chain_ids) output).

Conventions:
- the integrated autocorrelation time tau is in units of kept samples (a thinned run has a smaller
  tau than the raw chain), estimated as in emcee's `autocorr.integrated_time`: FFT autocorrelation
  and Sokal's automatic window (the smallest M with M >= c * tau(M), c = 5). The estimate is
  trustworthy when n is above ~50 tau; it is biased low for shorter series.
- a constant series has no defined autocorrelation: tau, ESS and R-hat are NaN for it.
- tau is floored at 1 / log10(N) for N pooled samples (Stan's rule): short or antithetic series
  can otherwise give tau <= 0 and an infinite or negative ESS; the ESS stays <= N log10 N.
"""

from __future__ import annotations

import numpy as np

from gmm_desktop.core.samplers.rwmh import ChainState

SOKAL_C = 5.0
"""Window constant c of Sokal's automatic windowing (emcee's default)."""


def acceptance_rates(state: ChainState) -> np.ndarray:
    """(C,) fraction of proposals accepted by each chain after burn-in; NaN before the first one."""
    if state.n_proposed == 0:
        return np.full(state.n_accepted.shape, np.nan)
    return state.n_accepted / state.n_proposed


def _check_chains(chains: np.ndarray, min_length: int) -> np.ndarray:
    chains = np.asarray(chains, dtype=np.float64)
    if chains.ndim != 3:
        raise ValueError(f"chains must have shape (C, n, D), got {chains.shape}")
    if chains.shape[0] < 1 or chains.shape[2] < 1 or chains.shape[1] < min_length:
        raise ValueError(f"chains need C >= 1, D >= 1 and at least {min_length} samples each, got {chains.shape}")
    return chains


def _autocorrelation(x: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation along axis 1 of (C, n, D), by FFT; lag 0 is 1 (NaN if constant)."""
    n = x.shape[1]
    size = 1 << (2 * n - 1).bit_length()  # zero-padded to >= 2n: no circular wrap-around
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    acov = np.fft.irfft(spectrum * spectrum.conj(), n=size, axis=1)[:, :n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return acov / acov[:, :1]


def _windowed_tau(acf: np.ndarray, c: float, n_pooled: int) -> np.ndarray:
    """(D,) tau = 1 + 2 sum_{t=1}^{M} rho(t) for the mean autocorrelation acf (n, D), Sokal's window M.

    Floored at 1 / log10(n_pooled) (n_pooled: samples behind acf, all chains).
    """
    taus = 2.0 * np.cumsum(acf, axis=0) - 1.0  # taus[M] = tau estimated with window M
    lags = np.arange(acf.shape[0])[:, None]
    too_short = lags < c * taus
    # first M where the window is long enough; the whole series if it never is (emcee does the same)
    window = np.where(too_short.all(axis=0), acf.shape[0] - 1, np.argmin(too_short, axis=0))
    tau = np.maximum(taus[window, np.arange(acf.shape[1])], 1.0 / np.log10(max(n_pooled, 10)))
    return np.where(np.isfinite(acf[0]), tau, np.nan)


def integrated_autocorr_time(x: np.ndarray, c: float = SOKAL_C) -> float:
    """Integrated autocorrelation time of one series x (n,), in samples (1 for independent draws).

    NaN for a constant series (its autocorrelation is 0/0). Needs n >= 2.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D series, got shape {x.shape}")
    chains = _check_chains(x[None, :, None], min_length=2)
    return float(_windowed_tau(_autocorrelation(chains)[0], c, x.size)[0])


def autocorr_times(chains: np.ndarray, c: float = SOKAL_C) -> np.ndarray:
    """(D,) tau per coordinate from chains (C, n, D), with the autocorrelation averaged over chains.

    Averaging the per-chain autocorrelation functions (emcee's multi-walker estimator) lowers the
    noise of tau; each chain is centred on its own mean, so chains stuck in different places are not
    detected here: check `split_rhat` as well.
    """
    chains = _check_chains(chains, min_length=2)
    return _windowed_tau(_autocorrelation(chains).mean(axis=0), c, chains.shape[0] * chains.shape[1])


def effective_sample_size(chains: np.ndarray, c: float = SOKAL_C) -> np.ndarray:
    """(D,) effective sample size per coordinate: C * n / tau, tau from `autocorr_times`.

    This is the emcee-style estimator (pooled autocorrelation, within-chain), not Stan's
    between-chain-aware one; it overstates the ESS of chains that disagree, which `split_rhat`
    reports. NaN for a constant coordinate.
    """
    chains = _check_chains(chains, min_length=2)
    return chains.shape[0] * chains.shape[1] / autocorr_times(chains, c)


def split_rhat(chains: np.ndarray) -> np.ndarray:
    """(D,) Gelman-Rubin potential scale reduction with split chains (BDA3, not rank-normalised).

    Each chain is cut into halves (the middle sample dropped when n is odd), so one chain works and a
    drifting chain is caught; ~1 when mixed, > 1.01 (strict) or > 1.1 (lenient) means not yet.
    Needs n >= 4. NaN when every half-chain is constant (no within-chain variance).
    """
    chains = _check_chains(chains, min_length=4)
    half = chains.shape[1] // 2
    halves = np.concatenate([chains[:, :half], chains[:, -half:]], axis=0)  # (2C, half, D)
    within = halves.var(axis=1, ddof=1).mean(axis=0)
    between_over_n = halves.mean(axis=1).var(axis=0, ddof=1)  # B / n in BDA3's notation
    pooled = (half - 1) / half * within + between_over_n
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(pooled / within)


def chain_trace(samples: np.ndarray, chain_ids: np.ndarray, chain: int) -> np.ndarray:
    """(n, D) samples of one chain in step order, from the sampler's flat samples (M, D) and ids (M,)."""
    samples, chain_ids = np.asarray(samples), np.asarray(chain_ids)
    if samples.ndim != 2 or chain_ids.shape != samples.shape[:1]:
        raise ValueError(f"samples must be (M, D) and chain_ids (M,), got {samples.shape} and {chain_ids.shape}")
    return samples[chain_ids == chain]


def to_chains(samples: np.ndarray, chain_ids: np.ndarray) -> np.ndarray:
    """(C, n, D) from the sampler's flat (M, D) samples and (M,) chain ids, chains in id order.

    Within a chain the order of the flat arrays is kept (the sampler's is step order). Every chain
    must have the same number of samples, as a run of `run_sampler` has.
    """
    samples, chain_ids = np.asarray(samples), np.asarray(chain_ids)
    if samples.ndim != 2 or chain_ids.shape != samples.shape[:1]:
        raise ValueError(f"samples must be (M, D) and chain_ids (M,), got {samples.shape} and {chain_ids.shape}")
    ids, counts = np.unique(chain_ids, return_counts=True)
    if ids.size and np.any(counts != counts[0]):
        raise ValueError(f"chains have different numbers of samples ({counts.min()} to {counts.max()})")
    order = np.argsort(chain_ids, kind="stable")
    n = int(counts[0]) if ids.size else 0
    return samples[order].reshape(ids.size, n, samples.shape[1])
