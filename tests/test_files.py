"""Config files: formats, merging, _BASE_, interpolation, provenance, errors, hp.config."""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hyperparameter import _compose, _formats, _interpolate, _yaml, files
from hyperparameter.cfgnode import CfgNode
from hyperparameter.errors import (
    ConfigFileError,
    ConfigFileNotFoundError,
    HyperparameterError,
    InterpolationError,
    InvalidKeyError,
)


@dataclasses.dataclass
class Flat:
    """A small schema for the load and config tests."""

    lr: float
    name: str = "default"


def write(folder: Path, name: str, text: str) -> Path:
    """Write a dedented file under ``folder`` (creating sub-folders) and return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def read(*paths: Any, **options: Any) -> Dict[str, Any]:
    """Return the merged tree of ``paths``."""
    return files._read(paths, **options)[0]


def sources_of(*paths: Any, **options: Any) -> Dict[str, str]:
    """Return the dotted key -> source map of ``paths``."""
    return files._read(paths, **options)[1]


@pytest.fixture()
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its temporary folder, so relative paths show in messages."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----------------------------------------------------------------------------- formats

SAME_CONFIG = {
    "yaml": ("cfg.yaml", "train:\n  lr: 0.1\n  sizes: [1, 2]\n  on: true\nname: run\n"),
    "yml": ("cfg.yml", "train:\n  lr: 0.1\n  sizes: [1, 2]\n  'on': true\nname: run\n"),
    "no-extension": ("cfg", "train: {lr: 0.1, sizes: [1, 2], 'on': true}\nname: run\n"),
    "json": ("cfg.json", '{"train": {"lr": 0.1, "sizes": [1, 2], "on": true}, "name": "run"}'),
    "toml": ("cfg.toml", 'name = "run"\n[train]\nlr = 0.1\nsizes = [1, 2]\non = true\n'),
    "python": ("cfg.py", "cfg = {'train': {'lr': 0.1, 'sizes': [1, 2], 'on': True},\n"
               "       'name': 'run'}\n"),
}


@pytest.mark.parametrize("name,text", list(SAME_CONFIG.values()), ids=list(SAME_CONFIG))
def test_every_format_reads_to_the_same_tree(in_tmp: Path, name: str, text: str) -> None:
    """YAML, JSON, TOML and Python files holding the same config give the same tree."""
    if name == "cfg.yaml":  # an unquoted YAML 'on' key is a bool: see the key tests
        text = text.replace("  on:", "  'on':")
    write(in_tmp, name, text)
    tree = read(name, allow_python=True)
    assert tree == {"train": {"lr": 0.1, "sizes": [1, 2], "on": True}, "name": "run"}


def test_yaml_sources_carry_the_line_of_each_key(in_tmp: Path) -> None:
    """A YAML leaf's source is 'file:LINE' with the 1-based line of its key."""
    write(in_tmp, "cfg.yaml", """
        # a comment
        train:
          lr: 0.1

          sizes:
            - 1
            - 2
        empty: {}
        """)
    assert sources_of("cfg.yaml") == {  # an empty mapping defines no key (_tree's rule)
        "train.lr": "cfg.yaml:3",
        "train.sizes": "cfg.yaml:5",
    }


@pytest.mark.parametrize("name", ["cfg.json", "cfg.toml", "cfg.py"], ids=["json", "toml", "py"])
def test_other_formats_give_the_file_as_source(in_tmp: Path, name: str) -> None:
    """JSON, TOML and Python leaves name their file (those parsers give no lines)."""
    stem = SAME_CONFIG[name.rsplit(".", 1)[1] if not name.endswith(".py") else "python"]
    write(in_tmp, name, stem[1])
    assert set(sources_of(name, allow_python=True).values()) == {name}


def test_empty_yaml_file_is_an_empty_config(in_tmp: Path) -> None:
    """An empty YAML file (or one with only comments) is an empty mapping."""
    write(in_tmp, "empty.yaml", "# nothing yet\n")
    assert read("empty.yaml") == {}


def test_python_config_file_needs_allow_python(in_tmp: Path) -> None:
    """A .py file is refused without allow_python=True, and the error says how to allow it."""
    marker = in_tmp / "ran"
    write(in_tmp, "cfg.py", f"open({str(marker)!r}, 'w').close()\ncfg = {{'a': 1}}\n")
    with pytest.raises(ConfigFileError, match=r"cfg\.py is a Python config file: reading it runs "
                       r"its code.*allow_python=True"):
        read("cfg.py")
    assert not marker.exists()
    assert read("cfg.py", allow_python=True) == {"a": 1}
    assert marker.exists()


def test_python_config_file_may_export_a_mapping_subclass(in_tmp: Path) -> None:
    """A .py file's cfg may be any mapping (a CfgNode, a yacs CfgNode); tuples stay tuples."""
    write(in_tmp, "cfg.py", """
        from yacs.config import CfgNode
        cfg = CfgNode({"model": {"scales": (1, 2)}})
        """)
    tree = read("cfg.py", allow_python=True)
    assert tree == {"model": {"scales": (1, 2)}}
    assert type(tree["model"]) is dict


@pytest.mark.parametrize(
    "text,match",
    [
        ("x = 1\n", r"cfg\.py defines no 'cfg'.*variable named cfg"),
        ("cfg = [1, 2]\n", r"cfg\.py: the top level of a config file must be a mapping.*list"),
    ],
    ids=["no-cfg", "cfg-not-a-mapping"],
)
def test_python_config_file_must_export_a_cfg_mapping(in_tmp: Path, text: str, match: str) -> None:
    """A .py file must define a mapping named cfg."""
    write(in_tmp, "cfg.py", text)
    with pytest.raises(ConfigFileError, match=match):
        read("cfg.py", allow_python=True)


def test_unknown_extension_lists_the_supported_ones(in_tmp: Path) -> None:
    """An unsupported extension is an error that lists every supported one."""
    write(in_tmp, "cfg.ini", "[a]\nb = 1\n")
    with pytest.raises(
        ConfigFileError,
        match=r"'cfg\.ini': unsupported extension '\.ini'; supported: \.yaml, \.yml, \.json, "
        r"\.toml, \.py \(with allow_python=True\)",
    ):
        read("cfg.ini")


def test_missing_file_is_a_file_not_found_error(in_tmp: Path) -> None:
    """A missing file raises an error that is both FileNotFoundError and ours."""
    with pytest.raises(
        ConfigFileNotFoundError, match=r"config file 'nope\.yaml' not found"
    ) as info:
        read("nope.yaml")
    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, HyperparameterError)
    # as open()'s error: errno, strerror and filename, and open()'s words first
    error = info.value
    assert (error.errno, error.strerror, error.filename) == (
        errno.ENOENT, os.strerror(errno.ENOENT), "nope.yaml")
    assert str(error).startswith("[Errno 2] No such file or directory: 'nope.yaml': ")
    # and the same after crossing a process boundary
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.errno, again.filename) == (
        type(error), str(error), error.errno, error.filename)


def test_top_level_must_be_a_mapping(in_tmp: Path) -> None:
    """A file whose top level is a list or a scalar is refused."""
    write(in_tmp, "list.yaml", "- 1\n- 2\n")
    with pytest.raises(ConfigFileError, match=r"list\.yaml: the top level .* mapping.*got list"):
        read("list.yaml")


def test_non_utf8_file_is_refused(in_tmp: Path) -> None:
    """A file that is not UTF-8 text is an error naming the file."""
    (in_tmp / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigFileError, match=r"latin\.yaml: not UTF-8 text"):
        read("latin.yaml")


def test_toml_without_a_parser_says_what_to_install(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With neither tomllib nor tomli importable, reading TOML says to install tomli."""
    write(in_tmp, "cfg.toml", "a = 1\n")
    monkeypatch.setitem(sys.modules, "tomllib", None)
    monkeypatch.setitem(sys.modules, "tomli", None)
    with pytest.raises(ImportError, match=r"pip install tomli"):
        read("cfg.toml")


def test_importing_the_package_imports_no_parser() -> None:
    """`import hyperparameter` (and its files module) leaves yaml and tomllib unimported."""
    code = (
        "import sys, hyperparameter, hyperparameter.files; "
        "print(sorted(m for m in ('yaml', 'tomllib', 'tomli') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    "name,text,match",
    [
        ("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n",
         r"bad\.yaml:3:2: invalid YAML: .*flow sequence at line 2"),
        ("tab.yaml", "a:\n\tb: 1\n", r"tab\.yaml:2:1: invalid YAML"),
        ("two.yaml", "a: 1\n---\nb: 2\n", r"two\.yaml:2:1: invalid YAML: .*single document"),
        ("bad.json", '{"a": 1,\n "b": }', r"bad\.json:2:7: invalid JSON: Expecting value"),
        ("bad.toml", "a = 1\nb = \n", r"bad\.toml: invalid TOML: .*line 2"),
    ],
    ids=["yaml-flow", "yaml-tab", "yaml-two-documents", "json", "toml"],
)
def test_syntax_errors_name_file_line_and_column(
    in_tmp: Path, name: str, text: str, match: str
) -> None:
    """A syntax error reports the file, the line and (where known) the column."""
    write(in_tmp, name, text)
    with pytest.raises(ConfigFileError, match=match):
        read(name)


def test_yaml_is_read_with_a_safe_loader_only(in_tmp: Path) -> None:
    """Python-object tags are refused: YAML files are data, never code."""
    write(in_tmp, "evil.yaml", "a: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigFileError, match=r"evil\.yaml:1:4: invalid YAML: .*constructor"):
        read("evil.yaml")


def test_yaml_loader_uses_libyaml_when_available() -> None:
    """The loader builds on CSafeLoader when PyYAML has libyaml, else on SafeLoader."""
    loader = _yaml._loader_class(True)
    expected = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert issubclass(loader, expected)
    assert issubclass(loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    assert not issubclass(loader, (yaml.FullLoader, yaml.UnsafeLoader))


@pytest.mark.parametrize(
    "text,match",
    [
        ("a: 1\nb: 2\na: 3\n", r"duplicate key 'a' in dup\.yaml \(lines 1 and 3\)"),
        ("m:\n  x: 1\n  y: 2\n  x: 3\n", r"duplicate key 'x' in dup\.yaml \(lines 2 and 4\)"),
        ("m: {x: 1, x: 2}\n", r"duplicate key 'x' in dup\.yaml \(lines 1 and 1\)"),
        ("l:\n  - {k: 1}\n  - {k: 1, k: 2}\n", r"duplicate key 'k' in dup\.yaml \(lines 3 and 3\)"),
        ("1: a\n'1': b\n1: c\n", r"duplicate key 1 in dup\.yaml \(lines 1 and 3\)"),
    ],
    ids=["top", "nested", "flow", "in-list", "int-key"],
)
def test_duplicate_yaml_keys_are_errors(in_tmp: Path, text: str, match: str) -> None:
    """A key defined twice in one mapping is an error naming the key, file and both lines."""
    write(in_tmp, "dup.yaml", text)
    with pytest.raises(ConfigFileError, match=match):
        read("dup.yaml")


def test_yaml_merge_keys_may_be_overridden(in_tmp: Path) -> None:
    """Keys merged with '<<' may be redefined; the line is that of the winning key."""
    write(in_tmp, "merge.yaml", """
        defaults: &d
          lr: 0.1
          epochs: 3
        run:
          <<: *d
          lr: 0.5
        """)
    tree, sources = files._read(["merge.yaml"])
    assert tree["run"] == {"lr": 0.5, "epochs": 3}
    assert sources["run.lr"] == "merge.yaml:6"
    assert sources["run.epochs"] == "merge.yaml:3"


def test_yaml_aliases_are_copied_not_shared(in_tmp: Path) -> None:
    """A mapping used twice through an alias becomes two independent mappings."""
    write(in_tmp, "alias.yaml", "a: &x {p: [1]}\nb: *x\n")
    tree = read("alias.yaml")
    tree["a"]["p"].append(2)
    assert tree["b"] == {"p": [1]}


def test_json_duplicate_keys_are_errors(in_tmp: Path) -> None:
    """A JSON object with a key twice is an error naming the key and the file."""
    write(in_tmp, "dup.json", '{"a": {"b": 1, "b": 2}}')
    with pytest.raises(ConfigFileError, match=r"duplicate key 'b' in dup\.json"):
        read("dup.json")


@pytest.mark.parametrize(
    "text,match",
    [
        ("yes: 1\n", r"key True in bad\.yaml:1 is a bool, not a string; .*quote it"),
        ("m:\n  3: x\n", r"key 3 under 'm' in bad\.yaml:2 is a int, not a string"),
        ("train.lr: 0.1\n", r"key 'train\.lr' in bad\.yaml:1 contains '\.'.*nest it"),
        ("'a b': 1\n", r"invalid key 'a b' in bad\.yaml:1: a key must not contain whitespace"),
        ("'a=b': 1\n", r"invalid key 'a=b' in bad\.yaml:1: a key must not contain '='"),
        ("'': 1\n", r"invalid key '' in bad\.yaml:1: a key must not be empty"),
    ],
    ids=["bool", "int", "dotted", "space", "equals", "empty"],
)
def test_invalid_keys_in_files_are_value_errors(in_tmp: Path, text: str, match: str) -> None:
    """A file key that breaks the key grammar is a ValueError naming it, the file and line."""
    write(in_tmp, "bad.yaml", text)
    with pytest.raises(InvalidKeyError, match=match) as info:
        read("bad.yaml")
    assert isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- merging


def test_later_files_win_key_by_key(in_tmp: Path) -> None:
    """Mappings merge key by key; any other value (lists too) is replaced by the later file."""
    write(in_tmp, "a.yaml", """
        train: {lr: 0.1, epochs: 3, sizes: [1, 2, 3]}
        model: {name: a, opts: {x: 1}}
        scalar: 1
        keep: {k: 1}
        """)
    write(in_tmp, "b.json", json.dumps({
        "train": {"lr": 0.2, "sizes": [9]},
        "model": "b",
        "scalar": {"now": "a mapping"},
        "keep": {},
    }))
    assert read("a.yaml", "b.json") == {
        "train": {"lr": 0.2, "epochs": 3, "sizes": [9]},
        "model": "b",
        "scalar": {"now": "a mapping"},
        "keep": {"k": 1},
    }


def test_sources_follow_the_winning_file(in_tmp: Path) -> None:
    """Each leaf's source is the file that wrote its value last; replaced subtrees vanish."""
    write(in_tmp, "a.yaml", "train:\n  lr: 0.1\n  epochs: 3\nmodel:\n  name: a\nx: 1\n")
    write(in_tmp, "b.toml", 'model = "b"\n[train]\nlr = 0.2\n[x]\ny = 2\n')
    assert sources_of("a.yaml", "b.toml") == {
        "train.lr": "b.toml",
        "train.epochs": "a.yaml:3",
        "model": "b.toml",
        "x.y": "b.toml",
    }


def test_loading_does_not_change_inputs_between_calls(in_tmp: Path) -> None:
    """Two loads of the same files give equal, independent trees."""
    write(in_tmp, "a.yaml", "train: {sizes: [1]}\n")
    first = read("a.yaml")
    first["train"]["sizes"].append(2)
    assert read("a.yaml") == {"train": {"sizes": [1]}}


# ----------------------------------------------------------------------------- _BASE_


def test_base_files_are_merged_first_relative_to_the_including_file(in_tmp: Path) -> None:
    """_BASE_ names files relative to the including file; bases first, the file over them."""
    write(in_tmp, "configs/common/base.yaml", "train: {lr: 0.1, epochs: 3}\nname: base\n")
    write(in_tmp, "configs/common/data.yaml", "data: {root: /d}\nname: data\n")
    write(in_tmp, "configs/exp.yaml", """
        _BASE_: [common/base.yaml, common/data.yaml]
        train: {lr: 0.5}
        """)
    tree, sources = files._read(["configs/exp.yaml"])
    assert tree == {"train": {"lr": 0.5, "epochs": 3}, "name": "data", "data": {"root": "/d"}}
    assert sources == {
        "train.lr": os.path.join("configs", "exp.yaml") + ":2",
        "train.epochs": os.path.join("configs", "common", "base.yaml") + ":1",
        "name": os.path.join("configs", "common", "data.yaml") + ":2",
        "data.root": os.path.join("configs", "common", "data.yaml") + ":1",
    }


def test_bases_nest_and_may_share_a_base(in_tmp: Path) -> None:
    """A base may have bases; two bases may share one (a diamond is not a cycle)."""
    write(in_tmp, "root.yaml", "a: 0\nb: 0\nc: 0\n")
    write(in_tmp, "left.yaml", "_BASE_: root.yaml\nb: 1\n")
    write(in_tmp, "right.yaml", "_BASE_: ./root.yaml\nc: 2\n")
    write(in_tmp, "top.yaml", "_BASE_: [left.yaml, right.yaml]\na: 3\n")
    assert read("top.yaml") == {"a": 3, "b": 0, "c": 2}


def test_absolute_base_path(in_tmp: Path) -> None:
    """An absolute _BASE_ path is used as it is."""
    base = write(in_tmp, "elsewhere/base.yaml", "a: 1\n")
    write(in_tmp, "cfg.yaml", f"_BASE_: {base}\nb: 2\n")
    assert read("cfg.yaml") == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    "layout,match",
    [
        ({"a.yaml": "_BASE_: b.yaml\n", "b.yaml": "_BASE_: a.yaml\n"},
         r"_BASE_ cycle: a\.yaml -> b\.yaml -> a\.yaml"),
        ({"a.yaml": "_BASE_: a.yaml\n"}, r"_BASE_ cycle: a\.yaml -> a\.yaml"),
        ({"a.yaml": "_BASE_: [c.yaml, b.yaml]\n", "b.yaml": "_BASE_: sub/../a.yaml\n",
          "c.yaml": "x: 1\n"},
         r"_BASE_ cycle: a\.yaml -> b\.yaml -> a\.yaml"),
    ],
    ids=["two-files", "self", "through-a-list"],
)
def test_base_cycles_are_errors_naming_the_chain(
    in_tmp: Path, layout: Dict[str, str], match: str
) -> None:
    """A _BASE_ cycle is an error that names the file chain."""
    for name, text in layout.items():
        write(in_tmp, name, text)
    with pytest.raises(ConfigFileError, match=match):
        read("a.yaml")


def test_missing_base_names_the_chain(in_tmp: Path) -> None:
    """A missing base file is an error naming the chain that led to it."""
    write(in_tmp, "a.yaml", "_BASE_: b.yaml\n")
    write(in_tmp, "b.yaml", "_BASE_: gone.yaml\n")
    with pytest.raises(
        ConfigFileNotFoundError,
        match=r"_BASE_ file 'gone\.yaml' not found .* in a\.yaml -> b\.yaml -> gone\.yaml; "
        r"fix the _BASE_ entry of 'b\.yaml'",
    ):
        read("a.yaml")


@pytest.mark.parametrize("value", ["[]", "1", "[a.yaml, 2]", "{x: 1}", "''"],
                         ids=["empty-list", "int", "mixed-list", "mapping", "empty-name"])
def test_base_must_be_a_name_or_a_list_of_names(in_tmp: Path, value: str) -> None:
    """_BASE_ must be a file name or a non-empty list of them."""
    write(in_tmp, "a.yaml", f"_BASE_: {value}\n")
    with pytest.raises(ConfigFileError, match=r"a\.yaml:1: _BASE_ must be a file name or a list"):
        read("a.yaml")


def test_allow_base_false_keeps_base_as_a_key(in_tmp: Path) -> None:
    """With allow_base=False, _BASE_ is an ordinary key (as YACS treats it)."""
    write(in_tmp, "a.yaml", "_BASE_: b.yaml\nx: 1\n")
    assert read("a.yaml", allow_base=False) == {"_BASE_": "b.yaml", "x": 1}


def test_read_mapping_resolves_bases_only_when_asked(in_tmp: Path) -> None:
    """read_mapping returns one file's plain dict; bases only with allow_base; no interpolation."""
    write(in_tmp, "base.yaml", "a: 1\n")
    write(in_tmp, "cfg.yaml", "_BASE_: base.yaml\nb: ${a}\n")
    assert _compose.read_mapping("cfg.yaml") == {"_BASE_": "base.yaml", "b": "${a}"}
    assert _compose.read_mapping(in_tmp / "cfg.yaml", allow_base=True) == {"a": 1, "b": "${a}"}


def test_read_mapping_reads_python_only_when_allowed(in_tmp: Path) -> None:
    """read_mapping refuses .py files unless allow_python=True."""
    write(in_tmp, "cfg.py", "cfg = {'a': 1}\n")
    with pytest.raises(ConfigFileError, match=r"allow_python=True"):
        _compose.read_mapping("cfg.py")
    assert _compose.read_mapping("cfg.py", allow_python=True) == {"a": 1}


# ----------------------------------------------------------------------------- interpolation

INTERPOLATIONS = {
    "int-keeps-type": ("a: 3\nb: ${a}\n", "b", 3),
    "float-keeps-type": ("a: 0.5\nb: ${a}\n", "b", 0.5),
    "bool-keeps-type": ("a: false\nb: ${a}\n", "b", False),
    "none-keeps-type": ("a: null\nb: ${a}\n", "b", None),
    "list-keeps-type": ("a: [1, 2]\nb: ${a}\n", "b", [1, 2]),
    "subtree": ("a: {x: 1, y: [2]}\nb: ${a}\n", "b", {"x": 1, "y": [2]}),
    "spaces-inside": ("a: 3\nb: ${ a }\n", "b", 3),
    "in-text": ("a: 3\nb: 'n=${a}!'\n", "b", "n=3!"),
    "two-in-text": ("a: x\nc: 2\nb: ${a}-${c}\n", "b", "x-2"),
    "float-in-text": ("lr: 0.001\nb: run_${lr}\n", "b", "run_0.001"),
    "nested-key": ("t: {lr: 0.1}\nm: {lr: '${t.lr}'}\n", "m", {"lr": 0.1}),
    "chain": ("a: 1\nb: ${a}\nc: ${b}\n", "c", 1),
    "forward": ("c: ${b}\nb: ${a}\na: 1\n", "c", 1),
    "in-list": ("a: 1\nb: [x, '${a}', 'v${a}']\n", "b", ["x", 1, "v1"]),
    "in-list-of-maps": ("a: 1\nb: [{c: '${a}'}]\n", "b", [{"c": 1}]),
    "into-a-reference": ("m: {x: 5}\nr: ${s.x}\ns: ${m}\n", "r", 5),
    "sibling-of-self": ("t: {lr: 0.1, warm: '${t.lr}'}\n", "t", {"lr": 0.1, "warm": 0.1}),
    "escape": ("b: $${a}\n", "b", "${a}"),
    "escape-in-text": ("b: 'cost: $$${a} and $${b}'\n", "b", "cost: $${a} and ${b}"),
    "escape-survives-copy": ("a: {t: '$${x}'}\nb: ${a}\nc: ${b.t}\n", "c", "${x}"),
    "lone-dollars": ("b: 'a $ b $$ c {d}'\n", "b", "a $ b $$ c {d}"),
}


@pytest.mark.parametrize(
    "text,key,expected", list(INTERPOLATIONS.values()), ids=list(INTERPOLATIONS)
)
def test_interpolation(in_tmp: Path, text: str, key: str, expected: Any) -> None:
    """${key} keeps the type when it is the whole string; else it is formatted in; $${ escapes."""
    write(in_tmp, "cfg.yaml", text)
    assert read("cfg.yaml")[key] == expected


def test_interpolation_sees_the_merged_tree(in_tmp: Path) -> None:
    """A reference sees the value of the last file that sets the key."""
    write(in_tmp, "a.yaml", "lr: 0.1\nwarm: ${lr}\n")
    write(in_tmp, "b.yaml", "lr: 0.5\n")
    assert read("a.yaml", "b.yaml") == {"lr": 0.5, "warm": 0.5}


def test_reference_copies_are_independent(in_tmp: Path) -> None:
    """A subtree copied by a reference is not shared with its original."""
    write(in_tmp, "cfg.yaml", "a: {l: [1]}\nb: ${a}\n")
    tree = read("cfg.yaml")
    tree["a"]["l"].append(2)
    assert tree["b"] == {"l": [1]}


def test_subtree_reference_sources(in_tmp: Path) -> None:
    """Leaves made by referencing a subtree have the source of the referencing key."""
    write(in_tmp, "cfg.yaml", "a: {x: 1}\nb: ${a}\n")
    assert sources_of("cfg.yaml") == {"a.x": "cfg.yaml:1", "b.x": "cfg.yaml:2"}


def test_interpolation_can_be_deferred(in_tmp: Path) -> None:
    """A composed tree keeps its references until _interpolate.resolve runs over it."""
    write(in_tmp, "cfg.yaml", "lr: 0.1\nwarm: ${lr}\n")
    tree, sources = _compose.Composer().compose(["cfg.yaml"])
    assert tree["warm"] == "${lr}"
    tree["lr"] = 0.7  # e.g. a -D override merged in
    assert _interpolate.resolve(tree, sources) == {"lr": 0.7, "warm": 0.7}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("home: ${env:HP_TEST_HOME}\n", "/home/me"),
        ("home: x${env:HP_TEST_HOME}x\n", "x/home/mex"),
        ("n: ${env:HP_TEST_NUMBER}\n", "42"),
        ("home: ${env:HP_TEST_HOME,/tmp}\n", "/home/me"),
        ("u: ${env:HP_TEST_UNSET,/tmp}\n", "/tmp"),
        ("u: ${env:HP_TEST_UNSET, a b }\n", "a b"),
        ("u: ${env:HP_TEST_UNSET,}\n", ""),
        ("u: ${env:HP_TEST_UNSET,a,b}\n", "a,b"),
        ("e: ${env:HP_TEST_EMPTY,fallback}\n", ""),
    ],
    ids=["set", "in-text", "number-stays-text", "set-with-default", "default", "default-stripped",
         "empty-default", "comma-in-default", "empty-is-set"],
)
def test_environment_references(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    """${env:NAME} is the variable's text; ${env:NAME,default} falls back when it is unset."""
    monkeypatch.setenv("HP_TEST_HOME", "/home/me")
    monkeypatch.setenv("HP_TEST_NUMBER", "42")
    monkeypatch.setenv("HP_TEST_EMPTY", "")
    monkeypatch.delenv("HP_TEST_UNSET", raising=False)
    write(in_tmp, "cfg.yaml", text)
    assert list(read("cfg.yaml").values()) == [expected]


@pytest.mark.parametrize(
    "text,match",
    [
        ("train: {lr: 1}\nm:\n  lr: ${train.lrr}\n",
         r"key 'm\.lr' \(cfg\.yaml:3\) refers to '\$\{train\.lrr\}', but 'train\.lrr' is not "
         r"defined in the config; did you mean 'train\.lr'"),
        ("a: ${nothing.here}\n", r"key 'a' \(cfg\.yaml:1\) refers to '\$\{nothing\.here\}'"),
        ("a: 1\nb: ${a.x}\n", r"refers to '\$\{a\.x\}', but 'a\.x' is not defined"),
        ("a: [1]\nb: ${a.0}\n", r"refers to '\$\{a\.0\}', but 'a\.0' is not defined"),
        ("a: ${oc:x}\n", r"'oc:x' is not defined in the config; only \$\{key\}, \$\{env:NAME\}"),
        ("a: ${b}\nb: ${a}\n", r"interpolation cycle: 'a' -> 'b' -> 'a'; 'a' \(cfg\.yaml:1\), "
         r"'b' \(cfg\.yaml:2\)"),
        ("a: ${a}\n", r"interpolation cycle: 'a' -> 'a'"),
        ("a: {b: '${a}'}\n", r"interpolation cycle: 'a' -> 'a\.b' -> 'a'"),
        ("a: [x, '${a}']\n", r"interpolation cycle: 'a' -> 'a'"),
        ("a: x ${b\n", r"unterminated '\$\{' in 'x \$\{b' at key 'a' \(cfg\.yaml:1\)"),
        ("a: ${}\n", r"'\$\{\}' at key 'a' \(cfg\.yaml:1\) is not a reference"),
        ("a: x${b c}\n", r"'\$\{b c\}' at key 'a' \(cfg\.yaml:1\) is not a reference"),
        ("a: ${env:HP_TEST_UNSET}\n", r"environment variable 'HP_TEST_UNSET' is not set, for "
         r"'\$\{env:HP_TEST_UNSET\}' at key 'a' \(cfg\.yaml:1\); set it, or give a default"),
        ("a: ${env:}\n", r"'\$\{env:\}' at key 'a' \(cfg\.yaml:1\) names no environment variable"),
    ],
    ids=["missing-with-suggestion", "missing", "into-a-leaf", "into-a-list", "unknown-resolver",
         "cycle", "self", "self-subtree", "self-in-list", "unterminated", "empty", "not-a-key",
         "unset-env", "empty-env-name"],
)
def test_interpolation_errors_name_key_and_file(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, text: str, match: str
) -> None:
    """A missing reference, a cycle or a malformed ${...} is an error naming key and file."""
    monkeypatch.delenv("HP_TEST_UNSET", raising=False)
    write(in_tmp, "cfg.yaml", text)
    with pytest.raises(InterpolationError, match=match) as info:
        read("cfg.yaml")
    assert isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- round trips

_KEY = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(
    lambda k: k != _formats.BASE_KEY
)
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20).filter(lambda s: "${" not in s),
)
_VALUE = st.recursive(
    _SCALAR, lambda inner: st.lists(inner, max_size=3), max_leaves=8
)
_TREE = st.recursive(
    st.dictionaries(_KEY, _VALUE, max_size=4),
    lambda inner: st.dictionaries(_KEY, st.one_of(_VALUE, inner), max_size=4),
    max_leaves=12,
)


def _same(a: Any, b: Any) -> bool:
    """Equality that also tells -0.0 from 0.0 and int from float."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float):
        return type(b) is float and a == b and math.copysign(1, a) == math.copysign(1, b)
    return type(a) is type(b) and a == b


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_TREE)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_then_load_gives_the_same_tree(tmp_path: Path, fmt: str, tree: Dict[str, Any]) -> None:
    """A tree dumped as YAML (for YAML 1.2 numbers) or JSON loads back equal, types included."""
    path = tmp_path / f"cfg.{fmt}"
    if fmt == "yaml":
        path.write_text(_yaml.safe_dump(tree, yaml12=True), encoding="utf-8")
    else:
        path.write_text(json.dumps(tree), encoding="utf-8")
    assert _same(read(path), tree)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet="${}ab", max_size=16))
def test_escaped_text_loads_as_written(tmp_path: Path, text: str) -> None:
    """Any text with each '${' written as '$${' loads back as that text."""
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({"t": text.replace("${", "$${")}), encoding="utf-8")
    assert read(path) == {"t": text}


# ----------------------------------------------------------------------------- load / config


def test_load_returns_a_cfgnode_that_allows_new_keys(in_tmp: Path) -> None:
    """hp.load returns a new CfgNode with new_allowed=True and nested nodes."""
    write(in_tmp, "a.yaml", "train: {lr: 0.1}\n")
    write(in_tmp, "b.yaml", "train: {epochs: 2}\n")
    cfg = files.load("a.yaml", Path("b.yaml"))
    assert isinstance(cfg, CfgNode)
    assert cfg.is_new_allowed()
    assert cfg.train.lr == 0.1
    assert cfg.train.epochs == 2
    assert isinstance(cfg.train, CfgNode)


@pytest.mark.parametrize(
    "name,text,match",
    [
        ("d.yaml", "run:\n  day: !!timestamp 2024-01-01\n",
         r"key 'run\.day' \(d\.yaml:2\) holds datetime\.date\(2024, 1, 1\) \(date\), which a "
         r"CfgNode cannot hold; quote it"),
        ("d.toml", "when = 1979-05-27T07:32:00Z\n", r"key 'when' \(d\.toml\) holds .*\(datetime\)"),
    ],
    ids=["yaml-tagged-date", "toml-datetime"],
)
def test_load_refuses_values_a_cfgnode_cannot_hold(
    in_tmp: Path, name: str, text: str, match: str
) -> None:
    """A date is refused by hp.load with its file and line; hp.config keeps it."""
    write(in_tmp, name, text)
    with pytest.raises(ConfigFileError, match=match):
        files.load(name)
    assert files.config(name)


def test_load_accepts_a_list_of_paths(in_tmp: Path) -> None:
    """hp.load(["a.yaml", "b.yaml"]) is hp.load("a.yaml", "b.yaml")."""
    write(in_tmp, "a.yaml", "x: 1\n")
    write(in_tmp, "b.yaml", "x: 2\n")
    assert files.load(["a.yaml", "b.yaml"]) == files.load("a.yaml", "b.yaml")


@pytest.mark.parametrize(
    "args,match",
    [((), r"hp\.load\(\) needs at least one config file path"),
     ((3,), r"hp\.load\(\) takes config file paths \(str or os\.PathLike\), got 3 \(int\)")],
    ids=["no-path", "not-a-path"],
)
def test_load_rejects_bad_arguments(args: Any, match: str) -> None:
    """hp.load needs at least one str or PathLike path."""
    with pytest.raises(TypeError, match=match):
        files.load(*args)


def test_load_with_schema_returns_an_instance(in_tmp: Path) -> None:
    """hp.load(..., schema=...) returns the schema instance instead of a CfgNode."""
    write(in_tmp, "cfg.yaml", "lr: '1e-3'\nname: run\n")
    assert files.load("cfg.yaml", schema=Flat) == Flat(lr=0.001, name="run")


CONFIG_INPUTS = {
    "one-path": (lambda d: str(d / "a.yaml"), {"lr": 0.1, "warm": 0.1}),
    "pathlike": (lambda d: d / "a.yaml", {"lr": 0.1, "warm": 0.1}),
    "list": (lambda d: [d / "a.yaml", str(d / "b.toml")], {"lr": 0.5, "warm": 0.5}),
    "tuple": (lambda d: (d / "a.yaml", d / "b.toml"), {"lr": 0.5, "warm": 0.5}),
    "dict": (lambda d: {"lr": 2, "warm": "${lr}", "n": {"k": "$${x}"}},
             {"lr": 2, "warm": 2, "n": {"k": "${x}"}}),
}


@pytest.mark.parametrize(
    "make,expected", list(CONFIG_INPUTS.values()), ids=list(CONFIG_INPUTS)
)
def test_config_returns_a_plain_dict_like_0_6(tmp_path: Path, make: Any, expected: Any) -> None:
    """hp.config takes a path, a list of paths or a dict and returns a plain, interpolated dict."""
    write(tmp_path, "a.yaml", "lr: 0.1\nwarm: ${lr}\n")
    write(tmp_path, "b.toml", "lr = 0.5\n")
    given_value = make(tmp_path)
    result = files.config(given_value)
    assert result == expected
    assert type(result) is dict
    if isinstance(given_value, dict):
        assert given_value["warm"] == "${lr}"  # the input is not changed


def test_config_with_schema(in_tmp: Path) -> None:
    """hp.config(..., schema=...) returns a validated instance."""
    assert files.config({"lr": 1, "name": "x"}, schema=Flat) == Flat(lr=1.0, name="x")


@pytest.mark.parametrize(
    "value,error,match",
    [
        (3, TypeError, r"hp\.config\(\) takes config file paths .* got 3 \(int\)"),
        ([], TypeError, r"hp\.config\(\) needs a path, a list of paths or a dict"),
        ("cfg.py", ConfigFileError, r"cfg\.py is a Python config file.*allow_python=True"),
        ("cfg.cfg", ConfigFileError, r"unsupported extension '\.cfg'"),
    ],
    ids=["int", "empty-list", "python", "unknown-extension"],
)
def test_config_errors(in_tmp: Path, value: Any, error: type, match: str) -> None:
    """hp.config refuses other types, Python files and unknown extensions."""
    write(in_tmp, "cfg.py", "cfg = {}\n")
    write(in_tmp, "cfg.cfg", "a = 1\n")
    with pytest.raises(error, match=match):
        files.config(value)
