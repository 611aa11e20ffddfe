"""``@hp.param``: bind function parameters to keys; ``hp.bind``: carry parameters along.

The decorator leaves the function alone and records, once, which parameters
it binds (name, key, default). Each call then fills every parameter the caller
did not pass from the parameters in force, leaving the rest to Python's own
defaults, so the caller's arguments always win, then the scope, then the
signature default.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union, overload

from . import _scope
from ._keys import validate_key
from ._values import MISSING, Text, convert_text_to_type, resolve

__all__ = ["bind", "param"]

F = TypeVar("F", bound=Callable[..., Any])

# Each decorated function gets a wrapper generated for its own signature (as
# dataclasses generates __init__): Python's argument binding then tells which
# parameters the caller passed, and each one left out is looked up inline, so a
# call costs a few dict probes instead of a generic *args/**kwargs walk.

# The layers in force plus the baseline are gathered once per call into
# ``_hp_layers``; each parameter the caller left out is then one short loop.
_TEMPLATE_LOOKUP = """\
    if {name} is _hp_M:
        for _hp_layer in _hp_layers:
            if {key!r} in _hp_layer:
                {name} = _hp_layer[{key!r}]
                {convert}
                break
        else:
            {missing}
"""


def _convert_annotated(value: Any, annotation: Any, key: str) -> Any:
    """Convert a text value toward a parameter's annotation (it has no default)."""
    if annotation is MISSING or isinstance(annotation, str) or not isinstance(value, Text):
        return resolve(value, MISSING, key)
    return convert_text_to_type(value.text, annotation, key, value.source)


def _missing_argument(fn: Callable[..., Any], name: str, key: str) -> TypeError:
    return TypeError(
        f"{fn.__qualname__}() missing required argument {name!r}: pass it, "
        f"or set {key!r} in a scope (hp.scope(**{{{key!r}: ...}}) or -D {key}=...)"
    )


def _generate(
    fn: Callable[..., Any], namespace: str
) -> Tuple[Callable[..., Any], List[Tuple[str, str, Any]]]:
    """Return the wrapper for ``fn`` and its (name, key, default) bindings."""
    import inspect

    params = list(inspect.signature(fn).parameters.values())
    try:
        # Resolves string annotations (from __future__ import annotations).
        hints = typing.get_type_hints(fn)
    except Exception:  # an unresolvable annotation only loses text conversion by type
        hints = {}
    env: Dict[str, Any] = {
        "_hp_M": MISSING, "_hp_S": _scope, "_hp_T": Text, "_hp_resolve": resolve,
        "_hp_get": _scope.layers_in_force,
        "_hp_fn": fn, "_hp_missing": _missing_argument, "_hp_annotated": _convert_annotated,
    }
    signature: List[str] = []
    call: List[str] = []
    body: List[str] = []
    bindings: List[Tuple[str, str, Any]] = []
    seen_positional_only = False
    for index, p in enumerate(params):
        if p.kind is p.VAR_POSITIONAL:
            if seen_positional_only:
                signature.append("/")
                seen_positional_only = False
            signature.append(f"*{p.name}")
            call.append(f"*{p.name}")
            continue
        if p.kind is p.VAR_KEYWORD:
            signature.append(f"**{p.name}")
            call.append(f"**{p.name}")
            continue
        if p.kind is p.POSITIONAL_ONLY:
            seen_positional_only = True
        elif seen_positional_only:
            signature.append("/")
            seen_positional_only = False
        if p.kind is p.KEYWORD_ONLY and not any(
            q.kind in (q.VAR_POSITIONAL, q.KEYWORD_ONLY) for q in params[:index]
        ):
            signature.append("*")
        key = validate_key(f"{namespace}.{p.name}", f"@hp.param on {fn.__qualname__}")
        default = MISSING if p.default is p.empty else p.default
        bindings.append((p.name, key, default))
        signature.append(f"{p.name}=_hp_M")
        call.append(f"{p.name}={p.name}" if p.kind is p.KEYWORD_ONLY else p.name)
        if default is MISSING:
            annotation = hints.get(p.name, p.annotation)
            env[f"_hp_a{index}"] = MISSING if annotation is p.empty else annotation
            missing = f"raise _hp_missing(_hp_fn, {p.name!r}, {key!r})"
            convert = f"{p.name} = _hp_annotated({p.name}, _hp_a{index}, {key!r})"
        else:
            env[f"_hp_d{index}"] = default
            missing = f"{p.name} = _hp_d{index}"
            # Only text needs converting, and ints only for a float default:
            # decide which check this parameter needs now, not at each call.
            needs = f"{p.name}.__class__ is _hp_T"
            if type(default) is float:
                needs += f" or {p.name}.__class__ is int"
            convert = (
                f"if {needs}:\n"
                f"                    {p.name} = _hp_resolve({p.name}, _hp_d{index}, {key!r})"
            )
        body.append(_TEMPLATE_LOOKUP.format(name=p.name, key=key, missing=missing,
                                            convert=convert))
    if seen_positional_only:
        signature.append("/")
    is_async = inspect.iscoroutinefunction(fn)
    source = (
        f"{'async ' if is_async else ''}def wrapper({', '.join(signature)}):\n"
        "    _hp_layers = (*_hp_get(), _hp_S._baseline)\n"
        f"{''.join(body)}"
        f"    return {'await ' if is_async else ''}_hp_fn({', '.join(call)})\n"
    )
    exec(compile(source, f"<@hp.param wrapper of {fn.__qualname__}>", "exec"), env)
    return env["wrapper"], bindings


def _wrap_function(fn: Callable[..., Any], namespace: str) -> Callable[..., Any]:
    wrapper, bindings = _generate(fn, namespace)
    for _name, key, default in bindings:
        _scope.declare(key, default, fn)
    functools.update_wrapper(wrapper, fn)
    wrapper.__hp_namespace__ = namespace  # type: ignore[attr-defined]
    wrapper.__hp_bindings__ = bindings  # type: ignore[attr-defined]
    return wrapper


def _decorate(target: Any, namespace: Optional[str]) -> Any:
    if isinstance(target, type):
        ns = namespace or target.__name__
        init = target.__dict__.get("__init__")
        if init is None:
            raise TypeError(
                f"@hp.param on class {target.__qualname__} needs the class to define __init__ "
                "(its parameters are what gets bound)"
            )
        target.__init__ = _wrap_function(init, ns)  # type: ignore[misc]
        return target
    if isinstance(target, (staticmethod, classmethod)):
        inner = _wrap_function(target.__func__, namespace or target.__func__.__name__)
        return type(target)(inner)
    if not callable(target):
        raise TypeError(f"@hp.param decorates functions and classes, not {target!r}")
    return _wrap_function(target, namespace or target.__name__)


@overload
def param(target: F) -> F: ...


@overload
def param(target: Optional[str] = None) -> Callable[[F], F]: ...


def param(target: Union[str, F, None] = None) -> Any:
    """Bind each parameter ``p`` of a function (or a class's ``__init__``) to key ``ns.p``.

    ``@hp.param("train")`` binds ``lr`` to ``train.lr``; bare ``@hp.param``
    uses the function's (or class's) name as the namespace. At every call an
    argument the caller passes wins, then the parameters in force (scopes,
    then the baseline), then the signature default. Text values convert
    toward the default's type. The function keeps its signature, name,
    docstring and ``__wrapped__``, stays a coroutine function if it was one,
    and pickles; a class stays the same class.
    """
    if isinstance(target, str):
        namespace = validate_key(target, "@hp.param(...)")
        return lambda fn: _decorate(fn, namespace)
    if target is None:
        return lambda fn: _decorate(fn, None)
    return _decorate(target, None)


class _Bound:
    """A callable that runs a function under the parameters captured at bind time."""

    __slots__ = ("__dict__", "_fn", "_params", "_sources")

    def __init__(self, fn: Callable[..., Any], params: Dict[str, Any], sources: Dict[str, str]):
        self._fn = fn
        self._params = params
        self._sources = sources
        functools.update_wrapper(self, fn)

    def _scope(self) -> _scope.Scope:
        return _scope.enter_layer(dict(self._params), "hp.bind(...)", dict(self._sources))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._scope():
            return self._fn(*args, **kwargs)

    def __reduce__(self) -> Any:
        # type(self): a bound coroutine function must stay async in the child.
        return (type(self), (self._fn, self._params, self._sources))

    def __repr__(self) -> str:
        return f"<hp.bind({self._fn!r}) with {len(self._params)} parameters>"


class _BoundAsync(_Bound):
    """``hp.bind`` of a coroutine function: the coroutine runs under the captured parameters."""

    __slots__ = ()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._scope():
            return await self._fn(*args, **kwargs)


def bind(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Return a callable that runs ``fn`` under the parameters in force now.

    Use it wherever work leaves the current thread or task:
    ``executor.submit(hp.bind(work), x)``, ``loop.run_in_executor(None,
    hp.bind(work))``, callbacks, and (the result pickles) process pools. The
    parameters are copied at bind time; later changes to the scope do not
    reach the bound callable, and its own writes stay inside each call.
    """
    import inspect

    params = _scope.effective()
    sources = _scope.effective_sources()
    cls = _BoundAsync if inspect.iscoroutinefunction(fn) else _Bound
    return cls(fn, params, sources)
