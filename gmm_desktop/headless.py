"""The headless commands `sample` and `fit`: the window's engine, for scripts and reproducibility.

Each returns an exit code: 0 success, 1 nothing usable came out (e.g. every candidate model is
degenerate), 2 bad input (the message names the file, line and column). Output files are written
only after the work succeeded, atomically, so a failure never leaves a partial `--out`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gmm_desktop.core.atomic import AtomicWriteError
from gmm_desktop.core.diagnostics import effective_sample_size, split_rhat, to_chains
from gmm_desktop.core.mixture import Mixture, MixtureError, preset
from gmm_desktop.core.model_io import ModelFileError, load_model
from gmm_desktop.core.sampler import SamplerSettings, sample_all
from gmm_desktop.core.tables import TableError, write_samples_csv

INPUT_ERRORS = (TableError, ModelFileError, MixtureError, ValueError)


class UsageError(Exception):
    """Bad input on the command line or in a file: printed as one line, exit code 2."""


def _fail(command: str, message: str, code: int = 2) -> int:
    print(f"gmm-desktop {command}: {message}", file=sys.stderr)
    return code


# ---------------------------------------------------------------------- sample
def _target(spec: str) -> Mixture:
    if spec.lower().endswith(".json") or Path(spec).is_file():
        return load_model(spec)
    return preset(spec)


def sample_summary(samples: np.ndarray, chain_ids: np.ndarray, acceptance: float) -> dict[str, Any]:
    """n_samples, acceptance_rate, mean, covariance, and per-coordinate ESS and split R-hat."""
    chains = to_chains(samples, chain_ids)
    enough = chains.shape[1] >= 4
    dims = samples.shape[1]
    covariance = np.atleast_2d(np.cov(samples, rowvar=False)) if len(samples) > 1 else np.full((dims, dims), np.nan)
    return {
        "n_samples": len(samples),
        "acceptance_rate": float(acceptance),
        "mean": samples.mean(axis=0).tolist(),
        "covariance": covariance.tolist(),
        "ess": effective_sample_size(chains).tolist() if enough else [None] * dims,
        "rhat": split_rhat(chains).tolist() if enough else [None] * dims,
    }


def run_sample(args: argparse.Namespace) -> int:
    try:
        target = _target(args.target)
        settings = SamplerSettings(
            n_steps=args.steps,
            thin=args.thin,
            burn_in=args.burn_in,
            step_size=args.step_size,
            n_chains=args.chains,
            seed=args.seed,
        )
    except INPUT_ERRORS as exc:
        return _fail("sample", str(exc))
    samples, chain_ids, acceptance = sample_all(target, settings)
    summary = sample_summary(samples, chain_ids, acceptance)
    if args.out is not None:
        try:
            write_samples_csv(args.out, samples, chain_ids)
        except (AtomicWriteError, OSError) as exc:
            return _fail("sample", f"cannot write {args.out}: {exc}", 1)
    if args.json:
        print(json.dumps(summary, allow_nan=True))
    else:
        print(_sample_text(summary, args.out))
    return 0


def _fmt(values: list) -> str:
    return ", ".join("n/a" if v is None else f"{v:.4g}" for v in values)


def _sample_text(summary: dict[str, Any], out: Path | None) -> str:
    lines = [
        f"{summary['n_samples']} samples, acceptance rate {summary['acceptance_rate']:.3f}",
        f"mean: {_fmt(summary['mean'])}",
        *(f"covariance row {i + 1}: {_fmt(row)}" for i, row in enumerate(summary["covariance"])),
        f"effective sample size: {_fmt(summary['ess'])}",
        f"split R-hat: {_fmt(summary['rhat'])}",
    ]
    if out is not None:
        lines.append(f"wrote {out}")
    return "\n".join(lines)
