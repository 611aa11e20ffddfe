"""Dotted keys <-> nested trees, in one place: flatten, nest, walk.

The rule every path shares (``hp.scope(nested)``, ``-C`` files, ``hp.bind``,
snapshots, ``--print-config``): a mapping is a namespace, not a value, so a
nested mapping contributes its leaves under dotted keys and an *empty* mapping
defines no key at all. Lists, tuples and every other object are values.
Nesting is limited to :data:`MAX_DEPTH` levels, and a mapping that contains
itself is refused, each with :class:`NestingError` naming the key.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ._keys import validate_key
from .errors import NestingError

__all__ = ["MAX_DEPTH", "flatten", "get_path", "leaf_paths", "nest"]

MAX_DEPTH = 200  # levels of mappings (and lists) nested inside each other


def too_deep(key: str, where: str = "") -> NestingError:
    """Return the error for a tree nested deeper than :data:`MAX_DEPTH` at ``key``."""
    origin = f" in {where}" if where else ""
    return NestingError(
        f"mappings nest deeper than {MAX_DEPTH} levels at key {key!r}{origin}, the limit; "
        "flatten the structure (use dotted keys) or split it into several keys",
        key=key,
    )


def flatten(
    mapping: Mapping[Any, Any], prefix: str = "", where: str = ""
) -> Dict[str, Any]:
    """Return the leaves of a nested mapping under validated dotted keys.

    Keys must be strings (``where`` names the origin in errors); an empty
    mapping defines no key. Refuses trees deeper than :data:`MAX_DEPTH` and
    mappings that contain themselves, naming the key.
    """
    out: Dict[str, Any] = {}
    on_path: Dict[int, str] = {id(mapping): prefix.rstrip(".")}
    # An explicit stack: deep trees must get the documented error, not RecursionError.
    iterators: List[Tuple[Iterator[Tuple[Any, Any]], str, int, int]] = [
        (iter(mapping.items()), prefix, 1, id(mapping))
    ]
    while iterators:
        items, base, depth, node_id = iterators[-1]
        for name, value in items:
            if not isinstance(name, str):
                raise TypeError(
                    f"parameter names must be str, got {name!r} ({type(name).__name__}) "
                    f"under {base.rstrip('.') or 'the top level'!r}"
                    + (f" in {where}" if where else "")
                )
            key = validate_key(base + name, where)
            if isinstance(value, Mapping):
                if id(value) in on_path:
                    also = on_path[id(value)]
                    raise NestingError(
                        f"the mapping at key {key!r}{' in ' + where if where else ''} contains "
                        f"itself (it is also {repr(also) if also else 'the top level'}), which "
                        "would nest forever; give each key its own mapping",
                        key=key,
                    )
                if depth >= MAX_DEPTH:
                    raise too_deep(key, where)
                on_path[id(value)] = key
                iterators.append((iter(value.items()), key + ".", depth + 1, id(value)))
                break
            out[key] = value
        else:
            iterators.pop()
            on_path.pop(node_id, None)
    return out


def nest(values: Mapping[str, Any], convert: Optional[Any] = None) -> Dict[str, Any]:
    """Return dotted ``values`` as nested dicts (``convert(key, value)`` maps each leaf).

    A key that is both a value and the parent of other keys (``a=1`` and
    ``a.b=2``) cannot be nested: that raises ``ValueError`` naming both keys.
    """
    tree: Dict[str, Any] = {}
    leaves: Dict[Tuple[int, str], str] = {}
    for key, value in sorted(values.items()):
        parts = key.split(".")
        node = tree
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif (id(node), part) in leaves:
                prefix = ".".join(parts[: depth + 1])
                raise ValueError(
                    f"cannot nest parameter {key!r} under {prefix!r}, which has the value "
                    f"{node[part]!r}; a tree needs each key to be either a value or a "
                    f"parent of other keys: rename one of {prefix!r} and {key!r}"
                )
            node = child
        leaf = parts[-1]
        if leaf in node and (id(node), leaf) not in leaves:
            raise ValueError(
                f"cannot store parameter {key!r} = {value!r}: other keys nest under it "
                f"({key}.*); a tree needs each key to be either a value or a parent"
            )
        node[leaf] = convert(key, value) if convert is not None else value
        leaves[(id(node), leaf)] = key
    return tree


def leaf_paths(tree: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Yield the dotted key of every leaf of ``tree`` (an empty mapping is no leaf)."""
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from leaf_paths(value, full)
        else:
            yield full


def get_path(tree: Any, path: Sequence[Any]) -> Any:
    """Return the value at ``path`` (a sequence of segments) in nested mappings."""
    node = tree
    for part in path:
        node = node[part]
    return node
