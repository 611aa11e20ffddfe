"""Config files: YAML, JSON, TOML and (opt-in) Python, composed with ``_BASE_``.

:func:`load` reads files, deep-merges them in order (later files win), resolves
``${...}`` references over the merged tree and returns a :class:`CfgNode`, or an
instance of a dataclass schema. :func:`config` is the loader of hyperparameter
0.6: it returns a plain nested dict. :func:`read_mapping` reads one file with
its ``_BASE_`` files and nothing else, for ``CfgNode.merge_from_file``.

Config files are data: YAML is read with PyYAML's safe loaders only, JSON and
TOML with the standard parsers. A Python config file runs its code, so it is
read only when the caller passes ``allow_python=True``.

Every leaf value knows where it was written: ``"path/file.yaml:LINE"`` for YAML
(the line of its key), ``"path/file.json"``, ``"path/file.toml"`` or
``"path/file.py"`` otherwise (those parsers give no line numbers).
"""

from __future__ import annotations

import enum
import os
import re
import sys
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

from ._keys import did_you_mean, is_valid_key, validate_key
from ._values import (
    _MAPPINGS,
    _SEQUENCES,
    _SETS,
    _UNION_TYPES,
    MISSING,
    convert_text_to_type,
    type_name,
)
from .cfgnode import _VALID_TYPES, CfgNode
from .errors import (
    ConfigFileError,
    ConfigFileNotFoundError,
    ConversionError,
    InterpolationError,
    InvalidKeyError,
    SchemaError,
)

__all__ = ["config", "load", "read_mapping"]

T = TypeVar("T")
PathArg = Union[str, "os.PathLike[str]"]
Sources = Dict[str, str]
Tree = Dict[str, Any]

BASE_KEY = "_BASE_"
_YAML_EXTS = (".yaml", ".yml", "")  # no extension reads as YAML, as in YACS
_SUPPORTED = ".yaml, .yml, .json, .toml, .py (with allow_python=True), or no extension (YAML)"

# Limits on absurd input (docs/config-files.md, "Limits"). Legal but absurd files hit them
# before they could exhaust the Python or C stack, the memory or the time of the reader.
MAX_DEPTH = 200  # lists and mappings nested inside each other, the top-level mapping included
MAX_ALIAS_VALUES = 1_000_000  # values YAML aliases may add to a file when it is expanded
MAX_CHAIN = 100  # ${...} references resolved one through another
MAX_COPIED = 1_000_000  # values ${...} references may copy into a config
MAX_TEXT = 1_000_000  # characters of a text built from ${...} references


# --- reading one file -------------------------------------------------------------------------


def _fmt_chain(chain: Sequence[Tuple[str, str]]) -> str:
    return " -> ".join(display for display, _ in chain)


def _read_text(path: str, chain: Sequence[Tuple[str, str]]) -> str:
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except FileNotFoundError:
        if len(chain) > 1:
            raise ConfigFileNotFoundError(
                f"{BASE_KEY} file {path!r} not found (resolved to {os.path.abspath(path)!r}) "
                f"in {_fmt_chain(chain)}; fix the {BASE_KEY} entry of {chain[-2][0]!r}"
            ) from None
        raise ConfigFileNotFoundError(
            f"config file {path!r} not found (resolved to {os.path.abspath(path)!r}); "
            "check the path and the working directory"
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); "
            "save the config file as UTF-8"
        ) from None
    except IsADirectoryError:
        raise ConfigFileError(f"{path!r} is a directory, not a config file") from None


_YAML_LOADER: Any = None


def _yaml_loader() -> Any:
    """Return (building it once) the safe YAML loader class that records lines.

    It is the libyaml ``CSafeLoader`` when PyYAML was built with libyaml, else the
    pure-Python ``SafeLoader``; both construct only plain data.
    """
    global _YAML_LOADER
    if _YAML_LOADER is not None:
        return _YAML_LOADER
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):
        """A safe loader that rejects duplicate keys and records each key's 1-based line."""

        def __init__(self, stream: str, file: str) -> None:
            super().__init__(stream)
            self.hp_file = file
            # id(constructed dict) -> {key: line}; the dicts live in the result.
            self.hp_lines: Dict[int, Dict[Any, int]] = {}

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: Dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # keys merged in with '<<' may be overridden
                key = self.construct_object(key_node, deep=False)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base class reports it
                if first is not None:
                    raise ConfigFileError(
                        f"duplicate key {key!r} in {self.hp_file} (lines {first} and {line}): "
                        "a mapping may define each key once; remove one of them"
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

        def construct_hp_map(self, node: Any) -> Any:
            data: Dict[Any, Any] = {}
            yield data
            data.update(self.construct_mapping(node))
            # After construct_mapping, node.value includes keys merged with '<<';
            # later entries win, as they do in the dict.
            self.hp_lines[id(data)] = {
                self.constructed_objects[key_node]: key_node.start_mark.line + 1
                for key_node, _ in node.value
            }

    LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_hp_map)
    _YAML_LOADER = LineLoader
    return LineLoader


# --- limits on absurd input --------------------------------------------------------------------

# A line's leading run of what may stand before a block collection on that line: blanks,
# the indicators '-', '?', ':' (as in "- - x" and "? - x") and a byte order mark. Searched
# in "\n" + text; the second form also for lines that YAML ends with CR, NEL, LS or PS.
_BLOCK_PREFIX = r"\n[-?: \t\ufeff]{%d}"
_BLOCK_PREFIX_ANY_BREAK = r"[\n\r\x85\u2028\u2029][-?: \t\ufeff]{%d}"
_INT_DIGITS = "integer string conversion"  # in the ValueError of int() over the digit limit


def _too_deep(where: str, what: str = "lists and mappings nest") -> ConfigFileError:
    return ConfigFileError(
        f"{where}: {what} deeper than {MAX_DEPTH} levels, the limit for config files; "
        "flatten the structure (or split it into several keys)"
    )


def _check_yaml_nesting(text: str, file: str) -> None:
    """Raise :class:`ConfigFileError` if YAML ``text`` nests deeper than ``MAX_DEPTH`` levels.

    libyaml's composer recurses in C once per level and overflows the C stack (a crash,
    not an exception) near 50,000 levels, so this runs before any loader. The cheap
    bound: each flow level needs a '{', or a '[' (which may hold a one-pair mapping, as
    in ``[a: 1]``: two levels); a block level moves its content at least one column right
    every two levels, and a block collection starts after a line's run of blanks and
    indicators, so block nesting is at most ``2 * (run + 1)``. Text over the bound is
    parsed into events (libyaml's parser keeps its own stack and does not recurse), which
    gives the exact depth and the line.
    """
    room = MAX_DEPTH - 2 - 2 * text.count("[") - text.count("{")
    if room >= 0:
        other_breaks = text.count("\r") != text.count("\r\n") or any(
            brk in text for brk in "\x85\u2028\u2029"
        )
        prefix = _BLOCK_PREFIX_ANY_BREAK if other_breaks else _BLOCK_PREFIX
        if re.search(prefix % (room // 2 + 1), "\n" + text) is None:
            return
    import yaml

    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, starts):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
                    raise _too_deep(where)
            elif isinstance(event, ends):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader stops at the same error, no deeper than the events before it


def _check_aliases(data: Any, file: str) -> None:
    """Raise :class:`ConfigFileError` if YAML aliases make ``data`` endless, too deep or huge.

    An alias (``*name``) shares one list or mapping between places; walking the tree
    (to copy it, merge it, convert it) expands every share. A collection that contains
    itself (``a: &a [*a]``) never ends; aliases of aliases grow exponentially (the
    "billion laughs"). This visits each collection once, without recursion, and adds
    up what the expanded tree would hold.
    """
    if not isinstance(data, (dict, list)) or not data:
        return
    sizes: Dict[int, int] = {}  # id -> values in the expanded collection
    depths: Dict[int, int] = {}  # id -> levels of the expanded collection, itself included
    written = 0  # values in the collections as loaded, each collection counted once
    stack: List[Tuple[Any, Iterator[Tuple[Any, Any]], Any]] = [(data, _entries(data), None)]
    path = {id(data)}  # the collections on the stack

    def key(*last: Any) -> str:
        keys = [k for _, _, k in stack[1:]] + list(last)
        return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")

    while stack:
        node, entries, _ = stack[-1]
        for name, child in entries:
            if isinstance(child, (dict, list)) and child and id(child) not in sizes:
                if id(child) in path:
                    raise ConfigFileError(
                        f"{file}: the YAML alias at key {key(name)!r} refers to a collection "
                        "that contains it (as in a: &a [*a]), which would nest forever; "
                        "refer only to anchors defined outside the alias"
                    )
                path.add(id(child))
                stack.append((child, _entries(child), name))
                break
        else:
            size = depth = 0
            for child in node.values() if isinstance(node, dict) else node:
                size += 1
                if isinstance(child, (dict, list)):
                    size += sizes[id(child)] if child else 0
                    depth = max(depth, depths[id(child)] if child else 1)
            if depth >= MAX_DEPTH:
                under = f"under key {key()!r}, " if len(stack) > 1 else ""
                raise _too_deep(file, f"{under}YAML aliases (*name) make lists and mappings nest")
            sizes[id(node)] = size
            depths[id(node)] = depth + 1
            written += len(node)
            stack.pop()
            path.discard(id(node))
    if sizes[id(data)] - written > MAX_ALIAS_VALUES:
        raise ConfigFileError(
            f"{file}: YAML aliases (*name) expand it by more than {MAX_ALIAS_VALUES:,} values "
            f"(it holds {written:,}), the limit for config files: an alias repeated too often, "
            "or aliases of aliases (a 'billion laughs'); write fewer aliases"
        )


def _entries(collection: Any) -> Iterator[Tuple[Any, Any]]:
    return iter(collection.items()) if isinstance(collection, dict) else enumerate(collection)


def _out_of_stack(file: str, fmt: str) -> ConfigFileError:
    return ConfigFileError(
        f"{file}: the {fmt} reader ran out of stack (Python's recursion limit): lists and "
        f"mappings nest too deeply; config files may nest them at most {MAX_DEPTH} levels "
        "deep: flatten the structure"
    )


def _bad_value(error: ValueError, text: str, file: str, fmt: str) -> ConfigFileError:
    """Return the error for a value the parser of ``fmt`` could not build (a ValueError)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    found = re.search(f"[0-9]{{{limit + 1}}}", text) if _INT_DIGITS in str(error) else None
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        return ConfigFileError(
            f"{file}:{line}: invalid {fmt}: a number has more than {limit} digits, Python's "
            "limit for reading an integer (sys.set_int_max_str_digits); quote it to keep it "
            "as text"
        )
    return ConfigFileError(f"{file}: invalid {fmt}: {error}; fix that value in the file")


def _load_yaml_text(text: Any, file: str, load: Callable[[Any], Any]) -> Any:
    """Return ``load(text)``, the data a safe YAML loader reads from ``text``, within the limits.

    Shared by :func:`load` and ``CfgNode.load_cfg`` (``text`` may be bytes there). Raises
    :class:`ConfigFileError` naming ``file`` for text nested deeper than ``MAX_DEPTH``
    (checked before ``load`` runs: libyaml would crash), aliases that nest forever or
    expand by more than ``MAX_ALIAS_VALUES``, and values the loader cannot build (a
    number over Python's digit limit, a date that does not exist); YAML syntax errors
    propagate from ``load``.
    """
    plain = text if isinstance(text, str) else _decode_yaml(text)
    _check_yaml_nesting(plain, file)
    try:
        data = load(text)
    except RecursionError:  # a pure-Python loader, called from deep in the stack
        raise _out_of_stack(file, "YAML") from None
    except ValueError as error:
        if isinstance(error, ConfigFileError):
            raise
        raise _bad_value(error, plain, file, "YAML") from None
    if "*" in plain:  # an alias: a walk over the data may expand it
        _check_aliases(data, file)
    return data


def _decode_yaml(data: Any) -> str:
    """Return bytes (or a bytes-like) as PyYAML would decode them, for the checks only."""
    import codecs

    raw = bytes(data)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _parse_yaml(text: str, file: str) -> Tuple[Any, Dict[int, Dict[Any, int]]]:
    import yaml

    loader = _yaml_loader()(text, file)
    try:
        data = _load_yaml_text(text, file, lambda _: loader.get_single_data())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file
        context = ""
        if error.context:
            started = error.context_mark
            at = ""
            if started is not None and started is not mark:
                at = f" at line {started.line + 1}"
            context = f" ({error.context}{at})"
        raise ConfigFileError(
            f"{where}: invalid YAML: {error.problem}{context}; fix the file at that line"
        ) from None
    except yaml.YAMLError as error:
        raise ConfigFileError(f"{file}: invalid YAML: {error}") from None
    finally:
        loader.dispose()
    return data, loader.hp_lines


def _parse_json(text: str, file: str) -> Any:
    import json

    def unique(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ConfigFileError(
                    f"duplicate key {key!r} in {file}: an object may define each key once; "
                    "remove one of them"
                )
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as error:
        raise ConfigFileError(
            f"{file}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    except RecursionError:
        raise _out_of_stack(file, "JSON") from None
    except ValueError as error:  # a number over Python's digit limit
        if isinstance(error, ConfigFileError):
            raise
        raise _bad_value(error, text, file, "JSON") from None


def _toml_module() -> Any:
    import importlib
    import sys

    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(
            "reading TOML config files needs Python 3.11+ (tomllib) or the 'tomli' package: "
            "pip install tomli (or pip install 'hyperparameter[toml]')"
        ) from None


def _parse_toml(text: str, file: str) -> Any:
    toml = _toml_module()
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise ConfigFileError(f"{file}: invalid TOML: {error}") from None
    except RecursionError:
        raise _out_of_stack(file, "TOML") from None
    except ValueError as error:  # a number over Python's digit limit
        raise _bad_value(error, text, file, "TOML") from None


def _run_python(file: str, chain: Sequence[Tuple[str, str]], allow_python: bool) -> Any:
    if not allow_python:
        raise ConfigFileError(
            f"{file} is a Python config file: reading it runs its code, so it is read only when "
            "you allow it: pass allow_python=True (hp.load(..., allow_python=True)) if you trust "
            "whoever can write that file, or use a YAML, JSON or TOML file instead"
        )
    if not os.path.isfile(file):
        _read_text(file, chain)  # raises the not-found error with the chain
    import runpy

    namespace = runpy.run_path(file, run_name="__hp_config__")
    if "cfg" not in namespace:
        raise ConfigFileError(
            f"{file} defines no 'cfg': a Python config file must assign its config "
            "(a dict or CfgNode) to a module-level variable named cfg"
        )
    return namespace["cfg"]


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


def _copy_data(value: Any) -> Any:
    """Copy lists and mappings inside a value, so no two places share an object."""
    if isinstance(value, Mapping):
        return {k: _copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_data(v) for v in value)
    return value


def _adopt(
    mapping: Mapping[Any, Any],
    file: str,
    lines: Dict[int, Dict[Any, int]],
    prefix: str,
    sources: Sources,
    depth: int = 1,
) -> Tree:
    """Return a plain, unshared copy of ``mapping`` with checked keys; record each key's source.

    ``depth`` is the level of ``mapping`` (the top level is 1); a list or mapping below
    ``MAX_DEPTH`` levels (or one that contains itself) raises :class:`ConfigFileError`.
    """
    key_lines = lines.get(id(mapping), {})
    out: Tree = {}
    for key, value in mapping.items():
        line = key_lines.get(key)
        where = f"{file}:{line}" if line is not None else file
        full = _check_key(key, prefix, where)
        sources[full] = where
        if isinstance(value, Mapping) and value:
            if depth >= MAX_DEPTH:
                raise _too_deep(where, f"key {full!r} holds lists or mappings nested")
            out[key] = _adopt(value, file, lines, full, sources, depth + 1)
        else:
            out[key] = _copy_nested(value, depth + 1, where, full)
    return out


def _copy_nested(value: Any, depth: int, where: str, key: str) -> Any:
    """Return :func:`_copy_data` of ``value`` at level ``depth``, refusing more than MAX_DEPTH."""
    if isinstance(value, (list, tuple, Mapping)):
        if depth > MAX_DEPTH:
            raise _too_deep(where, f"key {key!r} holds lists or mappings nested")
        if isinstance(value, Mapping):
            return {k: _copy_nested(v, depth + 1, where, key) for k, v in value.items()}
        items = [_copy_nested(v, depth + 1, where, key) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def _parse_file(
    file: str, chain: Sequence[Tuple[str, str]], allow_python: bool
) -> Tuple[Tree, Sources]:
    ext = os.path.splitext(file)[1].lower()
    lines: Dict[int, Dict[Any, int]] = {}
    if ext == ".py":
        data = _run_python(file, chain, allow_python)
    elif ext in _YAML_EXTS:
        data, lines = _parse_yaml(_read_text(file, chain), file)
    elif ext == ".json":
        data = _parse_json(_read_text(file, chain), file)
    elif ext == ".toml":
        data = _parse_toml(_read_text(file, chain), file)
    else:
        raise ConfigFileError(
            f"cannot read {file!r}: unsupported extension {ext!r}; supported: {_SUPPORTED}"
        )
    if data is None:  # an empty YAML file
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigFileError(
            f"{file}: the top level of a config file must be a mapping of keys to values, "
            f"got {type(data).__name__} {_short(data)}"
        )
    sources: Sources = {}
    try:
        return _adopt(data, file, lines, "", sources), sources
    except RecursionError:  # MAX_DEPTH fits in Python's stack, unless the caller is deep in it
        raise _out_of_stack(file, "config") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


def _read_tree(
    path: PathArg,
    *,
    allow_base: bool,
    allow_python: bool,
    chain: Tuple[Tuple[str, str], ...] = (),
) -> Tuple[Tree, Sources]:
    """Read one file, its ``_BASE_`` files first; ``chain`` holds the including files."""
    file = os.fspath(path)
    real = os.path.realpath(file)
    here = (*chain, (file, real))
    if any(seen == real for _, seen in chain):
        raise ConfigFileError(
            f"{BASE_KEY} cycle: {_fmt_chain(here)}; remove one of these {BASE_KEY} entries"
        )
    tree, sources = _parse_file(file, here, allow_python)
    if not allow_base or BASE_KEY not in tree:
        return tree, sources
    names = _base_names(tree.pop(BASE_KEY), sources.get(BASE_KEY, file))
    merged: Tree = {}
    merged_sources: Sources = {}
    folder = os.path.dirname(file)
    for name in names:
        base_file = os.path.normpath(os.path.join(folder, os.path.expanduser(name)))
        base_tree, base_sources = _read_tree(
            base_file, allow_base=allow_base, allow_python=allow_python, chain=here
        )
        _merge(merged, merged_sources, base_tree, base_sources)
    _merge(merged, merged_sources, tree, sources)
    return merged, merged_sources


def _deep_merge(dst: Tree, src: Tree) -> None:
    for key, value in src.items():
        old = dst.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            _deep_merge(old, value)
        else:
            dst[key] = value


def _merge(dst: Tree, dst_sources: Sources, src: Tree, src_sources: Sources) -> None:
    """Deep-merge ``src`` (which ``dst`` then owns) into ``dst``; ``src`` wins.

    The sources maps hold every key a file wrote, mappings included. The last
    file to write a key that ends up a leaf is the one whose value it holds, so
    :func:`_leaf_sources` only has to keep the leaves of the final tree.
    """
    _deep_merge(dst, src)
    dst_sources.update(src_sources)


def _leaf_paths(tree: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from _leaf_paths(value, full)
        else:
            yield full


def _source_of(key: str, sources: Mapping[str, str]) -> str:
    """Return the source of ``key`` or of its nearest ancestor that has one, else ``""``."""
    key = key.split("[", 1)[0]  # list items share their list's source
    while True:
        found = sources.get(key)
        if found is not None:
            return found
        if "." not in key:
            return ""
        key = key.rsplit(".", 1)[0]


def _where(key: str, sources: Mapping[str, str]) -> str:
    """Return ``" (source)"`` for a message about ``key``, or ``""`` when none is known."""
    source = _source_of(key, sources)
    return f" ({source})" if source else ""


def _leaf_sources(tree: Tree, sources: Mapping[str, str]) -> Sources:
    return {key: _source_of(key, sources) for key in _leaf_paths(tree)}


# --- interpolation ----------------------------------------------------------------------------

class _Interpolator:
    """Resolves ``${key}``, ``${env:NAME}``, ``${env:NAME,default}`` and ``$${`` in place."""

    def __init__(self, root: Tree, sources: Mapping[str, str]) -> None:
        self.root = root
        self.sources = sources
        self.done: set = set()
        self.active: List[Tuple[str, ...]] = []
        self.links = 0  # references being resolved, one through another
        self.copied = 0  # values copied for whole-string references

    def where(self, key: str) -> str:
        return _where(key, self.sources)

    def resolve_key(self, path: Tuple[str, ...]) -> Any:
        """Resolve the value at ``path`` (and everything under it) and return it."""
        if path in self.done:
            return _get(self.root, path)
        if path in self.active:
            cycle = [*self.active[self.active.index(path):], path]
            keys = [".".join(p) for p in cycle]
            raise InterpolationError(
                "interpolation cycle: " + " -> ".join(repr(k) for k in keys)
                + "; " + ", ".join(f"{k!r}{self.where(k)}" for k in keys[:-1] if self.where(k))
                + "; break the cycle by writing a value in one of these keys"
            )
        self.active.append(path)
        parent = _get(self.root, path[:-1]) if path else None
        value = _get(self.root, path)
        if isinstance(value, dict):
            for key in list(value):
                self.resolve_key((*path, key))
        elif parent is not None:
            value = parent[path[-1]] = self.resolve_value(value, ".".join(path))
            if isinstance(value, dict):  # a copy of a resolved subtree: final as it is
                self.done.update(_subtree_paths(value, path))
        self.active.pop()
        self.done.add(path)
        return _get(self.root, path)

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

    def interpolate(self, text: str, key: str) -> Any:
        if text.startswith("${") and text.endswith("}") and "}" not in text[2:-1]:
            return self.copy(self.lookup(text[2:-1], key), key)  # the whole string: keep type
        out: List[str] = []
        start = 0
        while True:
            at = text.find("${", start)
            if at < 0:
                out.append(text[start:])
                result = "".join(out)
                if len(result) > MAX_TEXT:
                    raise InterpolationError(
                        f"key {key!r}{self.where(key)}: ${{...}} references build a text of "
                        f"{len(result):,} characters, over the limit of {MAX_TEXT:,} for config "
                        "files (references to long texts, or texts of references to texts); "
                        "refer to shorter values"
                    )
                return result
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
            out.append(text[start:at])
            out.append(str(self.lookup(text[at + 2:end], key)))
            start = end + 1

    def exists(self, path: Tuple[str, ...]) -> bool:
        """Return whether ``path`` names a key; strings on the way may resolve to subtrees."""
        node: Any = self.root
        for depth, part in enumerate(path, 1):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
            if depth < len(path) and isinstance(node, str) and "${" in node:
                node = self.resolve_key(path[:depth])  # '${other}' may stand for a subtree
        return True

    def lookup(self, inner: str, key: str) -> Any:
        ref = inner.strip()
        if ref.startswith("env:"):
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
        """Return :func:`_copy_data` of ``value`` for ``key``, within MAX_DEPTH and MAX_COPIED."""

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


def _subtree_paths(tree: Tree, prefix: Tuple[str, ...]) -> Iterable[Tuple[str, ...]]:
    for key, value in tree.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _subtree_paths(value, (*prefix, key))


def _get(root: Tree, path: Sequence[Any]) -> Any:
    node: Any = root
    for part in path:
        node = node[part]
    return node


def _all_keys(tree: Mapping[Any, Any], prefix: str = "") -> Iterable[str]:
    for key, value in tree.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        yield full
        if isinstance(value, dict):
            yield from _all_keys(value, full)


def _interpolate(tree: Tree, sources: Mapping[str, str]) -> Tree:
    """Resolve every ``${...}`` in ``tree`` in place and return it.

    ``${a.b}`` is the value at key ``a.b`` of the same tree (resolved first); when
    the reference is the whole string the value keeps its type (a number, a list,
    a subtree), else it is formatted into the string with ``str()``.
    ``${env:NAME}`` is the environment variable (text), ``${env:NAME,default}``
    falls back to the text after the comma. ``$${`` is a literal ``${``.
    ``sources`` (dotted key -> source) only names files in error messages.
    Raises :class:`InterpolationError` for a missing key or variable or a cycle.
    """
    interpolator = _Interpolator(tree, sources)
    try:
        interpolator.resolve_key(())
    except RecursionError:
        key = ".".join(interpolator.active[-1]) if interpolator.active else ""
        raise InterpolationError(
            f"resolving the ${{...}} references at key {key!r}{_where(key, sources)} ran out of "
            "stack (Python's recursion limit): they lead through too many nested values or "
            "other references; shorten the chains of references or flatten the values"
        ) from None
    return tree


# --- the loaders ------------------------------------------------------------------------------


def _load_with_sources(
    paths: Iterable[PathArg],
    *,
    allow_python: bool = False,
    allow_base: bool = True,
    interpolate: bool = True,
) -> Tuple[Tree, Sources]:
    """Read and merge config files; return the merged tree and the source of each leaf.

    Contract (for the command line, ``hp show --sources`` and :func:`load`):

    - ``paths`` are read in order, each with its ``_BASE_`` files first (when
      ``allow_base``), and deep-merged: a later mapping merges into an earlier
      one key by key; any other value (a scalar, a list, ``{}`` over a leaf)
      replaces what was there.
    - The first result is a new nested plain ``dict`` (str keys, each checked
      against the key grammar; no ``CfgNode``, no shared objects), with every
      ``${...}`` resolved unless ``interpolate=False`` (then call
      :func:`_interpolate` yourself, e.g. after merging ``-D`` values in).
    - The second maps each dotted leaf key (a non-dict value or an empty dict)
      of the result to where it was written: ``"path/file.yaml:LINE"`` (1-based
      line of the key), or ``"path/file.json"`` / ``"path/file.toml"`` /
      ``"path/file.py"``. Paths are shown as given, bases joined to the folder of
      the including file. A leaf made by a whole-string reference to a subtree
      has the source of the referencing key.
    - Errors: :class:`ConfigFileNotFoundError`, :class:`ConfigFileError`,
      :class:`InterpolationError`, :class:`InvalidKeyError`; nothing is cached
      between calls, so a failed load changes nothing.
    """
    tree: Tree = {}
    sources: Sources = {}
    for path in paths:
        file_tree, file_sources = _read_tree(
            path, allow_base=allow_base, allow_python=allow_python
        )
        _merge(tree, sources, file_tree, file_sources)
    if interpolate:
        _interpolate(tree, sources)
    return tree, _leaf_sources(tree, sources)


def read_mapping(path: PathArg, *, allow_base: bool = False, allow_python: bool = False) -> Tree:
    """Return the nested plain dict of one config file, its ``_BASE_`` files merged in.

    For ``CfgNode.merge_from_file``: no interpolation, no ``CfgNode`` conversion.
    With ``allow_base=False`` a ``_BASE_`` key is kept as an ordinary key, as YACS
    does. Reading a ``.py`` file needs ``allow_python=True``.
    """
    return _read_tree(path, allow_base=allow_base, allow_python=allow_python)[0]


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
    literal ``${``). Formats: YAML (``.yaml``, ``.yml``), JSON, TOML, and Python
    files exporting ``cfg`` when ``allow_python=True`` (they run code). With
    ``schema`` (a dataclass), the tree is validated and converted into an
    instance; every problem is reported at once in a :class:`SchemaError`.

    Example::

        cfg = hp.load("base.yaml", "experiment.yaml")
        with hp.scope(cfg):
            train()
    """
    files = _flatten_paths(paths, "hp.load()")
    if not files:
        raise TypeError("hp.load() needs at least one config file path, e.g. hp.load('cfg.yaml')")
    tree, sources = _load_with_sources(files, allow_python=allow_python, allow_base=allow_base)
    if schema is not None:
        return _validate(tree, schema, sources)
    _check_node_types(tree, sources)
    return CfgNode(tree, new_allowed=True)


def _check_node_types(tree: Tree, sources: Mapping[str, str]) -> None:
    """Refuse, naming file and line, a leaf a CfgNode cannot hold (a YAML or TOML date)."""
    for key in _leaf_paths(tree):
        value = _get(tree, key.split("."))
        if not isinstance(value, dict) and type(value) not in _VALID_TYPES:
            raise ConfigFileError(
                f"key {key!r}{_where(key, sources)} holds {_short(value)} "
                f"({type(value).__name__}), which a CfgNode cannot hold; quote it in the file "
                "to keep it as text, or load with a schema (or hp.config), which keep it"
            )


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

    Takes one path, a list of paths (merged in order, later wins) or a dict (copied).
    References ``${...}`` are resolved as in :func:`load`. Python config files
    are not read here; use ``hp.load(..., allow_python=True)``.
    """
    source = path_or_paths_or_dict
    if isinstance(source, Mapping):
        tree: Tree = _copy_data(source)
        sources: Sources = {}
        _interpolate(tree, sources)
    else:
        items = source if isinstance(source, (list, tuple)) else [source]
        files = _flatten_paths(items, "hp.config()")
        if not files:
            raise TypeError("hp.config() needs a path, a list of paths or a dict")
        tree, sources = _load_with_sources(files)
    if schema is not None:
        return _validate(tree, schema, sources)
    return tree


# --- typed configs ----------------------------------------------------------------------------


def _is_record(annotation: Any) -> bool:
    """A dataclass, or a plain class with annotations and no ``__init__`` of its own (0.6)."""
    import dataclasses

    if not isinstance(annotation, type):
        return False
    if dataclasses.is_dataclass(annotation):
        return True
    return (
        annotation.__init__ is object.__init__  # type: ignore[misc]
        and annotation.__new__ is object.__new__
        and annotation.__module__ != "builtins"
        and any("__annotations__" in vars(k) for k in annotation.__mro__[:-1])
    )


class _Field:
    __slots__ = ("annotation", "required")

    def __init__(self, annotation: Any, required: bool) -> None:
        self.annotation = annotation
        self.required = required


def _fields(cls: type) -> Dict[str, _Field]:
    import dataclasses

    try:
        hints = get_type_hints(cls)
    except Exception as error:
        raise TypeError(
            f"cannot read the type annotations of schema {cls.__qualname__}: {error}; "
            "define the types it names at module level"
        ) from error
    if dataclasses.is_dataclass(cls):
        return {
            f.name: _Field(
                hints.get(f.name, Any),
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            )
            for f in dataclasses.fields(cls)
            if f.init
        }
    return {
        name: _Field(hint, not hasattr(cls, name) and not _is_optional(hint))
        for name, hint in hints.items()
        if get_origin(hint) is not ClassVar
    }


def _is_optional(annotation: Any) -> bool:
    return get_origin(annotation) in _UNION_TYPES and type(None) in get_args(annotation)


def _got(value: Any) -> str:
    return f"got {_short(value)} ({type(value).__name__})"


class _Validator:
    """Converts a plain tree into schema instances, collecting every problem with its key."""

    def __init__(self, sources: Mapping[str, str], allow_text: bool = True) -> None:
        self.sources = sources
        self.allow_text = allow_text
        self.problems: List[str] = []

    def where(self, key: str) -> str:
        return _where(key, self.sources)

    def wrong(self, key: str, value: Any, annotation: Any, fix: str) -> Any:
        self.problems.append(
            f"key {key!r}{self.where(key)}: expected {type_name(annotation)}, {_got(value)}; {fix}"
        )
        return MISSING

    def build(self, cls: type, data: Any, prefix: str) -> Any:
        import dataclasses

        label = repr(prefix) if prefix else "the top level"
        if not isinstance(data, Mapping):
            self.problems.append(
                f"key {label}{self.where(prefix)}: expected a mapping for {cls.__name__}, "
                f"{_got(data)}; write its fields as keys under it"
            )
            return MISSING
        fields = _fields(cls)
        before = len(self.problems)
        kwargs: Dict[str, Any] = {}
        for name in data:
            if name not in fields:
                key = f"{prefix}.{name}" if prefix else str(name)
                choices = [f"{prefix}.{f}" if prefix else f for f in fields]
                hint = did_you_mean(key, choices) or (
                    f"; {cls.__name__} has " + (", ".join(map(repr, choices)) or "no fields")
                )
                self.problems.append(f"unknown key {key!r}{self.where(key)}{hint}")
        for name, field in fields.items():
            key = f"{prefix}.{name}" if prefix else name
            if name in data:
                value = self.convert(data[name], field.annotation, key)
                if value is not MISSING:
                    kwargs[name] = value
            elif field.required:
                self.problems.append(
                    f"missing key {key!r} ({type_name(field.annotation)}), required by "
                    f"{cls.__name__}; add it to the config"
                )
        if len(self.problems) > before:
            return MISSING
        try:
            if dataclasses.is_dataclass(cls):
                return cls(**kwargs)
            return self.fill(cls, fields, kwargs)
        except (TypeError, ValueError) as error:
            self.problems.append(
                f"key {label}{self.where(prefix)}: {cls.__name__} rejected the values: "
                f"{type(error).__name__}: {error}"
            )
            return MISSING

    @staticmethod
    def fill(cls: type, fields: Mapping[str, _Field], kwargs: Mapping[str, Any]) -> Any:
        # hyperparameter 0.6 built plain annotated classes without calling __init__.
        instance: Any = object.__new__(cls)
        for name in fields:
            if name in kwargs:
                setattr(instance, name, kwargs[name])
            elif not hasattr(cls, name):
                setattr(instance, name, None)  # an Optional field without a default
        return instance

    def text(self, value: str, annotation: Any, key: str) -> Any:
        if not self.allow_text:
            return self.wrong(key, value, annotation, "write a value of that type")
        try:
            return convert_text_to_type(value, annotation, key, _source_of(key, self.sources))
        except ConversionError as error:
            self.problems.append(str(error))
            return MISSING

    def convert(self, value: Any, annotation: Any, key: str) -> Any:
        """Return ``value`` as ``annotation`` describes it, or ``MISSING`` after noting why not."""
        if annotation is Any or annotation is object:
            return value
        if getattr(annotation, "__metadata__", None) is not None:  # Annotated[T, ...]
            return self.convert(value, annotation.__origin__, key)
        if annotation is None or annotation is type(None):
            return None if value is None else self.wrong(key, value, None, "write null")
        origin = get_origin(annotation)
        args = get_args(annotation)
        if origin in _UNION_TYPES:
            return self.union(value, annotation, args, key)
        if origin is Literal:
            for choice in args:
                if type(value) is type(choice) and value == choice:
                    return choice
            if isinstance(value, str):
                return self.text(value, annotation, key)
            return self.wrong(
                key, value, annotation, "use one of " + ", ".join(map(repr, args))
            )
        container = origin if origin is not None else annotation
        if container in _SEQUENCES:
            return self.sequence(value, annotation, container, args, key)
        if container in _MAPPINGS:
            return self.mapping(value, annotation, args, key)
        if annotation in _SCALAR_CHECKS:
            accepts, fix = _SCALAR_CHECKS[annotation]
            if accepts(value):
                return float(value) if annotation is float else value
            if isinstance(value, str):
                return self.text(value, annotation, key)
            return self.wrong(key, value, annotation, fix)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            if isinstance(value, annotation):
                return value
            for member in annotation:
                if type(member.value) is type(value) and member.value == value:
                    return member
            if isinstance(value, str):
                return self.text(value, annotation, key)
            return self.wrong(
                key, value, annotation,
                "use one of " + ", ".join(repr(m.name) for m in annotation),
            )
        if _is_record(annotation):
            if isinstance(value, annotation):
                return value
            return self.build(annotation, value, key)
        if not isinstance(annotation, type) or origin is not None:
            raise TypeError(
                f"schema field {key!r} has annotation {annotation!r}, which typed configs do "
                "not support; use a class, Optional, Union, Literal, list, tuple, set or dict"
            )
        if isinstance(value, annotation):
            return value
        if isinstance(value, str):
            return self.text(value, annotation, key)
        return self.wrong(key, value, annotation, f"write a value {annotation.__name__} accepts")

    def union(self, value: Any, annotation: Any, args: Tuple[Any, ...], key: str) -> Any:
        if value is None and type(None) in args:
            return None
        arms = [arm for arm in args if arm is not type(None)]
        # A type the value already has wins over a conversion: "3" stays a str for
        # Union[int, str], and "null" for Optional[str].
        for arm in arms:
            trial = _Validator(self.sources, allow_text=False)
            result = trial.convert(value, arm, key)
            if not trial.problems:
                return result
        if isinstance(value, str) and self.allow_text:
            return self.text(value, annotation, key)
        if len(arms) == 1:
            return self.convert(value, arms[0], key)  # to report its problems in detail
        if self.allow_text:
            for arm in arms:
                trial = _Validator(self.sources)
                result = trial.convert(value, arm, key)
                if not trial.problems:
                    return result
        return self.wrong(key, value, annotation, "write a value of one of those types")

    def sequence(
        self, value: Any, annotation: Any, container: Any, args: Tuple[Any, ...], key: str
    ) -> Any:
        if isinstance(value, str):
            return self.text(value, annotation, key)
        if not isinstance(value, (list, tuple, set, frozenset)):
            return self.wrong(key, value, annotation, "write a list such as [1, 2]")
        items = list(value)
        if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(items) != len(args):
                return self.wrong(
                    key, value, annotation, f"write exactly {len(args)} item(s)"
                )
            item_types: Sequence[Any] = args
        else:
            item_types = [args[0] if args else Any] * len(items)
        converted = [
            self.convert(item, item_type, f"{key}[{i}]")
            for i, (item, item_type) in enumerate(zip(items, item_types))
        ]
        if any(item is MISSING for item in converted):
            return MISSING
        if container is tuple:
            return tuple(converted)
        if container in _SETS:
            try:
                return frozenset(converted) if container is frozenset else set(converted)
            except TypeError:
                return self.wrong(key, value, annotation, "a set holds hashable items only")
        return converted

    def mapping(self, value: Any, annotation: Any, args: Tuple[Any, ...], key: str) -> Any:
        if isinstance(value, str):
            return self.text(value, annotation, key)
        if not isinstance(value, Mapping):
            return self.wrong(key, value, annotation, "write a mapping of keys to values")
        key_type, value_type = args if len(args) == 2 else (Any, Any)
        out = {}
        for k, v in value.items():
            new_key = self.convert(k, key_type, f"{key}.{k}")
            new_value = self.convert(v, value_type, f"{key}.{k}")
            if new_key is not MISSING and new_value is not MISSING:
                out[new_key] = new_value
        return MISSING if len(out) < len(value) else out


def _only(*kinds: type) -> Callable[[Any], bool]:
    return lambda value: type(value) in kinds


_SCALAR_CHECKS: Dict[Any, Tuple[Callable[[Any], bool], str]] = {
    bool: (_only(bool), "write true or false"),
    int: (_only(int), "write a whole number like 42"),
    float: (_only(int, float), "write a number like 0.001"),
    str: (lambda value: isinstance(value, str), "quote it in the file to make it text"),
}


def _validate(tree: Tree, schema: Type[T], sources: Mapping[str, str]) -> T:
    """Return ``schema`` built from ``tree``; raise :class:`SchemaError` listing every problem."""
    if not _is_record(schema):
        raise TypeError(
            f"schema must be a dataclass (or a class with annotations and no __init__), "
            f"got {schema!r}"
        )
    validator = _Validator(sources)
    result = validator.build(schema, tree, "")
    if validator.problems:
        raise SchemaError(schema.__name__, validator.problems)
    return result
