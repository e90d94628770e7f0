"""Plain-data encoding of the lane's frozen dataclasses (events, state, snapshots) to and from JSON-ready values.

The journal stores events as JSON, and snapshots store the lane state the same way, so both must round-trip exactly:
``from_plain(T, to_plain(x)) == x``. Decoding is driven by the dataclasses' type hints, which keeps the event and
state classes free of serialisation code. A dataclass inside a union carries a ``"$"`` tag with its class name.
Fields equal to their default are left out, which keeps journal rows short and lets later versions add fields.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import lru_cache
from typing import Any, Union, get_args, get_origin


class PlainError(ValueError):
    """A stored value does not fit the type it is read as (a corrupt or foreign journal row)."""


_MISSING = dataclasses.MISSING


@lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not _MISSING:
            default = f.default
        elif f.default_factory is not _MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = _MISSING
        out.append((f.name, hints[f.name], default))
    return tuple(out)


def to_plain(obj: Any) -> Any:
    """Encode a value built from dataclasses, tuples, frozensets, dicts, enums and JSON scalars."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"$": type(obj).__name__}
        for name, _tp, default in _fields(type(obj)):
            value = getattr(obj, name)
            if default is not _MISSING and value == default:
                continue
            out[name] = to_plain(value)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, frozenset):
        return sorted(to_plain(v) for v in obj)
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    raise PlainError(f"cannot encode {type(obj).__name__}")


def from_plain(tp: Any, data: Any) -> Any:
    """Decode ``data`` as type ``tp`` (the inverse of :func:`to_plain`)."""
    if tp is Any:
        return data
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise PlainError(f"null where {tp} was expected")
        if isinstance(data, dict) and "$" in data:
            for a in args:
                if isinstance(a, type) and dataclasses.is_dataclass(a) and a.__name__ == data["$"]:
                    return _decode_dataclass(a, data)
        non_none = [a for a in args if a is not type(None)]
        last: Exception | None = None
        for a in non_none:
            try:
                return from_plain(a, data)
            except (PlainError, TypeError, ValueError) as exc:
                last = exc
        raise PlainError(f"{data!r} fits none of {tp}: {last}")
    if origin is typing.Literal:
        if data not in get_args(tp):
            raise PlainError(f"{data!r} is not one of {get_args(tp)}")
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(data, list):
            raise PlainError(f"expected a list for {tp}, got {type(data).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in data)
        if len(args) != len(data):
            raise PlainError(f"expected {len(args)} values for {tp}, got {len(data)}")
        return tuple(from_plain(a, v) for a, v in zip(args, data))
    if origin is frozenset:
        (arg,) = get_args(tp)
        if not isinstance(data, list):
            raise PlainError(f"expected a list for {tp}")
        return frozenset(from_plain(arg, v) for v in data)
    if origin is dict:
        kt, vt = get_args(tp)
        if not isinstance(data, dict):
            raise PlainError(f"expected an object for {tp}")
        return {from_plain(kt, k): from_plain(vt, v) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise PlainError(f"expected a number, got {data!r}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise PlainError(f"expected an integer, got {data!r}")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise PlainError(f"expected a string, got {data!r}")
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise PlainError(f"expected true/false, got {data!r}")
        return data
    if tp is type(None):
        if data is not None:
            raise PlainError(f"expected null, got {data!r}")
        return None
    raise PlainError(f"cannot decode type {tp}")


def _decode_dataclass(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise PlainError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    tag = data.get("$")
    if tag is not None and tag != cls.__name__:
        raise PlainError(f"expected {cls.__name__}, got {tag}")
    kwargs = {}
    for name, tp, default in _fields(cls):
        if name in data:
            kwargs[name] = from_plain(tp, data[name])
        elif default is _MISSING:
            raise PlainError(f"{cls.__name__} lacks field {name!r}")
    return cls(**kwargs)
