"""The package's shape: no import cycles, modules readable in one sitting, a complete surface."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, List, Set

import pytest

import hyperparameter as hp

PACKAGE = Path(hp.__file__).resolve().parent
MAX_LINES = 500
LARGER_ALLOWED = {"cfgnode.py"}  # STYLE.md: the CfgNode module may be larger


def _module_imports(path: Path) -> Set[str]:
    """Return the package modules ``path`` imports at module level (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: Set[str] = set()
    for node in tree.body:
        nodes = [node]
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports run only for type checkers
            test = node.test
            if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                continue
            nodes = list(node.body) + list(node.orelse)
        for item in nodes:
            if isinstance(item, ast.ImportFrom) and item.level == 1:
                if item.module:
                    found.add(item.module.split(".")[0])
                else:
                    found.update(alias.name for alias in item.names)
    return found


def _graph() -> Dict[str, Set[str]]:
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    return {name: _module_imports(path) & set(modules) for name, path in modules.items()}


def test_no_import_cycles():
    """Module-level imports between the package's modules form no cycle."""
    graph = _graph()
    state: Dict[str, int] = {}
    cycles: List[List[str]] = []

    def visit(name: str, path: List[str]) -> None:
        state[name] = 1
        for other in sorted(graph.get(name, ())):
            if state.get(other) == 1:
                cycles.append([*path[path.index(other):], other] if other in path else [other])
            elif other not in state:
                visit(other, [*path, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_modules_are_readable_in_one_sitting(path):
    """Every module stays under the size limit (CfgNode's may be larger)."""
    if path.name in LARGER_ALLOWED:
        return
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines; split it by concept"


def test_every_module_imports_on_its_own():
    """Each module can be imported first, in any order (no hidden cycle at run time)."""
    for path in sorted(PACKAGE.glob("*.py")):
        importlib.import_module(f"hyperparameter.{path.stem}" if path.stem != "__init__"
                                else "hyperparameter")


def test_public_surface_is_listed_and_complete():
    """__all__ is sorted, and every name in it is a plain attribute of the package."""
    assert hp.__all__ == sorted(hp.__all__)
    for name in hp.__all__:
        assert vars(hp).get(name) is not None, name
    for name in ("load", "launch", "report", "config", "explain", "testing"):
        assert name in dir(hp)
    assert isinstance(hp.__version__, str) and hp.__version__
    assert hp.implementation in ("python", "compiled")
    assert (PACKAGE / "py.typed").exists()


def test_package_has_no_module_getattr_and_imports_light():
    """No module ``__getattr__`` on the package: CPython then specialises ``hp.scope`` (a
    module with that hook is read the slow way on every ``hp.scope.a.b``). What is heavy
    (argparse, the composer, the launcher, the stores' tempfile and urllib, PyYAML) loads
    when first used; the public functions are the real ones, with their signatures."""
    import inspect
    import subprocess
    import sys

    assert "__getattr__" not in vars(hp)
    heavy = ["argparse", "tempfile", "urllib.parse", "yaml", "hyperparameter._compose",
             "hyperparameter._launch", "hyperparameter._filestore",
             "hyperparameter._redisstore", "hyperparameter._schema"]
    code = ("import sys, hyperparameter\n"
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    assert "allow_python" in inspect.signature(hp.load).parameters
    assert "argv" in inspect.signature(hp.launch).parameters
    assert hp.launch.__module__ == "hyperparameter.cli"
    # The names the light modules load on first use still resolve, also by from-import.
    from hyperparameter.cli import UnusedOverrideWarning, add_arguments
    from hyperparameter.stores import FileStore, RedisStore

    assert issubclass(UnusedOverrideWarning, Warning) and callable(add_arguments)
    assert hp.stores.FileStore is FileStore and hp.stores.RedisStore is RedisStore
    assert {"add_arguments", "UnusedOverrideWarning"} <= set(dir(hp.cli))
    assert {"FileStore", "RedisStore"} <= set(dir(hp.stores))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hp.cli.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hp.stores.nope  # noqa: B018
