"""Session files: bit-exact round trips, file-source checks, clear errors, atomic saves."""

from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gmm_desktop.core.em import EMResult, EMSettings, GaussianParams, RestartSummary, em_steps, fit
from gmm_desktop.core.io import atomic
from gmm_desktop.core.io.atomic import AtomicWriteError
from gmm_desktop.core.io.session import (
    ORIGINS,
    SESSION_VERSION,
    FileSource,
    SavedData,
    SavedFit,
    SavedModel,
    SavedSampler,
    Session,
    SessionError,
    check_source,
    file_sha256,
    load_session,
    save_session,
)
from gmm_desktop.core.io.session_codec import saved_fields
from gmm_desktop.core.mixture import Mixture, article_demo
from gmm_desktop.core.samplers.rwmh import ChainState, SamplerSettings, run_sampler
from gmm_desktop.core.selection import Candidate, best, sweep

NAME = "work.gmmsession"


def _bits(array: np.ndarray) -> np.ndarray:
    """The raw bits of a float64 array, so -0.0 != 0.0 and NaN == NaN."""
    return np.ascontiguousarray(array).view(np.uint64)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------------------------------------- strategies
any_float = st.floats(width=64)  # NaN, infinities, subnormals, -0.0
finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
json_dicts = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@st.composite
def mixtures(draw: st.DrawFn, n_components: int | None = None) -> Mixture:
    k = n_components or draw(st.integers(1, 4))
    weights = draw(arrays(np.float64, k, elements=st.floats(1e-300, 1e300)))
    means = draw(arrays(np.float64, (k, 2), elements=st.floats(-1e300, 1e300)))
    a = draw(arrays(np.float64, (k, 2, 2), elements=st.floats(-1e3, 1e3)))
    scale = draw(st.floats(1e-100, 1e100))
    return Mixture(weights, means, (a @ np.swapaxes(a, 1, 2) + np.eye(2)) * scale)


@st.composite
def datasets(draw: st.DrawFn) -> SavedData:
    n = draw(st.integers(0, 12))
    origin = draw(st.sampled_from(ORIGINS))
    int_column = st.none() | arrays(np.int64, n)
    source = None
    if origin == "file":
        source = FileSource(
            "/no/such/folder/" + draw(st.text(min_size=1, max_size=20)),
            draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
            draw(st.tuples(st.text(max_size=6), st.text(max_size=6))),
            draw(st.none() | st.text(max_size=6)),
            draw(st.sampled_from([None, ",", ";", "\t", " "])),
            draw(st.sampled_from([None, ".", ","])),
            draw(st.none() | st.booleans()),
        )
    return SavedData(
        points=draw(arrays(np.float64, (n, 2), elements=any_float)),
        origin=origin,
        columns=draw(st.tuples(st.text(max_size=6), st.text(max_size=6))),
        display=draw(st.tuples(st.integers(0, 1), st.integers(0, 1))),
        chain_ids=draw(int_column),
        labels=draw(int_column),
        mixture=draw(st.none() | mixtures()),
        source=source,
    )


@st.composite
def samplers(draw: st.DrawFn) -> SavedSampler:
    n_chains = draw(st.integers(1, 3))
    start_shape = draw(st.sampled_from([None, (2,), (n_chains, 2)]))
    sampler_settings = SamplerSettings(
        n_steps=draw(st.integers(1, 10**6)),
        thin=draw(st.integers(1, 50)),
        burn_in=draw(st.integers(0, 1000)),
        step_size=draw(st.floats(1e-300, 1e300)),
        proposal_cov=draw(st.none() | st.just(np.array([[2.0, 0.3], [0.3, 0.5]]))),
        n_chains=n_chains,
        seed=draw(st.none() | st.integers(0, 2**64)),
        start=None if start_shape is None else draw(arrays(np.float64, start_shape, elements=finite)),
        batch_steps=draw(st.integers(1, 5000)),
    )
    state = None
    if draw(st.booleans()):
        state = ChainState(
            positions=draw(arrays(np.float64, (n_chains, 2), elements=any_float)),
            log_density=draw(arrays(np.float64, n_chains, elements=any_float)),
            rng_state=np.random.default_rng(draw(st.integers(0, 2**64))).bit_generator.state,
            steps_done=draw(st.integers(0, 10**9)),
            n_accepted=draw(arrays(np.int64, n_chains, elements=st.integers(0, 10**9))),
            n_proposed=draw(st.integers(0, 10**9)),
        )
    return SavedSampler(draw(st.none() | st.just(sampler_settings)), state, draw(any_float), draw(st.floats(0.0, 1.0)))


@st.composite
def fits(draw: st.DrawFn) -> SavedFit:
    given_mixture = draw(st.none() | mixtures())
    em_settings = EMSettings(
        n_components=given_mixture.n_components if given_mixture else draw(st.integers(1, 4)),
        covariance_type=draw(st.sampled_from(["full", "tied", "diag", "spherical"])),
        tol=draw(st.floats(0.0, 1e300) | st.just(0)),
        reg_covar=draw(st.floats(0.0, 1.0)),
        max_iter=draw(st.integers(0, 1000)),
        n_init=draw(st.integers(1, 5)),
        init="given" if given_mixture else draw(st.sampled_from(["k-means++", "kmeans", "random"])),
        seed=draw(st.none() | st.integers(0, 2**32 - 1)),
        bayesian=False if given_mixture else draw(st.booleans()),
        init_params=given_mixture,
        init_subsample=draw(st.integers(2, 10**6)),
        backend=draw(st.sampled_from(["auto", "numba", "numpy"])),
        n_threads=draw(st.integers(0, 8)),
    )
    model = SavedModel(
        draw(mixtures()),
        draw(st.sampled_from(["full", "tied", "diag", "spherical"])),
        tuple(draw(st.lists(any_float, max_size=6))),
        draw(st.integers(0, 1000)),
        draw(st.booleans()),
    )
    return SavedFit(draw(st.none() | st.just(em_settings)), draw(st.none() | st.just(model)))


failed_candidates = st.builds(
    Candidate,
    st.integers(1, 10),
    st.sampled_from(["full", "tied", "diag", "spherical"]),
    any_float,
    any_float,
    any_float,
    any_float,
    st.booleans(),
    st.text(max_size=20),
    st.none(),
)

sessions = st.builds(
    Session,
    target=mixtures(),
    target_name=st.text(max_size=20),
    sampler=samplers(),
    data=st.none() | datasets(),
    fit=fits(),
    selection=st.lists(failed_candidates, max_size=3).map(tuple),
    view=json_dicts,
    panels=json_dicts,
)


# ---------------------------------------------------------------------------------------------- round trips
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(session=sessions)
def test_round_trip_is_exact(tmp_path_factory: pytest.TempPathFactory, session: Session) -> None:
    path = tmp_path_factory.mktemp("session") / NAME
    save_session(path, session)
    loaded = load_session(path)
    assert loaded == session
    np.testing.assert_array_equal(_bits(loaded.target.covariances), _bits(session.target.covariances))
    if session.data is not None:
        np.testing.assert_array_equal(_bits(loaded.data.points), _bits(session.data.points))
        assert not loaded.data.points.flags.writeable
        assert loaded.data.source_status == ("missing" if session.data.origin == "file" else None)
    assert loaded.view == session.view
    assert loaded.panels == session.panels


def test_same_session_gives_the_same_bytes(tmp_path: Path) -> None:
    session = Session(article_demo(), "demo", view={"rect": [0.0, 1.5, -2.0, 3.0]})
    save_session(tmp_path / "a.gmmsession", session)
    save_session(tmp_path / "b.gmmsession", session)
    assert (tmp_path / "a.gmmsession").read_bytes() == (tmp_path / "b.gmmsession").read_bytes()


def test_non_finite_scalars_are_strings_in_the_manifest(tmp_path: Path) -> None:
    failed = Candidate(2, "tied", math.nan, math.inf, -math.inf, math.inf, True, "fit failed: test", None)
    session = Session(article_demo(), selection=(failed,))
    save_session(tmp_path / NAME, session)
    with zipfile.ZipFile(tmp_path / NAME) as archive:
        manifest = json.loads(archive.read("session.json"), parse_constant=lambda name: pytest.fail(name))
    assert manifest["format"] == "gmm_desktop.session"
    assert manifest["version"] == SESSION_VERSION
    assert manifest["sampler"]["acceptance_rate"] == "nan"
    assert [manifest["selection"][0][key] for key in ("log_likelihood", "bic", "aic")] == ["nan", "inf", "-inf"]
    assert load_session(tmp_path / NAME).selection[0].aic == -math.inf


def test_nan_payloads_survive(tmp_path: Path) -> None:
    """JSON has no NaN: an unusual one is written with its bits, and they read back."""
    odd = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000123))[0]
    save_session(tmp_path / NAME, Session(article_demo(), sampler=SavedSampler(acceptance_rate=odd)))
    again = load_session(tmp_path / NAME).sampler.acceptance_rate
    assert struct.pack("<d", again) == struct.pack("<d", odd)
    _rewrite(tmp_path / NAME, _set("sampler", "acceptance_rate", value="nan:0x7ff0000000000000"))  # infinity
    with pytest.raises(SessionError, match=r"sampler\.acceptance_rate: expected a number"):
        load_session(tmp_path / NAME)


def test_real_run_round_trip(tmp_path: Path) -> None:
    """Sample, fit, sweep, save, load: equal bit for bit, and Continue resumes the same chains."""
    target = article_demo()
    sampler_settings = SamplerSettings(n_steps=600, thin=2, n_chains=4, batch_steps=100, seed=3)
    run = run_sampler(target, sampler_settings)
    batches = [next(run), next(run)]
    points = np.concatenate([b.samples for b in batches])
    chain_ids = np.concatenate([b.chain_ids for b in batches])
    em_settings = EMSettings(2, init="given", init_params=target, backend="numpy")
    steps = em_steps(points, em_settings)
    trace = [next(steps).log_likelihood for _ in range(3)]
    result = fit(points, em_settings)
    model = SavedModel(result.mixture, result.covariance_type, tuple(trace), len(trace), False)
    candidates = tuple(sweep(points, range(1, 4), ("full", "diag"), EMSettings(backend="numpy")))
    failed = Candidate(2, "tied", math.nan, math.inf, math.inf, math.inf, True, "fit failed: test", None)
    session = Session(
        target,
        "Article demo",
        SavedSampler(sampler_settings, batches[-1].state, batches[-1].acceptance_rate, batches[-1].progress),
        SavedData(points, "mcmc", ("x", "y"), chain_ids=chain_ids, labels=target.predict(points), mixture=target),
        SavedFit(em_settings, model),
        (*candidates, failed),
        view={"rect": [-4.0, -3.0, 8.0, 7.5], "layers": {"contours": True}},
        panels={"fit": {"k": 2}},
    )
    save_session(tmp_path / NAME, session)
    loaded = load_session(tmp_path / NAME)

    assert loaded == session
    assert len(loaded.selection) == 7
    for again, original in zip(loaded.selection[:-1], candidates):
        assert isinstance(again.result, EMResult)
        assert again.result.bic == original.result.bic == again.bic  # recomputed from the stored result
        assert again.result.restarts == original.result.restarts
        np.testing.assert_array_equal(
            _bits(again.result.mixture.covariances), _bits(original.result.mixture.covariances)
        )
        assert again.criterion("icl") == original.criterion("icl")
    assert loaded.selection.index(best(loaded.selection)) == candidates.index(best(candidates))
    assert loaded.selection[-1].result is None
    assert math.isnan(loaded.selection[-1].log_likelihood)
    np.testing.assert_array_equal(_bits(loaded.fit.model.mixture.means), _bits(result.mixture.means))
    assert loaded.fit.model.log_likelihoods == tuple(trace)

    resumed = next(run_sampler(loaded.target, loaded.sampler.settings, loaded.sampler.state))
    expected = next(run)
    np.testing.assert_array_equal(_bits(resumed.samples), _bits(expected.samples))
    np.testing.assert_array_equal(resumed.state.n_accepted, expected.state.n_accepted)


# ---------------------------------------------------------------------------------------------- file sources
def _file_session(csv: Path) -> Session:
    points = np.array([[1.5, 2.0], [3.25, -1.0]])
    source = FileSource(str(csv), file_sha256(csv), ("a", "b"), label_column="c", delimiter=";", has_header=True)
    return Session(article_demo(), data=SavedData(points, "file", ("a", "b"), display=(1, 0), source=source))


def test_file_source_same_changed_missing(tmp_path: Path) -> None:
    csv = tmp_path / "points.csv"
    csv.write_text("a;b;c\n1.5;2;0\n3.25;-1;1\n")
    session = _file_session(csv)
    save_session(tmp_path / NAME, session)

    loaded = load_session(tmp_path / NAME)
    assert loaded.data.source_status == "same"
    assert loaded.data.source == session.data.source
    csv.write_text("a;b;c\n1.5;2;0\n3.25;-1;2\n")
    assert load_session(tmp_path / NAME).data.source_status == "changed"
    assert check_source(loaded.data) == "changed"
    csv.unlink()
    missing = load_session(tmp_path / NAME)
    assert missing.data.source_status == "missing"
    np.testing.assert_array_equal(missing.data.points, session.data.points)  # embedded: still opens
    assert missing == session  # the status is not part of what was saved


def test_impossible_source_path_is_missing() -> None:
    source = FileSource("points\x00.csv", "0" * 64, ("a", "b"))
    assert check_source(SavedData(np.zeros((1, 2)), "file", ("a", "b"), source=source)) == "missing"


def test_file_sha256_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_check_source_needs_file_data() -> None:
    data = SavedData(np.zeros((1, 2)), "painted", ("x", "y"))
    with pytest.raises(ValueError, match="painted data has no source"):
        check_source(data)


# ---------------------------------------------------------------------------------------------- bad files
@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a small valid session with data, a fit, a sampler state and a candidate."""
    target = article_demo()
    points, labels = target.sample(60, 0)
    sampler_settings = SamplerSettings(n_steps=20, n_chains=2, batch_steps=10)
    batch = next(run_sampler(target, sampler_settings))
    em_settings = EMSettings(2, backend="numpy")
    result = fit(points, em_settings)
    session = Session(
        target,
        "demo",
        SavedSampler(sampler_settings, batch.state, batch.acceptance_rate, batch.progress),
        SavedData(points, "exact", ("x", "y"), labels=labels, mixture=target),
        SavedFit(em_settings, SavedModel(result.mixture, "full", result.lower_bounds, result.n_iter, True)),
        tuple(sweep(points, [2], ["full"], em_settings)),
    )
    path = tmp_path_factory.mktemp("reference") / NAME
    save_session(path, session)
    return path.read_bytes()


def _as_version_1(document: dict) -> None:
    """What version 1 wrote: no stopping rule or ridge scale, no classification cost, no warnings."""
    document["version"] = 1
    del document["fit"]["settings"]["stopping"], document["fit"]["settings"]["reg_scale"]
    for candidate in document["selection"]:
        del candidate["warning"], candidate["result"]["classification_cost"]


def test_a_version_1_session_opens_with_the_rules_it_was_made_with(tmp_path: Path, reference: bytes) -> None:
    path = tmp_path / NAME
    path.write_bytes(reference)
    current = load_session(path)
    _rewrite(path, _as_version_1)
    older = load_session(path)
    assert (older.fit.settings.stopping, older.fit.settings.reg_scale) == ("absolute", "absolute")
    (candidate,) = older.selection
    assert candidate.warning == "" and math.isnan(candidate.result.classification_cost)
    assert candidate.bic == current.selection[0].bic and math.isnan(candidate.result.icl)
    np.testing.assert_array_equal(older.data.points, current.data.points)
    _rewrite(path, _delete("fit", "settings", "tol"))
    with pytest.raises(SessionError, match=r"fit\.settings\.tol: this field is missing"):
        load_session(path)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _rewrite(
    path: Path,
    edit: Callable[[dict], object] | None = None,
    members: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> None:
    """Rewrite the session at `path` with its manifest edited, members replaced or dropped."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(entries["session.json"])
    if edit is not None:
        edit(document)
    entries["session.json"] = json.dumps(document).encode()
    entries.update(members or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            if name not in drop:
                archive.writestr(name, data)


def _set(*keys: str | int, value: object) -> Callable[[dict], None]:
    def edit(document: dict) -> None:
        node = document
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


def _delete(*keys: str) -> Callable[[dict], None]:
    def edit(document: dict) -> None:
        node = document
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return edit


def _only_member(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.points.npy", _npy(np.zeros((2, 2))))


def _manifest_text(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("session.json", text)

    return write


BAD_FILES = {
    "empty file": (lambda p: p.write_bytes(b""), ["not a gmm_desktop session (not a ZIP archive)"]),
    "random bytes": (
        lambda p: p.write_bytes(np.random.default_rng(0).bytes(2000)),
        ["not a gmm_desktop session (not a ZIP archive)"],
    ),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:-300]), ["not a ZIP archive"]),
    "no manifest": (_only_member, ["has no session.json manifest"]),
    "manifest not JSON": (_manifest_text("{oops"), ["session.json: not valid JSON", "line 1"]),
    "manifest not an object": (_manifest_text("[1, 2]"), ["session.json: expected a JSON object"]),
    "wrong format": (
        lambda p: _rewrite(p, _set("format", value="gmm_desktop.model")),
        ["is not a gmm_desktop session", "'gmm_desktop.model'"],
    ),
    "newer version": (
        lambda p: _rewrite(p, _set("version", value=3)),
        [
            "was written by a newer gmm_desktop (session version 3; this version reads up to 2). "
            "Update gmm_desktop to open it."
        ],
    ),
    "version not an integer": (lambda p: _rewrite(p, _set("version", value="1")), ["version: expected a session"]),
    "missing field": (
        lambda p: _rewrite(p, _delete("fit", "settings", "n_components")),
        ["fit.settings.n_components: this field is missing"],
    ),
    "wrong type": (
        lambda p: _rewrite(p, _set("fit", "settings", "n_components", value="two")),
        ["fit.settings.n_components: expected an integer, got the string 'two'"],
    ),
    "bool for an integer": (
        lambda p: _rewrite(p, _set("sampler", "settings", "thin", value=True)),
        ["sampler.settings.thin: expected an integer, got true"],
    ),
    "invalid setting": (
        lambda p: _rewrite(p, _set("fit", "settings", "n_components", value=0)),
        ["fit.settings: n_components must be an integer >= 1"],
    ),
    "wrong float": (
        lambda p: _rewrite(p, _set("sampler", "progress", value="half")),
        ["sampler.progress: expected a number", "'half'"],
    ),
    "bad origin": (
        lambda p: _rewrite(p, _set("data", "origin", value="stolen")),
        ["data: origin must be one of", "'stolen'"],
    ),
    "display of one column": (
        lambda p: _rewrite(p, _set("data", "display", value=[0])),
        ["data.display: expected 2 items, got 1"],
    ),
    "array node not a reference": (
        lambda p: _rewrite(p, _set("data", "points", value=[[1.0, 2.0]])),
        ['data.points: expected {"npy": member name}'],
    ),
    "array of the wrong shape": (
        lambda p: _rewrite(p, members={"data.points.npy": _npy(np.zeros(60))}),
        ["data: points must have shape (N, D), got (60,)"],
    ),
    "labels of the wrong length": (
        lambda p: _rewrite(p, members={"data.labels.npy": _npy(np.zeros(3, np.int64))}),
        ["data: labels must be 60 integers"],
    ),
    "array of the wrong dtype": (
        lambda p: _rewrite(p, members={"data.labels.npy": _npy(np.zeros(60))}),
        ["data.labels: member data.labels.npy holds float64 values; expected int64"],
    ),
    "array member missing": (
        lambda p: _rewrite(p, drop=("data.points.npy",)),
        ["data.points.npy: this array member is missing"],
    ),
    "member not .npy": (
        lambda p: _rewrite(p, members={"data.points.npy": b"hello"}),
        ["data.points.npy: is not a readable .npy array"],
    ),
    "pickled object array": (
        lambda p: _rewrite(p, members={"data.points.npy": _npy(np.array([{"a": 1}], dtype=object))}),
        ["data.points.npy: is not a readable .npy array", "allow_pickle"],
    ),
    "negative weight": (
        lambda p: _rewrite(p, members={"target.weights.npy": _npy(np.array([-0.5, 1.5]))}),
        ["target: weight of component 1 is negative (-0.5)"],
    ),
    "mixture shapes disagree": (
        lambda p: _rewrite(p, members={"target.means.npy": _npy(np.zeros((2, 3)))}),
        ["target: covariances must have shape (2, 3, 3)"],
    ),
    "damaged generator state": (
        lambda p: _rewrite(p, _set("sampler", "state", "rng_state", "bit_generator", value="Nope")),
        ["sampler.state: rng_state is not a valid random generator state"],
    ),
    "candidate disagrees with its result": (
        lambda p: _rewrite(p, _set("selection", 0, "covariance_type", value="diag")),
        ["selection[0]: the result is a full model with 2 components, not diag with 2"],
    ),
    "raw parameters of the wrong shape": (
        lambda p: _rewrite(p, members={"selection[0].result.params.precisions_cholesky.npy": _npy(np.eye(2))}),
        ["selection[0].result.params: precisions_cholesky must have shape (2, 2, 2)"],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_session_error(tmp_path: Path, reference: bytes, case: str) -> None:
    damage, expected = BAD_FILES[case]
    path = tmp_path / NAME
    path.write_bytes(reference)
    damage(path)
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert message.startswith(NAME), message
    for part in expected:
        assert part in message, message
    assert isinstance(info.value, ValueError)


@settings(max_examples=80, deadline=None)
@given(cut=st.floats(0.0, 1.0), flip=st.floats(0.0, 1.0), bit=st.integers(0, 7))
def test_damaged_bytes_never_crash(tmp_path_factory: pytest.TempPathFactory, reference: bytes, cut, flip, bit) -> None:
    """Truncated or bit-flipped files either open or raise SessionError; nothing else escapes."""
    folder = tmp_path_factory.mktemp("damaged")
    truncated, flipped = folder / "cut.gmmsession", folder / "flip.gmmsession"
    truncated.write_bytes(reference[: int(cut * (len(reference) - 1))])
    damaged = bytearray(reference)
    damaged[int(flip * (len(reference) - 1))] ^= 1 << bit
    flipped.write_bytes(bytes(damaged))
    with pytest.raises(SessionError):
        load_session(truncated)
    try:
        load_session(flipped)
    except SessionError as error:
        message = str(error)
    else:
        message = "flip.gmmsession opened"
    assert message.startswith("flip.gmmsession")


def test_damaged_array_bytes_fail_the_checksum(tmp_path: Path, reference: bytes) -> None:
    path = tmp_path / NAME
    path.write_bytes(reference)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("data.points.npy")
    name_length, extra_length = struct.unpack("<HH", reference[info.header_offset + 26 : info.header_offset + 30])
    data_start = info.header_offset + 30 + name_length + extra_length
    damaged = bytearray(reference)
    damaged[data_start + info.file_size - 1] ^= 0x10  # the last byte of the last point
    path.write_bytes(bytes(damaged))
    with pytest.raises(SessionError, match=r"^work\.gmmsession: data\.points\.npy: .*CRC"):
        load_session(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match=r"^nope\.gmmsession does not exist$"):
        load_session(tmp_path / "nope.gmmsession")
    (tmp_path / "dir.gmmsession").mkdir()
    with pytest.raises(SessionError, match=r"^dir\.gmmsession cannot be read"):
        load_session(tmp_path / "dir.gmmsession")


# ---------------------------------------------------------------------------------------------- records
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SavedData(np.zeros((2, 2)), "file", ("x", "y")), "source must be given exactly when origin is 'file'"),
        (lambda: SavedData(np.zeros((2, 2)), "mcmc", ("x",)), "columns must name the 2 coordinates"),
        (lambda: SavedData(np.zeros((2, 2)), "mcmc", ("x", "y"), display=(0, 2)), "display must be two column"),
        (lambda: SavedData(np.zeros((2, 2)), "mcmc", ("x", "y"), labels=np.zeros(2)), "labels must be 2 integers"),
        (lambda: SavedData(np.zeros(4), "mcmc", ("x",)), r"points must have shape \(N, D\)"),
        (lambda: SavedData(np.zeros((1, 3)), "exact", ("a", "b", "c"), mixture=article_demo()), "mixture is 2-D"),
        (lambda: FileSource("a.csv", "xyz", ("a",)), "sha256 must be 64 lowercase hex digits"),
        (lambda: SavedSampler(progress=1.5), "progress must lie between 0 and 1"),
        (lambda: SavedModel(article_demo(), "round", (), 0, False), "covariance_type must be one of"),
        (lambda: Session(article_demo(), view={"zoom": math.nan}), "view: must hold only JSON values"),
        (lambda: Session(article_demo(), panels=[1]), "panels must be a dict"),
    ],
)
def test_records_check_their_fields(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_view_state_is_a_private_json_copy() -> None:
    view = {"rect": (0, 1, 2, 3), "layers": {"points": True}}
    session = Session(article_demo(), view=view)
    view["layers"]["points"] = False
    assert session.view == {"rect": [0, 1, 2, 3], "layers": {"points": True}}


def test_equality_is_bitwise() -> None:
    a = SavedData(np.array([[0.0, math.nan]]), "painted", ("x", "y"))
    assert a == SavedData(np.array([[0.0, math.nan]]), "painted", ("x", "y"))
    assert a != SavedData(np.array([[-0.0, math.nan]]), "painted", ("x", "y"))


def test_format_is_pinned() -> None:
    """The codec stores these fields by name: changing one changes the file format. If this fails,
    bump SESSION_VERSION (and teach load_session to read version-1 files), then update this list."""
    pinned = {
        Session: "target target_name sampler data fit selection view panels",
        SavedSampler: "settings state acceptance_rate progress",
        SavedData: "points origin columns display chain_ids labels mixture source",
        FileSource: "path sha256 columns label_column delimiter decimal has_header",
        SavedFit: "settings model",
        SavedModel: "mixture covariance_type log_likelihoods n_iter converged",
        Mixture: "weights means covariances",
        SamplerSettings: "n_steps thin burn_in step_size proposal_cov n_chains seed start batch_steps",
        ChainState: "positions log_density rng_state steps_done n_accepted n_proposed",
        EMSettings: "n_components covariance_type tol reg_covar max_iter n_init init seed bayesian init_params "
        "init_subsample backend n_threads stopping reg_scale prior",
        Candidate: "n_components covariance_type log_likelihood bic aic icl degenerate reason result warning",
        EMResult: "params log_likelihood lower_bound lower_bounds n_iter converged restarts best_restart n_samples "
        "counts entropy classification_cost",
        GaussianParams: "weights means covariances precisions_cholesky covariance_type",
        RestartSummary: "log_likelihood n_iter converged",
    }
    assert {record: " ".join(saved_fields(record)) for record in pinned} == pinned


# ---------------------------------------------------------------------------------------------- atomic saves
def _two_sessions() -> tuple[Session, Session]:
    first = Session(article_demo(), "first")
    return first, replace(first, target_name="second", data=SavedData(np.ones((3, 2)), "painted", ("x", "y")))


def test_read_only_folder_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _two_sessions()
    path = tmp_path / NAME
    save_session(path, first)
    old = path.read_bytes()
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # chmod does not stop root: refuse new files as the kernel does for others

        def refuse(*_args: object, **_kwargs: object) -> int:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(atomic.os, "open", refuse)
    try:
        with pytest.raises(AtomicWriteError) as info:
            save_session(path, second)
    finally:
        monkeypatch.undo()
        tmp_path.chmod(stat.S_IRWXU)
    assert isinstance(info.value, OSError)
    assert info.value.errno == errno.EACCES
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    first, second = _two_sessions()
    path = tmp_path / NAME
    save_session(path, first)
    old = path.read_bytes()

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, where, no_space)
    with pytest.raises(AtomicWriteError) as info:
        save_session(path, second)
    monkeypatch.undo()
    assert isinstance(info.value, OSError)
    assert info.value.errno == errno.ENOSPC
    assert NAME in str(info.value)
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []
    assert load_session(path) == first


def test_unsavable_value_keeps_old_file(tmp_path: Path) -> None:
    """A generator state that is not JSON (MT19937 keeps an array) fails the save, naming the field."""
    first, _ = _two_sessions()
    path = tmp_path / NAME
    save_session(path, first)
    old = path.read_bytes()
    state = ChainState(np.zeros((1, 2)), np.zeros(1), np.random.MT19937(0).state, 0, np.zeros(1, np.int64), 0)
    with pytest.raises(SessionError, match=r"^work\.gmmsession: sampler\.state\.rng_state: must hold only JSON"):
        save_session(path, replace(first, sampler=SavedSampler(state=state)))
    assert path.read_bytes() == old
    assert _leftovers(tmp_path) == []
