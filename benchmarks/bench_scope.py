"""Scoped-parameter speed, each figure beside a baseline measured in the same run.

Run: python benchmarks/bench_scope.py

Every line prints this project's time per operation, the baseline's time per
operation measured in this same process, and the ratio. Absolute times move
with the machine's load; the ratios are what the project promises:

    read, no scope                 <= 10x  d["a"]["b"]
    read, 3 scopes / 1,000 keys    <= 10x  d["a"]["b"]
    hp.scope["a.b"] | 1            <= 12x  d["a"]["b"]
    enter+exit 5-key scope         <= 60x  d["a"]["b"]
    @hp.param call (3 params)      <=  8x  the undecorated function
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import timeit
from typing import Callable, List, Tuple

import hyperparameter as hp

LIMITS = {
    "read hp.scope.a.b | 1, no scope": 10.0,
    "read hp.scope.a.b | 1, 3 scopes over 1,000 keys": 10.0,
    'read hp.scope["a.b"] | 1': 12.0,
    "enter+exit scope(**five_keys) over 1,000 keys": 60.0,
    "call @hp.param fn, 3 params, 1 from scope": 8.0,
}


def best(stmt: Callable[[], object], number: int = 200_000, repeat: int = 7) -> float:
    """Return the best CPU time per call, in nanoseconds.

    CPU time of this process, not wall time: on a shared machine another
    process's burst then slows neither side of a ratio.
    """
    runs = timeit.repeat(stmt, number=number, repeat=repeat, timer=time.process_time)
    return min(runs) / number * 1e9


def measure() -> List[Tuple[str, float, str, float]]:
    """Return (figure, ns, baseline name, baseline ns) rows."""
    rows = []
    nested = {"a": {"b": 1}}
    dict_read = best(lambda: nested["a"]["b"])
    rows.append(("read hp.scope.a.b | 1, no scope", best(lambda: hp.scope.a.b | 1),
                 'd["a"]["b"]', dict_read))
    thousand = {f"k{i}.x": i for i in range(1000)}
    with hp.scope(**thousand), hp.scope(**{"a.b": 2}), hp.scope(**{"c.d": 3}):
        dict_read = best(lambda: nested["a"]["b"])
        rows.append(("read hp.scope.a.b | 1, 3 scopes over 1,000 keys",
                     best(lambda: hp.scope.a.b | 1), 'd["a"]["b"]', dict_read))
        rows.append(('read hp.scope["a.b"] | 1', best(lambda: hp.scope["a.b"] | 1),
                     'd["a"]["b"]', dict_read))
        five = {f"x.k{i}": i for i in range(5)}

        def enter_exit() -> None:
            with hp.scope(**five):
                pass

        rows.append(("enter+exit scope(**five_keys) over 1,000 keys",
                     best(enter_exit, number=50_000), 'd["a"]["b"]', dict_read))

    def plain(lr: float = 1e-3, batch_size: int = 32, epochs: int = 10) -> int:
        return batch_size

    bound = hp.param("train")(plain)
    with hp.scope(**{"train.batch_size": 64}):
        rows.append(("call @hp.param fn, 3 params, 1 from scope", best(bound),
                     "plain fn(lr=, batch_size=, epochs=)",
                     best(lambda: plain(lr=1e-3, batch_size=64, epochs=10))))
    return rows


def import_time_ms() -> float:
    """Return the best wall time of `import hyperparameter` in a fresh interpreter, in ms.

    Bytecode caching is switched on (a first run writes the .pyc files), as on an
    installed package: otherwise the figure measures the compiler, not the import.
    """
    code = "import time; t=time.perf_counter(); import hyperparameter; print(time.perf_counter()-t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.check_output([sys.executable, "-c", code], env=env)
    runs = [float(subprocess.check_output([sys.executable, "-c", code], env=env))
            for _ in range(5)]
    return min(runs) * 1e3


def main() -> int:
    """Print the table; exit 1 if a ratio is over its limit."""
    failed = False
    print(f"{'figure':52} {'ns/op':>9} {'baseline':>34} {'ns/op':>8} {'ratio':>7} {'limit':>6}")
    for name, ns, base_name, base_ns in measure():
        ratio = ns / base_ns
        limit = LIMITS[name]
        flag = "" if ratio <= limit else "  OVER"
        failed |= ratio > limit
        print(f"{name:52} {ns:9.1f} {base_name:>34} {base_ns:8.1f} "
              f"{ratio:6.1f}x {limit:5.0f}x{flag}")
    print(f"import hyperparameter: {import_time_ms():.1f} ms (aim: under 30 ms)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
