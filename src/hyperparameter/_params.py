"""The ``@hp.param`` parameters a launched program defines, with their types, for the command line.

``hp.launch`` checks ``-D`` keys and converts values before the program runs,
lists every parameter in ``--help`` and prints them all with ``--print-config``:
it needs each parameter's key, default and annotation. They come from the
decorated functions themselves (``__hp_bindings__``), found in the loaded
modules and the caller's local scope; nothing is imported or run to find them.
"""

from __future__ import annotations

import inspect
import os
import sys
import types
import typing
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from ._values import MISSING

__all__ = ["Param", "decorated_in", "params_of", "program_params", "scanned", "scanned_keys"]


class Param(NamedTuple):
    """One bound parameter: ``name`` of ``owner`` reads key ``key``."""

    key: str
    name: str
    default: Any
    annotation: Any  # MISSING when the signature has none
    owner: Callable[..., Any]

    @property
    def target(self) -> Any:
        """Return what outside values are converted to (annotation, else the default's type)."""
        from ._types import target_of

        return target_of(self.annotation, self.default)

    @property
    def namespace(self) -> str:
        """Return the key without its last segment."""
        return self.key.rpartition(".")[0]


def _bound(value: Any) -> Optional[Callable[..., Any]]:
    """Return the ``@hp.param`` wrapper ``value`` is or holds (a class: its ``__init__``)."""
    if isinstance(value, types.FunctionType):
        return value if "__hp_bindings__" in value.__dict__ else None
    if isinstance(value, type):
        init = value.__dict__.get("__init__")
        if isinstance(init, types.FunctionType) and "__hp_bindings__" in init.__dict__:
            return init
    return None


def params_of(fn: Callable[..., Any]) -> List[Param]:
    """Return the parameters ``fn`` (an ``@hp.param`` function or class) binds, in order."""
    wrapper = _bound(fn) or fn
    bindings = getattr(wrapper, "__hp_bindings__", None)
    if bindings is None:
        raise TypeError(
            f"hp.launch needs a function decorated with @hp.param, got {fn!r}; "
            "decorate it with @hp.param('namespace') first"
        )
    inner = getattr(wrapper, "__wrapped__", wrapper)
    try:
        hints = typing.get_type_hints(inner)
    except Exception:  # an unresolvable forward reference: fall back to the raw annotations
        hints = {}
    try:
        signature = inspect.signature(inner).parameters
    except (TypeError, ValueError):
        signature = {}  # type: ignore[assignment]
    out = []
    for name, key, default in bindings:
        annotation = hints.get(name, MISSING)
        if annotation is MISSING and name in signature:
            raw = signature[name].annotation
            annotation = MISSING if raw is inspect.Parameter.empty or isinstance(raw, str) else raw
        out.append(Param(key, name, default, annotation, fn))
    return out


def decorated_in(namespace: Dict[str, Any]) -> Dict[str, Callable[..., Any]]:
    """Return the ``@hp.param`` functions and classes among the values of ``namespace``."""
    found: Dict[str, Callable[..., Any]] = {}
    for value in list(namespace.values()):
        if _bound(value) is not None:
            found[value.__name__] = value
    return found


# module name -> (module, size of its namespace, its decorated functions): a module whose
# namespace did not change size since the last launch is not looked through again.
_MODULES: Dict[str, Tuple[Any, int, List[Callable[..., Any]]]] = {}


def program_params(extra: Iterable[Callable[..., Any]] = ()) -> Dict[str, Param]:
    """Return every parameter bound by ``@hp.param`` in the loaded modules and in ``extra``.

    A key bound by several functions keeps the first found, the ``extra`` ones first.
    """
    found: Dict[str, Param] = {}
    owners: List[Callable[..., Any]] = list(extra)
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if namespace.__class__ is not dict:
            continue
        size = len(namespace)
        cached = _MODULES.get(name)
        if cached is None or cached[0] is not module or cached[1] != size:
            function = types.FunctionType
            decorated: List[Callable[..., Any]] = [
                value for value in list(namespace.values())
                if (value.__class__ is function and "__hp_bindings__" in value.__dict__)
                or (isinstance(value, type) and _bound(value) is not None)]
            _MODULES[name] = (module, size, decorated)
        else:
            decorated = cached[2]
        owners.extend(decorated)
    seen = set()
    for owner in owners:
        if id(owner) in seen:
            continue
        seen.add(id(owner))
        for param in params_of(owner):
            found.setdefault(param.key, param)
    return found


# --------------------------------------------------------------------------- reads in the source

_SCAN_LIMIT = 2000  # files of the program's own modules scanned for reads
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
# file -> (size, mtime, what the scan found): a file is parsed again only when it changed.
_SCAN_CACHE: Dict[str, Tuple[int, float, List[Any]]] = {}


def _program_files(fn: Callable[..., Any]) -> List[str]:
    """Return the launched script, ``fn``'s file and the imported modules of the same project.

    The project is the folder of the script (or the working directory): modules
    loaded from there, not from site-packages, are the user's own code.
    """
    files = []
    code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
    if code is not None:
        files.append(code.co_filename)
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main:
        files.append(main)
    roots = {os.path.dirname(os.path.abspath(f)) for f in files} or {os.getcwd()}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = os.path.abspath(file)
        if "site-packages" in path or "dist-packages" in path or path.startswith(_PACKAGE):
            continue
        if any(path.startswith(root + os.sep) for root in roots):
            files.append(path)
    return list(dict.fromkeys(os.path.abspath(f) for f in files))[:_SCAN_LIMIT]


def scanned(fn: Callable[..., Any]) -> List[Any]:
    """Return what ``hp params``' static scan finds in the program's own files."""
    from ._scan import scan

    found: List[Any] = []
    for file in _program_files(fn):
        try:
            stat = os.stat(file)
        except OSError:
            continue
        cached = _SCAN_CACHE.get(file)
        if cached is None or cached[:2] != (stat.st_size, stat.st_mtime):
            try:
                items = scan(file) if os.path.isfile(file) else []
            except (ValueError, OSError, SyntaxError):
                items = []
            cached = _SCAN_CACHE[file] = (stat.st_size, stat.st_mtime, items)
        found.extend(cached[2])
    return found


def scanned_keys(fn: Callable[..., Any]) -> Set[str]:
    """Return the keys the launched script's source binds or reads."""
    return {found.key for found in scanned(fn)}
