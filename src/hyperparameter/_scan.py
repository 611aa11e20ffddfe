"""Static scan for ``hp params``: the parameters code binds (``@hp.param``) or reads.

The scan parses source with ``ast`` and never imports or runs it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Iterator, List, NamedTuple, Optional

__all__ = ["Found", "scan"]


class Found(NamedTuple):
    """One parameter found in source."""

    key: str
    kind: str  # "param" (bound by @hp.param) or "read" (hp.scope.x.y, scope["x.y"])
    default: str  # source text of the default, "" when there is none
    file: str
    line: int


def _files(target: str) -> List[Path]:
    path = Path(target)
    if not path.exists():
        import importlib.util

        try:
            spec = importlib.util.find_spec(target)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin is None:
            raise ValueError(
                f"{target!r} is neither a file, a folder nor an importable module; "
                "give a path to .py files or a module name like 'mypkg.train'"
            )
        path = Path(spec.origin)
        if path.name == "__init__.py":
            path = path.parent
    if path.is_dir():
        return sorted(p for p in path.rglob("*.py") if ".venv" not in p.parts)
    return [path]


def _is_param_decorator(node: ast.expr) -> Optional[Any]:
    """Return the namespace node (or True for bare) if ``node`` is @hp.param / @param."""
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
    if name != "param":
        return None
    if isinstance(node, ast.Call) and node.args:
        return node.args[0]
    return True


def _scope_key(node: ast.expr) -> Optional[str]:
    """Return the dotted key of ``hp.scope.a.b`` / ``scope.a.b`` / ``scope["a.b"]``."""
    parts: List[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr == "scope" and (
                isinstance(node.value, ast.Name) and node.value.id in ("hp", "hyperparameter")
            ):
                return ".".join(reversed(parts)) or None
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                parts.append(index.value)
                node = node.value
            else:
                return None
        elif isinstance(node, ast.Name):
            return ".".join(reversed(parts)) or None if node.id == "scope" else None
        else:
            return None


def _scan_file(path: Path) -> Iterator[Found]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise ValueError(f"cannot scan {path}: {exc.msg} at line {exc.lineno}") from None
    file = str(path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                namespace = _is_param_decorator(decorator)
                if namespace is None:
                    continue
                if isinstance(namespace, ast.Constant) and isinstance(namespace.value, str):
                    ns = namespace.value
                else:
                    ns = node.name
                function: Any = node
                if isinstance(node, ast.ClassDef):
                    function = next((n for n in node.body if isinstance(n, ast.FunctionDef)
                                     and n.name == "__init__"), None)
                    if function is None:
                        continue
                yield from _bound(function, ns, file)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            key = _scope_key(node.left)
            if key:
                yield Found(key, "read", ast.unparse(node.right), file, node.lineno)
        elif isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 1:
            key = _scope_key(node.func)
            if key:
                default = ast.unparse(node.args[0]) if node.args else ""
                yield Found(key, "read", default, file, node.lineno)


def _bound(function: Any, ns: str, file: str) -> Iterator[Found]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
    for arg, default in pairs:
        if arg.arg in ("self", "cls"):
            continue
        shown = ast.unparse(default) if default is not None else ""
        yield Found(f"{ns}.{arg.arg}", "param", shown, file, arg.lineno)


def scan(target: str) -> List[Found]:
    """Return every parameter bound or read in ``target`` (a file, folder or module name)."""
    found: List[Found] = []
    for path in _files(target):
        found.extend(_scan_file(path))
    return sorted(found, key=lambda f: (f.key, f.file, f.line))
