"""Job settings as saved in sessions and remembered between launches: the names earlier versions
used, read leniently (a damaged value keeps its default, nothing stops the program)."""

import pytest

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.models import COVARIANCE_TYPES
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
    fit=EMSettings(
        n_components=4,
        covariance_type="EEV",
        init="hc",
        tol=1e-5,
        seed=11,
        bayesian=True,
        stopping="relative",
        reg_scale="data",
    ),
    selection=SelectionSettings(
        2,
        9,
        ("full", "EEV", "VVE", "EII"),
        "icl",
        n_init=3,
        seed=None,
        init="kmeans",
        tol=1e-5,
        max_iter=250,
        reg_covar=1e-4,
    ),
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
    all_but_tied = tuple(name for name in COVARIANCE_TYPES if name != "tied")
    assert from_saved("selection", {"type_tied": "false"}, SelectionSettings()).covariance_types == all_but_tied
    assert from_saved("brush", {"class": "3", "no_class": "true"}, Brush()).label is None
    assert from_saved("brush", {"class": "3", "no_class": "false"}, Brush()).label == 3


def test_every_model_has_its_tick_and_the_new_fields_are_saved():
    saved = to_saved("selection", CHANGED.selection)
    assert {key for key in saved if key.startswith("type_")} == {f"type_{name}" for name in COVARIANCE_TYPES}
    assert (saved["type_EEV"], saved["type_VVE"], saved["type_tied"]) == (True, True, False)
    assert (saved["init"], saved["tol"], saved["max_iter"], saved["reg_covar"]) == ("kmeans", 1e-5, 250, 1e-4)
    fit = to_saved("fit", CHANGED.fit)
    assert (fit["covariance_type"], fit["init"], fit["stopping"], fit["reg_scale"]) == ("EEV", "hc", "relative", "data")


def test_a_settings_file_from_the_four_model_version_still_loads():
    """Written when there were four types and no init/tol/max_iter/ridge for the sweep: what it says is
    kept, every model it does not know of keeps its default tick, the new fields their defaults."""
    old = {
        "k_min": "2",
        "k_max": "8",
        "criterion": "aic",
        "n_init": "3",
        "seed": "",
        "type_full": "true",
        "type_tied": "false",
        "type_diag": "false",
        "type_spherical": "true",
    }
    record = from_saved("selection", old, SelectionSettings())
    default = SelectionSettings()
    assert (record.k_min, record.k_max, record.criterion, record.n_init, record.seed) == (2, 8, "aic", 3, None)
    assert record.covariance_types == tuple(name for name in COVARIANCE_TYPES if name not in ("tied", "diag"))
    assert (record.init, record.tol, record.max_iter, record.reg_covar) == (
        default.init,
        default.tol,
        default.max_iter,
        default.reg_covar,
    )
    fit = from_saved("fit", {"covariance_type": "diag", "tol": "0.001"}, EMSettings())
    assert (fit.covariance_type, fit.stopping, fit.reg_scale) == ("diag", "absolute", "absolute")
    damaged = from_saved("selection", {"init": "given", "tol": "-1", "max_iter": "many"}, default)
    assert damaged == default  # init "given" and a negative tolerance are refused by the record itself


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
