"""A workspace as a session file's record, and back: what the user made, never widgets.

The core's `Session` is the file format (`core.io.session`); this module maps the workspace onto it:
the data with its shown columns, the sampler's chain state, the fit, the candidates, the job
settings (under the panels' names, as earlier versions saved them) and the view.
"""

from __future__ import annotations

import math

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.io.session import SavedData, SavedFit, SavedModel, SavedSampler, Session
from gmm_desktop.workspace.data import Dataset
from gmm_desktop.workspace.results import FitState, SamplerStatus, settled_step
from gmm_desktop.workspace.settings import settings_from_sections, settings_to_sections
from gmm_desktop.workspace.view import ViewState
from gmm_desktop.workspace.workspace import Workspace

SESSION_KINDS = ("sampler", "exact", "fit", "selection")
"""The settings a session keeps (the paint brush is the application's, not the document's)."""


def to_session(workspace: Workspace) -> Session:
    """Everything the workspace holds, as a Session."""
    status = workspace.sampler
    return Session(
        target=workspace.target,
        target_name=workspace.target_name,
        sampler=SavedSampler(status.settings, status.chain_state, status.acceptance_rate, status.progress),
        data=_saved_data(workspace.data, workspace.view.shown),
        fit=_saved_fit(workspace.fit, workspace.settings.fit),
        selection=workspace.candidates,
        view=workspace.view.to_dict(),
        panels=settings_to_sections(workspace.settings, SESSION_KINDS),
    )


def from_session(session: Session, base: Workspace | None = None) -> Workspace:
    """The workspace `session` describes; settings it does not hold (or holds unreadably) come from
    `base` (the current workspace), as the panels kept their values before."""
    base = base or Workspace()
    saved = session.sampler
    shown = session.data.display if session.data is not None else (0, 1)
    settings = settings_from_sections(session.panels, base.settings)
    return Workspace(
        target=session.target,
        target_name=session.target_name,
        data=_dataset(session.data),
        sampler=SamplerStatus(saved.settings, saved.state, saved.progress, saved.acceptance_rate),
        fit=_fit_state(session.fit),
        candidates=session.selection,
        criterion=settings.selection.criterion,
        settings=settings,
        view=ViewState.from_dict(session.view, shown),
    )


# ---------------------------------------------------------------------------------------------- to the file
def _saved_data(data: Dataset | None, shown: tuple[int, int]) -> SavedData | None:
    if data is None:
        return None
    columns = data.columns if len(data.columns) == data.n_dims else _names(data.n_dims)
    return SavedData(
        points=data.points,
        origin=data.origin,
        columns=columns,
        display=shown,
        chain_ids=data.chain_ids,
        labels=data.labels,
        mixture=data.target,
        source=data.source,
    )


def _names(dims: int) -> tuple[str, ...]:
    from gmm_desktop.core.io.tables import sample_column_names  # pandas: not on the start-up path

    return sample_column_names(dims)


def _saved_fit(fit: FitState | None, panel_settings: EMSettings) -> SavedFit:
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
        target=saved.mixture,
        source=saved.source,
    )


def _fit_state(saved: SavedFit) -> FitState | None:
    model = saved.model
    if model is None:
        return None
    mixture = model.mixture
    last = model.log_likelihoods[-1] if model.log_likelihoods else math.nan
    step = settled_step(mixture, model.covariance_type, model.n_iter, last, model.converged)
    return FitState(step, model.log_likelihoods, None, saved.settings or EMSettings(mixture.n_components))
