"""The scope engine: layers, the baseline, accessors.

Where parameters live
---------------------
A *layer* is a dict from dotted key to value. The layers in force for the
running code are a tuple held in one module-level ``ContextVar`` (innermost
first), so every thread and every asyncio task has its own stack: a new thread
starts with an empty stack, a new task starts with the stack of the code that
created it, and a ``with`` block replaces the tuple on entry and removes its
own layer on exit. Beneath every stack lies the process-wide *baseline*, one
layer that :func:`frozen` replaces atomically.

A read walks the stack innermost-first and then the baseline; it copies
nothing. Entering a scope costs one tuple of the current depth plus the keys it
sets, whatever the number of keys already in effect.
"""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar, Token
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from ._keys import _VALID, did_you_mean, split_assignment, validate_key
from ._values import MISSING, Text, convert_text, resolve
from .errors import ConversionError, MissingKeyError, ScopeError, ScopeWriteError

__all__ = [
    "ENV_VAR",
    "Accessor",
    "Scope",
    "current_layers",
    "effective",
    "frozen",
    "scope",
    "subprocess_env",
]

ENV_VAR = "HYPERPARAMETER_PARAMS"


class _Layer(dict):
    """One layer of parameters, with where its values came from.

    ``origin`` names the layer as a whole (``hp.scope(...) at train.py:12``);
    ``sources`` overrides it for single keys (``-D train.lr=0.1``, a file line).
    """

    __slots__ = ("origin", "shadowed", "sources", "tokens")

    # No __init__: dict's own constructor keeps scope entry cheap; use _new_layer.
    # ``shadowed`` (set only by the command line) keeps, per key, the values this
    # layer merged over, so ``hp.explain`` can show a -D value over a file value.
    origin: Any
    sources: Optional[Dict[str, str]]
    shadowed: Dict[str, List[Tuple[Any, str]]]
    # One ContextVar token per active entry of the scope that owns this layer.
    tokens: List[Token[Tuple[_Layer, ...]]]

    def origin_text(self) -> str:
        """Return the layer-wide origin as text."""
        origin = self.origin
        if isinstance(origin, tuple):
            return f"with hp.scope(...) at {_location(origin)}"
        return str(origin)

    def source_of(self, key: str) -> str:
        """Return where this layer's value for ``key`` came from."""
        if self.sources is not None and key in self.sources:
            return self.sources[key]
        return self.origin_text()

    def set_source(self, key: str, source: str) -> None:
        """Record that ``key`` was written from ``source``."""
        if self.sources is None:
            self.sources = {}
        self.sources[key] = source

    def __reduce__(self) -> Any:
        return (_new_layer, (dict(self), self.origin_text(), self.sources))


def _new_layer(
    values: Any = (), origin: Any = "", sources: Optional[Dict[str, str]] = None
) -> _Layer:
    """Return a layer holding ``values`` (keys already validated)."""
    layer = _Layer(values)
    layer.origin = origin
    layer.sources = sources
    layer.tokens = []
    return layer


_EMPTY: Tuple[_Layer, ...] = ()
_stack: ContextVar[Tuple[_Layer, ...]] = ContextVar("hyperparameter.layers", default=_EMPTY)
layers_in_force = _stack.get
_getframe = sys._getframe

# The baseline is replaced as a whole, never mutated after publication, so a
# reader sees either the old or the new one, never a mix of both.
_baseline: _Layer = _new_layer(origin="baseline")

# Keys read so far, with the default given at the read (MISSING for `()`).
# One dict store per read keeps `hp.report()` possible without slowing reads.
_reads: Dict[str, Any] = {}

# Keys bound by @hp.param: key -> (signature default or MISSING, function name).
_declared: Dict[str, Tuple[Any, str]] = {}


def declare(key: str, default: Any, fn: Callable[..., Any]) -> None:
    """Record that ``fn`` binds ``key`` (for reports and "did you mean")."""
    _declared[key] = (default, _callable_name(fn))


def declared() -> Dict[str, Tuple[Any, str]]:
    """Return the keys bound by ``@hp.param`` so far."""
    return dict(_declared)


def _location(origin: Tuple[Any, int]) -> str:
    """Return ``file:line`` for a (code object, last instruction offset) pair.

    Scopes record that pair when created: ``frame.f_lineno`` costs several
    times more than the rest of a scope entry, and most origins are never shown.
    """
    import dis

    code, lasti = origin
    line = code.co_firstlineno
    for offset, lineno in dis.findlinestarts(code):
        if offset > lasti:
            break
        if lineno is not None:
            line = lineno
    return f"{code.co_filename}:{line}"


def _where(depth: int = 3) -> str:
    """Return ``file:line`` of the code ``depth`` frames up."""
    frame = sys._getframe(depth - 1)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# --------------------------------------------------------------------------- reading


def lookup(key: str) -> Any:
    """Return the stored value of ``key`` (maybe :class:`Text`), or ``MISSING``."""
    for layer in _stack.get():
        if key in layer:
            return layer[key]
    return _baseline.get(key, MISSING)


def current_layers() -> List[_Layer]:
    """Return the layers in force, innermost first, ending with the baseline."""
    return [*_stack.get(), _baseline]


def effective() -> Dict[str, Any]:
    """Return a new dict of every parameter in force (stored values, text kept as Text)."""
    merged: Dict[str, Any] = dict(_baseline)
    for layer in reversed(_stack.get()):
        merged.update(layer)
    return merged


def effective_sources() -> Dict[str, str]:
    """Return, for each parameter in force, where its value came from."""
    sources: Dict[str, str] = {}
    for layer in reversed(current_layers()):
        for key in layer:
            sources[key] = layer.source_of(key)
    return sources


def _defined_keys() -> Iterator[str]:
    seen = set()
    for layer in current_layers():
        for key in layer:
            if key not in seen:
                seen.add(key)
                yield key


def missing_key_error(key: str) -> MissingKeyError:
    """Build the error for a required read of an undefined ``key``."""
    hint = did_you_mean(key, _defined_keys())
    return MissingKeyError(
        f"parameter {key!r} is not set in any scope or the baseline{hint or '.'} "
        f"Set it (with hp.scope(**{{{key!r}: ...}}) or -D {key}=...) "
        f"or read it with a default: hp.scope[{key!r}] | default"
    )


# --------------------------------------------------------------------------- writing


def _write(layer: Optional[_Layer], key: str, value: Any) -> None:
    validate_key(key)
    if layer is None:
        layers = _stack.get()
        if not layers:
            raise ScopeWriteError(
                f"cannot set {key!r} = {value!r}: no scope is active in this thread or task. "
                f"Open one first (with hp.scope() as ps: ps[{key!r}] = ...), "
                "or publish process-wide values with hp.frozen() inside a scope"
            )
        layer = layers[0]
    layer[key] = value
    layer.set_source(key, f"assignment at {_where(4)}")


# --------------------------------------------------------------------------- accessors

# Attribute names with this shape are Python protocol probes (copy, pickle,
# numpy, IPython ...), never parameter names: they must fail like on any object.
def _is_dunder(name: str) -> bool:
    return name[:2] == "__" and name[-2:] == "__"


class Accessor:
    """A handle on one key: ``| default``, ``(default)`` and ``()`` read it.

    Accessors are immutable values: ``opt = hp.scope.optimizer`` can be kept
    and used later. Child accessors are cached in the instance ``__dict__`` so a
    repeated ``hp.scope.a.b`` is plain attribute lookup.
    """

    __slots__ = ("__dict__", "_hp_key", "_hp_layer")
    _hp_key: str
    _hp_layer: Optional[_Layer]

    def __init__(self, key: str, layer: Optional[_Layer] = None) -> None:
        object.__setattr__(self, "_hp_key", key)
        object.__setattr__(self, "_hp_layer", layer)

    # reads -----------------------------------------------------------------
    def __or__(self, default: Any) -> Any:
        key = self._hp_key
        _reads[key] = default
        for layer in layers_in_force():
            if key in layer:
                value = layer[key]
                break
        else:
            value = _baseline.get(key, MISSING)
            if value is MISSING:
                return default
        cls = value.__class__
        if cls is Text or (cls is int and default.__class__ is float):
            return resolve(value, default, key)
        return value

    def __call__(self, default: Any = MISSING) -> Any:
        if default is not MISSING:
            return self.__or__(default)
        key = self._hp_key
        _reads[key] = MISSING
        value = lookup(key)
        if value is MISSING:
            raise missing_key_error(key)
        return resolve(value, MISSING, key)

    # children --------------------------------------------------------------
    def __getattr__(self, name: str) -> Accessor:
        if _is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(self._hp_key + "." + name), self._hp_layer)
        self.__dict__[name] = child
        return child

    def __getitem__(self, name: str) -> Accessor:
        return Accessor(validate_key(self._hp_key + "." + name), self._hp_layer)

    # writes ----------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        _write(self._hp_layer, self._hp_key + "." + name, value)

    def __setitem__(self, name: str, value: Any) -> None:
        _write(self._hp_layer, self._hp_key + "." + name, value)

    def __delattr__(self, name: str) -> None:
        raise TypeError(
            f"cannot delete parameter {self._hp_key + '.' + name!r} through an accessor; "
            "leave the scope that set it instead"
        )

    # values ----------------------------------------------------------------
    def __bool__(self) -> bool:
        key = self._hp_key
        raise TypeError(
            f"hp.scope.{key} is an accessor, not a value: read it with "
            f"hp.scope.{key} | default, hp.scope.{key}(default) or hp.scope.{key}()"
        )

    def __repr__(self) -> str:
        value = lookup(self._hp_key)
        shown = "<not set>" if value is MISSING else repr(value)
        return f"<parameter {self._hp_key!r}: {shown}>"

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Accessor
            and other._hp_key == self._hp_key
            and other._hp_layer is self._hp_layer
        )

    def __hash__(self) -> int:
        return hash(self._hp_key)

    def __copy__(self) -> Accessor:
        return self

    def __deepcopy__(self, memo: Any) -> Accessor:
        return self

    def __reduce__(self) -> Any:
        if self._hp_layer is not None:
            # The write target (a live scope) cannot travel; the key can.
            raise TypeError(
                f"cannot pickle the accessor for {self._hp_key!r} bound to a scope object; "
                f"pickle hp.scope[{self._hp_key!r}] or the scope itself instead"
            )
        return (_root_accessor, (self._hp_key,))

    def __dir__(self) -> Iterable[str]:
        prefix = self._hp_key + "."
        return sorted({k[len(prefix):].split(".")[0] for k in effective() if k.startswith(prefix)})


def _root_accessor(key: str) -> Accessor:
    return scope[key]


# --------------------------------------------------------------------------- scopes


def _flatten(mapping: Mapping[str, Any], prefix: str, out: Dict[str, Any], where: str) -> None:
    for name, value in mapping.items():
        if not isinstance(name, str):
            raise TypeError(
                f"parameter names must be str, got {name!r} ({type(name).__name__}) "
                f"under {prefix.rstrip('.') or 'the top level'!r}"
            )
        key = validate_key(prefix + name, where)
        if isinstance(value, Mapping):
            _flatten(value, key + ".", out, where)
        else:
            out[key] = value


def _layer_from(args: Tuple[Any, ...], kwargs: Dict[str, Any], origin: Tuple[Any, int]) -> _Layer:
    layer = _new_layer(origin=origin)
    sources: Optional[Dict[str, str]] = None
    location = _location(origin)
    for arg in args:
        if isinstance(arg, str):
            where = f"hp.scope({arg!r}) at {location}"
            key, text = split_assignment(arg, where)
            layer[key] = Text(text, where)
            if sources is None:
                sources = {}
            sources[key] = where
        elif isinstance(arg, Mapping):
            flat: Dict[str, Any] = {}
            _flatten(arg, "", flat, f"hp.scope(...) at {location}")
            layer.update(flat)
            if sources is not None:
                for key in flat:
                    sources.pop(key, None)
        elif isinstance(arg, (list, tuple)):
            nested = _layer_from(tuple(arg), {}, origin)
            layer.update(nested)
            if nested.sources:
                sources = {**(sources or {}), **nested.sources}
        else:
            raise TypeError(
                f"hp.scope() takes 'key=value' strings, mappings (dicts, CfgNode) and "
                f"keyword arguments; got {arg!r} ({type(arg).__name__})"
            )
    if not _VALID.issuperset(kwargs):
        for key in kwargs:
            validate_key(key)
    layer.update(kwargs)
    if sources is not None:
        for key in kwargs:
            sources.pop(key, None)
        layer.sources = sources
    return layer


def _describe_stack(layers: Tuple[_Layer, ...]) -> str:
    return ", ".join(layer.origin_text() for layer in layers) or "no scope"


class Scope:
    """A set of parameter overrides that is in force inside a ``with`` block.

    Build one with ``hp.scope(...)``. Entering pushes its layer on the stack of
    the current thread or asyncio task; leaving (normally or by an exception)
    removes exactly that layer, restoring what was in force before. Threads
    started inside the block do not see it (they start from the baseline);
    asyncio tasks created inside it do. ``ps.a.b = 1`` and ``ps["a.b"] = 1``
    write into this scope's layer.
    """

    __slots__ = ("__dict__", "_hp_layer")
    _hp_layer: _Layer

    def __init__(self, layer: _Layer) -> None:
        object.__setattr__(self, "_hp_layer", layer)

    def __enter__(self) -> Scope:
        layer = self._hp_layer
        layer.tokens.append(_stack.set((layer, *layers_in_force())))
        return self

    def __exit__(self, *exc: Any) -> None:
        layer = self._hp_layer
        layers = _stack.get()
        # The ContextVar token knows which thread/task context made it: resetting
        # it elsewhere fails, which tells a foreign exit from ours.
        tokens = layer.tokens
        try:
            token = tokens[-1]
            _stack.reset(token)
            # remove(token), not pop(): another thread may have appended its own token since.
            tokens.remove(token)
        except (IndexError, ValueError, RuntimeError):
            self._reset_other_token()
        if layers and layers[0] is layer:
            _stack.set(layers[1:])
            return
        self._remove_out_of_order(layers)

    def _reset_other_token(self) -> None:
        # Entered more than once (in several threads or tasks): find our entry.
        tokens = self._hp_layer.tokens
        # Scan a copy and remove by identity: other threads append and remove concurrently.
        for token in reversed(list(tokens)):
            try:
                _stack.reset(token)
            except (ValueError, RuntimeError):
                continue
            tokens.remove(token)
            return
        raise ScopeError(
            f"scope {self._hp_layer.origin_text()} is not active in this thread or asyncio "
            "task: it was entered in another one (or exited already). Exit a scope in the "
            "thread or task that entered it; nothing was changed"
        )

    def _remove_out_of_order(self, layers: Tuple[_Layer, ...]) -> None:
        layer = self._hp_layer
        for index, candidate in enumerate(layers):
            if candidate is layer:
                # Out of order (e.g. interleaved generators): remove only our
                # layer so the stack stays consistent, then say what happened.
                _stack.set(layers[:index] + layers[index + 1:])
                raise ScopeError(
                    f"scope {layer.origin_text()} was exited while inner scope(s) "
                    f"{_describe_stack(layers[:index])} were still open. Its own values were "
                    "removed and the inner scopes stay in force until they exit. Exit scopes "
                    "in the reverse order of entry (a generator that yields inside a "
                    "`with hp.scope(...)` block keeps it open while suspended)."
                )
        _stack.set(layers)  # pragma: no cover - our token was valid, so our layer is here

    # reads and writes through the scope object ----------------------------
    def __getattr__(self, name: str) -> Accessor:
        if _is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(name), self._hp_layer)
        self.__dict__[name] = child
        return child

    def __getitem__(self, key: str) -> Accessor:
        return Accessor(validate_key(key), self._hp_layer)

    def __setattr__(self, name: str, value: Any) -> None:
        _write(self._hp_layer, name, value)

    def __setitem__(self, key: str, value: Any) -> None:
        _write(self._hp_layer, key, value)

    def __delitem__(self, key: str) -> None:
        layer = self._hp_layer
        if key not in layer:
            raise MissingKeyError(
                f"this scope does not set {key!r}{did_you_mean(key, layer)}; "
                "only keys a scope sets can be removed from it"
            )
        del layer[key]

    def __contains__(self, key: object) -> bool:
        return key in self._hp_layer

    def __repr__(self) -> str:
        return f"<hp.scope {self._hp_layer.origin_text()}: {dict(self._hp_layer)!r}>"

    def __copy__(self) -> Scope:
        layer = self._hp_layer
        return Scope(_new_layer(layer, layer.origin, dict(layer.sources or {})))

    def __deepcopy__(self, memo: Any) -> Scope:
        import copy

        layer = self._hp_layer
        return Scope(_new_layer(copy.deepcopy(dict(layer), memo), layer.origin,
                                dict(layer.sources or {})))

    def __reduce__(self) -> Any:
        # A scope travels as its values; the copy is not active anywhere.
        return (Scope, (self._hp_layer,))


class _ScopeRoot:
    """The type of ``hp.scope``: call it to build a scope, read keys from it.

    It has no public attributes, so every name (``hp.scope.keys``,
    ``hp.scope.update``, ``hp.scope.frozen``) is a parameter.
    """

    __slots__ = ("__dict__", "_hp_items")
    _hp_items: Dict[str, Accessor]

    def __init__(self) -> None:
        object.__setattr__(self, "_hp_items", {})

    def __call__(self, *args: Any, **kwargs: Any) -> Scope:
        frame = _getframe(1)
        origin = (frame.f_code, frame.f_lasti)
        if args:
            return Scope(_layer_from(args, kwargs, origin))
        # The common case, hp.scope(**overrides): kwargs is already a fresh dict.
        if not _VALID.issuperset(kwargs):
            for key in kwargs:
                validate_key(key)
        layer = _Layer(kwargs)
        layer.origin = origin
        layer.sources = None
        layer.tokens = []
        scope = _new_scope(Scope)
        _set_scope_layer(scope, layer)
        return scope

    def __getattr__(self, name: str) -> Accessor:
        if _is_dunder(name):
            raise AttributeError(name)
        child = Accessor(validate_key(name))
        self.__dict__[name] = child
        return child

    def __getitem__(self, key: str) -> Accessor:
        items = self._hp_items
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
        _write(None, name, value)

    def __setitem__(self, key: str, value: Any) -> None:
        _write(None, key, value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and lookup(key) is not MISSING

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


_new_scope = object.__new__
_set_scope_layer = Scope._hp_layer.__set__  # type: ignore[attr-defined]


def enter_layer(
    values: Dict[str, Any], origin: str, sources: Optional[Dict[str, str]] = None
) -> Scope:
    """Return a scope over already-validated ``values`` (for the CLI and ``bind``)."""
    return Scope(_new_layer(values, origin, sources))


# --------------------------------------------------------------------------- baseline


def frozen() -> None:
    """Publish the parameters in force here as the process-wide baseline.

    New threads, executor workers and code outside every scope read the
    baseline; already-running threads see the new one at their next read,
    unless a scope of theirs sets the same key. The previous baseline is
    replaced as a whole, atomically.
    """
    global _baseline
    where = f"hp.frozen() at {_where(2)}"
    layers = current_layers()
    values: Dict[str, Any] = {}
    sources: Dict[str, str] = {}
    for layer in reversed(layers):
        for key, value in layer.items():
            values[key] = value
            sources[key] = f"{layer.source_of(key)}, published by {where}"
    _baseline = _new_layer(values, where, sources)


def _set_baseline(values: Dict[str, Any], sources: Dict[str, str], origin: str) -> None:
    """Replace the baseline with ``values`` (already validated)."""
    global _baseline
    _baseline = _new_layer(values, origin, sources)


def baseline() -> _Layer:
    """Return the current baseline layer (read-only by convention)."""
    return _baseline


# --------------------------------------------------------------------------- processes


def _encode(key: str, value: Any) -> Any:
    if isinstance(value, Text):
        return value.text
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(key, item) for item in value]
    raise TypeError(
        f"parameter {key!r} = {value!r} ({type(value).__name__}) cannot be passed to a child "
        f"process through {ENV_VAR}: only numbers, booleans, None, strings and lists of them "
        "can; leave it out of the scope that starts the child or convert it to one of those"
    )


def params_to_env() -> str:
    """Return the value of ``HYPERPARAMETER_PARAMS`` for the parameters in force."""
    import json

    return json.dumps(
        {key: _encode(key, value) for key, value in sorted(effective().items())},
        separators=(",", ":"),
    )


def subprocess_env(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Return a copy of ``env`` (default ``os.environ``) that carries the parameters in force.

    Pass it to ``subprocess.run(cmd, env=hp.subprocess_env())``: a child that
    imports ``hyperparameter`` (Python) or uses the Rust crate starts with these
    parameters as its baseline.
    """
    result = dict(os.environ if env is None else env)
    result[ENV_VAR] = params_to_env()
    return result


def _decode(key: str, value: Any) -> Any:
    # Strings cross the process boundary as text: the child converts them at
    # each read toward the default's type, exactly like -D values.
    if isinstance(value, str):
        return Text(value, f"{ENV_VAR} (from the parent process)")
    if isinstance(value, list):
        return [_decode(key, item) if not isinstance(item, str) else item for item in value]
    return value


def _load_env(text: str) -> None:
    """Load ``HYPERPARAMETER_PARAMS`` text into the baseline."""
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested too deep
        raise ConversionError(
            f"{ENV_VAR} is not valid JSON ({exc}); it must be a JSON object of "
            'dotted keys to values, e.g. {"train.lr": 0.001}; unset it or fix the parent'
        ) from None
    if not isinstance(data, dict):
        raise ConversionError(
            f"{ENV_VAR} must be a JSON object of dotted keys to values, got {text[:80]!r}"
        )
    values: Dict[str, Any] = {}
    for key, value in data.items():
        validate_key(key, ENV_VAR)
        values[key] = _decode(key, value)
    source = f"{ENV_VAR} (from the parent process)"
    _set_baseline(values, dict.fromkeys(values, source), source)


def _callable_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


if os.environ.get(ENV_VAR):
    _load_env(os.environ[ENV_VAR])


def _forget_scopes_in_child() -> None:
    # A forked child (a fork-method process-pool worker) is a new process: like a
    # new thread it starts from the baseline, not from the scopes the forking
    # thread had open, whatever the start method (SPEC section 5).
    _stack.set(_EMPTY)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_scopes_in_child)


def _plain(key: str, value: Any) -> Any:
    """Return ``value`` as a plain Python value, converting text as its last read did."""
    if isinstance(value, Text):
        return convert_text(value.text, _reads.get(key, MISSING), key, value.source)
    return value


def snapshot() -> Any:
    """Return the parameters in force now as a new ``CfgNode``, nested by the dots.

    The node allows new keys, so it can be merged, dumped (``hp.snapshot().dump()``
    records exactly what a run used), pickled, and entered again as a scope in
    another thread or process (``with hp.scope(snap):``). Text values are
    converted toward the default their last read used, or parsed as literals.
    """
    from .cfgnode import CfgNode

    tree: Dict[str, Any] = {}
    leaves: Dict[str, str] = {}
    for key, value in sorted(effective().items()):
        parts = key.split(".")
        node = tree
        for depth, part in enumerate(parts[:-1]):
            prefix = ".".join(parts[: depth + 1])
            child = node.setdefault(part, {})
            if not isinstance(child, dict) or prefix in leaves:
                raise ValueError(
                    f"cannot nest parameter {key!r} under {prefix!r}, which has the value "
                    f"{node[part]!r}; a snapshot tree needs each key to be either a value or a "
                    f"parent of other keys: rename one of {prefix!r} and {key!r}"
                )
            node = child
        if parts[-1] in node and isinstance(node[parts[-1]], dict):
            raise ValueError(
                f"cannot store parameter {key!r} = {value!r}: other keys nest under it "
                f"({key}.*); a snapshot tree needs each key to be either a value or a parent"
            )
        node[parts[-1]] = _plain(key, value)
        leaves[key] = key
    return CfgNode(tree, new_allowed=True)
