"""Reading files (_formats) and composing them with _BASE_ (_compose): safety and limits."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, List

import pytest

import hyperparameter as hp
from hyperparameter import _compose, _formats, files
from hyperparameter.errors import ConfigFileError


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its own temporary folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``folder/name`` and return the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def fan_out(folder: Path, files_count: int = 7, repeats: int = 20) -> None:
    """Write f0.yaml .. f6.yaml, each naming the next ``repeats`` times in _BASE_."""
    for i in range(files_count):
        body = "".join(f"k{j}: {'x' * 30}\n" for j in range(25)) + f"level{i}: {i}\n"
        base = f"_BASE_: [{', '.join([f'f{i + 1}.yaml'] * repeats)}]\n"
        write(folder, f"f{i}.yaml", (base if i < files_count - 1 else "") + body)


def test_base_fan_out_reads_each_file_once(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """7 files naming the next 20 times are 7 reads, not 20^6, and compose as expected."""
    fan_out(in_tmp)
    reads: List[str] = []
    real = _compose.parse_file

    def counting(file: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(_compose, "parse_file", counting)
    cfg = hp.load("f0.yaml")
    assert len(reads) == 7
    assert {cfg[f"level{i}"] for i in range(7)} == set(range(7))


def test_base_entries_are_capped(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More _BASE_ entries than MAX_BASE_FILES in one composition is a clear error."""
    fan_out(in_tmp)
    monkeypatch.setattr(_compose, "MAX_BASE_FILES", 50)
    with pytest.raises(ConfigFileError, match=r"more than 50 _BASE_ entries in one composition"):
        hp.load("f0.yaml")


@pytest.mark.parametrize("how", ["merge_from_file", "hp.load"])
def test_base_never_runs_python(in_tmp: Path, how: str) -> None:
    """A .py file named in a YAML file's _BASE_ never runs, even where .py files may run."""
    write(in_tmp, "base.py", "open('PWNED', 'w').close()\ncfg = {'a': 1}\n")
    write(in_tmp, "e.yaml", "_BASE_: base.py\nb: 2\n")
    with pytest.raises(ConfigFileError, match=r"base\.py is a Python config file named in _BASE_"):
        if how == "merge_from_file":
            hp.CfgNode(new_allowed=True).merge_from_file("e.yaml", allow_base=True)
        else:
            hp.load("e.yaml", allow_python=True)
    assert not (in_tmp / "PWNED").exists()


def test_python_file_named_by_the_caller_runs_under_one_name(in_tmp: Path) -> None:
    """A .py the caller names runs (as in YACS), under YACS's merge_from_file module name."""
    write(in_tmp, "cfg.py", "cfg = {'name': __name__, 'a': 1}\n")
    for allow_base in (False, True):
        node = hp.CfgNode(new_allowed=True)
        node.merge_from_file("cfg.py", allow_base=allow_base)
        assert node.name == _formats.PYTHON_CONFIG_NAME == "yacs.config.override"
    assert hp.load("cfg.py", allow_python=True).name == "yacs.config.override"


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "fifo", "."])
def test_only_regular_files_are_read(in_tmp: Path, target: str) -> None:
    """A device, a FIFO or a directory named in _BASE_ or given directly is an error, no hang."""
    if not os.path.exists("/dev/zero") or not hasattr(os, "mkfifo"):
        pytest.skip("needs /dev/zero and FIFOs")
    if target == "fifo":
        os.mkfifo("fifo")
    write(in_tmp, "c.yaml", f"_BASE_: {target}\n")
    kinds = r"(a device|a FIFO|a directory)"
    with pytest.raises(ConfigFileError, match=rf"in c\.yaml -> .* is {kinds}.*, not a config"):
        hp.load("c.yaml")
    with pytest.raises(ConfigFileError, match=rf"is {kinds}.*, not a config file"):
        hp.load(target)


def test_files_over_the_size_limit_are_refused(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than MAX_FILE_BYTES is refused, naming the limit."""
    monkeypatch.setattr(_formats, "MAX_FILE_BYTES", 16)
    write(in_tmp, "big.yaml", "a: " + "x" * 20 + "\n")
    with pytest.raises(ConfigFileError, match=r"big\.yaml: larger than 16 bytes"):
        hp.load("big.yaml")


def test_extensions_match_without_case(in_tmp: Path) -> None:
    """CFG.YAML is YAML for hp.load, hp.config and merge_from_file with _BASE_."""
    write(in_tmp, "BASE.YML", "a: 1\n")
    write(in_tmp, "CFG.YAML", "_BASE_: BASE.YML\nb: 2\n")
    assert dict(hp.load("CFG.YAML")) == {"a": 1, "b": 2}
    node = hp.CfgNode(new_allowed=True)
    node.merge_from_file("CFG.YAML", allow_base=True)
    assert node == {"a": 1, "b": 2}
    plain = hp.CfgNode(new_allowed=True)
    plain.merge_from_file("BASE.YML")
    assert plain == {"a": 1}


def test_read_mapping_uses_yacs_rules_and_gives_sources(in_tmp: Path) -> None:
    """read_mapping reads as PyYAML's safe_load (last duplicate wins) and reports leaf lines."""
    write(in_tmp, "base.yaml", "a: 1\nlr: 1e-3\n")
    write(in_tmp, "c.yaml", "_BASE_: base.yaml\nb: 2\nb: 3\n")
    sources: dict = {}
    tree = _compose.read_mapping("c.yaml", allow_base=True, sources=sources)
    assert tree == {"a": 1, "lr": "1e-3", "b": 3}
    assert sources == {"a": "base.yaml:1", "lr": "base.yaml:2", "b": "c.yaml:3"}
    assert sources["b"].kind == "file" and sources["b"].line == 3


def test_base_cycle_is_refused(in_tmp: Path) -> None:
    """A file that includes itself through _BASE_ names the cycle."""
    write(in_tmp, "a.yaml", "_BASE_: b.yaml\n")
    write(in_tmp, "b.yaml", "_BASE_: a.yaml\n")
    with pytest.raises(ConfigFileError, match=r"_BASE_ cycle: a\.yaml -> b\.yaml -> a\.yaml"):
        hp.load("a.yaml")


def test_deep_dict_given_to_config_is_the_nesting_error() -> None:
    """A dict nested 1,000 deep given to hp.config is the documented error, not RecursionError."""
    tree: dict = {}
    node = tree
    for _ in range(1000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(ConfigFileError, match=r"hp\.config\(\): key 'a\.a\.a.*deeper than 200"):
        files.config(tree)


def test_a_failed_composition_changes_nothing(in_tmp: Path) -> None:
    """Loading again after a failure reads the files afresh (nothing is cached between loads)."""
    write(in_tmp, "c.yaml", "_BASE_: missing.yaml\n")
    with pytest.raises(ConfigFileError, match="not found"):
        hp.load("c.yaml")
    write(in_tmp, "missing.yaml", "a: 1\n")
    assert dict(hp.load("c.yaml")) == {"a": 1}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_unreadable_file_is_a_config_file_error(in_tmp: Path) -> None:
    """A file that cannot be opened is a ConfigFileError naming it and the reason."""
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = write(in_tmp, "secret.yaml", "a: 1\n")
    path.chmod(0)
    with pytest.raises(ConfigFileError, match=r"cannot read config file 'secret\.yaml'"):
        hp.load("secret.yaml")
