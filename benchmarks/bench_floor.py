"""What pure Python allows for the scope syntax: a scope engine that does nothing else.

Run: python benchmarks/bench_floor.py [--quick]

``bench_scope.py`` holds the pure-Python implementation to bars (a read at most 9x a
dict read, a read through 3 scopes 11x, enter+exit of a 5-key scope 50x). This script
times the same statements, with the same method and baselines, against the least an
engine with this syntax can do: plain-dict layers in a ``ContextVar``, accessors that
make their children with ``__getattr__``, a scope that is only its dict and one token.
It records no origin for ``hp.explain``, checks no key, keeps no read record, converts
no text and supports one entry of a scope at a time. The distance between these figures
and the pure-Python ones of ``bench_scope.py`` is the price of those duties; the
distance between these figures and the bars is what is left for them.
"""

from __future__ import annotations

import argparse
import os
import sys
import types
from contextvars import ContextVar
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_scope  # the figures, their scopes and their timing

MISSING: Any = object()
_stack: ContextVar[Tuple[Dict[str, Any], ...]] = ContextVar("floor", default=())
_get, _set, _reset = _stack.get, _stack.set, _stack.reset


class _Children:
    __slots__ = ()

    def __floor_child__(self, name: str) -> Any:
        raise AttributeError(name)

    def __getattr__(self, name: str) -> Any:
        return self.__floor_child__(name)


class Accessor(_Children):
    """``floor.scope.a.b | default``: the innermost layer that has the key, else the default."""

    __slots__ = ("__dict__", "__floor_key__")
    __floor_key__: str

    def __floor_child__(self, name: str) -> Accessor:
        child = Accessor()
        child.__floor_key__ = self.__floor_key__ + "." + name
        self.__dict__[name] = child
        return child

    def __or__(self, default: Any = MISSING) -> Any:
        key = self.__floor_key__
        for layer in _get():
            if key in layer:
                return layer[key]
        return default


class Scope(_Children):
    """A layer and the token of its one entry."""

    __slots__ = ("__dict__", "__floor_layer__", "__floor_token__")
    __floor_layer__: Dict[str, Any]
    __floor_token__: Any

    def __enter__(self) -> Scope:
        self.__floor_token__ = _set((self.__floor_layer__, *_get()))
        return self

    def __exit__(self, exc_type: Any = None, exc: Any = None, tb: Any = None) -> None:
        _reset(self.__floor_token__)


def _new_scope(**values: Any) -> Scope:
    made = Scope()
    made.__floor_layer__ = values
    return made


class Root(_Children):
    """``floor.scope``: children are accessors, a call makes a scope."""

    __slots__ = ("__dict__",)
    __call__ = staticmethod(_new_scope)

    def __floor_child__(self, name: str) -> Accessor:
        child = Accessor()
        child.__floor_key__ = name
        self.__dict__[name] = child
        return child


def module() -> Any:
    """Return a module holding ``scope``, bound to ``hp`` in bench_scope's statements."""
    floor = types.ModuleType("floor")
    floor.scope = Root()  # type: ignore[attr-defined]
    return floor


# The figures of bench_scope.py this script times: their statements, baselines, scopes
# and pure-Python bars, with `hp` bound to the floor engine's module.
FIGURE_IDS = ("read", "read_3", "missing_3", "enter_exit")


def measure(quick: bool) -> Dict[str, Tuple[str, str, float, Optional[float]]]:
    """Return, per figure, (title, baseline statement, ratio, pure-Python bar)."""
    floor = module()
    ns: Dict[str, Any] = {"hp": floor, "d": {"a": {"b": 1}},
                          "five": {f"x.k{i}": i for i in range(5)},
                          "thousand": {f"k{i}.x": i for i in range(1000)}}
    repeat, target = (3, 0.005) if quick else (9, 0.05)
    results = {}
    for fid, title, stmt, base, ctx, _bar_compiled, bar_python in bench_scope.FIGURES:
        if fid in FIGURE_IDS:
            with bench_scope.context(floor, ctx, ns):
                subject, baseline = bench_scope.best_pair(stmt, base, ns, repeat, target)
            results[fid] = (title, base, subject / baseline, bar_python)
    return results


def main(argv: Optional[List[str]] = None) -> int:
    """Print the floor's ratio for each figure beside the pure-Python bar."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (a smoke run)")
    args = parser.parse_args(argv)
    print(f"{'figure (hp: the floor engine)':46} {'floor':>8} {'bar':>6}   "
          "(ratio to the baseline statement, best of repeats)")
    for title, base, ratio, bar in measure(args.quick).values():
        print(f"{title:46} {ratio:7.1f}x {f'<={bar:g}x' if bar else '':>6}   vs {base}")
    if args.quick:
        print("quick smoke run: timings too short to publish")
    return 0


if __name__ == "__main__":
    sys.exit(main())
