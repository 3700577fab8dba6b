"""The settings of every job, as the core's own records, and how they are saved.

A panel edits one of these records through its field spec; sessions and the application's
remembered settings store them as flat dicts of JSON values, under the names earlier versions used
(a session or settings file written before keeps working). Reading is lenient: a missing, unreadable
or out-of-range value leaves that field at its default, so a stale or hand-edited file never stops
the program.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from gmm_desktop.core.em import EMSettings
from gmm_desktop.core.models import COVARIANCE_TYPES
from gmm_desktop.core.paint import Brush
from gmm_desktop.core.samplers.rwmh import SamplerSettings
from gmm_desktop.core.selection import SelectionSettings


@dataclass(frozen=True)
class ExactDraws:
    """How many independent draws of the target "Draw" makes (they replace the points)."""

    n_points: int = 1000

    def __post_init__(self) -> None:
        if isinstance(self.n_points, bool) or not isinstance(self.n_points, int) or self.n_points < 1:
            raise ValueError(f"n_points must be an integer >= 1, got {self.n_points!r}")


@dataclass(frozen=True)
class Settings:
    """Every job's settings: one record per kind (`KINDS`), replaced whole when a field changes."""

    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    exact: ExactDraws = field(default_factory=ExactDraws)
    fit: EMSettings = field(default_factory=EMSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    brush: Brush = field(default_factory=Brush)

    def of(self, kind: str) -> Any:
        return getattr(self, kind)

    def with_kind(self, kind: str, value: Any) -> Settings:
        return replace(self, **{kind: value})


KINDS = tuple(f.name for f in fields(Settings))


# ---------------------------------------------------------------------------------------------- values
def _seed_text(seed: int | None) -> str:
    return "" if seed is None else str(seed)


def _seed(value: object) -> int | None:
    text = str(value).strip()
    return None if not text else int(text)


def _int(value: object) -> int:
    return int(float(str(value)))


def _float(value: object) -> float:
    number = float(str(value))
    if not math.isfinite(number):
        raise ValueError(number)
    return number


def _bool(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1")


@dataclass(frozen=True)
class Saved:
    """One saved value: its `key` in the file, the record's `attribute`, and how to write and read it."""

    key: str
    attribute: str
    write: Callable[[Any], Any] = lambda value: value
    read: Callable[[object], Any] = str


SAVED: dict[str, tuple[tuple[str, Saved], ...]] = {
    # (section, entry): a section is the panel's name in files ("sampler/steps" in QSettings)
    "sampler": (
        ("sampler", Saved("steps", "n_steps", read=_int)),
        ("sampler", Saved("thin", "thin", read=_int)),
        ("sampler", Saved("burn_in", "burn_in", read=_int)),
        ("sampler", Saved("step_size", "step_size", read=_float)),
        ("sampler", Saved("chains", "n_chains", read=_int)),
        ("sampler", Saved("seed", "seed", _seed_text, _seed)),
    ),
    "exact": (("sampler", Saved("exact_points", "n_points", read=_int)),),
    "fit": (
        ("fit", Saved("n_components", "n_components", read=_int)),
        ("fit", Saved("covariance_type", "covariance_type")),
        ("fit", Saved("init", "init")),
        ("fit", Saved("n_init", "n_init", read=_int)),
        ("fit", Saved("tol", "tol", read=_float)),
        ("fit", Saved("max_iter", "max_iter", read=_int)),
        ("fit", Saved("reg_covar", "reg_covar", read=_float)),
        ("fit", Saved("stopping", "stopping")),
        ("fit", Saved("reg_scale", "reg_scale")),
        ("fit", Saved("seed", "seed", _seed_text, _seed)),
        ("fit", Saved("bayesian", "bayesian", read=_bool)),
    ),
    "selection": (
        ("selection", Saved("k_min", "k_min", read=_int)),
        ("selection", Saved("k_max", "k_max", read=_int)),
        ("selection", Saved("criterion", "criterion")),
        ("selection", Saved("n_init", "n_init", read=_int)),
        ("selection", Saved("seed", "seed", _seed_text, _seed)),
        ("selection", Saved("init", "init")),
        ("selection", Saved("tol", "tol", read=_float)),
        ("selection", Saved("max_iter", "max_iter", read=_int)),
        ("selection", Saved("reg_covar", "reg_covar", read=_float)),
    ),
    "brush": (
        ("paint", Saved("radius", "radius", read=_float)),
        ("paint", Saved("points", "points", read=_int)),
    ),
}
"""What each kind saves, under which key of which section. Fields that are not one value per key
(the selection's covariance models, the brush's class) are saved by `to_saved` / `from_saved` below:
one tick per model of the registry, `type_<name>` (type_full ... type_VVE); a file written when
there were four models lacks the others' keys, and those keep the default (ticked)."""


def section_of(kind: str) -> str:
    """The section (panel name) a kind's values are saved under."""
    return SAVED[kind][0][0]


def to_saved(kind: str, record: Any) -> dict[str, Any]:
    """The kind's record as a flat dict of JSON values, keyed as files store them."""
    values = {entry.key: entry.write(getattr(record, entry.attribute)) for _, entry in SAVED[kind]}
    if kind == "selection":
        values.update({f"type_{name}": name in record.covariance_types for name in COVARIANCE_TYPES})
    elif kind == "brush":
        values.update({"class": 0 if record.label is None else record.label, "no_class": record.label is None})
    return values


def from_saved(kind: str, values: Mapping[str, object], default: Any) -> Any:
    """`default` with every readable value of `values` put in; unreadable ones are skipped."""
    record = default
    for _, entry in SAVED[kind]:
        record = _put(record, entry.attribute, values.get(entry.key), entry.read)
    if kind == "selection":
        ticks = {name: values.get(f"type_{name}") for name in COVARIANCE_TYPES}
        kept = record.covariance_types
        types = tuple(name for name, tick in ticks.items() if (name in kept if tick is None else _bool(tick)))
        record = _put(record, "covariance_types", types, tuple)
    elif kind == "brush" and values.get("no_class") is not None:
        label = None if _bool(values["no_class"]) else values.get("class", 0)
        record = _put(record, "label", label, lambda v: None if v is None else _int(v))
    return record


def _put(record: Any, attribute: str, value: object, read: Callable[[object], Any]) -> Any:
    if value is None:
        return record
    try:
        return replace(record, **{attribute: read(value)})
    except (TypeError, ValueError, OverflowError):
        return record


def settings_to_sections(settings: Settings, kinds: tuple[str, ...] = KINDS) -> dict[str, dict[str, Any]]:
    """{section: {key: value}} for `kinds` (a session stores the sampler, fit and selection panels)."""
    sections: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        sections.setdefault(section_of(kind), {}).update(to_saved(kind, settings.of(kind)))
    return sections


def settings_from_sections(sections: Mapping[str, object], default: Settings | None = None) -> Settings:
    """Settings read leniently from {section: {key: value}}; sections that are not dicts are ignored."""
    settings = default or Settings()
    for kind in KINDS:
        values = sections.get(section_of(kind))
        if isinstance(values, Mapping):
            settings = settings.with_kind(kind, from_saved(kind, values, settings.of(kind)))
    return settings
