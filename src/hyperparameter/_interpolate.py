"""``${key}``, ``${env:NAME}``, ``${env:NAME,default}`` and ``$${`` in config values.

:func:`resolve` resolves every reference of a tree in place: ``${a.b}`` is the value
at key ``a.b`` of the same tree (resolved first); when the reference is the whole
string the value keeps its type (a number, a list, a subtree), else it is formatted
into the string with ``str()``. ``${env:NAME}`` is the environment variable (text),
``${env:NAME,default}`` falls back to the text after the comma. ``$${`` is a
literal ``${``; :func:`escape` writes literal ``${`` back as ``$${`` so that a
dump of a resolved tree reloads to the same values.

Limits, for one load: references chain through at most :data:`MAX_CHAIN` others;
they copy at most :data:`MAX_COPIED` values and build at most :data:`MAX_TEXT`
characters in one text and :data:`MAX_TOTAL_TEXT` in all texts together.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, List, Mapping, Optional, Set, Tuple

from ._compose import source_of
from ._keys import did_you_mean, is_valid_key
from ._tree import get_path
from ._yaml import MAX_DEPTH
from .errors import InterpolationError

__all__ = ["MAX_CHAIN", "MAX_COPIED", "MAX_TEXT", "MAX_TOTAL_TEXT", "escape", "resolve"]

MAX_CHAIN = 100  # ${...} references resolved one through another
MAX_COPIED = 1_000_000  # values ${...} references may copy into a config
MAX_TEXT = 1_000_000  # characters of one text built from ${...} references
MAX_TOTAL_TEXT = 10_000_000  # characters ${...} references may build in one load

Tree = dict
Path = Tuple[str, ...]


def _where(key: str, sources: Mapping[str, str]) -> str:
    found = source_of(key, sources)
    return f" ({found})" if found else ""


class _Interpolator:
    """Resolves the references of one tree in place, within the limits of one load."""

    def __init__(self, root: Tree, sources: Mapping[str, str]) -> None:
        self.root = root
        self.sources = sources
        self.done: Set[Path] = set()
        self.active: List[Path] = []
        self.links = 0  # references being resolved, one through another
        self.copied = 0  # values copied for whole-string references
        self.built = 0  # characters built into texts

    def where(self, key: str) -> str:
        return _where(key, self.sources)

    def resolve_key(self, path: Path) -> Any:
        """Resolve the value at ``path`` (and everything under it) and return it."""
        if path in self.done:
            return get_path(self.root, path)
        if path in self.active:
            cycle = [*self.active[self.active.index(path):], path]
            keys = [".".join(p) for p in cycle]
            raise InterpolationError(
                "interpolation cycle: " + " -> ".join(repr(k) for k in keys)
                + "; " + ", ".join(f"{k!r}{self.where(k)}" for k in keys[:-1] if self.where(k))
                + "; break the cycle by writing a value in one of these keys"
            )
        self.active.append(path)
        parent = get_path(self.root, path[:-1]) if path else None
        value = get_path(self.root, path)
        if isinstance(value, dict):
            for key in list(value):
                self.resolve_key((*path, key))
        elif parent is not None:
            value = parent[path[-1]] = self.resolve_value(value, ".".join(path))
            if isinstance(value, dict):  # a copy of a resolved subtree: final as it is
                self.done.update(_subtree_paths(value, path))
        self.active.pop()
        self.done.add(path)
        return get_path(self.root, path)

    def resolve_value(self, value: Any, key: str) -> Any:
        """Resolve a value that no reference can name: a string, or a list and what it holds."""
        if isinstance(value, str):
            return self.interpolate(value, key) if "${" in value else value
        if isinstance(value, (list, tuple)):
            return type(value)(
                self.resolve_value(item, f"{key}[{i}]") for i, item in enumerate(value)
            )
        if isinstance(value, dict):
            return {k: self.resolve_value(v, f"{key}.{k}") for k, v in value.items()}
        return value

    def build(self, piece: str, key: str, length: int) -> None:
        """Count ``piece`` into the text at ``key`` (``length`` so far) and into the load."""
        self.built += len(piece)
        if length + len(piece) > MAX_TEXT:
            raise InterpolationError(
                f"key {key!r}{self.where(key)}: ${{...}} references build a text of more than "
                f"{MAX_TEXT:,} characters, over the limit of {MAX_TEXT:,} for config files "
                "(references to long texts, or texts of references to texts); refer to "
                "shorter values"
            )
        if self.built > MAX_TOTAL_TEXT:
            raise InterpolationError(
                f"key {key!r}{self.where(key)}: ${{...}} references build more than "
                f"{MAX_TOTAL_TEXT:,} characters of text in this load, the limit for config "
                "files (a long text referred to many times); refer to shorter values or "
                "fewer times"
            )

    def interpolate(self, text: str, key: str) -> Any:
        if text.startswith("${") and text.endswith("}") and "}" not in text[2:-1]:
            return self.copy(self.lookup(text[2:-1], key), key)  # the whole string: keep type
        out: List[str] = []
        length = start = 0
        while True:
            at = text.find("${", start)
            if at < 0:
                out.append(text[start:])
                return "".join(out)
            if at > start and text[at - 1] == "$":  # "$${" is a literal "${"
                out.append(text[start:at - 1] + "${")
                start = at + 2
                continue
            end = text.find("}", at + 2)
            if end < 0:
                raise InterpolationError(
                    f"unterminated '${{' in {text!r} at key {key!r}{self.where(key)}; "
                    "close it with '}', or write '$${' for a literal '${'"
                )
            piece = str(self.lookup(text[at + 2:end], key))
            self.build(piece, key, length)
            out.append(text[start:at])
            out.append(piece)
            length += at - start + len(piece)
            start = end + 1

    def exists(self, path: Path) -> bool:
        """Return whether ``path`` names a key; strings on the way may resolve to subtrees."""
        node: Any = self.root
        for depth, part in enumerate(path, 1):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
            if depth < len(path) and isinstance(node, str) and "${" in node:
                node = self.resolve_key(path[:depth])  # '${other}' may stand for a subtree
        return True

    def env(self, inner: str, ref: str, key: str) -> str:
        name, comma, default = ref[4:].partition(",")
        name = name.strip()
        if not name:
            raise InterpolationError(
                f"'${{{inner}}}' at key {key!r}{self.where(key)} names no environment "
                "variable; write ${env:NAME} or ${env:NAME,default}"
            )
        value = os.environ.get(name)
        if value is not None:
            return value
        if comma:
            return default.strip()
        raise InterpolationError(
            f"environment variable {name!r} is not set, for '${{{inner}}}' at key "
            f"{key!r}{self.where(key)}; set it, or give a default: ${{env:{name},default}}"
        )

    def lookup(self, inner: str, key: str) -> Any:
        ref = inner.strip()
        if ref.startswith("env:"):
            return self.env(inner, ref, key)
        if not is_valid_key(ref):
            raise InterpolationError(
                f"'${{{inner}}}' at key {key!r}{self.where(key)} is not a reference: "
                "write ${some.key}, ${env:NAME} or ${env:NAME,default}; "
                "write '$${' for a literal '${'"
            )
        path = tuple(ref.split("."))
        self.links += 1
        try:
            if self.links > MAX_CHAIN:
                chain = [repr(".".join(p)) for p in self.active if p] + [repr(ref)]
                shown = chain if len(chain) <= 5 else [*chain[:2], "...", *chain[-2:]]
                raise InterpolationError(
                    f"key {key!r}{self.where(key)}: a chain of more than {MAX_CHAIN} ${{...}} "
                    f"references ({' -> '.join(shown)}), the limit for config files; refer "
                    "to the value at the end of the chain directly"
                )
            if not self.exists(path):
                hint = did_you_mean(ref, _all_keys(self.root)) or (
                    "; only ${key}, ${env:NAME} and ${env:NAME,default} are supported"
                    if ":" in ref else ""
                )
                raise InterpolationError(
                    f"key {key!r}{self.where(key)} refers to '${{{ref}}}', but {ref!r} is "
                    f"not defined in the config{hint}"
                )
            return self.resolve_key(path)
        finally:
            self.links -= 1

    def copy(self, value: Any, key: str) -> Any:
        """Return a copy of ``value`` for ``key``, within MAX_DEPTH and MAX_COPIED."""

        def walk(item: Any, depth: int) -> Any:
            self.copied += 1
            if self.copied > MAX_COPIED:
                raise InterpolationError(
                    f"key {key!r}{self.where(key)}: ${{...}} references copy more than "
                    f"{MAX_COPIED:,} values into the config, the limit for config files (a "
                    "large value referred to many times, or references to references); "
                    "refer to fewer or smaller values"
                )
            if not isinstance(item, (list, tuple, Mapping)):
                return item
            if depth > MAX_DEPTH:
                raise InterpolationError(
                    f"key {key!r}{self.where(key)}: with the value its ${{...}} reference "
                    f"copies, lists and mappings nest deeper than {MAX_DEPTH} levels, the "
                    "limit for config files; flatten the structure"
                )
            if isinstance(item, Mapping):
                return {k: walk(v, depth + 1) for k, v in item.items()}
            items = [walk(v, depth + 1) for v in item]
            return items if isinstance(item, list) else tuple(items)

        # The level a list or mapping takes at ``key``: the top level is 1.
        return walk(value, key.count(".") + key.count("[") + 2)


def _subtree_paths(tree: Tree, prefix: Path) -> Iterable[Path]:
    for key, value in tree.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _subtree_paths(value, (*prefix, key))


def _all_keys(tree: Mapping[Any, Any], prefix: str = "") -> Iterable[str]:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        yield full
        if isinstance(value, dict):
            yield from _all_keys(value, full)


def resolve(tree: Tree, sources: Optional[Mapping[str, str]] = None) -> Tree:
    """Resolve every ``${...}`` in ``tree`` in place and return it.

    ``sources`` (dotted key -> source) only names files in error messages.
    Raises :class:`InterpolationError` for a missing key or variable, a cycle, or
    a limit.
    """
    known: Mapping[str, str] = sources or {}
    interpolator = _Interpolator(tree, known)
    try:
        interpolator.resolve_key(())
    except RecursionError:
        key = ".".join(interpolator.active[-1]) if interpolator.active else ""
        raise InterpolationError(
            f"resolving the ${{...}} references at key {key!r}{_where(key, known)} ran out of "
            "stack (Python's recursion limit): they lead through too many nested values or "
            "other references; shorten the chains of references or flatten the values"
        ) from None
    return tree


def escape(value: Any) -> Any:
    """Return ``value`` with every literal ``${`` in its texts written ``$${`` (a copy).

    For dumps of a resolved tree: loading the dump resolves ``$${`` back to ``${``.
    Mappings come back as plain dicts; other values as they are.
    """
    if isinstance(value, str):
        return value.replace("${", "$${") if "${" in value else value
    if isinstance(value, Mapping):
        return {k: escape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(escape(v) for v in value)
    return value
