"""Job settings as saved in sessions and remembered between launches: the names earlier versions
used, read leniently (a damaged value keeps its default, nothing stops the program)."""

import pytest

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.paint import Brush
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.core.selection import SelectionSettings
from gmm_desktop.workspace.settings import (
    KINDS,
    ExactDraws,
    Settings,
    from_saved,
    settings_from_sections,
    settings_to_sections,
    to_saved,
)

CHANGED = Settings(
    sampler=SamplerSettings(n_steps=5000, thin=3, burn_in=100, step_size=0.5, n_chains=8, seed=None),
    exact=ExactDraws(250),
    fit=EMSettings(n_components=4, covariance_type="diag", init="random_from_data", tol=1e-5, seed=11, bayesian=True),
    selection=SelectionSettings(2, 9, ("full", "diag", "spherical"), "icl", n_init=3, seed=None),
    brush=Brush(radius=1.25, points=7, label=4),  # the mode is the panel's choice of the moment, not kept
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_reads_back_what_it_saved(kind):
    saved = to_saved(kind, CHANGED.of(kind))
    assert from_saved(kind, saved, Settings().of(kind)) == CHANGED.of(kind)


def test_values_are_read_from_the_strings_a_settings_file_holds():
    sampler = from_saved("sampler", {"steps": "5000", "thin": "3", "step_size": "0.5", "seed": ""}, SamplerSettings())
    assert (sampler.n_steps, sampler.thin, sampler.step_size, sampler.seed) == (5000, 3, 0.5, None)
    fit = from_saved("fit", {"bayesian": "true", "tol": "1e-05", "covariance_type": "tied"}, EMSettings())
    assert fit.bayesian and fit.tol == 1e-5 and fit.covariance_type == "tied"


def test_a_damaged_or_impossible_value_keeps_its_default():
    sampler = from_saved("sampler", {"steps": "5000", "thin": "not a number", "chains": "0"}, SamplerSettings())
    assert (sampler.n_steps, sampler.thin, sampler.n_chains) == (5000, 10, 1)
    fit = from_saved("fit", {"covariance_type": "round", "seed": "-3"}, EMSettings())
    assert fit.covariance_type == "full" and fit.seed == 0


def test_missing_type_ticks_keep_the_types_and_a_brush_without_a_class():
    assert (
        from_saved("selection", {"type_full": None}, SelectionSettings()).covariance_types
        == SelectionSettings().covariance_types
    )
    assert from_saved("selection", {"type_tied": "false"}, SelectionSettings()).covariance_types == (
        "full",
        "diag",
        "spherical",
    )
    assert from_saved("brush", {"class": "3", "no_class": "true"}, Brush()).label is None
    assert from_saved("brush", {"class": "3", "no_class": "false"}, Brush()).label == 3


def test_sessions_keep_the_panels_sections_of_earlier_versions():
    sections = settings_to_sections(CHANGED, ("sampler", "exact", "fit", "selection"))
    assert set(sections) == {"sampler", "fit", "selection"}
    assert sections["sampler"]["steps"] == 5000 and sections["sampler"]["exact_points"] == 250
    assert sections["sampler"]["seed"] == "" and sections["fit"]["seed"] == "11"
    restored = settings_from_sections(sections)
    assert (restored.sampler, restored.exact, restored.fit, restored.selection) == (
        CHANGED.sampler,
        CHANGED.exact,
        CHANGED.fit,
        CHANGED.selection,
    )
    assert settings_from_sections({"fit": "not a dict"}) == Settings()
