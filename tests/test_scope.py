"""The scope engine: reads, defaults, scopes, writes, text values, keys, accessors."""

from __future__ import annotations

import copy
import pickle

import pytest

import hyperparameter as hp
from hyperparameter import scope as imported_scope
from hyperparameter.errors import (
    ConversionError,
    InvalidKeyError,
    MissingKeyError,
    ScopeError,
    ScopeWriteError,
)

# ----------------------------------------------------------------------------- reading


def test_default_forms_agree_when_missing():
    """`| d`, `(d)` and `["k"] | d` all give the default for an undefined key."""
    assert hp.scope.train.lr | 0.001 == 0.001
    assert hp.scope.train.lr(0.002) == 0.002
    assert hp.scope["train.lr"] | 0.003 == 0.003
    assert hp.scope["train.lr"](0.004) == 0.004


def test_required_read_raises_keyerror_with_suggestion():
    """`()` on an undefined key raises a KeyError naming the key and the closest keys."""
    with hp.scope(**{"train.lr": 0.1, "train.epochs": 3}):
        with pytest.raises(KeyError, match=r"'train\.lrr'.*did you mean 'train\.lr'"):
            hp.scope.train.lrr()
        with pytest.raises(MissingKeyError):
            hp.scope["train.lrr"]()


def test_required_read_returns_value_when_defined():
    """`()` returns the stored value when some layer defines the key."""
    with hp.scope(**{"model.required_key": "x"}):
        assert hp.scope.model.required_key() == "x"


def test_scope_overrides_and_rolls_back():
    """A scope's values are seen inside the block and gone after it."""
    assert hp.scope.model.dropout | 0.1 == 0.1
    with hp.scope(**{"model.dropout": 0.3}):
        assert hp.scope.model.dropout | 0.1 == 0.3
    assert hp.scope.model.dropout | 0.1 == 0.1


def test_exception_inside_block_restores_state():
    """Leaving a block by an exception restores exactly the previous state."""
    with hp.scope(**{"a": 1}):
        with pytest.raises(RuntimeError, match="boom"), hp.scope(**{"a": 2, "b": 3}):
            raise RuntimeError("boom")
        assert hp.scope.a | 0 == 1
        assert hp.scope.b | 0 == 0
    assert hp.scope.a | 0 == 0


@pytest.mark.parametrize("value", [None, False, 0, "", 0.0, []], ids=repr)
def test_falsy_values_are_values(value):
    """None, False, 0 and "" set in a scope are returned, not replaced by the default."""
    with hp.scope(**{"k.v": value}):
        assert (hp.scope.k.v | "default") == value
        assert hp.scope.k.v() == value
        assert "k.v" in hp.scope


def test_nested_scopes_innermost_wins_and_outer_shows_through():
    """The innermost scope that defines a key wins; others show through."""
    with hp.scope(**{"a": 1, "b": 1}), hp.scope(**{"b": 2}):
        assert (hp.scope.a | 0, hp.scope.b | 0) == (1, 2)


def test_dynamic_key_access_and_import_form():
    """`scope[f"task.{name}.lr"]` and `from hyperparameter import scope` read the same."""
    assert imported_scope is hp.scope
    overrides = {"task.cls.lr": 1e-3, "task.seg.lr": 5e-4}
    with hp.scope(**overrides):
        got = {name: imported_scope[f"task.{name}.lr"] | 1.0 for name in ("cls", "seg", "det")}
    assert got == {"cls": 1e-3, "seg": 5e-4, "det": 1.0}


@pytest.mark.parametrize("name", ["keys", "update", "frozen", "items", "get", "values"])
def test_no_public_attribute_shadows_a_key(name):
    """Names like keys/update/frozen/items are ordinary parameters on hp.scope."""
    assert getattr(hp.scope, name) | "d" == "d"
    with hp.scope(**{name: 7, f"{name}.inner": 8}):
        assert getattr(hp.scope, name) | 0 == 7
        assert getattr(hp.scope, name).inner | 0 == 8


def test_accessor_is_an_immutable_value():
    """An accessor kept in a variable reads its own children later."""
    opt = hp.scope.optimizer
    with hp.scope(**{"optimizer.lr": 0.5}):
        assert opt.lr | 0.1 == 0.5
        assert opt.momentum | 0.9 == 0.9
    assert opt.lr | 0.1 == 0.1


def test_accessor_refuses_truth_test():
    """Using an accessor as a bool is a mistake and says how to read it."""
    with pytest.raises(TypeError, match=r"hp\.scope\.a\.b \| default"):
        bool(hp.scope.a.b)


def test_int_read_with_float_default_is_float():
    """An int value read with a float default comes back as float."""
    with hp.scope(**{"lr": 1}):
        value = hp.scope.lr | 0.5
    assert value == 1.0 and type(value) is float


def test_python_values_are_returned_unchanged():
    """A Python str given as a value is not converted toward an int default."""
    with hp.scope(**{"n": "12"}):
        assert hp.scope.n | 0 == "12"


# ----------------------------------------------------------------------------- text values

TEXT_CASES = [
    ("5", 1, 5),
    ("5e-4", 0.1, 5e-4),
    ("7", 0.1, 7.0),
    ("TRUE", False, True),
    ("off", True, False),
    ("Yes", False, True),
    ("0", True, False),
    ("hello", "x", "hello"),
    ("1,2,3", [0], [1, 2, 3]),
    ("[1, 2]", [0], [1, 2]),
    ("a, b", ("x",), ("a", "b")),
    ("(1, 2)", (0,), (1, 2)),
]


@pytest.mark.parametrize(("text", "default", "expected"), TEXT_CASES,
                         ids=[f"{c[0]}->{type(c[1]).__name__}" for c in TEXT_CASES])
def test_text_converts_toward_the_default(text, default, expected):
    """`key=value` text converts toward the type of the read's default."""
    with hp.scope(f"k={text}"):
        value = hp.scope.k | default
    assert value == expected and type(value) is type(expected)


LITERAL_CASES = [
    ("42", 42), ("2.5", 2.5), ("true", True), ("False", False), ("None", None),
    ("null", None), ("[1, 'a']", [1, "a"]), ("(1, 2)", (1, 2)), ("{'a': 1}", {"a": 1}),
    ("'quoted'", "quoted"), ("plain words", "plain words"),
]


@pytest.mark.parametrize(("text", "expected"), LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
def test_text_without_default_parses_as_literal(text, expected):
    """With `()` the text is parsed as a literal, else kept as a string."""
    with hp.scope(f"k={text}"):
        assert hp.scope.k() == expected


@pytest.mark.parametrize(("text", "default", "type_name"), [
    ("abc", 0.1, "float"), ("1.5", 3, "int"), ("maybe", True, "bool"), ("{1", [1], "list"),
], ids=["float", "int", "bool", "list"])
def test_unconvertible_text_is_an_error_naming_everything(text, default, type_name):
    """Text that cannot convert raises a ValueError naming key, text, type and source."""
    with hp.scope(f"train.lr={text}"):
        with pytest.raises(ConversionError) as info:
            hp.scope.train.lr | default
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "'train.lr'" in message and repr(text) in message and type_name in message
    assert "hp.scope('train.lr=" in message and "test_scope.py" in message


def test_value_may_contain_equals_sign():
    """Only the first '=' separates key from value."""
    with hp.scope("db.url=postgres://h/db?a=b"):
        assert hp.scope.db.url | "" == "postgres://h/db?a=b"


# ----------------------------------------------------------------------------- building scopes


def test_mixed_arguments_later_wins():
    """Strings, mappings and keywords combine; later arguments win."""
    with hp.scope("a=1", {"a": 2, "b": {"c": 3}}, "b.c=4", d=5):
        assert (hp.scope.a | 0, hp.scope.b.c | 0, hp.scope.d | 0) == (2, 4, 5)


def test_nested_mapping_is_flattened():
    """A nested dict passed positionally becomes dotted keys."""
    with hp.scope({"train": {"optimizer": {"lr": 0.1}}, "seed": 1}):
        assert hp.scope.train.optimizer.lr | 0.0 == 0.1
        assert hp.scope["train.optimizer.lr"] | 0.0 == 0.1


def test_list_of_strings_argument():
    """A list of 'key=value' strings (as argparse collects -D) is accepted."""
    with hp.scope(["a=1", "b=x"]):
        assert (hp.scope.a | 0, hp.scope.b | "") == (1, "x")


INVALID_KEYS = ["", "a..b", " a", "a b", "a=b", ".a", "a.", "a.\tb"]


@pytest.mark.parametrize("key", INVALID_KEYS, ids=repr)
def test_invalid_keys_rejected_at_scope_creation(key):
    """An invalid key is a ValueError naming the key, at scope creation."""
    with pytest.raises(InvalidKeyError, match="invalid key"):
        hp.scope(**{key: 1})
    with pytest.raises(InvalidKeyError, match="invalid key"):
        hp.scope({key: 1})


@pytest.mark.parametrize(("text", "match"), [
    ("a.b", "has no '='"), ("=1", "no key before '='"), ("a..b=1", "invalid key 'a..b'"),
], ids=["no-equals", "no-key", "empty-segment"])
def test_bad_assignment_strings(text, match):
    """Malformed 'key=value' strings are rejected with the fix."""
    with pytest.raises(ValueError, match=match):
        hp.scope(text)


def test_rejects_other_argument_types():
    """A positional argument that is not str/mapping/list is a TypeError."""
    with pytest.raises(TypeError, match="'key=value' strings"):
        hp.scope(42)


def test_case_is_preserved():
    """TRAIN.LR and train.lr are different keys."""
    with hp.scope(**{"TRAIN.LR": 1}):
        assert hp.scope.TRAIN.LR | 0 == 1
        assert hp.scope.train.lr | 0 == 0


# ----------------------------------------------------------------------------- writes


def test_write_through_scope_object():
    """`ps.a.b = v` and `ps["a.b"] = v` write into that scope until it exits."""
    with hp.scope() as ps:
        ps.a.b = 1
        ps["c.d"] = 2
        ps.e = 3
        assert (hp.scope.a.b | 0, hp.scope.c.d | 0, hp.scope.e | 0) == (1, 2, 3)
    assert (hp.scope.a.b | 0, hp.scope.c.d | 0) == (0, 0)


def test_write_through_hp_scope_targets_innermost():
    """`hp.scope.a.b = v` writes into the innermost active scope."""
    with hp.scope() as outer:
        with hp.scope() as inner:
            hp.scope.a.b = 5
            hp.scope["x"] = 6
            assert "a.b" in inner and "a.b" not in outer
        assert hp.scope.a.b | 0 == 0


def test_write_without_scope_says_what_to_do():
    """Writing with no active scope raises an error that names the fixes."""
    with pytest.raises(ScopeWriteError, match=r"no scope is active.*hp\.scope\(\).*hp\.frozen"):
        hp.scope.a.b = 1


def test_write_into_enclosing_scope_visible_inside():
    """A write into an outer scope is seen by an inner scope that does not shadow it."""
    with hp.scope() as outer, hp.scope(**{"other": 1}):
        outer.a = 10
        assert hp.scope.a | 0 == 10


def test_delete_from_scope_object():
    """`del ps[key]` removes a key the scope sets, and names close keys otherwise."""
    with hp.scope(**{"a.b": 1}) as ps:
        with pytest.raises(KeyError, match=r"did you mean 'a\.b'"):
            del ps["a.bb"]
        del ps["a.b"]
        assert hp.scope.a.b | 0 == 0


# ----------------------------------------------------------------------------- exit discipline


def test_interleaved_generators_exit_out_of_order_cleanly():
    """Interleaved generators holding scopes: the out-of-order exit raises, state stays whole."""

    def gen(value):
        with hp.scope(**{"g": value}):
            yield hp.scope.g | 0
            yield hp.scope.g | 0

    first, second = gen(1), gen(2)
    assert next(first) == 1
    assert next(second) == 2  # second's scope is now innermost
    assert next(first) == 2  # documented: a suspended generator's scope stays in force
    with pytest.raises(ScopeError, match="inner scope"):
        next(first)  # first exits while second's scope is still open
    assert hp.scope.g | 0 == 2  # only first's layer was removed
    assert next(second) == 2
    with pytest.raises(StopIteration):
        next(second)
    assert hp.scope.g | 0 == 0


def test_exit_twice_is_an_error_and_changes_nothing():
    """Exiting a scope that is not active raises and leaves the state intact."""
    s = hp.scope(**{"a": 1})
    with hp.scope(**{"b": 2}):
        with pytest.raises(ScopeError, match="not active"):
            s.__exit__(None, None, None)
        assert hp.scope.b | 0 == 2


def test_scope_object_can_be_reused():
    """A scope object can be entered again after it exits."""
    s = hp.scope(**{"a": 1})
    for _ in range(2):
        with s:
            assert hp.scope.a | 0 == 1
        assert hp.scope.a | 0 == 0


# ----------------------------------------------------------------------------- copy and pickle


def test_accessor_copy_and_pickle():
    """Accessors copy as themselves and pickle as the same key."""
    acc = hp.scope.train.lr
    assert copy.copy(acc) is acc and copy.deepcopy(acc) is acc
    restored = pickle.loads(pickle.dumps(acc))
    with hp.scope(**{"train.lr": 0.5}):
        assert restored | 0.1 == 0.5
    assert pickle.loads(pickle.dumps(hp.scope)) is hp.scope
    assert copy.deepcopy(hp.scope) is hp.scope


def test_scope_object_copy_and_pickle_carry_values_not_activity():
    """A copied or unpickled scope has the same values and is not active."""
    original = hp.scope("a=1", b=[1, 2])
    for clone in (copy.copy(original), copy.deepcopy(original),
                  pickle.loads(pickle.dumps(original))):
        assert hp.scope.b | None is None
        with clone:
            assert hp.scope.a | 0 == 1
            assert hp.scope.b | None == [1, 2]
    deep = copy.deepcopy(original)
    with deep as ps:
        ps.c = 3
    assert "c" not in original


def test_bound_accessor_refuses_pickle_clearly():
    """An accessor tied to a scope object refuses pickling with the alternative."""
    with hp.scope() as ps:
        with pytest.raises(TypeError, match="bound to a scope object"):
            pickle.dumps(ps.a)


def test_dunder_probes_are_attribute_errors():
    """Protocol probes (__len__, __array__) fail as on any object, not as parameters."""
    assert not hasattr(hp.scope.a, "__array_interface__")
    assert not hasattr(hp.scope, "__length_hint__")


def test_repr_shows_key_and_value():
    """repr of an accessor shows its key and current stored value."""
    assert repr(hp.scope.a.b) == "<parameter 'a.b': <not set>>"
    with hp.scope(**{"a.b": 2}):
        assert repr(hp.scope.a.b) == "<parameter 'a.b': 2>"


# ----------------------------------------------------------------------------- baseline


def test_frozen_publishes_current_parameters():
    """hp.frozen() inside a scope makes its values the baseline after the block."""
    with hp.scope(**{"global.seed": 42}):
        hp.frozen()
    assert hp.scope["global.seed"] | 0 == 42
    with hp.scope(**{"global.seed": 1}):
        assert hp.scope["global.seed"] | 0 == 1


def test_frozen_replaces_previous_baseline():
    """A second hp.frozen() replaces the first baseline as a whole."""
    with hp.scope(**{"a": 1}):
        hp.frozen()
    with hp.scope(**{"b": 2}):
        hp.frozen()
    assert (hp.scope.a | 0, hp.scope.b | 0) == (1, 2)  # frozen() took the baseline in force
    with hp.scope(**{"a": 3}):
        hp.frozen()
    assert (hp.scope.a | 0, hp.scope.b | 0) == (3, 2)
