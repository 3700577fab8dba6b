"""The Model selection and Fit docks at the window sizes users have (1024x700 and 1600x1000): after a
sweep over all 14 models, no label, number or button is cut off and nothing needs a sideways scroll
(the panels may scroll up and down)."""

from pathlib import Path

import numpy as np
import pytest
from helpers import click, wait_idle
from layout_checks import cut_off_texts
from PySide6.QtWidgets import QScrollArea

from gmm_desktop.core.models import COVARIANCE_TYPES
from gmm_desktop.gui.models.candidates_model import LOG_LIK_COLUMN
from gmm_desktop.workspace.data import Dataset

FAITHFUL = Path(__file__).parents[1] / "fixtures" / "datasets" / "faithful.csv"
TIMEOUT = 120_000


@pytest.fixture
def swept(main_window, qtbot):
    """The window with Old Faithful's eruptions swept over every model, K = 1..6 (the defaults)."""
    state = main_window.state
    state.set_data(Dataset(np.loadtxt(FAITHFUL, delimiter=",", skiprows=1), "file", columns=("eruptions", "waiting")))
    panel = main_window.selection_panel
    assert panel.covariance_types() == COVARIANCE_TYPES
    click(qtbot, panel.run_button)
    wait_idle(qtbot, state, "selection", TIMEOUT)
    main_window.flush()
    assert len(state.candidates) == 6 * len(COVARIANCE_TYPES)
    return main_window


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
@pytest.mark.parametrize("dock", ["selection", "fit"])
def test_the_docks_fit_the_window(swept, qtbot, size, dock):
    swept.resize(*size)
    swept.docks[dock].raise_()
    qtbot.waitUntil(lambda: swept.docks[dock].widget().isVisible())
    swept.flush()
    panel = swept.docks[dock].widget()
    area = panel.findChild(QScrollArea)
    # the layout settles over a few event-loop turns after the resize: wait for it, fail if it never does
    qtbot.waitUntil(lambda: not area.horizontalScrollBar().isVisible(), timeout=3000)
    assert area.widget().minimumSizeHint().width() <= area.viewport().width()
    assert cut_off_texts(panel) == []
    if dock == "selection":
        assert not panel.table.horizontalScrollBar().isVisible()
        # the log-likelihood column only where there is room for it (its value is in the tooltips)
        assert panel.table.isColumnHidden(LOG_LIK_COLUMN) == (size[0] < 1600)
        key = panel.bic_plot.key
        assert key.shown() == COVARIANCE_TYPES
        assert all(
            entry.visibleRegion().boundingRect().width() >= entry.sizeHint().width() for entry in key.entries.values()
        )
