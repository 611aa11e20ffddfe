"""``CfgNode``: YACS-compatible configuration trees, with fast attribute reads.

Use :class:`CfgNode` (also ``hp.CN``) for YACS-style hierarchical configs: a tree
of dicts read as ``cfg.MODEL.TYPE``, filled from YAML or Python files and
``KEY VALUE`` lists, frozen before use. Code written for YACS 0.1.8 keeps
working after changing its import to ``from hyperparameter.yacs import CfgNode``
(a subclass with YACS's lenient frozen semantics, see :mod:`hyperparameter.yacs`).

How reads stay fast: YACS answers ``cfg.KEY`` from ``__getattr__``, which Python
calls only after its normal lookup failed, so every read pays for a failed
lookup first. Here every key that is a plain ``str`` and not the name of a class
attribute is also stored in the instance ``__dict__`` (a *mirror*), where the
normal lookup finds it at once. Every mutation path keeps the mirror in step
with the dict. Names the class already uses (``keys``, ``dump``, ``clone``, ...)
and the four internal state names are never mirrored, so ``cfg.keys`` stays the
method, exactly as in YACS.

Deliberate differences from YACS 0.1.8 (see ``docs/cfgnode.md``): a frozen node
refuses every mutation path, and its lists and dicts are read-only copies
(:class:`FrozenList`, :class:`FrozenDict`) until ``defrost()``; merges are
atomic; an ``int`` merged into a ``float`` key becomes a ``float``; checks raise
under ``python -O``; messages start with YACS's wording and go on with the full
key, close matches and the fix; a node never contains itself; YAML goes through
libyaml when available.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import logging
import math
import os
from ast import literal_eval
from types import ModuleType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from ._formats import extension, read_text, run_python
from ._keys import did_you_mean
from ._source import sources_of, tag_tree, tree_flag
from ._tree import MAX_DEPTH, too_deep
from ._yaml import load_yaml_text, safe_dump
from .errors import (
    ConfigAssertionError,
    ConfigAttributeError,
    ConfigFileError,
    ConfigKeyError,
    ConfigTypeError,
    ConversionError,
    FrozenConfigError,
    NestingError,
)

__all__ = ["CfgNode", "FrozenDict", "FrozenList", "load_cfg"]

logger = logging.getLogger(__name__)


def _refused(message: str) -> ConfigAssertionError:
    """Return the error of a failed check, logged first at DEBUG (as YACS's
    ``_assert_with_logging`` logs every check it fails)."""
    logger.debug(message)
    return ConfigAssertionError(message)


# File name extensions that merge_from_file / load_cfg accept, as in YACS.
_YAML_EXTS = {"", ".yaml", ".yml"}
_PY_EXTS = {".py"}
_FILE_TYPES = (io.IOBase,)

# The leaf types a CfgNode accepts. Mutable and read at call time, so that an
# extension can add a type (``_VALID_TYPES.add(MyType)``), as with YACS.
_VALID_TYPES = {tuple, list, str, int, float, bool, type(None)}

_BASE_KEY = "_BASE_"
_IMMUTABLE = "__immutable__"
_DEPRECATED_KEYS = "__deprecated_keys__"
_RENAMED_KEYS = "__renamed_keys__"
_NEW_ALLOWED = "__new_allowed__"
_INTERNAL = frozenset({_IMMUTABLE, _DEPRECATED_KEYS, _RENAMED_KEYS, _NEW_ALLOWED})

# Leaves of these types are immutable, so copies may share them.
_ATOMIC = frozenset({str, int, float, bool, type(None)})
_MISSING: Any = object()

_T = TypeVar("_T", bound="CfgNode")
PathArg = Union[str, "os.PathLike[str]"]

if TYPE_CHECKING:
    _DictBase = Dict[str, Any]
    _ListBase = List[Any]
else:
    _DictBase = dict
    _ListBase = list


# --- small helpers ----------------------------------------------------------------------------


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_names() -> str:
    names = sorted(t.__name__ for t in _VALID_TYPES)
    return ", ".join(names)


def _join(path: Iterable[Any]) -> str:
    return ".".join(str(part) for part in path)


def _all_keys(node: Any, prefix: str = "") -> Iterator[str]:
    """Yield the dotted name of every key under ``node`` (inner nodes and leaves)."""
    for key, value in dict.items(node):
        name = f"{prefix}{key}"
        yield name
        if isinstance(value, dict):
            yield from _all_keys(value, name + ".")


def _configure_class(cls: Type[CfgNode]) -> None:
    """Record, once per class, which names must never be mirrored into ``__dict__``."""
    # A mirrored key would hide a class attribute of the same name (``cfg.keys``
    # must stay the method), and the internal state lives under its own names.
    cls._hp_nomirror = frozenset(dir(cls)) | _INTERNAL
    # A subclass that overrides __setitem__ expects attribute writes to reach it.
    cls._hp_plain_setitem = cls.__setitem__ is CfgNode.__setitem__


# --- read-only lists and dicts inside a frozen hp.CfgNode ---------------------------------------

_LIST_NEW = list.__new__
_LIST_EXTEND = list.extend
_DICT_NEW = dict.__new__
_DICT_UPDATE = dict.update

# Where a frozen container sits, for messages: (path of its node, key, index suffixes).
_Where = Tuple[Tuple[Any, ...], Any, Tuple[str, ...]]
_NOWHERE: _Where = ((), None, ())


def _where_text(where: _Where) -> str:
    path, key, suffixes = where
    text = _join(path if key is None else (*path, key)) + "".join(suffixes)
    return text if len(text) <= 120 else f"{text[:60]}...{text[-50:]}"


def _frozen_container_error(container: Any, verb: str) -> FrozenConfigError:
    kind = "list" if isinstance(container, list) else "dict"
    where = _where_text(getattr(container, "_hp_key", _NOWHERE))
    at = f" at {where!r}" if where else ""
    return FrozenConfigError(
        f"Attempted to {verb} the {kind}{at}, but CfgNode is immutable; the lists and dicts "
        f"of a frozen CfgNode are read-only: change a copy ({kind}(value)), or call defrost() "
        "first"
    )


def _refuser(name: str, verb: str) -> Any:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise _frozen_container_error(self, verb)

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Refused ({verb}): the container belongs to a frozen CfgNode."
    return refuse


class _Frozen:
    """What :class:`FrozenList` and :class:`FrozenDict` share: copies and pickles stay frozen."""

    __slots__ = ()
    _hp_key: _Where
    _hp_plain: ClassVar[Any]  # list or dict
    _hp_fill: ClassVar[Any]  # list.extend or dict.update

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Do nothing: ``__new__`` set the items (``list.__init__`` would replace them)."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        where = getattr(self, "_hp_key", _NOWHERE)
        return (_rebuild_frozen, (type(self), self._hp_plain(self), where))

    def __deepcopy__(self, memo: Dict[int, Any]) -> Any:
        cls = type(self)
        new = cls._hp_plain.__new__(cls)
        memo[id(self)] = new
        new._hp_key = getattr(self, "_hp_key", _NOWHERE)
        cls._hp_fill(new, copy.deepcopy(cls._hp_plain(self), memo))
        return new


class FrozenList(_Frozen, _ListBase):
    """A list held by a frozen ``hp.CfgNode``: it reads as the list it was and refuses changes.

    ``freeze()`` stores one in place of each list of the tree (``defrost()`` puts
    the plain lists back), so that ``cfg.SOLVER.STEPS.append(9)`` on a frozen config
    raises :class:`~hyperparameter.errors.FrozenConfigError` (an ``AttributeError``)
    naming the key. It is a ``list``: ``isinstance``, ``==``, indexing, slicing,
    iteration, ``repr`` and ``json`` see a list; ``list(value)`` or
    ``value.copy()`` give a plain list to change.
    """

    __slots__ = ("_hp_key",)
    _hp_plain = list
    _hp_fill = list.extend

    def __new__(cls, iterable: Iterable[Any] = ()) -> FrozenList:
        new = _LIST_NEW(cls)
        _LIST_EXTEND(new, iterable)
        new._hp_key = _NOWHERE
        return new


class FrozenDict(_Frozen, _DictBase):
    """A dict held (inside a list, or stored with ``cfg[key] = {...}``) by a frozen ``hp.CfgNode``.

    Like :class:`FrozenList`: reads as the dict it was, refuses changes until
    ``defrost()``; ``dict(value)`` gives a plain copy.
    """

    __slots__ = ("_hp_key",)
    _hp_plain = dict
    _hp_fill = dict.update

    def __new__(cls, *args: Any, **kwargs: Any) -> FrozenDict:
        new = _DICT_NEW(cls)
        _DICT_UPDATE(new, *args, **kwargs)
        new._hp_key = _NOWHERE
        return new


for _name, _verb in (
    ("append", "append to"),
    ("extend", "extend"),
    ("insert", "insert into"),
    ("remove", "remove from"),
    ("pop", "pop from"),
    ("clear", "clear"),
    ("sort", "sort"),
    ("reverse", "reverse"),
    ("__setitem__", "set an item of"),
    ("__delitem__", "delete an item of"),
    ("__iadd__", "extend (+=)"),
    ("__imul__", "repeat (*=)"),
):
    setattr(FrozenList, _name, _refuser(_name, _verb))
for _name, _verb in (
    ("__setitem__", "set an item of"),
    ("__delitem__", "delete an item of"),
    ("clear", "clear"),
    ("pop", "pop from"),
    ("popitem", "pop from"),
    ("setdefault", "set a default in"),
    ("update", "update"),
    ("__ior__", "update (|=)"),
):
    setattr(FrozenDict, _name, _refuser(_name, _verb))
del _name, _verb

_FL_KEY_SET = FrozenList.__dict__["_hp_key"].__set__
_FD_KEY_SET = FrozenDict.__dict__["_hp_key"].__set__
_FROZEN = frozenset({FrozenList, FrozenDict})
# The type a frozen container stands for, in type checks (``_VALID_TYPES`` holds ``list``).
_PLAIN_TYPE: Dict[type, type] = {FrozenList: list, FrozenDict: dict}


def _rebuild_frozen(cls: Any, items: Any, where: _Where) -> Any:
    """Rebuild a pickled :class:`FrozenList` or :class:`FrozenDict`."""
    new = cls(items)
    new._hp_key = where
    return new


def _value_too_deep(where: _Where) -> NestingError:
    return NestingError(
        f"the value at {_where_text(where)!r} nests lists, tuples and dicts deeper than "
        f"{MAX_DEPTH} levels, the limit; flatten it or split it into several keys"
    )


def _freeze_value(value: Any, where: _Where, memo: Dict[int, Any], depth: int = 0) -> Any:
    """Return ``value`` with its lists made :class:`FrozenList` and dicts :class:`FrozenDict`.

    Deep (lists in tuples, dicts in lists, ...); CfgNodes and other objects are left
    as they are, and a value with nothing to freeze is returned itself. ``memo``
    keeps shared and self-containing containers shared. Raises
    :class:`NestingError` past :data:`MAX_DEPTH` levels, before any change.
    """
    cls = value.__class__
    if cls in _ATOMIC or cls in _FROZEN:
        return value
    if cls is not list and cls is not tuple and cls is not dict:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if depth >= MAX_DEPTH:
        raise _value_too_deep(where)
    path, key, suffixes = where
    if cls is dict:
        frozen_dict = _DICT_NEW(FrozenDict)
        _FD_KEY_SET(frozen_dict, where)
        memo[id(value)] = frozen_dict
        _DICT_UPDATE(
            frozen_dict,
            {
                name: _freeze_value(item, (path, key, (*suffixes, f"[{name!r}]")), memo, depth + 1)
                for name, item in value.items()
            },
        )
        return frozen_dict
    frozen = None
    if cls is list:  # made first: a list that contains itself then holds its frozen self
        frozen = _LIST_NEW(FrozenList)
        _FL_KEY_SET(frozen, where)
        memo[id(value)] = frozen
    items: Any = value
    for item in value:
        if item.__class__ not in _ATOMIC:
            items = [
                _freeze_value(item, (path, key, (*suffixes, f"[{index}]")), memo, depth + 1)
                for index, item in enumerate(value)
            ]
            break
    if frozen is None:  # a tuple
        if items is value or all(new is old for new, old in zip(items, value)):
            return value
        return tuple(items)
    _LIST_EXTEND(frozen, items)
    return frozen


def _thaw(value: Any, memo: Dict[int, Any], depth: int = 0) -> Any:
    """Return ``value`` with every :class:`FrozenList`/:class:`FrozenDict` made plain again (deep).

    A value with nothing frozen inside is returned itself, so shared lists stay shared.
    """
    cls = value.__class__
    if cls in _ATOMIC:
        return value
    if cls is not list and cls is not tuple and cls is not dict and cls not in _FROZEN:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if depth >= MAX_DEPTH:
        raise _value_too_deep(getattr(value, "_hp_key", _NOWHERE))
    if cls is dict or cls is FrozenDict:
        if cls is dict:
            memo[id(value)] = value
            pairs = {k: _thaw(v, memo, depth + 1) for k, v in value.items()}
            if all(pairs[k] is v for k, v in value.items()):
                return value
            new_dict: Dict[Any, Any] = {}
        else:
            new_dict = {}
            memo[id(value)] = new_dict
            pairs = {k: _thaw(v, memo, depth + 1) for k, v in value.items()}
        new_dict.update(pairs)
        memo[id(value)] = new_dict
        return new_dict
    for item in value:
        if item.__class__ not in _ATOMIC:
            break
    else:  # only atomic items: the usual case
        if cls is FrozenList:
            memo[id(value)] = plain = list(value)
            return plain
        return value
    if cls is FrozenList:
        new_list: List[Any] = []
        memo[id(value)] = new_list
        new_list.extend([_thaw(item, memo, depth + 1) for item in value])
        return new_list
    memo[id(value)] = value
    items = [_thaw(item, memo, depth + 1) for item in value]
    if all(new is old for new, old in zip(items, value)):
        return value
    thawed = tuple(items) if cls is tuple else items
    memo[id(value)] = thawed
    return thawed


def _plain_copy(value: Any) -> Any:
    """Return an independent deep copy of a leaf, with frozen containers made plain."""
    if value.__class__ in _ATOMIC:
        return value
    return _thaw(copy.deepcopy(value), {})


# --- the class --------------------------------------------------------------------------------


class CfgNode(_DictBase):
    """A node of a configuration tree: a ``dict`` whose keys also read as attributes.

    Use it as YACS's ``CfgNode``: build defaults in code, ``merge_from_file`` /
    ``merge_from_list`` the overrides, ``freeze()`` before use, ``clone()`` for
    variants, ``dump()`` to record what ran. Nested plain dicts given to the
    constructor become nodes; leaves must be of a type in ``_VALID_TYPES``.
    """

    IMMUTABLE = _IMMUTABLE
    DEPRECATED_KEYS = _DEPRECATED_KEYS
    RENAMED_KEYS = _RENAMED_KEYS
    NEW_ALLOWED = _NEW_ALLOWED

    # "_hp_path" holds the keys from the root, for error messages only; "_hp_kids" caches
    # (child nodes, keys holding lists/tuples/dicts, ...) (None: unknown), so that freeze()
    # skips the other leaves; "_hp_plan" caches the nodes under this one (see _immutable).
    __slots__ = ("__dict__", "__weakref__", "_hp_kids", "_hp_path", "_hp_plan")

    _hp_nomirror: ClassVar[FrozenSet[str]]
    _hp_plain_setitem: ClassVar[bool]
    # A frozen strict node refuses every mutation path and freezes its lists; the YACS
    # face (hyperparameter.yacs.CfgNode) sets this False: only attribute writes are guarded.
    _hp_strict: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _configure_class(cls)

    def __init__(
        self,
        init_dict: Optional[Dict[Any, Any]] = None,
        key_list: Optional[List[str]] = None,
        new_allowed: bool = False,
    ) -> None:
        """Build a node from a possibly nested dict; ``key_list`` names it from the root."""
        init_dict = {} if init_dict is None else init_dict
        key_list = [] if key_list is None else key_list
        if not key_list and isinstance(init_dict, dict):
            # The top of a build: refuse a dict that contains itself or nests too deep
            # before anything is built (the nodes below are built recursively).
            _check_init_tree(init_dict)
        tree = self._create_config_tree_from_dict(init_dict, key_list)
        dict.update(self, tree)
        state = self.__dict__
        nomirror = type(self)._hp_nomirror
        for key, value in dict.items(self):
            if key.__class__ is str and key not in nomirror:
                state[key] = value
        state[_IMMUTABLE] = False
        # Keys removed from the code: merging them warns and is ignored.
        state[_DEPRECATED_KEYS] = set()
        # Old key -> new key (or (new key, note)): merging an old key raises.
        state[_RENAMED_KEYS] = {}
        state[_NEW_ALLOWED] = new_allowed
        _PATH_SET(self, tuple(str(k) for k in key_list))
        _KIDS_SET(self, None)

    @classmethod
    def _create_config_tree_from_dict(
        cls, dic: Dict[Any, Any], key_list: List[str]
    ) -> Dict[Any, Any]:
        """Return a copy of ``dic`` with nested dicts made nodes and leaf types checked."""
        if len(key_list) >= MAX_DEPTH:
            raise too_deep(_join(key_list))
        tree: Dict[Any, Any] = {}
        for key, value in dic.items():
            if isinstance(value, dict):
                tree[key] = cls(value, key_list=[*key_list, key])
            elif type(value) in _VALID_TYPES or type(value) is FrozenList:
                tree[key] = _plain_copy(value)
            else:
                raise _invalid_type_error(_join([*key_list, key]), value)
        return tree

    # --- attribute access ---------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Reached only when the normal lookup failed: mirrored keys never get here.
        if name in self:
            return self[name]
        raise _missing_key_error(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        state = self.__dict__
        if state[_IMMUTABLE]:
            raise _frozen_setattr_error(self, name, value)
        if name in state and (
            name in _INTERNAL or dict.get(self, name, _MISSING) is not state[name]
        ):
            raise _refused(
                f"Invalid attempt to modify internal CfgNode state: {name}; it is not a key of "
                f"CfgNode {_where(self)}: use freeze()/defrost()/set_new_allowed()/register_*() "
                f"for the state, or cfg[{name!r}] = value for a key of that name"
            )
        if type(value) not in _VALID_TYPES and not isinstance(value, CfgNode):
            if type(value) is not FrozenList:
                raise _invalid_setattr_error(self, name, value)
            value = _thaw(value, {})  # a list read from a frozen node: store a plain copy
        if type(self)._hp_plain_setitem:
            _raw_set(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if name in _INTERNAL:
            raise _refused(
                f"Invalid attempt to modify internal CfgNode state: {name}; it cannot be deleted "
                f"from CfgNode {_where(self)}"
            )
        if name not in type(self)._hp_nomirror and name in self:
            if self.__dict__[_IMMUTABLE]:
                raise _frozen_error(self, f"delete {name}", name)
            _raw_del(self, name)
            return
        if name in self.__dict__:
            object.__delattr__(self, name)
            return
        if name in type(self)._hp_nomirror:
            raise ConfigAttributeError(
                f"{name}: cannot delete it from CfgNode {_where(self)}: it is a class attribute; "
                f"use del cfg[{name!r}] for the key of that name"
            )
        raise _missing_key_error(self, name)

    # --- dict mutation paths: in a strict node each one refuses when frozen; all keep the
    # --- mirror in step

    def __setitem__(self, key: Any, value: Any) -> None:
        if self.__dict__.get(_IMMUTABLE) and type(self)._hp_strict:
            raise _frozen_error(self, f"set {key} to {value}", key)
        _raw_set(self, key, value)

    def __delitem__(self, key: Any) -> None:
        if self.__dict__.get(_IMMUTABLE) and type(self)._hp_strict:
            raise _frozen_error(self, f"delete {key}", key)
        if key not in self:
            raise _unknown_item_error(self, key)
        _raw_del(self, key)

    def pop(self, key: Any, *default: Any) -> Any:
        """Remove ``key`` and return its value (or ``default``), as ``dict.pop``."""
        _check_mutable(self, "pop() from")
        if len(default) > 1:
            raise TypeError(f"pop expected at most 2 arguments, got {1 + len(default)}")
        if key not in self:
            if default:
                return default[0]
            raise _unknown_item_error(self, key)
        value = dict.__getitem__(self, key)
        _raw_del(self, key)
        return value

    def popitem(self) -> Tuple[Any, Any]:
        """Remove and return the last inserted ``(key, value)`` pair, as ``dict.popitem``."""
        _check_mutable(self, "popitem() from")
        key, value = dict.popitem(self)
        _unmirror(self, key)
        return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Return the value of ``key``, first setting it to ``default`` if missing."""
        _check_mutable(self, "setdefault() on")
        if key in self:
            return dict.__getitem__(self, key)
        _raw_set(self, key, default)
        return default

    def clear(self) -> None:
        """Remove every key, as ``dict.clear``; the internal state stays."""
        _check_mutable(self, "clear()")
        state = self.__dict__
        nomirror = type(self)._hp_nomirror
        for key in dict.keys(self):
            if key.__class__ is str and key not in nomirror:
                state.pop(key, None)
        dict.clear(self)
        _KIDS_SET(self, None)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several keys at once, as ``dict.update`` (values are stored as given)."""
        _check_mutable(self, "update()")
        _set_all(self, dict(*args, **kwargs))

    def __ior__(self, other: Any) -> CfgNode:  # type: ignore[override,misc]
        _check_mutable(self, "|= into")
        _set_all(self, dict(other))
        return self

    # --- copying and pickling -----------------------------------------------------------------

    def __copy__(self: _T) -> _T:
        cls = type(self)
        new = cls.__new__(cls)
        dict.update(new, self)
        new.__dict__.update(self.__dict__)
        _PATH_SET(new, _path_of(self))
        _KIDS_SET(new, None)
        return new

    def __deepcopy__(self: _T, memo: Dict[int, Any]) -> _T:
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        nomirror = cls._hp_nomirror
        items = {}
        mirrors = {}
        kids = []
        seqs = []
        for key, value in dict.items(self):
            if type(value) not in _ATOMIC:
                value = _copy_value(value, memo)
                if isinstance(value, CfgNode):
                    kids.append(value)
                elif value.__class__ is not tuple or not _atomic_items(value):
                    seqs.append(key)
            items[key] = value
            if key.__class__ is str and key not in nomirror:
                mirrors[key] = value
        dict.update(new, items)
        state = self.__dict__
        new_state = new.__dict__
        if len(state) == len(mirrors) + len(_INTERNAL) and all(n in state for n in _INTERNAL):
            for name in _INTERNAL:
                new_state[name] = _copy_value(state[name], memo)
        else:
            # Extra attributes (set by a subclass) are copied too, as YACS does.
            for key, value in state.items():
                if key in nomirror or dict.get(self, key, _MISSING) is not value:
                    new_state[key] = _copy_value(value, memo)
        new_state.update(mirrors)
        _PATH_SET(new, _path_of(self))
        _KIDS_SET(new, (tuple(kids), tuple(seqs), None, new_state))
        return new

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_restore_cfgnode, (type(self), dict(self), _state_of(self), _path_of(self)))

    # --- text forms ---------------------------------------------------------------------------

    def __str__(self) -> str:
        parts = []
        for key, value in sorted(self.items()):
            separator = "\n" if isinstance(value, CfgNode) else " "
            # Nested lines are indented by two spaces under their key.
            parts.append(f"{key!s}:{separator}{value!s}".replace("\n", "\n  "))
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def dump(self, **kwargs: Any) -> str:
        """Return the tree as YAML text; ``kwargs`` go to the YAML dumper as for ``safe_dump``.

        Use it to save the exact config a run used; :func:`load_cfg` reads it back.
        A tree that ``hp.load`` returned (its ``${...}`` resolved) is dumped with
        each literal ``${`` written ``$${``, so that ``hp.load`` of the dump reads
        the same values; any other tree is dumped exactly as YACS dumps it.
        """
        plain = _to_plain(self, [], {})
        if tree_flag(self, "interpolated"):
            # Written for hp.load to read back: literal ${ escaped, and text that YAML 1.2
            # would read as a number ('1e-3') quoted.
            return safe_dump(_escape_interpolation(plain), yaml12=True, **kwargs)
        return safe_dump(plain, **kwargs)

    # --- merging ------------------------------------------------------------------------------

    def merge_from_file(self, cfg_filename: PathArg, allow_base: bool = False) -> None:
        """Merge a YAML (``.yaml``, ``.yml``, no extension) or Python (``.py``) file into this node.

        With ``allow_base=True`` a top-level ``_BASE_`` key (a path or a list of
        paths, relative to the including file) names files merged in first, as in
        fvcore/detectron2 configs; off by default, as in YACS.
        """
        path = os.fspath(cfg_filename)
        if allow_base:
            from ._compose import read_mapping

            # One implementation of _BASE_ for hp.load and CfgNode, with YACS's reading
            # rules (the last of duplicate keys wins). The file named here runs if it is a
            # .py file, as always in merge_from_file; a .py file named in _BASE_ never runs.
            cfg = type(self)(read_mapping(path, allow_base=True, allow_python=True))
        elif extension(path) in _YAML_EXTS or extension(path) in _PY_EXTS:
            # Read as every config file is (a regular file, within the size limit, UTF-8),
            # then through load_cfg as YACS does, so that subclasses' overrides apply.
            stream = io.StringIO(read_text(path))
            stream.name = path
            cfg = self.load_cfg(stream)
        else:
            with open(path, encoding="utf-8") as opened:  # refused there, as in YACS
                cfg = self.load_cfg(opened)
        self.merge_from_other_cfg(cfg)

    def merge_from_other_cfg(self, cfg_other: CfgNode) -> None:
        """Merge ``cfg_other`` into this node: its values replace ours, key by key.

        Unknown keys raise ``KeyError`` unless the receiving node allows new keys;
        on any error this node is left unchanged.
        """
        _merge_a_into_b(cfg_other, self, self, [])

    def merge_from_list(self, cfg_list: Sequence[Any]) -> None:
        """Merge ``[KEY, VALUE, KEY, VALUE, ...]`` (e.g. command-line opts) into this node.

        Keys are dotted paths that must exist; string values are decoded as
        Python literals (``"0.5"`` -> ``0.5``, ``"(1, 2)"`` -> a tuple, other text
        stays text). On any error this node is left unchanged.
        """
        if len(cfg_list) % 2 != 0:
            raise _refused(
                f"Override list has odd length: {cfg_list}; it must be a list of pairs: "
                f"got {len(cfg_list)} items; give KEY VALUE pairs, e.g. ['TRAIN.LR', '0.1']"
            )
        root = self
        log: List[Tuple[Any, Any, Any]] = []
        try:
            for full_key, raw in zip(cfg_list[0::2], cfg_list[1::2]):
                if root.key_is_deprecated(full_key):
                    continue
                if root.key_is_renamed(full_key):
                    root.raise_key_rename_error(full_key)
                if not isinstance(full_key, str):
                    raise _refused(
                        f"merge_from_list keys must be dotted strings such as 'TRAIN.LR', "
                        f"got {full_key!r} ({type(full_key).__name__})"
                    )
                parts = full_key.split(".")
                node: Any = self
                for depth, part in enumerate(parts):
                    if not isinstance(node, dict) or part not in node:
                        raise _unknown_list_key_error(self, full_key, parts, depth, node)
                    if depth < len(parts) - 1:
                        node = node[part]
                leaf = parts[-1]
                value = _decoded(self, raw, full_key)
                value = _check_and_coerce_cfg_value_type(value, node[leaf], leaf, full_key)
                _logged_set(node, leaf, value, log)
        except BaseException:
            _rollback(log)
            raise

    # --- freezing -----------------------------------------------------------------------------

    def freeze(self) -> None:
        """Make this node and every node under it immutable; reads stay as fast."""
        self._immutable(True)

    def defrost(self) -> None:
        """Make this node and every node under it mutable again."""
        self._immutable(False)

    def is_frozen(self) -> bool:
        """Return whether this node is frozen."""
        return self.__dict__[_IMMUTABLE]

    def _immutable(self, is_immutable: bool) -> None:
        # Every node of the subtree, each once; in strict nodes the lists and dicts are
        # swapped for read-only copies (plain ones again on defrost). The new values are
        # all made first, so that a value nested too deep to freeze changes nothing.
        # One pass over the subtree (each node once, without recursion), then the changes:
        # a value nested too deep to freeze raises before anything changed.
        nodes, caches = _subtree_caches(self)
        updates = []
        memo: Dict[int, Any] = {}
        strict: Dict[type, bool] = {}
        for node, cached in zip(nodes, caches):
            if not cached[1]:
                continue
            cls = type(node)
            is_strict = strict.get(cls)
            if is_strict is None:
                is_strict = strict[cls] = cls._hp_strict
            if not is_strict:
                continue
            # twins: (plain values, frozen copies, the same two for the mirror) from the
            # last freeze, kept until the node changes, so that freeze/defrost cycles swap
            # whole maps. Freezing again compares them first (a deep ==, in C): a list
            # changed in place while the node was not frozen is copied again.
            twins = cached[2]
            if twins is None or (is_immutable and twins[0] != twins[1]):
                twins = _make_twins(node, cached[1], is_immutable, memo)
                _KIDS_SET(node, (cached[0], cached[1], twins, cached[3]))
            if is_immutable:
                updates.append((node, cached[3], twins[1], twins[3]))
            else:
                updates.append((node, cached[3], twins[0], twins[2]))
        for cached in caches:
            cached[3][_IMMUTABLE] = is_immutable
        for node, state, values, mirrors in updates:
            _DICT_UPDATE(node, values)
            state.update(mirrors)

    def clone(self: _T) -> _T:
        """Return an independent deep copy (frozen if this node is frozen)."""
        new = copy.deepcopy(self)
        sources = sources_of(self)
        if sources is not None:  # read by hp.load: the copy came from the same lines
            tag_tree(new, sources, interpolated=tree_flag(self, "interpolated", False))
        return new

    # --- deprecated and renamed keys ----------------------------------------------------------

    def register_deprecated_key(self, key: str) -> None:
        """Declare ``key`` (dotted, from this node) removed: merging it warns and is ignored."""
        registry = self.__dict__[_DEPRECATED_KEYS]
        if key in registry:
            raise _refused(
                f"key {key} is already registered as a deprecated key; register each key once"
            )
        registry.add(key)

    def register_renamed_key(
        self,
        old_name: str,
        new_name: str,
        message: Optional[str] = None,
    ) -> None:
        """Declare ``old_name`` renamed to ``new_name``: merging the old name raises KeyError."""
        registry = self.__dict__[_RENAMED_KEYS]
        if old_name in registry:
            raise _refused(
                f"key {old_name} is already registered as a renamed cfg key; register each key "
                "once"
            )
        registry[old_name] = (new_name, message) if message else new_name

    def key_is_deprecated(self, full_key: str) -> bool:
        """Return whether ``full_key`` is deprecated, logging a warning if it is."""
        if full_key in self.__dict__[_DEPRECATED_KEYS]:
            logger.warning("Deprecated config key (ignoring): %s", full_key)
            return True
        return False

    def key_is_renamed(self, full_key: str) -> bool:
        """Return whether ``full_key`` was registered as renamed."""
        return full_key in self.__dict__[_RENAMED_KEYS]

    def raise_key_rename_error(self, full_key: str) -> None:
        """Raise the ``KeyError`` that tells the user the new name of ``full_key``."""
        new_key = self.__dict__[_RENAMED_KEYS][full_key]
        note = ""
        if isinstance(new_key, tuple):
            note = " Note: " + new_key[1]
            new_key = new_key[0]
        raise ConfigKeyError(
            f"Key {full_key} was renamed to {new_key}; please update your config.{note}"
        )

    # --- new keys -----------------------------------------------------------------------------

    def is_new_allowed(self) -> bool:
        """Return whether merges may add keys this node does not have."""
        return self.__dict__[_NEW_ALLOWED]

    def set_new_allowed(self, is_new_allowed: bool) -> None:
        """Allow (or forbid) merges to add new keys, here and in every node below."""
        self.__dict__[_NEW_ALLOWED] = is_new_allowed
        for child in _kids(self):
            child.set_new_allowed(is_new_allowed)

    # --- loading ------------------------------------------------------------------------------

    @classmethod
    def load_cfg(cls: Type[_T], cfg_file_obj_or_str: Any) -> _T:
        """Build a node from YAML text or from an open YAML or Python file.

        A Python file must define ``cfg`` (a dict or a CfgNode). To read a file by
        name, use ``open(path)`` or ``cfg.merge_from_file(path)``.
        """
        if isinstance(cfg_file_obj_or_str, str):
            return cls._load_cfg_from_yaml_str(cfg_file_obj_or_str)
        if isinstance(cfg_file_obj_or_str, _FILE_TYPES):
            return cls._load_cfg_from_file(cfg_file_obj_or_str)
        raise _refused(
            f"Expected first argument to be of type {_FILE_TYPES} or {str}, but it was "
            f"{type(cfg_file_obj_or_str)}; load_cfg takes YAML text or an open file, not "
            f"{_short(cfg_file_obj_or_str)}: to read a file by name use open(path) or "
            "cfg.merge_from_file(path)"
        )

    @classmethod
    def _load_cfg_from_file(cls: Type[_T], file_obj: Any) -> _T:
        name = getattr(file_obj, "name", "")
        # Compared in lower case: CFG.YAML is a YAML file (YACS refused it).
        extension = os.path.splitext(name)[1].lower() if isinstance(name, str) else ""
        if extension in _YAML_EXTS:
            try:
                return cls._load_cfg_from_yaml_str(file_obj.read())
            except ConfigFileError as error:
                raise ConfigFileError(f"config file {name!r}: {error}") from None
        if extension in _PY_EXTS:
            return cls._load_cfg_py_source(name)
        raise ConfigFileError(
            f"Attempt to load from an unsupported file type {file_obj}; only "
            f"{_YAML_EXTS.union(_PY_EXTS)} are supported: {name!r} has the extension "
            f"{extension!r}; use .yaml, .yml or no extension for YAML, or .py for Python"
        )

    @classmethod
    def _load_cfg_from_yaml_str(cls: Type[_T], str_obj: Any) -> _T:
        # PyYAML's safe_load rules, as YACS reads; the last of duplicate keys wins.
        data = load_yaml_text(str_obj, "YAML text", duplicates="last")
        if data is not None and not isinstance(data, dict):
            raise ConfigFileError(
                f"the YAML text holds a {type(data).__name__} ({_short(data)}), not a mapping; "
                "a config must map keys to values, e.g. 'MODEL:\\n  TYPE: resnet'"
            )
        return cls(data)

    @classmethod
    def _load_cfg_py_source(cls: Type[_T], filename: str) -> _T:
        # Run as every Python config file runs (same __name__ with or without allow_base).
        namespace = run_python(filename)
        if "cfg" not in namespace:
            raise _refused(
                f"Python module from file {filename} must have 'cfg' attr; define a variable "
                "named cfg (a dict or a CfgNode) in that file"
            )
        cfg = namespace["cfg"]
        if not isinstance(cfg, dict):
            raise _refused(
                f"Imported module 'cfg' attr must be in {{dict, CfgNode}} but is {type(cfg)} "
                f"instead: 'cfg' in Python config file {filename!r} must be a dict or a CfgNode"
            )
        return cls(cfg)

    @classmethod
    def _decode_cfg_value(cls, value: Any) -> Any:
        """Turn a raw value (from YAML or the command line) into a config value.

        A dict becomes a node; a string is read as a Python literal when it is
        one (``"0.5"``, ``"[1, 2]"``, ``"None"``) and is kept as text otherwise.
        """
        if isinstance(value, dict):
            return cls(value)
        if not isinstance(value, str):
            return value
        try:
            return literal_eval(value)
        except (ValueError, SyntaxError):
            # Plain text such as 'resnet' or 'a/b' is not a literal: keep it as text.
            return value
        except (TypeError, MemoryError, RecursionError) as error:
            # Literal-looking text that Python's parser cannot build ('{[]: 1}', a
            # 100,000-deep '- - - 1'); YACS let these escape as they are.
            raise ConversionError(_undecodable(value, error)) from None


_configure_class(CfgNode)

_PATH_SET = CfgNode.__dict__["_hp_path"].__set__
_PATH_GET = CfgNode.__dict__["_hp_path"].__get__
_KIDS_SET = CfgNode.__dict__["_hp_kids"].__set__
_KIDS_GET = CfgNode.__dict__["_hp_kids"].__get__
_PLAN_SET = CfgNode.__dict__["_hp_plan"].__set__
_PLAN_GET = CfgNode.__dict__["_hp_plan"].__get__

# Kept at module level for code written against YACS, which exports it here.
load_cfg = CfgNode.load_cfg


# --- internals shared by the mutation paths ---------------------------------------------------


def _copy_value(value: Any, memo: Dict[int, Any]) -> Any:
    """Deep-copy one value, quickly for the usual leaves (flat lists, tuples, sets, dicts)."""
    cls = type(value)
    if cls in _ATOMIC:
        return value
    if cls is list or cls is tuple or cls is set:
        found = memo.get(id(value), _MISSING)
        if found is not _MISSING:
            return found
        for item in value:
            if type(item) not in _ATOMIC:
                return copy.deepcopy(value, memo)
        if cls is tuple:
            return value
        new = value.copy()
    elif cls is dict:
        found = memo.get(id(value), _MISSING)
        if found is not _MISSING:
            return found
        for key, item in value.items():
            if type(key) not in _ATOMIC or type(item) not in _ATOMIC:
                return copy.deepcopy(value, memo)
        new = value.copy()
    else:
        return copy.deepcopy(value, memo)
    memo[id(value)] = new
    return new


def _path_of(node: Any) -> Tuple[str, ...]:
    try:
        return _PATH_GET(node)
    except AttributeError:
        # Built without __init__ (e.g. by a subclass that skips it).
        return ()


def _full(node: Any, key: Any) -> str:
    return _join((*_path_of(node), key))


def _where(node: Any) -> str:
    path = _path_of(node)
    return repr(_join(path)) if path else "(the root)"


def _state_of(node: CfgNode) -> Dict[str, Any]:
    """Return the ``__dict__`` entries that are not mirrors of keys."""
    nomirror = type(node)._hp_nomirror
    return {
        key: value
        for key, value in node.__dict__.items()
        if key in nomirror or dict.get(node, key, _MISSING) is not value
    }


def _restore_cfgnode(
    cls: Type[CfgNode], items: Dict[Any, Any], state: Dict[str, Any], path: Tuple[str, ...]
) -> CfgNode:
    """Rebuild a pickled node (the inverse of ``CfgNode.__reduce__``)."""
    node = cls.__new__(cls)
    dict.update(node, items)
    node_state = node.__dict__
    node_state.update(state)
    nomirror = cls._hp_nomirror
    for key, value in items.items():
        if key.__class__ is str and key not in nomirror:
            node_state[key] = value
    _PATH_SET(node, tuple(path))
    _KIDS_SET(node, None)
    return node


_Cache = Tuple[
    Tuple["CfgNode", ...],
    Tuple[Any, ...],
    Optional[Tuple[Dict[Any, Any], Dict[Any, Any], Dict[Any, Any], Dict[Any, Any]]],
    Dict[str, Any],
]


def _cache(node: CfgNode) -> _Cache:
    """Return (child nodes, keys of values that freeze() must look into, twins, state) of ``node``.

    The second are the keys of lists, dicts and tuples holding more than atomic
    values; the third is what freeze() last swapped (see ``_immutable``); the
    fourth is the node's ``__dict__`` (read once: CfgNode's ``__getattr__`` hook
    makes every attribute access slower). Cached
    until the next change of ``node``, so that freeze() and set_new_allowed() do not
    look at every leaf each time.
    """
    try:
        cached = _KIDS_GET(node)
    except AttributeError:  # built without __init__
        cached = None
    if cached is None:
        kids = []
        seqs = []
        for key, value in dict.items(node):
            cls = value.__class__
            if cls not in _ATOMIC:
                if isinstance(value, CfgNode):
                    kids.append(value)
                elif cls is not tuple or not _atomic_items(value):
                    seqs.append(key)
        cached = (tuple(kids), tuple(seqs), None, node.__dict__)
        _KIDS_SET(node, cached)
    return cached


def _atomic_items(items: Any) -> bool:
    for item in items:
        if item.__class__ not in _ATOMIC:
            return False
    return True


def _kids(node: CfgNode) -> Tuple[CfgNode, ...]:
    """Return the child nodes of ``node``."""
    return _cache(node)[0]


def _subtree_caches(root: CfgNode) -> Tuple[List[CfgNode], List[_Cache]]:
    """Return ``root`` and every node under it (each once), and the cache of each.

    The list of nodes is kept on ``root`` with the child tuple of each node's cache,
    and used again while every one of those is still the node's own: a change of a
    node drops its cache (``_KIDS_SET(node, None)``), and its next cache has a new
    child tuple. So a freeze()/defrost() cycle on an unchanged tree walks nothing.
    (Until then the list keeps nodes removed from the tree alive; ``root`` itself is
    not in it, so a tree is freed as soon as it is dropped.)
    """
    try:
        plan = _PLAN_GET(root)  # not root._hp_plan: unset, that would ask __getattr__ (a key)
    except AttributeError:  # never frozen
        plan = None
    if plan is not None:
        below, kids_of = plan
        nodes = [root, *below]
        caches = []
        for node, kids in zip(nodes, kids_of):
            cached = node._hp_kids  # set: a planned node had a cache (None once it changed)
            if cached is None or cached[0] is not kids:
                break
            caches.append(cached)
        else:
            return nodes, caches
    nodes = [root]
    seen = {id(root)}
    caches = []
    for node in nodes:  # grows while it is walked
        cached = _cache(node)
        caches.append(cached)
        for child in cached[0]:
            ident = id(child)
            if ident not in seen:
                seen.add(ident)
                nodes.append(child)
    _PLAN_SET(root, (tuple(nodes[1:]), tuple(cached[0] for cached in caches)))
    return nodes, caches


def _make_twins(
    node: CfgNode,
    keys: Tuple[Any, ...],
    freezing: bool,
    memo: Dict[int, Any],
) -> Tuple[Dict[Any, Any], Dict[Any, Any], Dict[Any, Any], Dict[Any, Any]]:
    """Return (plain values, frozen copies, plain mirrors, frozen mirrors) of ``keys``.

    From the values the node holds now: plain ones when freezing, frozen ones when
    defrosting (a list changed in place through another reference while the node was
    frozen is left out: the frozen copy is what the node showed).
    """
    get = dict.__getitem__
    current = {key: get(node, key) for key in keys}
    if freezing:
        path = _path_of(node)
        plain = current
        frozen = {key: _freeze_value(v, (path, key, ()), memo) for key, v in current.items()}
    else:
        frozen = current
        plain = {key: _thaw(v, memo) for key, v in current.items()}
    nomirror = type(node)._hp_nomirror
    if all(key.__class__ is str and key not in nomirror for key in keys):
        return plain, frozen, plain, frozen
    mirrorable = [key for key in keys if key.__class__ is str and key not in nomirror]
    return (
        plain,
        frozen,
        {key: plain[key] for key in mirrorable},
        {key: frozen[key] for key in mirrorable},
    )


def _raw_set(node: CfgNode, key: Any, value: Any) -> None:
    """Set ``key`` without the frozen check, keeping the mirror, the child cache and paths.

    A node value is checked first: it must not contain ``node`` (the tree would contain
    itself) nor make the tree deeper than ``MAX_DEPTH``.
    """
    placed = _adoption(node, key, value) if isinstance(value, CfgNode) else None
    dict.__setitem__(node, key, value)
    if key.__class__ is str and key not in type(node)._hp_nomirror:
        node.__dict__[key] = value
    _KIDS_SET(node, None)
    if placed:
        for child, path in placed:
            _PATH_SET(child, path)


def _set_all(node: CfgNode, new: Dict[Any, Any]) -> None:
    """Set every pair of ``new`` in ``node``, after checking every node value (all or nothing)."""
    for key, value in new.items():
        if isinstance(value, CfgNode):
            _adoption(node, key, value)
    for key, value in new.items():
        _raw_set(node, key, value)


def _raw_del(node: CfgNode, key: Any) -> None:
    dict.__delitem__(node, key)
    _unmirror(node, key)


def _unmirror(node: CfgNode, key: Any) -> None:
    _KIDS_SET(node, None)
    if key.__class__ is str and key not in type(node)._hp_nomirror:
        node.__dict__.pop(key, None)


def _adoption(parent: CfgNode, key: Any, child: CfgNode) -> List[Tuple[CfgNode, Tuple[str, ...]]]:
    """Return ``(node, path)`` for ``child`` and every node under it, placed at ``parent[key]``.

    Raises :class:`NestingError`, before anything changes, if ``child`` is or contains
    ``parent`` (the tree would contain itself) or the tree would nest deeper than
    ``MAX_DEPTH``.
    """
    base = (*_path_of(parent), str(key))
    placed = []
    stack = [(child, base)]
    seen: Set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is parent:
            raise _cycle_error(_join(base), _join(_path_of(parent)))
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise too_deep(_join(path))
        placed.append((node, path))
        for sub_key, value in dict.items(node):
            if isinstance(value, CfgNode):
                stack.append((value, (*path, str(sub_key))))
    return placed


def _check_init_tree(tree: Dict[Any, Any]) -> None:
    """Refuse a dict given to a constructor that contains itself or nests too deep.

    Without recursion, so that a 100,000-level dict gets the documented
    :class:`NestingError`, not a ``RecursionError``. Lists and tuples count as
    levels too (the constructor copies them); a list that contains itself is
    a value YACS accepts, and is not looked into again.
    """
    on_path: Dict[int, str] = {id(tree): ""}
    stack: List[Tuple[Iterator[Tuple[Any, Any]], str, int, bool]] = [
        (iter(tree.items()), "", id(tree), True)
    ]
    while stack:
        items, label, ident, is_map = stack[-1]
        for name, value in items:
            if value.__class__ in _ATOMIC:
                continue
            mapping = isinstance(value, dict)
            if not mapping and not isinstance(value, (list, tuple)):
                continue
            here = (f"{label}.{name}" if label else str(name)) if is_map else f"{label}[{name}]"
            if id(value) in on_path:
                if mapping:
                    raise _cycle_error(here, on_path[id(value)])
                continue
            if len(stack) >= MAX_DEPTH:
                raise too_deep(here)
            on_path[id(value)] = here
            entries = iter(value.items()) if mapping else iter(enumerate(value))
            stack.append((entries, here, id(value), mapping))
            break
        else:
            stack.pop()
            on_path.pop(ident, None)


def _check_mutable(node: CfgNode, action: str) -> None:
    if node.__dict__.get(_IMMUTABLE) and type(node)._hp_strict:
        raise _frozen_error(node, f"{action} CfgNode {_where(node)}")


def _logged_set(node: Any, key: Any, value: Any, log: List[Tuple[Any, Any, Any]]) -> None:
    """Set ``node[key]``, first recording the old value so that a failed merge can undo it.

    A frozen strict node accepts a value equal to the one it holds (same types too):
    a merge that changes nothing is allowed. (A frozen node of the YACS face takes
    item writes, so it is written as YACS writes it.)
    """
    old = dict.get(node, key, _MISSING)
    if (
        old is not _MISSING
        and isinstance(node, CfgNode)
        and node.__dict__.get(_IMMUTABLE)
        and type(node)._hp_strict
        and _same(value, old)
    ):
        return
    node[key] = value  # a refusal (frozen, a cycle) changes nothing: nothing to undo
    log.append((node, key, old))


def _same(new: Any, old: Any) -> bool:
    """Return whether ``new`` equals ``old`` with the same types throughout (frozen = plain)."""
    cls = new.__class__
    if cls is not _PLAIN_TYPE.get(old.__class__, old.__class__):
        return False
    if cls is list or cls is tuple:
        return len(new) == len(old) and all(_same(a, b) for a, b in zip(new, old))
    if cls is dict:
        return new.keys() == old.keys() and all(_same(v, old[k]) for k, v in new.items())
    if cls is float:  # -0.0 is not 0.0 (it dumps differently); a NaN is a NaN
        if new != new:
            return old != old
        return new == old and math.copysign(1.0, new) == math.copysign(1.0, old)
    try:
        return bool(new == old)
    except Exception:  # an odd type in _VALID_TYPES: not provably the same
        return False


def _rollback(log: List[Tuple[Any, Any, Any]]) -> None:
    for node, key, old in reversed(log):
        if isinstance(node, CfgNode):
            if old is _MISSING:
                if key in node:
                    _raw_del(node, key)
            else:
                _raw_set(node, key, old)
        elif old is _MISSING:
            dict.pop(node, key, None)
        else:
            dict.__setitem__(node, key, old)


def _to_plain(node: Any, key_list: List[Any], memo: Dict[int, Any]) -> Any:
    """Return ``node`` as nested plain dicts, checking every leaf type (for ``dump``).

    The lists of a frozen node are given back as plain lists (shared ones stay shared).
    """
    if not isinstance(node, CfgNode):
        cls = node.__class__
        if cls in _ATOMIC:
            return node
        if cls not in _VALID_TYPES and cls is not FrozenList:
            raise _invalid_type_error(_join(key_list), node, dumping=True)
        return _thaw(node, memo) if cls is list or cls is tuple or cls is FrozenList else node
    return {key: _to_plain(value, [*key_list, key], memo) for key, value in dict.items(node)}


def _escape_interpolation(value: Any) -> Any:
    """Return plain data with each ``${`` in a string written ``$${`` (hp.load reads it back)."""
    cls = value.__class__
    if cls is str:
        return value.replace("${", "$${") if "${" in value else value
    if cls is dict:
        return {key: _escape_interpolation(item) for key, item in value.items()}
    if cls is list or cls is tuple:
        return cls(_escape_interpolation(item) for item in value)
    return value


def _decoded(node: Any, raw: Any, full_key: str) -> Any:
    """Return ``node._decode_cfg_value(raw)``; undecodable text names ``full_key``."""
    try:
        return node._decode_cfg_value(raw)
    except ConversionError as error:
        raise ConversionError(f"config key {full_key}: {error}") from None


def _load_module_from_file(name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, filename)
    if spec is None or spec.loader is None:
        raise ConfigFileError(f"cannot import Python config file {filename!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- errors, built only when raising ----------------------------------------------------------


def _missing_key_message(node: Any, name: str) -> str:
    # YACS raises AttributeError(name): the message starts with the name.
    if name.startswith("__") and name.endswith("__"):
        return f"{name}: {type(node).__name__} object has no attribute {name!r}"
    path = _path_of(node)
    prefix = _join(path) + "." if path else ""
    keys = [f"{prefix}{key}" for key in dict.keys(node) if isinstance(key, str)]
    hint = did_you_mean(prefix + name, keys)
    if not hint:
        shown = ", ".join(repr(k) for k in sorted(keys)[:10]) or "none"
        hint = f"; keys here: {shown}"
    return f"{name}: CfgNode has no key {prefix + name!r}{hint}"


def _missing_key_error(node: Any, name: str) -> ConfigAttributeError:
    return ConfigAttributeError(name, lambda: _missing_key_message(node, name))


def _frozen_error(node: Any, action: str, key: Any = _MISSING) -> FrozenConfigError:
    where = f"{_full(node, key)!r} is in" if key is not _MISSING else "it is"
    return FrozenConfigError(
        f"Attempted to {action}, but CfgNode is immutable; {where} a frozen CfgNode: "
        "call defrost() first, or change a clone()"
    )


def _frozen_setattr_error(node: Any, name: str, value: Any) -> FrozenConfigError:
    return _frozen_error(node, f"set {name} to {value}", name)


def _cycle_error(key: str, also: str) -> NestingError:
    return NestingError(
        f"the value for key {key!r} contains {repr(also) if also else 'the root'}, the node it "
        "would be stored in, so the tree would contain itself and nest forever; a CfgNode is a "
        "tree: store a clone() or a new node"
    )


def _invalid_type_error(
    full_key: str, value: Any, *, dumping: bool = False
) -> ConfigAssertionError:
    # The words of YACS's constructor and dump() check, then the value and the fix.
    return _refused(
        f"Key {full_key} with value {type(value)} is not a valid type; valid types: "
        f"{_VALID_TYPES}; the value is {_short(value)}: "
        + (
            "a frozen CfgNode's dicts cannot be dumped either; "
            if dumping and type(value) is FrozenDict
            else ""
        )
        + "convert it to one of these types, use a nested dict for a subtree, or add its type "
        "to hyperparameter.cfgnode._VALID_TYPES"
    )


def _invalid_setattr_error(node: Any, name: str, value: Any) -> ConfigAssertionError:
    # The words of YACS's attribute check, then the full key, the value and the fix.
    return _refused(
        f"Invalid type {type(value)} for key {name}; valid types = {_VALID_TYPES}; the value "
        f"{_short(value)} for {_full(node, name)!r} must be one of these types or a CfgNode; "
        "convert it, or add its type to hyperparameter.cfgnode._VALID_TYPES"
    )


def _undecodable(text: str, error: BaseException) -> str:
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return (
        f"cannot decode {_short(text)} as a Python literal ({reason}): it looks like one but "
        "Python cannot build it (an unhashable dict key, or nesting too deep for the parser); "
        "fix the value, or quote it in the file to keep it as text"
    )


def _unknown_item_error(node: Any, key: Any) -> ConfigKeyError:
    path = _path_of(node)
    prefix = _join(path) + "." if path else ""
    keys = [f"{prefix}{k}" for k in dict.keys(node) if isinstance(k, str)]
    hint = did_you_mean(prefix + str(key), keys) if isinstance(key, str) else ""
    # dict raises KeyError(key): the message starts with the key.
    return ConfigKeyError(f"{key}: CfgNode has no key {prefix + str(key)!r}{hint}")


def _unknown_key_message(root: Any, full_key: str) -> str:
    hint = did_you_mean(full_key, _all_keys(root))
    if full_key.split(".")[0] == _BASE_KEY:
        hint += f"; to read {_BASE_KEY} files use merge_from_file(path, allow_base=True)"
    return f"{full_key}{hint}"


def _unknown_list_key_error(
    root: Any, full_key: str, parts: List[str], depth: int, node: Any
) -> ConfigAssertionError:
    if not isinstance(node, dict):
        where = _join(parts[:depth])
        return _refused(
            f"Non-existent key: {full_key}; {where!r} is a value ({_short(node)}), not a "
            "CfgNode, so it has no sub-keys"
        )
    message = _unknown_key_message(root, full_key)
    if message == full_key:  # no close key to suggest
        message += (
            "; merge_from_list changes existing keys only: check the spelling, or add the key "
            "to the defaults"
        )
    return _refused(f"Non-existent key: {message}")


# --- module-level functions that YACS extensions import ---------------------------------------


def _valid_type(value: Any, allow_cfg_node: bool = False) -> bool:
    """Return whether ``value`` may be stored in a node (its type is in ``_VALID_TYPES``).

    A :class:`FrozenList` (a list read from a frozen node) counts as the list it is.
    """
    return (
        (type(value) in _VALID_TYPES)
        or type(value) is FrozenList
        or (allow_cfg_node and isinstance(value, CfgNode))
    )


def _assert_with_logging(cond: Any, msg: str) -> None:
    """Raise :class:`ConfigAssertionError` with ``msg`` (also logged) unless ``cond`` holds.

    Unlike ``assert`` it still checks under ``python -O``.
    """
    if not cond:
        raise _refused(msg)


def _check_and_coerce_cfg_value_type(
    replacement: Any, original: Any, key: Any, full_key: str
) -> Any:
    """Return ``replacement`` converted to the type of ``original``, or raise ``ValueError``.

    Same types pass; ``None`` replaces or is replaced by any valid type; lists and
    tuples convert into each other; an ``int`` replacing a ``float`` becomes a float.
    """
    original_type = type(original)
    replacement_type = type(replacement)
    if replacement_type is original_type:
        return replacement
    # A frozen node's lists are FrozenLists: they stand for lists.
    original_type = _PLAIN_TYPE.get(original_type, original_type)
    replacement_type = _PLAIN_TYPE.get(replacement_type, replacement_type)
    if replacement_type is original_type:
        return replacement
    none_type = type(None)
    if (replacement_type is none_type and original_type in _VALID_TYPES) or (
        original_type is none_type and replacement_type in _VALID_TYPES
    ):
        return replacement
    if replacement_type is tuple and original_type is list:
        return list(replacement)
    if replacement_type is list and original_type is tuple:
        return tuple(replacement)
    if replacement_type is int and original_type is float:
        try:
            return float(replacement)
        except OverflowError:
            pass
    # YACS's words first (types and values as YACS prints them), then the rule and the fix.
    raise ConfigTypeError(
        f"Type mismatch ({original_type} vs. {replacement_type}) with values ({original} vs. "
        f"{replacement}) for config key: {full_key}; {full_key!r} holds {_short(original)} "
        f"(type {original_type.__name__}) and the new value is {_short(replacement)} (type "
        f"{replacement_type.__name__}): give a value of type {original_type.__name__} (lists "
        "and tuples convert into each other, ints into floats, and None replaces or is "
        "replaced by any valid type)"
    )


def _merge_a_into_b(a: CfgNode, b: CfgNode, root: CfgNode, key_list: List[str]) -> None:
    """Merge node ``a`` into node ``b`` (``root`` holds the deprecated/renamed registries).

    ``key_list`` names ``b`` from the root. On any error ``b`` is left unchanged.
    """
    log: List[Tuple[Any, Any, Any]] = []
    try:
        _merge_into(a, b, root, key_list, log)
    except BaseException:
        _rollback(log)
        raise


def _merge_into(
    a: Any, b: Any, root: Any, key_list: List[str], log: List[Tuple[Any, Any, Any]]
) -> None:
    if not isinstance(a, CfgNode):
        raise _refused(
            f"`a` (cur type {type(a)}) must be an instance of {CfgNode}; merge a CfgNode "
            f"(CfgNode(a_dict)) into {_join(key_list) or 'the root'}"
        )
    if not isinstance(b, CfgNode):
        raise _refused(
            f"`b` (cur type {type(b)}) must be an instance of {CfgNode}; "
            f"{_join(key_list) or 'the root'} must be a CfgNode to merge into"
        )
    for key, raw in a.items():
        full_key = _join([*key_list, key])
        value = _decoded(b, _plain_copy(raw), full_key)
        if key in b:
            value = _check_and_coerce_cfg_value_type(value, b[key], key, full_key)
            if isinstance(value, CfgNode):
                _merge_into(value, b[key], root, [*key_list, key], log)
            else:
                _logged_set(b, key, value, log)
        elif b.is_new_allowed():
            _logged_set(b, key, value, log)
        elif root.key_is_deprecated(full_key):
            continue
        elif root.key_is_renamed(full_key):
            root.raise_key_rename_error(full_key)
        else:
            hint = (
                "; to accept new keys here, create the node with new_allowed=True or call "
                "set_new_allowed(True)"
            )
            raise ConfigKeyError(
                f"Non-existent config key: {_unknown_key_message(root, full_key)}{hint}"
            )
