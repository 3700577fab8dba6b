"""Session records as JSON plus .npy members, encoded and decoded by walking their type hints.

Every record a session holds (its own and the core's: `Mixture`, `SamplerSettings`, `ChainState`,
`EMSettings`, `Candidate`, `EMResult`, ...) is a dataclass or NamedTuple with type hints. Walking the
hints instead of hand-writing an encoder and a decoder per type keeps the file format and the types
in step, and gives every error its field path (`fit.settings.n_components`) for free. The price: a
field added to, renamed in or removed from one of those types changes the format, so
tests/core/test_session.py pins `saved_fields` of each of them; such a change fails that test and
has to come with a version bump (or a rule that reads older files) on purpose.

Rules: arrays become `{"npy": member}`, an .npy member named after the field path (float64, or
int64 for the fields in `INT_ARRAY_FIELDS`; read back with allow_pickle=False); floats become JSON
numbers (Python writes repr, which reads back bit for bit) or "nan", "inf", "-inf" (a NaN other
than the usual one becomes "nan:0x" and its 16 hex digits); ints, bools, strings and None are
JSON's own; tuples become lists; records become objects keyed by field name; `dict` fields (view
state, rng_state) are copied as JSON. Unknown keys are ignored; missing ones are errors. Decoded
arrays are read-only, as the core's records keep theirs.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import struct
import types
import typing
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from gmm_desktop.core.em import EMResult, EMSettings
from gmm_desktop.core.io.session_checks import CHECKS
from gmm_desktop.core.selection import Candidate

SAVED = "saved"
"""Field metadata key: `{SAVED: False}` marks a field recomputed on load rather than stored."""
INT_ARRAY_FIELDS = frozenset({"n_accepted", "chain_ids", "labels"})
"""Array fields holding int64; every other array field holds float64."""
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_NAN_BITS = struct.unpack("<Q", struct.pack("<d", math.nan))[0]
_NAN_PAYLOAD = re.compile(r"nan:0x[0-9a-f]{16}")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same session always gives the same bytes
_ZIP64_ABOVE = 2**31 - 2**16  # members this large need ZIP64 headers, which must be asked for up front

ADDED_FIELDS: dict[tuple[type, str], tuple[int, Any]] = {
    (EMSettings, "stopping"): (2, "absolute"),
    (EMSettings, "reg_scale"): (2, "absolute"),
    (EMSettings, "prior"): (2, "none"),
    (EMResult, "classification_cost"): (2, math.nan),
    (Candidate, "warning"): (2, ""),
}
"""Fields a session version added: (record, field) -> (version, the value a file older than that
version means). Version 2 (mclust's model family) added the stopping rule and the ridge's scale (a
version-1 fit used scikit-learn's absolute ones), the prior (a version-1 fit had none), the hard
classification cost that ICL now uses (unknown for a version-1 fit: its ICL reads as not
available) and the candidates' warnings."""

PutArray = Callable[[str, np.ndarray], None]
GetArray = Callable[[str], np.ndarray]


class FieldError(ValueError):
    """A value that cannot be stored or was stored wrongly; `field` is its path in the session."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


# ---------------------------------------------------------------------------------------------- values
def value_key(value: Any) -> Any:
    """A hashable key, equal for two values exactly when they are equal bit for bit.

    The core's records compare by identity (`Mixture`, `ChainState`, `EMResult`) or by float `==`
    (where NaN != NaN), so neither can say "this session reads back exactly as it was saved".
    """
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return ("float", struct.pack("<d", float(value)))
    if dataclasses.is_dataclass(value):
        items = tuple((f.name, value_key(getattr(value, f.name))) for f in dataclasses.fields(value) if f.compare)
        return (type(value).__name__, items)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), value_key(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("sequence", tuple(value_key(v) for v in value))
    return value


def json_copy(value: Any, field: str) -> Any:
    """A deep copy made of JSON types only (tuples become lists), as it will read back from a file."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise FieldError(field, f"must hold only JSON values (no NaN or infinity): {exc}") from None


def saved_fields(record: type) -> tuple[str, ...]:
    """The field names a record type stores, in order."""
    if dataclasses.is_dataclass(record):
        return tuple(f.name for f in dataclasses.fields(record) if f.init and f.metadata.get(SAVED, True))
    return tuple(record._fields)


@functools.cache
def _hints(record: type) -> dict[str, Any]:
    return typing.get_type_hints(record)


def _is_record(hint: Any) -> bool:
    return isinstance(hint, type) and (
        dataclasses.is_dataclass(hint) or (issubclass(hint, tuple) and hasattr(hint, "_fields"))
    )


def _split_optional(hint: Any) -> tuple[Any, bool]:
    """(T, True) for `T | None`, (hint, False) otherwise."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(others) == 1:
            return others[0], True
    return hint, False


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _array_dtype(path: str) -> np.dtype:
    return np.dtype(np.int64 if path.rsplit(".", 1)[-1] in INT_ARRAY_FIELDS else np.float64)


# ---------------------------------------------------------------------------------------------- encode
def encode(value: Any, hint: Any, path: str, put: PutArray) -> Any:
    """The JSON form of `value` declared as `hint`; arrays go to `put(member, array)`."""
    hint, optional = _split_optional(hint)
    if value is None:
        if optional:
            return None
        raise FieldError(path, "must not be None")
    if hint is np.ndarray:
        return _encode_array(value, path, put)
    if hint is float:
        return _encode_float(value, path)
    if hint in (int, bool, str):
        return _check_plain(value, hint, path, _describe_python)
    if hint is dict or typing.get_origin(hint) is dict:
        return json_copy(value, path)
    if _is_record(hint):
        if not isinstance(value, hint):
            raise FieldError(path, f"expected a {hint.__name__}, got {type(value).__name__}")
        return {
            name: encode(getattr(value, name), _hints(hint)[name], _child(path, name), put)
            for name in saved_fields(hint)
        }
    if typing.get_origin(hint) is tuple:
        items = _tuple_items(hint, len(value), path)
        return [encode(v, item, f"{path}[{i}]", put) for i, (v, item) in enumerate(zip(value, items))]
    raise TypeError(f"the session format has no rule for {hint!r} (field {path})")


def _encode_array(value: Any, path: str, put: PutArray) -> dict[str, str]:
    array, dtype = np.asarray(value), _array_dtype(path)
    if array.dtype != dtype:
        raise FieldError(path, f"must be a {dtype} array, got {array.dtype}")
    member = f"{path}.npy"
    put(member, array)
    return {"npy": member}


def _encode_float(value: Any, path: str) -> int | float | str:
    """Ints stay ints (a setting given as 0 reads back as 0); infinities become "inf" and "-inf", the
    usual NaN "nan" and any other NaN "nan:" and its bits in hex, so even a NaN payload reads back."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if not isinstance(value, float | np.floating):
        raise FieldError(path, f"expected a number, got {_describe_python(value)}")
    number = float(value)
    if math.isfinite(number):
        return number
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    bits = struct.unpack("<Q", struct.pack("<d", number))[0]
    return "nan" if bits == _NAN_BITS else f"nan:{bits:#018x}"


def _describe_python(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.60}"


# ---------------------------------------------------------------------------------------------- decode
def decode(node: Any, hint: Any, path: str, get: GetArray, version: int | None = None) -> Any:
    """The value declared as `hint` from its JSON form; arrays come from `get(member)`. version: the
    file's session version (None: the current one), for the fields it predates (`ADDED_FIELDS`)."""
    hint, optional = _split_optional(hint)
    if node is None:
        if optional:
            return None
        raise FieldError(path, f"expected {_expected(hint)}, got null")
    if hint is np.ndarray:
        return _decode_array(node, path, get)
    if hint is float:
        return _decode_float(node, path)
    if hint in (int, bool, str):
        return _check_plain(node, hint, path, _describe_json)
    if hint is dict or typing.get_origin(hint) is dict:
        if not isinstance(node, dict):
            raise FieldError(path, f"expected a JSON object, got {_describe_json(node)}")
        return node
    if _is_record(hint):
        return _decode_record(node, hint, path, get, version)
    if typing.get_origin(hint) is tuple:
        if not isinstance(node, list):
            raise FieldError(path, f"expected a list, got {_describe_json(node)}")
        items = _tuple_items(hint, len(node), path)
        return tuple(decode(v, item, f"{path}[{i}]", get, version) for i, (v, item) in enumerate(zip(node, items)))
    raise TypeError(f"the session format has no rule for {hint!r} (field {path})")


def _decode_record(node: Any, record: type, path: str, get: GetArray, version: int | None) -> Any:
    if not isinstance(node, dict):
        raise FieldError(path, f"expected a JSON object, got {_describe_json(node)}")
    values = {}
    for name in saved_fields(record):
        if name not in node:
            added, older = ADDED_FIELDS.get((record, name), (None, None))
            if added is None or version is None or version >= added:
                raise FieldError(_child(path, name), "this field is missing")
            values[name] = older
            continue
        values[name] = decode(node[name], _hints(record)[name], _child(path, name), get, version)
    try:
        value = record(**values)
        CHECKS.get(record, lambda _: None)(value)
    except (ValueError, TypeError) as exc:  # MixtureError and the settings' own checks are ValueErrors
        raise FieldError(path or "session", str(exc)) from None
    return value


def _decode_array(node: Any, path: str, get: GetArray) -> np.ndarray:
    if not (isinstance(node, dict) and isinstance(node.get("npy"), str)):
        raise FieldError(path, f'expected {{"npy": member name}}, got {_describe_json(node)}')
    member, dtype = node["npy"], _array_dtype(path)
    array = get(member)
    if array.dtype != dtype:
        raise FieldError(path, f"member {member} holds {array.dtype} values; expected {dtype}")
    return array


def _decode_float(node: Any, path: str) -> int | float:
    if isinstance(node, int | float) and not isinstance(node, bool):
        return node
    if isinstance(node, str) and node in _NON_FINITE:
        return _NON_FINITE[node]
    if isinstance(node, str) and _NAN_PAYLOAD.fullmatch(node):
        number = struct.unpack("<d", struct.pack("<Q", int(node[4:], 16)))[0]
        if math.isnan(number):
            return number
    raise FieldError(path, f'expected a number (or "nan", "inf", "-inf"), got {_describe_json(node)}')


def _check_plain(value: Any, kind: type, path: str, describe: Callable[[Any], str]) -> Any:
    """`value` as an int, bool or str (numpy scalars accepted), or FieldError; bools are not ints."""
    numpy_kind = {int: np.integer, bool: np.bool_, str: str}[kind]
    if isinstance(value, kind | numpy_kind) and (kind is bool or not isinstance(value, bool | np.bool_)):
        return kind(value)
    raise FieldError(path, f"expected {_expected(kind)}, got {describe(value)}")


def _tuple_items(hint: Any, length: int, path: str) -> list[Any]:
    args = typing.get_args(hint)
    if len(args) == 2 and args[1] is Ellipsis:
        return [args[0]] * length
    if length != len(args):
        raise FieldError(path, f"expected {len(args)} items, got {length}")
    return list(args)


def _expected(hint: Any) -> str:
    names = {int: "an integer", float: "a number", bool: "true or false", str: "a string", np.ndarray: "an array"}
    return names.get(hint, "a JSON object" if _is_record(hint) or hint is dict else "a list")


def _describe_json(node: Any) -> str:
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, str):
        return f"the string {node!r:.60}"
    if isinstance(node, int | float):
        return f"the number {node!r}"
    return "a list" if isinstance(node, list) else "an object"


# ---------------------------------------------------------------------------------------------- archive
def _member_info(name: str, compress_type: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    return info


def write_array(archive: zipfile.ZipFile, member: str, array: np.ndarray) -> None:
    """Stream `array` into the archive as an uncompressed .npy member (floats hardly compress)."""
    with archive.open(_member_info(member), "w", force_zip64=array.nbytes > _ZIP64_ABOVE) as out:
        np.lib.format.write_array(typing.cast(BinaryIO, out), array, allow_pickle=False)


def write_json(archive: zipfile.ZipFile, member: str, document: dict[str, Any]) -> None:
    text = json.dumps(document, indent=1, allow_nan=False)
    archive.writestr(_member_info(member, zipfile.ZIP_DEFLATED), text.encode("utf-8"))


def read_array(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    """A read-only array from an .npy member, or FieldError naming the member."""
    try:
        with archive.open(member) as handle:
            array = np.lib.format.read_array(handle, allow_pickle=False)
    except KeyError:
        raise FieldError(member, "this array member is missing from the archive") from None
    except (
        ValueError,
        OSError,
        EOFError,
        MemoryError,
        NotImplementedError,
        RuntimeError,
        zipfile.BadZipFile,
        zlib.error,
    ) as exc:  # RuntimeError: a member flagged encrypted (zipfile wants a password)
        raise FieldError(member, f"is not a readable .npy array ({exc})") from None
    array.setflags(write=False)
    return array
