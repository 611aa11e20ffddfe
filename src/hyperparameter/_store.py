"""What every parameter store shares: its errors, the ``Store`` protocol, the values it holds.

A store holds what ``HYPERPARAMETER_PARAMS`` holds: dotted keys to finite
numbers, booleans, ``None``, strings and lists of them. :func:`encode_changes`
validates a publish before anything is written; :func:`parse_values` checks
what a store returned. The file and Redis stores and ``hp.attach`` build on it.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any, Callable, Dict, Iterable, List, Mapping, Protocol, Tuple, runtime_checkable

from . import _propagate
from ._keys import validate_key
from ._tree import flatten
from .errors import HyperparameterError

__all__ = [
    "DEFAULT_INTERVAL",
    "Store",
    "StoreError",
    "StoreFormatError",
    "StoreValueError",
    "encode_changes",
    "parse_values",
    "same_value",
]

DEFAULT_INTERVAL = 0.2  # seconds between checks of a file store (and stop checks)


class StoreError(HyperparameterError, OSError):
    """A store cannot be reached or read (missing file, refused connection)."""


class StoreFormatError(HyperparameterError, ValueError):
    """A store holds something other than parameters (bad JSON/YAML, bad key, bad value)."""


class StoreValueError(HyperparameterError, TypeError):
    """A value given to ``publish`` cannot be kept in a store (not JSON-like, or not finite)."""


@runtime_checkable
class Store(Protocol):
    """What ``hp.attach`` needs from a store; write an adapter by giving a class these members.

    ``url`` names the store in ``hp.explain`` and in log lines (no password).
    ``read()`` returns every parameter as a new dict of dotted key to JSON-like
    value (``None``, bool, int, float, str, list), or raises (any exception is a
    fault: the attached process keeps its last good values). ``publish()``
    validates everything first and then writes all changes and removals in one
    step, or nothing. ``watch()`` runs in the attachment's background thread:
    it calls ``callback()`` whenever the store may have changed (extra calls
    are harmless: the caller re-reads and compares), checks ``stop`` at least
    every ``interval`` seconds and returns once it is set. It must not raise
    for faults of the store: keep trying, and call ``callback()`` after a
    reconnection so that changes missed meanwhile are picked up.
    """

    url: str

    def read(self) -> Dict[str, Any]: ...

    def publish(self, changes: Mapping[str, Any], *, remove: Iterable[str] = ()) -> None: ...

    def watch(self, callback: Callable[[], None], stop: threading.Event,
              interval: float) -> None: ...


# --------------------------------------------------------------------------- values


def _check_value(key: str, value: Any, where: str) -> None:
    """Raise :class:`StoreFormatError` unless ``value`` is a value a store may hold."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if math.isfinite(value):
            return
    elif isinstance(value, list):
        for item in value:
            _check_value(key, item, where)
        return
    raise StoreFormatError(
        f"{where} holds {value!r} ({type(value).__name__}) for parameter {key!r}: a store "
        "holds numbers (finite), booleans, null, strings and lists of them; fix the store"
    )


def parse_values(data: Any, where: str) -> Dict[str, Any]:
    """Return the parameters in a decoded store document (nested objects become dotted keys)."""
    if not isinstance(data, dict):
        raise StoreFormatError(
            f"{where} must hold one object of dotted keys to values, like "
            f'{{"llm.temperature": 0.7}}, not {type(data).__name__} {str(data)[:60]!r}'
        )
    try:
        flat = flatten(data, "", where)
    except (TypeError, ValueError) as exc:
        raise StoreFormatError(str(exc)) from None
    for key, value in flat.items():
        _check_value(key, value, where)
    return flat


def encode_changes(
    url: str, changes: Mapping[str, Any], remove: Iterable[str]
) -> Tuple[Dict[str, Any], List[str]]:
    """Validate a publish: return the flat encoded changes and the keys to remove.

    Raises before anything is written: ``InvalidKeyError`` for a bad key,
    :class:`StoreValueError` for a value a store cannot hold.
    """
    where = f"a publish to {url}"
    if isinstance(remove, str):
        remove = [remove]
    flat = flatten(changes, "", where)  # validates keys; nested mappings become dotted keys
    encoded: Dict[str, Any] = {}
    for key, value in flat.items():
        try:
            data = _propagate.encode(key, value)
            json.dumps(data, allow_nan=False)
        except (TypeError, ValueError):
            raise StoreValueError(
                f"cannot publish parameter {key!r} = {value!r} ({type(value).__name__}) to "
                f"{url}: a store holds finite numbers, booleans, None, strings and lists of "
                "them; convert the value (for example to a string or a list); nothing was "
                "written"
            ) from None
        encoded[key] = data
    removed = [validate_key(key, where) for key in remove]
    both = sorted(set(removed) & set(encoded))
    if both:
        raise ValueError(
            f"{where} both sets and removes {both[0]!r}; do one or the other; nothing was written"
        )
    return encoded, removed


def same_value(a: Any, b: Any) -> bool:
    """Return whether two store values are equal in type and value (``1`` is not ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return bool(a == b)


def reject_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity`` in JSON (``json.loads(parse_constant=...)``)."""
    raise ValueError(f"{name} is not a JSON number")
