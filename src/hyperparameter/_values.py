"""Values from outside the program, and text -> typed value conversion, in one place.

Values that arrive from outside (``-D key=value``, ``hp.scope("key=value")``,
the environment, config files, stores) are kept as :class:`Text` (the payload
and its source) until a read asks for them; the read converts them toward the
type of its default, by the one rule of :func:`hyperparameter._types.coerce`.
Python objects given as values in code are never converted, except that an
``int`` read with a ``float`` default comes back as ``float``.
"""

from __future__ import annotations

import ast
import enum
import os
import reprlib
import warnings
from collections.abc import Mapping
from typing import Any, List

from .errors import ConversionError

__all__ = [
    "MISSING",
    "Text",
    "convert_text",
    "parse_literal",
    "plain_data",
    "resolve",
    "short",
]

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60


def short(value: Any) -> str:
    """Return a repr of ``value`` cut to a readable length, for messages."""
    return _SHORT.repr(value)


class _Missing:
    """The marker for "no value": distinct from every value, ``None`` included."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class Text:
    """A value that arrived from outside the program, with where it came from.

    ``text`` is the payload: the text as given (``-D``, the environment), or the
    typed value a config file or store held (``5.5`` from ``epochs: 5.5``). It is
    converted at each read toward the type of the read's default or parameter:
    text by that type, a typed value only where it fits (an ``int`` widens to
    ``float``); anything else is a :class:`ConversionError` naming the source.
    """

    __slots__ = ("cache", "source", "text")

    def __init__(self, text: Any, source: str) -> None:
        self.text = text
        self.source = source
        # (type of the read's default, result) of the last scalar conversion: reads of
        # the same key with the same default type convert once, not at every read.
        self.cache: Any = None

    def __repr__(self) -> str:
        return f"Text({self.text!r}, source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __reduce__(self) -> Any:
        return (Text, (self.text, self.source))


def parse_literal(text: str) -> Any:
    """Parse ``text`` as a literal (number, bool, None, list, tuple, dict, quoted string).

    Text that is no literal stays exactly the string it was.
    """
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered in ("none", "null", "~"):
        return None
    try:
        with warnings.catch_warnings():
            # Text like "1abc" makes the compiler warn before failing; it is not code.
            warnings.simplefilter("ignore", SyntaxWarning)
            value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text
    if isinstance(value, (int, float, bool, list, tuple, dict, str)) or value is None:
        return value
    return text


def _fail(text: str, expected: str, key: str, source: str, hint: str) -> ConversionError:
    origin = f" (from {source})" if source else ""
    return ConversionError(
        f"cannot convert {text!r} to {expected} for key {key!r}{origin}; {hint}",
        key=key, value=text, source=source or None,
    )


def _to_bool(text: str, key: str, source: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _fail(text, "bool", key, source, "use one of true/false, yes/no, on/off, 1/0")


def _to_sequence(text: str, default: Any, key: str, source: str) -> List[Any]:
    stripped = text.strip()
    if stripped == "":
        return []
    if stripped[0] in "[(":
        try:
            value = ast.literal_eval(stripped)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise _fail(
                text, type(default).__name__, key, source,
                "write a Python literal like [1, 2] or a comma-separated list like 1,2",
            ) from None
        if not isinstance(value, (list, tuple)):
            raise _fail(
                text, type(default).__name__, key, source,
                "write a Python literal like [1, 2] or a comma-separated list like 1,2",
            )
        return list(value)
    parts = [part.strip() for part in stripped.split(",")]
    if parts and parts[-1] == "":
        parts.pop()  # allow a trailing comma: "a,b,"
    item_default = default[0] if len(default) else MISSING
    if type(item_default) not in (bool, int, float, str):
        item_default = MISSING
    try:
        return [convert_text(part, item_default, key, source) for part in parts]
    except ConversionError:
        raise _fail(
            text, f"{type(default).__name__} of {type(item_default).__name__}", key, source,
            f"write comma-separated {type(item_default).__name__} items like "
            f"{', '.join(map(str, default[:2]))}, or a Python literal",
        ) from None


def convert_text(text: str, default: Any, key: str, source: str = "") -> Any:
    """Convert ``text`` toward the type of ``default``.

    With no default (``MISSING``) or a ``None`` default, the text is parsed as a
    literal. A text that cannot be converted raises :class:`ConversionError`
    naming the key, the text, the expected type and the text's source.
    """
    if default is MISSING or default is None:
        return parse_literal(text)
    kind = type(default)
    if kind is str:
        return text
    if kind is bool:
        return _to_bool(text, key, source)
    if kind is int:
        try:
            return int(text.strip())
        except ValueError:
            raise _fail(text, "int", key, source, "write a whole number like 42") from None
    if kind is float:
        try:
            return float(text.strip())
        except ValueError:
            raise _fail(text, "float", key, source, "write a number like 0.001 or 1e-3") from None
        except OverflowError:  # only for text of a huge int literal: float("1" * 400) is inf
            raise _fail(text, "float", key, source, "give a smaller number") from None
    if kind is list or kind is tuple:
        return kind(_to_sequence(text, default, key, source))
    if kind is dict:
        value = parse_literal(text)
        if isinstance(value, dict):
            return value
        raise _fail(text, "dict", key, source, "write a Python literal like {'a': 1}")
    if isinstance(default, enum.Enum):  # IntEnum too: a member's name or value, not int(text)
        return _text_to_enum(text, kind, key, source)
    return _to_other_type(text, kind, key, source)


def _to_other_type(text: str, kind: type, key: str, source: str) -> Any:
    """Return a literal of type ``kind``, else ``kind(text)``: for types without a rule here."""
    value = parse_literal(text)
    if isinstance(value, kind):
        return value
    try:
        return kind(text)
    except Exception:
        raise _fail(
            text, kind.__name__, key, source,
            f"write a value {kind.__name__}({text!r}) accepts",
        ) from None


_SCALARS = frozenset({int, float, bool, str, type(None)})


def resolve(value: Any, default: Any, key: str) -> Any:
    """Return what a read of ``key`` with ``default`` yields for a stored ``value``."""
    cls = value.__class__
    if cls is Text:
        kind = default.__class__
        cache = value.cache
        if cache is not None and cache[0] is kind:
            return cache[1]
        payload = value.text
        if payload.__class__ is str:
            result = convert_text(payload, default, key, value.source)
        elif default is MISSING or default is None:
            result = payload
        else:
            from ._types import coerce

            result = coerce(payload, kind, key, value.source)
        if result.__class__ in _SCALARS:  # immutable: safe to hand out again
            value.cache = (kind, result)
        return result
    if cls is int and default.__class__ is float:
        return _to_float(value, key, "")
    return value


def _to_float(value: int, key: str, source: str) -> float:
    """Return ``float(value)``, or a :class:`ConversionError` naming the key if it is too large."""
    try:
        return float(value)
    except OverflowError:
        raise _fail(
            repr(value), "float", key, source,
            "the number is too large for a float; give a smaller number",
        ) from None


def _text_to_enum(text: str, annotation: Any, key: str, source: str) -> Any:
    stripped = text.strip()
    members = list(annotation)
    for member in members:
        if member.name == stripped:
            return member
    for member in members:
        try:
            value = convert_text(text, member.value, key, source)
        except ConversionError:
            continue
        if value == member.value:
            return member
    raise _fail(
        text, annotation.__name__, key, source,
        "use one of " + ", ".join(repr(m.name) for m in members)
        + " (a member's name) or one of " + ", ".join(repr(m.value) for m in members)
        + " (its value)",
    )


def plain_data(value: Any, *, tuples: bool = False) -> Any:
    """Return ``value`` as data a YAML file (and a ``CfgNode``) holds, to be read back.

    For every path that writes parameters out (``hp.snapshot()``, ``--print-config``,
    ``hp show``, run records): an ``Enum`` member becomes its name (``-C`` and ``-D``
    accept it back), a path its text, a mapping a dict, a set a sorted list, a date its
    ISO text, any other object its ``str``. Tuples stay tuples with ``tuples=True`` (a
    ``CfgNode`` holds them), else become lists (YAML has none).
    """
    if isinstance(value, enum.Enum):
        return value.name
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): plain_data(v, tuples=tuples) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((plain_data(v, tuples=tuples) for v in value), key=repr)
    if isinstance(value, tuple) and tuples:
        return tuple(plain_data(v, tuples=tuples) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain_data(v, tuples=tuples) for v in value]
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
