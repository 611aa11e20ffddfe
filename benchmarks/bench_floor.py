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
import contextlib
import os
import sys
import time
import timeit
import types
from contextvars import ContextVar
from typing import Any, Dict, Iterator, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compare_worker import calibrate  # one calibration for every benchmark

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
    """Return a module holding ``scope``: ``floor`` stands where ``hp`` does in bench_scope."""
    floor = types.ModuleType("floor")
    floor.scope = Root()  # type: ignore[attr-defined]
    return floor


DICT_READ = 'd["a"]["b"]'
# (id, title, statement, context, the pure-Python bar of bench_scope.py)
FIGURES: List[Tuple[str, str, str, str, Optional[float]]] = [
    ("read", "floor.scope.a.b | 1, no scope", "floor.scope.a.b | 1", "none", 9),
    ("read_3", "the same, 3 scopes over 1,000 keys", "floor.scope.a.b | 1", "three", 11),
    ("missing_3", "floor.scope.x.y | 1 (not set), 3 scopes", "floor.scope.x.y | 1", "three", 14),
    ("enter_exit", "with floor.scope(**five): pass, over 1,000 keys",
     "with floor.scope(**five): pass", "thousand", 50),
]


@contextlib.contextmanager
def context(name: str, floor: Any) -> Iterator[None]:
    """Put the scopes of a figure in force (as bench_scope.py does) and take them away."""
    thousand = {f"k{i}.x": i for i in range(1000)}
    with contextlib.ExitStack() as stack:
        if name in ("three", "thousand"):
            stack.enter_context(floor.scope(**thousand))
        if name == "three":
            stack.enter_context(floor.scope(**{"a.b": 2}))
            stack.enter_context(floor.scope(**{"c.d": 3}))
        yield


def measure(quick: bool) -> Dict[str, float]:
    """Return the ratio of each figure to the dict read, timed in turns, best of repeats."""
    floor = module()
    ns: Dict[str, Any] = {"floor": floor, "d": {"a": {"b": 1}},
                          "five": {f"x.k{i}": i for i in range(5)}}
    repeat, target = (3, 0.005) if quick else (9, 0.05)
    ratios = {}
    for fid, _title, stmt, ctx, _bar in FIGURES:
        with context(ctx, floor):
            subject = timeit.Timer(stmt, timer=time.process_time, globals=ns)
            baseline = timeit.Timer(DICT_READ, timer=time.process_time, globals=ns)
            n_s, n_b = calibrate(subject, target), calibrate(baseline, target)
            best_s = best_b = float("inf")
            for _ in range(repeat):
                best_b = min(best_b, baseline.timeit(n_b) / n_b)
                best_s = min(best_s, subject.timeit(n_s) / n_s)
        ratios[fid] = best_s / best_b
    return ratios


def main(argv: Optional[List[str]] = None) -> int:
    """Print the floor's ratio for each figure beside the pure-Python bar."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (a smoke run)")
    args = parser.parse_args(argv)
    ratios = measure(args.quick)
    print(f"{'figure':50} {'floor':>8} {'bar':>6}   (ratio to {DICT_READ}, best of repeats)")
    for fid, title, _stmt, _ctx, bar in FIGURES:
        print(f"{title:50} {ratios[fid]:7.1f}x {f'<={bar:g}x':>6}")
    if args.quick:
        print("quick smoke run: timings too short to publish")
    return 0


if __name__ == "__main__":
    sys.exit(main())
