"""Property tests for the engine's attack classes: odd parameter names, nesting, many keys."""

from __future__ import annotations

import keyword
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hyperparameter as hp

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Identifiers, biased toward the names a generated wrapper might use for itself.
identifiers = st.one_of(
    st.sampled_from(["_hp_M", "_hp_fn", "_hp_layer", "_hp_layers", "_hp_d0", "_hp_a0", "_hp_S",
                     "_hp_get", "_hp_T", "_hp_convert", "_hp_missing", "__hp_M", "wrapper",
                     "self_", "cls_", "key", "default"]),
    st.text(string.ascii_letters + "_", min_size=1, max_size=6).filter(
        lambda s: s.isidentifier() and not keyword.iskeyword(s)),
)


@SETTINGS
@given(st.lists(identifiers, min_size=1, max_size=5, unique=True), st.data())
def test_any_parameter_names_bind_their_own_keys(names, data):
    """Whatever the parameter names, each gets its default, its scope value or its argument."""
    source = f"def f({', '.join(f'{n}={i}' for i, n in enumerate(names))}):\n"
    source += f"    return ({', '.join(names)},)\n"
    namespace: dict = {}
    exec(source, namespace)
    f = hp.param("ns")(namespace["f"])
    assert f() == tuple(range(len(names)))
    chosen = data.draw(st.sets(st.sampled_from(names)), label="set in scope")
    with hp.scope(**{f"ns.{n}": 100 + i for i, n in enumerate(names) if n in chosen}):
        expected = tuple(100 + i if n in chosen else i for i, n in enumerate(names))
        assert f() == expected
        first = names[0]
        assert f(**{first: -1})[0] == -1


@SETTINGS
@given(st.integers(1, 400))
def test_nesting_is_accepted_up_to_the_limit_and_refused_past_it(depth):
    """A nested mapping works up to 200 levels and raises NestingError past them, never crashing."""
    tree: dict = {}
    node = tree
    for _ in range(depth - 1):
        node["k"] = {}
        node = node["k"]
    node["v"] = 1
    key = ".".join(["k"] * (depth - 1) + ["v"])
    if depth <= 200:
        with hp.scope(tree):
            assert hp.scope[key] | 0 == 1
    else:
        with pytest.raises(hp.NestingError, match="deeper than 200"):
            hp.scope(tree)


@SETTINGS
@given(st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=3),
                       st.integers(), min_size=0, max_size=50),
       st.integers(0, 5))
def test_scopes_of_any_size_and_depth_restore_exactly(values, depth):
    """Entering and leaving nested scopes of any keys restores exactly the state before."""
    before = hp.snapshot()
    scopes = [hp.scope(**{f"{k}.{i}": v for k, v in values.items()}) for i in range(depth)]
    for s in scopes:
        s.__enter__()
    for s in reversed(scopes):
        s.__exit__(None, None, None)
    assert hp.snapshot() == before
