"""The scope engine against a reference model, on random programs (Hypothesis stateful testing).

The model is deliberately naive: a list of scopes (dicts) entered, innermost
last, and a baseline dict. Each rule does one thing to the engine and to the
model; after every step the parameters in force must be the same in both.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import hyperparameter as hp
from hyperparameter import _scope
from hyperparameter._source import Source
from hyperparameter._values import MISSING, Text
from hyperparameter.errors import MissingKeyError, ScopeError, ScopeWriteError

KEYS = ["a", "a.b", "b", "c.d.e"]
keys = st.sampled_from(KEYS)
# Python values, falsy ones included: None, False, 0 and "" are values, not "missing".
values = st.one_of(st.integers(-5, 5), st.none(), st.just(False), st.just(""))
# Values that arrive as text ("key=7"): the read converts them.
texts = st.integers(-5, 5).map(str)
DEFAULTS = [-999, 0.5, "", MISSING]  # an int, a float, a str, and no default at all


def expected_read(value: Any, default: Any) -> Any:
    """Return what a read with ``default`` must give for a stored ``value`` (the spec's rules)."""
    if isinstance(value, Text):
        if default is MISSING or isinstance(default, int):
            return int(value.text)
        if isinstance(default, float):
            return float(value.text)
        return value.text
    if type(value) is int and isinstance(default, float):
        return float(value)
    return value


class ScopeModel(RuleBasedStateMachine):
    """Random enter / exit / write / delete / read / frozen / bind programs."""

    def __init__(self) -> None:
        super().__init__()
        self.scopes: List[hp.Scope] = []
        self.layers: List[Dict[str, Any]] = []  # the model of each scope's values
        self.stack: List[int] = []  # indexes into scopes, innermost last
        self.baseline: Dict[str, Any] = {}
        self.bound: List[Tuple[Any, Dict[str, Any]]] = []

    # the model -------------------------------------------------------------------------
    def merged(self) -> Dict[str, Any]:
        """Return the model's parameters in force."""
        result = dict(self.baseline)
        for index in self.stack:
            result.update(self.layers[index])
        return result

    def lookup(self, key: str) -> Any:
        """Return the model's value of ``key``, or MISSING."""
        for index in reversed(self.stack):
            if key in self.layers[index]:
                return self.layers[index][key]
        return self.baseline.get(key, MISSING)

    # rules -----------------------------------------------------------------------------
    @precondition(lambda self: len(self.scopes) < 6)
    @rule(py=st.dictionaries(keys, values, max_size=3),
          text=st.dictionaries(keys, texts, max_size=2), as_mapping=st.booleans())
    def create(self, py: Dict[str, Any], text: Dict[str, str], as_mapping: bool) -> None:
        """Build a scope from 'key=value' strings and Python values (the later wins)."""
        assignments = [f"{k}={v}" for k, v in text.items()]
        if as_mapping:
            scope = hp.scope(*assignments, dict(py))
        else:
            scope = hp.scope(*assignments, **py)
        self.scopes.append(scope)
        self.layers.append({**{k: Text(v, "") for k, v in text.items()}, **py})

    @precondition(lambda self: self.scopes and len(self.stack) < 8)
    @rule(data=st.data())
    def enter(self, data: st.DataObject) -> None:
        """Enter a scope (possibly one already entered: scopes can be re-entered)."""
        index = data.draw(st.integers(0, len(self.scopes) - 1), label="scope")
        self.scopes[index].__enter__()
        self.stack.append(index)

    @precondition(lambda self: self.scopes)
    @rule(data=st.data())
    def exit(self, data: st.DataObject) -> None:
        """Exit a scope: in order, out of order (an error that removes only it), or not active."""
        index = data.draw(st.integers(0, len(self.scopes) - 1), label="scope")
        scope = self.scopes[index]
        if index not in self.stack:
            with pytest.raises(ScopeError, match="not active"):
                scope.__exit__(None, None, None)
        elif self.stack[-1] == index:
            scope.__exit__(None, None, None)
            self.stack.pop()
        else:
            with pytest.raises(ScopeError, match="inner scope"):
                scope.__exit__(None, None, None)
            innermost = len(self.stack) - 1 - self.stack[::-1].index(index)
            del self.stack[innermost]

    @rule(key=keys, value=values)
    def write_innermost(self, key: str, value: Any) -> None:
        """hp.scope[key] = value writes into the innermost active scope, or fails with none."""
        if not self.stack:
            with pytest.raises(ScopeWriteError, match="no scope is active"):
                hp.scope[key] = value
            return
        hp.scope[key] = value
        self.layers[self.stack[-1]][key] = value

    @precondition(lambda self: self.scopes)
    @rule(data=st.data(), key=keys, value=values)
    def write_through_scope(self, data: st.DataObject, key: str, value: Any) -> None:
        """ps[key] = value writes into that scope's layer, active or not."""
        index = data.draw(st.integers(0, len(self.scopes) - 1), label="scope")
        self.scopes[index][key] = value
        self.layers[index][key] = value

    @precondition(lambda self: self.scopes)
    @rule(data=st.data(), key=keys)
    def delete(self, data: st.DataObject, key: str) -> None:
        """del ps[key] removes a key the scope sets; another key is an error, changing nothing."""
        index = data.draw(st.integers(0, len(self.scopes) - 1), label="scope")
        if key in self.layers[index]:
            del self.scopes[index][key]
            del self.layers[index][key]
        else:
            with pytest.raises(MissingKeyError, match="does not set"):
                del self.scopes[index][key]

    @rule()
    def frozen(self) -> None:
        """hp.frozen() makes the parameters in force the baseline."""
        hp.frozen()
        self.baseline = self.merged()

    @rule(key=keys, default=st.sampled_from(DEFAULTS))
    def read(self, key: str, default: Any) -> None:
        """Every read form gives the model's value, converted toward the default."""
        value = self.lookup(key)
        accessor = hp.scope[key]
        if value is MISSING:
            if default is MISSING:
                with pytest.raises(MissingKeyError, match=key.replace(".", r"\.")):
                    accessor()
            else:
                assert accessor | default == default
                assert accessor(default) == default
            assert key not in hp.scope
            return
        expected = expected_read(value, default)
        if default is MISSING:
            got = accessor()
        else:
            got = accessor | default
            assert accessor(default) == expected and type(accessor(default)) is type(expected)
        assert got == expected and type(got) is type(expected)
        assert key in hp.scope

    @precondition(lambda self: len(self.bound) < 4)
    @rule()
    def bind(self) -> None:
        """hp.bind captures the parameters in force now."""
        self.bound.append((hp.bind(lambda: _scope.effective()), self.merged()))

    @precondition(lambda self: self.bound)
    @rule(data=st.data())
    def call_bound(self, data: st.DataObject) -> None:
        """A bound call sees what was captured, over whatever is in force where it runs."""
        fn, captured = data.draw(st.sampled_from(self.bound), label="bound")
        assert fn() == {**self.merged(), **captured}

    # after every step ----------------------------------------------------------------
    @invariant()
    def same_parameters_in_force(self) -> None:
        """The engine's parameters in force, stack and baseline equal the model's."""
        assert _scope.effective() == self.merged()
        assert [dict(params) for params in _scope._stack.get()[0]] == [
            self.layers[i] for i in reversed(self.stack)
        ]
        assert dict(_scope.baseline().params) == self.baseline

    def teardown(self) -> None:
        """Exit what the program left open and empty the baseline for the next program."""
        for index in reversed(self.stack):
            self.scopes[index].__exit__(None, None, None)
        self.stack.clear()
        _scope.set_baseline({}, {}, Source("empty test baseline", "baseline"))
        assert _scope.current_stack_depth() == 0


def test_engine_matches_the_reference_model():
    """Random programs of enter/exit/write/delete/read/frozen/bind agree with the model."""
    ScopeModel.TestCase.settings = settings(
        max_examples=150, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine_test = ScopeModel.TestCase("runTest")
    machine_test.runTest()
