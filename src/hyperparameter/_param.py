"""``@hp.param``: bind function parameters to keys.

The decorator leaves the function alone and records, once, which parameters
it binds (name, key, default). Each call then fills every parameter the caller
did not pass from the parameters in force, leaving the rest to Python's own
defaults, so the caller's arguments always win, then the scope, then the
signature default. Values from outside the program (``-D``, files, the
environment) reach the function converted by the parameter's annotation, or
toward its default's type, by the one rule of ``hyperparameter._types``.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, Union, overload

from . import _access, _scope
from ._access import _speedups
from ._keys import validate_key
from ._scope import callable_name
from ._values import MISSING, Text, resolve

__all__ = ["param"]

F = TypeVar("F", bound=Callable[..., Any])

# Each decorated function gets a wrapper generated for its own signature (as
# dataclasses generates __init__): Python's argument binding then tells which
# parameters the caller passed, and each one left out is looked up inline, so a
# call costs a few dict probes instead of a generic *args/**kwargs walk.
# Internal names start with a prefix no parameter of the function starts with.

_LOOKUP = """\
{pad}for {p}layer in {p}layers:
{pad}    if {key!r} in {p}layer:
{pad}        {name} = {p}layer[{key!r}]
{pad}        {convert}
{pad}        break
{pad}else:
{pad}    if {key!r} in {p}base:
{pad}        {name} = {p}base[{key!r}]
{pad}        {convert}
{pad}    else:
"""


def _convert_outside(value: Any, annotation: Any, default: Any, key: str) -> Any:
    """Convert a stored value for a parameter: by its annotation, else toward its default."""
    if value.__class__ is Text and annotation is not MISSING and not isinstance(annotation, str):
        from ._types import coerce

        return coerce(value.text, annotation, key, value.source)
    if annotation is float and value.__class__ is int:
        return resolve(value, 0.0, key)
    return resolve(value, default, key)


def _missing_argument(fn: Callable[..., Any], name: str, keys: Tuple[str, ...]) -> TypeError:
    key = keys[0]
    return TypeError(
        f"{callable_name(fn)}() missing required argument {name!r}: pass it, "
        f"or set {key!r} in a scope (hp.scope(**{{{key!r}: ...}}) or -D {key}=...)"
    )


Binding = Tuple[str, str, Any]  # (parameter name, key, signature default or MISSING)


def _prefix_for(names: List[str]) -> str:
    prefix = "_hp_"
    while any(name.startswith(prefix) for name in names):
        prefix = "_" + prefix
    return prefix


def _generate(
    fn: Callable[..., Any], namespaces: Tuple[str, ...], skip_first: bool
) -> Tuple[Callable[..., Any], List[Binding]]:
    """Return the wrapper for ``fn`` and its (name, key, default) bindings."""
    import inspect

    params = list(inspect.signature(fn).parameters.values())
    try:
        # Resolves string annotations (from __future__ import annotations).
        hints = typing.get_type_hints(fn)
    except Exception:  # an unresolvable annotation only loses conversion by type
        hints = {}
    p = _prefix_for([q.name for q in params])
    env: Dict[str, Any] = {
        f"{p}M": MISSING, f"{p}G": _access.__dict__, f"{p}T": Text,
        f"{p}get": _scope.stack_in_force, f"{p}int": int,
        f"{p}fn": fn, f"{p}missing": _missing_argument, f"{p}convert": _convert_outside,
    }
    signature: List[str] = []
    call: List[str] = []
    body: List[str] = []
    bindings: List[Binding] = []
    bound: List[str] = []  # the parameters looked up when the caller leaves them out
    entries: List[Tuple[str, Tuple[str, ...], Any, Any, bool]] = []
    seen_positional_only = False
    name = callable_name(fn)
    for index, q in enumerate(params):
        if q.kind is q.VAR_POSITIONAL:
            if seen_positional_only:
                signature.append("/")
                seen_positional_only = False
            signature.append(f"*{q.name}")
            call.append(f"*{q.name}")
            continue
        if q.kind is q.VAR_KEYWORD:
            signature.append(f"**{q.name}")
            call.append(f"**{q.name}")
            continue
        if q.kind is q.POSITIONAL_ONLY:
            seen_positional_only = True
        elif seen_positional_only:
            signature.append("/")
            seen_positional_only = False
        if q.kind is q.KEYWORD_ONLY and not any(
            r.kind in (r.VAR_POSITIONAL, r.KEYWORD_ONLY) for r in params[:index]
        ):
            signature.append("*")
        call.append(f"{q.name}={q.name}" if q.kind is q.KEYWORD_ONLY else q.name)
        if index == 0 and skip_first:
            # self / cls: never bound to a key; keeps its own default, if any.
            if q.default is q.empty:
                signature.append(q.name)
            else:
                env[f"{p}r"] = q.default
                signature.append(f"{q.name}={p}r")
            continue
        keys = tuple(validate_key(f"{ns}.{q.name}", f"@hp.param on {name}") for ns in namespaces)
        default = MISSING if q.default is q.empty else q.default
        annotation = hints.get(q.name, q.annotation)
        annotation = MISSING if annotation is q.empty else annotation
        bindings.extend((q.name, key, default) for key in keys)
        signature.append(f"{q.name}={p}M")
        env[f"{p}a{index}"] = annotation
        env[f"{p}d{index}"] = default
        if default is MISSING:
            missing = f"raise {p}missing({p}fn, {q.name!r}, {keys!r})"
        else:
            missing = f"{q.name} = {p}d{index}"
        # Only outside values need converting, and ints only for a float target:
        # decide which check this parameter needs now, not at each call.
        needs = f"{q.name}.__class__ is {p}T"
        int_too = float in (annotation, type(default))
        if int_too:
            needs += f" or {q.name}.__class__ is {p}int"
        bound.append(q.name)
        entries.append((q.name, keys, default, annotation, int_too))
        convert = (f"if {needs}: {q.name} = {p}convert({q.name}, {p}a{index}, "
                   f"{p}d{index}, {{key!r}})")
        lines = [f"    if {q.name} is {p}M:\n"]
        for depth, key in enumerate(keys):
            pad = "    " * (2 * depth + 2)
            lines.append(_LOOKUP.format(pad=pad, p=p, key=key, name=q.name,
                                        convert=convert.format(key=key)))
        lines.append("    " * (2 * len(keys) + 2) + missing + "\n")
        body.append("".join(lines))
    if seen_positional_only:
        signature.append("/")
    is_async = inspect.iscoroutinefunction(fn)
    lookups = ""
    if bound:
        # Nothing is looked up when the caller passed every bound parameter.
        lookups = f"    if {' or '.join(f'{n} is {p}M' for n in bound)}:\n"
        if _speedups is not None:
            # The compiled lookup does what the Python below does, for all of them at once.
            env[f"{p}fill"] = _speedups.fill
            env[f"{p}spec"] = (fn, _missing_argument, _convert_outside, tuple(entries))
            names = ", ".join(bound)
            lookups += f"        {names}, = {p}fill({p}spec, {names})\n"
        else:
            # The scopes' dicts, then the baseline's (which _access keeps for the
            # pure-Python reads), without building a tuple of both.
            lookups += f"        {p}layers = {p}get()[0]\n        {p}base = {p}G['_baseline']\n"
            lookups += "".join("    " + line + "\n" for line in "".join(body).splitlines())
    source = (
        f"{'async ' if is_async else ''}def wrapper({', '.join(signature)}):\n"
        f"{lookups}"
        f"    return {'await ' if is_async else ''}{p}fn({', '.join(call)})\n"
    )
    exec(compile(source, f"<@hp.param wrapper of {name}>", "exec"), env)
    return env["wrapper"], bindings


def _wrap_function(fn: Callable[..., Any], namespace: str, skip_first: bool) -> Callable[..., Any]:
    namespaces: Tuple[str, ...] = (namespace,)
    inner = getattr(fn, "__hp_namespaces__", None)
    if inner is not None:
        # Stacked @hp.param: one wrapper over the original function, the outer
        # decorator's keys tried first, then the inner one's.
        namespaces = (namespace, *inner)
        skip_first = fn.__hp_skip_first__  # type: ignore[attr-defined]
        fn = fn.__wrapped__  # type: ignore[attr-defined]
    wrapper, bindings = _generate(fn, namespaces, skip_first)
    for _name, key, default in bindings:
        _scope.declare(key, default, fn)
    functools.update_wrapper(wrapper, fn)
    wrapper.__hp_namespace__ = namespace  # type: ignore[attr-defined]
    wrapper.__hp_namespaces__ = namespaces  # type: ignore[attr-defined]
    wrapper.__hp_skip_first__ = skip_first  # type: ignore[attr-defined]
    wrapper.__hp_bindings__ = bindings  # type: ignore[attr-defined]
    return wrapper


def _binds_receiver(fn: Any) -> bool:
    """Return whether ``fn`` is defined in a class body and takes ``self``/``cls`` first."""
    import inspect

    qualname = getattr(fn, "__qualname__", "")
    if "." not in qualname or qualname.rsplit(".", 2)[-2] == "<locals>":
        return False
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0].name in ("self", "cls") and params[0].kind in (
        params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)


def _namespace_of(target: Any) -> str:
    name = getattr(target, "__name__", None)
    if name is None:
        inner = getattr(target, "func", None)  # functools.partial
        name = getattr(inner, "__name__", None) or type(target).__name__
    return validate_key(name, "@hp.param (the namespace is the function's name)")


def _decorate(target: Any, namespace: Optional[str]) -> Any:
    if isinstance(target, type):
        ns = namespace or target.__name__
        init = target.__dict__.get("__init__")
        if init is None:
            raise TypeError(
                f"@hp.param on class {target.__qualname__} needs the class to define __init__ "
                "(its parameters are what gets bound)"
            )
        target.__init__ = _wrap_function(init, ns, True)  # type: ignore[misc]
        return target
    if isinstance(target, (staticmethod, classmethod)):
        func = target.__func__
        inner = _wrap_function(func, namespace or _namespace_of(func),
                               isinstance(target, classmethod))
        return type(target)(inner)
    if not callable(target):
        raise TypeError(f"@hp.param decorates functions and classes, not {target!r}")
    return _wrap_function(target, namespace or _namespace_of(target), _binds_receiver(target))


@overload
def param(target: F) -> F: ...


@overload
def param(target: Optional[str] = None) -> Callable[[F], F]: ...


def param(target: Union[str, F, None] = None) -> Any:
    """Bind each parameter ``p`` of a function (or a class's ``__init__``) to key ``ns.p``.

    ``@hp.param("train")`` binds ``lr`` to ``train.lr``; bare ``@hp.param``
    uses the function's (or class's) name as the namespace. At every call an
    argument the caller passes wins, then the parameters in force (scopes,
    then the baseline), then the signature default. Values from outside the
    program convert by the parameter's annotation, else toward its default's
    type. A method's ``self``/``cls`` is never bound. Stacked decorators bind
    every namespace, the outermost first. The function keeps its signature,
    name, docstring and ``__wrapped__``, stays a coroutine function if it was
    one, and pickles; a class stays the same class.
    """
    if isinstance(target, str):
        namespace = validate_key(target, "@hp.param(...)")
        return lambda fn: _decorate(fn, namespace)
    if target is None:
        return lambda fn: _decorate(fn, None)
    return _decorate(target, None)
