"""Every example of the YACS API reference (shared/reference/yacs-api.txt) runs as written.

Each example is kept verbatim except its import line, which names
``hyperparameter.yacs`` instead of ``yacs.config`` (the one change a YACS user
makes). Files the examples read are created in ``tmp_path``.
"""

from __future__ import annotations

import inspect
import logging
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import hyperparameter.yacs as hpyacs
from hyperparameter.yacs import CfgNode

YACS_IMPORT = "from yacs.config import"
OUR_IMPORT = "from hyperparameter.yacs import"


def ported(code: str) -> str:
    """Return an example with its YACS import line switched to hyperparameter.yacs."""
    return textwrap.dedent(code).replace(YACS_IMPORT, OUR_IMPORT)


def run_example(code: str) -> Dict[str, Any]:
    """Run example code as a fresh module; return its globals."""
    namespace: Dict[str, Any] = {"__name__": "example"}
    exec(compile(ported(code), "<example>", "exec"), namespace)
    return namespace


# --- "Core Imports" -----------------------------------------------------------------------------


def test_core_imports() -> None:
    """Both import lines of the reference work with the switched module name."""
    names = run_example(
        """
        from yacs.config import CfgNode as CN
        from yacs.config import load_cfg
        """
    )
    assert names["CN"] is CfgNode
    assert names["load_cfg"] == CfgNode.load_cfg


# --- "Basic Usage" ------------------------------------------------------------------------------

BASIC_USAGE = """
from yacs.config import CfgNode as CN
# Create a configuration node
cfg = CN()
# Set configuration values
cfg.SYSTEM = CN()
cfg.SYSTEM.NUM_GPUS = 8
cfg.SYSTEM.NUM_WORKERS = 4
cfg.TRAIN = CN()
cfg.TRAIN.HYPERPARAMETER_1 = 0.1
cfg.TRAIN.SCALES = (2, 4, 8, 16)
# Merge from YAML file
cfg.merge_from_file("experiment.yaml")
# Merge from command line arguments
opts = ["SYSTEM.NUM_GPUS", 2, "TRAIN.SCALES", "(1, 2, 4)"]
cfg.merge_from_list(opts)
# Freeze configuration to prevent modifications
cfg.freeze()
# Access values using attribute or dictionary syntax
print(f"Using {cfg.SYSTEM.NUM_GPUS} GPUs")
print(f"Training scales: {cfg.TRAIN.SCALES}")
# Clone configuration for variations
cfg2 = cfg.clone()
cfg2.defrost()
cfg2.TRAIN.HYPERPARAMETER_1 = 0.2
cfg2.freeze()
"""


def test_basic_usage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The basic-usage example merges a file and opts, prints, clones a frozen variant."""
    (tmp_path / "experiment.yaml").write_text("SYSTEM:\n  NUM_WORKERS: 2\nTRAIN:\n  SCALES: [8]\n")
    monkeypatch.chdir(tmp_path)
    names = run_example(BASIC_USAGE)
    assert capsys.readouterr().out == "Using 2 GPUs\nTraining scales: (1, 2, 4)\n"
    cfg, cfg2 = names["cfg"], names["cfg2"]
    assert cfg.SYSTEM.NUM_WORKERS == 2 and cfg["SYSTEM"]["NUM_GPUS"] == 2
    assert cfg.is_frozen() and cfg2.is_frozen()
    assert cfg.TRAIN.HYPERPARAMETER_1 == 0.1 and cfg2.TRAIN.HYPERPARAMETER_1 == 0.2


# --- the documented API signatures --------------------------------------------------------------

API: Dict[str, List[str]] = {
    "__init__": ["self", "init_dict", "key_list", "new_allowed"],
    "merge_from_file": ["self", "cfg_filename"],
    "merge_from_other_cfg": ["self", "cfg_other"],
    "merge_from_list": ["self", "cfg_list"],
    "freeze": ["self"],
    "defrost": ["self"],
    "is_frozen": ["self"],
    "clone": ["self"],
    "dump": ["self", "kwargs"],
    "load_cfg": ["cfg_file_obj_or_str"],
    "register_deprecated_key": ["self", "key"],
    "register_renamed_key": ["self", "old_name", "new_name", "message"],
    "key_is_deprecated": ["self", "full_key"],
    "key_is_renamed": ["self", "full_key"],
    "raise_key_rename_error": ["self", "full_key"],
    "__getattr__": ["self", "name"],
    "__setattr__": ["self", "name", "value"],
    "__str__": ["self"],
    "__repr__": ["self"],
    "is_new_allowed": ["self"],
    "set_new_allowed": ["self", "is_new_allowed"],
    "_create_config_tree_from_dict": ["dic", "key_list"],
    "_decode_cfg_value": ["value"],
    "_immutable": ["self", "is_immutable"],
}


@pytest.mark.parametrize("name, params", list(API.items()), ids=list(API))
def test_documented_methods_have_documented_parameters(name: str, params: List[str]) -> None:
    """Every method of the reference exists with its parameters, in order (more may follow)."""
    found = list(inspect.signature(getattr(CfgNode, name)).parameters)
    assert found[: len(params)] == params


@pytest.mark.parametrize("name", ["load_cfg", "_create_config_tree_from_dict", "_decode_cfg_value"])
def test_documented_classmethods(name: str) -> None:
    """The reference's classmethods are classmethods."""
    assert isinstance(inspect.getattr_static(CfgNode, name), classmethod)


def test_documented_defaults_match_real_yacs() -> None:
    """Parameter defaults of the public methods are those of yacs 0.1.8."""
    yacs_config = pytest.importorskip("yacs.config")
    for name, params in API.items():
        theirs = inspect.signature(getattr(yacs_config.CfgNode, name)).parameters
        ours = inspect.signature(getattr(CfgNode, name)).parameters
        for param in params:
            assert ours[param].default == theirs[param].default, (name, param)
            assert ours[param].kind == theirs[param].kind, (name, param)
    assert list(inspect.signature(hpyacs.load_cfg).parameters) == ["cfg_file_obj_or_str"]


# --- "Configuration File Formats" ---------------------------------------------------------------

# The reference shows this file with its indentation lost in the text; this is its nesting.
REFERENCE_YAML = """\
SYSTEM:
  NUM_GPUS: 2
  NUM_WORKERS: 4
TRAIN:
  HYPERPARAMETER_1: 0.1
  SCALES: [2, 4, 8, 16]
MODEL:
  TYPE: "resnet50"
"""


def defaults() -> CfgNode:
    """Defaults that the reference's file formats override."""
    cfg = CfgNode()
    cfg.SYSTEM = CfgNode({"NUM_GPUS": 8, "NUM_WORKERS": 1})
    cfg.TRAIN = CfgNode({"HYPERPARAMETER_1": 0.5, "SCALES": (1,)})
    cfg.MODEL = CfgNode({"TYPE": "base_model"})
    return cfg


def test_yaml_file_format(tmp_path: Path) -> None:
    """The reference YAML file loads nested and merges into defaults (list into tuple)."""
    path = tmp_path / "config.yaml"
    path.write_text(REFERENCE_YAML)
    with open(path) as stream:
        loaded = hpyacs.load_cfg(stream)
    assert loaded.SYSTEM.NUM_GPUS == 2 and loaded.MODEL.TYPE == "resnet50"
    cfg = defaults()
    cfg.merge_from_file(str(path))
    assert cfg.TRAIN.SCALES == (2, 4, 8, 16) and cfg.SYSTEM.NUM_WORKERS == 4


PYTHON_FILE = """\
from yacs.config import CfgNode as CN
cfg = CN()
cfg.TRAIN = CN()
cfg.TRAIN.HYPERPARAMETER_1 = 0.9
cfg.MODEL = CN()
cfg.MODEL.TYPE = "modified_model"
"""


@pytest.mark.parametrize(
    "switch_import", [True, False], ids=["hyperparameter-import", "as-written"]
)
def test_python_file_format(tmp_path: Path, switch_import: bool) -> None:
    """The reference .py config merges, written for hyperparameter.yacs or even for yacs."""
    if not switch_import:
        pytest.importorskip("yacs.config")
    path = tmp_path / "config_override.py"
    path.write_text(ported(PYTHON_FILE) if switch_import else PYTHON_FILE)
    cfg = defaults()
    cfg.merge_from_file(str(path))
    assert cfg.TRAIN.HYPERPARAMETER_1 == 0.9 and cfg.MODEL.TYPE == "modified_model"


# --- "Command Line Integration" -----------------------------------------------------------------

CLI_SCRIPT = """\
import argparse
from yacs.config import CfgNode as CN
def get_cfg_defaults():
    cfg = CN()
    cfg.SYSTEM = CN()
    cfg.SYSTEM.NUM_GPUS = 8
    cfg.TRAIN = CN()
    cfg.TRAIN.LEARNING_RATE = 0.001
    return cfg
if __name__ == "__main__":
    cfg = get_cfg_defaults()
    cfg.merge_from_file("config.yaml")
    # Parse command line overrides
    parser = argparse.ArgumentParser()
    parser.add_argument("--opts", nargs=argparse.REMAINDER,
                        help="Modify config options using the command-line")
    args = parser.parse_args()
    if args.opts:
        cfg.merge_from_list(args.opts)
    cfg.freeze()
"""

USAGE_OPTS = ["--opts", "SYSTEM.NUM_GPUS", "4", "TRAIN.LEARNING_RATE", "0.01"]


@pytest.fixture
def cli_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the script and the config.yaml it reads."""
    (tmp_path / "script.py").write_text(ported(CLI_SCRIPT))
    (tmp_path / "config.yaml").write_text("TRAIN:\n  LEARNING_RATE: 0.1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_command_line_integration(cli_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The script's documented usage overrides the file with --opts and freezes."""
    monkeypatch.setattr(sys, "argv", ["script.py", *USAGE_OPTS])
    names = runpy.run_path(str(cli_dir / "script.py"), run_name="__main__")
    cfg = names["cfg"]
    assert cfg.SYSTEM.NUM_GPUS == 4 and cfg.TRAIN.LEARNING_RATE == 0.01
    assert cfg.is_frozen()


def test_command_line_integration_as_a_process(cli_dir: Path) -> None:
    """`python script.py --opts ...` exits cleanly; without --opts the file alone is used."""
    for argv in (USAGE_OPTS, []):
        result = subprocess.run(
            [sys.executable, "script.py", *argv],
            cwd=cli_dir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr


def test_command_line_bad_option_fails(cli_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelled option key stops the script with an AssertionError naming it."""
    monkeypatch.setattr(sys, "argv", ["script.py", "--opts", "SYSTEM.NUM_GPU", "4"])
    with pytest.raises(
        AssertionError, match=r"^Non-existent key: SYSTEM\.NUM_GPU; did you mean 'SYSTEM\.NUM_GPUS'"
    ):
        runpy.run_path(str(cli_dir / "script.py"), run_name="__main__")


# --- "Type System", "Supported File Extensions", "Error Handling" -------------------------------


def test_nested_dicts_are_converted() -> None:
    """Nested dictionaries become CfgNode objects."""
    cfg = CfgNode({"A": {"B": {"C": 1}}})
    assert isinstance(cfg.A, CfgNode) and isinstance(cfg.A.B, CfgNode)


@pytest.mark.parametrize(
    "value",
    ["s", 1, 1.0, True, [1], (1,), None, CfgNode()],
    ids=["str", "int", "float", "bool", "list", "tuple", "NoneType", "CfgNode"],
)
def test_valid_types(value: Any) -> None:
    """Each type the reference lists can be stored."""
    cfg = CfgNode()
    cfg.V = value
    assert cfg.V is value


@pytest.mark.parametrize(
    "extension", [".yaml", ".yml", "", ".py"], ids=["yaml", "yml", "none", "py"]
)
def test_supported_extensions(tmp_path: Path, extension: str) -> None:
    """Files with each documented extension load."""
    path = tmp_path / f"cfg{extension}"
    path.write_text("cfg = {'A': 1}\n" if extension == ".py" else "A: 1\n")
    cfg = CfgNode({"A": 0})
    cfg.merge_from_file(str(path))
    assert cfg.A == 1


def _frozen_write() -> None:
    cfg = CfgNode({"A": 1})
    cfg.freeze()
    cfg.A = 2


def _renamed() -> None:
    cfg = CfgNode({"NEW": 1})
    cfg.register_renamed_key("OLD", "NEW")
    cfg.merge_from_list(["OLD", "2"])


ERRORS: Dict[str, Any] = {
    "KeyError: non-existent key in a merge": (
        lambda: CfgNode({"A": 1}).merge_from_other_cfg(CfgNode({"B": 1})),
        KeyError,
        r"Non-existent config key: B",
    ),
    "ValueError: type mismatch in a merge": (
        lambda: CfgNode({"A": 1}).merge_from_list(["A", "'x'"]),
        ValueError,
        r"Type mismatch \(.*\) for config key: A;",
    ),
    "AttributeError: modifying a frozen config": (_frozen_write, AttributeError, "frozen"),
    "AssertionError: invalid type": (
        lambda: setattr(CfgNode(), "A", {1}),
        AssertionError,
        "Invalid type <class 'set'> for key A",
    ),
    "AssertionError: malformed operation": (
        lambda: CfgNode({"A": 1}).merge_from_list(["A"]),
        AssertionError,
        "Override list has odd length",
    ),
    "KeyError: renamed key": (_renamed, KeyError, "Key OLD was renamed to NEW"),
}


@pytest.mark.parametrize("action, error, message", list(ERRORS.values()), ids=list(ERRORS))
def test_error_handling(action: Callable[[], None], error: type, message: str) -> None:
    """Each listed mistake raises the listed exception type."""
    with pytest.raises(error, match=message):
        action()


def test_deprecated_keys_warn_without_error(caplog: pytest.LogCaptureFixture) -> None:
    """A deprecated key produces a warning, not an error."""
    cfg = CfgNode({"A": 1})
    cfg.register_deprecated_key("GONE")
    with caplog.at_level(logging.WARNING):
        cfg.merge_from_list(["GONE", "1"])
    assert "GONE" in caplog.text and "GONE" not in cfg
