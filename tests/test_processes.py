"""Parameters across processes: process pools (fork and spawn), snapshots, child processes.

Every test starts real processes. Functions sent to a pool live in ``_workers``
so ``spawn`` children can import them by name.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

import hyperparameter as hp
from hyperparameter import _propagate, _scope
from hyperparameter.errors import ConversionError, InvalidKeyError

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:  # --import-mode=importlib does not put it there
    sys.path.insert(0, TESTS_DIR)

import _workers  # noqa: E402  (needs TESTS_DIR on sys.path)

KEYS = ["train.lr", "train.steps", "model.name", "flag"]

START_METHODS = [
    pytest.param(m, id=m) for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()
]


def pool(method: str, **kwargs) -> concurrent.futures.ProcessPoolExecutor:
    """Return a one-worker process pool that starts its worker with ``method``."""
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context(method), **kwargs
    )


# ----------------------------------------------------------------------------- process pools


@pytest.mark.parametrize("method", START_METHODS)
def test_bound_function_runs_under_callers_parameters_in_a_process_pool(method):
    """submit(hp.bind(f), x) runs f in the child under the parameters in force at bind time."""
    with pool(method) as executor:
        with hp.scope(**{"train.lr": 0.5, "model.name": "resnet", "flag": False}):
            with hp.scope("train.steps=7"):  # text crosses as text, converted at the read
                bound = hp.bind(_workers.read)
                scaled = hp.bind(_workers.scaled)
        assert executor.submit(bound, KEYS).result() == {
            "train.lr": 0.5,
            "train.steps": 7,
            "model.name": "resnet",
            "flag": False,
        }
        assert executor.submit(scaled, 4.0).result() == 2.0
        # The bound layer is gone after each call: the worker keeps no scope.
        assert executor.submit(_workers.stack_depth).result() == 0
        assert executor.submit(_workers.read, KEYS).result() == dict.fromkeys(KEYS)


@pytest.mark.parametrize("method", START_METHODS)
def test_worker_started_inside_a_scope_does_not_inherit_it(method):
    """A pool worker started while a scope is open starts from its baseline, like a thread."""
    with hp.scope(**{"train.lr": 0.5}):
        with pool(method) as executor:
            # The first submit starts the worker: under fork, inside this scope.
            assert executor.submit(_workers.stack_depth).result() == 0
            assert executor.submit(_workers.read, ["train.lr"]).result() == {"train.lr": None}
        assert hp.scope.train.lr() == 0.5


def fork_inside_two_scopes(write_fd: int) -> int:
    """Fork inside two scopes; the child writes what it sees at each level and exits."""
    with hp.scope(**{"train.lr": 0.5}):
        with hp.scope(**{"train.steps": 7}):
            pid = os.fork()
            if pid == 0:
                seen = [_workers.stack_depth(), _workers.read(KEYS)]
        if pid == 0:
            seen.append(_workers.stack_depth())
    if pid == 0:
        seen.append(_workers.stack_depth())
        os.write(write_fd, json.dumps(seen).encode())
        os._exit(0)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_raw_fork_inside_scopes_starts_from_baseline_and_leaves_blocks_cleanly():
    """A child forked inside two scopes reads the baseline and exits both blocks without error."""
    with hp.scope(**{"flag": True}):
        hp.frozen()
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    try:
        pid = fork_inside_two_scopes(write_fd)
    except BaseException:
        if os.getpid() != parent:  # never let a failing child go on running the tests
            os._exit(1)
        raise
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert json.loads(report) == [
        0, {"train.lr": None, "train.steps": None, "model.name": None, "flag": True}, 0, 0,
    ]


def test_forked_worker_starts_from_the_parents_baseline():
    """Under fork the worker's baseline is a copy of the parent's, hp.frozen() values included."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("this platform has no fork start method")
    with hp.scope(**{"train.lr": 0.25}):
        hp.frozen()
    with pool("fork") as executor:
        assert executor.submit(_workers.read, ["train.lr"]).result() == {"train.lr": 0.25}


@pytest.mark.parametrize("method", START_METHODS)
def test_initializer_publishes_the_parents_parameters_in_every_worker(method):
    """initializer=hp.bind(hp.frozen) makes the bound parameters each worker's baseline."""
    with hp.scope(**{"train.lr": 0.125, "model.name": "vit"}):
        init = hp.bind(hp.frozen)
    with pool(method, initializer=init) as executor:
        assert executor.submit(_workers.read, KEYS).result() == {
            "train.lr": 0.125,
            "train.steps": None,
            "model.name": "vit",
            "flag": None,
        }
        assert executor.submit(_workers.stack_depth).result() == 0


@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="before 3.11 hp.bind(async_fn) is a real function, which cannot pickle")
def test_bound_coroutine_function_stays_async_across_processes():
    """hp.bind of an async function pickles as async and awaits under its parameters."""
    with hp.scope(**{"train.lr": 0.5}):
        bound = hp.bind(_workers.read_async)
    restored = pickle.loads(pickle.dumps(bound))
    assert type(restored) is type(bound)
    with pool("spawn") as executor:
        assert executor.submit(_workers.run_coroutine, bound, "train.lr").result() == 0.5


def test_bound_callable_keeps_only_picklable_values():
    """A bound callable holding an unpicklable value fails to pickle with pickle's own error."""
    import threading

    with hp.scope(**{"lock": threading.Lock()}):
        bound = hp.bind(_workers.read)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(bound)


# ----------------------------------------------------------------------------- snapshots


def test_snapshot_pickles_and_is_entered_in_another_process():
    """hp.snapshot() crosses to a spawn child and, entered there as a scope, reads the same."""
    with hp.scope(**{"train.lr": 0.5, "model.name": "resnet"}), hp.scope("train.steps=7"):
        assert hp.scope.train.steps | 0 == 7
        snap = hp.snapshot()
        expected = _workers.read(KEYS)
    assert pickle.loads(pickle.dumps(snap)) == snap
    with pool("spawn") as executor:
        assert executor.submit(_workers.read_under, snap, KEYS).result() == expected
        assert executor.submit(_workers.read, KEYS).result() == dict.fromkeys(KEYS)


# ----------------------------------------------------------------------- HYPERPARAMETER_PARAMS


def run_python(code: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter and return the finished process."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_child_process_starts_from_parents_parameters_through_the_environment():
    """subprocess_env() makes the parameters in force a child's baseline, typed at the read."""
    with hp.scope(**{"train.lr": 0.5, "flag": True, "sizes": [1, 2]}), hp.scope("train.steps=7"):
        env = hp.subprocess_env()
    assert json.loads(env[_propagate.ENV_VAR]) == {
        "flag": True,
        "sizes": [1, 2],
        "train.lr": 0.5,
        "train.steps": "7",
    }
    code = (
        "import hyperparameter as hp\n"
        "print(hp.scope.train.lr | 0.0, hp.scope.train.steps | 0, hp.scope.flag | False,\n"
        "      hp.scope.sizes | [], hp.scope.train.steps | 'x', hp.scope.depth | 0)\n"
    )
    child = run_python(code, env)
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["0.5", "7", "True", "[1,", "2]", "7", "0"]


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        pytest.param("{not json", "ConversionError", "is not valid JSON", id="not-json"),
        pytest.param("[1, 2]", "ConversionError", "must be a JSON object", id="not-object"),
        pytest.param('{"a..b": 1}', "InvalidKeyError", "invalid key 'a..b'", id="bad-key"),
    ],
)
def test_bad_environment_value_fails_the_import_clearly(text, error, match):
    """A child whose HYPERPARAMETER_PARAMS is broken stops at import with a message naming it."""
    env = hp.subprocess_env()
    env[_propagate.ENV_VAR] = text
    child = run_python("import hyperparameter", env)
    assert child.returncode != 0
    last = child.stderr.strip().splitlines()[-1]
    assert error in last and match in last and "HYPERPARAMETER_PARAMS" in last


def test_values_that_cannot_travel_are_named():
    """subprocess_env() refuses a value JSON cannot carry, naming the key and the fix."""
    with hp.scope(**{"model.net": object()}), pytest.raises(TypeError, match=r"'model\.net'.*only"):
        hp.subprocess_env()


def test_load_env_failure_leaves_the_baseline_unchanged():
    """A rejected HYPERPARAMETER_PARAMS text changes nothing in this process."""
    with hp.scope(**{"a": 1}):
        hp.frozen()
    before = dict(_scope.baseline().params)
    with pytest.raises(InvalidKeyError, match="HYPERPARAMETER_PARAMS"):
        _propagate.load_env('{"ok": 1, "bad key": 2}')
    with pytest.raises(ConversionError, match="not valid JSON"):
        _propagate.load_env("[" * 100_000)
    assert dict(_scope.baseline().params) == before
