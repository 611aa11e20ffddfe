"""``CfgNode``: YACS-compatible configuration trees, with fast attribute reads.

Use :class:`CfgNode` (also ``hp.CN``) for YACS-style hierarchical configs: a tree
of dicts read as ``cfg.MODEL.TYPE``, filled from YAML or Python files and
``KEY VALUE`` lists, frozen before use. Code written for YACS 0.1.8 keeps
working after changing its import to ``from hyperparameter.yacs import CfgNode``.

How reads stay fast: YACS answers ``cfg.KEY`` from ``__getattr__``, which Python
calls only after its normal lookup failed, so every read pays for a failed
lookup first. Here every key that is a plain ``str`` and not the name of a class
attribute is also stored in the instance ``__dict__`` (a *mirror*), where the
normal lookup finds it at once. Every mutation path keeps the mirror in step
with the dict. Names the class already uses (``keys``, ``dump``, ``clone``, ...)
and the four internal state names are never mirrored, so ``cfg.keys`` stays the
method, exactly as in YACS.

Deliberate differences from YACS 0.1.8 (see ``docs/cfgnode.md``): a frozen node
refuses every mutation path; merges are atomic; an ``int`` merged into a
``float`` key becomes a ``float``; checks raise under ``python -O``; messages
carry the full key and close matches; YAML goes through libyaml when available.
"""

from __future__ import annotations

import copy
import importlib.util
import io
import logging
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

from ._keys import did_you_mean
from .errors import (
    ConfigAssertionError,
    ConfigAttributeError,
    ConfigFileError,
    ConfigKeyError,
    ConfigTypeError,
    FrozenConfigError,
)

__all__ = ["CfgNode", "load_cfg"]

logger = logging.getLogger(__name__)

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
else:
    _DictBase = dict


# --- YAML, imported on first use so that ``import hyperparameter`` stays light ----------------

_YAML_LOADER: Any = None
_YAML_DUMPER: Any = None


def _yaml_loader() -> Any:
    """Return the safe YAML loader class: libyaml's when PyYAML has it, else pure Python.

    The libyaml loader here uses the constructors and resolvers registered on
    ``yaml.SafeLoader``, so code that extends ``yaml.safe_load`` (as YACS users
    do, for YACS reads with it) is honoured.
    """
    global _YAML_LOADER
    if _YAML_LOADER is None:
        import yaml

        fast = getattr(yaml, "CSafeLoader", None)
        if fast is None:
            _YAML_LOADER = yaml.SafeLoader
        else:
            safe = yaml.SafeLoader

            class _Loader(fast):  # type: ignore[misc,valid-type]
                yaml_constructors = property(lambda self: safe.yaml_constructors)
                yaml_multi_constructors = property(lambda self: safe.yaml_multi_constructors)
                yaml_implicit_resolvers = property(lambda self: safe.yaml_implicit_resolvers)
                yaml_path_resolvers = property(lambda self: safe.yaml_path_resolvers)

            _YAML_LOADER = _Loader
    return _YAML_LOADER


def _yaml_dumper() -> Any:
    """Return the safe YAML dumper class: libyaml's when PyYAML has it, else pure Python.

    As for loading, the representers and resolvers are those registered on
    ``yaml.SafeDumper``, which ``yaml.safe_dump`` (and so YACS) would use.
    """
    global _YAML_DUMPER
    if _YAML_DUMPER is None:
        import yaml

        fast = getattr(yaml, "CSafeDumper", None)
        if fast is None:
            _YAML_DUMPER = yaml.SafeDumper
        else:
            safe = yaml.SafeDumper

            class _Dumper(fast):  # type: ignore[misc,valid-type]
                yaml_representers = property(lambda self: safe.yaml_representers)
                yaml_multi_representers = property(lambda self: safe.yaml_multi_representers)
                yaml_implicit_resolvers = property(lambda self: safe.yaml_implicit_resolvers)
                yaml_path_resolvers = property(lambda self: safe.yaml_path_resolvers)

            _YAML_DUMPER = _Dumper
    return _YAML_DUMPER


def _yaml_load(stream: Any) -> Any:
    import yaml

    # Imported here: files imports this module. It refuses, with a ConfigFileError, text
    # nested deeper than libyaml can compose without crashing, and endless or exploding
    # aliases, which yaml.safe_load (and so YACS) would crash or hang on.
    from .files import _load_yaml_text

    return _load_yaml_text(stream, "YAML text", lambda text: yaml.load(text, Loader=_yaml_loader()))


def _yaml_dump(data: Any, **kwargs: Any) -> Any:
    import yaml

    # The same call as yaml.safe_dump, with the libyaml dumper when there is one.
    return yaml.dump_all([data], Dumper=_yaml_dumper(), **kwargs)


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

    # "_hp_path" holds the keys from the root, for error messages only;
    # "_hp_kids" caches the child nodes (None: unknown) so freeze() skips the leaves.
    __slots__ = ("__dict__", "__weakref__", "_hp_kids", "_hp_path")

    _hp_nomirror: ClassVar[FrozenSet[str]]
    _hp_plain_setitem: ClassVar[bool]

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
        tree: Dict[Any, Any] = {}
        for key, value in dic.items():
            if isinstance(value, dict):
                tree[key] = cls(value, key_list=[*key_list, key])
            elif type(value) in _VALID_TYPES:
                tree[key] = value if type(value) in _ATOMIC else copy.deepcopy(value)
            else:
                raise _invalid_type_error(_join([*key_list, key]), value, allow_node=False)
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
            raise _frozen_error(self, f"set {_full(self, name)!r} to {_short(value)}")
        if name in state and (
            name in _INTERNAL or dict.get(self, name, _MISSING) is not state[name]
        ):
            raise ConfigAssertionError(
                f"cannot set attribute {name!r} on CfgNode {_where(self)}: it is internal "
                "CfgNode state; use freeze()/defrost()/set_new_allowed()/register_*() for the "
                f"state, or cfg[{name!r}] = value for a key of that name"
            )
        if type(value) not in _VALID_TYPES and not isinstance(value, CfgNode):
            raise _invalid_type_error(_full(self, name), value, allow_node=True)
        if type(self)._hp_plain_setitem:
            _raw_set(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if name in _INTERNAL:
            raise ConfigAssertionError(
                f"cannot delete {name!r} from CfgNode {_where(self)}: it is internal CfgNode state"
            )
        if name not in type(self)._hp_nomirror and name in self:
            if self.__dict__[_IMMUTABLE]:
                raise _frozen_error(self, f"delete {_full(self, name)!r}")
            _raw_del(self, name)
            return
        if name in self.__dict__:
            object.__delattr__(self, name)
            return
        if name in type(self)._hp_nomirror:
            raise ConfigAttributeError(
                f"cannot delete {name!r} from CfgNode {_where(self)}: it is a class attribute; "
                f"use del cfg[{name!r}] for the key of that name"
            )
        raise _missing_key_error(self, name)

    # --- dict mutation paths: each one refuses when frozen and keeps the mirror in step -------

    def __setitem__(self, key: Any, value: Any) -> None:
        if self.__dict__.get(_IMMUTABLE):
            raise _frozen_error(self, f"set {_full(self, key)!r} to {_short(value)}")
        _raw_set(self, key, value)

    def __delitem__(self, key: Any) -> None:
        if self.__dict__.get(_IMMUTABLE):
            raise _frozen_error(self, f"delete {_full(self, key)!r}")
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
        # Collected first, so that bad arguments leave the node unchanged.
        new = dict(*args, **kwargs)
        for key, value in new.items():
            _raw_set(self, key, value)

    def __ior__(self, other: Any) -> CfgNode:  # type: ignore[override,misc]
        _check_mutable(self, "|= into")
        new = dict(other)
        for key, value in new.items():
            _raw_set(self, key, value)
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
        for key, value in dict.items(self):
            if type(value) not in _ATOMIC:
                value = _copy_value(value, memo)
                if isinstance(value, CfgNode):
                    kids.append(value)
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
        _KIDS_SET(new, tuple(kids))
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
        """
        return _yaml_dump(_to_plain(self, []), **kwargs)

    # --- merging ------------------------------------------------------------------------------

    def merge_from_file(self, cfg_filename: PathArg, allow_base: bool = False) -> None:
        """Merge a YAML (``.yaml``, ``.yml``, no extension) or Python (``.py``) file into this node.

        With ``allow_base=True`` a top-level ``_BASE_`` key (a path or a list of
        paths, relative to the including file) names files merged in first, as in
        fvcore/detectron2 configs; off by default, as in YACS.
        """
        if allow_base:
            from .files import read_mapping

            # One implementation of _BASE_ for hp.load and CfgNode; .py files
            # run here as they always do in merge_from_file.
            cfg = type(self)(read_mapping(cfg_filename, allow_base=True, allow_python=True))
        else:
            with open(cfg_filename, encoding="utf-8") as stream:
                cfg = self.load_cfg(stream)
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
            raise ConfigAssertionError(
                f"merge_from_list got an odd number of items ({len(cfg_list)}): "
                f"{_short(list(cfg_list))}; give KEY VALUE pairs, e.g. ['TRAIN.LR', '0.1']"
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
                    raise ConfigAssertionError(
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
                value = self._decode_cfg_value(raw)
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
        self.__dict__[_IMMUTABLE] = is_immutable
        for child in _kids(self):
            child._immutable(is_immutable)

    def clone(self: _T) -> _T:
        """Return an independent deep copy (frozen if this node is frozen)."""
        return copy.deepcopy(self)

    # --- deprecated and renamed keys ----------------------------------------------------------

    def register_deprecated_key(self, key: str) -> None:
        """Declare ``key`` (dotted, from this node) removed: merging it warns and is ignored."""
        registry = self.__dict__[_DEPRECATED_KEYS]
        if key in registry:
            raise ConfigAssertionError(
                f"key {key!r} is already registered as a deprecated key; register it once"
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
            raise ConfigAssertionError(
                f"key {old_name!r} is already registered as a renamed key; register it once"
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
            f"Key {full_key!r} was renamed to {new_key!r}; please update your config.{note}"
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
        raise ConfigAssertionError(
            f"load_cfg expects YAML text (str) or an open file, got "
            f"{type(cfg_file_obj_or_str).__name__} {_short(cfg_file_obj_or_str)}; "
            "to read a file by name use open(path) or cfg.merge_from_file(path)"
        )

    @classmethod
    def _load_cfg_from_file(cls: Type[_T], file_obj: Any) -> _T:
        name = getattr(file_obj, "name", "")
        extension = os.path.splitext(name)[1] if isinstance(name, str) else ""
        if extension in _YAML_EXTS:
            try:
                return cls._load_cfg_from_yaml_str(file_obj.read())
            except ConfigFileError as error:
                raise ConfigFileError(f"config file {name!r}: {error}") from None
        if extension in _PY_EXTS:
            return cls._load_cfg_py_source(name)
        raise ConfigFileError(
            f"cannot load config file {name!r}: unsupported extension {extension!r}; "
            "use .yaml, .yml or no extension for YAML, or .py for Python"
        )

    @classmethod
    def _load_cfg_from_yaml_str(cls: Type[_T], str_obj: Any) -> _T:
        data = _yaml_load(str_obj)
        if data is not None and not isinstance(data, dict):
            raise ConfigFileError(
                f"the YAML text holds a {type(data).__name__} ({_short(data)}), not a mapping; "
                "a config must map keys to values, e.g. 'MODEL:\\n  TYPE: resnet'"
            )
        return cls(data)

    @classmethod
    def _load_cfg_py_source(cls: Type[_T], filename: str) -> _T:
        module = _load_module_from_file("hyperparameter.cfgnode.override", filename)
        if not hasattr(module, "cfg"):
            raise ConfigAssertionError(
                f"Python config file {filename!r} must define a variable named 'cfg' "
                "(a dict or a CfgNode)"
            )
        if not isinstance(module.cfg, dict):
            raise ConfigAssertionError(
                f"'cfg' in Python config file {filename!r} must be a dict or a CfgNode, "
                f"not {type(module.cfg).__name__}"
            )
        return cls(module.cfg)

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


_configure_class(CfgNode)

_PATH_SET = CfgNode.__dict__["_hp_path"].__set__
_PATH_GET = CfgNode.__dict__["_hp_path"].__get__
_KIDS_SET = CfgNode.__dict__["_hp_kids"].__set__
_KIDS_GET = CfgNode.__dict__["_hp_kids"].__get__

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


def _kids(node: CfgNode) -> Tuple[CfgNode, ...]:
    """Return the child nodes of ``node`` (cached until the next change of ``node``)."""
    try:
        kids = _KIDS_GET(node)
    except AttributeError:  # built without __init__
        kids = None
    if kids is None:
        kids = tuple(value for value in dict.values(node) if isinstance(value, CfgNode))
        _KIDS_SET(node, kids)
    return kids


def _raw_set(node: CfgNode, key: Any, value: Any) -> None:
    """Set ``key`` without the frozen check, keeping the mirror, the child cache and paths."""
    dict.__setitem__(node, key, value)
    if key.__class__ is str and key not in type(node)._hp_nomirror:
        node.__dict__[key] = value
    _KIDS_SET(node, None)
    if isinstance(value, CfgNode):
        _adopt(node, key, value)


def _raw_del(node: CfgNode, key: Any) -> None:
    dict.__delitem__(node, key)
    _unmirror(node, key)


def _unmirror(node: CfgNode, key: Any) -> None:
    _KIDS_SET(node, None)
    if key.__class__ is str and key not in type(node)._hp_nomirror:
        node.__dict__.pop(key, None)


def _adopt(parent: CfgNode, key: Any, child: CfgNode) -> None:
    """Record the paths of ``child`` and its subtree, now placed under ``parent[key]``."""
    stack = [(child, (*_path_of(parent), str(key)))]
    seen: Set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        _PATH_SET(node, path)
        for sub_key, value in dict.items(node):
            if isinstance(value, CfgNode):
                stack.append((value, (*path, str(sub_key))))


def _check_mutable(node: CfgNode, action: str) -> None:
    if node.__dict__.get(_IMMUTABLE):
        raise _frozen_error(node, f"{action} CfgNode {_where(node)}")


def _logged_set(node: Any, key: Any, value: Any, log: List[Tuple[Any, Any, Any]]) -> None:
    """Set ``node[key]``, first recording the old value so that a failed merge can undo it."""
    log.append((node, key, dict.get(node, key, _MISSING)))
    node[key] = value


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


def _to_plain(node: Any, key_list: List[Any]) -> Any:
    """Return ``node`` as nested plain dicts, checking every leaf type (for ``dump``)."""
    if not isinstance(node, CfgNode):
        if type(node) not in _VALID_TYPES:
            raise _invalid_type_error(_join(key_list), node, allow_node=False)
        return node
    return {key: _to_plain(value, [*key_list, key]) for key, value in dict.items(node)}


def _load_module_from_file(name: str, filename: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, filename)
    if spec is None or spec.loader is None:
        raise ConfigFileError(f"cannot import Python config file {filename!r}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- errors, built only when raising ----------------------------------------------------------


def _missing_key_message(node: Any, name: str) -> str:
    if name.startswith("__") and name.endswith("__"):
        return f"{type(node).__name__} object has no attribute {name!r}"
    path = _path_of(node)
    prefix = _join(path) + "." if path else ""
    keys = [f"{prefix}{key}" for key in dict.keys(node) if isinstance(key, str)]
    hint = did_you_mean(prefix + name, keys)
    if not hint:
        shown = ", ".join(repr(k) for k in sorted(keys)[:10]) or "none"
        hint = f"; keys here: {shown}"
    return f"CfgNode has no key {prefix + name!r}{hint}"


def _missing_key_error(node: Any, name: str) -> ConfigAttributeError:
    return ConfigAttributeError(name, lambda: _missing_key_message(node, name))


def _frozen_error(node: Any, action: str) -> FrozenConfigError:
    return FrozenConfigError(
        f"cannot {action}: the CfgNode is frozen (immutable); "
        "call defrost() first, or change a clone()"
    )


def _invalid_type_error(full_key: str, value: Any, *, allow_node: bool) -> ConfigAssertionError:
    also = " or a CfgNode" if allow_node else ""
    return ConfigAssertionError(
        f"invalid type {type(value).__name__} for config key {full_key!r} (value "
        f"{_short(value)}); valid types: {_type_names()}{also}; convert the value, or add "
        "its type to hyperparameter.cfgnode._VALID_TYPES"
    )


def _unknown_item_error(node: Any, key: Any) -> ConfigKeyError:
    path = _path_of(node)
    prefix = _join(path) + "." if path else ""
    keys = [f"{prefix}{k}" for k in dict.keys(node) if isinstance(k, str)]
    hint = did_you_mean(prefix + str(key), keys) if isinstance(key, str) else ""
    return ConfigKeyError(f"CfgNode has no key {prefix + str(key)!r}{hint}")


def _unknown_key_message(root: Any, full_key: str) -> str:
    hint = did_you_mean(full_key, _all_keys(root))
    if full_key.split(".")[0] == _BASE_KEY:
        hint += f"; to read {_BASE_KEY} files use merge_from_file(path, allow_base=True)"
    return f"{full_key!r}{hint}"


def _unknown_list_key_error(
    root: Any, full_key: str, parts: List[str], depth: int, node: Any
) -> ConfigAssertionError:
    if not isinstance(node, dict):
        where = _join(parts[:depth])
        return ConfigAssertionError(
            f"Non-existent key: {full_key!r}: {where!r} is a value ({_short(node)}), not a "
            "CfgNode, so it has no sub-keys"
        )
    return ConfigAssertionError(f"Non-existent key: {_unknown_key_message(root, full_key)}")


# --- module-level functions that YACS extensions import ---------------------------------------


def _valid_type(value: Any, allow_cfg_node: bool = False) -> bool:
    """Return whether ``value`` may be stored in a node (its type is in ``_VALID_TYPES``)."""
    return (type(value) in _VALID_TYPES) or (allow_cfg_node and isinstance(value, CfgNode))


def _assert_with_logging(cond: Any, msg: str) -> None:
    """Raise :class:`ConfigAssertionError` with ``msg`` (also logged) unless ``cond`` holds.

    Unlike ``assert`` it still checks under ``python -O``.
    """
    if not cond:
        logger.debug(msg)
        raise ConfigAssertionError(msg)


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
    raise ConfigTypeError(
        f"Type mismatch for config key {full_key!r}: the current value {_short(original)} is "
        f"{original_type.__name__} but the new value {_short(replacement)} is "
        f"{replacement_type.__name__}; give a {original_type.__name__} (lists and tuples "
        "convert into each other, ints into floats, and None replaces or is replaced by any "
        "valid type)"
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
        raise ConfigAssertionError(
            f"can only merge a CfgNode, got {type(a).__name__} for {_join(key_list) or 'the root'}"
        )
    if not isinstance(b, CfgNode):
        raise ConfigAssertionError(
            f"can only merge into a CfgNode, got {type(b).__name__} at "
            f"{_join(key_list) or 'the root'}"
        )
    for key, raw in a.items():
        full_key = _join([*key_list, key])
        value = b._decode_cfg_value(raw if type(raw) in _ATOMIC else copy.deepcopy(raw))
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
