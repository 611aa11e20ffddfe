"""Compose config files: ``_BASE_`` chains, deep merge, and the source of every key.

A file may name other files in a top-level ``_BASE_`` key (a path or a list,
relative to the file); they are read first, merged in order, and the file is
merged over them. Each distinct file is read and composed once per composition,
however often it is named (a file naming the next one 20 times, 7 deep, is 7
reads, not 20^6), and a composition may include at most :data:`MAX_BASE_FILES`
files and copy at most :data:`MAX_COPIED_VALUES` values. A ``_BASE_`` entry never
runs Python: a ``.py`` file runs only when the caller names it and allows it.

Every key records where it was written, as a :class:`~hyperparameter._source.Source`
(``file.yaml:LINE`` for YAML, the file name for JSON, TOML and Python).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from ._formats import BASE_KEY, Chain, fmt_chain, parse_file
from ._keys import validate_key
from ._source import Source, file_source
from ._tree import leaf_paths
from ._yaml import MAX_DEPTH, KeyLines, out_of_stack, too_deep
from .errors import ConfigFileError, InvalidKeyError

__all__ = [
    "MAX_BASE_FILES",
    "MAX_COPIED_VALUES",
    "Composer",
    "copy_data",
    "copy_nested",
    "leaf_sources",
    "merge",
    "read_mapping",
    "source_of",
]

PathArg = Union[str, "os.PathLike[str]"]
Tree = Dict[str, Any]
Sources = Dict[str, Source]

MAX_BASE_FILES = 1_000  # files one composition may include through _BASE_
MAX_COPIED_VALUES = 10_000_000  # values one composition may copy while merging files


def _check_key(key: Any, prefix: str, where: str) -> str:
    """Return the dotted key for ``key`` under ``prefix``, or raise naming the rule it breaks."""
    parent = f"under {prefix!r} " if prefix else ""
    if not isinstance(key, str):
        raise InvalidKeyError(
            f"key {key!r} {parent}in {where} is a {type(key).__name__}, not a string; "
            "a key must be a str: quote it in the file (YAML reads unquoted yes, no, on, off, "
            "true, false and numbers as booleans and numbers)"
        )
    if "." in key:
        raise InvalidKeyError(
            f"key {key!r} {parent}in {where} contains '.'; a file key is one segment: "
            "nest it instead (train: {lr: 0.1} rather than train.lr: 0.1)"
        )
    full = f"{prefix}.{key}" if prefix else key
    return validate_key(full, where)


def copy_data(value: Any) -> Any:
    """Copy lists and mappings inside a value (mappings become dicts), so nothing is shared."""
    if isinstance(value, Mapping):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_data(v) for v in value)
    return value


def copy_nested(value: Any, depth: int, where: str, key: str = "") -> Any:
    """Return :func:`copy_data` of ``value`` at level ``depth``, refusing more than MAX_DEPTH.

    ``key`` (the dotted key of ``value``) and ``where`` name the place in the error.
    """
    if isinstance(value, (list, tuple, Mapping)):
        if depth > MAX_DEPTH:
            shown = key if len(key) <= 80 else f"{key[:40]}...{key[-30:]}"
            raise too_deep(where, f"key {shown!r} holds lists or mappings nested")
        if isinstance(value, Mapping):
            return {
                k: copy_nested(v, depth + 1, where, f"{key}.{k}" if key else str(k))
                for k, v in value.items()
            }
        items = [copy_nested(v, depth + 1, where, key) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _adopt(
    mapping: Mapping[Any, Any],
    file: str,
    lines: KeyLines,
    prefix: str,
    sources: Sources,
    depth: int = 1,
    yacs_keys: bool = False,
) -> Tree:
    """Return a plain, unshared copy of ``mapping`` with checked keys; record each key's source.

    ``depth`` is the level of ``mapping`` (the top level is 1); a list or mapping below
    ``MAX_DEPTH`` levels raises :class:`ConfigFileError`. With ``yacs_keys`` any key
    YACS accepts (not a str, or with a '.') is kept as it is, as ``merge_from_file``
    does without ``_BASE_``; only str keys get a recorded source then.
    """
    key_lines = lines.get(id(mapping), {})
    out: Tree = {}
    for key, value in mapping.items():
        source = file_source(file, key_lines.get(key))
        if yacs_keys and (not isinstance(key, str) or "." in key):
            full = f"{prefix}.{key}" if prefix else str(key)
        else:
            full = _check_key(key, prefix, source)
        sources[full] = source
        if isinstance(value, Mapping) and value:
            if depth >= MAX_DEPTH:
                raise too_deep(source, f"key {full!r} holds lists or mappings nested")
            out[key] = _adopt(value, file, lines, full, sources, depth + 1, yacs_keys)
        else:
            out[key] = copy_nested(value, depth + 1, source, full)
    return out


def _base_names(value: Any, where: str) -> List[str]:
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, (list, tuple))
        or not names
        or not all(isinstance(n, str) and n.strip() for n in names)
    ):
        raise ConfigFileError(
            f"{where}: {BASE_KEY} must be a file name or a list of file names, got {value!r}; "
            f"write {BASE_KEY}: base.yaml or {BASE_KEY}: [a.yaml, b.yaml]"
        )
    return list(names)


def merge(dst: Tree, dst_sources: Sources, src: Tree, src_sources: Mapping[str, Source]) -> None:
    """Deep-merge ``src`` (which ``dst`` then owns) into ``dst``; ``src`` wins.

    A mapping merges into a mapping key by key; any other value (a scalar, a
    list, ``{}`` over a leaf) replaces what was there. The sources maps hold every
    key a file wrote, mappings included; :func:`leaf_sources` keeps the leaves.
    """
    stack = [(dst, src)]
    while stack:
        into, items = stack.pop()
        for key, value in items.items():
            old = into.get(key)
            if isinstance(old, dict) and isinstance(value, dict):
                stack.append((old, value))
            else:
                into[key] = value
    dst_sources.update(src_sources)


def source_of(key: str, sources: Mapping[str, str]) -> str:
    """Return the source of ``key`` or of its nearest ancestor that has one, else ``""``."""
    key = key.split("[", 1)[0]  # list items share their list's source
    while True:
        found = sources.get(key)
        if found is not None:
            return found
        if "." not in key:
            return ""
        key = key.rsplit(".", 1)[0]


def leaf_sources(tree: Tree, sources: Mapping[str, Source]) -> Sources:
    """Return the source of every leaf of ``tree`` (an empty mapping is no leaf)."""
    out: Sources = {}
    for key in leaf_paths(tree):
        found = source_of(key, sources)
        if found:
            out[key] = found  # type: ignore[assignment]
    return out


class Composer:
    """One composition: files read once each, ``_BASE_`` followed, work bounded."""

    def __init__(
        self,
        *,
        allow_base: bool = True,
        allow_python: bool = False,
        yaml12_numbers: bool = True,
        duplicates: str = "error",
        yacs_keys: bool = False,
    ) -> None:
        self.allow_base = allow_base
        self.yacs_keys = yacs_keys
        self.allow_python = allow_python
        self.yaml12_numbers = yaml12_numbers
        self.duplicates = duplicates
        self.done: Dict[str, Tuple[Tree, Sources]] = {}  # real path -> composed file
        self.included = 0
        self.copied = 0

    def read(self, path: PathArg, chain: Chain = ()) -> Tuple[Tree, Sources]:
        """Return one file composed with its ``_BASE_`` files: a new tree the caller owns."""
        file = os.fspath(path)
        real = os.path.realpath(file)
        here = (*chain, (file, real))
        if any(seen == real for _, seen in chain):
            raise ConfigFileError(
                f"{BASE_KEY} cycle: {fmt_chain(here)}; remove one of these {BASE_KEY} entries"
            )
        if real not in self.done:
            self.done[real] = self._compose(file, here)
        tree, sources = self.done[real]
        return self._copy(tree, file), dict(sources)

    def _copy(self, tree: Tree, file: str) -> Tree:
        count = 0
        stack: List[Any] = [tree]
        while stack:
            node = stack.pop()
            count += len(node)
            stack.extend(v for v in (node.values() if isinstance(node, dict) else node)
                         if isinstance(v, (dict, list, tuple)))
        self.copied += count
        if self.copied > MAX_COPIED_VALUES:
            raise ConfigFileError(
                f"{file}: composing the {BASE_KEY} files copies more than "
                f"{MAX_COPIED_VALUES:,} values, the limit for config files: large files named "
                f"in {BASE_KEY} too often; name each file fewer times"
            )
        return copy_data(tree)

    def _compose(self, file: str, here: Chain) -> Tuple[Tree, Sources]:
        # A _BASE_ entry never runs Python; only a file the caller names and allows.
        allow_python = self.allow_python and len(here) == 1
        data, lines = parse_file(
            file, here, allow_python=allow_python, yaml12_numbers=self.yaml12_numbers,
            duplicates=self.duplicates,
        )
        sources: Sources = {}
        try:
            tree = _adopt(data, file, lines, "", sources, yacs_keys=self.yacs_keys)
        except RecursionError:  # MAX_DEPTH fits in Python's stack, unless the caller is deep
            raise out_of_stack(file, "config") from None
        if not self.allow_base or BASE_KEY not in tree:
            return tree, sources
        names = _base_names(tree.pop(BASE_KEY), sources.get(BASE_KEY, file))
        merged: Tree = {}
        merged_sources: Sources = {}
        folder = os.path.dirname(file)
        for name in names:
            self.included += 1
            if self.included > MAX_BASE_FILES:
                raise ConfigFileError(
                    f"{fmt_chain(here)}: more than {MAX_BASE_FILES:,} {BASE_KEY} entries in "
                    "one composition, the limit for config files; name fewer files"
                )
            base_file = os.path.normpath(os.path.join(folder, os.path.expanduser(name)))
            base_tree, base_sources = self.read(base_file, here)
            merge(merged, merged_sources, base_tree, base_sources)
        merge(merged, merged_sources, tree, sources)
        return merged, merged_sources

    def compose(self, paths: Iterable[PathArg]) -> Tuple[Tree, Sources]:
        """Return the files merged in order (later wins) and the source of every key."""
        tree: Tree = {}
        sources: Sources = {}
        for path in paths:
            file_tree, file_sources = self.read(path)
            merge(tree, sources, file_tree, file_sources)
        return tree, sources


def read_mapping(
    path: PathArg,
    *,
    allow_base: bool = False,
    allow_python: bool = False,
    duplicates: str = "last",
    yaml12_numbers: bool = False,
    sources: Optional[Dict[str, Source]] = None,
) -> Tree:
    """Return the nested plain dict of one config file, its ``_BASE_`` files merged in.

    For ``CfgNode.merge_from_file``: YACS's reading rules by default (PyYAML's
    ``safe_load`` resolvers, the last of duplicate keys wins, as fvcore and
    detectron2 read them), no interpolation, no ``CfgNode`` conversion. With
    ``allow_base=False`` a ``_BASE_`` key is an ordinary key, as in YACS. A ``.py``
    ``path`` runs only with ``allow_python=True``; a ``.py`` file named in
    ``_BASE_`` never runs. ``sources``, when given, receives the source of every
    leaf (for tagging the node built from it with ``_source.tag_tree``).
    """
    composer = Composer(
        allow_base=allow_base, allow_python=allow_python, yaml12_numbers=yaml12_numbers,
        duplicates=duplicates, yacs_keys=True,
    )
    tree, all_sources = composer.read(path)
    if sources is not None:
        sources.update(leaf_sources(tree, all_sources))
    return tree
