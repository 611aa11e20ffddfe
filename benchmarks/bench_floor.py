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

It then times, as statements against the same baseline, what each duty of the
pure-Python enter+exit costs on its own (the key check, the origin, the layer, the
scope object, the entry token, the exit's checks), with the objects the
implementation uses, and prints the floor plus those duties beside the bar.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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


# The duties of a pure-Python `with hp.scope(**five): pass` beyond the floor's, each the
# statements the implementation runs for it (hyperparameter._access._py_new_scope,
# _PyScope.__enter__ and __exit__), and the floor's own statement for the same part.
DUTIES: List[Tuple[str, str, str]] = [
    ("check the keys", "valid.issuperset(five)", ""),
    ("record the origin (code, offset)",
     "f = getframe(0); c = f.f_code; c.co_flags & 0x200; (c, f.f_lasti)", ""),
    ("make the layer (dict, origin, token list)",
     "l = Layer(); l.params = five; l.origin = o; l.sources = None; l.tokens = []; "
     "l._origin_source = None", ""),
    ("make the scope object holding the layer", "s = new(Scope); set_layer(s, layer)",
     "fs = FloorScope(); fs.__floor_layer__ = five"),
    ("enter and exit: the entry's token, the stack beneath, the exit's checks",
     "enter(s); exit(s, None, None, None)", "floor_enter(fs); floor_exit(fs, None, None, None)"),
]


def measure_duties(quick: bool) -> List[Tuple[str, float]]:
    """Return, per duty, its cost beyond the floor's as a ratio to a dict read."""
    import hyperparameter as hp
    from hyperparameter import _access, _keys, _scope

    five = {f"x.k{i}": i for i in range(5)}
    hp.scope(**five)  # validates the keys once, as every later call finds them
    layer = _scope.new_layer(five, "bench")
    ns: Dict[str, Any] = {
        "d": {"a": {"b": 1}}, "five": five, "valid": _keys._VALID, "getframe": sys._getframe,
        "Layer": _scope.Layer, "o": ("code", 0), "new": object.__new__, "Scope": _access.Scope,
        "set_layer": _access._PyScope.__dict__["__hp_layer__"].__set__, "layer": layer,
        "FloorScope": Scope,
        "enter": _access._PyScope.__enter__,
        "exit": _access._PyScope.__exit__, "floor_enter": Scope.__enter__,
        "floor_exit": Scope.__exit__,
    }
    ns["fs"] = Scope()
    ns["fs"].__floor_layer__ = five
    ns["s"] = hp.scope(**five)
    repeat, target = (3, 0.005) if quick else (9, 0.05)
    costs = []
    for title, stmt, floor_stmt in DUTIES:
        ours, base = bench_scope.best_pair(stmt, bench_scope.DICT_READ, ns, repeat, target)
        cost = ours / base
        if floor_stmt:
            theirs, base = bench_scope.best_pair(floor_stmt, bench_scope.DICT_READ, ns, repeat,
                                                 target)
            cost -= theirs / base
        costs.append((title, cost))
    return costs


def duties_in_pure_python(quick: bool) -> List[Tuple[str, float]]:
    """Return measure_duties(quick) as a child process with HYPERPARAMETER_PURE_PYTHON=1
    measures it (the duties are those of the pure-Python implementation)."""
    env = dict(os.environ, HYPERPARAMETER_PURE_PYTHON="1")
    command = [sys.executable, os.path.abspath(__file__), "--duties-json"]
    out = subprocess.run(command + (["--quick"] if quick else []), env=env, check=True,
                         capture_output=True, text=True).stdout
    return [(title, cost) for title, cost in json.loads(out)]


def main(argv: Optional[List[str]] = None) -> int:
    """Print the floor's ratio for each figure beside the pure-Python bar."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (a smoke run)")
    parser.add_argument("--duties-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.duties_json:
        print(json.dumps(measure_duties(args.quick)))
        return 0
    print(f"{'figure (hp: the floor engine)':46} {'floor':>8} {'bar':>6}   "
          "(ratio to the baseline statement, best of repeats)")
    figures = measure(args.quick)
    for title, base, ratio, bar in figures.values():
        print(f"{title:46} {ratio:7.1f}x {f'<={bar:g}x' if bar else '':>6}   vs {base}")
    print(f"\n{'duty of a pure-Python enter+exit, beyond the floor':52} {'cost':>7}   "
          "(ratio to the same baseline)")
    duties = duties_in_pure_python(args.quick)
    for title, cost in duties:
        print(f"{title:52} {cost:6.1f}x")
    total = sum(cost for _title, cost in duties)
    _title, _base, floor_ratio, bar = figures["enter_exit"]
    print(f"{'floor enter+exit + these duties':52} {floor_ratio + total:6.1f}x   "
          f"(bar {bar:g}x; floor {floor_ratio:.1f}x, duties {total:.1f}x)")
    if args.quick:
        print("quick smoke run: timings too short to publish")
    return 0


if __name__ == "__main__":
    sys.exit(main())
