"""Time to the first painted window, cold (a fresh interpreter), against a bare pyqtgraph window."""

import os
import subprocess
import sys

FIRST_PAINT = """
import time
start = time.perf_counter()
{imports}
app = application()
window = {window}
window.show()
app.processEvents()
window.grab()
print(time.perf_counter() - start)
window.close()
window.deleteLater()
app.sendPostedEvents(None, 52)  # QEvent.DeferredDelete: delete before exit (see gui.app.dispose)
"""

OURS = FIRST_PAINT.format(
    imports=(
        "from gmm_desktop.gui.app.application import application\n"
        "from gmm_desktop.gui.app.main_window import MainWindow"
    ),
    window="MainWindow(remember_layout=False)",
)
BARE = FIRST_PAINT.format(
    imports="import pyqtgraph as pg\nfrom PySide6.QtWidgets import QApplication\n"
    "application = lambda: QApplication([])",
    window="pg.PlotWidget()",
)


def cold_seconds(code: str, repeats: int = 5) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    times = sorted(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout)
        for _ in range(repeats)
    )
    return times[len(times) // 2]


def test_time_to_first_painted_window():
    bare = cold_seconds(BARE)
    ours = cold_seconds(OURS)
    print(
        f"\nfirst painted window (imports + build + paint, offscreen): bare pyqtgraph window {bare * 1e3:.0f} ms, "
        f"gmm_desktop {ours * 1e3:.0f} ms, overhead x{ours / bare:.2f}"
    )
    assert ours > 0
