"""Parameters in Ray tasks and actors, on a real local Ray cluster (2 CPUs, one per module)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

import hyperparameter as hp

# Ray is not in the [test] extra (it is about 240 MB): `pip install -e ".[test,ray]"` runs
# these tests, as .ci/run does; without it the module is skipped, with this reason.
pytestmark = pytest.mark.ray
ray_module = pytest.importorskip(
    "ray", reason="ray is not installed: install the [ray] extra to run the Ray tests"
)

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:  # --import-mode=importlib does not put it there
    sys.path.insert(0, TESTS_DIR)

import _workers  # noqa: E402  (needs TESTS_DIR on sys.path)

DOCS = Path(__file__).resolve().parent.parent / "docs"

# Parameters the whole Ray job starts from: every worker's baseline.
JOB_PARAMS = {"job.name": "ray-test"}


@pytest.fixture(scope="module")
def ray() -> Iterator[Any]:
    """Start one local Ray cluster for this module, its workers able to import ``_workers``."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no reporting from a test run
    ray = ray_module
    with hp.scope(**JOB_PARAMS):
        job_env = hp.subprocess_env({})
    path = os.pathsep.join(p for p in (TESTS_DIR, os.environ.get("PYTHONPATH")) if p)
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": path, **job_env}},
        )
    except Exception as exc:  # pragma: no cover - depends on the sandbox
        pytest.skip(f"ray.init(num_cpus=2) failed here: {type(exc).__name__}: {exc}")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_remote_task_carrying_a_bound_callable_sees_callers_parameters(ray):
    """A generic remote task called with hp.bind(f) runs f under the caller's parameters."""
    call = ray.remote(_workers.call)
    with hp.scope(**{"train.lr": 0.5, "flag": False}), hp.scope("train.steps=7"):
        bound = hp.bind(_workers.read)
    keys = ["train.lr", "train.steps", "flag", "job.name"]
    assert ray.get(call.remote(bound, keys)) == {
        "train.lr": 0.5,
        "train.steps": 7,
        "flag": False,
        "job.name": "ray-test",
    }


def test_remote_function_built_from_hp_bind(ray):
    """ray.remote over a function calling hp.bind(f) gives a task with the caller's parameters."""
    with hp.scope(**{"train.lr": 0.25}):
        bound = hp.bind(_workers.scaled)

    def scaled(x):
        return bound(x)

    task = ray.remote(scaled)
    assert ray.get([task.remote(x) for x in (1.0, 2.0, 4.0)]) == [0.25, 0.5, 1.0]


def test_remote_function_itself_does_not_see_the_callers_scope(ray):
    """An unbound remote task sees only its worker's baseline (here the job's parameters)."""
    task = ray.remote(_workers.read)
    with hp.scope(**{"train.lr": 0.5}):
        result = ray.get(task.remote(["train.lr", "job.name"]))
    assert result == {"train.lr": None, "job.name": "ray-test"}
    assert ray.get(ray.remote(_workers.stack_depth).remote()) == 0


def test_bound_calls_leave_no_scope_in_reused_workers(ray):
    """Many bound tasks over the pool's workers leave every worker with no open scope."""
    call = ray.remote(_workers.call)
    with hp.scope(**{"train.lr": 0.5}):
        bound = hp.bind(_workers.scaled)
    assert ray.get([call.remote(bound, 2.0) for _ in range(20)]) == [1.0] * 20
    depths = ray.get([call.remote(_workers.stack_depth) for _ in range(20)])
    assert depths == [0] * 20


def test_actor_constructed_with_a_snapshot_reads_it_in_each_method(ray):
    """An actor given hp.snapshot() enters it per method; outside it, its baseline shows."""
    trainer = ray.remote(_workers.Trainer)
    with hp.scope(**{"train.lr": 0.5}):
        actor = trainer.remote(hp.snapshot())
    assert ray.get([actor.lr.remote(), actor.unscoped_lr.remote(), actor.lr.remote()]) == [
        0.5,
        0.0,
        0.5,
    ]
    ray.kill(actor)


def test_actor_started_with_the_environment_variable_has_them_as_baseline(ray):
    """An actor whose runtime_env carries subprocess_env({}) reads them as its baseline."""
    trainer = ray.remote(_workers.Trainer)
    with hp.scope(**{"train.lr": 0.75}):
        options = {"runtime_env": {"env_vars": hp.subprocess_env({})}}
    actor = trainer.options(**options).remote({})
    assert ray.get([actor.lr.remote(), actor.unscoped_lr.remote()]) == [0.75, 0.75]
    ray.kill(actor)


def test_ray_example_of_the_docs_runs_on_the_cluster(ray, capsys):
    """The Ray block of docs/processes.md runs as written and prints the text block after it."""
    from test_docs import parse_page

    page = parse_page(str(DOCS / "processes.md"))
    blocks = [b for b in page.blocks if b.language == "python" and "import ray" in b.code]
    assert blocks, "docs/processes.md should show the Ray patterns"
    for block in blocks:
        code = compile(block.code, f"docs/processes.md:{block.line}", "exec")
        exec(code, {"__name__": "__main__"})  # as `python example.py` runs it
        assert block.expected is not None
        assert capsys.readouterr().out == block.expected.code
