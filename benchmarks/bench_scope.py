"""Scoped-parameter speed, as ratios to a plain dict read timed the same way in the same process.

Run: python benchmarks/bench_scope.py [--quick] [--check] [--json PATH] [--before PATH]
     [--only-this] [--with-0.6 PYTHON]

Every figure is a ``timeit`` *statement* string with a setup, on both sides
(no lambda: a call on both sides would halve the ratios), timed with the CPU
time of this process (``time.process_time``), the subject and its baseline in
turns, best of several repeats. Absolute times move with the machine's load;
the ratios are what the project promises.

By default the figures are taken twice: in this process (the implementation
``hp.implementation`` names: the compiled accelerator when it is built) and in
a child process with ``HYPERPARAMETER_PURE_PYTHON=1`` (the pure-Python
implementation), and printed side by side with the bars of each. ``--json``
saves the ratios; ``--before`` prints a saved run beside this one (for a
before/after comparison of a change). ``--with-0.6 PYTHON`` also runs the scope
workloads of ``compare_worker.py`` with the interpreter of a virtual environment
holding ``hyperparameter==0.6.0`` (never install it beside this project: it has
the same import name) and prints its ratios next to ours. ``--check`` exits 1
when a ratio is over its bar.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import timeit
from typing import Any, Dict, Iterator, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the scripts beside this one

from compare_worker import calibrate  # noqa: E402 - one calibration for every benchmark

DICT_READ = 'd["a"]["b"]'
PLAIN_CALL = "plain(lr=1e-3, batch_size=64, epochs=10)"

# (id, title, statement, baseline statement, context, bar compiled, bar python).
# A bar of None: reported, not promised.
FIGURES: List[Tuple[str, str, str, str, str, Optional[float], Optional[float]]] = [
    ("read", "hp.scope.a.b | 1, no scope", "hp.scope.a.b | 1", DICT_READ, "none", 4, 9),
    ("read_3", "hp.scope.a.b | 1, 3 scopes over 1,000 keys", "hp.scope.a.b | 1", DICT_READ,
     "three", 5, 11),
    ("missing_3", "hp.scope.x.y | 1 (not set), 3 scopes", "hp.scope.x.y | 1", DICT_READ,
     "three", 5, 14),
    ("call_3", "hp.scope.a.b(1) (call form), 3 scopes", "hp.scope.a.b(1)", DICT_READ, "three",
     None, None),
    ("item_3", 'hp.scope["a.b"] | 1, 3 scopes', 'hp.scope["a.b"] | 1', DICT_READ, "three",
     None, None),
    ("held_3", "ps.a.b | 1 (held scope object), 3 scopes", "ps.a.b | 1", DICT_READ, "three",
     None, None),
    ("enter_exit", "with hp.scope(**five): pass, over 1,000 keys",
     "with hp.scope(**five): pass", DICT_READ, "thousand", 30, 50),
    ("param", "@hp.param call, 3 params, 1 from a scope", "bound()", PLAIN_CALL, "param", 5, 8),
    ("deep_100", "outer key through 100 layers", "hp.scope.a.b | 1", DICT_READ, "deep", 40,
     None),
    ("baseline_10", "read from a 10-key baseline", "hp.scope.a.b | 1", DICT_READ,
     "baseline_10", None, None),
    ("baseline_100k", "read from a 100,000-key baseline", "hp.scope.a.b | 1", DICT_READ,
     "baseline_100000", None, None),
    ("threads_16", "read while 16 other threads hold scopes", "hp.scope.a.b | 1", DICT_READ,
     "threads", None, None),
]
# Flatness: the second figure over the first, at most this much.
FLAT = [("baseline_100k", "baseline_10", 1.3), ("threads_16", "read", 1.3)]


def namespace(hp: Any) -> Dict[str, Any]:
    """Return the globals the statements run in."""

    def plain(lr: float = 1e-3, batch_size: int = 32, epochs: int = 10) -> int:
        return batch_size

    @hp.param("train")
    def bound(lr: float = 1e-3, batch_size: int = 32, epochs: int = 10) -> int:
        return batch_size

    return {
        "hp": hp, "d": {"a": {"b": 1}}, "plain": plain, "bound": bound,
        "five": {f"x.k{i}": i for i in range(5)},
        "thousand": {f"k{i}.x": i for i in range(1000)},
    }


@contextlib.contextmanager
def context(hp: Any, name: str, ns: Dict[str, Any]) -> Iterator[None]:
    """Put the parameters of a figure in force (and take them away after)."""
    from hyperparameter.testing import isolated

    with isolated(), contextlib.ExitStack() as stack:
        if name == "three":
            stack.enter_context(hp.scope(**ns["thousand"]))
            ns["ps"] = stack.enter_context(hp.scope(**{"a.b": 2}))
            stack.enter_context(hp.scope(**{"c.d": 3}))
        elif name == "thousand":
            stack.enter_context(hp.scope(**ns["thousand"]))
        elif name == "param":
            stack.enter_context(hp.scope(**{"train.batch_size": 64}))
        elif name == "deep":
            stack.enter_context(hp.scope(**{"a.b": 2}))
            for i in range(99):
                stack.enter_context(hp.scope(**{f"layer{i}.x": i}))
        elif name.startswith("baseline_"):
            size = int(name.partition("_")[2])
            with hp.scope(**{"a.b": 2}, **{f"k{i}.x": i for i in range(size - 1)}):
                hp.frozen()
        elif name == "threads":
            stop = threading.Event()
            ready = threading.Barrier(17)

            def hold(tid: int) -> None:
                with hp.scope(**{"a.b": tid}):
                    ready.wait()
                    stop.wait()

            threads = [threading.Thread(target=hold, args=(i,)) for i in range(16)]
            for t in threads:
                t.start()
            ready.wait()
            stack.callback(lambda: [stop.set(), *(t.join() for t in threads)])
        yield


def best_pair(stmt: str, base: str, ns: Dict[str, Any], repeat: int,
              target: float) -> Tuple[float, float]:
    """Return the best ns/op of ``stmt`` and of ``base``, timed in turns."""
    subject = timeit.Timer(stmt, timer=time.process_time, globals=ns)
    baseline = timeit.Timer(base, timer=time.process_time, globals=ns)
    n_subject, n_base = calibrate(subject, target), calibrate(baseline, target)
    best_s = best_b = float("inf")
    for _ in range(repeat):
        best_b = min(best_b, baseline.timeit(n_base) / n_base * 1e9)
        best_s = min(best_s, subject.timeit(n_subject) / n_subject * 1e9)
    return best_s, best_b


def measure(quick: bool, only: Optional[List[str]] = None) -> Dict[str, Any]:
    """Time every figure (or the ``only`` ones) in this process; return ratios and times."""
    import hyperparameter as hp

    ns = namespace(hp)
    repeat, target = (3, 0.005) if quick else (9, 0.05)
    results: Dict[str, Any] = {}
    for fid, _title, stmt, base, ctx, _c, _p in FIGURES:
        if only and fid not in only:
            continue
        with context(hp, ctx, ns):
            ns_time, base_time = best_pair(stmt, base, ns, repeat, target)
        results[fid] = {"ns": ns_time, "base_ns": base_time, "ratio": ns_time / base_time}
    from hyperparameter import _access

    return {"implementation": getattr(_access, "IMPLEMENTATION", "python"), "figures": results}


def measure_pure(quick: bool, only: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the figures in a child process under the pure-Python implementation."""
    env = dict(os.environ, HYPERPARAMETER_PURE_PYTHON="1")
    env.pop("HYPERPARAMETER_PARAMS", None)
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--only-this", "--raw",
         *(["--quick"] if quick else []), *(f"--figure={f}" for f in only or ())],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    result: Dict[str, Any] = json.loads(out)
    return result


def measure_06(python: str, quick: bool) -> Dict[str, float]:
    """Return hyperparameter 0.6's ratios on compare_worker's scope workloads."""
    workloads = ["read_default", "read_scoped", "read_held", "scope_5_over_1000", "param_call"]
    cmd = [python, os.path.join(HERE, "compare_worker.py"), "hyperparameter-0.6",
           *(["--quick"] if quick else [])]
    for w in workloads:
        cmd += ["--workload", w]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "HYPERPARAMETER_PARAMS", "VIRTUAL_ENV")}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env,
                         cwd=HERE).stdout
    return {r["id"]: r["best_ns"] / r["base_best_ns"] for r in json.loads(out)["results"]}


# compare_worker's workload ids for our figures, for the 0.6 column.
AS_06 = {"read": "read_default", "read_3": "read_scoped", "held_3": "read_held",
         "enter_exit": "scope_5_over_1000", "param": "param_call"}


def _cell(value: Optional[float]) -> str:
    return f"{value:7.1f}x" if value is not None else f"{'-':>8}"


def _bar(value: Optional[float]) -> str:
    return f"<={value:g}x" if value is not None else ""


def report(runs: Dict[str, Dict[str, Any]], before: Optional[Dict[str, Any]],
           old: Optional[Dict[str, float]]) -> bool:
    """Print the table; return whether every ratio is within its bar."""
    ok = True
    columns = list(runs)
    head = f"{'figure':46}"
    if before is not None:
        head += f" {'before':>8}"
    for impl in columns:
        head += f" {impl:>9} {'bar':>6}"
    if old is not None:
        head += f" {'0.6':>8}"
    print(head + "   (ratio to the baseline statement, best of repeats)")
    for fid, title, _stmt, base, _ctx, bar_c, bar_p in FIGURES:
        if any(fid not in runs[impl]["figures"] for impl in columns):
            continue  # not timed this run (--figure)
        line = f"{title:46}"
        if before is not None:
            line += " " + _cell(before.get("figures", {}).get(fid, {}).get("ratio"))
        for impl in columns:
            ratio = runs[impl]["figures"][fid]["ratio"]
            bar = bar_c if impl == "compiled" else bar_p
            over = bar is not None and ratio > bar
            ok &= not over
            line += f" {ratio:8.1f}x{'!' if over else ' '}{_bar(bar):>6}"
        if old is not None:
            line += " " + _cell(old.get(AS_06.get(fid, ""))) if fid in AS_06 else f" {'':8}"
        print(line + f"   vs {base}")
    for impl in columns:
        figures = runs[impl]["figures"]
        for high, low, limit in FLAT:
            if high not in figures or low not in figures:
                continue
            growth = figures[high]["ratio"] / figures[low]["ratio"]
            ok &= growth <= limit
            print(f"{impl}: {high} / {low} = {growth:.2f} (flat: at most {limit})")
        some = next(iter(figures.values()))
        print(f"{impl}: baseline statement {some['base_ns']:.1f} ns; "
              + "; ".join(f"{fid} {figures[fid]['ns']:.0f} ns"
                          for fid in ("read", "enter_exit") if fid in figures))
    return ok


def main(argv: Optional[List[str]] = None) -> int:
    """Measure, print the table, optionally save or check it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short timings (a smoke run)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio is over its bar")
    parser.add_argument("--json", metavar="PATH", help="save this run's ratios")
    parser.add_argument("--before", metavar="PATH", help="print a saved run beside this one")
    parser.add_argument("--only-this", action="store_true",
                        help="time only the implementation this process runs")
    parser.add_argument("--with-0.6", dest="old", metavar="PYTHON",
                        help="the Python of a venv with hyperparameter==0.6.0, for a 0.6 column")
    parser.add_argument("--figure", action="append", metavar="ID",
                        help="time only this figure (repeatable; ids: "
                        + ", ".join(f[0] for f in FIGURES) + ")")
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    here = measure(args.quick, args.figure)
    if args.raw:
        json.dump(here, sys.stdout)
        return 0
    runs = {here["implementation"]: here}
    if not args.only_this and here["implementation"] != "python":
        runs["python"] = measure_pure(args.quick, args.figure)
    before = None
    if args.before:
        with open(args.before, encoding="utf-8") as f:
            before = json.load(f)
    old = measure_06(args.old, args.quick) if args.old else None
    ok = report(runs, before, old)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(runs.get("compiled", here), f, indent=1)
        if "python" in runs and "compiled" in runs:
            with open(args.json.replace(".json", "") + ".python.json", "w",
                      encoding="utf-8") as f:
                json.dump(runs["python"], f, indent=1)
    if args.quick:
        print("quick smoke run: timings too short to publish")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
