"""Values from the command line: ``-C`` files, ``-D`` assignments and flags, with their sources.

Every value is an outside value (``_values.Text``) carrying a ``Source``: the
file line for a ``-C`` value (its payload typed as the file wrote it), the
``-D``/``--flag`` text for the others. Precedence, highest first: a flag, then
``-D`` (a later one wins), then ``-C`` files (a later one wins). A ``-D`` value
also feeds the ``${...}`` references of the files, which are resolved after the
``-D`` values are placed in the files' tree.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ._keys import split_assignment
from ._source import FILE, Source, command_line_source
from ._tree import flatten, nest
from ._values import Text, parse_literal, plain_data

__all__ = ["Collected", "Define", "parse_define", "plain", "split_top_level", "to_yaml"]


class Define:
    """One ``-D [+]KEY=VALUE`` argument: the key, the value text, and whether ``+`` added it."""

    __slots__ = ("added", "key", "source", "text", "value")

    def __init__(self, text: str) -> None:
        self.text = text
        self.added = text.startswith("+")
        self.source = command_line_source(f"-D {text}")
        self.key, self.value = split_assignment(text[1:] if self.added else text, self.source)


def parse_define(text: str) -> Define:
    """Return the parsed ``-D`` argument ``text`` (raises ``InvalidKeyError`` for a bad one)."""
    return Define(text)


class Collected:
    """The values a command line sets, one layer's worth, with what each one shadowed."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.sources: Dict[str, Source] = {}
        self.shadowed: Dict[str, List[Tuple[Any, Source]]] = {}
        self.defines: List[Define] = []
        self.file_keys: Set[str] = set()
        self.flag_keys: Set[str] = set()

    def put(self, key: str, value: Any, source: Source) -> None:
        """Set ``key``; the value it replaces is kept as shadowed (for ``--explain``)."""
        if key in self.values:
            self.shadowed.setdefault(key, []).insert(0, (self.values[key], self.sources[key]))
        self.values[key] = value
        self.sources[key] = source

    def add(self, paths: Sequence[str], defines: Iterable[str]) -> None:
        """Read the ``-C`` files and the ``-D`` arguments (raises before changing anything)."""
        parsed = [Define(text) for text in defines]
        flat, sources = _load_files(list(paths), parsed) if paths else ({}, {})
        for key, value in flat.items():
            self.put(key, Text(value, sources[key]), sources[key])
        self.file_keys.update(flat)
        for define in parsed:
            self.put(define.key, Text(define.value, define.source), define.source)
        self.defines.extend(parsed)

    def flag(self, key: str, value: Any, source: Source) -> None:
        """Set ``key`` from a ``--name`` flag (highest precedence)."""
        self.put(key, value, source)
        self.flag_keys.add(key)


def _load_files(
    paths: List[str], defines: List[Define]
) -> Tuple[Dict[str, Any], Dict[str, Source]]:
    """Return the files' values under dotted keys, ``${...}`` resolved with the ``-D`` values in."""
    from . import _interpolate
    from ._compose import Composer, leaf_sources

    tree, sources = Composer().compose(paths)
    before = flatten(tree)
    before_sources = leaf_sources(tree, sources)
    placed = set()
    for define in defines:
        if _place(tree, define.key.split("."), define.value):
            placed.add(define.key)
    _interpolate.resolve(tree, sources)
    leaves = leaf_sources(tree, sources)
    flat = flatten(tree)
    for key in placed:  # the file's own value, which the -D value shadows
        flat.pop(key, None)
        if key in before:
            flat[key], leaves[key] = before[key], before_sources[key]
    return flat, {k: leaves[k] for k in flat}


def _place(tree: Dict[str, Any], parts: List[str], value: str) -> bool:
    """Put a ``-D`` text into the files' tree (where it fits) so references see it."""
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            return False
        node = child
    if isinstance(node.get(parts[-1]), dict):
        return False
    node[parts[-1]] = value
    return True


# --------------------------------------------------------------------------- splitting


_CLOSERS = {"[": "]", "(": ")", "{": "}"}


def split_top_level(text: str, separators: str = ",") -> List[str]:
    """Split ``text`` at ``separators`` outside brackets and quotes: ``a=[1,2],b=3`` -> 2 parts."""
    parts: List[str] = []
    depth: List[str] = []
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in _CLOSERS:
            depth.append(_CLOSERS[char])
        elif depth and char == depth[-1]:
            depth.pop()
        elif not depth and char in separators:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def split_assignments(text: str) -> List[str]:
    """Split ``'a=[1,2],b=x y'`` into assignments: commas outside brackets and quotes separate."""
    pieces = split_top_level(text, ",")
    out: List[str] = []
    for piece in pieces:
        if "=" not in piece and out:
            out[-1] += "," + piece  # a comma inside a value: 'a=1,2' stays one value
        else:
            out.append(piece)
    return [piece.strip() if "=" not in piece else piece.lstrip() for piece in out if piece.strip()]


# --------------------------------------------------------------------------- YAML out


def plain(value: Any) -> Any:
    """Return ``value`` as YAML/JSON data: command-line text parsed as a literal, objects readable.

    Text from the command line is read as ``-D`` reads it; a file's value keeps its type
    (``"1e-3"`` in quotes stays a string); objects follow :func:`_values.plain_data`.
    """
    if isinstance(value, Text):
        payload = value.text
        if isinstance(payload, str) and getattr(value.source, "kind", None) != FILE:
            return parse_literal(payload)  # command-line text: a literal, as -D reads it
        return plain_data(payload)
    return plain_data(value)


def _scalar(value: Any) -> str:
    """Return ``value`` (plain data) as one line of YAML 1.2, which ``-C`` reads back the same."""
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        # JSON text is a YAML double-quoted scalar; a literal ${ is escaped so -C keeps it.
        return json.dumps(value.replace("${", "$${"), ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(str(k))}: {_scalar(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _key(name: str) -> str:
    return name if name.replace("_", "a").replace("-", "a").isalnum() and not name[0].isdigit() \
        else json.dumps(name, ensure_ascii=False)


def to_yaml(values: Mapping[str, Any], sources: Optional[Mapping[str, Any]] = None) -> str:
    """Return dotted ``values`` as nested YAML (sorted keys); ``sources`` adds ``# from`` comments.

    The text loads back (``-C``, ``hp.load``) to the same values.
    """
    tree = nest({key: plain(value) for key, value in values.items()})
    lines: List[str] = []

    def emit(node: Mapping[str, Any], pad: str, prefix: str) -> None:
        for name in sorted(node):
            value = node[name]
            full = prefix + name
            if isinstance(value, dict) and value and full not in values:
                lines.append(f"{pad}{_key(name)}:")
                emit(value, pad + "  ", full + ".")
                continue
            line = f"{pad}{_key(name)}: {_scalar(value)}"
            if sources is not None and full in sources:
                line += f"  # {' '.join(str(sources[full]).split())}"
            lines.append(line)

    emit(tree, "", "")
    return "\n".join(lines) + "\n" if lines else "{}\n"
