"""Where a value came from: one structured record, :class:`Source`, for every path.

A ``Source`` is a ``str`` (its display text, such as ``"exp.yaml:3"`` or
``"-D train.lr=0.1"``), so messages and tables show it as they always did, and
it carries the structured fields a program asks about: ``kind`` (one of
:data:`KINDS`), ``file`` and ``line`` where there is one, and ``via`` for a
value that was published into the baseline from another source.

>>> src = file_source("exp.yaml", 3)
>>> (src, src.kind, src.file, src.line)
('exp.yaml:3', 'file', 'exp.yaml', 3)
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = [
    "BASELINE",
    "COMMAND_LINE",
    "DEFAULT",
    "ENVIRONMENT",
    "FILE",
    "KINDS",
    "SCOPE",
    "STORE",
    "Source",
    "baseline_source",
    "command_line_source",
    "default_source",
    "environment_source",
    "file_source",
    "scope_source",
    "sources_of",
    "store_source",
    "tag_tree",
    "user_location",
]

DEFAULT = "default"
FILE = "file"
COMMAND_LINE = "command line"
ENVIRONMENT = "environment"
STORE = "store"
SCOPE = "scope"
BASELINE = "baseline"
KINDS = (DEFAULT, FILE, COMMAND_LINE, ENVIRONMENT, STORE, SCOPE, BASELINE)


class Source(str):
    """Where one value came from: its display text, with ``kind``, ``file``, ``line`` and ``via``.

    ``via`` is set on baseline records: the source the value had before
    ``hp.frozen()`` (or ``hp.launch``, a store, ...) published it.
    """

    kind: str
    file: Optional[str]
    line: Optional[int]
    via: Optional[Source]

    def __new__(
        cls,
        text: str,
        kind: str,
        file: Optional[str] = None,
        line: Optional[int] = None,
        via: Optional[Source] = None,
    ) -> Source:
        self = super().__new__(cls, text)
        self.kind = kind
        self.file = file
        self.line = line
        self.via = via
        return self

    @property
    def origin(self) -> Source:
        """Return the first source of the value: through every baseline publication."""
        source = self
        while source.via is not None:
            source = source.via
        return source

    def as_dict(self) -> dict:
        """Return a JSON-friendly dict of the record."""
        out: dict = {"text": str(self), "kind": self.kind}
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.via is not None:
            out["via"] = self.via.as_dict()
        return out

    def __reduce__(self) -> Any:
        return (Source, (str(self), self.kind, self.file, self.line, self.via))


def as_source(value: Any, kind: str = SCOPE) -> Source:
    """Return ``value`` as a :class:`Source` (text from older callers gets ``kind``)."""
    if isinstance(value, Source):
        return value
    return Source(str(value), kind)


def file_source(file: str, line: Optional[int] = None) -> Source:
    """Return the record of a value written in ``file`` (at ``line``, 1-based, when known)."""
    text = f"{file}:{line}" if line is not None else file
    return Source(text, FILE, file, line)


def command_line_source(text: str) -> Source:
    """Return the record of a value given on the command line (``-D k=v``, ``--lr 0.1``)."""
    return Source(text, COMMAND_LINE)


def environment_source(name: str, detail: str = "") -> Source:
    """Return the record of a value read from the environment variable ``name``."""
    return Source(f"{name}{' ' + detail if detail else ''}", ENVIRONMENT)


def store_source(url: str) -> Source:
    """Return the record of a value published through the store at ``url``."""
    return Source(f"store {url}", STORE)


def scope_source(text: str, file: Optional[str] = None, line: Optional[int] = None) -> Source:
    """Return the record of a value set in code (``with hp.scope(...)``, an assignment)."""
    return Source(text, SCOPE, file, line)


def default_source() -> Source:
    """Return the record of a value that is the default given at the read."""
    return Source("default at the read", DEFAULT)


def baseline_source(via: Source, publisher: str) -> Source:
    """Return the record of ``via``'s value published into the baseline by ``publisher``.

    A value published twice keeps its first source: the record never grows.
    """
    origin = via.origin if via.kind == BASELINE else via
    return Source(f"{origin}, published by {publisher}", BASELINE, origin.file, origin.line,
                  origin)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_location(depth: int = 2) -> str:
    """Return ``file:line`` of the nearest caller outside this package, ``depth`` frames up first.

    Provenance names the user's line, never the library's own.
    """
    frame: Any = sys._getframe(depth)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ) == _PACKAGE_DIR:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# Per-leaf sources of trees built from files (``hp.load`` returns a CfgNode; entering it as a
# scope must carry each key's file:line). Kept beside the tree, keyed by identity, so the tree
# itself (a dict, a CfgNode with YACS's exact state) is not changed; an entry goes with its tree.
_TREE_SOURCES: Dict[int, Tuple[Any, Mapping[str, Source], Dict[str, Any]]] = {}


def tag_tree(tree: Any, sources: Mapping[str, Source], **flags: Any) -> None:
    """Record the sources of ``tree``'s leaves (dotted keys from ``tree``) and optional flags.

    ``flags`` holds facts about how the tree was read, for example
    ``interpolated=True`` for a tree whose ``${`` references were resolved, so
    that a dump can escape literal ``${`` and reload to the same values.
    """
    key = id(tree)

    def forget(_: Any, key: int = key) -> None:
        _TREE_SOURCES.pop(key, None)

    _TREE_SOURCES[key] = (weakref.ref(tree, forget), sources, dict(flags))


def sources_of(tree: Any) -> Optional[Mapping[str, Source]]:
    """Return the per-leaf sources recorded for ``tree`` by :func:`tag_tree`, or None."""
    entry = _TREE_SOURCES.get(id(tree))
    if entry is None or entry[0]() is not tree:
        return None
    return entry[1]


def tree_flag(tree: Any, name: str, default: Any = None) -> Any:
    """Return flag ``name`` recorded for ``tree`` by :func:`tag_tree`."""
    entry = _TREE_SOURCES.get(id(tree))
    if entry is None or entry[0]() is not tree:
        return default
    return entry[2].get(name, default)
