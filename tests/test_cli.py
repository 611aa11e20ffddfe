"""The command line: add_arguments/scope_from_args, hp.launch, YACS opts, and the hp command."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import hyperparameter as hp
from hyperparameter import cli
from hyperparameter._docstrings import param_help


@pytest.fixture
def base_yaml(tmp_path):
    """A small YAML config with train.* and model.* keys."""
    path = tmp_path / "base.yaml"
    path.write_text("train:\n  lr: 0.01\n  batch_size: 16\nmodel:\n  depth: 50\n")
    return path


def parse(argv):
    """Parse argv with a parser that has the hp arguments."""
    return cli.add_arguments(argparse.ArgumentParser()).parse_args(argv)


# ----------------------------------------------------------------------------- add_arguments


def test_define_beats_config_beats_default(base_yaml, tmp_path):
    """-D > config files (later wins) > the default at the read."""
    later = tmp_path / "later.yaml"
    later.write_text("train:\n  batch_size: 24\n")
    args = parse(["-C", str(base_yaml), "-C", str(later), "-D", "train.lr=0.5"])
    with cli.scope_from_args(args):
        assert hp.scope.train.lr | 0.1 == 0.5
        assert hp.scope.train.batch_size | 1 == 24
        assert hp.scope.model.depth | 18 == 50
        assert hp.scope.model.width | 64 == 64


@pytest.mark.parametrize(("argv", "match"), [
    (["-D", "a.b"], "has no '='"),
    (["-D", "=1"], "no key before '='"),
    (["-D", "a..b=1"], "invalid key 'a..b'"),
    (["-C", "does-not-exist.yaml"], "does-not-exist.yaml"),
], ids=["no-equals", "no-key", "empty-segment", "missing-file"])
def test_bad_command_line_input_is_a_clear_error(argv, match):
    """Malformed -D and missing files raise before any state changes."""
    with pytest.raises((ValueError, OSError), match=match):
        cli.scope_from_args(parse(argv))
    assert hp.scope.a.b | 0 == 0


def test_print_config_and_explain(base_yaml):
    """--print-config prints YAML of what is in force; --explain prints the chain."""
    args = parse(["-C", str(base_yaml), "-D", "train.lr=0.5", "--print-config",
                  "--explain", "train.lr"])
    out = io.StringIO()
    with cli.scope_from_args(args):
        assert cli.handle_info_flags(args, out)
    text = out.getvalue()
    assert "train:\n  batch_size: 16\n  lr: 0.5\n" in text
    assert "train.lr = 0.5\n  from: -D train.lr=0.5\n  shadows 0.01 from: " in text
    assert f"{base_yaml}:2" in text


def test_no_info_flags_prints_nothing():
    """handle_info_flags returns False when nothing was asked."""
    out = io.StringIO()
    assert not cli.handle_info_flags(parse([]), out)
    assert out.getvalue() == ""


# ----------------------------------------------------------------------------- YACS opts


def test_merge_opts_matches_merge_from_list():
    """Trailing KEY VALUE options merge like CfgNode.merge_from_list."""
    parser = cli.add_opts_argument(argparse.ArgumentParser())
    args = parser.parse_args(["SOLVER.LR", "0.5", "MODEL.SCALES", "(1, 2)"])
    cfg = hp.CfgNode({"SOLVER": {"LR": 0.1}, "MODEL": {"SCALES": (4,)}})
    cli.merge_opts(cfg, args.opts)
    assert cfg.SOLVER.LR == 0.5 and cfg.MODEL.SCALES == (1, 2)


def test_merge_opts_odd_count_names_dangling_key():
    """An odd number of options is reported with the dangling key, and nothing merges."""
    cfg = hp.CfgNode({"A": 1, "B": 2})
    with pytest.raises(ValueError, match="'B' has no value"):
        cli.merge_opts(cfg, ["A", "5", "B"])
    assert cfg.A == 1


# ----------------------------------------------------------------------------- launch

APP = '''
"""A training program."""
import threading
import warnings
import hyperparameter as hp

@hp.param("train")
def train(lr: float = 1e-3, batch_size=32, use_amp=False):
    """Train the model.

    Args:
        lr: the learning rate.
        batch_size: examples per
            step.
        use_amp: mixed precision.
    """
    seen = []
    worker = threading.Thread(target=lambda: seen.append(hp.scope.train.lr | 0.0))
    worker.start()
    worker.join()
    print(f"lr={lr} batch_size={batch_size} use_amp={use_amp} thread_lr={seen[0]} "
          f"depth={hp.scope.model.depth | 18}")

if __name__ == "__main__":
    hp.launch(train)
'''


def run_app(tmp_path, *argv):
    """Run the launch-based app in a subprocess."""
    app = tmp_path / "app.py"
    app.write_text(APP)
    return subprocess.run([sys.executable, str(app), *argv], capture_output=True, text=True,
                          cwd=tmp_path)


def test_launch_precedence_flag_define_config_default(tmp_path, base_yaml):
    """Explicit flag > -D > config file > default; the result is the threads' baseline."""
    result = run_app(tmp_path, "-C", str(base_yaml), "-D", "train.lr=0.5", "-D",
                     "train.batch_size=4", "--batch_size", "8", "--use_amp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lr=0.5 batch_size=8 use_amp=True thread_lr=0.5 depth=50"


def test_launch_help_lists_parameters(tmp_path):
    """--help shows each bound parameter with key, type, default and docstring help."""
    result = run_app(tmp_path, "--help")
    text = " ".join(result.stdout.split())
    assert "the learning rate. [train.lr; float; default: 0.001]" in text
    assert "examples per step. [train.batch_size; int; default: 32]" in text
    assert "--use_amp, --no-use_amp" in text
    assert "-D KEY=VALUE" in text and "-C FILE" in text and "--explain KEY" in text


def test_launch_unknown_define_stops_before_the_run(tmp_path):
    """A -D key nothing declares or reads stops with exit 2 and a suggestion; nothing runs."""
    result = run_app(tmp_path, "-D", "trian.lr=0.5")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown key 'trian.lr' in -D trian.lr=0.5; did you mean 'train.lr'?" in result.stderr


def test_launch_warns_about_unused_override_when_unknown_keys_are_allowed(tmp_path):
    """With --allow-unknown the run goes on and the unused key is warned about afterwards."""
    result = run_app(tmp_path, "--allow-unknown", "-D", "trian.lr=0.5")
    assert result.returncode == 0, result.stderr
    assert "unused override 'trian.lr' (from -D); did you mean 'train.lr'?" in result.stderr


def test_launch_unknown_flag_suggests(tmp_path):
    """An unknown flag fails with a 'did you mean'."""
    result = run_app(tmp_path, "--lrr", "3")
    assert result.returncode == 2
    assert "unknown argument '--lrr'; did you mean '--lr'?" in result.stderr


def test_launch_bad_flag_value_names_flag(tmp_path):
    """A flag value that cannot convert names the flag as the source."""
    result = run_app(tmp_path, "--lr", "fast")
    assert result.returncode != 0
    assert "cannot convert 'fast' to float for key 'train.lr' (from --lr fast)" in result.stderr


def test_launch_in_process_returns_result():
    """hp.launch(fn, argv) runs fn under the parsed parameters and returns its result."""

    @hp.param("job")
    def job(retries=1, name="x"):
        return retries, name, hp.scope.job.retries | 0

    assert hp.launch(job, ["--retries", "3", "-D", "job.name=y"]) == (3, "y", 3)


def test_launch_subcommands(tmp_path):
    """hp.launch() with several @hp.param functions makes them subcommands."""
    app = tmp_path / "multi.py"
    app.write_text(textwrap.dedent('''
        import hyperparameter as hp

        @hp.param("a")
        def first(x=1):
            """First command."""
            print("first", x)

        @hp.param("b")
        def second(y="s"):
            """Second command."""
            print("second", y)

        if __name__ == "__main__":
            hp.launch()
    '''))
    ok = subprocess.run([sys.executable, str(app), "second", "--y", "t"], capture_output=True,
                        text=True)
    assert ok.stdout.strip() == "second t", ok.stderr
    bad = subprocess.run([sys.executable, str(app), "secnd"], capture_output=True, text=True)
    assert "unknown command 'secnd'; did you mean 'second'?" in bad.stderr


def test_launch_unused_override_warning_in_process():
    """The unused-override warning is an UnusedOverrideWarning."""

    @hp.param("svc")
    def serve(port=80):
        return port

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hp.launch(serve, ["--allow-unknown", "-D", "svc.prot=1", "-D", "svc.it's=2"])
    messages = [str(w.message) for w in caught if issubclass(w.category, cli.UnusedOverrideWarning)]
    assert messages == ["unused override \"svc.it's\" (from -D)",
                        "unused override 'svc.prot' (from -D); did you mean 'svc.port'?"]


@pytest.mark.parametrize(("doc", "expected"), [
    ("Do.\n\nArgs:\n    a (int): first.\n    b: second\n        continued.\n",
     {"a": "first.", "b": "second continued."}),
    ("Do.\n\nParameters\n----------\na : int\n    first.\nb : str\n    second.\n",
     {"a": "first.", "b": "second."}),
    ("Do.\n\n:param a: first.\n:param int b: second.\n", {"a": "first.", "b": "second."}),
], ids=["google", "numpy", "rest"])
def test_docstring_styles(doc, expected):
    """Parameter help is read from Google, NumPy and reST docstrings."""
    assert param_help(doc) == expected


# ----------------------------------------------------------------------------- the hp command


def hp_cmd(*argv, cwd=None):
    """Run `python -m hyperparameter ...`."""
    return subprocess.run([sys.executable, "-m", "hyperparameter", *argv], capture_output=True,
                          text=True, cwd=cwd)


def test_hp_show_yaml_sources_and_json(base_yaml):
    """hp show prints the merged YAML, a sources table, or JSON."""
    plain = hp_cmd("show", str(base_yaml), "-D", "train.lr=3")
    assert plain.stdout == "model:\n  depth: 50\ntrain:\n  batch_size: 16\n  lr: 3\n"
    table = hp_cmd("show", str(base_yaml), "--sources")
    assert f"train.lr          0.01   {base_yaml}:2" in table.stdout
    data = json.loads(hp_cmd("show", str(base_yaml), "--json").stdout)
    assert data["config"] == {"model": {"depth": 50}, "train": {"batch_size": 16, "lr": 0.01}}


def test_hp_diff(base_yaml, tmp_path):
    """hp diff lists added, removed and changed keys."""
    other = tmp_path / "other.yaml"
    other.write_text("train:\n  lr: 0.02\n  batch_size: 16\nextra: 1\n")
    data = json.loads(hp_cmd("diff", str(base_yaml), str(other), "--json").stdout)
    assert data == {"added": {"extra": 1}, "removed": {"model.depth": 50},
                    "changed": {"train.lr": [0.01, 0.02]}}
    text = hp_cmd("diff", str(base_yaml), "train.lr=0.01,train.batch_size=16,model.depth=50")
    assert text.stdout.strip() == "no differences"


def test_hp_explain(base_yaml):
    """hp explain shows the value, its source and what it shadows."""
    result = hp_cmd("explain", "train.lr", str(base_yaml), "-D", "train.lr=1")
    assert result.stdout.splitlines() == [
        "train.lr = 1", "  from: -D train.lr=1", f"  shadows 0.01 from: {base_yaml}:2"]
    missing = hp_cmd("explain", "train.lrr", str(base_yaml))
    assert missing.returncode == 1 and "did you mean 'train.lr'" in missing.stdout


def test_hp_params_scans_code(tmp_path):
    """hp params lists @hp.param bindings and hp.scope reads with defaults and lines."""
    (tmp_path / "code.py").write_text(textwrap.dedent('''
        import hyperparameter as hp
        from hyperparameter import scope

        @hp.param("train")
        def train(lr=1e-3, *, steps=10):
            return hp.scope.model.depth | 18, scope["data.path"]("/tmp"), hp.scope.seed()
    '''))
    data = json.loads(hp_cmd("params", str(tmp_path / "code.py"), "--json").stdout)
    got = {(d["key"], d["kind"], d["default"], d["line"]) for d in data}
    assert got == {("train.lr", "param", "0.001", 6), ("train.steps", "param", "10", 6),
                   ("model.depth", "read", "18", 7), ("data.path", "read", "'/tmp'", 7),
                   ("seed", "read", "", 7)}


def test_hp_errors_are_clear(tmp_path):
    """Unknown commands and missing files give one-line errors, not tracebacks."""
    assert "did you mean 'show'" in hp_cmd("shw").stderr
    missing = hp_cmd("show", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "nope.yaml" in missing.stderr


def test_hp_console_script_is_installed():
    """The `hp` console script exists next to the interpreter after install."""
    script = Path(sys.executable).with_name("hp")
    assert script.exists()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert "show" in result.stdout and "params" in result.stdout
