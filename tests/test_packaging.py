"""The installed program as a user meets it: entry points, version, help, no display, core isolation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli, run_python

import gmm_desktop
from gmm_desktop.paths import resource, resources_path

ROOT = Path(__file__).resolve().parent.parent


def test_version_matches_package():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"gmm-desktop {gmm_desktop.__version__}"


def test_help_lists_render_command():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "render" in result.stdout
    assert "usage: gmm-desktop" in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("gmm-desktop")
    assert script.exists(), "the gmm-desktop console script is not installed in this environment"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.startswith("gmm-desktop ")


def test_without_display_exits_2_with_one_sentence():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = run_cli(env=env)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert message.count("\n") == 0
    assert "no display" in message
    assert "gmm-desktop render" in message


@pytest.mark.parametrize("package", ["core", "workspace"])
def test_core_and_workspace_import_no_qt(package):
    code = (
        f"import pkgutil, importlib, sys, gmm_desktop.{package} as package\n"
        f"for info in pkgutil.walk_packages(package.__path__, 'gmm_desktop.{package}.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        f"print(len([m for m in sys.modules if m.startswith('gmm_desktop.{package}.')]))\n"
        "assert not bad, bad\n"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5  # the modules were really imported


def test_package_import_is_light():
    code = "import sys, gmm_desktop; print('numpy' in sys.modules, 'PySide6' in sys.modules)"
    result = run_python("-c", code)
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", ["icons/gmm-desktop.svg", "gmm-desktop.desktop", "examples/article_demo_samples.csv"])
def test_resources_are_found(name):
    assert resource(*name.split("/")).is_file()
    assert resources_path().is_dir()


def test_missing_resource_is_named():
    with pytest.raises(FileNotFoundError, match="no-such-file"):
        resource("no-such-file")


def test_wheel_ships_resources_and_finds_them(tmp_path):
    """Build the wheel, install it apart from the checkout, and look the resources up from there."""
    build = run_python("-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT))
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("gmm_desktop-*.whl"))
    target = tmp_path / "site"
    install = run_python("-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel))
    assert install.returncode == 0, install.stderr
    code = "from gmm_desktop.paths import resource; print(resource('icons', 'gmm-desktop.svg'))"
    found = run_python("-c", code, env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).is_relative_to(target)


def test_the_window_starts_without_pandas_scipy_or_scikit_learn():
    """They cost ~1.2 s of imports: the import flow, the fit's initialisation and the comparison
    load them on first use (and the running application preloads them on a worker)."""
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from gmm_desktop.gui.app.application import application\n"
        "from gmm_desktop.gui.app.main_window import MainWindow\n"
        "from gmm_desktop.gui.files.document import discard_unsaved\n"
        "app = application(); window = MainWindow(remember_layout=False, ask_to_save=discard_unsaved)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'scipy', 'sklearn'}))\n"
        "from gmm_desktop.gui.app.application import dispose; dispose(window)\n"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
