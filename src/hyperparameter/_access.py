"""``hp.scope``: the root that reads keys and builds scopes, accessors, and scope objects.

``hp.scope.a.b`` is an :class:`Accessor` for key ``a.b``; ``| default``,
``(default)`` and ``()`` read it. ``hp.scope(...)`` builds a :class:`Scope`.
None of these objects has a public attribute: every name is a parameter
(their own state lives under dunder names, which are never keys).

Two implementations of the hot paths (reads, attribute chains, scope entry and
exit) share this module: the compiled accelerator ``_speedups.c``, when it was
built, and the pure-Python bases ``_PyAccessor``, ``_PyScope`` and ``_PyRoot``
below. The public classes add the same methods to either base; the
accelerator keeps its state in the same ContextVar, layers and records and
calls the same Python functions on every rare path, so both behave alike.
``HYPERPARAMETER_PURE_PYTHON=1`` (any value but empty or ``0``) forces the pure-Python
one; :data:`IMPLEMENTATION` says which one runs.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Tuple

from . import _registry, _scope
from ._keys import _VALID, did_you_mean, validate_key
from ._refusals import is_dunder, not_a_value, refuse_value_uses
from ._scope import Layer, lookup, missing_key_error, new_layer, record_read
from ._scope_args import build_layer, checked_kwargs
from ._source import Source
from ._values import MISSING, Text, resolve
from .errors import MissingKeyError

__all__ = ["Accessor", "Scope", "enter_layer", "scope"]

_getframe = sys._getframe
_stack_set = _scope._stack.set
_stack_get = _scope._stack.get
_stack_reset = _scope._stack.reset
_reads = _scope._reads
_speedups: Any = None
_SPEEDUPS_ABI = 2  # the contract with _speedups.c (its ABI constant)
if os.environ.get("HYPERPARAMETER_PURE_PYTHON", "") in ("", "0"):
    try:
        from . import _speedups
    except ImportError:  # not built (no compiler at install time): the pure-Python one runs
        _speedups = None
    if _speedups is not None and getattr(_speedups, "ABI", None) != _SPEEDUPS_ABI:
        _speedups = None  # a stale build of an older source: not used

IMPLEMENTATION = "python" if _speedups is None else "compiled"
"""Which implementation of the hot paths runs: ``"compiled"`` or ``"python"``."""

# The baseline's dict for the pure-Python reads, a global of this module (one global
# load), kept current by _scope, which replaces the baseline as a whole. (The compiled
# reads take _scope._baseline_params.)
_baseline: Dict[str, Any] = _scope._baseline.params


def _follow_baseline(layer: Layer) -> None:
    global _baseline
    _baseline = layer.params


if _speedups is None:
    _scope._baseline_followers.append(_follow_baseline)


class _PyChildren:
    """Pure Python: a name not found on the object makes (and caches) a child accessor.

    (Compiled, the same hook is the C ``tp_getattro`` of each base type.)
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Accessor:
        return self.__hp_child__(name)


def _read(self: Any, default: Any = MISSING) -> Any:
    """The pure-Python read of an accessor whose key is in the read records."""
    key = self.__hp_key__
    for params in _stack_get()[0]:
        if key in params:
            value = params[key]
            break
    else:
        if key not in _baseline:
            if default is MISSING:
                raise missing_key_error(key)
            return default
        value = _baseline[key]
    # int first: a common value type, which needs the default's type only; then Text.
    cls = type(value)
    if cls is int:
        if type(default) is float:
            return resolve(value, default, key)
        return value
    if cls is Text:
        return resolve(value, default, key)
    return value


# Pure-Python accessors whose reads skip the record check (see _PyAccessor.__or__).
_skipping: weakref.WeakSet[Any] = weakref.WeakSet()


def _check_again() -> None:
    """The read records were emptied: every accessor records its next read again."""
    for accessor in list(_skipping):
        object.__setattr__(accessor, "__class__", Accessor)
    _skipping.clear()


class _PyAccessor(_PyChildren):
    """The pure-Python reads of an accessor: the base of :class:`Accessor` when not compiled."""

    __slots__ = ("__dict__", "__hp_key__", "__hp_layer__", "__weakref__")
    __hp_key__: str
    __hp_layer__: Optional[Layer]

    def __init__(self, key: str, layer: Optional[Layer] = None) -> None:
        object.__setattr__(self, "__hp_key__", key)
        object.__setattr__(self, "__hp_layer__", layer)

    def __or__(self, default: Any = MISSING) -> Any:
        # Until its key is in the read records, an accessor records each read. Once it
        # is, the accessor becomes a _RecordedAccessor, whose reads skip the check
        # (a dict probe, about a tenth of a read), until the records are emptied.
        key = self.__hp_key__
        if key not in _reads:
            record_read(key, default)
        if key in _reads and type(self) is Accessor:
            object.__setattr__(self, "__class__", _RecordedAccessor)
            _skipping.add(self)
        return _read(self, default)

    # One function for `| d`, `(d)` and `()`: the call form costs no second frame.
    __call__ = __or__


if TYPE_CHECKING or _speedups is None:
    _AccessorBase = _PyAccessor
else:
    _AccessorBase = _speedups.AccessorBase


class Accessor(_AccessorBase):
    """A handle on one key: ``| default``, ``(default)`` and ``()`` read it.

    Accessors are immutable values: ``opt = hp.scope.optimizer`` can be kept
    and used later. Child accessors are cached in the instance ``__dict__`` so a
    repeated ``hp.scope.a.b`` is plain attribute lookup. Comparing, formatting
    or testing an accessor is a ``TypeError``: it is not the value.
    """

    __slots__ = ()

    # children --------------------------------------------------------------
    def __hp_child__(self, name: str) -> Accessor:
        # Called for a name not found: make the child accessor and cache it.
        if is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(self.__hp_key__ + "." + name), self.__hp_layer__)
        self.__dict__[name] = child
        return child

    def __getitem__(self, name: str) -> Accessor:
        if not isinstance(name, str):
            raise not_a_value(self.__hp_key__, f"indexed with {name!r}")
        return Accessor(validate_key(self.__hp_key__ + "." + name), self.__hp_layer__)

    # writes ----------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        _scope.write(self.__hp_layer__, self.__hp_key__ + "." + name, value)

    def __setitem__(self, name: str, value: Any) -> None:
        _scope.write(self.__hp_layer__, self.__hp_key__ + "." + name, value)

    def __delattr__(self, name: str) -> None:
        raise TypeError(
            f"cannot delete parameter {self.__hp_key__ + '.' + name!r} through an accessor; "
            "leave the scope that set it instead"
        )

    # not a value: every way of using an accessor as one raises (see _refusals);
    # the class still hashes by identity, as objects do.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        value = lookup(self.__hp_key__)
        shown = "<not set>" if value is MISSING else repr(value)
        return f"<parameter {self.__hp_key__!r}: {shown}>"

    def __copy__(self) -> Accessor:
        return self

    def __deepcopy__(self, memo: Any) -> Accessor:
        return self

    def __reduce__(self) -> Any:
        if self.__hp_layer__ is not None:
            # The write target (a live scope) cannot travel; the key can.
            raise TypeError(
                f"cannot pickle the accessor for {self.__hp_key__!r} bound to a scope object; "
                f"pickle hp.scope[{self.__hp_key__!r}] or the scope itself instead"
            )
        return (_root_accessor, (self.__hp_key__,))

    def __dir__(self) -> Iterable[str]:
        prefix = self.__hp_key__ + "."
        return sorted(
            {k[len(prefix):].split(".")[0] for k in _scope.effective() if k.startswith(prefix)}
        )


refuse_value_uses(Accessor)


class _RecordedAccessor(Accessor):
    """Pure Python: an accessor whose key is in the read records; its reads skip the check."""

    __slots__ = ()
    __or__ = __call__ = _read


# Errors that name the type (hp.scope.a + 1) say "Accessor" either way.
_RecordedAccessor.__name__ = _RecordedAccessor.__qualname__ = "Accessor"


if _speedups is None:
    _registry._reads_emptied.append(_check_again)


def _root_accessor(key: str) -> Accessor:
    return scope[key]


# --------------------------------------------------------------------------- scope objects


class _PyScope(_PyChildren):
    """The pure-Python entry and exit of a scope: the base of :class:`Scope` when not compiled."""

    __slots__ = ("__dict__", "__hp_layer__")
    __hp_layer__: Layer

    def __init__(self, layer: Layer) -> None:
        object.__setattr__(self, "__hp_layer__", layer)

    def __enter__(self) -> Scope:
        layer = self.__hp_layer__
        stack = _stack_get()
        # _scope.pushed(layer, stack) written out: a call is a measurable part of an entry.
        layer.tokens.append(_stack_set(((layer.params, *stack[0]), layer, stack)))
        return self  # type: ignore[return-value]

    # Named parameters, not *exc: the with statement passes three, and packing them
    # into a tuple is a measurable part of an exit.
    def __exit__(self, exc_type: Any = None, exc: Any = None, tb: Any = None) -> None:
        layer = self.__hp_layer__
        stack = _stack_get()
        tokens = layer.tokens
        try:
            token = tokens[-1]
            _stack_reset(token)
            # remove(token), not pop(): another thread may have appended its own token since.
            tokens.remove(token)
        except (IndexError, ValueError, RuntimeError):
            return _exit_slow(self, stack, _getframe(1), True)  # type: ignore[arg-type]
        if stack[1] is layer:
            # The reset put back the stack of our entry: the stack beneath our layer,
            # unless an enclosing scope exited out of order meanwhile (and was removed
            # from beneath it).
            below = stack[2]
            if _stack_get() is not below:
                _stack_set(below)
            return None
        _scope.remove_out_of_order(layer, stack)


def _exit_slow(scope: Scope, stack: _scope.Stack, caller: Any, foreign: bool) -> None:
    """Finish ``Scope.__exit__`` for an entry made elsewhere or a stack out of order."""
    layer = scope.__hp_layer__
    if foreign:
        _scope.exit_foreign(layer, caller, scope._adopt)
        if stack[1] is layer:
            _stack_set(stack[2])
            return
    _scope.remove_out_of_order(layer, stack)


if TYPE_CHECKING or _speedups is None:
    _ScopeBase = _PyScope
else:
    _ScopeBase = _speedups.ScopeBase


class Scope(_ScopeBase):
    """A set of parameter overrides that is in force inside a ``with`` block.

    Build one with ``hp.scope(...)``. Entering pushes its layer on the stack of
    the current thread or asyncio task; leaving (normally or by an exception)
    removes exactly that layer, restoring what was in force before. Threads
    started inside the block do not see it (they start from the baseline);
    asyncio tasks created inside it do. ``ps.a.b = 1`` and ``ps["a.b"] = 1``
    write into this scope's layer.
    """

    __slots__ = ()

    def _adopt(self, layer: Layer) -> None:
        object.__setattr__(self, "__hp_layer__", layer)
        self.__dict__.clear()  # cached accessors wrote into the old layer

    # reads and writes through the scope object ----------------------------
    def __hp_child__(self, name: str) -> Accessor:
        if is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(name), self.__hp_layer__)
        self.__dict__[name] = child
        return child

    def __getitem__(self, key: str) -> Accessor:
        return Accessor(validate_key(key), self.__hp_layer__)

    def __setattr__(self, name: str, value: Any) -> None:
        _scope.write(self.__hp_layer__, name, value)

    def __setitem__(self, key: str, value: Any) -> None:
        _scope.write(self.__hp_layer__, key, value)

    def __delitem__(self, key: str) -> None:
        layer = self.__hp_layer__
        key = validate_key(key)
        if key not in layer.params:
            raise MissingKeyError(
                f"this scope does not set {key!r}{did_you_mean(key, layer.params)}; "
                "only keys a scope sets can be removed from it"
            )
        del layer.params[key]

    def __contains__(self, key: object) -> bool:
        return key in self.__hp_layer__.params

    def __repr__(self) -> str:
        layer = self.__hp_layer__
        return f"<hp.scope {layer.origin_text()}: {dict(layer.params)!r}>"

    def __copy__(self) -> Scope:
        layer = self.__hp_layer__
        return Scope(new_layer(layer.params, layer.origin, dict(layer.sources or {})))

    def __deepcopy__(self, memo: Any) -> Scope:
        import copy

        layer = self.__hp_layer__
        return Scope(new_layer(copy.deepcopy(dict(layer.params), memo), layer.origin,
                               dict(layer.sources or {})))

    def __reduce__(self) -> Any:
        # A scope travels as its values; the copy is not active anywhere.
        return (Scope, (self.__hp_layer__,))


_new_scope = object.__new__
_set_scope_layer = _PyScope.__dict__["__hp_layer__"].__set__


def _build_scope(args: Tuple[Any, ...], kwargs: Optional[Dict[str, Any]],
                 origin: Tuple[Any, int]) -> Scope:
    """Return the scope of ``hp.scope(*args, **kwargs)`` with positional arguments."""
    return Scope(build_layer(args, kwargs or {}, origin))


def _py_new_scope(*args: Any, **kwargs: Any) -> Scope:
    """The pure-Python ``hp.scope(...)``: build the scope of its arguments."""
    frame = _getframe(1)
    code = frame.f_code
    if code.co_flags & 0x200:  # CO_ASYNC_GENERATOR
        _scope.check_scope_site(frame)
    origin = (code, frame.f_lasti)
    if args:
        return _build_scope(args, kwargs, origin)
    # The common case, hp.scope(**overrides): kwargs is already a fresh dict, the layer
    # keeps it. This is _scope.new_layer written out (a call is a measurable part of a
    # scope's entry).
    layer = Layer()
    layer.params = kwargs if _VALID.issuperset(kwargs) else checked_kwargs(kwargs)
    layer.origin = origin
    layer.sources = None
    layer.tokens = []
    layer._origin_source = None
    made = _new_scope(Scope)
    _set_scope_layer(made, layer)
    return made


class _PyRoot(_PyChildren):
    """The pure-Python ``hp.scope(...)`` (the base of ``_ScopeRoot`` without the accelerator)."""

    __slots__ = ("__dict__", "__hp_items__")
    __hp_items__: Dict[str, Accessor]

    def __init__(self) -> None:
        object.__setattr__(self, "__hp_items__", {})

    # A static method: calling hp.scope binds no method object and passes no self,
    # which the scope does not need (a fifth of the cost of building one).
    __call__ = staticmethod(_py_new_scope)


if TYPE_CHECKING or _speedups is None:
    _RootBase = _PyRoot
else:
    _RootBase = _speedups.RootBase


class _ScopeRoot(_RootBase):
    """The type of ``hp.scope``: call it to build a scope, read keys from it.

    It has no public attributes, so every name (``hp.scope.keys``,
    ``hp.scope.update``, ``hp.scope.frozen``) is a parameter.
    """

    __slots__ = ()

    def __hp_child__(self, name: str) -> Accessor:
        if is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(name))
        self.__dict__[name] = child
        return child

    def __getitem__(self, key: str) -> Accessor:
        items = self.__hp_items__
        try:
            return items[key]
        except KeyError:
            pass
        accessor = Accessor(validate_key(key))
        if len(items) >= 4096:
            items.clear()  # f-string keys without end: keep the cache bounded
        items[key] = accessor
        return accessor

    def __setattr__(self, name: str, value: Any) -> None:
        _scope.write(None, name, value)

    def __setitem__(self, key: str, value: Any) -> None:
        _scope.write(None, key, value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and lookup(validate_key(key)) is not MISSING

    def __repr__(self) -> str:
        return "<hp.scope>"

    def __copy__(self) -> _ScopeRoot:
        return self

    def __deepcopy__(self, memo: Any) -> _ScopeRoot:
        return self

    def __reduce__(self) -> str:
        return "scope"


scope = _ScopeRoot()
"""Read parameters (``hp.scope.a.b | default``) and build scopes (``hp.scope(**overrides)``)."""

if _speedups is not None:
    _speedups.setup({
        "stack": _scope._stack, "scope_globals": _scope.__dict__, "reads": _reads,
        "record_read": record_read, "missing_key_error": missing_key_error,
        "resolve": resolve, "Text": Text, "MISSING": MISSING, "valid_keys": _VALID,
        "checked_kwargs": checked_kwargs, "build_scope": _build_scope,
        "check_scope_site": _scope.check_scope_site, "exit_slow": _exit_slow,
        "Layer": Layer, "Scope": Scope,
    })


def enter_layer(
    values: Dict[str, Any], origin: Any, sources: Optional[Dict[str, Source]] = None
) -> Scope:
    """Return a scope over already-validated ``values`` (for the command line and ``bind``)."""
    return Scope(new_layer(values, origin, sources))
