"""Annotation -> value: the one coercion rule for values from outside the program.

A value that reaches a typed target (an ``@hp.param`` parameter, a schema field, a
``| default`` read of a config-file value) goes through :func:`coerce`, whatever its
path (``-D``, the environment, a config file, a store):

- a ``str`` is text, converted by the target type (:func:`convert_text_to_type`);
- an ``int`` widens to ``float``; a ``bool`` is neither an ``int`` nor a ``float``;
- a list, tuple, set or mapping is checked item by item (``str`` items are text);
- a mapping for a dataclass (or a plain annotated class) builds it;
- anything else that does not fit is a :class:`ConversionError` naming the key, the
  value, where it came from and the expected type, with the fix.

Python objects given as values in code never come here: they are the program's own.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections import abc
from typing import (
    Any,
    Dict,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    get_args,
    get_origin,
)

from ._keys import did_you_mean
from ._records import fields_of, fill, is_record
from ._values import (  # short: re-exported for the modules that import it from here
    MISSING,
    _fail,
    _text_to_enum,
    _to_other_type,
    _to_sequence,
    convert_text,
    parse_literal,
    short,
)
from .errors import ConversionError

__all__ = [
    "coerce",
    "convert_text_to_type",
    "target_of",
    "type_name",
]

# A value of each plain type, so ``convert_text`` can convert toward it.
_EXAMPLES: Dict[Any, Any] = {
    bool: False, int: 0, float: 0.0, str: "", list: [], tuple: (), dict: {},
}
_NULL_TEXTS = frozenset({"none", "null", "~"})
_SETS = frozenset({set, frozenset, abc.Set, abc.MutableSet})
_SEQUENCES = _SETS | {list, tuple, abc.Sequence, abc.MutableSequence, abc.Collection, abc.Iterable}
_MAPPINGS = frozenset({dict, abc.Mapping, abc.MutableMapping})
_UNION_TYPES: Tuple[Any, ...] = (Union, getattr(types, "UnionType", Union))  # X | Y on 3.10+


def type_name(annotation: Any) -> str:
    """Return a short readable name for an annotation: ``int``, ``list[int]``, ``Optional[str]``."""
    if annotation is type(None) or annotation is None:
        return "None"
    if isinstance(annotation, type) and not get_args(annotation):
        return annotation.__name__
    return repr(annotation).replace("typing.", "")


def target_of(annotation: Any, default: Any) -> Any:
    """Return what a value is coerced to: the annotation if there is one, else the default's type.

    ``MISSING`` when there is neither (no default, a ``None`` default, or a dataclass
    field's ``default_factory`` marker): text is then parsed as a literal.
    """
    if annotation is not MISSING and annotation is not None and not isinstance(annotation, str):
        return annotation
    if default is MISSING or default is None or default is dataclasses.MISSING:
        return MISSING
    if type(default).__name__ == "_HAS_DEFAULT_FACTORY_CLASS":  # dataclasses' factory marker
        return MISSING
    return type(default)


# --- text -> a given type ----------------------------------------------------------------------


def _item_text(item: Any) -> str:
    # Items of a literal such as [1, 'a'] come back as objects; text items stay as written.
    return item if isinstance(item, str) else repr(item)


def _text_to_sequence(
    text: str, annotation: Any, origin: Any, args: Tuple[Any, ...], key: str, source: str
) -> Any:
    kind = tuple if origin is tuple else list
    items = _to_sequence(text, kind(("",)), key, source)  # a str example keeps item text as written
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(items) != len(args):
            raise _fail(
                text, type_name(annotation), key, source,
                f"write exactly {len(args)} items, comma-separated or as a tuple literal",
            )
        return tuple(
            convert_text_to_type(_item_text(item), arg, f"{key}[{i}]", source)
            for i, (item, arg) in enumerate(zip(items, args))
        )
    item_type = args[0] if args else Any
    converted = [
        convert_text_to_type(_item_text(item), item_type, f"{key}[{i}]", source)
        for i, item in enumerate(items)
    ]
    if origin in _SETS:
        return frozenset(converted) if origin is frozenset else set(converted)
    return tuple(converted) if origin is tuple else converted


def _text_to_mapping(
    text: str, annotation: Any, args: Tuple[Any, ...], key: str, source: str
) -> Any:
    value = parse_literal(text)
    if not isinstance(value, dict):
        raise _fail(
            text, type_name(annotation), key, source, "write a Python literal like {'a': 1}"
        )
    key_type, value_type = args if len(args) == 2 else (Any, Any)
    return {
        convert_text_to_type(_item_text(k), key_type, key, source): convert_text_to_type(
            _item_text(v), value_type, f"{key}.{k}", source
        )
        for k, v in value.items()
    }


def _text_to_choice(
    text: str, annotation: Any, choices: Tuple[Any, ...], key: str, source: str
) -> Any:
    for choice in choices:
        if isinstance(choice, enum.Enum):
            if text.strip() == choice.name:
                return choice
            continue
        try:
            value = convert_text(text, choice, key, source)
        except ConversionError:
            continue
        if type(value) is type(choice) and value == choice:
            return choice
    raise _fail(
        text, type_name(annotation), key, source,
        "use one of " + ", ".join(repr(getattr(c, "name", c)) for c in choices),
    )


def _text_to_union(
    text: str, annotation: Any, args: Tuple[Any, ...], key: str, source: str
) -> Any:
    if type(None) in args and text.strip().lower() in _NULL_TEXTS:
        return None
    # str accepts every text, so it is tried last: Union[int, str] reads "3" as 3.
    arms = [a for a in args if a is not type(None) and a is not str]
    arms += [a for a in args if a is str]
    for arm in arms:
        try:
            return convert_text_to_type(text, arm, key, source)
        except ConversionError:
            continue
    raise _fail(text, type_name(annotation), key, source, "write a value of one of those types")


def convert_text_to_type(text: str, annotation: Any, key: str, source: str = "") -> Any:
    """Convert ``text`` to a value of the type ``annotation`` names.

    The rules are those of ``_values.convert_text`` (SPEC section 3), reached
    through the annotation: ``int``, ``float``, ``bool``, ``str``; ``Optional[T]``
    (``none``/``null``/``~`` give ``None``); ``Union[...]`` (each type in turn,
    ``str`` last); ``Literal[...]``; ``Enum`` subclasses (a member's name, else its
    value); ``list[T]``, ``tuple[T, ...]``, ``tuple[A, B]``, ``set[T]`` (a Python
    literal or comma-separated, each item converted); ``dict[K, V]`` (a Python
    literal); ``Annotated[T, ...]`` as ``T``; any other class (a literal of that
    class, else ``cls(text)``). ``Any``, ``object`` or ``MISSING`` (no annotation)
    parse the text as a literal.

    Raises :class:`ConversionError` naming the key, the text, the expected type
    and the text's source.

    >>> convert_text_to_type("1,2", List[int], "sizes")
    [1, 2]
    """
    if annotation in _EXAMPLES:
        return convert_text(text, _EXAMPLES[annotation], key, source)
    if annotation is MISSING or annotation is Any or annotation is object:
        return parse_literal(text)
    if isinstance(annotation, str):
        raise TypeError(
            f"annotation {annotation!r} of key {key!r} is a string; "
            "resolve it first with typing.get_type_hints()"
        )
    if getattr(annotation, "__metadata__", None) is not None:  # Annotated[T, ...]
        return convert_text_to_type(text, annotation.__origin__, key, source)
    if annotation is None or annotation is type(None):
        if text.strip().lower() in _NULL_TEXTS:
            return None
        raise _fail(text, "None", key, source, "write none or null")
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in _UNION_TYPES:
        return _text_to_union(text, annotation, args, key, source)
    if origin is Literal:
        return _text_to_choice(text, annotation, args, key, source)
    container = origin if origin is not None else annotation
    if container in _SEQUENCES:
        return _text_to_sequence(text, annotation, container, args, key, source)
    if container in _MAPPINGS:
        return _text_to_mapping(text, annotation, args, key, source)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _text_to_enum(text, annotation, key, source)
    if not isinstance(annotation, type) or origin is not None:
        raise TypeError(
            f"cannot convert text for key {key!r} to {annotation!r}: unsupported annotation"
        )
    return _to_other_type(text, annotation, key, source)


# --- typed values: the coercion ----------------------------------------------------------------

_FIXES: Dict[Any, str] = {
    bool: "write true or false",
    int: "write a whole number like 42",
    float: "write a number like 0.001",
    str: "quote it in the file to make it text",
}


class Coercion:
    """One coercion of a value to an annotation.

    With ``problems`` (a list), each problem is appended with its key and the result
    is ``MISSING`` where a value did not fit, so a schema reports every problem at
    once; without it, the first problem raises :class:`ConversionError`.
    ``where(key)`` gives the source of a key (config files know one per leaf).
    """

    __slots__ = ("problems", "source", "sources", "strict")

    def __init__(
        self,
        source: str = "",
        sources: Optional[Mapping[str, str]] = None,
        problems: Optional[List[str]] = None,
        strict: bool = False,
    ) -> None:
        self.source = source
        self.sources = sources
        self.problems = problems
        self.strict = strict  # no widening, no text: for the first pass over a Union's arms

    def source_of(self, key: str) -> str:
        """Return the source of ``key`` or of its nearest ancestor that has one."""
        if self.sources:
            part = key.split("[", 1)[0]  # list items share their list's source
            while True:
                found = self.sources.get(part)
                if found is not None:
                    return found
                if "." not in part:
                    break
                part = part.rsplit(".", 1)[0]
        return self.source

    def fail(self, message: str) -> Any:
        if self.problems is None:
            raise ConversionError(message)
        self.problems.append(message)
        return MISSING

    def wrong(self, key: str, value: Any, annotation: Any, fix: str) -> Any:
        source = self.source_of(key)
        where = f" ({source})" if source else ""
        return self.fail(
            f"key {key!r}{where}: expected {type_name(annotation)}, got {short(value)} "
            f"({type(value).__name__}); {fix}"
        )

    def text(self, value: str, annotation: Any, key: str) -> Any:
        if self.strict:
            return self.wrong(key, value, annotation, "write a value of that type")
        try:
            return convert_text_to_type(value, annotation, key, self.source_of(key))
        except ConversionError as error:
            return self.fail(str(error))

    def convert(self, value: Any, annotation: Any, key: str) -> Any:
        """Return ``value`` as ``annotation`` describes it (``MISSING`` after a noted problem)."""
        if value.__class__ is str:
            if annotation is str:
                return value
            return self.text(value, annotation, key)  # no target (Any): a literal
        if annotation is MISSING or annotation is Any or annotation is object:
            return value
        if annotation in _FIXES:
            return self.scalar(value, annotation, key)
        if getattr(annotation, "__metadata__", None) is not None:  # Annotated[T, ...]
            return self.convert(value, annotation.__origin__, key)
        if annotation is None or annotation is type(None):
            return None if value is None else self.wrong(key, value, None, "write null")
        if isinstance(value, str):  # a str subclass: text too
            return self.text(str(value), annotation, key)
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin in _UNION_TYPES:
            return self.union(value, annotation, args, key)
        if origin is Literal:
            for choice in args:
                if type(value) is type(choice) and value == choice:
                    return choice
            return self.wrong(key, value, annotation, "use one of " + ", ".join(map(repr, args)))
        container = origin if origin is not None else annotation
        if container in _SEQUENCES:
            return self.sequence(value, annotation, container, args, key)
        if container in _MAPPINGS:
            return self.mapping(value, annotation, args, key)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return self.member(value, annotation, key)
        if is_record(annotation) and not isinstance(value, annotation):
            return self.record(annotation, value, key)
        if not isinstance(annotation, type) or origin is not None:
            raise TypeError(
                f"key {key!r} has annotation {annotation!r}, which the conversion of values "
                "from outside the program does not support; use a class, Optional, Union, "
                "Literal, list, tuple, set or dict"
            )
        if isinstance(value, annotation):
            return value
        return self.wrong(key, value, annotation, f"write a value {annotation.__name__} accepts")

    def scalar(self, value: Any, annotation: Any, key: str) -> Any:
        kind = value.__class__
        if kind is annotation:
            return value
        if annotation is float and kind is int and not self.strict:
            try:
                return float(value)
            except OverflowError:
                return self.wrong(key, value, float, "it is too large for a float")
        return self.wrong(key, value, annotation, _FIXES[annotation])

    def member(self, value: Any, annotation: Any, key: str) -> Any:
        if isinstance(value, annotation):
            return value
        for item in annotation:
            if type(item.value) is type(value) and item.value == value:
                return item
        return self.wrong(
            key, value, annotation,
            "use one of " + ", ".join(repr(m.name) for m in annotation) + " (a member's name)",
        )

    def union(self, value: Any, annotation: Any, args: Tuple[Any, ...], key: str) -> Any:
        if value is None and type(None) in args:
            return None
        arms = [arm for arm in args if arm is not type(None)]
        # An arm the value already fits exactly wins over one that converts it:
        # 1 stays an int for Union[float, int].
        for strict in (True, False):
            for arm in arms:
                trial = Coercion(self.source, self.sources, [], strict)
                result = trial.convert(value, arm, key)
                if not trial.problems:
                    return result
        if len(arms) == 1:
            return self.convert(value, arms[0], key)  # to report its problems in detail
        return self.wrong(key, value, annotation, "write a value of one of those types")

    def sequence(
        self, value: Any, annotation: Any, container: Any, args: Tuple[Any, ...], key: str
    ) -> Any:
        if not isinstance(value, (list, tuple, set, frozenset)):
            return self.wrong(key, value, annotation, "write a list such as [1, 2]")
        items = list(value)
        if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(items) != len(args):
                return self.wrong(key, value, annotation, f"write exactly {len(args)} item(s)")
            item_types: Sequence[Any] = args
        else:
            item_types = [args[0] if args else Any] * len(items)
        converted = [
            self.convert(item, item_type, f"{key}[{i}]")
            for i, (item, item_type) in enumerate(zip(items, item_types))
        ]
        if any(item is MISSING for item in converted):
            return MISSING
        if container is tuple:
            return tuple(converted)
        if container in _SETS:
            try:
                return frozenset(converted) if container is frozenset else set(converted)
            except TypeError:
                return self.wrong(key, value, annotation, "a set holds hashable items only")
        return converted

    def mapping(self, value: Any, annotation: Any, args: Tuple[Any, ...], key: str) -> Any:
        if not isinstance(value, Mapping):
            return self.wrong(key, value, annotation, "write a mapping of keys to values")
        key_type, value_type = args if len(args) == 2 else (Any, Any)
        out = {}
        for k, v in value.items():
            # Keys without a type stay as written: only values are read as literals.
            new_key = k if key_type is Any else self.convert(k, key_type, f"{key}.{k}")
            new_value = self.convert(v, value_type, f"{key}.{k}")
            if new_key is not MISSING and new_value is not MISSING:
                out[new_key] = new_value
        return MISSING if len(out) < len(value) else out

    def record(self, cls: type, data: Any, prefix: str) -> Any:
        """Build the record ``cls`` from a mapping, checking every field."""
        label = repr(prefix) if prefix else "the top level"
        source = self.source_of(prefix)
        where = f" ({source})" if source else ""
        if not isinstance(data, Mapping):
            return self.fail(
                f"key {label}{where}: expected a mapping for {cls.__name__}, got {short(data)} "
                f"({type(data).__name__}); write its fields as keys under it"
            )
        fields = fields_of(cls)
        problems: List[str] = []
        inner = Coercion(self.source, self.sources, problems)
        for name in data:
            if name not in fields:
                key = f"{prefix}.{name}" if prefix else str(name)
                choices = [f"{prefix}.{f}" if prefix else f for f in fields]
                hint = did_you_mean(key, choices) or (
                    f"; {cls.__name__} has " + (", ".join(map(repr, choices)) or "no fields")
                )
                at = inner.source_of(key)
                problems.append(f"unknown key {key!r}{f' ({at})' if at else ''}{hint}")
        kwargs: Dict[str, Any] = {}
        for name, (annotation, required) in fields.items():
            key = f"{prefix}.{name}" if prefix else name
            if name in data:
                value = inner.convert(data[name], annotation, key)
                if value is not MISSING:
                    kwargs[name] = value
            elif required:
                problems.append(
                    f"missing key {key!r} ({type_name(annotation)}), required by "
                    f"{cls.__name__}; add it to the config"
                )
        if not problems:
            try:
                if dataclasses.is_dataclass(cls):
                    return cls(**kwargs)
                return fill(cls, fields, kwargs)
            except (TypeError, ValueError) as error:
                problems.append(
                    f"key {label}{where}: {cls.__name__} rejected the values: "
                    f"{type(error).__name__}: {error}"
                )
        if self.problems is not None:
            self.problems.extend(problems)
            return MISSING
        raise ConversionError(
            f"cannot build {cls.__name__} for key {label}{where}: " + "; ".join(problems)
        )


def coerce(value: Any, annotation: Any, key: str, source: str = "") -> Any:
    """Return ``value``, which came from outside the program, as ``annotation`` asks.

    ``source`` names where it came from (``c.yaml:2``, ``-D``, ...) for messages.
    ``annotation`` may be ``MISSING``, ``Any`` or ``object`` (no target): text is then
    parsed as a literal and other values are returned unchanged.

    >>> coerce("1e-3", float, "optim.lr")
    0.001
    >>> coerce(3, float, "optim.lr")
    3.0
    """
    if value.__class__ is str:
        if annotation is MISSING:
            return parse_literal(value)
        return convert_text_to_type(value, annotation, key, source)
    return Coercion(source).convert(value, annotation, key)
