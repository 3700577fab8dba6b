"""The command line: no subcommand opens the window (`gmm-desktop FILE` opens a data file, a
session or a model in it); `render` draws it to a PNG offscreen; `sample` and `fit` run headless.

Thread-related environment is set here, before numpy loads: OpenBLAS and OpenMP threads
busy-wait and fight each other and the GUI on small machines (shared/PERF_FACTS.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gmm_desktop import __version__

NO_DISPLAY_MESSAGE = (
    "gmm-desktop: no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it on a desktop, "
    "or draw the window to a picture offscreen with `gmm-desktop render OUT.png`."
)


def _limit_threads() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, got {text!r}") from None
    if not (100 <= width <= 8000 and 100 <= height <= 8000):
        raise argparse.ArgumentTypeError(f"size must be between 100x100 and 8000x8000, got {text!r}")
    return width, height


def _add_sample_parser(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser("sample", help="draw Metropolis-Hastings samples from a target mixture")
    sample.add_argument("--target", default="demo", help="a preset name (demo, 'well separated', ...) or MODEL.json")
    sample.add_argument("--steps", type=int, default=10_000, help="steps per chain after burn-in (default 10000)")
    sample.add_argument("--thin", type=int, default=10, help="keep every S-th step (default 10)")
    sample.add_argument("--burn-in", type=int, default=0, help="steps discarded at the start of each chain")
    sample.add_argument("--step-size", type=float, default=1.0, help="standard deviation of the random-walk step")
    sample.add_argument("--chains", type=int, default=1, help="independent chains run together (default 1)")
    sample.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same samples")
    sample.add_argument("--out", type=Path, help="write the samples (and their chain ids) to this CSV file")
    sample.add_argument("--json", action="store_true", help="print a JSON summary instead of text")


def _add_fit_parser(commands: argparse._SubParsersAction) -> None:
    from gmm_desktop.core.selection import SelectionSettings  # loads numpy: main() has set the thread limits

    defaults = SelectionSettings()
    fit = commands.add_parser(
        "fit",
        help="fit Gaussian mixtures to a CSV file by EM and choose the best one",
        description="Fit every K and covariance model asked for by EM, score them, and print the best "
        "non-degenerate one. Covariance models are mclust's 14 (EII ... VVV) or scikit-learn's names for "
        "four of them (spherical = VII, diag = VVI, tied = EEE, full = VVV).",
    )
    fit.add_argument("file", metavar="FILE.csv", type=Path, help="the data: a delimited text file with a header")
    fit.add_argument("--columns", help="comma-separated columns to fit (default: every numeric column)")
    fit.add_argument("--components", default="1-6", help="number of components K, or a range K1-K2 (default 1-6)")
    fit.add_argument(
        "--covariance",
        default="all",
        metavar="MODELS",
        help="comma-separated covariance models, e.g. VVV,EEV or full,diag; 'all' tries all 14 (default)",
    )
    fit.add_argument(
        "--criterion", default="bic", choices=("bic", "aic", "icl"), help="how to choose (lower is better; default bic)"
    )
    fit.add_argument(
        "--n-init",
        type=int,
        default=defaults.n_init,
        help=f"EM restarts per candidate; the best non-degenerate one is kept (default {defaults.n_init})",
    )
    fit.add_argument(
        "--init",
        default=defaults.init,
        choices=("hc", "k-means++", "kmeans", "random", "random_from_data"),
        help="how the first restart starts: hc (mclust's hierarchical clustering, later restarts by "
        "k-means++) or one of scikit-learn's methods for every restart (default hc)",
    )
    fit.add_argument(
        "--tol",
        type=float,
        default=defaults.tol,
        help=f"stop EM when the log-likelihood per row changes by less than this (default {defaults.tol:g})",
    )
    fit.add_argument(
        "--max-iter",
        type=int,
        default=defaults.max_iter,
        help=f"EM iterations per restart (default {defaults.max_iter})",
    )
    fit.add_argument(
        "--reg-covar",
        type=float,
        default=defaults.reg_covar,
        help=f"ridge added to each covariance, times each column's variance (default {defaults.reg_covar:g})",
    )
    fit.add_argument(
        "--prior",
        default=defaults.prior,
        choices=("none", "conjugate"),
        help="conjugate: mclust's conjugate prior (priorControl()), MAP estimates that keep small clusters from "
        "collapsing; for EII VII EEI VEI EVI VVI EEE EEV VEV VVV ('all' means these) (default none)",
    )
    fit.add_argument("--seed", type=int, default=0, help="random seed of the initialisation")
    fit.add_argument("--out", type=Path, help="write the rows plus `label` and p_1..p_K to this CSV file")
    fit.add_argument("--model-out", type=Path, help="write the chosen model to this JSON file")
    fit.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gmm-desktop",
        description="Explore Gaussian mixture models: a target mixture, Metropolis-Hastings sampling, "
        "EM fitting and model selection. Without a command, opens the window; `gmm-desktop FILE` opens "
        "FILE in it (a CSV data file, a .gmmsession session, or a model .json as the target).",
        usage="gmm-desktop [-h] [--version] [FILE | COMMAND ...]",
    )
    parser.add_argument("--version", action="version", version=f"gmm-desktop {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    render = commands.add_parser("render", help="draw the main window offscreen to a PNG file")
    render.add_argument("out", metavar="OUT.png", help="the PNG file to write (replaced atomically)")
    render.add_argument("--size", type=_size, default=(1400, 880), metavar="WxH", help="window size (default 1400x880)")
    render.add_argument(
        "--no-workflow", action="store_true", help="draw the window as it opens, without sampling and fitting first"
    )
    _add_sample_parser(commands)
    _add_fit_parser(commands)
    return parser


def has_display() -> bool:
    """False on Linux when Qt would find no screen (and abort) and no platform was chosen."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


COMMANDS = ("render", "sample", "fit")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `gmm-desktop` script and of `python -m gmm_desktop`; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    _limit_threads()
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        return _open_file(argv)
    args = build_parser().parse_args(argv)
    if args.command in ("sample", "fit"):
        from gmm_desktop import headless

        return headless.run_sample(args) if args.command == "sample" else headless.run_fit(args)
    if args.command == "render":
        from gmm_desktop.gui.app.render import render_to_png

        return render_to_png(args.out, args.size, workflow=not args.no_workflow)
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    from gmm_desktop.gui.app.application import run_window

    return run_window()


def _open_file(argv: list[str]) -> int:
    """`gmm-desktop FILE`: the window, opening FILE (checked first, so a typo fails here, not in a dialog)."""
    if len(argv) > 1:
        print(f"gmm-desktop: one file at a time (got {len(argv)} arguments); see gmm-desktop --help", file=sys.stderr)
        return 2
    path = Path(argv[0])
    if not path.is_file():
        print(f"gmm-desktop: {path}: no such file", file=sys.stderr)
        return 2
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    from gmm_desktop.gui.app.application import run_window

    return run_window(path.resolve())


def gui_main() -> None:
    """Entry point of the `gmm-desktop-gui` launcher (the .desktop file)."""
    sys.exit(main())
