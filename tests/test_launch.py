"""hp.launch as a user runs it: a script, its command line, exit codes, stdout and stderr."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp
from hyperparameter._propagate import ENV_VAR

SCRIPT = '''
"""Train a model."""
import enum
import pathlib
from typing import Literal

import hyperparameter as hp


class Opt(enum.Enum):
    SGD = 1
    ADAM = 2


@hp.param("model")
def build(depth: int = 18, name: Literal["resnet", "vit"] = "resnet"):
    """Build the network.

    Args:
        depth: number of layers.
    """
    return depth, name


@hp.param("train")
def main(lr: float = 0.1, epochs: int = 3, opt: Opt = Opt.SGD, use_amp: bool = False):
    """Train the model.

    Args:
        lr: the learning rate.
        epochs: passes over the data.
    """
    tag = hp.scope.run.tag | "none"
    print("lr", lr, "epochs", epochs, "opt", opt.name, "amp", use_amp, "model", build(), tag)
    if epochs == 99:
        raise RuntimeError("epochs=99 fails")


if __name__ == "__main__":
    hp.launch(main)
'''


@pytest.fixture
def script(tmp_path):
    """Write the training script into a fresh folder."""
    path = tmp_path / "train.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def run(script, *argv, env=None):
    """Run the script with ``argv`` as a user would, in its folder."""
    full = dict(os.environ)
    full.pop(ENV_VAR, None)
    full.pop("HYPERPARAMETER_RUN_DIR", None)
    full.update(env or {})
    return subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True,
                          cwd=script.parent, env=full, timeout=120)


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path``."""
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- values and checks


def test_config_file_numbers_and_text_reach_typed_parameters(script):
    """`lr: 1e-3` gives 0.001 for a float and `epochs: "7"` gives 7 for an int."""
    write(script.parent / "c.yaml", 'train:\n  lr: 1e-3\n  epochs: "7"\n')
    result = run(script, "-C", "c.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("lr 0.001 epochs 7 ")


def test_a_file_value_that_does_not_fit_stops_before_the_run(script):
    """`epochs: 5.5` for an int is a usage error naming key, value, file:line and type."""
    write(script.parent / "c.yaml", "train:\n  lr: 0.5\n  epochs: 5.5\n")
    result = run(script, "-C", "c.yaml")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "train.epochs" in result.stderr and "5.5" in result.stderr
    assert "c.yaml:3" in result.stderr and "int" in result.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["--epochs", "two"], "cannot convert 'two' to int for key 'train.epochs' (from --epochs"),
    (["-D", "model.depth=two"], "cannot convert 'two' to int for key 'model.depth'"),
    (["-D", "model.name=cnn"], "'resnet', 'vit'"),
    (["--opt", "RMS"], "use one of 'SGD', 'ADAM'"),
    (["-D", "modle.depth=3"], "unknown key 'modle.depth' in -D modle.depth=3; "
                              "did you mean 'model.depth'?"),
    (["--explain", "a..b"], "invalid key 'a..b' in --explain a..b"),
    (["--lrr", "3"], "unknown argument '--lrr'; did you mean '--lr'?"),
], ids=["flag-type", "define-type", "literal", "enum", "unknown-key", "explain-key", "flag"])
def test_bad_command_lines_are_usage_errors_before_the_run(script, argv, message):
    """Each mistake stops with exit status 2 and a message, before the function runs."""
    result = run(script, *argv)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "usage: train.py" in result.stderr
    assert message in result.stderr


def test_added_and_allowed_keys_run(script):
    """-D +key adds a key on purpose; --allow-unknown turns the check off."""
    added = run(script, "-D", "+extra.note=hi")
    assert added.returncode == 0, added.stderr
    allowed = run(script, "--allow-unknown", "-D", "extra.note=hi")
    assert allowed.returncode == 0, allowed.stderr
    assert "unused override 'extra.note'" in allowed.stderr


def test_a_key_the_script_reads_is_known(script):
    """A key only read in the script (hp.scope.run.tag | ...) is accepted by -D."""
    result = run(script, "-D", "run.tag=baseline")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("baseline")


def test_a_key_read_in_an_imported_project_module_is_known(tmp_path):
    """A read in a module of the script's own project (not yet run) makes its key known."""
    write(tmp_path / "helpers.py", """\
        import hyperparameter as hp

        def root():
            return hp.scope.data.root | "/data"
        """)
    path = write(tmp_path / "main.py", """\
        import hyperparameter as hp
        import helpers

        @hp.param("job")
        def job(n: int = 1):
            print(helpers.root(), n)

        hp.launch(job)
        """)
    result = run(path, "-D", "data.root=/mnt")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "/mnt 1\n"
    shown = run(path, "--print-config", "--sources")
    assert 'root: "/data"  # default at helpers.py:4' in shown.stdout


def test_missing_required_parameter_is_a_usage_error(tmp_path):
    """A required parameter not given is exit 2 naming the flag and the -D key."""
    path = write(tmp_path / "req.py", """\
        import hyperparameter as hp

        @hp.param("job")
        def job(data: str, retries: int = 1):
            print(data, retries)

        hp.launch(job)
        """)
    result = run(path)
    assert result.returncode == 2
    assert "the parameter 'data' of job (key 'job.data', str) is required: " \
           "give --data VALUE or -D job.data=VALUE" in result.stderr
    assert run(path, "--data", "x").stdout == "x 1\n"


def test_defines_re_resolve_references_in_files(script):
    """With `run.tag: d${model.depth}` in a file, -D model.depth=101 gives d101."""
    write(script.parent / "c.yaml", "model:\n  depth: 50\nrun:\n  tag: d${model.depth}\n")
    assert run(script, "-C", "c.yaml").stdout.strip().endswith("(50, 'resnet') d50")
    result = run(script, "-C", "c.yaml", "-D", "model.depth=101")
    assert result.stdout.strip().endswith("(101, 'resnet') d101"), result.stderr


# --------------------------------------------------------------------------- reserved names


def test_parameters_named_like_launcher_options_get_namespaced_flags():
    """config, define, explain, print_config and help become --ns.name flags; -D always works."""

    @hp.param("job")
    def job(config="c", define="d", explain="e", print_config=False, help="h", sources=1):
        return config, define, explain, print_config, help, sources

    assert hp.launch(job, []) == ("c", "d", "e", False, "h", 1)
    got = hp.launch(job, ["--job.config", "x", "-D", "job.define=y", "--job.explain", "z",
                          "--job.print_config", "--job.help", "w", "--job.sources", "2"])
    assert got == ("x", "y", "z", True, "w", 2)


def test_odd_callables_launch():
    """A class, a partial, a callable object and an async function launch like functions."""
    import functools

    @hp.param("model")
    class Model:
        def __init__(self, depth: int = 18):
            self.depth = depth

    def scaled(a, b: int = 2):
        return a * b

    class Call:
        def __call__(self, x: float = 1.0):
            return x

    @hp.param("aio")
    async def fetch(n: int = 1):
        return hp.scope.aio.n | 0, n

    assert hp.launch(Model, ["--depth", "5"]).depth == 5
    assert hp.launch(hp.param("pp")(functools.partial(scaled, 3)), ["--b", "7"]) == 21
    assert hp.launch(hp.param("cc")(Call()), ["-D", "cc.x=3"]) == 3.0
    assert hp.launch(fetch, ["--n", "4"]) == (4, 4)


# --------------------------------------------------------------------------- publication


def _epochs(_: int) -> int:
    return hp.scope.train.epochs | 3


def test_launch_restores_environment_and_baseline():
    """HYPERPARAMETER_PARAMS holds the run's values during the run only; the baseline too."""
    before = os.environ.get(ENV_VAR)

    @hp.param("train")
    def job(epochs: int = 3):
        return json.loads(os.environ[ENV_VAR]), epochs

    seen, epochs = hp.launch(job, ["-D", "train.epochs=5"])
    assert seen["train.epochs"] == "5" and epochs == 5
    assert os.environ.get(ENV_VAR) == before
    assert hp.scope.train.epochs | 3 == 3


def test_a_forkserver_started_before_the_run_serves_the_run_values():
    """A forkserver running before hp.launch is restarted, so its workers see the run's values."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver here")
    context = multiprocessing.get_context("forkserver")

    def pool_epochs():
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            return pool.submit(_epochs, 0).result()

    assert pool_epochs() == 3

    @hp.param("train")
    def job(epochs: int = 3):
        return pool_epochs()

    assert hp.launch(job, ["--epochs", "8"]) == 8
    assert hp.launch(job, ["--epochs", "9"]) == 9
    assert pool_epochs() == 3


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_two_launches_reach_pool_workers_without_leaking(method):
    """A launch's values reach its pool workers; a later launch or plain pool does not see them."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    context = multiprocessing.get_context(method)

    def pool_epochs():
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            return pool.submit(_epochs, 0).result()

    @hp.param("train")
    def job(epochs: int = 3):
        return epochs, pool_epochs()

    assert hp.launch(job, ["--epochs", "5"]) == (5, 5)
    assert hp.launch(job, []) == (3, 3)
    assert pool_epochs() == 3


def test_explain_under_launch_names_the_command_line_and_the_file(script):
    """--explain shows the -D value over the file line, never the library's own lines."""
    write(script.parent / "c.yaml", "train:\n  lr: 0.01\n")
    result = run(script, "-C", "c.yaml", "-D", "train.lr=0.5", "--explain", "train.lr")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["train.lr = 0.5", "  from: -D train.lr=0.5",
                         "  shadows 0.01 from: c.yaml:2"]
    assert "_scope.py" not in result.stdout and "published" not in result.stdout


def test_launch_without_a_function_finds_local_functions(tmp_path):
    """hp.launch() finds @hp.param functions defined in the calling function, as 0.6 did."""
    path = write(tmp_path / "local.py", """\
        import hyperparameter as hp

        def cli():
            @hp.param("greet")
            def hello(name: str = "world"):
                print("hello", name)

            @hp.param("count")
            def count(n: int = 1):
                print("n", n)

            hp.launch()

        cli()
        """)
    result = run(path, "hello", "--name", "you")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello you\n"


# --------------------------------------------------------------------------- show


def test_help_groups_every_parameter_by_namespace(script):
    """--help lists the function's flags and each namespace's parameters with type and help."""
    text = " ".join(run(script, "--help").stdout.split())
    assert "parameters of main:" in text
    assert "--lr VALUE, --train.lr VALUE the learning rate. [train.lr; float; default: 0.1]" \
        in text
    assert "parameters in 'model' (__main__.build):" in text
    assert "--model.depth VALUE number of layers. [model.depth; int; default: 18]" in text
    assert "--model.name {resnet,vit}" in text and "choices: resnet, vit" in text
    assert "--opt {SGD,ADAM}" in text


def test_print_config_is_the_full_config_and_reloads_the_same(script):
    """--print-config prints every parameter with defaults as YAML; -C of it prints the same."""
    write(script.parent / "c.yaml", "train:\n  lr: 1e-3\n")
    first = run(script, "-C", "c.yaml", "-D", "model.depth=34", "--print-config")
    assert first.returncode == 0, first.stderr
    assert first.stdout == textwrap.dedent("""\
        model:
          depth: 34
          name: "resnet"
        run:
          tag: "none"
        train:
          epochs: 3
          lr: 0.001
          opt: "SGD"
          use_amp: false
        """)
    (script.parent / "printed.yaml").write_text(first.stdout)
    again = run(script, "-C", "printed.yaml", "--print-config")
    assert again.stdout == first.stdout
    assert run(script, "-C", "printed.yaml").stdout.startswith("lr 0.001 epochs 3 opt SGD")


def test_print_config_sources_names_each_origin(script):
    """--print-config --sources adds a comment per value: file line, -D, flag or default."""
    write(script.parent / "c.yaml", "train:\n  lr: 1e-3\n")
    result = run(script, "-C", "c.yaml", "-D", "model.depth=34", "--epochs", "4",
                 "--print-config", "--sources")
    assert "  depth: 34  # -D model.depth=34\n" in result.stdout
    assert "  lr: 0.001  # c.yaml:2\n" in result.stdout
    assert "  epochs: 4  # --epochs 4\n" in result.stdout
    assert '  name: "resnet"  # default of build\n' in result.stdout


def test_print_config_shows_a_path_in_the_baseline_as_text(tmp_path):
    """A pathlib.Path published by the program prints as its path, not a crash."""
    path = write(tmp_path / "paths.py", """\
        import pathlib
        import hyperparameter as hp

        with hp.scope(**{"data.root": pathlib.Path("/data/set"), "data.literal": "${x}"}):
            hp.frozen()

        @hp.param("job")
        def job(n: int = 1):
            pass

        hp.launch(job)
        """)
    result = run(path, "--print-config")
    assert result.returncode == 0, result.stderr
    assert 'root: "/data/set"' in result.stdout
    assert 'literal: "$${x}"' in result.stdout


# --------------------------------------------------------------------------- records


def test_run_dir_records_what_the_run_used_and_replays_it(script):
    """--run-dir writes config.yaml (replayable with -C) and run.json before the run starts."""
    subprocess.run(["git", "init", "-q"], cwd=script.parent, check=True)
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q",
                    "--allow-empty", "-m", "x"], cwd=script.parent, check=True)
    write(script.parent / "c.yaml", "train:\n  lr: 1e-3\n")
    result = run(script, "-C", "c.yaml", "--epochs", "4", "--run-dir", "runs/one")
    assert result.returncode == 0, result.stderr
    folder = script.parent / "runs" / "one"
    info = json.loads((folder / "run.json").read_text())
    assert info["argv"] == ["-C", "c.yaml", "--epochs", "4", "--run-dir", "runs/one"]
    assert info["hyperparameter"] == hp.__version__
    assert info["status"] == "finished"
    assert info["sources"]["train.lr"] == "c.yaml:2"
    assert info["sources"]["train.epochs"] == "--epochs 4"
    assert len(info["git"]["commit"]) == 40 and info["git"]["dirty"] is True  # untracked files
    replay = run(script, "-C", str(folder / "config.yaml"))
    assert replay.stdout == result.stdout


def test_a_crashed_run_is_still_recorded(script):
    """The record is written before the function runs; a failure is noted in run.json."""
    result = run(script, "--epochs", "99", env={"HYPERPARAMETER_RUN_DIR": "runs/crash"})
    assert result.returncode == 1
    folder = script.parent / "runs" / "crash"
    assert "  epochs: 99\n" in (folder / "config.yaml").read_text()
    info = json.loads((folder / "run.json").read_text())
    assert info["status"] == "failed" and "epochs=99 fails" in info["error"]


# --------------------------------------------------------------------------- version and completion


def test_versions_agree():
    """hp --version, python -m hyperparameter --version and hp.__version__ say the same."""
    expected = f"hyperparameter {hp.__version__}\n"
    module = subprocess.run([sys.executable, "-m", "hyperparameter", "--version"],
                            capture_output=True, text=True)
    assert module.stdout == expected
    tool = Path(sys.executable).with_name("hp")
    if tool.exists():
        assert subprocess.run([str(tool), "--version"], capture_output=True,
                              text=True).stdout == expected


def test_shell_completion_offers_define_keys(script, tmp_path):
    """With argcomplete, completing `-D mo` offers the model.* keys."""
    pytest.importorskip("argcomplete")
    out = tmp_path / "completions.txt"
    line = f"{script.name} -D mo"
    env = {"_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
           "_ARGCOMPLETE_STDOUT_FILENAME": str(out), "_ARGCOMPLETE_IFS": "\n"}
    run(script, env=env)
    offered = out.read_text().split("\n")
    assert "model.depth=" in offered and "model.name=" in offered
