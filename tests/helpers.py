"""Helpers shared by the tests that run the program the way a shell does."""

import subprocess
import sys


def run_python(*args: str, env: dict | None = None, cwd=None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python ARGS...` in this environment, output captured as text; never raises on a failure."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False
    )


def run_cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m gmm_desktop ARGS...`, as a script would call the program."""
    return run_python("-m", "gmm_desktop", *args, env=env, timeout=timeout)


def click(qtbot, button) -> None:
    """Click `button` as a user does; a disabled button is a test failure, not a silent no-op."""
    from PySide6.QtCore import Qt

    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
