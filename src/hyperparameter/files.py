"""Config files: YAML, JSON, TOML and (opt-in) Python, composed with ``_BASE_``.

:func:`load` reads files, deep-merges them in order (later files win), resolves
``${...}`` references over the merged tree and returns a :class:`CfgNode`, or an
instance of a dataclass schema. :func:`config` is the loader of hyperparameter
0.6: it returns a plain nested dict. :func:`load_flat` gives the same values
under dotted keys, with their sources, for ``-C``.

This module is the facade; the rules live in one module each: reading one file
(``_formats``, YAML in ``_yaml``), ``_BASE_`` and merging (``_compose``),
references (``_interpolate``) and schemas (``_schema``, by the coercion rule of
``_types``).

Config files are data: YAML is read with PyYAML's safe loaders only (YAML 1.2
numbers: ``1e-3`` is a float; an unquoted date is a string), JSON and TOML with
the standard parsers. A Python config file runs its code, so it is read only
when the caller passes ``allow_python=True``, and never through ``_BASE_``.

Every leaf value knows where it was written: ``path/file.yaml:LINE`` for YAML
(the line of its key), ``path/file.json``, ``path/file.toml`` or
``path/file.py`` otherwise (those parsers give no line numbers).
"""

from __future__ import annotations

import os
from typing import (
    Any,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

from ._source import Source, tag_tree
from ._tree import flatten, get_path, leaf_paths
from ._values import short
from .cfgnode import _VALID_TYPES, CfgNode
from .errors import ConfigFileError

# The composer, ``${...}`` resolution and schema validation are imported by the
# functions that use them: ``import hyperparameter`` imports this module and
# stays fast (``hp.load`` is a plain attribute of the package, see __init__).

__all__ = ["config", "load", "load_flat"]

T = TypeVar("T")
PathArg = Union[str, "os.PathLike[str]"]
Tree = Dict[str, Any]


def _flatten_paths(paths: Sequence[Any], caller: str) -> List[PathArg]:
    out: List[PathArg] = []
    for item in paths:
        if isinstance(item, (list, tuple)):
            out.extend(_flatten_paths(item, caller))
        elif isinstance(item, (str, os.PathLike)):
            out.append(item)
        else:
            raise TypeError(
                f"{caller} takes config file paths (str or os.PathLike), got {item!r} "
                f"({type(item).__name__})"
            )
    return out


def _read(
    paths: Sequence[PathArg], *, allow_python: bool = False, allow_base: bool = True
) -> Tuple[Tree, Dict[str, Source]]:
    """Return the files composed and resolved, and the source of every leaf.

    Files are read in order, each with its ``_BASE_`` files first, deep-merged (a
    mapping merges key by key; any other value replaces), then every ``${...}`` is
    resolved. Nothing is cached between calls, so a failed load changes nothing.
    """
    from . import _interpolate
    from ._compose import Composer, leaf_sources

    composer = Composer(allow_base=allow_base, allow_python=allow_python)
    tree, sources = composer.compose(paths)
    _interpolate.resolve(tree, sources)
    return tree, leaf_sources(tree, sources)


def load_flat(paths: Sequence[PathArg]) -> Tuple[Dict[str, Any], Dict[str, Source]]:
    """Return the values of config files under dotted keys, and the source of each.

    For ``-C``: the files are read as :func:`load` reads them (YAML 1.2 numbers,
    ``_BASE_``, ``${...}``); each value is typed as the file wrote it (``1e-3`` a
    float, ``"7"`` text); an empty mapping defines no key (``_tree.flatten``).
    """
    files = _flatten_paths(list(paths), "load_flat()")
    tree, sources = _read(files)
    flat = flatten(tree)
    return flat, {key: sources[key] for key in flat if key in sources}


def _check_node_types(tree: Tree, sources: Mapping[str, str]) -> None:
    """Refuse, naming file and line, a leaf a CfgNode cannot hold (a TOML date, ...)."""
    for key in leaf_paths(tree):
        value = get_path(tree, key.split("."))
        if not isinstance(value, dict) and type(value) not in _VALID_TYPES:
            from ._compose import source_of

            where = source_of(key, sources)
            raise ConfigFileError(
                f"key {key!r}{f' ({where})' if where else ''} holds {short(value)} "
                f"({type(value).__name__}), which a CfgNode cannot hold; quote it in the file "
                "to keep it as text, or load with a schema (or hp.config), which keep it"
            )


@overload
def load(
    *paths: Union[PathArg, Sequence[PathArg]],
    schema: None = None,
    allow_python: bool = False,
    allow_base: bool = True,
) -> CfgNode: ...


@overload
def load(
    *paths: Union[PathArg, Sequence[PathArg]],
    schema: Type[T],
    allow_python: bool = False,
    allow_base: bool = True,
) -> T: ...


def load(
    *paths: Union[PathArg, Sequence[PathArg]],
    schema: Optional[Type[T]] = None,
    allow_python: bool = False,
    allow_base: bool = True,
) -> Union[CfgNode, T]:
    """Read config files into a new ``CfgNode`` (``new_allowed=True``), or a schema instance.

    Files are read in order and deep-merged, later files winning; each file's
    ``_BASE_`` files (a name or a list, relative to that file) are merged first
    and the file over them. Then ``${key}``, ``${env:NAME}`` and
    ``${env:NAME,default}`` are resolved over the merged tree (``$${`` is a
    literal ``${``). Formats: YAML (``.yaml``, ``.yml``, any case), JSON, TOML,
    and Python files exporting ``cfg`` when ``allow_python=True`` (they run
    code). With ``schema`` (a dataclass), the tree is validated and converted
    into an instance; every problem is reported at once in a
    :class:`SchemaError`. The node remembers the file and line of each key, so
    ``hp.explain`` names them after ``with hp.scope(node):``.

    Example::

        cfg = hp.load("base.yaml", "experiment.yaml")
        with hp.scope(cfg):
            train()
    """
    files = _flatten_paths(paths, "hp.load()")
    if not files:
        raise TypeError("hp.load() needs at least one config file path, e.g. hp.load('cfg.yaml')")
    tree, sources = _read(files, allow_python=allow_python, allow_base=allow_base)
    if schema is not None:
        from ._schema import validate

        return validate(tree, schema, sources)
    _check_node_types(tree, sources)
    node = CfgNode(tree, new_allowed=True)
    _tag_nodes(node, sources)
    return node


def _tag_nodes(root: CfgNode, sources: Dict[str, Source]) -> None:
    """Tag ``root`` and every node under it with its leaves' sources and ``interpolated``.

    A sub-tree entered as a scope (``hp.scope(cfg.optim)``) or dumped on its own keeps
    its file lines and its ``$${`` escaping, as the whole tree does.
    """
    by_node: Dict[str, Dict[str, Source]] = {}  # dotted path of a node -> its leaves' sources
    for key, source in sources.items():
        parts = key.split(".")
        for depth in range(len(parts)):
            by_node.setdefault(".".join(parts[:depth]), {})[".".join(parts[depth:])] = source
    stack = [(root, "")]
    while stack:
        node, path = stack.pop()
        tag_tree(node, by_node.get(path, {}), interpolated=True)
        for name, child in node.items():
            if isinstance(child, CfgNode):
                stack.append((child, f"{path}.{name}" if path else str(name)))


@overload
def config(
    path_or_paths_or_dict: Union[PathArg, Sequence[PathArg], Mapping[str, Any]],
    schema: None = None,
) -> Tree: ...


@overload
def config(
    path_or_paths_or_dict: Union[PathArg, Sequence[PathArg], Mapping[str, Any]],
    schema: Type[T],
) -> T: ...


def config(
    path_or_paths_or_dict: Union[PathArg, Sequence[PathArg], Mapping[str, Any]],
    schema: Optional[Type[T]] = None,
) -> Union[Tree, T]:
    """Return a config as a plain nested dict (or a schema instance), as hyperparameter 0.6 did.

    Takes one path, a list of paths (merged in order, later wins) or a dict (copied,
    nesting at most as deep as a config file may). References ``${...}`` are
    resolved as in :func:`load`. Python config files are not read here; use
    ``hp.load(..., allow_python=True)``.
    """
    source = path_or_paths_or_dict
    sources: Dict[str, Source] = {}
    if isinstance(source, Mapping):
        from . import _interpolate
        from ._compose import copy_nested

        tree: Tree = copy_nested(source, 1, "the dict given to hp.config()")
        _interpolate.resolve(tree)
    else:
        items = source if isinstance(source, (list, tuple)) else [source]
        files = _flatten_paths(items, "hp.config()")
        if not files:
            raise TypeError("hp.config() needs a path, a list of paths or a dict")
        tree, sources = _read(files)
    if schema is not None:
        from ._schema import validate

        return validate(tree, schema, sources)
    return tree
