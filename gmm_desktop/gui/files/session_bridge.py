"""Between the window and a session file: what to save from the state, panels and view, and back.

The core's `Session` knows nothing of Qt; this module reads the window's state into one and puts a
loaded one back (state first, then panel fields, layer toggles, colouring and the view rectangle,
so the framing done on the new target does not override the saved view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.io.session import SavedData, SavedFit, SavedModel, SavedSampler, Session
from gmm_desktop.gui.state.app_state import Dataset, FitState, SamplerStatus, settled_step

if TYPE_CHECKING:
    from gmm_desktop.gui.app.main_window import MainWindow


def capture(window: MainWindow) -> Session:
    """Everything the window shows, as a Session."""
    state = window.state
    status = state.sampler
    return Session(
        target=state.target,
        target_name=state.target_name,
        sampler=SavedSampler(status.settings, status.chain_state, status.acceptance_rate, status.progress),
        data=_saved_data(state.data),
        fit=_saved_fit(state.fit, window.fit_panel.settings_or_none()),
        selection=state.candidates,
        view=_view(window),
        panels={panel.kind: panel.fields.values() for panel in window.job_panels()},
    )


def restore(window: MainWindow, session: Session) -> None:
    """Show `session` in the window exactly as it was saved (running jobs are stopped)."""
    saved = session.sampler
    window.state.restore(
        session.target,
        session.target_name,
        _dataset(session.data),
        SamplerStatus(saved.settings, saved.state, saved.progress, saved.acceptance_rate),
        _fit_state(session.fit),
        session.selection,
    )
    for panel in window.job_panels():
        values = session.panels.get(panel.kind)
        if isinstance(values, dict):
            panel.fields.set_values(values)
    _restore_view(window, session.view)


# ---------------------------------------------------------------------------------------------- to the file
def _saved_data(data: Dataset | None) -> SavedData | None:
    if data is None:
        return None
    return SavedData(
        points=data.points,
        origin=data.origin,
        columns=data.columns if len(data.columns) == data.points.shape[1] else _names(data.points.shape[1]),
        display=data.display,
        chain_ids=data.chain_ids,
        labels=data.labels,
        mixture=data.target,
        source=data.source,
    )


def _saved_fit(fit: FitState | None, panel_settings: EMSettings | None) -> SavedFit:
    if fit is None:
        return SavedFit(settings=panel_settings)
    result = fit.result
    model = SavedModel(
        mixture=fit.mixture,
        covariance_type=fit.step.covariance_type,
        log_likelihoods=fit.trace,
        n_iter=result.n_iter if result is not None else fit.step.iteration,
        converged=result.converged if result is not None else fit.step.converged,
    )
    return SavedFit(settings=fit.settings, model=model)


def _view(window: MainWindow) -> dict:
    (x0, x1), (y0, y1) = window.plot.plot_item.getViewBox().viewRange()
    return {
        "range": [x0, x1, y0, y1],
        "layers": {name: action.isChecked() for name, action in window.actions.layer_toggles.items()},
        "colouring": next((name for name, a in window.actions.colourings.items() if a.isChecked()), "cluster"),
    }


def _names(dims: int) -> tuple[str, ...]:
    from gmm_desktop.core.io.tables import sample_column_names

    return sample_column_names(dims)


# ---------------------------------------------------------------------------------------------- from the file
def _dataset(saved: SavedData | None) -> Dataset | None:
    if saved is None:
        return None
    return Dataset(
        points=saved.points,
        origin=saved.origin,
        columns=saved.columns,
        chain_ids=saved.chain_ids,
        labels=saved.labels,
        display=saved.display,
        target=saved.mixture,
        source=saved.source,
    )


def _fit_state(saved: SavedFit) -> FitState | None:
    model = saved.model
    if model is None:
        return None
    mixture = model.mixture
    last = model.log_likelihoods[-1] if model.log_likelihoods else float("nan")
    step = settled_step(mixture, model.covariance_type, model.n_iter, last, model.converged)
    return FitState(step, model.log_likelihoods, None, saved.settings or EMSettings(mixture.n_components))


def _restore_view(window: MainWindow, view: dict) -> None:
    layers = view.get("layers")
    if isinstance(layers, dict):
        for name, action in window.actions.layer_toggles.items():
            if isinstance(layers.get(name), bool):
                action.setChecked(layers[name])
    colouring = window.actions.colourings.get(str(view.get("colouring")))
    if colouring is not None and not colouring.isChecked():
        colouring.trigger()
    bounds = view.get("range")
    if isinstance(bounds, list) and len(bounds) == 4 and all(isinstance(v, int | float) for v in bounds):
        x0, x1, y0, y1 = (float(v) for v in bounds)
        if np.isfinite([x0, x1, y0, y1]).all() and x1 > x0 and y1 > y0:
            window.plot.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
