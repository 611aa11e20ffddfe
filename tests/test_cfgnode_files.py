"""CfgNode and files: YAML and Python configs, dump/load, libyaml, _BASE_, process checks."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperparameter as hp
from cfgnode_checks import assert_consistent, shape
from hyperparameter import _yaml, cfgnode
from hyperparameter.cfgnode import CfgNode, load_cfg
from hyperparameter.errors import (
    ConfigAssertionError,
    ConfigFileError,
    ConfigFileNotFoundError,
    ConfigTypeError,
)

CN = CfgNode


def make_cfg() -> CfgNode:
    """Return defaults shaped like a small training config."""
    return CN(
        {
            "MODEL": {"TYPE": "resnet", "DEPTH": 50, "HEAD": {"DIMS": (256, 128)}},
            "TRAIN": {"LR": 0.1, "STEPS": [10, 20], "AMP": False},
            "NAME": "run",
        }
    )


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


# --- file types ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["over.yaml", "over.yml", "over"], ids=["yaml", "yml", "no-ext"])
def test_merge_from_yaml_file(tmp_path: Path, name: str) -> None:
    """.yaml, .yml and extension-less files are read as YAML."""
    path = write(tmp_path / name, "MODEL:\n  DEPTH: 101\nTRAIN:\n  STEPS: [5]\n")
    cfg = make_cfg()
    cfg.merge_from_file(path)
    assert cfg.MODEL.DEPTH == 101 and cfg.TRAIN.STEPS == [5]


def test_merge_from_file_accepts_path_objects(tmp_path: Path) -> None:
    """A pathlib.Path works where a file name is expected."""
    path = write(tmp_path / "over.yaml", "NAME: other\n")
    cfg = make_cfg()
    cfg.merge_from_file(Path(path))
    assert cfg.NAME == "other"


@pytest.mark.parametrize(
    "body",
    [
        "from hyperparameter.yacs import CfgNode\ncfg = CfgNode({'MODEL': {'DEPTH': 18}})\n",
        "cfg = {'MODEL': {'DEPTH': 18}}\n",
        "from yacs.config import CfgNode\ncfg = CfgNode({'MODEL': {'DEPTH': 18}})\n",
        "import hyperparameter as hp\n"
        "class Mine(hp.CfgNode):\n    pass\ncfg = Mine({'MODEL': {'DEPTH': 18}})\n",
    ],
    ids=["node", "dict", "yacs-node", "subclass-node"],
)
def test_merge_from_python_file(tmp_path: Path, body: str) -> None:
    """A .py file exporting cfg (dict, node, subclass node, or a real yacs node) merges."""
    if "yacs.config" in body:
        pytest.importorskip("yacs.config")
    path = write(tmp_path / "over.py", body)
    cfg = make_cfg()
    cfg.merge_from_file(path)
    assert cfg.MODEL.DEPTH == 18


@pytest.mark.parametrize(
    "body, message",
    [
        ("x = 1\n", r"^Python module from file .*bad\.py must have 'cfg' attr; define"),
        (
            "cfg = [('MODEL', 1)]\n",
            r"^Imported module 'cfg' attr must be in \{dict, CfgNode\} but is <class 'list'>",
        ),
    ],
    ids=["no-cfg", "cfg-not-a-dict"],
)
def test_python_file_without_usable_cfg(tmp_path: Path, body: str, message: str) -> None:
    """A .py file without a dict-like cfg raises AssertionError saying what to define."""
    path = write(tmp_path / "bad.py", body)
    with pytest.raises(ConfigAssertionError, match=message):
        make_cfg().merge_from_file(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    """A file with another extension raises ConfigFileError (an Exception, as in YACS)."""
    path = write(tmp_path / "over.json", "{}")
    with pytest.raises(
        ConfigFileError,
        match=r"^Attempt to load from an unsupported file type <.*over\.json.*>; only \{.*\} are "
        r"supported: .* has the extension '\.json'; use \.yaml",
    ):
        make_cfg().merge_from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml"):
        make_cfg().merge_from_file(str(tmp_path / "nope.yaml"))


# --- load_cfg -----------------------------------------------------------------------------------


def test_load_cfg_from_string_file_and_empty() -> None:
    """load_cfg reads YAML text, an open file, and empty text as an empty node."""
    assert load_cfg("A:\n  B: 1\n") == {"A": {"B": 1}}
    assert type(load_cfg("A:\n  B: 1\n").A) is CN
    assert load_cfg("") == {}
    assert load_cfg(io.StringIO("A: 2\n")) == {"A": 2}


def test_load_cfg_from_python_file_object(tmp_path: Path) -> None:
    """An open .py file is run and its cfg taken."""
    path = write(tmp_path / "c.py", "cfg = {'A': {'B': 3}}\n")
    with open(path) as stream:
        assert load_cfg(stream).A.B == 3


def test_load_cfg_as_subclass_classmethod() -> None:
    """Sub.load_cfg builds nodes of the subclass."""

    class Sub(CN):
        pass

    loaded = Sub.load_cfg("A:\n  B: 1\n")
    assert type(loaded) is Sub and type(loaded.A) is Sub


@pytest.mark.parametrize(
    "value", [42, b"A: 1", Path("x.yaml"), None], ids=["int", "bytes", "path", "None"]
)
def test_load_cfg_wrong_argument(value: Any) -> None:
    """Anything but text or an open file raises AssertionError explaining the options."""
    with pytest.raises(
        ConfigAssertionError,
        match=r"^Expected first argument to be of type \(<class 'io\.IOBase'>,\) or <class 'str'>, "
        r"but it was <class '[\w.]+'>; .*merge_from_file",
    ):
        load_cfg(value)


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", "3\n"], ids=["list", "str", "int"])
def test_load_cfg_of_non_mapping(text: str) -> None:
    """A YAML document that is not a mapping raises ConfigFileError (a ValueError)."""
    with pytest.raises(ConfigFileError, match="not a mapping"):
        load_cfg(text)


def test_non_mapping_file_names_the_file(tmp_path: Path) -> None:
    """The not-a-mapping error of a file names the file."""
    path = write(tmp_path / "list.yaml", "- 1\n")
    with pytest.raises(
        ConfigFileError, match=r"config file '.*list\.yaml': the YAML text holds a list"
    ):
        make_cfg().merge_from_file(path)


def test_subclass_overriding_yaml_text_loader(tmp_path: Path) -> None:
    """A subclass overriding _load_cfg_from_yaml_str(cls, str_obj) is used for files too."""

    class Upper(CfgNode):
        @classmethod
        def _load_cfg_from_yaml_str(cls, str_obj: Any) -> Any:
            return super()._load_cfg_from_yaml_str(str_obj.replace("run", "RUN"))

    path = write(tmp_path / "name.yaml", "NAME: run2\n")
    cfg = Upper({"NAME": "x"})
    cfg.merge_from_file(path)
    assert cfg.NAME == "RUN2"


def test_yaml_syntax_error_propagates() -> None:
    """Broken YAML raises PyYAML's own error, as with YACS."""
    with pytest.raises(yaml.YAMLError, match="mapping values are not allowed"):
        load_cfg("A: b: c\n")


def test_load_cfg_of_unsupported_type_in_yaml() -> None:
    """A YAML value of an invalid type (from a safe tag) raises AssertionError with its key."""
    with pytest.raises(ConfigAssertionError, match=r"^Key A\.B with value <class 'set'> is not a"):
        load_cfg("A:\n  B: !!set {x: null}\n")


# --- dump ---------------------------------------------------------------------------------------


def test_dump_is_sorted_block_yaml() -> None:
    """dump() writes sorted block-style YAML, tuples as lists."""
    assert make_cfg().dump() == (
        "MODEL:\n  DEPTH: 50\n  HEAD:\n    DIMS:\n    - 256\n    - 128\n  TYPE: resnet\n"
        "NAME: run\nTRAIN:\n  AMP: false\n  LR: 0.1\n  STEPS:\n  - 10\n  - 20\n"
    )


def test_dump_passes_options_to_yaml() -> None:
    """Keyword arguments reach the YAML dumper, as with yaml.safe_dump."""
    text = make_cfg().dump(default_flow_style=True, sort_keys=False, width=1000)
    assert text.startswith("{MODEL: {TYPE: resnet, DEPTH: 50")
    stream = io.StringIO()
    make_cfg().dump(stream=stream)
    assert stream.getvalue() == make_cfg().dump()


def test_dump_then_load_round_trip() -> None:
    """load_cfg(cfg.dump()) gives the same tree, tuples as lists."""
    cfg = make_cfg()
    again = load_cfg(cfg.dump())
    assert again.MODEL.HEAD.DIMS == [256, 128]
    again.MODEL.HEAD.DIMS = (256, 128)
    assert again == cfg


KEY = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=6)
LEAF = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.booleans(),
    st.none(),
    st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
)
TREE = st.recursive(
    st.dictionaries(KEY, LEAF, max_size=4),
    lambda inner: st.dictionaries(KEY, st.one_of(LEAF, inner), max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(tree=TREE)
def test_round_trips(tree: Dict[str, Any]) -> None:
    """dump->load_cfg, pickle, deepcopy and == with the plain dict all round-trip."""
    cfg = CN(tree)
    assert cfg == tree
    assert load_cfg(cfg.dump()) == tree
    assert shape(pickle.loads(pickle.dumps(cfg))) == shape(cfg)
    assert shape(cfg.clone()) == shape(cfg)
    assert_consistent(cfg)
    assert_consistent(cfg.clone())


# --- libyaml and the pure-Python fallback -------------------------------------------------------


def test_libyaml_is_used_when_available() -> None:
    """The loader and dumper come from libyaml when PyYAML was built with it."""
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    assert issubclass(_yaml._loader_class(False), yaml.CSafeLoader)
    assert issubclass(_yaml._dumper_class(False), yaml.CSafeDumper)


@pytest.fixture
def pure_python_yaml(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make CfgNode use PyYAML's pure-Python safe loader and dumper, as without libyaml."""
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    monkeypatch.delattr(yaml, "CSafeDumper", raising=False)
    monkeypatch.setattr(_yaml, "_LOADERS", {})
    monkeypatch.setattr(_yaml, "_DUMPERS", {})
    yield


def test_pure_python_fallback_gives_the_same_results(pure_python_yaml: None) -> None:
    """Without libyaml the same text is read and written."""
    cfg = make_cfg()
    assert cfg.dump() == yaml.safe_dump(
        {
            "MODEL": {"TYPE": "resnet", "DEPTH": 50, "HEAD": {"DIMS": [256, 128]}},
            "TRAIN": {"LR": 0.1, "STEPS": [10, 20], "AMP": False},
            "NAME": "run",
        }
    )
    assert load_cfg(cfg.dump()).MODEL.DEPTH == 50


def test_fallback_is_chosen_without_libyaml(pure_python_yaml: None) -> None:
    """When PyYAML has no CSafeLoader/CSafeDumper the pure-Python classes are used."""
    assert issubclass(_yaml._loader_class(False), yaml.SafeLoader)
    assert _yaml._dumper_class(False) is yaml.SafeDumper
    assert load_cfg("A: 1\n").A == 1


def test_safe_loader_and_dumper_extensions_are_honoured() -> None:
    """Constructors and representers registered on yaml.SafeLoader/SafeDumper are used."""

    class Celsius:
        def __init__(self, degrees: float) -> None:
            self.degrees = degrees

    def construct(loader: Any, node: Any) -> Celsius:
        return Celsius(float(loader.construct_scalar(node)))

    def represent(dumper: Any, value: Celsius) -> Any:
        return dumper.represent_scalar("!celsius", str(value.degrees))

    yaml.add_constructor("!celsius", construct, Loader=yaml.SafeLoader)
    yaml.add_representer(Celsius, represent, Dumper=yaml.SafeDumper)
    cfgnode._VALID_TYPES.add(Celsius)
    try:
        cfg = load_cfg("T: !celsius 21.5\n")
        assert cfg.T.degrees == 21.5
        assert cfg.dump() == "T: !celsius 21.5\n"
    finally:
        cfgnode._VALID_TYPES.discard(Celsius)
        del yaml.SafeLoader.yaml_constructors["!celsius"]
        del yaml.SafeDumper.yaml_representers[Celsius]


# --- _BASE_ -------------------------------------------------------------------------------------


def test_base_single_file_relative_to_including_file(tmp_path: Path) -> None:
    """_BASE_ names a file relative to the including file; the including file wins."""
    write(tmp_path / "configs" / "base.yaml", "MODEL:\n  DEPTH: 18\n  TYPE: vit\nNAME: base\n")
    child = write(
        tmp_path / "configs" / "exp" / "child.yaml", "_BASE_: ../base.yaml\nNAME: child\n"
    )
    cfg = make_cfg()
    cfg.merge_from_file(child, allow_base=True)
    assert (cfg.MODEL.DEPTH, cfg.MODEL.TYPE, cfg.NAME) == (18, "vit", "child")
    assert "_BASE_" not in cfg


def test_base_list_later_files_win(tmp_path: Path) -> None:
    """With a list of bases, later bases override earlier ones, the child overrides all."""
    write(tmp_path / "a.yaml", "MODEL:\n  DEPTH: 18\n  TYPE: a\nNAME: a\n")
    write(tmp_path / "b.yaml", "MODEL:\n  TYPE: b\nNAME: b\n")
    child = write(tmp_path / "c.yaml", "_BASE_: [a.yaml, b.yaml]\nNAME: c\n")
    cfg = make_cfg()
    cfg.merge_from_file(child, allow_base=True)
    assert (cfg.MODEL.DEPTH, cfg.MODEL.TYPE, cfg.NAME) == (18, "b", "c")


def test_base_chain_and_diamond(tmp_path: Path) -> None:
    """Bases can have bases; two bases sharing a base is not a cycle."""
    write(tmp_path / "root.yaml", "MODEL:\n  DEPTH: 1\n")
    write(tmp_path / "left.yaml", "_BASE_: root.yaml\nNAME: left\n")
    write(tmp_path / "right.yaml", "_BASE_: root.yaml\nTRAIN:\n  LR: 0.5\n")
    top = write(tmp_path / "top.yaml", "_BASE_: [left.yaml, right.yaml]\n")
    cfg = make_cfg()
    cfg.merge_from_file(top, allow_base=True)
    assert (cfg.MODEL.DEPTH, cfg.NAME, cfg.TRAIN.LR) == (1, "left", 0.5)


def test_base_python_file_is_never_run(tmp_path: Path) -> None:
    """A .py file named in _BASE_ is refused, never run, from a YAML or a .py file alike."""
    ran = tmp_path / "ran"
    write(tmp_path / "base.py", f"open({str(ran)!r}, 'w').close()\ncfg = {{'NAME': 'base'}}\n")
    child = write(tmp_path / "child.py", "cfg = {'_BASE_': 'base.py', 'NAME': 'py'}\n")
    top = write(tmp_path / "top.yaml", "_BASE_: base.py\nNAME: yaml\n")
    cfg = make_cfg()
    for path in (child, top):
        with pytest.raises(ConfigFileError, match=r"base\.py.*_BASE_.*never runs code"):
            cfg.merge_from_file(path, allow_base=True)
    assert not ran.exists() and cfg.NAME == "run"


def test_base_cycle_names_the_chain(tmp_path: Path) -> None:
    """A file that includes itself through its bases raises ConfigFileError showing the chain."""
    a = write(tmp_path / "a.yaml", "_BASE_: b.yaml\n")
    write(tmp_path / "b.yaml", "_BASE_: a.yaml\n")
    with pytest.raises(ConfigFileError, match=r"_BASE_ cycle: .*a\.yaml -> .*b\.yaml -> .*a\.yaml"):
        make_cfg().merge_from_file(a, allow_base=True)


def test_base_missing_file_names_the_including_file(tmp_path: Path) -> None:
    """A missing base raises ConfigFileNotFoundError naming the chain and the entry to fix."""
    child = write(tmp_path / "child.yaml", "_BASE_: gone.yaml\n")
    with pytest.raises(ConfigFileNotFoundError, match=r"gone\.yaml.*fix the _BASE_ entry of"):
        make_cfg().merge_from_file(child, allow_base=True)


@pytest.mark.parametrize(
    "value", ["3", "[]", "[a.yaml, 4]", "''"], ids=["int", "empty", "mixed", "blank"]
)
def test_base_value_must_name_files(tmp_path: Path, value: str) -> None:
    """_BASE_ must be a file name or a non-empty list of them."""
    child = write(tmp_path / "child.yaml", f"_BASE_: {value}\n")
    with pytest.raises(ConfigFileError, match="_BASE_ must be a file name or a list"):
        make_cfg().merge_from_file(child, allow_base=True)


def test_base_is_off_by_default(tmp_path: Path) -> None:
    """Without allow_base, _BASE_ is an ordinary (here unknown) key, as in YACS."""
    write(tmp_path / "base.yaml", "NAME: base\n")
    child = write(tmp_path / "child.yaml", "_BASE_: base.yaml\n")
    with pytest.raises(KeyError, match=r"^Non-existent config key: _BASE_; .*allow_base=True"):
        make_cfg().merge_from_file(child)


def test_base_result_is_checked_like_any_merge(tmp_path: Path) -> None:
    """Keys and types coming from a base go through the usual checks, atomically."""
    write(tmp_path / "base.yaml", "MODEL:\n  DEPTH: deep\n")
    child = write(tmp_path / "child.yaml", "_BASE_: base.yaml\nNAME: x\n")
    cfg = make_cfg()
    with pytest.raises(ConfigTypeError, match=r"MODEL\.DEPTH"):
        cfg.merge_from_file(child, allow_base=True)
    assert cfg == make_cfg()


# --- separate processes -------------------------------------------------------------------------


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with ``flags``; fail the test on a crash."""
    result = subprocess.run(
        [sys.executable, *flags, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    return result


def test_import_does_not_load_yaml() -> None:
    """import hyperparameter leaves PyYAML unimported until a YAML function runs."""
    out = run_python(
        """
        import sys
        import hyperparameter as hp
        cfg = hp.CfgNode({"A": {"B": 1}})
        cfg.freeze()
        cfg.clone()
        print("yaml" in sys.modules)
        cfg.dump()
        print("yaml" in sys.modules)
        """
    )
    assert out.stdout.split() == ["False", "True"]


def test_checks_survive_python_O() -> None:
    """Under python -O every check still raises, with AssertionError-compatible classes."""
    out = run_python(
        """
        import hyperparameter as hp
        from hyperparameter import _yaml, cfgnode
        assert False, "asserts are off"  # proves -O is in effect when nothing fails here
        cfg = hp.CfgNode({"A": {"B": 1}})
        checks = {
            "invalid type": lambda: setattr(cfg, "X", object()),
            "internal state": lambda: setattr(cfg, "__immutable__", True),
            "odd list": lambda: cfg.merge_from_list(["A.B"]),
            "unknown key": lambda: cfg.merge_from_list(["A.C", "1"]),
            "helper": lambda: cfgnode._assert_with_logging(False, "no"),
            "load_cfg type": lambda: hp.load_cfg(3),
            "merge non-node": lambda: cfgnode._merge_a_into_b({}, cfg, cfg, []),
        }
        for name, check in checks.items():
            try:
                check()
            except AssertionError as error:
                print(name, type(error).__name__)
            else:
                print(name, "did not raise")
        """,
        "-O",
    )
    lines = out.stdout.splitlines()
    assert len(lines) == 7
    assert all(line.endswith(" ConfigAssertionError") for line in lines), lines


# --- one behaviour with and without allow_base ---------------------------------------------------


@pytest.mark.parametrize("allow_base", [False, True], ids=["plain", "allow_base"])
def test_duplicate_keys_last_wins(tmp_path: Path, allow_base: bool) -> None:
    """A key written twice takes the last value, as PyYAML, YACS, fvcore and detectron2 read it."""
    path = write(tmp_path / "dup.yaml", "NAME: first\nMODEL:\n  DEPTH: 1\n  DEPTH: 2\nNAME: last\n")
    cfg = make_cfg()
    cfg.merge_from_file(path, allow_base=allow_base)
    assert (cfg.NAME, cfg.MODEL.DEPTH) == ("last", 2)


def test_python_config_runs_under_one_name(tmp_path: Path) -> None:
    """A .py config sees the same __name__ with and without allow_base (YACS's name)."""
    path = write(tmp_path / "named.py", "cfg = {'NAME': __name__}\n")
    names = []
    for allow_base in (False, True):
        cfg = make_cfg()
        cfg.merge_from_file(path, allow_base=allow_base)
        names.append(cfg.NAME)
    assert names == ["yacs.config.override", "yacs.config.override"]


@pytest.mark.parametrize("name", ["CFG.YAML", "cfg.Yml", "CFG.PY"])
@pytest.mark.parametrize("allow_base", [False, True], ids=["plain", "allow_base"])
def test_extensions_in_any_case(tmp_path: Path, name: str, allow_base: bool) -> None:
    """CFG.YAML is YAML and CFG.PY is Python for merge_from_file, as for hp.load."""
    body = "cfg = {'NAME': 'upper'}\n" if name.endswith("PY") else "NAME: upper\n"
    path = write(tmp_path / name, body)
    cfg = make_cfg()
    cfg.merge_from_file(path, allow_base=allow_base)
    assert cfg.NAME == "upper"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("allow_base", [False, True], ids=["plain", "allow_base"])
def test_only_regular_files_are_read(tmp_path: Path, allow_base: bool) -> None:
    """A FIFO named as a config file is refused at once (never a hang), _BASE_ or not."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigFileError, match="FIFO"):
        make_cfg().merge_from_file(str(fifo), allow_base=allow_base)
    top = write(tmp_path / "top.yaml", "_BASE_: pipe.yaml\n")
    with pytest.raises(ConfigFileError, match="FIFO"):
        make_cfg().merge_from_file(top, allow_base=True)


# --- dump() of a tree read by hp.load reloads the same values ------------------------------------


def test_dump_of_a_loaded_tree_escapes_literal_references(tmp_path: Path) -> None:
    """hp.load -> dump -> hp.load gives the same values: a literal ${ is written $${."""
    first = write(
        tmp_path / "first.yaml",
        """\
        HOME_TEXT: "$${HOME} stays text"
        RATE: "1e-3"
        REF: ${NAME}
        NAME: run
        LIST: ["$${x}", 1]
        """,
    )
    loaded = hp.load(first)
    assert loaded.HOME_TEXT == "${HOME} stays text" and loaded.REF == "run"
    for tree in (loaded, loaded.clone()):
        again = hp.load(write(tmp_path / "again.yaml", tree.dump()))
        assert again == loaded
        assert again.RATE == "1e-3" and again.LIST == ["${x}", 1]
    assert "$${HOME}" in loaded.dump()


def test_dump_of_other_trees_is_exactly_yacs(tmp_path: Path) -> None:
    """A tree not read by hp.load dumps ${ as it is, exactly as YACS does."""
    cfg = CN({"A": "${HOME}", "B": ["${x}"]})
    assert cfg.dump() == "A: ${HOME}\nB:\n- ${x}\n"
    yacs_config = pytest.importorskip("yacs.config")
    assert cfg.dump() == yacs_config.CfgNode({"A": "${HOME}", "B": ["${x}"]}).dump()
