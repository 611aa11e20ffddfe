"""Records: the classes a mapping can build (dataclasses, and 0.6's plain annotated classes).

Used by the coercion rule (``_types``) and so by schemas: which classes are records,
their fields (annotation, required), and building a plain annotated class without
calling ``__init__``, as hyperparameter 0.6 did.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any, ClassVar, Dict, Mapping, Tuple, Union, get_args, get_origin, get_type_hints

__all__ = ["fields_of", "fill", "is_record"]

_UNIONS = (Union, getattr(types, "UnionType", Union))  # X | Y on 3.10+


def is_record(annotation: Any) -> bool:
    """A dataclass, or a plain class with annotations and no ``__init__`` of its own (0.6)."""
    if not isinstance(annotation, type):
        return False
    if dataclasses.is_dataclass(annotation):
        return True
    return (
        annotation.__init__ is object.__init__  # type: ignore[misc]
        and annotation.__new__ is object.__new__
        and annotation.__module__ != "builtins"
        and any("__annotations__" in vars(k) for k in annotation.__mro__[:-1])
    )


def _is_optional(annotation: Any) -> bool:
    return get_origin(annotation) in _UNIONS and type(None) in get_args(annotation)


def fields_of(cls: type) -> Dict[str, Tuple[Any, bool]]:
    """Return ``{field name: (annotation, required)}`` for a record class."""
    try:
        hints = get_type_hints(cls, include_extras=True)
    except Exception as error:
        raise TypeError(
            f"cannot read the type annotations of schema {cls.__qualname__}: {error}; "
            "define the types it names at module level"
        ) from error
    if dataclasses.is_dataclass(cls):
        return {
            f.name: (
                hints.get(f.name, Any),
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            )
            for f in dataclasses.fields(cls)
            if f.init
        }
    return {
        name: (hint, not hasattr(cls, name) and not _is_optional(hint))
        for name, hint in hints.items()
        if get_origin(hint) is not ClassVar
    }


def fill(cls: type, fields: Mapping[str, Any], kwargs: Mapping[str, Any]) -> Any:
    """Return an instance of the plain annotated class ``cls`` with ``kwargs`` set (0.6)."""
    instance: Any = object.__new__(cls)
    for name in fields:
        if name in kwargs:
            setattr(instance, name, kwargs[name])
        elif not hasattr(cls, name):
            setattr(instance, name, None)  # an Optional field without a default
    return instance
