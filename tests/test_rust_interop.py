"""Parameters cross between Python and Rust processes through ``HYPERPARAMETER_PARAMS``.

The Rust side is the crate's example programs in ``rust/examples``:
``print_params KEY=DEFAULT...`` prints each key as the process reads it (with the
default's type), and ``spawn_child [-D K=V]... -- CMD...`` runs a command under its
parameters plus ``launcher.depth`` (int) and ``launcher.name`` (str). The tests build
them with cargo and are skipped where cargo is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

import hyperparameter as hp

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "rust" / "Cargo.toml"
ENV_VAR = "HYPERPARAMETER_PARAMS"


@pytest.fixture(scope="module")
def programs() -> Dict[str, str]:
    """Build the crate's example programs once; return their paths by name."""
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed")
    result = subprocess.run(
        [
            cargo,
            "build",
            "--offline",
            "--quiet",
            "--examples",
            "--message-format=json",
            "--manifest-path",
            str(MANIFEST),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    paths: Dict[str, str] = {}
    for line in result.stdout.splitlines():
        message = json.loads(line)
        target = message.get("target", {})
        if message.get("reason") == "compiler-artifact" and "example" in target.get("kind", []):
            paths[target["name"]] = message["executable"]
    assert {"print_params", "spawn_child"} <= set(paths), paths
    return paths


def _clean_env() -> Dict[str, str]:
    """Return os.environ without parameters, with this checkout's package importable."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _run(cmd: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    """Run a program and capture its output as text."""
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def _print_params(programs: Dict[str, str], *reads: str) -> str:
    """Run print_params under the parameters in force here; return its output."""
    env = hp.subprocess_env(_clean_env())
    result = _run([programs["print_params"], *reads], env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_python_scope_drives_a_rust_program(programs: Dict[str, str]) -> None:
    """Values set in code keep their type; -D style text converts toward the Rust default."""
    with hp.scope(
        **{"train.lr": 0.01, "train.steps": 100, "train.amp": True, "model.name": "bert"}
    ):
        with hp.scope("train.warmup=5", "model.dropout=1e-1", "train.lr=0.02"):
            out = _print_params(
                programs,
                "train.lr=0.1",
                "train.steps=1",
                "train.steps=1.5",
                "train.amp=false",
                "model.name=x",
                "train.warmup=0",
                "model.dropout=0.5",
                "missing.key=7",
            )
    assert out.splitlines() == [
        "train.lr=0.02",
        "train.steps=100",
        "train.steps=100.0",
        "train.amp=true",
        "model.name=bert",
        "train.warmup=5",
        "model.dropout=0.1",
        "missing.key=7",
    ]


def test_the_python_baseline_reaches_a_rust_program(programs: Dict[str, str]) -> None:
    """hp.frozen() values pass to the child like scope values, and scopes still win."""
    with hp.scope(**{"global.seed": 42, "train.lr": 0.5}):
        hp.frozen()
    with hp.scope(**{"train.lr": 0.25}):
        out = _print_params(programs, "global.seed=0", "train.lr=0.1")
    assert out.splitlines() == ["global.seed=42", "train.lr=0.25"]


def test_a_python_text_that_rust_cannot_convert_is_reported(programs: Dict[str, str]) -> None:
    """The Rust child fails, naming the key, the text, the type and the variable."""
    with hp.scope("train.lr=abc"):
        env = hp.subprocess_env(_clean_env())
    result = _run([programs["print_params"], "train.lr=0.1"], env)
    assert result.returncode != 0
    assert "cannot convert 'abc' to f64 for key 'train.lr'" in result.stderr
    assert ENV_VAR in result.stderr


_PYTHON_READS = (
    "import hyperparameter as hp; "
    "print(hp.scope['train.lr'] | 0.1, hp.scope['train.steps'] | 1, "
    "hp.scope['model.name'] | 'x', hp.scope['launcher.depth'] | 0, "
    "hp.scope['launcher.name'] | '', hp.scope['missing.key'] | 'default')"
)


def test_a_rust_programs_parameters_reach_a_python_child(programs: Dict[str, str]) -> None:
    """-D text, an int and a string set in Rust are read by the Python child."""
    result = _run(
        [
            programs["spawn_child"],
            "-D",
            "train.lr=0.05",
            "-D",
            "train.steps=300",
            "-D",
            "model.name=bert",
            "--",
            sys.executable,
            "-c",
            _PYTHON_READS,
        ],
        _clean_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.05", "300", "bert", "1", "spawn_child", "default"]


def test_parameters_go_from_python_through_rust_to_python(programs: Dict[str, str]) -> None:
    """A Python scope, then a Rust -D override, then a Python grandchild that sees both."""
    with hp.scope(**{"train.lr": 0.5, "train.steps": 10}):
        env = hp.subprocess_env(_clean_env())
    result = _run(
        [
            programs["spawn_child"],
            "-D",
            "model.name=gpt",
            "--",
            sys.executable,
            "-c",
            _PYTHON_READS,
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.5", "10", "gpt", "1", "spawn_child", "default"]


def test_a_rust_child_reads_every_kind_of_python_value(programs: Dict[str, str]) -> None:
    """None, lists and big integers cross too; Rust reports what it cannot read as asked."""
    with hp.scope(**{"a.none": None, "a.list": [1, "x"], "a.big": 2**70, "a.neg": -3}):
        env = hp.subprocess_env(_clean_env())
    assert json.loads(env[ENV_VAR]) == {
        "a.big": 2**70,
        "a.list": [1, "x"],
        "a.neg": -3,
        "a.none": None,
    }
    result = _run([programs["print_params"], "a.neg=0", "a.big=x"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a.neg=-3", f"a.big={2**70}"]
    result = _run([programs["print_params"], "a.big=0"], env)
    assert result.returncode != 0
    assert "cannot convert '1180591620717411303424' to i64 for key 'a.big'" in result.stderr


class _Lines:
    """Lines of a child's output, read by one thread, awaited with a deadline."""

    def __init__(self, stream) -> None:
        import queue
        import threading

        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: List[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, wanted: str, seconds: float) -> None:
        """Return once a line equal to ``wanted`` arrived; fail after ``seconds``."""
        import queue
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if line == wanted:
                return
        raise AssertionError(f"never printed {wanted!r}; printed {self.seen!r}")


def test_a_rust_worker_follows_values_published_by_the_hp_command(programs, tmp_path):
    """`hp publish --store file://...` from Python reaches a Rust process following the store."""
    paths = programs
    if "follow_store" not in paths:
        result = subprocess.run(
            ["cargo", "build", "--offline", "--quiet", "--example", "follow_store",
             "--message-format=json", "--manifest-path", str(MANIFEST)],
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr
        for line in result.stdout.splitlines():
            message = json.loads(line)
            if message.get("target", {}).get("name") == "follow_store" and message.get(
                    "executable"):
                paths = {**paths, "follow_store": message["executable"]}
    store = tmp_path / "params.json"
    url = store.as_uri()
    hp_command = [sys.executable, "-m", "hyperparameter"]
    first = subprocess.run([*hp_command, "publish", "--store", url, "llm.temperature=0.7"],
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    child = subprocess.Popen([paths["follow_store"], url, "llm.temperature=1.0", "60"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    output = _Lines(child.stdout)
    try:
        output.wait_for("llm.temperature=0.7", 30)
        second = subprocess.run([*hp_command, "publish", "--store", url, "llm.temperature=0.2"],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        output.wait_for("llm.temperature=0.2", 30)
    finally:
        child.kill()
        child.wait()
