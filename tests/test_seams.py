"""User-level seams between the faces: each value behaves one way whichever path it takes."""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import multiprocessing
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@hp.param("optim")
def make(lr: float = 0.1, epochs: int = 3, name: str = "sgd"):
    """A training entry point: the optimiser settings it uses."""
    return lr, epochs, name


def _launch(fn, argv):
    with contextlib.redirect_stderr(io.StringIO()) as err:
        try:
            return hp.launch(fn, argv)
        except SystemExit as exit_:
            raise AssertionError(f"exit {exit_.code}: {err.getvalue()}") from None


# ----------------------------------------------------------------- file -> -C -> @hp.param


def test_yaml_numbers_from_a_file_reach_a_typed_parameter(tmp_path):
    """`lr: 1e-3` in a -C file reaches `lr: float` as 0.001 (YAML 1.2 numbers), not a string."""
    config = _write(tmp_path / "c.yaml", """\
        optim:
          lr: 1e-3
          epochs: "7"
        """)
    assert _launch(make, ["-C", str(config)]) == (0.001, 7, "sgd")


def test_a_value_that_does_not_fit_is_an_error_naming_the_file_line(tmp_path, capsys):
    """`epochs: 5.5` for an int parameter stops with the key, the value, c.yaml:3 and the type."""
    config = _write(tmp_path / "c.yaml", """\
        optim:
          lr: 0.5
          epochs: 5.5
        """)
    with pytest.raises(SystemExit) as exit_:
        hp.launch(make, ["-C", str(config)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "optim.epochs" in err and "5.5" in err and "c.yaml:3" in err and "int" in err


def test_hp_load_values_convert_like_minus_c(tmp_path):
    """A tree from hp.load entered as a scope gives a typed parameter the same value as -C."""
    config = _write(tmp_path / "c.yaml", """\
        optim:
          lr: 1e-3
          epochs: "7"
        """)
    with hp.scope(hp.load(str(config))):
        assert make() == (0.001, 7, "sgd")
        assert hp.scope.optim.epochs | 0 == 7


# ------------------------------------------------------- hp.load -> scope -> hp.explain


def test_explain_names_the_file_line_of_a_loaded_tree(tmp_path):
    """hp.explain of a key from hp.load entered as a scope names c.yaml:LINE, not the scope."""
    config = _write(tmp_path / "c.yaml", """\
        model:
          depth: 50
        optim:
          lr: 0.01
        """)
    with hp.scope(hp.load(str(config))):
        explanation = hp.explain("optim.lr")
    assert explanation.value == 0.01
    assert explanation.source.kind == "file"
    assert explanation.source.line == 4
    assert str(explanation.source).endswith("c.yaml:4")


def test_explain_under_launch_names_the_file_once(tmp_path):
    """Under hp.launch a -C value is explained by its file line, shadowing nothing of its own."""
    config = _write(tmp_path / "c.yaml", """\
        optim:
          lr: 0.01
        """)

    @hp.param("optim")
    def explain_lr(lr: float = 0.1):
        return hp.explain("optim.lr")

    explanation = _launch(explain_lr, ["-C", str(config)])
    assert explanation.value == 0.01
    assert str(explanation.source.origin).endswith("c.yaml:2")
    assert all("_scope.py" not in str(source) for _, source in explanation.shadowed)
    assert [value for value, _ in explanation.shadowed if value == 0.01] == []


# --------------------------------------------------------------------------- hp.launch twice


def test_launch_twice_in_one_process_does_not_leak():
    """A second hp.launch, and a plain call after it, see none of the first run's values."""
    assert _launch(make, ["--epochs", "5"]) == (0.1, 5, "sgd")
    assert _launch(make, []) == (0.1, 3, "sgd")
    assert make() == (0.1, 3, "sgd")
    assert hp.scope.optim.epochs | 3 == 3


def test_launch_restores_the_baseline_even_when_the_run_fails():
    """A run that raises leaves the baseline as it found it."""
    with hp.scope(**{"keep": 1}):
        hp.frozen()

    @hp.param("optim")
    def fail(epochs: int = 3):
        raise RuntimeError(f"failed with {epochs}")

    with pytest.raises(RuntimeError, match="failed with 9"):
        hp.launch(fail, ["--epochs", "9"])
    assert hp.scope.optim.epochs | 3 == 3
    assert hp.scope.keep | 0 == 1


def _read_epochs(_: int) -> int:
    return hp.scope.optim.epochs | 3


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_launch_values_reach_process_pool_workers(method):
    """Values hp.launch publishes reach fork-, spawn- and forkserver-started pool workers."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")

    @hp.param("optim")
    def run(epochs: int = 3):
        context = multiprocessing.get_context(method)
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
            return list(pool.map(_read_epochs, range(2)))

    assert _launch(run, ["--epochs", "8"]) == [8, 8]


def test_launch_values_reach_thread_pool_workers():
    """Values hp.launch publishes reach threads the program starts."""

    @hp.param("optim")
    def run(epochs: int = 3):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            return list(pool.map(_read_epochs, range(2)))

    assert _launch(run, ["-D", "optim.epochs=6"]) == [6, 6]


# --------------------------------------------------------------------------- -D keeps the text


def test_define_and_flag_keep_a_blank_value_alike():
    """-D sep=' ' and --sep ' ' both give one space."""

    @hp.param("fmt")
    def join(sep: str = ","):
        return sep

    assert _launch(join, ["-D", "fmt.sep= "]) == " "
    assert _launch(join, ["--sep", " "]) == " "


# --------------------------------------------------------------------------- CfgNode <-> scope


def test_lists_of_a_frozen_cfgnode_cannot_change_through_a_scope():
    """A list read from a frozen CfgNode entered as a scope refuses mutation."""
    cfg = hp.CfgNode({"DATA": {"SIZES": [1, 2]}})
    cfg.freeze()
    with hp.scope(cfg):
        sizes = hp.scope.DATA.SIZES | []
        with pytest.raises(AttributeError):
            sizes.append(3)
    assert cfg.DATA.SIZES == [1, 2]


def test_empty_mapping_in_a_file_defines_no_key_like_a_scope(tmp_path):
    """`-C` and hp.scope(cfg) agree: an empty mapping in a file sets no key."""
    config = _write(tmp_path / "c.yaml", """\
        optim: {}
        other:
          x: 1
        """)

    @hp.param("optim")
    def probe(lr: float = 0.1):
        return "optim" in hp.scope, lr

    # other.x is read by nothing: the launch says so (and still runs).
    with pytest.warns(hp.cli.UnusedOverrideWarning, match=r"'other\.x' \(from .*c\.yaml:3\)"):
        assert _launch(probe, ["-C", str(config)]) == (False, 0.1)
    with hp.scope(hp.load(str(config))):
        assert "optim" not in hp.scope


def test_a_loaded_sub_tree_keeps_its_file_lines_and_escaping(tmp_path):
    """hp.scope(cfg.optim) names the file line; cfg.optim.dump() reloads to the same values."""
    config = _write(tmp_path / "c.yaml", """\
        optim:
          lr: 0.01
          tag: "$${literal}"
        """)
    cfg = hp.load(str(config))
    with hp.scope(cfg.optim):
        assert str(hp.explain("lr").source).endswith("c.yaml:2")
    again = _write(tmp_path / "again.yaml", cfg.optim.dump())
    assert hp.load(str(again)).tag == "${literal}"
