"""Helpers shared by the CfgNode tests: invariant checks and comparable views of trees."""

from __future__ import annotations

from typing import Any

from hyperparameter import cfgnode
from hyperparameter.cfgnode import CfgNode

ATOMIC = (str, int, float, bool, type(None))
INTERNAL = (CfgNode.IMMUTABLE, CfgNode.DEPRECATED_KEYS, CfgNode.RENAMED_KEYS, CfgNode.NEW_ALLOWED)


def assert_consistent(node: Any) -> None:
    """Check that every node under ``node`` keeps its attribute mirror and child cache right."""
    seen = set()
    order = []
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        order.append(current)
        nomirror = type(current)._hp_nomirror
        state = vars(current)
        for name in INTERNAL:
            assert name in state, f"internal state {name!r} missing"
        for key, value in dict.items(current):
            if type(key) is str and key not in nomirror:
                assert state.get(key, object()) is value, f"stale mirror for {key!r}"
                assert getattr(current, key) is value
        for key, value in state.items():
            if key in INTERNAL:
                continue
            assert key in current and dict.__getitem__(current, key) is value, (
                f"__dict__ entry {key!r} mirrors no key"
            )
        cached = cfgnode._KIDS_GET(current)
        if cached is not None:
            kids, seqs = cached[0], cached[1]
            assert cached[3] is state, "the cache keeps another __dict__ than the node's"
            expected = [v for v in dict.values(current) if isinstance(v, CfgNode)]
            assert sorted(map(id, kids)) == sorted(map(id, expected)), "stale child cache"
            others = [
                k
                for k, v in dict.items(current)
                if type(v) not in ATOMIC
                and not isinstance(v, CfgNode)
                and not (type(v) is tuple and all(type(i) in ATOMIC for i in v))
            ]
            assert sorted(map(repr, seqs)) == sorted(map(repr, others)), "stale value cache"
        stack.extend(v for v in dict.values(current) if isinstance(v, CfgNode))
    # The nodes freeze() kept for the next freeze of ``node``: used only while every
    # node's child tuple is the one recorded, and then they must be the subtree.
    try:
        plan = cfgnode.CfgNode.__dict__["_hp_plan"].__get__(node)
    except AttributeError:
        plan = None
    if plan is not None:
        planned = [node, *plan[0]]
        caches = [cfgnode._KIDS_GET(n) if hasattr(n, "_hp_kids") else None for n in planned]
        if all(c is not None and c[0] is kids for c, kids in zip(caches, plan[1])):
            assert sorted(map(id, planned)) == sorted(map(id, order)), "stale freeze plan"


def shape(value: Any) -> Any:
    """Return a view of a tree that tells apart what ``==`` does not (1 vs 1.0, list vs tuple).

    Nodes of YACS and of this library give equal shapes when they hold the same
    keys, values, leaf types and flags.
    """
    if isinstance(value, dict):
        state = vars(value) if hasattr(value, "__dict__") else {}
        return (
            "node",
            type(value).__name__,
            state.get(CfgNode.IMMUTABLE),
            state.get(CfgNode.NEW_ALLOWED),
            sorted(((repr(k), shape(v)) for k, v in value.items()), key=lambda kv: kv[0]),
        )
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(item) for item in value])
    return (type(value).__name__, repr(value))
