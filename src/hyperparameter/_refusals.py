"""An accessor is not a value: every way of using one as a value raises ``TypeError``.

A forgotten ``| default`` would otherwise be always true (``if hp.scope.debug:``),
always unequal, or print the handle instead of the value. Each refusal says how
to read the value instead. Dunder names are never parameter names: they are
Python's protocol probes (copy, pickle, numpy, IPython ...) and must fail as on
any object.
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_dunder", "not_a_value", "refuse_value_uses"]


def is_dunder(name: str) -> bool:
    """Return whether ``name`` has the shape of a protocol name (``__x__``)."""
    return name[:2] == "__" and name[-2:] == "__"


def not_a_value(key: str, what: str) -> TypeError:
    """Return the error for an accessor of ``key`` used as a value (``what`` was done to it)."""
    return TypeError(
        f"hp.scope.{key} is an accessor, not a value, so it cannot be {what}: read it first "
        f"with hp.scope.{key} | default, hp.scope.{key}(default) or hp.scope.{key}()"
    )


# Each way of using an accessor where a value is meant, and how the error names it.
_NOT_A_VALUE = {
    "__bool__": "tested for truth",
    "__eq__": "compared (==)",
    "__ne__": "compared (!=)",
    "__lt__": "compared (<)",
    "__le__": "compared (<=)",
    "__gt__": "compared (>)",
    "__ge__": "compared (>=)",
    "__format__": "formatted",
    "__str__": "converted to str",
    "__iter__": "iterated",
    "__contains__": "searched with `in`",
}


def _refusal(what: str) -> Any:
    def refuse(self: Any, *args: Any) -> Any:
        raise not_a_value(self.__hp_key__, what)

    return refuse


def refuse_value_uses(cls: type) -> None:
    """Make every use of a ``cls`` instance as a value raise (the class keeps its hash)."""
    for name, what in _NOT_A_VALUE.items():
        setattr(cls, name, _refusal(what))
