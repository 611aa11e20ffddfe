"""One library's side of ``benchmarks/compare.py``: time every workload here, print JSON.

    python benchmarks/compare_worker.py LIBRARY [--quick]

``compare.py`` runs this script once per library, each time with the Python of
that library's virtual environment (this project runs with the interpreter
that runs ``compare.py``), so two packages that share the import name
``hyperparameter`` never meet in one process. The script imports nothing but
the standard library, PyYAML and the one library under test.

Every figure comes with a plain-dict baseline timed in this same process,
repeat by repeat (baseline, then library), so the ratio between them cancels
most of the noise of the machine and of the process. Workloads the library has
no feature for are reported as ``n/a`` with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import yaml

LIBRARIES = ("hyperparameter", "hyperparameter-0.6", "yacs", "omegaconf", "ml_collections")

# (id, title, plain-dict baseline statement). The baselines use the names set up
# in _common_namespace(); each library's statement is in its own function below.
WORKLOADS: List[Tuple[str, str, str]] = [
    ("read_default", "read a nested parameter with a default, no scope active",
     'nested["a"]["b"]'),
    ("read_scoped", "the same read inside 3 nested scopes over 1,000 keys",
     'nested["a"]["b"]'),
    ("read_held", "the same read through a held scope object (`with hp.scope(...) as ps`)",
     'nested["a"]["b"]'),
    ("scope_5", "enter + exit a scope that sets 5 keys",
     "stack.append(dict(five)); stack.pop()"),
    ("scope_5_over_1000", "enter + exit a 5-key scope over 1,000 keys in effect",
     "stack.append(dict(five)); stack.pop()"),
    ("param_call", "call a function whose 3 parameters are bound to keys (1 set in a scope)",
     "plain(lr=1e-3, batch_size=64, epochs=10)"),
    ("attr_2", "attribute read on a 300-leaf tree, 2 levels deep",
     'd["s2"]["v3"]'),
    ("attr_4", "attribute read on a 300-leaf tree, 4 levels deep",
     'd["s2"]["g3"]["h1"]["x4"]'),
    ("clone", "clone a 300-leaf tree",
     "copy.deepcopy(d)"),
    ("merge_file", "merge a 50-key YAML file into a 300-leaf tree",
     "with open(override_yaml) as f: deep_update(d, yaml.load(f, Loader=SafeLoader))"),
    ("merge_trees", "merge two 300-leaf trees",
     "deep_update(d, other)"),
    ("dump", "dump a 300-leaf tree to YAML",
     "yaml.dump(d, Dumper=SafeDumper)"),
    ("load", "load a 300-leaf YAML file",
     "with open(tree_yaml) as f: yaml.load(f, Loader=SafeLoader)"),
    ("import", "import the package (fresh interpreter)",
     "import json"),
]

NO_SCOPES = "no scoped parameters"
NO_TREE = "no config tree type (hp.config() returns a plain dict)"


# --------------------------------------------------------------------------- shared data


def _leaf(index: int, variant: int) -> Any:
    # Each key keeps its type across variants, so type-checking merges accept them.
    kind = index % 5
    if kind == 0:
        return index + variant
    if kind == 1:
        return index * 0.5 + variant
    if kind == 2:
        return f"name{index}_{variant}"
    if kind == 3:
        return (index + variant) % 2 == 0
    return [index, variant]


def make_tree(variant: int = 0) -> Dict[str, Any]:
    """Return a 300-leaf tree: 5 sections, each 10 leaves 2 levels deep and 50 leaves 4 deep."""
    counter = iter(range(300))
    tree: Dict[str, Any] = {}
    for s in range(5):
        section: Dict[str, Any] = {f"v{v}": _leaf(next(counter), variant) for v in range(10)}
        for g in range(5):
            section[f"g{g}"] = {
                f"h{h}": {f"x{x}": _leaf(next(counter), variant) for x in range(5)}
                for h in range(2)
            }
        tree[f"s{s}"] = section
    return tree


def leaf_paths(tree: Dict[str, Any], prefix: Tuple[str, ...] = ()) -> Iterator[Tuple[str, ...]]:
    """Yield the path of every leaf, depth first, in insertion order."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from leaf_paths(value, (*prefix, key))
        else:
            yield (*prefix, key)


def make_override() -> Dict[str, Any]:
    """Return 50 leaves of the tree (every 6th), with variant-1 values, as a nested dict."""
    source = make_tree(variant=1)
    override: Dict[str, Any] = {}
    for path in list(leaf_paths(source))[::6]:
        value: Any = source
        node = override
        for part in path[:-1]:
            value = value[part]
            node = node.setdefault(part, {})
        node[path[-1]] = value[path[-1]]
    return override


def deep_update(dst: Dict[str, Any], src: Dict[str, Any]) -> None:
    """Merge ``src`` into ``dst`` recursively (the plain-dict merge)."""
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            deep_update(dst[key], value)
        else:
            dst[key] = value


def _common_namespace(workdir: str) -> Dict[str, Any]:
    tree_yaml = os.path.join(workdir, "tree300.yaml")
    override_yaml = os.path.join(workdir, "override50.yaml")
    with open(tree_yaml, "w") as f:
        yaml.safe_dump(make_tree(), f)
    with open(override_yaml, "w") as f:
        yaml.safe_dump(make_override(), f)

    def plain(lr: float = 1e-3, batch_size: int = 32, epochs: int = 10) -> int:
        return batch_size

    return {
        # The YAML baselines use libyaml when PyYAML has it, as this project does: a
        # baseline on the pure-Python loader would credit libyaml's speed to us.
        "SafeLoader": getattr(yaml, "CSafeLoader", yaml.SafeLoader),
        "SafeDumper": getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        "copy": copy, "yaml": yaml, "deep_update": deep_update, "plain": plain,
        "nested": {"a": {"b": 1}}, "d": make_tree(), "other": make_tree(variant=1), "stack": [],
        "five": {f"x.k{i}": i for i in range(5)},
        "thousand": {f"k{i}.x": i for i in range(1000)},
        "tree_yaml": tree_yaml, "override_yaml": override_yaml,
        "tree": make_tree(), "tree_b": make_tree(variant=1),
    }


# --------------------------------------------------------------------------- timing


# CPU time of this process, not wall time: on a shared machine other programs
# take the CPU away in bursts, which inflates wall-clock figures at random; the
# CPU time an operation consumes does not depend on them. The workloads are
# single-threaded and compute-bound (the YAML files are in the page cache), so on
# an idle machine both clocks agree.
CLOCK = time.process_time


class Settings:
    """How long to time each figure."""

    def __init__(self, quick: bool) -> None:
        # Many short repeats rather than a few long ones: on a busy machine the
        # best of them is more likely to have run undisturbed.
        self.target = 0.004 if quick else 0.03  # seconds per repeat
        self.repeat = 3 if quick else 11
        self.import_repeat = 2 if quick else 7


def calibrate(timer: timeit.Timer, target: float) -> int:
    """Return how many runs of the timer's statement take about ``target`` seconds."""
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target / 5 or number >= 10**7:
            return max(1, int(number * target / max(elapsed, 1e-9)))
        number *= 10


def measure(code: str, baseline: str, ns: Dict[str, Any], settings: Settings) -> Dict[str, Any]:
    """Time ``code`` and ``baseline`` in turns; return best and median ns per op of each."""
    subject_timer = timeit.Timer(code, timer=CLOCK, globals=ns)
    baseline_timer = timeit.Timer(baseline, timer=CLOCK, globals=ns)
    n_subject = calibrate(subject_timer, settings.target)
    n_baseline = calibrate(baseline_timer, settings.target)
    subject: List[float] = []
    base: List[float] = []
    for _ in range(settings.repeat):
        base.append(baseline_timer.timeit(n_baseline) / n_baseline * 1e9)
        subject.append(subject_timer.timeit(n_subject) / n_subject * 1e9)
    return {
        "best_ns": min(subject), "median_ns": statistics.median(subject),
        "base_best_ns": min(base), "base_median_ns": statistics.median(base),
        "number": n_subject, "repeat": settings.repeat,
    }


def _import_seconds(module: str, env: Dict[str, str]) -> float:
    code = (
        "import time; t = time.process_time(); "
        f"import {module}; print(time.process_time() - t)"
    )
    # -S: no site module, so no .pth file preloads modules (an interpreter with
    # many packages installed would otherwise start with `re`, `typing`, ...
    # already imported); PYTHONPATH gives the child this process's import path.
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], check=True, capture_output=True, text=True, env=env
    ).stdout
    return float(out.strip().splitlines()[-1])


def measure_import(module: str, settings: Settings) -> Dict[str, Any]:
    """Time ``import module`` in fresh interpreters, beside ``import json``."""
    env = {k: v for k, v in os.environ.items() if k != "HYPERPARAMETER_PARAMS"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path[1:] if p)
    _import_seconds(module, env)  # writes the .pyc files; not counted
    _import_seconds("json", env)
    subject: List[float] = []
    base: List[float] = []
    for _ in range(settings.import_repeat):
        base.append(_import_seconds("json", env) * 1e9)
        subject.append(_import_seconds(module, env) * 1e9)
    return {
        "best_ns": min(subject), "median_ns": statistics.median(subject),
        "base_best_ns": min(base), "base_median_ns": statistics.median(base),
        "number": 1, "repeat": settings.import_repeat,
    }


# --------------------------------------------------------------------------- libraries

# Each library function returns {workload id: statement, or NA(reason)}, sets up
# the names its statements use in ``ns``, and may return context managers that
# must be active while a workload is timed ({id: callable returning one}).

Plan = Dict[str, Any]
Contexts = Dict[str, Callable[[], Any]]


class NA:
    """A workload the library has no feature for."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _scope_workloads(hp: Any, ns: Dict[str, Any]) -> Tuple[Plan, Contexts]:
    """The scope and @hp.param workloads, which this project and 0.6 spell the same way."""
    ns["hp"] = hp

    @hp.param("train")
    def bound(lr: float = 1e-3, batch_size: int = 32, epochs: int = 10) -> int:
        return batch_size

    ns["bound"] = bound

    def three_scopes() -> Any:
        stack = contextlib.ExitStack()
        stack.enter_context(hp.scope(**ns["thousand"]))
        # The middle scope, held as 0.6 users wrote `with hp.scope(...) as ps: ps.a.b | 1`.
        ns["ps"] = stack.enter_context(hp.scope(**{"a.b": 2}))
        stack.enter_context(hp.scope(**{"c.d": 3}))
        return stack

    plan: Plan = {
        "read_default": "hp.scope.a.b | 1",
        "read_scoped": "hp.scope.a.b | 1",
        "read_held": "ps.a.b | 1",
        "scope_5": "with hp.scope(**five): pass",
        "scope_5_over_1000": "with hp.scope(**five): pass",
        "param_call": "bound()",
    }
    contexts: Contexts = {
        "read_scoped": three_scopes,
        "read_held": three_scopes,
        "scope_5_over_1000": lambda: hp.scope(**ns["thousand"]),
        "param_call": lambda: hp.scope(**{"train.batch_size": 64}),
    }
    return plan, contexts


def plan_hyperparameter(ns: Dict[str, Any]) -> Tuple[Plan, Contexts, str]:
    """This project."""
    import hyperparameter as hp

    plan, contexts = _scope_workloads(hp, ns)
    ns["cfg"] = hp.CfgNode(ns["tree"])
    ns["cfg_other"] = hp.CfgNode(ns["tree_b"])
    hp.load(ns["tree_yaml"])
    plan.update({
        "attr_2": "cfg.s2.v3",
        "attr_4": "cfg.s2.g3.h1.x4",
        "clone": "cfg.clone()",
        "merge_file": "cfg.merge_from_file(override_yaml)",
        "merge_trees": "cfg.merge_from_other_cfg(cfg_other)",
        "dump": "cfg.dump()",
        "load": "hp.load(tree_yaml)",
        "import": "hyperparameter",
    })
    from hyperparameter import _access

    # Which implementation was timed: the compiled accelerator or the pure-Python one.
    implementation = getattr(_access, "IMPLEMENTATION", "python")
    return plan, contexts, f"{_version('hyperparameter')} ({implementation})"


def plan_hyperparameter_06(ns: Dict[str, Any]) -> Tuple[Plan, Contexts, str]:
    """hyperparameter 0.6 (PyPI), Rust backend."""
    import hyperparameter as hp

    plan, contexts = _scope_workloads(hp, ns)
    hp.config(ns["tree_yaml"])
    plan.update({
        "attr_2": NA(NO_TREE),
        "attr_4": NA(NO_TREE),
        "clone": NA(NO_TREE),
        "merge_file": NA(NO_TREE),
        "merge_trees": NA(NO_TREE),
        "dump": NA("no YAML writer"),
        "load": "hp.config(tree_yaml)",
        "import": "hyperparameter",
    })
    return plan, contexts, _version("hyperparameter")


def plan_yacs(ns: Dict[str, Any]) -> Tuple[Plan, Contexts, str]:
    """YACS 0.1.8."""
    from yacs.config import CfgNode

    ns["CfgNode"] = CfgNode
    ns["cfg"] = CfgNode(ns["tree"])
    ns["cfg_other"] = CfgNode(ns["tree_b"])
    with open(ns["tree_yaml"]) as f:  # a broken idiom fails here, before timing starts
        CfgNode.load_cfg(f)
    plan: Plan = {
        "read_default": NA(NO_SCOPES),
        "read_scoped": NA(NO_SCOPES),
        "read_held": NA(NO_SCOPES),
        "scope_5": NA(NO_SCOPES),
        "scope_5_over_1000": NA(NO_SCOPES),
        "param_call": NA("no parameter binding"),
        "attr_2": "cfg.s2.v3",
        "attr_4": "cfg.s2.g3.h1.x4",
        "clone": "cfg.clone()",
        "merge_file": "cfg.merge_from_file(override_yaml)",
        "merge_trees": "cfg.merge_from_other_cfg(cfg_other)",
        "dump": "cfg.dump()",
        "load": "with open(tree_yaml) as f: CfgNode.load_cfg(f)",
        "import": "yacs.config",
    }
    return plan, {}, _version("yacs")


def plan_omegaconf(ns: Dict[str, Any]) -> Tuple[Plan, Contexts, str]:
    """OmegaConf."""
    from omegaconf import OmegaConf

    ns["OmegaConf"] = OmegaConf
    ns["empty"] = OmegaConf.create({})
    ns["cfg"] = OmegaConf.create(ns["tree"])
    ns["cfg_other"] = OmegaConf.create(ns["tree_b"])
    OmegaConf.load(ns["tree_yaml"])
    plan: Plan = {
        "read_default": 'OmegaConf.select(empty, "a.b", default=1)',
        "read_scoped": NA(NO_SCOPES),
        "read_held": NA(NO_SCOPES),
        "scope_5": NA(NO_SCOPES),
        "scope_5_over_1000": NA(NO_SCOPES),
        "param_call": NA("no parameter binding"),
        "attr_2": "cfg.s2.v3",
        "attr_4": "cfg.s2.g3.h1.x4",
        "clone": "copy.deepcopy(cfg)",
        "merge_file": "OmegaConf.merge(cfg, OmegaConf.load(override_yaml))",
        "merge_trees": "OmegaConf.merge(cfg, cfg_other)",
        "dump": "OmegaConf.to_yaml(cfg)",
        "load": "OmegaConf.load(tree_yaml)",
        "import": "omegaconf",
    }
    return plan, {}, _version("omegaconf")


def plan_ml_collections(ns: Dict[str, Any]) -> Tuple[Plan, Contexts, str]:
    """ml_collections ConfigDict."""
    from ml_collections import ConfigDict

    ns["cfg"] = ConfigDict(ns["tree"])
    ns["cfg_other"] = ConfigDict(ns["tree_b"])
    plan: Plan = {
        "read_default": NA(NO_SCOPES),
        "read_scoped": NA(NO_SCOPES),
        "read_held": NA(NO_SCOPES),
        "scope_5": NA(NO_SCOPES),
        "scope_5_over_1000": NA(NO_SCOPES),
        "param_call": NA("no parameter binding"),
        "attr_2": "cfg.s2.v3",
        "attr_4": "cfg.s2.g3.h1.x4",
        "clone": "cfg.copy_and_resolve_references()",
        "merge_file": NA("no config-file reader (configs are Python files)"),
        "merge_trees": "cfg.update(cfg_other)",
        # to_yaml() writes Python-object tags; a plain, safe_load-able dump goes through to_dict().
        "dump": "yaml.safe_dump(cfg.to_dict())",
        "load": NA("no config-file reader (configs are Python files)"),
        "import": "ml_collections",
    }
    return plan, {}, _version("ml-collections")


PLANS = {
    "hyperparameter": plan_hyperparameter,
    "hyperparameter-0.6": plan_hyperparameter_06,
    "yacs": plan_yacs,
    "omegaconf": plan_omegaconf,
    "ml_collections": plan_ml_collections,
}


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------- main


def run(library: str, quick: bool, only: Optional[List[str]] = None) -> Dict[str, Any]:
    """Time every workload for ``library``; return the JSON-ready result."""
    settings = Settings(quick)
    with tempfile.TemporaryDirectory(prefix="hp-compare-") as workdir:
        ns = _common_namespace(workdir)
        plan, contexts, version = PLANS[library](ns)
        results = []
        for workload, title, baseline in WORKLOADS:
            if only and workload not in only:
                continue
            entry: Dict[str, Any] = {"id": workload, "title": title, "baseline": baseline}
            step = plan[workload]
            if isinstance(step, NA):
                entry.update(code=None, na=step.reason)
            elif workload == "import":
                entry.update(code=f"import {step}", na=None, **measure_import(step, settings))
            else:
                make_context = contexts.get(workload)
                with make_context() if make_context else contextlib.nullcontext():
                    entry.update(code=step, na=None, **measure(step, baseline, ns, settings))
            results.append(entry)
    return {
        "library": library,
        "version": version,
        "python": platform.python_version(),
        "executable": sys.executable,
        "results": results,
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Parse the arguments, run, print the JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=LIBRARIES)
    parser.add_argument("--quick", action="store_true", help="short timings, for a smoke run")
    parser.add_argument("--workload", action="append", default=[],
                        help="time only this workload id (repeatable)")
    args = parser.parse_args(argv)
    json.dump(run(args.library, args.quick, args.workload), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
