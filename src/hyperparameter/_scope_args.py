"""What the arguments of ``hp.scope(...)`` mean: the layer they describe.

``hp.scope("key=value", mapping, [more ...], **overrides)``: text assignments
are outside values (converted at each read), mappings are flattened to dotted
keys (a tree read from files keeps each leaf's file line), later arguments win.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

from ._keys import _VALID, split_assignment, validate_key
from ._scope import Layer, new_layer
from ._source import Source, scope_source, sources_of
from ._tree import flatten
from ._values import Text

__all__ = ["build_layer", "checked_kwargs"]


def _add_mapping(layer: Layer, sources: Dict[str, Source], arg: Mapping[Any, Any],
                 where: str) -> None:
    flat = flatten(arg, "", where)
    recorded = sources_of(arg)
    params = layer.params
    if recorded is None:
        params.update(flat)
        for key in flat:
            sources.pop(key, None)
        return
    # A tree read from files (hp.load): its values came from outside, each with its
    # file line, so they convert like -D text and hp.explain names the line.
    for key, value in flat.items():
        source = recorded.get(key)
        if source is None:
            params[key] = value
            sources.pop(key, None)
        else:
            params[key] = Text(value, source)
            sources[key] = source


def build_layer(args: Tuple[Any, ...], kwargs: Dict[str, Any], origin: Tuple[Any, int]) -> Layer:
    """Return the layer that ``hp.scope(*args, **kwargs)`` describes (later arguments win)."""
    layer = new_layer(origin=origin)
    params = layer.params
    sources: Dict[str, Source] = {}
    where = layer.origin_text()
    for arg in args:
        if isinstance(arg, str):
            text_where = f"hp.scope({arg!r}) at {where.rpartition(' at ')[2]}"
            key, text = split_assignment(arg, text_where)
            source = scope_source(text_where)
            params[key] = Text(text, source)
            sources[key] = source
        elif isinstance(arg, Mapping):
            _add_mapping(layer, sources, arg, where)
        elif isinstance(arg, (list, tuple)):
            nested = build_layer(tuple(arg), {}, origin)
            params.update(nested.params)
            for key in nested.params:
                sources.pop(key, None)
            sources.update(nested.sources or {})
        else:
            raise TypeError(
                f"hp.scope() takes 'key=value' strings, mappings (dicts, CfgNode) and "
                f"keyword arguments; got {arg!r} ({type(arg).__name__})"
            )
    params.update(checked_kwargs(kwargs))
    for key in kwargs:
        sources.pop(key, None)
    layer.sources = sources or None
    return layer


def checked_kwargs(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Return ``kwargs`` with validated (NFKC-normalised) keys; the same dict if all were known."""
    if _VALID.issuperset(kwargs):
        return kwargs
    checked = {}
    for key, value in kwargs.items():
        checked[validate_key(key)] = value
    return checked
