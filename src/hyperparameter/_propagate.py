"""Parameters that leave the current thread or process: ``hp.bind``, child processes, snapshots.

``hp.bind(fn)`` carries the parameters in force into a thread pool, an event
loop callback or (it pickles) a process pool. ``HYPERPARAMETER_PARAMS`` carries
them into a child process (Python or Rust), which reads it into its baseline
at import. ``hp.snapshot()`` takes them out as a ``CfgNode``.
"""

from __future__ import annotations

import copy
import functools
import os
import sys
from typing import Any, Callable, Dict, Mapping, Optional

from . import _scope
from ._access import Scope, enter_layer
from ._source import Source, environment_source, scope_source
from ._tree import flatten, nest
from ._values import Text, convert_text, parse_literal, plain_data
from .errors import ConversionError, NestingError

__all__ = ["ENV_VAR", "bind", "params_to_env", "snapshot", "subprocess_env"]

ENV_VAR = "HYPERPARAMETER_PARAMS"
# Linux refuses one environment string over 32 pages (MAX_ARG_STRLEN, 128 KiB) at exec.
ENV_LIMIT = 128 * 1024 - 1


# --------------------------------------------------------------------------- HYPERPARAMETER_PARAMS


def encode(key: str, value: Any) -> Any:
    """Return ``value`` as JSON data for ``HYPERPARAMETER_PARAMS``, or raise naming the key."""
    if isinstance(value, Text):
        value = value.text
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(key, item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(
        f"parameter {key!r} = {value!r} ({type(value).__name__}) cannot be passed to a child "
        f"process through {ENV_VAR}: only numbers, booleans, None, strings and lists of them "
        "can; leave it out of the scope that starts the child or convert it to one of those"
    )


def decode(key: str, value: Any, source: Optional[Source] = None) -> Any:
    """Return a value read from ``HYPERPARAMETER_PARAMS`` (or a store): an outside value."""
    return Text(value, source if source is not None else environment_source(ENV_VAR))


def encode_params(values: Mapping[str, Any], *, skip_objects: bool = False) -> str:
    """Return ``values`` as ``HYPERPARAMETER_PARAMS`` text (compact JSON, sorted keys).

    A value that cannot cross to a child process raises ``TypeError`` naming its key,
    or with ``skip_objects=True`` is left out (``hp.launch``: objects published in code).
    """
    import json

    data = {}
    for key, value in sorted(values.items()):
        try:
            data[key] = encode(key, value)
        except TypeError:
            if not skip_objects:
                raise
    return json.dumps(data, separators=(",", ":"))


def env_size(text: str) -> int:
    """Return the bytes ``HYPERPARAMETER_PARAMS=text`` takes (compare with :data:`ENV_LIMIT`)."""
    return len(text.encode()) + len(ENV_VAR) + 1


def params_to_env() -> str:
    """Return the value of ``HYPERPARAMETER_PARAMS`` for the parameters in force."""
    return encode_params(_scope.effective())


def subprocess_env(env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Return a copy of ``env`` (default ``os.environ``) that carries the parameters in force.

    Pass it to ``subprocess.run(cmd, env=hp.subprocess_env())``: a child that
    imports ``hyperparameter`` (Python) or uses the Rust crate starts with these
    parameters as its baseline. Raises ``ValueError`` when they are too large
    for one environment variable (Linux's 128 KiB), naming the size.
    """
    text = params_to_env()
    size = env_size(text)
    if size > ENV_LIMIT:
        raise ValueError(
            f"the parameters in force take {size:,} bytes as {ENV_VAR}, over the "
            f"{ENV_LIMIT + 1:,}-byte limit of one environment variable (exec would fail with "
            "E2BIG); pass them in a file instead: write hp.snapshot().dump() to a YAML file "
            "and give it to the child (-C file.yaml, or hp.load)"
        )
    result = dict(os.environ if env is None else env)
    result[ENV_VAR] = text
    return result


def decode_params(text: str, source: Source) -> Dict[str, Any]:
    """Return the parameters in ``HYPERPARAMETER_PARAMS``-encoded ``text`` (a JSON object).

    Nested objects are flattened to dotted keys, as ``hp.scope(**nested)`` does.
    Raises :class:`ConversionError` naming ``source`` for anything else.
    """
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested too deep
        raise ConversionError(
            f"{source} is not valid JSON ({exc}); it must be a JSON object of "
            'dotted keys to values, e.g. {"train.lr": 0.001}'
        ) from None
    if not isinstance(data, dict):
        raise ConversionError(
            f"{source} must be a JSON object of dotted keys to values, got {text[:80]!r}"
        )
    try:
        flat = flatten(data, "", str(source))
    except (NestingError, TypeError) as exc:
        raise ConversionError(f"{source}: {exc}") from None
    return {key: decode(key, value, source) for key, value in flat.items()}


def load_env(text: str) -> None:
    """Load ``HYPERPARAMETER_PARAMS`` text into the baseline."""
    source = environment_source(ENV_VAR, "(from the parent process)")
    try:
        values = decode_params(text, source)
    except ValueError as exc:
        raise type(exc)(f"{exc}; unset {ENV_VAR} or fix the parent process") from None
    _scope.set_baseline(values, dict.fromkeys(values, source), source)


# --------------------------------------------------------------------------- bind


def _copied(value: Any) -> Any:
    """Return a private copy of a mutable value, so later changes by the caller do not reach it."""
    if value.__class__ in (str, int, float, bool, type(None), Text, tuple, frozenset, bytes):
        return value
    try:
        return copy.deepcopy(value)
    except Exception:  # an object that cannot be copied is shared, as it always was
        return value


class _Bound:
    """A callable that runs a function under the parameters captured at bind time."""

    __slots__ = ("__dict__", "_fn", "_params", "_sources")

    def __init__(self, fn: Callable[..., Any], params: Dict[str, Any],
                 sources: Dict[str, Source]) -> None:
        self._fn = fn
        self._params = params
        self._sources = sources
        functools.update_wrapper(self, fn)

    def _scope(self) -> Scope:
        return enter_layer(dict(self._params), scope_source("hp.bind(...)"), self._sources)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._scope():
            return self._fn(*args, **kwargs)

    def __reduce__(self) -> Any:
        return (type(self), (self._fn, self._params, self._sources))

    def __repr__(self) -> str:
        return f"<hp.bind({self._fn!r}) with {len(self._params)} parameters>"


class _BoundAsync(_Bound):
    """``hp.bind`` of a coroutine function: a coroutine function itself, and it pickles.

    ``inspect.iscoroutinefunction`` (which frameworks dispatch on) accepts an
    object that looks like a function: the code object below is a coroutine's.
    """

    __slots__ = ()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._scope():
            return await self._fn(*args, **kwargs)

    __code__ = __call__.__code__
    __defaults__ = None
    __kwdefaults__ = None

    def __init__(self, fn: Callable[..., Any], params: Dict[str, Any],
                 sources: Dict[str, Source]) -> None:
        super().__init__(fn, params, sources)
        import inspect

        if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+: the documented marker
            inspect.markcoroutinefunction(self)


def bind(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Return a callable that runs ``fn`` under the parameters in force now.

    Use it wherever work leaves the current thread or task:
    ``executor.submit(hp.bind(work), x)``, ``loop.run_in_executor(None,
    hp.bind(work))``, callbacks, and (the result pickles) process pools.
    Parameters propagate by value: they are copied at bind time (mutable values
    too), so later changes in the caller do not reach the bound callable, and
    its own writes stay inside each call. ``hp.bind`` of a coroutine function is
    a coroutine function (``inspect.iscoroutinefunction`` is true); it pickles on
    Python 3.11+ (before 3.11 only a real function passes that check, and a real
    function made here does not pickle).
    """
    import inspect

    params = {key: _copied(value) for key, value in _scope.effective().items()}
    if not inspect.iscoroutinefunction(fn):
        return _Bound(fn, params, _scope.effective_sources())
    bound = _BoundAsync(fn, params, _scope.effective_sources())
    if _FUNCTION_LIKE_COROUTINES:
        return bound

    # Before Python 3.11, inspect.iscoroutinefunction accepts only real functions: give
    # one (it does not pickle there; process pools do not run coroutines anyway).
    @functools.wraps(fn)
    async def bound_coroutine(*args: Any, **kwargs: Any) -> Any:
        return await bound(*args, **kwargs)

    return bound_coroutine


# Python 3.11+ inspect treats an object with a coroutine's __code__ as a coroutine function.
_FUNCTION_LIKE_COROUTINES = sys.version_info >= (3, 11)


# --------------------------------------------------------------------------- snapshot


def _plain(key: str, value: Any) -> Any:
    """Return ``value`` as a value a CfgNode holds, converting outside values as last read."""
    if isinstance(value, Text):
        payload = value.text
        if payload.__class__ is not str:
            value = payload
        else:
            try:
                value = convert_text(payload, _scope.read_default(key), key, value.source)
            except ConversionError:  # last read elsewhere with another type: keep the literal
                value = parse_literal(payload)
    return plain_data(value, tuples=True)


def snapshot() -> Any:
    """Return the parameters in force now as a new ``CfgNode``, nested by the dots.

    The node allows new keys, so it can be merged, dumped (``hp.snapshot().dump()``
    records exactly what a run used), pickled, and entered again as a scope in
    another thread or process (``with hp.scope(snap):``). Outside values are
    converted toward the default their last read used, else parsed as literals;
    objects follow ``_values.plain_data`` (enums by name, paths as text).
    """
    from .cfgnode import CfgNode

    return CfgNode(nest(_scope.effective(), _plain), new_allowed=True)


if os.environ.get(ENV_VAR):
    load_env(os.environ[ENV_VAR])
