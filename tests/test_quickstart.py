"""The behaviours the quickstart guide promises (sections 1-5, 7, 8), checked end to end.

The train.py program of section 2.2 runs as a real subprocess.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import hyperparameter as hp

ROOT = Path(__file__).resolve().parents[1]


def test_reading_with_defaults_section_1_1():
    """`| d`, `(d)` read with defaults; `()` on a missing key raises KeyError."""
    assert hp.scope.train.lr | 0.001 == 0.001
    assert hp.scope.train.batch_size | 32 == 32
    assert hp.scope.model.cache(True) is True
    with pytest.raises(KeyError):
        hp.scope.model.required_key()


def test_scope_rollback_section_1_2(capsys):
    """A scope overrides a value inside the block and rolls back after it."""
    print(hp.scope.model.dropout | 0.1)
    with hp.scope(**{"model.dropout": 0.3}):
        print(hp.scope.model.dropout | 0.1)
    print(hp.scope.model.dropout | 0.1)
    assert capsys.readouterr().out.split() == ["0.1", "0.3", "0.1"]


def test_param_binding_section_2_1(capsys):
    """Signature defaults, scope overrides and direct arguments, in priority order."""

    @hp.param("train")
    def train(lr=1e-3, batch_size=32, epochs=10):
        print(f"lr={lr}, batch_size={batch_size}, epochs={epochs}")

    train()
    with hp.scope(**{"train.lr": 5e-4, "train.batch_size": 64}):
        train()
    train(lr=1e-2)
    assert capsys.readouterr().out.splitlines() == [
        "lr=0.001, batch_size=32, epochs=10",
        "lr=0.0005, batch_size=64, epochs=10",
        "lr=0.01, batch_size=32, epochs=10",
    ]


@pytest.mark.parametrize(("argv", "expected"), [
    (["-D", "train.lr=5e-4", "-D", "train.batch_size=64"], "lr=0.0005, batch_size=64, warmup=500"),
    (["-D", "train.lr=5e-4", "train.batch_size=64"], "lr=0.0005, batch_size=64, warmup=500"),
    ([], "lr=0.001, batch_size=32, warmup=500"),
], ids=["two-D", "one-D-two-values", "no-overrides"])
def test_cli_override_section_2_2(argv, expected):
    """`python train.py -D train.lr=5e-4 -D train.batch_size=64` prints the overridden values."""
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "train.py"), *argv],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected


def test_cli_override_bad_value_fails_clearly():
    """A -D value that cannot convert stops the program with the key and source named."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "train.py"), "-D", "train.lr=abc"],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "cannot convert 'abc' to float for key 'train.lr'" in result.stderr


def test_multi_model_comparison_section_3_1(capsys):
    """Outer scopes share settings; inner scopes override per variant and stay isolated."""

    @hp.param("modelA")
    def run_a(dropout=0.1, hidden=128):
        print(f"A {dropout} {hidden} {hp.scope.data.path | ''}")

    @hp.param("modelB")
    def run_b(dropout=0.2, hidden=256):
        print(f"B {dropout} {hidden}")

    with hp.scope(**{"data.path": "/data/mnist"}):
        for overrides in ({"modelA.dropout": 0.3}, {"modelB.hidden": 512, "modelB.dropout": 0.15}):
            with hp.scope(**overrides):
                run_a()
                run_b()
    assert capsys.readouterr().out.splitlines() == [
        "A 0.3 128 /data/mnist", "B 0.2 256",
        "A 0.1 128 /data/mnist", "B 0.15 512",
    ]


def test_dynamic_keys_section_3_2():
    """Keys built at run time read through scope[...]."""
    from hyperparameter import scope

    values = {"task.cls.lr": 1e-3, "task.cls.weight_decay": 0.01,
              "task.seg.lr": 5e-4, "task.seg.weight_decay": 0.001}
    with hp.scope(**values):
        got = [(scope[f"task.{t}.lr"] | 1e-3, scope[f"task.{t}.weight_decay"] | 0.01)
               for t in ("cls", "seg")]
    assert got == [(1e-3, 0.01), (5e-4, 0.001)]


def test_request_isolation_section_4_1():
    """Each request's overrides apply to that request only, across worker threads."""

    def rerank(items):
        if hp.scope.rerank.use_new(False):
            threshold = hp.scope.rerank.threshold | 0.8
            return [x for x in items if x.score >= threshold]
        return items

    def handle(request):
        with hp.scope(**request.overrides):
            return [x.score for x in rerank(request.items)]

    items = [SimpleNamespace(score=s) for s in (0.5, 0.85, 0.95)]
    requests = [SimpleNamespace(items=items, overrides=o) for o in (
        {}, {"rerank.use_new": True}, {"rerank.use_new": True, "rerank.threshold": 0.9})] * 20
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(handle, requests))
    assert results == [[0.5, 0.85, 0.95], [0.85, 0.95], [0.95]] * 20


def test_multithreaded_preprocessing_section_4_2():
    """A config dict passed to worker threads applies inside each worker's own scope."""

    def preprocess(shard, cfg):
        with hp.scope(**cfg):
            return shard, hp.scope.pre.clean_noise(False), hp.scope.pre.norm | "zscore"

    cfg = {"pre.clean_noise": True, "pre.norm": "minmax"}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda s: preprocess(s, cfg), range(8)))
    assert results == [(s, True, "minmax") for s in range(8)]
    assert hp.scope.pre.norm | "zscore" == "zscore"


def test_common_use_cases_section_5():
    """LLM, A/B, ETL and early-stopping patterns read defaults and overrides."""

    def generate():
        return hp.scope.llm.max_tokens | 256, hp.scope.llm.temperature | 0.7

    assert generate() == (256, 0.7)
    with hp.scope(**{"llm.max_tokens": 64, "llm.temperature": 0.2}):
        assert generate() == (64, 0.2)

    def run_job(overrides=None):
        with hp.scope(**(overrides or {})):
            return hp.scope.etl.batch_size | 500, hp.scope.etl.retry | 3, hp.scope.etl.timeout | 30

    assert run_job() == (500, 3, 30)
    assert run_job({"etl.batch_size": 5000, "etl.timeout": 300}) == (5000, 3, 300)

    def check_early_stop(metric, best, wait):
        patience = hp.scope.scheduler.patience | 5
        delta = hp.scope.scheduler.min_delta | 0.001
        if metric > best + delta:
            return False, metric, 0
        wait += 1
        return wait >= patience, best, wait

    with hp.scope(**{"scheduler.patience": 2}):
        assert check_early_stop(0.5, 0.5, 1) == (True, 0.5, 2)
    assert check_early_stop(0.5, 0.5, 1) == (False, 0.5, 2)


def test_api_reference_table_section_7():
    """Every form in the API table works: |, (d), (), [key], **dict, *list, @param."""
    with hp.scope(*["a.b=2"]), hp.scope(**{"c.d": 3}):
        assert hp.scope.a.b | 0 == 2
        assert hp.scope.a.b(0) == 2
        assert hp.scope.a.b() == 2
        assert hp.scope["c.d"] | 0 == 3


def test_demo_runs():
    """The README demo runs and shows scope, -D, thread and frozen behaviour."""
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py"),
                             "-D", "train.lr=5e-4"], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert "lr=0.001, batch_size=64" in lines[1]
    assert "lr=0.0005, batch_size=32" in lines[3]
    assert "lr=0.001" in lines[4] and "lr=0.0005" in lines[5]
