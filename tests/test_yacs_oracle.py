"""CfgNode against the real yacs 0.1.8, side by side.

The first part runs the behaviours YACS's own test suite checks on both
implementations (parametrized by ``impl``). The second part lets Hypothesis draw
operation sequences, runs each on both, and compares outcomes, exception types
and resulting trees after every step. The oracle is YACS plus the documented
deliberate differences (see ``docs/cfgnode.md``): int->float merges, atomic
merges. ``hyperparameter.yacs.CfgNode`` keeps YACS's frozen semantics (item
writes and merges into frozen nodes work), so frozen trees must match too; the
strict ``hp.CfgNode`` is compared in part 3.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import pickle
import tempfile
import types
import unittest
from ast import literal_eval
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import hyperparameter as hp
import hyperparameter.yacs as hpyacs
from _support import modules_replaced
from cfgnode_checks import assert_consistent, shape
from hyperparameter.errors import (
    ConfigAssertionError,
    ConfigFileError,
    ConversionError,
    FrozenConfigError,
    NestingError,
)

yacs_config = pytest.importorskip("yacs.config")

IMPLS = {"yacs": yacs_config, "hp": hpyacs}
INTERNAL_NAMES = ["__immutable__", "__deprecated_keys__", "__renamed_keys__", "__new_allowed__"]


@pytest.fixture(params=sorted(IMPLS), ids=sorted(IMPLS))
def impl(request: pytest.FixtureRequest) -> Any:
    """Each test of this part runs once with real yacs and once with hyperparameter.yacs."""
    return IMPLS[request.param]


def sample_cfg(cls: Any) -> Any:
    """Build the kind of tree the YACS suite uses: nested nodes, tuples, registries."""
    cfg = cls()
    cfg.GPUS = 4
    cfg.OPTIM = cls()
    cfg.OPTIM.LR = 0.01
    cfg.OPTIM.MILESTONES = (30, 60, 90)
    cfg.NET = cls()
    cfg.NET.ARCH = "resnet18"
    cfg.LOG = cls()
    cfg.LOG.EVERY = 10
    cfg.LOG.DIR = cls()
    cfg.LOG.DIR.ROOT = "/tmp/runs"
    cfg.LOG.DIR.KEEP = cls()
    cfg.LOG.DIR.KEEP.LAST = 3
    cfg.LOG.DIR.KEEP.BEST = 1
    cfg.register_deprecated_key("OLD_FLAG")
    cfg.register_deprecated_key("NET.DROPOUT")
    cfg.register_renamed_key("NET.DEPTH", "NET.ARCH", message="Use an architecture name.")
    cfg.EXTRA = cls(new_allowed=True)
    cfg.EXTRA.seed = 1
    cfg.EXTRA.SUB = cls()
    cfg.EXTRA.SUB.K = 2
    return cfg


def write(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)
    return path


# --- part 1: the YACS suite's behaviours, on both implementations ---------------------------


def test_frozen_node_refuses_attribute_writes(impl: Any) -> None:
    """Freezing blocks attribute writes at every depth; defrost allows them again."""
    cfg = impl.CfgNode()
    cfg.a = 0
    cfg.inner = impl.CfgNode()
    cfg.inner.deeper = impl.CfgNode()
    cfg.inner.deeper.b = 0
    cfg.freeze()
    assert cfg.is_frozen() and cfg.inner.deeper.is_frozen()
    with pytest.raises(AttributeError, match="immutable"):
        cfg.a = 1
    with pytest.raises(AttributeError, match="immutable"):
        cfg.inner.deeper.b = 1
    assert cfg.a == 0 and cfg.inner.deeper.b == 0
    cfg.defrost()
    cfg.inner.deeper.b = 5
    assert not cfg.is_frozen() and cfg.inner.deeper.b == 5


def test_clone_is_independent(impl: Any) -> None:
    """Changing a clone leaves the original alone."""
    cfg = sample_cfg(impl.CfgNode)
    other = cfg.clone()
    other.NET.ARCH = "vgg"
    assert cfg.NET.ARCH == "resnet18"


def test_merge_from_other_cfg_cases(impl: Any) -> None:
    """Merging: from a clone, from dumped YAML, a partial tree, a list into a tuple key."""
    cfg = sample_cfg(impl.CfgNode)
    other = cfg.clone()
    other.NET.ARCH = "a"
    cfg.merge_from_other_cfg(other)
    assert cfg.NET.ARCH == "a"

    other = impl.CfgNode.load_cfg(cfg.dump())
    other.NET.ARCH = "b"
    cfg.merge_from_other_cfg(other)
    assert cfg.NET.ARCH == "b"

    partial = impl.CfgNode({"NET": {"ARCH": "c"}})
    cfg.merge_from_other_cfg(partial)
    assert cfg.NET.ARCH == "c"

    as_list = impl.CfgNode({"OPTIM": {"MILESTONES": [5]}})
    cfg.merge_from_other_cfg(as_list)
    assert cfg.OPTIM.MILESTONES == (5,)


def test_merge_from_other_cfg_unknown_key_raises_key_error(impl: Any) -> None:
    """A key the receiving tree lacks raises KeyError."""
    cfg = sample_cfg(impl.CfgNode)
    with pytest.raises(KeyError, match=r"NET\.WIDTH"):
        cfg.merge_from_other_cfg(impl.CfgNode({"NET": {"WIDTH": 2}}))


def test_merge_from_other_cfg_type_change_raises_value_error(impl: Any) -> None:
    """A value of another type (not a known conversion) raises ValueError."""
    cfg = sample_cfg(impl.CfgNode)
    with pytest.raises(ValueError, match=r"OPTIM\.MILESTONES"):
        cfg.merge_from_other_cfg(impl.CfgNode({"OPTIM": {"MILESTONES": 7}}))


def test_merge_from_file_restores_dumped_values(impl: Any, tmp_path: Any) -> None:
    """Dumping, changing, then merging the dump back restores the values."""
    cfg = sample_cfg(impl.CfgNode)
    path = write(str(tmp_path / "dumped.yaml"), cfg.dump())
    cfg.NET.ARCH = "changed"
    cfg.merge_from_file(path)
    assert cfg.NET.ARCH == "resnet18"


def test_merge_from_list_decodes_values(impl: Any) -> None:
    """merge_from_list reads Python literals from strings and takes other values as given."""
    cfg = sample_cfg(impl.CfgNode)
    cfg.merge_from_list(["OPTIM.MILESTONES", "(7, )", "NET.ARCH", "vit", "GPUS", 8])
    assert cfg.OPTIM.MILESTONES == (7,) and type(cfg.OPTIM.MILESTONES) is tuple
    assert cfg.NET.ARCH == "vit"
    assert cfg.GPUS == 8


def test_deprecated_keys_are_ignored(impl: Any, tmp_path: Any) -> None:
    """Deprecated keys in a list or a file are skipped and never appear."""
    cfg = sample_cfg(impl.CfgNode)
    cfg.merge_from_list(["OLD_FLAG", "x", "NET.DROPOUT", 0.5])
    assert "OLD_FLAG" not in cfg and "DROPOUT" not in cfg.NET
    other = cfg.clone()
    other.NET.DROPOUT = 0.1
    path = write(str(tmp_path / "dep.yaml"), other.dump())
    cfg.merge_from_file(path)
    with pytest.raises(AttributeError, match="DROPOUT"):
        _ = cfg.NET.DROPOUT


def test_renamed_keys_raise_key_error(impl: Any, tmp_path: Any) -> None:
    """A renamed key in a list or a file raises KeyError naming the new key."""
    cfg = sample_cfg(impl.CfgNode)
    with pytest.raises(KeyError, match=r"NET\.ARCH"):
        cfg.merge_from_list(["NET.DEPTH", "50"])
    other = cfg.clone()
    other.NET.DEPTH = 50
    path = write(str(tmp_path / "renamed.yaml"), other.dump())
    with pytest.raises(KeyError, match="renamed"):
        cfg.merge_from_file(path)


def test_unknown_key_in_list_raises_assertion_error(impl: Any) -> None:
    """merge_from_list with a key that does not exist raises AssertionError."""
    cfg = sample_cfg(impl.CfgNode)
    with pytest.raises(AssertionError, match=r"NET\.MISSING"):
        cfg.merge_from_list(["NET.MISSING", "1"])


def test_yaml_tag_for_unsupported_type_raises_assertion_error(impl: Any) -> None:
    """A YAML value whose type is not a valid leaf type (a custom safe tag) is refused."""

    class Custom(yaml.YAMLObject):
        yaml_loader = yaml.SafeLoader
        yaml_tag = "!OracleCustom"

    with pytest.raises(AssertionError, match=r"A\.B"):
        impl.load_cfg("A:\n  B: !OracleCustom {}\n")


def test_missing_file_error_is_open_s(impl: Any, tmp_path: Any) -> None:
    """merge_from_file of a missing file raises open()'s FileNotFoundError: errno,
    filename, and the same words first."""
    path = str(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError) as raised:
        impl.CfgNode({"A": 1}).merge_from_file(path)
    error = raised.value
    assert (error.errno, error.filename) == (errno.ENOENT, path)
    assert str(error).startswith(f"[Errno 2] No such file or directory: {path!r}")


def test_load_cfg_reads_open_file(impl: Any, tmp_path: Any) -> None:
    """load_cfg accepts an open YAML file; tuples come back as lists, as YAML has no tuple."""
    cfg = sample_cfg(impl.CfgNode)
    path = write(str(tmp_path / "open.yaml"), cfg.dump())
    with open(path) as stream:
        loaded = impl.load_cfg(stream)
    assert loaded.OPTIM.MILESTONES == [30, 60, 90]
    loaded.OPTIM.MILESTONES = (30, 60, 90)
    assert loaded == cfg


@pytest.mark.parametrize("exported", ["node", "dict"])
def test_python_config_file(impl: Any, tmp_path: Any, exported: str) -> None:
    """A .py file exporting cfg (a node or a dict) merges like YAML."""
    module = impl.__name__
    body = (
        f"from {module} import CfgNode\n"
        "cfg = CfgNode()\ncfg.OPTIM = CfgNode()\ncfg.OPTIM.LR = 0.5\n"
        if exported == "node"
        else "cfg = {'OPTIM': {'LR': 0.5}}\n"
    )
    path = write(str(tmp_path / "override.py"), body)
    cfg = sample_cfg(impl.CfgNode)
    cfg.merge_from_file(path)
    assert cfg.OPTIM.LR == 0.5


def test_attribute_of_invalid_type_raises_assertion_error(impl: Any) -> None:
    """Assigning a value whose type is not valid raises AssertionError."""
    cfg = sample_cfg(impl.CfgNode)
    with pytest.raises(AssertionError, match=r"(?i)invalid type"):
        cfg.BAD = object()


def test_str_layout_matches(impl: Any) -> None:
    """str() sorts keys, nests by two spaces and prints leaves after a space."""
    expected = """EXTRA:
  SUB:
    K: 2
  seed: 1
GPUS: 4
LOG:
  DIR:
    KEEP:
      BEST: 1
      LAST: 3
    ROOT: /tmp/runs
  EVERY: 10
NET:
  ARCH: resnet18
OPTIM:
  LR: 0.01
  MILESTONES: (30, 60, 90)"""
    assert str(sample_cfg(impl.CfgNode)) == expected


def test_new_allowed_accepts_new_keys(impl: Any, tmp_path: Any) -> None:
    """A node made with new_allowed=True takes new keys and subtrees from a file."""
    cfg = sample_cfg(impl.CfgNode)
    path = write(
        str(tmp_path / "new.yaml"), "EXTRA:\n  a: 1\n  B:\n    c: 2\n    D:\n      e: '3'\n"
    )
    cfg.merge_from_file(path)
    assert cfg.EXTRA.a == 1 and cfg.EXTRA.B.c == 2 and cfg.EXTRA.B.D.e == "3"


def test_new_allowed_is_per_node_until_set_recursively(impl: Any, tmp_path: Any) -> None:
    """Children of a new_allowed node refuse new keys until set_new_allowed(True)."""
    cfg = sample_cfg(impl.CfgNode)
    path = write(str(tmp_path / "bad.yaml"), "EXTRA:\n  SUB:\n    f: 4\n")
    with pytest.raises(KeyError, match=r"Non-existent config key: '?EXTRA\.SUB\.f"):
        cfg.merge_from_file(path)
    cfg.set_new_allowed(True)
    cfg.merge_from_file(path)
    assert cfg.EXTRA.SUB.f == 4


def test_subclass_round_trips(impl: Any, tmp_path: Any) -> None:
    """A plain subclass merges from file, list and other nodes like the base class."""

    class Sub(impl.CfgNode):
        pass

    cfg = sample_cfg(Sub)
    path = write(str(tmp_path / "sub.yaml"), cfg.dump())
    cfg.NET.ARCH = "x"
    cfg.merge_from_file(path)
    assert cfg.NET.ARCH == "resnet18"
    cfg.merge_from_list(["OPTIM.MILESTONES", "(1,)"])
    assert cfg.OPTIM.MILESTONES == (1,)
    loaded = Sub.load_cfg(cfg.dump())
    assert type(loaded) is Sub and type(loaded.NET) is Sub


def test_fvcore_style_subclass(impl: Any) -> None:
    """A subclass overriding __setattr__ and the merges, calling super(), behaves alike."""

    class Project(impl.CfgNode):
        def __setattr__(self, name: str, value: Any) -> None:
            if name.startswith("COMPUTED_"):
                if name in self and self[name] != value:
                    raise KeyError(f"computed key {name} already set")
                self[name] = value
            else:
                super().__setattr__(name, value)

        def merge_from_list(self, cfg_list: List[Any]) -> None:
            cleaned = [v.strip() if isinstance(v, str) else v for v in cfg_list]
            super().merge_from_list(cleaned)

        def merge_from_other_cfg(self, cfg_other: Any) -> None:
            assert "_BASE_" not in cfg_other, "_BASE_ only in files"
            super().merge_from_other_cfg(cfg_other)

    cfg = Project({"A": 1, "B": {"C": "x"}})
    cfg.COMPUTED_size = {"not": "validated"}
    with pytest.raises(KeyError, match="computed key COMPUTED_size already set"):
        cfg.COMPUTED_size = 3
    cfg.merge_from_list([" A ", " 2 "])
    assert cfg.A == 2
    with pytest.raises(AssertionError, match="_BASE_ only in files"):
        cfg.merge_from_other_cfg(Project({"_BASE_": "x"}))
    built = type(cfg)({"A": 3})
    child = Project({"Z": 1}, key_list=["ROOT", "SUB"])
    assert type(built) is Project and built.A == 3 and child.Z == 1


def test_new_allowed_flag_in_instance_dict(impl: Any) -> None:
    """Code that flips cfg.__dict__[CfgNode.NEW_ALLOWED] directly gets new keys merged."""
    cfg = impl.CfgNode({"A": 1})
    assert cfg.__dict__[impl.CfgNode.NEW_ALLOWED] is False
    cfg.__dict__[impl.CfgNode.NEW_ALLOWED] = True
    cfg.merge_from_other_cfg(impl.CfgNode({"B": 2}))
    assert cfg.B == 2 and cfg.is_new_allowed()


def test_valid_types_extension(impl: Any) -> None:
    """Adding a type to _VALID_TYPES lets nodes hold it, read at call time."""

    class Path2:
        pass

    cfg = impl.CfgNode()
    with pytest.raises(AssertionError, match=r"(?i)invalid type"):
        cfg.P = Path2()
    impl._VALID_TYPES.add(Path2)
    try:
        cfg.P = Path2()
        assert impl._valid_type(cfg.P)
    finally:
        impl._VALID_TYPES.discard(Path2)


@pytest.mark.parametrize("fail, message", [
    (lambda cn: cn({"A": 1}).merge_from_list(["B", "1"]), "Non-existent key: B"),
    (lambda cn: cn({"A": 1}).merge_from_list(["A"]), "Override list has odd length: ['A']"),
    (lambda cn: setattr(cn({"A": 1}), "X", object()), "Invalid type <class 'object'> for key X"),
    (lambda cn: cn({"A": object()}), "Key A with value <class 'object'> is not a valid type"),
], ids=["unknown key", "odd list", "invalid type", "invalid type in a dict"])
def test_failed_checks_are_logged_at_debug_first(
    impl: Any, fail: Callable[[Any], Any], message: str, caplog: Any
) -> None:
    """A failed check logs its message at DEBUG before the AssertionError, as YACS does."""
    with caplog.at_level(logging.DEBUG), pytest.raises(AssertionError) as raised:
        fail(impl.CfgNode)
    assert str(raised.value).startswith(message)
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(text.startswith(message) for text in logged), logged


def _run_yacs_own_suite(config_module: Any, where: Any) -> unittest.TestResult:
    """Run the ``yacs/tests.py`` that ships in YACS's wheel with ``yacs.config`` bound to
    ``config_module``; ``where`` is the working directory, where the example files the
    suite reads are written."""
    path = os.path.join(os.path.dirname(yacs_config.__file__), "tests.py")
    if not os.path.exists(path):
        pytest.skip("this yacs install does not ship yacs/tests.py")
    example = where / "example"
    example.mkdir(exist_ok=True)
    # The files the suite reads (its assertions fix the values).
    write(str(example / "config_override.py"),
          "from yacs.config import CfgNode as CN\n\ncfg = CN()\ncfg.TRAIN = CN()\n"
          "cfg.TRAIN.HYPERPARAMETER_1 = 0.9\n")
    write(str(example / "config_override_from_dict.py"),
          'cfg = {"TRAIN": {"HYPERPARAMETER_1": 0.9}}\n')
    write(str(example / "config_new_allowed.yaml"),
          "KWARGS:\n  a: 1\n  B:\n    c: 2\n    D:\n      e: '3'\n")
    write(str(example / "config_new_allowed_bad.yaml"), "KWARGS:\n  Y:\n    f: 4\n")
    package = types.ModuleType("yacs")
    package.__path__ = []  # type: ignore[attr-defined]
    package.config = config_module  # type: ignore[attr-defined]
    suite_module = types.ModuleType("yacs_own_tests")
    suite_module.__file__ = path
    with modules_replaced({"yacs": package, "yacs.config": config_module}), \
            open(path, encoding="utf-8") as stream:
        exec(compile(stream.read(), path, "exec"), suite_module.__dict__)
        suite = unittest.defaultTestLoader.loadTestsFromModule(suite_module)
        result = unittest.TestResult()
        suite.run(result)
    return result


@pytest.mark.parametrize("face", ["yacs", "hyperparameter.yacs", "hyperparameter.cfgnode"])
def test_yacs_own_test_suite_passes(face: str, tmp_path: Any, monkeypatch: Any) -> None:
    """YACS's own unittest suite (the ``yacs/tests.py`` in its wheel), run unchanged with
    ``yacs.config`` replaced by each face; real YACS is the control."""
    import importlib

    module = yacs_config if face == "yacs" else importlib.import_module(face)
    monkeypatch.chdir(tmp_path)
    result = _run_yacs_own_suite(module, tmp_path)
    problems = [f"{test.id()}: {text.strip().splitlines()[-1]}"
                for test, text in result.failures + result.errors]
    assert not problems, "\n".join(problems)
    assert result.testsRun >= 20 and not result.skipped


# --- part 2: Hypothesis-drawn operation sequences --------------------------------------------

KEYS = st.sampled_from(["A", "B", "C", "lr", "Model", "x_1", "keys", "dump"])
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8)
ATOMS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, width=32),
    TEXT,
    st.booleans(),
    st.none(),
)
LEAVES = st.one_of(
    ATOMS,
    st.lists(ATOMS, max_size=3),
    st.lists(ATOMS, max_size=3).map(tuple),
)
TREES = st.recursive(
    st.dictionaries(KEYS, LEAVES, max_size=4),
    lambda inner: st.dictionaries(KEYS, st.one_of(LEAVES, inner), max_size=4),
    max_leaves=12,
)
LITERAL_TEXT = st.sampled_from(
    [
        "1",
        "-2",
        "0.5",
        "1e3",
        "(1, 2)",
        "[3]",
        "'q'",
        "None",
        "True",
        "abc",
        "a/b",
        "",
        "{1}",
        "[1,",
    ]
)
INVALID = st.sampled_from([{1, 2}, {"k": 1}, b"raw", 1j, object()])


class Subtree:
    """A drawn subtree, built as a node of each library when the operation runs."""

    def __init__(self, tree: Dict[str, Any]) -> None:
        self.tree = tree

    def __repr__(self) -> str:
        return f"Subtree({self.tree!r})"


def node_paths(cfg: Any, prefix: Tuple[str, ...] = ()) -> List[Tuple[str, ...]]:
    """Return the key paths of every node of ``cfg`` (the root is ``()``)."""
    found = [prefix]
    for key, value in cfg.items():
        if isinstance(value, dict) and isinstance(key, str):
            found.extend(node_paths(value, (*prefix, key)))
    return found


def leaf_paths(cfg: Any, prefix: Tuple[str, ...] = ()) -> List[Tuple[str, ...]]:
    found: List[Tuple[str, ...]] = []
    for key, value in cfg.items():
        if isinstance(value, dict):
            found.extend(leaf_paths(value, (*prefix, key)))
        else:
            found.append((*prefix, key))
    return found


def walk(cfg: Any, path: Tuple[str, ...]) -> Any:
    for key in path:
        cfg = cfg[key]
    return cfg


def tuples_as_lists(value: Any) -> Any:
    """Return ``value`` as plain data with tuples as lists (what a YAML round trip gives)."""
    if isinstance(value, dict):
        return {k: tuples_as_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tuples_as_lists(v) for v in value]
    return value


def any_frozen(cfg: Any) -> bool:
    return bool(cfg.is_frozen()) or any(
        any_frozen(v) for v in cfg.values() if isinstance(v, dict) and hasattr(v, "is_frozen")
    )


def patched_yacs_coercion(replacement: Any, original: Any, key: Any, full_key: str) -> Any:
    """YACS's coercion plus the documented int->float improvement."""
    if type(replacement) is int and type(original) is float:
        return float(replacement)
    return ORIGINAL_COERCE(replacement, original, key, full_key)


ORIGINAL_COERCE = yacs_config._check_and_coerce_cfg_value_type


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Silence the deprecation warnings both libraries log while Hypothesis runs."""
    loggers = [logging.getLogger("yacs.config"), logging.getLogger("hyperparameter.cfgnode")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def draw_op(data: st.DataObject, ycfg: Any) -> Tuple[Any, ...]:
    """Draw one operation that makes sense for the current tree."""
    nodes = node_paths(ycfg)
    leaves = [p for p in leaf_paths(ycfg) if all(isinstance(k, str) for k in p)]
    kind = data.draw(
        st.sampled_from(
            [
                "setattr",
                "setattr",
                "merge_list",
                "merge_list",
                "merge_other",
                "merge_file",
                "freeze",
                "defrost",
                "new_allowed",
                "clone",
                "deprecate",
                "rename",
            ]
        ),
        label="op",
    )
    if kind == "setattr":
        path = data.draw(st.sampled_from(nodes), label="node")
        value = data.draw(st.one_of(LEAVES, INVALID, TREES.map(Subtree)))
        return ("setattr", path, data.draw(KEYS, label="key"), value)
    if kind == "merge_list":
        pairs = []
        for _ in range(data.draw(st.integers(0, 3), label="pairs")):
            known = [".".join(p) for p in leaves]
            key = data.draw(
                st.sampled_from(known)
                if known and data.draw(st.booleans())
                else st.sampled_from([".".join(p) for p in nodes if p] + ["A", "A.B", "NOPE"])
            )
            value = data.draw(st.one_of(LITERAL_TEXT, ATOMS, st.lists(ATOMS, max_size=2)))
            pairs += [key, value]
        if data.draw(st.integers(0, 9), label="odd") == 0:
            pairs.append("A")
        return ("merge_list", pairs)
    if kind in ("merge_other", "merge_file"):
        tree: Dict[str, Any] = {}
        for path in data.draw(st.lists(st.sampled_from(leaves), max_size=4)) if leaves else []:
            node = tree
            for key in path[:-1]:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    break
            else:
                node[path[-1]] = data.draw(LEAVES)
        extra = data.draw(st.dictionaries(KEYS, LEAVES, max_size=1))
        tree.update({k: v for k, v in extra.items() if k not in tree})
        return (kind, tree)
    if kind in ("freeze", "defrost"):
        return (kind, data.draw(st.sampled_from(nodes)))
    if kind == "new_allowed":
        return (kind, data.draw(st.sampled_from(nodes)), data.draw(st.booleans()))
    if kind == "deprecate":
        choices = [".".join(p) for p in leaves] + ["GONE", "A.GONE"]
        return (kind, data.draw(st.sampled_from(choices)))
    if kind == "rename":
        return (kind, data.draw(st.sampled_from(["A.OLD", "OLD", "B.C.OLD"])))
    return (kind,)


def apply_op(lib: Any, cfg: Any, op: Tuple[Any, ...], workdir: str) -> Any:
    """Apply ``op`` to ``cfg`` with library ``lib``; return the (possibly new) root."""
    kind = op[0]
    if kind == "setattr":
        _, path, key, value = op
        if isinstance(value, Subtree):
            value = lib.CfgNode(value.tree)
        setattr(walk(cfg, path), key, value)
    elif kind == "merge_list":
        cfg.merge_from_list(list(op[1]))
    elif kind == "merge_other":
        cfg.merge_from_other_cfg(lib.CfgNode(op[1]))
    elif kind == "merge_file":
        path = os.path.join(workdir, "override.yaml")
        with open(path, "w", encoding="utf-8") as stream:
            yaml.safe_dump(op[1], stream)
        cfg.merge_from_file(path)
    elif kind == "freeze":
        walk(cfg, op[1]).freeze()
    elif kind == "defrost":
        walk(cfg, op[1]).defrost()
    elif kind == "new_allowed":
        walk(cfg, op[1]).set_new_allowed(op[2])
    elif kind == "clone":
        return cfg.clone()
    elif kind == "deprecate":
        if op[1] not in cfg.__dict__[lib.CfgNode.DEPRECATED_KEYS]:
            cfg.register_deprecated_key(op[1])
    elif kind == "rename":
        if op[1] not in cfg.__dict__[lib.CfgNode.RENAMED_KEYS]:
            cfg.register_renamed_key(op[1], "A.NEW", message="moved")
    return cfg


def run_both(
    op: Tuple[Any, ...], ycfg: Any, hcfg: Any, workdir: str
) -> Tuple[Any, Any, Optional[BaseException], Optional[BaseException]]:
    """Apply ``op`` to both trees; return the new roots and the exceptions raised."""
    errors: List[Optional[BaseException]] = []
    roots = []
    for lib, cfg in ((yacs_config, ycfg), (hpyacs, hcfg)):
        try:
            roots.append(apply_op(lib, cfg, op, workdir))
            errors.append(None)
        except Exception as error:  # compared below
            roots.append(cfg)
            errors.append(error)
    return roots[0], roots[1], errors[0], errors[1]


def check_outcome(
    op: Tuple[Any, ...],
    yacs_error: Optional[BaseException],
    hp_error: Optional[BaseException],
    yacs_was_frozen: bool,
) -> None:
    """Check that both raised the same kind of error, allowing the documented differences."""
    if hp_error is None:
        assert yacs_error is None, f"yacs raised {yacs_error!r}, we did not, for {op!r}"
        return
    if isinstance(hp_error, FrozenConfigError):
        # Only attribute writes are guarded in a frozen node of the YACS face, as in YACS.
        assert op[0] == "setattr" and yacs_was_frozen, f"FrozenConfigError for {op!r}"
    assert yacs_error is not None, f"we raised {hp_error!r}, yacs did not, for {op!r}"
    if isinstance(yacs_error, TypeError) and op[0] == "merge_list":
        # YACS indexes into a leaf value ('x'['y']); we report the key as non-existent.
        assert isinstance(hp_error, ConfigAssertionError) and "is a value" in str(hp_error)
        return
    assert isinstance(hp_error, type(yacs_error)), (
        f"we raised {type(hp_error).__name__}, yacs {type(yacs_error).__name__}, for {op!r}"
    )


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tree=TREES, data=st.data())
def test_operation_sequences_match_yacs(tree: Dict[str, Any], data: st.DataObject) -> None:
    """Random operation sequences give the same trees, texts and error types as yacs."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        quiet_logs(),
        mock.patch.object(yacs_config, "_check_and_coerce_cfg_value_type", patched_yacs_coercion),
    ):
        ycfg = yacs_config.CfgNode(tree)
        hcfg = hpyacs.CfgNode(tree)
        for _ in range(data.draw(st.integers(1, 8), label="steps")):
            op = draw_op(data, ycfg)
            yacs_before = ycfg.clone()
            hp_before = shape(hcfg)
            was_frozen = any_frozen(ycfg)
            ycfg, hcfg, yacs_error, hp_error = run_both(op, ycfg, hcfg, workdir)
            check_outcome(op, yacs_error, hp_error, was_frozen)
            event(f"{op[0]}: {type(hp_error).__name__ if hp_error else 'ok'}")
            if hp_error is not None:
                assert shape(hcfg) == hp_before, f"{op!r} failed but changed the node"
            if yacs_error is not None or hp_error is not None:
                ycfg = yacs_before  # YACS merges are not atomic: start again from before
            assert shape(hcfg) == shape(ycfg), f"trees differ after {op!r}"
            assert str(hcfg) == str(ycfg)
            assert repr(hcfg) == repr(ycfg)
            assert hcfg.dump() == ycfg.dump()
            assert_consistent(hcfg)
        assert hpyacs.load_cfg(hcfg.dump()) == tuples_as_lists(hcfg)
        assert shape(pickle.loads(pickle.dumps(hcfg))) == shape(hcfg)


STRINGS_FROM_CLI = st.one_of(LITERAL_TEXT, TEXT)


@settings(max_examples=300, deadline=None)
@given(raw=STRINGS_FROM_CLI)
def test_decode_matches_yacs(raw: str) -> None:
    """Decoding a command-line string gives the same value and type as yacs."""
    ours = hpyacs.CfgNode._decode_cfg_value(raw)
    theirs = yacs_config.CfgNode._decode_cfg_value(raw)
    assert shape(ours) == shape(theirs)


@settings(max_examples=300, deadline=None)
@given(replacement=LEAVES, original=LEAVES)
def test_coercion_matches_yacs(replacement: Any, original: Any) -> None:
    """The type check of merges agrees with yacs, except int->float which we accept."""
    outcomes: List[Tuple[str, Any]] = []
    check: Callable[..., Any]
    for check in (
        yacs_config._check_and_coerce_cfg_value_type,
        hpyacs._check_and_coerce_cfg_value_type,
    ):
        try:
            outcomes.append(("ok", shape(check(replacement, original, "k", "a.k"))))
        except ValueError:
            outcomes.append(("ValueError", None))
    if type(replacement) is int and type(original) is float:
        assert outcomes[0][0] == "ValueError"
        assert outcomes[1] == ("ok", shape(float(replacement)))
    else:
        assert outcomes[0] == outcomes[1]


# --- part 3: each documented difference is real ------------------------------------------------


def outcome(action: Callable[[], Any]) -> Any:
    """Return ("ok", result) or ("error", exception class) for ``action``."""
    try:
        return ("ok", action())
    except Exception as error:
        return ("error", type(error))


def frozen_then(change: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        cfg = lib.CfgNode({"A": 1, "B": {"C": 2}})
        cfg.freeze()
        change(cfg)
        return cfg.A, cfg.B.C

    return run


def partial_merge(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": 1, "B": 2})
    try:
        cfg.merge_from_list(["A", "5", "B", "'text'"])
    except ValueError:
        pass
    return cfg.A


def int_into_float(lib: Any) -> Any:
    cfg = lib.CfgNode({"LR": 0.1})
    cfg.merge_from_list(["LR", "1"])
    return cfg.LR, type(cfg.LR)


def del_attribute(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": 1})
    del cfg.A
    return "A" in cfg


def python_file_with_subclass(lib: Any) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sub.py")
        with open(path, "w") as stream:
            stream.write(
                f"from {lib.__name__} import CfgNode\n"
                "class Sub(CfgNode):\n    pass\ncfg = Sub({'A': 2})\n"
            )
        cfg = lib.CfgNode({"A": 1})
        cfg.merge_from_file(path)
        return cfg.A


def list_document(lib: Any) -> Any:
    return lib.load_cfg("- 1\n- 2\n")


def key_through_int_leaf(lib: Any) -> Any:
    return lib.CfgNode({"A": 1}).merge_from_list(["A.B", "2"])


def instance_dict(lib: Any) -> Any:
    return sorted(vars(lib.CfgNode({"A": 1})))


def yaml_anchor(lib: Any) -> Any:
    cfg = lib.load_cfg("A: &shared [1]\nB: *shared\n")
    cfg.A.append(2)
    return cfg.B


def frozen_list_append(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": {"L": [1]}})
    cfg.freeze()
    cfg.A.L.append(2)
    return cfg.A.L


def upper_case_extension(lib: Any) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = write(os.path.join(folder, "CFG.YAML"), "A: 2\n")
        cfg = lib.CfgNode({"A": 1})
        cfg.merge_from_file(path)
        return cfg.A


def undecodable_literal(lib: Any) -> Any:
    return lib.CfgNode({"A": "x"}).merge_from_list(["A", "{[]: 1}"])


def self_containing(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": {"B": 1}})
    cfg.A.SELF = cfg
    return sorted(cfg.A)


# Differences of hp.CfgNode (strict) from YACS; the YACS face matches YACS on these rows.
FROZEN_DIFFERENCES: Dict[str, Any] = {
    "frozen-setitem": (
        frozen_then(lambda c: c.__setitem__("A", 9)),
        ("ok", (9, 2)),
        ("error", FrozenConfigError),
    ),
    "frozen-merge": (
        frozen_then(lambda c: c.merge_from_other_cfg(type(c)({"B": {"C": 7}}))),
        ("ok", (1, 7)),
        ("error", FrozenConfigError),
    ),
    "frozen-merge-equal-values": (
        frozen_then(lambda c: c.merge_from_other_cfg(type(c)({"A": 1, "B": {"C": 2}}))),
        ("ok", (1, 2)),
        ("ok", (1, 2)),
    ),
    "frozen-update": (
        frozen_then(lambda c: c.update(A=3)),
        ("ok", (3, 2)),
        ("error", FrozenConfigError),
    ),
    "frozen-list-append": (frozen_list_append, ("ok", [1, 2]), ("error", FrozenConfigError)),
}

# Differences of both faces from YACS.
DIFFERENCES: Dict[str, Any] = {
    "failed-merge-is-undone": (partial_merge, ("ok", 5), ("ok", 1)),
    "int-into-float": (int_into_float, ("error", ValueError), ("ok", (1.0, float))),
    "del-attribute": (del_attribute, ("error", AttributeError), ("ok", False)),
    "python-file-exporting-subclass": (
        python_file_with_subclass,
        ("error", AssertionError),
        ("ok", 2),
    ),
    "yaml-list-document": (
        list_document,
        ("error", AttributeError),
        ("error", ConfigFileError),
    ),
    "key-through-int-leaf": (
        key_through_int_leaf,
        ("error", TypeError),
        ("error", ConfigAssertionError),
    ),
    "instance-dict": (
        instance_dict,
        ("ok", sorted(INTERNAL_NAMES)),
        ("ok", sorted([*INTERNAL_NAMES, "A"])),
    ),
    "yaml-anchor": (yaml_anchor, ("ok", [1, 2]), ("ok", [1])),
    "upper-case-extension": (upper_case_extension, ("error", Exception), ("ok", 2)),
    "undecodable-literal": (undecodable_literal, ("error", TypeError), ("error", ConversionError)),
    "self-containing-node": (self_containing, ("ok", ["B", "SELF"]), ("error", NestingError)),
}

STRICT = types.SimpleNamespace(
    CfgNode=hp.CfgNode,
    load_cfg=hp.load_cfg,
    _merge_a_into_b=hpyacs._merge_a_into_b,
    __name__="hyperparameter",
)


@pytest.mark.parametrize(
    "run, yacs_outcome, hp_outcome", list(FROZEN_DIFFERENCES.values()), ids=list(FROZEN_DIFFERENCES)
)
def test_frozen_difference_of_the_strict_node(
    run: Callable[[Any], Any], yacs_outcome: Any, hp_outcome: Any
) -> None:
    """hp.CfgNode's frozen rules differ from YACS as documented; the YACS face matches YACS."""
    assert outcome(lambda: run(yacs_config)) == yacs_outcome
    assert outcome(lambda: run(STRICT)) == hp_outcome
    assert outcome(lambda: run(hpyacs)) == yacs_outcome


@pytest.mark.parametrize(
    "run, yacs_outcome, hp_outcome", list(DIFFERENCES.values()), ids=list(DIFFERENCES)
)
def test_documented_difference(
    run: Callable[[Any], Any], yacs_outcome: Any, hp_outcome: Any
) -> None:
    """Each row of the differences table in docs/cfgnode.md is what both faces and YACS do."""
    with quiet_logs():
        assert outcome(lambda: run(yacs_config)) == yacs_outcome
        assert outcome(lambda: run(hpyacs)) == hp_outcome
        assert outcome(lambda: run(STRICT)) == hp_outcome


# --- part 4: where YACS raises, our message starts with YACS's words ---------------------------


def _frozen_setattr(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": 1})
    cfg.freeze()
    cfg.A = 2


def _renamed_merge(lib: Any) -> Any:
    cfg = lib.CfgNode({"NEW": 1})
    cfg.register_renamed_key("OLD", "NEW", message="Use NEW.")
    cfg.merge_from_list(["OLD", "2"])


def _registered_twice(kind: str) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        cfg = lib.CfgNode({"A": 1})
        register = (
            cfg.register_deprecated_key
            if kind == "deprecated"
            else lambda key: cfg.register_renamed_key(key, "B")
        )
        register("A")
        register("A")

    return run


def _dump_invalid(lib: Any) -> Any:
    cfg = lib.CfgNode({"A": 1})
    cfg["X"] = {1}
    cfg.dump()


PY_FOLDER = tempfile.mkdtemp(prefix="oracle-py-")  # one path, so both messages name it


def _python_file(body: str) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        path = write(os.path.join(PY_FOLDER, "over.py"), body)
        with open(path) as stream:
            lib.load_cfg(stream)

    return run


def _unsupported_file(lib: Any, stream: Any) -> Any:
    lib.load_cfg(stream)


MESSAGE_CASES: Dict[str, Callable[[Any], Any]] = {
    "constructor-invalid-type": lambda lib: lib.CfgNode({"A": {"B": {1}}}),
    "frozen-setattr": _frozen_setattr,
    "internal-state-setattr": lambda lib: setattr(lib.CfgNode(), "__immutable__", True),
    "setattr-invalid-type": lambda lib: setattr(lib.CfgNode(), "X", {1}),
    "dump-invalid-type": _dump_invalid,
    "merge-list-odd": lambda lib: lib.CfgNode({"A": 1}).merge_from_list(["A"]),
    "merge-list-unknown": lambda lib: lib.CfgNode({"A": 1}).merge_from_list(["B", "1"]),
    "merge-list-unknown-nested": lambda lib: lib.CfgNode({"A": {"C": 1}}).merge_from_list(
        ["A.B", "1"]
    ),
    "deprecated-twice": _registered_twice("deprecated"),
    "renamed-twice": _registered_twice("renamed"),
    "renamed-key": _renamed_merge,
    "load-cfg-argument": lambda lib: lib.load_cfg(3),
    "python-file-without-cfg": _python_file("x = 1\n"),
    "python-file-cfg-not-a-dict": _python_file("cfg = [1]\n"),
    "merge-a-not-a-node": lambda lib: lib._merge_a_into_b({}, lib.CfgNode(), lib.CfgNode(), []),
    "merge-b-not-a-node": lambda lib: lib._merge_a_into_b(lib.CfgNode(), {}, lib.CfgNode(), []),
    "merge-unknown-key": lambda lib: lib.CfgNode({"A": {"C": 1}}).merge_from_other_cfg(
        lib.CfgNode({"A": {"B": 1}})
    ),
    "type-mismatch": lambda lib: lib.CfgNode({"A": {"B": 1}}).merge_from_list(["A.B", "x"]),
    "type-mismatch-list": lambda lib: lib.CfgNode({"A": [1]}).merge_from_other_cfg(
        lib.CfgNode({"A": "x"})
    ),
    "missing-attribute": lambda lib: lib.CfgNode({"A": 1}).B,
}


def _message(error: BaseException) -> str:
    """Return the text a user reads: KeyError's argument (str() quotes it), else str()."""
    text = str(error.args[0]) if isinstance(error, KeyError) else str(error)
    # The class of the node is named in a few messages: compare the words around it.
    for name in (
        "yacs.config.CfgNode",
        "hyperparameter.yacs.CfgNode",
        "hyperparameter.cfgnode.CfgNode",
    ):
        text = text.replace(name, "CfgNode")
    return text


def _raised(run: Callable[[Any], Any], lib: Any) -> BaseException:
    try:
        run(lib)
    except Exception as error:  # compared by the caller
        return error
    raise AssertionError(f"{lib.__name__} raised nothing")


@pytest.mark.parametrize("face", ["yacs-face", "strict"])
@pytest.mark.parametrize("run", list(MESSAGE_CASES.values()), ids=list(MESSAGE_CASES))
def test_message_starts_with_yacs_wording(run: Callable[[Any], Any], face: str) -> None:
    """Same exception type (or a subclass) as YACS, and YACS's message is the start of ours."""
    lib = hpyacs if face == "yacs-face" else STRICT
    with quiet_logs():
        theirs = _raised(run, yacs_config)
        ours = _raised(run, lib)
    assert isinstance(ours, type(theirs)), (type(ours), type(theirs))
    expected = _message(theirs)
    if expected.startswith("Imported module 'cfg' attr must be in "):
        # YACS prints a set of two classes, one of them its own: compare the words.
        expected = "Imported module 'cfg' attr must be in "
    got = _message(ours)
    assert got.startswith(expected), f"\n ours: {got}\nyacs: {expected}"
    # A hint follows, except where YACS's words already name the fix (a renamed key).
    assert len(got) > len(expected) or "was renamed to" in got, "no hint after it"


def test_unsupported_file_message_starts_with_yacs_wording(tmp_path: Any) -> None:
    """load_cfg of an open .json file: YACS's words (with the same file object) come first."""
    path = write(str(tmp_path / "over.json"), "{}")
    with open(path) as stream:
        theirs = _raised(lambda lib: _unsupported_file(lib, stream), yacs_config)
        ours = _raised(lambda lib: _unsupported_file(lib, stream), hpyacs)
    assert type(theirs) is Exception and isinstance(ours, Exception)
    # The same words; the set of extensions prints in an order that each module's compiled
    # constants decide, so it is compared as a set.
    head, _, extensions = str(theirs).partition("; only ")
    assert str(ours).startswith(f"{head}; only {{") and "'.json'" in str(ours)
    shown = str(ours).partition("; only ")[2].partition("}")[0] + "}"
    assert literal_eval(shown) == literal_eval(extensions.partition(" are supported")[0])
