"""What the program read and what it declared: the records behind ``hp.report()``.

Each accessor read records its key once, with the default it gave; ``@hp.param``
declares the keys it binds. The records are bounded so a long-running process
that builds keys without end keeps a fixed amount of memory, and they keep no
default object alive (only small plain defaults are kept, others by their type).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

from ._values import MISSING

__all__ = [
    "callable_name",
    "declare",
    "declared",
    "read_default",
    "reads",
    "record_read",
    "unrecorded_reads",
]

# Keys read so far, with the default given at the read (MISSING for `()`). Bounded:
# a program that builds keys without end stops being recorded at _READS_LIMIT keys,
# and only small plain defaults are kept (others by their type), so no default
# object is kept alive by the record.
_reads: Dict[str, Any] = {}
_READS_LIMIT = 10_000
_dropped_reads = [0]
# Called when the records are emptied (the pure-Python accessors stop skipping the check).
_reads_emptied: List[Callable[[], None]] = []

# Keys bound by @hp.param: key -> (signature default or MISSING, function name).
_declared: Dict[str, Tuple[Any, str]] = {}

_PLAIN = (str, int, float, bool, type(None), bytes)


class DefaultOfType:
    """Stands for a read's default that is not kept (it could be large or keep memory alive)."""

    __slots__ = ("type",)

    def __init__(self, kind: type) -> None:
        self.type = kind

    def __repr__(self) -> str:
        return f"<a {self.type.__name__} default>"


def record_read(key: str, default: Any) -> None:
    """Record that ``key`` was read with ``default`` (once per key; bounded)."""
    if len(_reads) >= _READS_LIMIT:
        _dropped_reads[0] += 1
        return
    if default is MISSING or default.__class__ in _PLAIN:
        _reads[key] = default
    elif default.__class__ in (list, tuple) and len(default) <= 16 and all(
        item.__class__ in _PLAIN for item in default
    ):
        _reads[key] = default.__class__(default)
    else:
        _reads[key] = DefaultOfType(default.__class__)


def replace_reads(records: Dict[str, Any], dropped: int) -> None:
    """Make ``records`` the read records (``hyperparameter.testing`` saves and restores them)."""
    _reads.clear()
    for hook in _reads_emptied:
        hook()
    _reads.update(records)
    _dropped_reads[0] = dropped


def reads() -> Dict[str, Any]:
    """Return a copy of the read records: key -> default given at the first read."""
    return dict(_reads)


def unrecorded_reads() -> int:
    """Return how many reads of keys past the record's bound were not recorded."""
    return _dropped_reads[0]


def read_default(key: str) -> Any:
    """Return the default recorded for ``key`` (MISSING when none or not kept)."""
    found = _reads.get(key, MISSING)
    return MISSING if found.__class__ is DefaultOfType else found


def declare(key: str, default: Any, fn: Callable[..., Any]) -> None:
    """Record that ``fn`` binds ``key`` (for reports and "did you mean")."""
    _declared[key] = (default, callable_name(fn))


def declared() -> Dict[str, Tuple[Any, str]]:
    """Return the keys bound by ``@hp.param`` so far."""
    return dict(_declared)


def callable_name(fn: Any) -> str:
    """Return a readable name for any callable (functions, partials, callable objects)."""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name:
        return str(name)
    inner = getattr(fn, "func", None)  # functools.partial
    if inner is not None:
        return f"partial({callable_name(inner)})"
    return type(fn).__qualname__


