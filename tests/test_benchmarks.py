"""The benchmark scripts still run: a quick compare.py of this project, and every bench_*.py.

Nothing here is timed: the figures belong to the scripts, the tests only keep
them from rotting.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from types import ModuleType

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
BENCH_SCRIPTS = sorted(
    name for name in os.listdir(BENCHMARKS) if name.startswith("bench_") and name.endswith(".py")
)


def _load(name: str) -> ModuleType:
    """Import a script of benchmarks/ by file name, without running its main()."""
    path = os.path.join(BENCHMARKS, name)
    spec = importlib.util.spec_from_file_location(f"_bench_{name[:-3]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_quick_runs_for_this_project(tmp_path):
    """compare.py --quick --only hyperparameter prints and writes a full table, with no venv."""
    markdown = tmp_path / "table.md"
    venvs = tmp_path / "venvs"
    done = subprocess.run(
        [
            sys.executable,
            os.path.join(BENCHMARKS, "compare.py"),
            "--quick",
            "--only",
            "hyperparameter",
            "--markdown",
            str(markdown),
            "--venvs",
            str(venvs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert not venvs.exists(), "--only hyperparameter must not create virtual environments"
    worker = _load("compare_worker.py")
    for _id, title, _baseline in worker.WORKLOADS:
        assert title in done.stdout
    assert "n/a" not in done.stdout, "this project should have every feature compared"
    rows = markdown.read_text(encoding="utf-8").strip().splitlines()
    assert rows[0].startswith("| workload | library | best | median |")
    assert len(rows) == 2 + len(worker.WORKLOADS)


def test_compare_worker_data_has_the_announced_shape():
    """The tree has 300 leaves, 2 and 4 levels deep; the override file 50 of them."""
    worker = _load("compare_worker.py")
    paths = list(worker.leaf_paths(worker.make_tree()))
    assert len(paths) == 300
    assert {len(p) for p in paths} == {2, 4}
    override = list(worker.leaf_paths(worker.make_override()))
    assert len(override) == 50 and set(override) <= set(paths)
    assert set(worker.PLANS) == set(worker.LIBRARIES)


@pytest.mark.parametrize("name", BENCH_SCRIPTS)
def test_bench_script_runs_or_imports(name):
    """Each bench_*.py runs in its quick mode if it has one, and otherwise imports cleanly."""
    path = os.path.join(BENCHMARKS, name)
    with open(path, encoding="utf-8") as f:
        has_quick = "--quick" in f.read()
    if has_quick:
        done = subprocess.run(
            [sys.executable, path, "--quick"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    else:
        module = _load(name)
        assert callable(getattr(module, "main", None)), f"{name} should define main()"


def test_bench_scope_prints_a_ratio_per_figure_for_each_implementation():
    """bench_scope.py --quick prints every figure with a ratio under each implementation."""
    bench = _load("bench_scope.py")
    done = subprocess.run(
        [sys.executable, os.path.join(BENCHMARKS, "bench_scope.py"), "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    from hyperparameter import _access

    columns = ["compiled", "python"] if _access.IMPLEMENTATION == "compiled" else ["python"]
    assert header.split()[1:1 + 2 * len(columns):2] == columns
    for _id, title, *_rest in bench.FIGURES:
        (line,) = [line for line in lines if line.startswith(title)]
        ratios = [cell for cell in line[len(title):].split() if cell.rstrip("!").endswith("x")
                  and not cell.startswith("<=")]
        assert len(ratios) == len(columns), line
    assert any(line.startswith("python: baseline_100k / baseline_10") for line in lines)


def test_bench_scope_figure_option_times_only_the_figures_named():
    """bench_scope.py --figure ID (repeatable) prints those figures and no other."""
    bench = _load("bench_scope.py")
    done = subprocess.run(
        [sys.executable, os.path.join(BENCHMARKS, "bench_scope.py"), "--quick", "--only-this",
         "--figure", "read", "--figure", "enter_exit"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    titles = {fid: title for fid, title, *_rest in bench.FIGURES}
    shown = {fid for fid, title in titles.items()
             if any(line.startswith(title) for line in done.stdout.splitlines())}
    assert shown == {"read", "enter_exit"}
