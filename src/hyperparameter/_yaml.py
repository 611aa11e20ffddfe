"""One safe YAML reader and writer, with key lines and limits on absurd input.

Every YAML the library reads goes through :func:`load_yaml_text` (``hp.load``, ``-C``,
``hp show``, ``CfgNode.load_cfg``, ``merge_from_file``), by one of two sets of rules:

- ``yaml12_numbers=True`` (``hp.load``, ``-C``): YAML 1.2 numbers (``1e-3``, ``.5``,
  ``+1`` are numbers; ``010`` is ten), no implicit timestamps (an unquoted date is
  text), booleans as PyYAML reads them (``yes``/``no``/``on``/``off`` included);
- ``yaml12_numbers=False`` (``CfgNode``, ``hyperparameter.yacs``): PyYAML's
  ``safe_load`` rules, which YACS uses, user additions to ``yaml.SafeLoader`` included.

Duplicate keys are an error (``duplicates="error"``) or the last wins (``"last"``, as
PyYAML, YACS, fvcore and detectron2 read them). Limits: nesting at most
:data:`MAX_DEPTH` levels (checked before libyaml runs, whose composer would crash);
aliases and merge keys may add at most :data:`MAX_ALIAS_VALUES` values. Each breach is
a :class:`ConfigFileError` naming the file, the line where known, and the limit.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ._tree import MAX_DEPTH
from .errors import ConfigFileError

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_DEPTH",
    "KeyLines",
    "bad_value",
    "check_aliases",
    "check_nesting",
    "load_yaml_text",
    "out_of_stack",
    "safe_dump",
    "too_deep",
    "yaml_error",
]

MAX_ALIAS_VALUES = 1_000_000  # values YAML aliases and merge keys may add to a file

KeyLines = Dict[int, Dict[Any, int]]  # id(mapping in the result) -> {key: 1-based line}

_MERGE_TAG = "tag:yaml.org,2002:merge"
_INT_DIGITS = "integer string conversion"  # in the ValueError of int() over the digit limit

# YAML 1.2 core-schema numbers (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_RESOLVERS_12 = (  # (tag, pattern, first characters)
    ("tag:yaml.org,2002:int", _INT_12, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT_12, "-+0123456789."),
)
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")


def too_deep(where: str, what: str = "lists and mappings nest") -> ConfigFileError:
    return ConfigFileError(
        f"{where}: {what} deeper than {MAX_DEPTH} levels, the limit for config files; "
        "flatten the structure (or split it into several keys)"
    )


def out_of_stack(file: str, fmt: str) -> ConfigFileError:
    """Return the error for a parser of ``fmt`` that hit Python's recursion limit."""
    return ConfigFileError(
        f"{file}: the {fmt} reader ran out of stack (Python's recursion limit): lists and "
        f"mappings nest too deeply; config files may nest them at most {MAX_DEPTH} levels "
        "deep: flatten the structure"
    )


def bad_value(error: ValueError, text: str, file: str, fmt: str) -> ConfigFileError:
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


def yaml_error(error: Exception, file: str) -> ConfigFileError:
    """Return a PyYAML error as a :class:`ConfigFileError` naming ``file``, line and column."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None)
    if problem is None:
        return ConfigFileError(f"{file}: invalid YAML: {error}")
    where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file
    context = ""
    if getattr(error, "context", None):
        started = error.context_mark  # type: ignore[attr-defined]
        at = f" at line {started.line + 1}" if started is not None and started is not mark else ""
        context = f" ({error.context}{at})"  # type: ignore[attr-defined]
    return ConfigFileError(f"{where}: invalid YAML: {problem}{context}; fix the file at that line")


# --- the loaders --------------------------------------------------------------------------------


class _Limits:
    """Loader mixin: duplicate keys, key lines, and the merge-key budget, per document."""

    hp_file = "YAML text"
    hp_duplicates = "last"
    hp_lines: Optional[KeyLines] = None
    hp_merged = 0

    def flatten_mapping(self, node: Any) -> None:
        # PyYAML copies every pair of every mapping merged in with '<<' (before 6.0.4,
        # again for each repetition): count what the merges expand to, the same on every
        # version, before PyYAML copies anything.
        if "hp_sizes" not in self.__dict__:
            self.hp_sizes: Dict[int, int] = {}  # id(mapping node) -> pairs once expanded
        if id(node) not in self.hp_sizes and any(k.tag == _MERGE_TAG for k, _ in node.value):
            own = sum(1 for k, _ in node.value if k.tag != _MERGE_TAG)
            self.hp_merged += self._expanded(node) - own
            if self.hp_merged > MAX_ALIAS_VALUES:
                raise ConfigFileError(
                    f"{self.hp_file}:{node.start_mark.line + 1}: YAML merge keys (<<) copy more "
                    f"than {MAX_ALIAS_VALUES:,} values, the limit for config files: a mapping "
                    "merged too often, or merges of merges; write fewer merge keys"
                )
        super().flatten_mapping(node)  # type: ignore[misc]

    def _expanded(self, node: Any) -> int:
        """Return how many pairs ``node`` holds with every merge expanded (memoized)."""
        import yaml

        found = self.hp_sizes.get(id(node))
        if found is not None:
            return found
        total = 0
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                total += 1
                continue
            subs = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            total += sum(self._expanded(sub) for sub in subs if isinstance(sub, yaml.MappingNode))
        self.hp_sizes[id(node)] = total
        return total

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if self.hp_duplicates == "error":
            seen: Dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue  # keys merged in with '<<' may be overridden
                key = self.construct_object(key_node, deep=False)  # type: ignore[attr-defined]
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
        mapping = super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        if self.hp_lines is not None:
            # The dict that ends up in the result is the one construct_object recorded.
            target = self.constructed_objects.get(node)  # type: ignore[attr-defined]
            if isinstance(target, dict):
                lines: Dict[Any, int] = {}
                for key_node, _ in node.value:  # merged keys included; later entries win
                    key = self.constructed_objects.get(key_node)  # type: ignore[attr-defined]
                    try:
                        lines[key] = key_node.start_mark.line + 1
                    except TypeError:
                        continue
                self.hp_lines[id(target)] = lines
        return mapping


_LOADERS: Dict[bool, Any] = {}


def _loader_class(yaml12_numbers: bool) -> Any:
    """Return (building it once) the safe loader class for one set of reading rules.

    libyaml's ``CSafeLoader`` when PyYAML was built with it, else ``SafeLoader``;
    both construct only plain data.
    """
    found = _LOADERS.get(yaml12_numbers)
    if found is not None:
        return found
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    safe = yaml.SafeLoader
    if yaml12_numbers:
        base = fast or safe

        class Yaml12Loader(_Limits, base):  # type: ignore[misc,valid-type]
            """Safe loader with YAML 1.2 numbers and no implicit timestamps."""

        Yaml12Loader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
            for first, resolvers in safe.yaml_implicit_resolvers.items()
        }
        for tag, regexp, firsts in _RESOLVERS_12:
            Yaml12Loader.add_implicit_resolver(tag, regexp, list(firsts))
        Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int_12)
        loader: Any = Yaml12Loader
    elif fast is None:

        class YacsLoader(_Limits, safe):  # type: ignore[misc,valid-type]
            """``yaml.SafeLoader``, within the limits."""

        loader = YacsLoader
    else:

        class YacsLoader(_Limits, fast):  # type: ignore[misc,valid-type,no-redef]
            """libyaml's loader with the constructors and resolvers of ``yaml.SafeLoader``.

            Code that extends ``yaml.safe_load`` (as YACS users do, for YACS reads
            with it) is honoured.
            """

            yaml_constructors = property(lambda self: safe.yaml_constructors)
            yaml_multi_constructors = property(lambda self: safe.yaml_multi_constructors)
            yaml_implicit_resolvers = property(lambda self: safe.yaml_implicit_resolvers)
            yaml_path_resolvers = property(lambda self: safe.yaml_path_resolvers)

        loader = YacsLoader
    _LOADERS[yaml12_numbers] = loader
    return loader


def _construct_int_12(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith("0o"):
        return sign * int(digits[2:], 8)
    if digits.startswith("0x"):
        return sign * int(digits[2:], 16)
    return sign * int(digits, 10)


def load_yaml_text(
    text: Any,
    file: str = "YAML text",
    *,
    yaml12_numbers: bool = False,
    duplicates: str = "last",
    lines: Optional[KeyLines] = None,
    errors: str = "raise",
) -> Any:
    """Return the data of one YAML document, read safely and within the limits.

    ``text`` is a ``str``, ``bytes`` or an open text file (as ``yaml.safe_load``
    takes). ``file`` names it in messages. ``yaml12_numbers`` picks the reading
    rules (see the module doc), ``duplicates`` is ``"error"`` or ``"last"``;
    ``lines``, when given, is filled with ``id(mapping) -> {key: line}`` for the
    mappings of the result. YAML syntax errors propagate as PyYAML raises them
    (``errors="raise"``, as YACS users expect) or become :class:`ConfigFileError`
    naming file, line and column (``errors="convert"``). Every limit, and every
    value a loader cannot build (a number over Python's digit limit, a date that
    does not exist), raises :class:`ConfigFileError`.
    """
    import yaml

    if duplicates not in ("error", "last"):
        raise ValueError(f"duplicates must be 'error' or 'last', got {duplicates!r}")
    if hasattr(text, "read"):
        text = text.read()
    plain = text if isinstance(text, str) else _decode(text)
    check_nesting(plain, file)
    loader = _loader_class(yaml12_numbers)(text)
    loader.hp_file = file
    loader.hp_duplicates = duplicates
    loader.hp_lines = lines
    try:
        data = loader.get_single_data()
    except RecursionError:  # a pure-Python loader, called from deep in the stack
        raise out_of_stack(file, "YAML") from None
    except ValueError as error:
        if isinstance(error, ConfigFileError):
            raise
        raise bad_value(error, plain, file, "YAML") from None
    except yaml.YAMLError as error:
        nesting = _nesting_error(error, file)
        if nesting is not None:
            raise nesting from None
        if errors == "convert":
            raise yaml_error(error, file) from None
        raise
    finally:
        loader.dispose()
    if "*" in plain:  # an alias: a walk over the data may expand it
        check_aliases(data, file)
    return data


def _decode(data: Any) -> str:
    """Return bytes (or a bytes-like) as PyYAML would decode them, for the checks only."""
    import codecs

    raw = bytes(data)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _nesting_error(error: Exception, file: str) -> Optional[ConfigFileError]:
    """Return our limit's error for libyaml's own nesting limit (libyaml 0.2.5+), else None."""
    if "maximum nesting depth" not in str(getattr(error, "problem", "") or ""):
        return None
    mark = getattr(error, "problem_mark", None)
    where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file
    return too_deep(where)


# --- limits on absurd input ---------------------------------------------------------------------

# A line's leading run of what may stand before a block collection on that line: blanks,
# the indicators '-', '?', ':' (as in "- - x" and "? - x") and a byte order mark. Searched
# in "\n" + text; the second form also for lines that YAML ends with CR, NEL, LS or PS.
_BLOCK_PREFIX = r"\n[-?: \t\ufeff]{%d}"
_BLOCK_PREFIX_ANY_BREAK = r"[\n\r\x85\u2028\u2029][-?: \t\ufeff]{%d}"


def check_nesting(text: str, file: str) -> None:
    """Raise :class:`ConfigFileError` if YAML ``text`` nests deeper than ``MAX_DEPTH`` levels.

    libyaml's composer recurses in C per level and crashes near 50,000 levels, so this
    runs first. A cheap bound: each flow level needs a '{' or a '[' (``[a: 1]`` is two
    levels); block nesting is at most ``2 * (run + 1)`` for a line's leading run of blanks
    and indicators. Text over the bound is parsed into events (no recursion) for the exact
    depth and line; where libyaml 0.2.5+ stops first at its own limit (near 1,000 levels),
    the pure-Python parser finds the place.
    """
    # MAX_DEPTH is a global read at each call: tests lower it with mock.patch.object.
    room = MAX_DEPTH - 2 - 2 * text.count("[") - text.count("{")
    if room >= 0:
        other_breaks = text.count("\r") != text.count("\r\n") or any(
            brk in text for brk in "\x85\u2028\u2029"
        )
        prefix = _BLOCK_PREFIX_ANY_BREAK if other_breaks else _BLOCK_PREFIX
        if re.search(prefix % (room // 2 + 1), "\n" + text) is None:
            return
    import yaml

    try:
        _walk_events(text, file, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        if _nesting_error(error, file) is None:
            return  # the loader stops at the same error, no deeper than the events before it
        # libyaml 0.2.5+ stopped at its own limit (near 1,000 levels) before ours: find
        # where ours is passed with the pure-Python parser, which has no limit of its own.
        try:
            _walk_events(text, file, yaml.SafeLoader)
        except yaml.YAMLError:
            pass
        raise _nesting_error(error, file) from None  # type: ignore[misc]


def _walk_events(text: str, file: str, loader: Any) -> None:
    """Parse ``text`` into events; raise our limit's error where they nest too deep."""
    import yaml

    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, starts):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
                raise too_deep(where)
        elif isinstance(event, ends):
            depth -= 1


def check_aliases(data: Any, file: str) -> None:
    """Raise :class:`ConfigFileError` if YAML aliases make ``data`` endless, too deep or huge.

    An alias (``*name``) shares one list or mapping between places; walking the tree
    (to copy it, merge it, convert it) expands every share. A collection that contains
    itself (``a: &a [*a]``) never ends; aliases of aliases grow exponentially (the
    "billion laughs"). This visits each collection once, without recursion, and adds
    up what the expanded tree would hold.
    """
    if not isinstance(data, (dict, list)) or not data:
        return
    limit = MAX_DEPTH
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
            if depth >= limit:
                under = f"under key {key()!r}, " if len(stack) > 1 else ""
                raise too_deep(file, f"{under}YAML aliases (*name) make lists and mappings nest")
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


# --- the dumper ---------------------------------------------------------------------------------

_DUMPERS: Dict[bool, Any] = {}


def _dumper_class(yaml12: bool) -> Any:
    """Return the safe dumper class: libyaml's when PyYAML has it, else pure Python.

    It uses the representers and resolvers registered on ``yaml.SafeDumper``, which
    ``yaml.safe_dump`` (and so YACS) would use. With ``yaml12`` it also quotes text
    that YAML 1.2 numbers would read as a number (``'1e-3'``), so the output reads
    back the same under both sets of reading rules.
    """
    found = _DUMPERS.get(yaml12)
    if found is not None:
        return found
    import yaml

    fast = getattr(yaml, "CSafeDumper", None)
    safe = yaml.SafeDumper
    if fast is None:
        dumper: Any = safe
    else:

        class Dumper(fast):  # type: ignore[misc,valid-type]
            yaml_representers = property(lambda self: safe.yaml_representers)
            yaml_multi_representers = property(lambda self: safe.yaml_multi_representers)
            yaml_implicit_resolvers = property(lambda self: safe.yaml_implicit_resolvers)
            yaml_path_resolvers = property(lambda self: safe.yaml_path_resolvers)

        dumper = Dumper
    if yaml12:
        resolvers = {first: list(found) for first, found in safe.yaml_implicit_resolvers.items()}
        for tag, regexp, firsts in _RESOLVERS_12:
            for first in firsts:
                resolvers.setdefault(first, []).append((tag, regexp))
        dumper = type("Yaml12Dumper", (dumper,), {"yaml_implicit_resolvers": resolvers})
    _DUMPERS[yaml12] = dumper
    return dumper


def safe_dump(data: Any, stream: Any = None, *, yaml12: bool = False, **kwargs: Any) -> Any:
    """Return (or write to ``stream``) ``data`` as YAML, as ``yaml.safe_dump`` would.

    The same call as ``yaml.safe_dump``, with the libyaml dumper when there is one.
    Pass ``yaml12=True`` for text that ``hp.load`` (YAML 1.2 numbers) will read back:
    text such as ``'1e-3'`` is then quoted so that it stays text.
    """
    import yaml

    return yaml.dump_all([data], stream, Dumper=_dumper_class(yaml12), **kwargs)
