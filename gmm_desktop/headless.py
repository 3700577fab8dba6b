"""The headless commands `sample` and `fit`: the window's engine, for scripts and reproducibility.

Each returns an exit code: 0 success, 1 nothing usable came out (e.g. every candidate model is
degenerate), 2 bad input (the message names the file, line and column). Output files are written
only after the work succeeded, atomically, so a failure never leaves a partial `--out`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gmm_desktop.core.em import responsibilities
from gmm_desktop.core.io.atomic import AtomicWriteError
from gmm_desktop.core.io.model_file import ModelFileError, load_model, save_model
from gmm_desktop.core.io.tables import Table, TableError, load_csv, numeric_matrix, write_fit_csv, write_samples_csv
from gmm_desktop.core.mixture import Mixture, MixtureError, preset
from gmm_desktop.core.models import COVARIANCE_TYPES, covariance_model
from gmm_desktop.core.samplers import sample_all
from gmm_desktop.core.samplers.diagnostics import effective_sample_size, split_rhat, to_chains
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.core.selection import Candidate, SelectionSettings, best, sweep, with_prior

INPUT_ERRORS = (TableError, ModelFileError, MixtureError, ValueError)


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


# ---------------------------------------------------------------------- fit
def parse_components(text: str) -> range:
    """`K` or `K1-K2` (inclusive) as a range of component counts; ValueError with the rule otherwise."""
    try:
        low, dash, high = text.partition("-")
        first, last = int(low), int(high if dash else low)
    except ValueError:
        raise ValueError(f"--components must be K or K1-K2 (e.g. 3 or 1-6), got {text!r}") from None
    if not 1 <= first <= last:
        raise ValueError(f"--components must satisfy 1 <= K1 <= K2, got {text!r}")
    return range(first, last + 1)


def _columns(table: Table, spec: str | None) -> list[str]:
    if spec is None:
        return list(table.numeric_columns)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    for name in names:
        if name not in table.columns:
            raise TableError(table.path, f"no column named {name!r} (columns: {', '.join(table.columns)})")
        if name not in table.numeric_columns:
            raise TableError(table.path, "is not a numeric column", column=name)
    if not names:
        raise ValueError("--columns names no column")
    return names


def parse_models(text: str) -> tuple[str, ...]:
    """`--covariance`: 'all', or comma-separated names in either vocabulary (mclust's or scikit-learn's)."""
    if text.strip().lower() == "all":
        return COVARIANCE_TYPES
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError("--covariance names no model")
    try:
        return tuple(covariance_model(name).name for name in names)
    except ValueError as exc:
        raise ValueError(f"--covariance: {exc}") from None


def _candidate_record(candidate: Candidate) -> dict[str, Any]:
    return {
        "n_components": candidate.n_components,
        "covariance_type": candidate.covariance_type,
        "model_name": candidate.model_name,
        "log_likelihood": candidate.result.total_log_likelihood if candidate.result is not None else math.nan,
        "bic": candidate.bic,
        "aic": candidate.aic,
        "icl": candidate.icl,
        "degenerate": candidate.degenerate,
        "reason": candidate.reason,
        "warning": candidate.warning,
    }


def fit_summary(
    columns: list[str], chosen: Candidate, candidates: list[Candidate], prior: str = "none"
) -> dict[str, Any]:
    """The `fit --json` object; log-likelihoods are totals over the data (the data's, also with a
    prior), criteria lower-is-better; the model's "prior" is the fit's (`EMSettings.prior`)."""
    result = chosen.result
    mixture = result.mixture
    return {
        "n_samples": result.n_samples,
        "columns": columns,
        "model": {
            "n_components": mixture.n_components,
            "covariance_type": result.covariance_type,
            "model_name": chosen.model_name,
            "weights": mixture.weights.tolist(),
            "means": mixture.means.tolist(),
            "covariances": mixture.covariances.tolist(),
            "prior": prior,
        },
        "log_likelihood": result.total_log_likelihood,
        "bic": result.bic,
        "aic": result.aic,
        "icl": result.icl,
        "converged": bool(result.converged),
        "n_iter": int(result.n_iter),
        "candidates": [_candidate_record(c) for c in candidates],
    }


def run_fit(args: argparse.Namespace) -> int:
    try:
        k_values = parse_components(args.components)
        types = with_prior(parse_models(args.covariance), args.prior)
        settings = SelectionSettings(
            n_init=args.n_init,
            seed=args.seed,
            init=args.init,
            tol=args.tol,
            max_iter=args.max_iter,
            reg_covar=args.reg_covar,
            prior=args.prior,
        ).em_settings()
        table = load_csv(args.file)
        columns = _columns(table, args.columns)
        X = numeric_matrix(table, columns)
        candidates = list(sweep(X, k_values, types, settings, workers=min(2, os.cpu_count() or 1)))
    except INPUT_ERRORS as exc:
        return _fail("fit", str(exc))
    chosen = best(candidates, args.criterion)
    if chosen is None:
        reasons = "; ".join(f"K={c.n_components} {c.model_name}: {c.reason}" for c in candidates)
        return _fail("fit", f"every candidate model is degenerate, none is recommended ({reasons})", 1)
    summary = fit_summary(columns, chosen, candidates, args.prior)
    try:
        if args.out is not None:
            probabilities = responsibilities(X, chosen.result)
            write_fit_csv(args.out, table, probabilities)
        if args.model_out is not None:
            save_model(args.model_out, chosen.result.mixture, chosen.covariance_type, columns=tuple(columns))
    except OSError as exc:
        return _fail("fit", f"cannot write the output: {exc}", 1)
    print(json.dumps(summary) if args.json else _fit_text(summary, args.criterion))
    return 0


def _fit_text(summary: dict[str, Any], criterion: str) -> str:
    model = summary["model"]
    lines = [
        f"{summary['n_samples']} rows, columns {', '.join(summary['columns'])}",
        f"chosen by {criterion.upper()} (lower is better): K={model['n_components']} {_model_words(model)}, "
        f"log-likelihood {summary['log_likelihood']:.6g}, BIC {summary['bic']:.6g}, AIC {summary['aic']:.6g}, "
        f"ICL {summary['icl']:.6g}, {summary['n_iter']} iterations{'' if summary['converged'] else ' (not converged)'}",
    ]
    for k, (w, mean) in enumerate(zip(model["weights"], model["means"]), start=1):
        lines.append(f"  component {k}: weight {w:.4f}, mean {_fmt(mean)}")
    lines.append("candidates (K, model, BIC, AIC, ICL):")
    for c in summary["candidates"]:
        flag = f"  degenerate: {c['reason']}" if c["degenerate"] else ""
        flag += f"  warning: {c['warning']}" if c["warning"] else ""
        lines.append(
            f"  {c['n_components']:>3} {c['model_name']:<4} {c['bic']:.6g} {c['aic']:.6g} {c['icl']:.6g}{flag}"
        )
    return "\n".join(lines)


def _model_words(model: dict[str, Any]) -> str:
    """mclust's name, with scikit-learn's where it differs: "VVV (full)", "EEV"."""
    name, alias = model["model_name"], model["covariance_type"]
    return name if alias == covariance_model(alias).mclust else f"{name} ({alias})"
