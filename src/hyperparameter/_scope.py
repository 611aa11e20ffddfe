"""The scope engine: layers, the stack of each thread and task, the baseline.

Where parameters live
---------------------
A *layer* holds a plain dict from dotted key to value (``layer.params``) and
where those values came from. The layers in force for the running code are held
in one module-level ``ContextVar`` as a *stack* ``(dicts, top, below)``: the
tuple of the layers' dicts, innermost first, which a read walks (a plain dict
answers ``in`` and ``[]`` faster than any subclass of it), the innermost layer,
and the stack beneath it (down to the empty stack ``((), None, None)``). So every
thread and every asyncio task has its own stack: a new thread
starts with an empty stack, a new task starts with the stack of the code that
created it, and a ``with`` block replaces the tuple on entry and removes its
own layer on exit. Beneath every stack lies the process-wide *baseline*, one
layer that :func:`frozen`, :func:`set_baseline` (stores, ``hp.launch``) and
:func:`restore` replace atomically.

A read walks the stack's dicts innermost-first and then the baseline's; it
copies nothing. Entering a scope costs one tuple of the current depth, one of
three, and the keys it sets, whatever the number of keys already in effect.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar, Token
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from ._keys import did_you_mean, validate_key
from ._registry import (  # noqa: F401 - re-exported: the accessors' fast path reads them here
    _dropped_reads,
    _reads,
    callable_name,
    declare,
    declared,
    read_default,
    reads,
    record_read,
    replace_reads,
    unrecorded_reads,
)
from ._source import (
    BASELINE,
    Source,
    as_source,
    baseline_source,
    scope_source,
    user_location,
)
from ._values import MISSING
from .errors import MissingKeyError, ScopeError, ScopeWriteError

__all__ = [
    "Layer",
    "baseline",
    "current_layers",
    "effective",
    "effective_sources",
    "frozen",
    "lookup",
    "new_layer",
]

_CO_GENERATOR = 0x20
_CO_ASYNC_GENERATOR = 0x200


class Layer:
    """One layer of parameters (``params``, a plain dict), with where they came from.

    ``origin`` names the layer as a whole (a ``(code, offset)`` pair for a
    ``with hp.scope(...)``, or a :class:`Source`); ``sources`` overrides it for
    single keys (``-D train.lr=0.1``, a file line).
    """

    __slots__ = ("_origin_source", "origin", "params", "shadowed", "sources", "tokens")

    # No __init__: a bare object keeps scope entry cheap; use new_layer.
    # ``shadowed`` (set only by the command line) keeps, per key, the values this
    # layer merged over, so ``hp.explain`` can show a -D value over a file value.
    params: Dict[str, Any]
    origin: Any
    sources: Optional[Dict[str, Source]]
    shadowed: Dict[str, List[Tuple[Any, Source]]]
    # One ContextVar token per active entry of this layer (a scope entered in
    # several threads has several); the token tells which context entered it.
    tokens: List[Token[Stack]]
    _origin_source: Optional[Source]

    def origin_source(self) -> Source:
        """Return the layer-wide origin as a :class:`Source` (computed once)."""
        try:
            found = self._origin_source
        except AttributeError:
            found = None
        if found is None:
            origin = self.origin
            if isinstance(origin, tuple):
                file, line = _location(*origin)
                found = scope_source(f"with hp.scope(...) at {file}:{line}", file, line)
            else:
                found = as_source(origin)
            self._origin_source = found
        return found

    def origin_text(self) -> str:
        """Return the layer-wide origin as text."""
        return str(self.origin_source())

    def source_of(self, key: str) -> Source:
        """Return where this layer's value for ``key`` came from."""
        sources = self.sources
        if sources is not None:
            found = sources.get(key)
            if found is not None:
                return found
        return self.origin_source()

    def set_source(self, key: str, source: Source) -> None:
        """Record that ``key`` was written from ``source``."""
        if self.sources is None:
            self.sources = {}
        self.sources[key] = source

    def __reduce__(self) -> Any:
        return (new_layer, (dict(self.params), self.origin_source(), self.sources))

    def __repr__(self) -> str:
        return f"<layer {self.origin_text()}: {self.params!r}>"


def new_layer(
    values: Any = (), origin: Any = "", sources: Optional[Dict[str, Source]] = None
) -> Layer:
    """Return a layer holding a copy of ``values`` (keys already validated; sources are records)."""
    layer = Layer()
    layer.params = dict(values)
    layer.origin = origin
    layer.sources = sources
    layer.tokens = []
    layer._origin_source = None
    return layer


# The stack of a thread or task: (the layers' dicts innermost first, the innermost
# layer, the stack beneath it). A scope's exit finds the stack of its entry as `below`.
Stack = Tuple[Tuple[Dict[str, Any], ...], Optional[Layer], Any]
_EMPTY: Stack = ((), None, None)
_stack: ContextVar[Stack] = ContextVar("hyperparameter.layers", default=_EMPTY)
stack_in_force = _stack.get


def pushed(layer: Layer, stack: Stack) -> Stack:
    """Return ``stack`` with ``layer`` on top."""
    return ((layer.params, *stack[0]), layer, stack)


def layers_of(stack: Stack) -> Tuple[Layer, ...]:
    """Return the layers of ``stack``, innermost first."""
    layers = []
    while stack[1] is not None:
        layers.append(stack[1])
        stack = stack[2]
    return tuple(layers)


def without(stack: Stack, index: int) -> Stack:
    """Return ``stack`` without its layer at ``index`` (the part beneath it is kept as it is)."""
    above: List[Any] = []
    for _ in range(index):
        above.append(stack[1])
        stack = stack[2]
    stack = stack[2]
    for layer in reversed(above):
        stack = pushed(layer, stack)
    return stack


# The baseline is replaced as a whole, never mutated after publication, so a
# reader sees either the old or the new one, never a mix of both. _baseline_params
# is its dict (what the compiled reads probe).
_baseline: Layer = new_layer(origin=Source("baseline", BASELINE))
_baseline_params: Dict[str, Any] = _baseline.params


@functools.lru_cache(maxsize=4096)
def _location(code: Any, lasti: int) -> Tuple[str, int]:
    """Return ``(file, line)`` for a code object and instruction offset (cached).

    Scopes record that pair when created: ``frame.f_lineno`` costs several
    times more than the rest of a scope entry, and most origins are never shown.
    """
    import dis

    line = code.co_firstlineno
    for offset, lineno in dis.findlinestarts(code):
        if offset > lasti:
            break
        if lineno is not None:
            line = lineno
    return code.co_filename, line


# --------------------------------------------------------------------------- reading


def lookup(key: str) -> Any:
    """Return the stored value of ``key`` (maybe a Text), or ``MISSING``."""
    for params in _stack.get()[0]:
        if key in params:
            return params[key]
    return _baseline.params.get(key, MISSING)


def current_layers() -> List[Layer]:
    """Return the layers in force, innermost first, ending with the baseline."""
    return [*layers_of(_stack.get()), _baseline]


def effective() -> Dict[str, Any]:
    """Return a new dict of every parameter in force (stored values, outside values kept)."""
    merged: Dict[str, Any] = dict(_baseline.params)
    for params in reversed(_stack.get()[0]):
        merged.update(params)  # one C-level copy: safe while other threads write the layer
    return merged


def effective_sources() -> Dict[str, Source]:
    """Return, for each parameter in force, where its value came from."""
    sources: Dict[str, Source] = {}
    for layer in reversed(current_layers()):
        own = layer.sources
        origin = layer.origin_source()
        for key in layer.params.copy():  # a copy: another thread may write into a shared scope
            found = own.get(key) if own is not None else None
            sources[key] = found if found is not None else origin
    return sources


def defined_keys() -> Iterator[str]:
    """Yield each key some layer defines, once."""
    seen = set()
    for layer in current_layers():
        for key in layer.params.copy():
            if key not in seen:
                seen.add(key)
                yield key


def missing_key_error(key: str) -> MissingKeyError:
    """Build the error for a required read of an undefined ``key``."""
    hint = did_you_mean(key, defined_keys())
    return MissingKeyError(
        f"parameter {key!r} is not set in any scope or the baseline{hint or '.'} "
        f"Set it (with hp.scope(**{{{key!r}: ...}}) or -D {key}=...) "
        f"or read it with a default: hp.scope[{key!r}] | default",
        key=key,
    )


# --------------------------------------------------------------------------- writing


def _owned_here(layer: Layer, stack: Stack) -> bool:
    """Return whether the current thread or task entered ``layer`` (not a parent it copied)."""
    # A ContextVar token can be reset only in the context that made it: try each
    # entry's token, and on success put the very same stack back with a fresh token.
    for token in list(layer.tokens):
        try:
            _stack.reset(token)
        except (ValueError, RuntimeError):
            continue
        fresh = _stack.set(stack)
        try:
            layer.tokens[layer.tokens.index(token)] = fresh
        except ValueError:  # pragma: no cover - another thread removed it meanwhile
            layer.tokens.append(fresh)
        return True
    return False


def write(layer: Optional[Layer], key: str, value: Any) -> None:
    """Write ``key`` into ``layer``, or (None) into the innermost scope of this thread/task.

    A child asyncio task (or ``asyncio.to_thread``) shares its parent's layers;
    its first write opens a layer of its own, so the parent and siblings never
    see it. The write lasts as long as that task's context.
    """
    key = validate_key(key)
    location = user_location(3)
    file, _, line = location.rpartition(":")
    source = scope_source(f"assignment at {location}", file, int(line) if line.isdigit() else None)
    if layer is None:
        stack = _stack.get()
        if stack[1] is None:
            raise ScopeWriteError(
                f"cannot set {key!r} = {value!r}: no scope is active in this thread or task. "
                f"Open one first (with hp.scope() as ps: ps[{key!r}] = ...), "
                "or publish process-wide values with hp.frozen() inside a scope",
                key=key, value=value,
            )
        layer = stack[1]
        if not _owned_here(layer, stack):
            own = new_layer(origin=scope_source("assignments in this task or thread"))
            own.tokens.append(_stack.set(pushed(own, stack)))
            layer = own
    layer.params[key] = value
    layer.set_source(key, source)


# --------------------------------------------------------------------------- entering and exiting


def check_scope_site(frame: Any) -> None:
    """Refuse a scope opened in an async generator: its consumer would run under it."""
    if frame.f_code.co_flags & _CO_ASYNC_GENERATOR:
        raise ScopeError(
            f"hp.scope(...) opened inside the async generator {frame.f_code.co_name!r} "
            f"({frame.f_code.co_filename}:{frame.f_lineno}): while the generator is suspended at "
            "a yield its consumer runs under the scope, and a generator abandoned after `break` "
            "is closed by the event loop in another task, where the scope cannot be restored. "
            "Open the scope in the consumer (async for ... under `with hp.scope(...)`), or in a "
            "coroutine the generator awaits"
        )


def describe_stack(layers: Tuple[Layer, ...]) -> str:
    """Return the origins of ``layers`` as one line."""
    return ", ".join(layer.origin_text() for layer in layers) or "no scope"


def exit_foreign(layer: Layer, caller: Any, adopt: Callable[[Layer], None]) -> None:
    """Handle an exit of ``layer`` whose newest entry was not made in this thread or task.

    Returns normally when an older entry of this thread or task was found and
    reset. Otherwise raises :class:`ScopeError`; when the exit comes from a
    generator's own ``with`` block, the stranded layer is emptied first and
    ``adopt`` receives a fresh copy for the scope object to keep.
    """
    tokens = layer.tokens
    # Our own entry may not be the newest: another thread may have entered since.
    for token in reversed(list(tokens)):
        try:
            _stack.reset(token)
        except (ValueError, RuntimeError):
            continue
        tokens.remove(token)
        return
    from_generator = caller is not None and caller.f_code.co_flags & _CO_GENERATOR
    if from_generator and len(tokens) == 1:
        # A generator's own `with` block, finished in another thread: the scope
        # belongs to the thread that started the generator. Empty the stranded
        # layer there (its values can no longer be read anywhere); the scope
        # object keeps a fresh copy of its values.
        tokens.clear()
        adopt(new_layer(layer.params, layer.origin, dict(layer.sources or {})))
        layer.params.clear()
        raise ScopeError(
            f"scope {layer.origin_text()} was entered by a generator in one thread and exited "
            "in another (the generator was resumed and finished elsewhere): its values were "
            "removed from the thread that entered it, and code in the generator read the "
            "other thread's parameters after the switch. Iterate such a generator in one "
            "thread, or pass the values in with hp.bind"
        )
    raise ScopeError(
        f"scope {layer.origin_text()} is not active in this thread or asyncio "
        "task: it was entered in another one (or exited already). Exit a scope in the "
        "thread or task that entered it; nothing was changed"
    )


def remove_out_of_order(layer: Layer, stack: Stack) -> None:
    """Remove ``layer`` from the middle of ``stack`` and raise :class:`ScopeError`."""
    layers = layers_of(stack)
    for index, candidate in enumerate(layers):
        if candidate is layer:
            # Out of order (e.g. interleaved generators): remove only our
            # layer so the stack stays consistent, then say what happened.
            _stack.set(without(stack, index))
            raise ScopeError(
                f"scope {layer.origin_text()} was exited while inner scope(s) "
                f"{describe_stack(layers[:index])} were still open. Its own values were "
                "removed and the inner scopes stay in force until they exit. Exit scopes "
                "in the reverse order of entry (a generator that yields inside a "
                "`with hp.scope(...)` block keeps it open while suspended)."
            )
    _stack.set(stack)  # pragma: no cover - our token was valid, so our layer is here


# --------------------------------------------------------------------------- baseline


def frozen() -> None:
    """Publish the parameters in force here as the process-wide baseline.

    New threads, executor workers and code outside every scope read the
    baseline; already-running threads see the new one at their next read,
    unless a scope of theirs sets the same key. The previous baseline is
    replaced as a whole, atomically. Each value keeps its first source
    (``hp.explain`` shows it with the ``hp.frozen()`` line that published it).
    """
    publisher = f"hp.frozen() at {user_location(2)}"
    _replace_baseline(effective(), effective_sources(), publisher)


# Called with each new baseline layer: the pure-Python accessors keep it in a global
# of their own, so a read that reaches the baseline costs one global load.
_baseline_followers: List[Callable[[Layer], None]] = []


def _install(layer: Layer) -> None:
    """Make ``layer`` the baseline: the one place that replaces it (atomically, as a whole)."""
    global _baseline, _baseline_params
    _baseline, _baseline_params = layer, layer.params
    for follower in _baseline_followers:
        follower(layer)


def _replace_baseline(
    values: Dict[str, Any], sources: Mapping[str, Source], publisher: str
) -> None:
    cache: Dict[int, Source] = {}
    published: Dict[str, Source] = {}
    for key in values:
        via = sources[key]
        made = cache.get(id(via))
        if made is None:
            made = cache[id(via)] = baseline_source(via, publisher)
        published[key] = made
    _install(new_layer(values, Source(publisher, BASELINE), published))


def restore(previous: Layer) -> None:
    """Put back a baseline layer taken earlier with :func:`baseline` (``hp.launch`` does)."""
    _install(previous)


def baseline() -> Layer:
    """Return the current baseline layer (read-only by convention)."""
    return _baseline


def set_baseline(values: Dict[str, Any], sources: Mapping[str, Source], origin: Source) -> None:
    """Replace the baseline with ``values`` whose sources are already final (no ``via`` added)."""
    _install(new_layer(values, origin, dict(sources)))


# --------------------------------------------------------------------------- test support


def save_state() -> Tuple[Any, ...]:
    """Return the current stack, baseline and records, and clear them (see ``testing``)."""
    state = (_stack.set(_EMPTY), _baseline, dict(_reads), _dropped_reads[0])
    _install(new_layer(origin=Source("empty baseline (hyperparameter.testing)", BASELINE)))
    replace_reads({}, 0)
    return state


def restore_state(state: Tuple[Any, ...]) -> None:
    """Put back what :func:`save_state` returned."""
    token, previous, saved_reads, dropped = state
    _install(previous)
    _stack.reset(token)
    replace_reads(saved_reads, dropped)


def current_stack_depth() -> int:
    """Return how many scopes are open in this thread or task.

    A layer emptied after its generator finished in another thread (see
    :func:`exit_foreign`) holds no entry any more and is not counted.
    """
    return sum(1 for layer in layers_of(_stack.get()) if layer.tokens)


def forget_scopes_in_child() -> None:
    """Start a forked child from the baseline: scopes of the forking thread do not carry over."""
    _stack.set(_EMPTY)


if hasattr(os, "register_at_fork"):
    # A forked child (a fork-method process-pool worker) is a new process: like a
    # new thread it starts from the baseline (SPEC section 5).
    os.register_at_fork(after_in_child=forget_scopes_in_child)

