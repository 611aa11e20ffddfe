"""Sweeps (-m): combinations, one process per run, records, progress, summary, failures, Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hyperparameter._sweep import combinations

SCRIPT = '''
import hyperparameter as hp


@hp.param("model")
def train(depth: int = 18, name: str = "a", sizes: list = None):
    print("depth", depth, "name", name, "sizes", sizes)
    if depth == 50 and name == "b":
        raise SystemExit("this combination fails")


if __name__ == "__main__":
    hp.launch(train)
'''


def run(tmp_path, *argv):
    """Write the script and run it with ``argv``."""
    script = tmp_path / "sweep.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HYPERPARAMETER_PARAMS", "HYPERPARAMETER_RUN_DIR")}
    return subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)


@pytest.mark.parametrize(("defines", "expected"), [
    (["a=1,2"], [["a=1"], ["a=2"]]),
    (["a=[1,2]"], [["a=[1,2]"]]),
    (["a=1,2", "b=x,y"], [["a=1", "b=x"], ["a=1", "b=y"], ["a=2", "b=x"], ["a=2", "b=y"]]),
    (["a='p,q',r"], [["a='p,q'"], ["a=r"]]),
    (["+n=1,2"], [["+n=1"], ["+n=2"]]),
], ids=["two", "list-is-one", "product", "quoted", "added"])
def test_combinations_split_commas_outside_brackets_and_quotes(defines, expected):
    """Each comma-separated value is one run; brackets and quotes keep their commas."""
    assert combinations(defines) == expected


def test_sweep_runs_every_combination_and_reports_failures(tmp_path):
    """4 runs, each recorded in DIR/N; the failing one is shown with overrides and log; exit 1."""
    result = run(tmp_path, "-m", "-D", "model.depth=18,50", "-D", "model.name=a,b",
                 "-D", "model.sizes=[1,2]", "--jobs", "2", "--run-dir", "out")
    assert result.returncode == 1, result.stderr
    err = result.stderr
    assert "[sweep] 4/4 done, 0 running, 1 failed" in err
    assert "3 of 4 runs succeeded, 1 failed" in err
    assert ("run 3 failed with exit status 1: -D model.depth=50 -D model.name=b "
            "-D model.sizes=[1,2] (log: out/3/log.txt)") in err
    assert "  | this combination fails" in err
    for index, (depth, name) in enumerate([(18, "a"), (18, "b"), (50, "a"), (50, "b")]):
        folder = tmp_path / "out" / str(index)
        log = (folder / "log.txt").read_text()
        assert log.startswith(f"depth {depth} name {name} sizes [1, 2]\n")
        assert f"  depth: {depth}\n" in (folder / "config.yaml").read_text()
        info = json.loads((folder / "run.json").read_text())
        assert info["status"] == ("failed" if index == 3 else "finished")
    table = err[err.index("run  status"):]
    assert table.splitlines()[2].split()[:2] == ["0", "ok"]


def test_sweep_without_failures_exits_zero(tmp_path):
    """A sweep whose runs all succeed exits 0 and prints the summary table."""
    result = run(tmp_path, "-m", "-D", "model.depth=1,2")
    assert result.returncode == 0, result.stderr
    assert "2 of 2 runs succeeded" in result.stderr
    assert result.stdout == ""


def test_sweep_checks_keys_before_running(tmp_path):
    """An unknown key in a sweep stops before any run, with exit status 2."""
    result = run(tmp_path, "-m", "-D", "model.dept=1,2")
    assert result.returncode == 2
    assert "unknown key 'model.dept'" in result.stderr and "[sweep]" not in result.stderr


def test_a_sweep_needs_the_launching_script(capsys):
    """hp.launch(fn, ["-m", ...]) from code that is not the running script is a usage error."""
    import hyperparameter as hp

    @hp.param("grid")
    def job(a: int = 0):
        return a

    with pytest.raises(SystemExit) as exit_:
        hp.launch(job, ["-m", "-D", "grid.a=1,2"])
    assert exit_.value.code == 2
    assert "a sweep (-m) runs the script that launched 'job'" in capsys.readouterr().err


def test_ray_launcher_runs_the_sweep_as_ray_tasks(tmp_path):
    """--launcher ray runs each combination as a task on a local Ray, with the same records."""
    pytest.importorskip("ray")
    result = run(tmp_path, "-m", "-D", "model.depth=18,50", "-D", "model.name=b",
                 "--launcher", "ray", "--jobs", "2", "--run-dir", "ray")
    assert result.returncode == 1, result.stderr
    assert "1 of 2 runs succeeded, 1 failed" in result.stderr
    assert (tmp_path / "ray" / "0" / "log.txt").read_text().startswith("depth 18 name b")
    assert json.loads((tmp_path / "ray" / "1" / "run.json").read_text())["status"] == "failed"
