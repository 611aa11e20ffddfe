"""Static scan for ``hp params``: the parameters code binds (``@hp.param``) or reads.

The scan parses source with ``ast`` and never imports or runs it.
"""

from __future__ import annotations

import ast
import sys
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


def _module_path(name: str) -> Optional[Path]:
    """Return the file or package folder of module ``name`` on ``sys.path``, importing nothing.

    ``importlib.util.find_spec("a.b")`` would import (run) ``a/__init__.py``; this
    only looks at the file system, as the import system would find plain source.
    """
    import sys

    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for entry in sys.path:
        base = Path(entry or ".").joinpath(*parts)
        if (base / "__init__.py").is_file():
            return base
        if base.is_dir() and len(parts) > 1:
            return base  # a namespace package
        candidate = base.with_name(parts[-1] + ".py")
        if candidate.is_file():
            return candidate
    return None


def _files(target: str) -> List[Path]:
    path = Path(target)
    if not path.exists():
        found = _module_path(target)
        if found is None:
            raise ValueError(
                f"{target!r} is neither a file, a folder nor a module on sys.path; "
                "give a path to .py files or a module name like 'mypkg.train'"
            )
        path = found
    if path.is_dir():
        return sorted(p for p in path.rglob("*.py") if ".venv" not in p.parts)
    return [path]


def _text(node: ast.expr) -> str:
    """Return the source text of a default; a huge one is shortened, never a RecursionError."""
    try:
        text = ast.unparse(node)
    except RecursionError:
        return "<expression too deep to show>"
    return text if len(text) <= 200 else text[:197] + "..."


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


# Before Python 3.11 the C code that turns a parse into ``ast`` objects has no depth
# guard: an expression nested ~100,000 deep overflows the C stack and kills the process.
_GUARDED_PARSER = sys.version_info >= (3, 11)
_BIG_TEXT = 50_000  # characters: shorter sources cannot nest deep enough to crash


def _parse(text: str, filename: str) -> ast.AST:
    """Return ``ast.parse(text)``; on old Pythons a huge source is parsed on a large stack."""
    if _GUARDED_PARSER or len(text) < _BIG_TEXT:
        return ast.parse(text, filename=filename)
    import threading

    box: dict = {}

    def work() -> None:
        try:
            box["tree"] = ast.parse(text, filename=filename)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    previous = threading.stack_size(512 * 1024 * 1024)
    try:
        worker = threading.Thread(target=work, name="hp-params-parse")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["tree"]


def _scan_file(path: Path) -> Iterator[Found]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"cannot scan {path}: it is not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "save it as UTF-8 (Python's default source encoding)"
        ) from None
    try:
        tree = _parse(text, str(path))
    except SyntaxError as exc:
        raise ValueError(f"cannot scan {path}: {exc.msg} at line {exc.lineno}") from None
    except (RecursionError, MemoryError):
        raise ValueError(
            f"cannot scan {path}: an expression nests too deeply for Python's parser"
        ) from None
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
                yield Found(key, "read", _text(node.right), file, node.lineno)
        elif isinstance(node, ast.Call) and not node.keywords and len(node.args) <= 1:
            key = _scope_key(node.func)
            if key:
                default = _text(node.args[0]) if node.args else ""
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
        shown = _text(default) if default is not None else ""
        yield Found(f"{ns}.{arg.arg}", "param", shown, file, arg.lineno)


def scan(target: str, problems: Optional[List[str]] = None) -> List[Found]:
    """Return every parameter bound or read in ``target`` (a file, folder or module name).

    Nothing is imported or run: a module name is found on ``sys.path`` by its files.
    A file that cannot be scanned (not UTF-8, a syntax error, an expression nested
    too deeply) raises ``ValueError`` naming it when ``problems`` is None; otherwise
    its message is appended to ``problems`` and the scan goes on with the next file.
    """
    found: List[Found] = []
    for path in _files(target):
        try:
            found.extend(_scan_file(path))
        except (ValueError, OSError) as exc:
            if problems is None:
                raise
            problems.append(str(exc))
        except RecursionError:
            message = f"cannot scan {path}: an expression nests too deeply"
            if problems is None:
                raise ValueError(message) from None
            problems.append(message)
    return sorted(found, key=lambda f: (f.key, f.file, f.line))
