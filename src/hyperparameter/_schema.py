"""Typed configs: a config tree checked against a dataclass schema, every problem at once.

``hp.load(..., schema=Experiment)`` and ``hp.config(..., schema=Experiment)`` build
the schema from the tree by the one coercion rule (:func:`hyperparameter._types.coerce`):
text is converted by each field's type, ``int`` widens to ``float``, a mapping builds
a nested dataclass, and anything else that does not fit is a problem. Every problem
(unknown key, missing key, value that does not fit) is collected, each with its key
and file line, into one :class:`SchemaError`.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Type, TypeVar

from ._records import is_record
from ._types import Coercion
from .errors import SchemaError

__all__ = ["validate"]

T = TypeVar("T")


def validate(tree: Any, schema: Type[T], sources: Optional[Mapping[str, str]] = None) -> T:
    """Return ``schema`` built from ``tree``; raise :class:`SchemaError` listing every problem.

    ``schema`` is a dataclass, or a plain class with annotations and no ``__init__``
    (as hyperparameter 0.6 took). ``sources`` (dotted key -> where it was written)
    names the file and line of each problem.

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Optim:
    ...     lr: float
    >>> validate({"lr": "1e-3"}, Optim)
    Optim(lr=0.001)
    """
    if not is_record(schema):
        raise TypeError(
            f"schema must be a dataclass (or a class with annotations and no __init__), "
            f"got {schema!r}"
        )
    problems: List[str] = []
    result = Coercion(sources=sources or {}, problems=problems).record(schema, tree, "")
    if problems:
        raise SchemaError(schema.__name__, problems)
    return result
