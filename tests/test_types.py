"""The one coercion rule (hyperparameter._types.coerce), case by case."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, FrozenSet, List, Literal, Optional, Set, Tuple, Union

import pytest

from _support import Mode, Opt
from hyperparameter._types import coerce, target_of
from hyperparameter._values import MISSING
from hyperparameter.errors import ConversionError

try:
    from typing import Annotated
except ImportError:  # pragma: no cover - Python 3.8
    from typing_extensions import Annotated  # type: ignore[assignment]


@dataclasses.dataclass
class Optim:
    lr: float
    betas: List[float] = dataclasses.field(default_factory=lambda: [0.9, 0.99])


class Path0:
    """A class without a rule of its own: built from text by cls(text)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Path0) and other.text == self.text


CONVERTS = [
    # text from outside, converted by the target
    ("1e-3", float, 0.001, "text-exp-float"),
    ("7", int, 7, "text-int"),
    ("yes", bool, True, "text-bool-yes"),
    ("OFF", bool, False, "text-bool-off"),
    (" a b ", str, " a b ", "text-str-unchanged"),
    ("1,2", List[int], [1, 2], "text-list-comma"),
    ("[1, 2]", List[int], [1, 2], "text-list-literal"),
    ("(1, 'a')", Tuple[int, str], (1, "a"), "text-tuple-fixed"),
    ("1,2,2", Set[int], {1, 2}, "text-set"),
    ("{'a': '1'}", Dict[str, int], {"a": 1}, "text-dict-items-converted"),
    ("null", Optional[int], None, "text-optional-null"),
    ("3", Optional[int], 3, "text-optional-value"),
    ("3", Union[int, str], 3, "text-union-str-last"),
    ("x", Union[int, str], "x", "text-union-str-arm"),
    ("b", Literal["a", "b"], "b", "text-literal"),
    ("2", Mode, Mode.SLOW, "text-intenum-value"),
    ("FAST", Mode, Mode.FAST, "text-intenum-name"),
    ("SGD", Opt, Opt.SGD, "text-enum-name"),
    ("adam", Opt, Opt.ADAM, "text-enum-value"),
    ("4", Annotated[int, "doc"], 4, "text-annotated"),
    ("p/q", Path0, Path0("p/q"), "text-other-class"),
    ("[1, 'a']", MISSING, [1, "a"], "text-no-target-literal"),
    ("plain", Any, "plain", "text-any-stays-text"),
    ("42", Any, 42, "text-any-literal"),
    ("0.5", object, 0.5, "text-object-literal"),
    # typed values from a file or store
    (3, float, 3.0, "int-widens-to-float"),
    (5, int, 5, "int-stays-int"),
    (1, Union[float, int], 1, "union-exact-arm-first"),
    (1, Optional[float], 1.0, "optional-widens"),
    (None, Optional[int], None, "none-for-optional"),
    ([1, "2"], List[int], [1, 2], "list-str-items-are-text"),
    (["1", "a"], list, [1, "a"], "untyped-list-text-items-are-literals"),
    ({"1": "2"}, dict, {"1": 2}, "untyped-dict-keys-stay"),
    ([1, 2], Tuple[int, ...], (1, 2), "list-to-tuple"),
    ({"a": "1"}, Dict[str, float], {"a": 1.0}, "dict-values-converted"),
    (2, Mode, Mode.SLOW, "int-to-intenum"),
    ("sgd", Opt, Opt.SGD, "value-to-enum"),
    ({"lr": "0.1"}, Optim, Optim(0.1), "mapping-builds-dataclass"),
    ({"x": 1}, MISSING, {"x": 1}, "no-target-unchanged"),
    (2, Literal[1, 2], 2, "literal-typed"),
]


@pytest.mark.parametrize(("value", "annotation", "expected"), [c[:3] for c in CONVERTS],
                         ids=[c[3] for c in CONVERTS])
def test_coerce_converts(value: Any, annotation: Any, expected: Any) -> None:
    """coerce gives the value the target type asks for, with the type it asks for."""
    got = coerce(value, annotation, "a.key", "c.yaml:2")
    assert got == expected
    assert type(got) is type(expected)


REFUSES = [
    (5.5, int, r"expected int, got 5\.5 \(float\)", "float-for-int"),
    (True, int, r"expected int, got True \(bool\)", "bool-is-not-int"),
    (True, float, r"expected float, got True \(bool\)", "bool-is-not-float"),
    ([1], str, r"expected str, got \[1\] \(list\).*quote it", "list-for-str"),
    (7, str, r"expected str, got 7 \(int\)", "int-for-str"),
    ("x", int, r"'x' to int", "text-not-int"),
    ("maybe", bool, r"'maybe' to bool.*true/false", "text-not-bool"),
    (10**400, float, r"expected float, got .*too large", "int-overflows-float"),
    ([1, "x"], List[int], r"'x' to int for key 'a\.key\[1\]'", "bad-list-item"),
    ([1, 2, 3], Tuple[int, int], r"exactly 2", "tuple-length"),
    ({"a": 1}, List[int], r"write a list", "mapping-for-list"),
    ("c", Literal["a", "b"], r"use one of", "text-not-in-literal"),
    ("RMS", Opt, r"'SGD'", "text-not-a-member"),
    (3, Opt, r"use one of 'SGD', 'ADAM'", "value-not-a-member"),
    ({"lr": "x", "bad": 1}, Optim, r"cannot build Optim.*unknown key 'a\.key\.bad'",
     "dataclass-problems"),
    (1.5, Union[int, bool], r"one of those types", "no-union-arm"),
]


@pytest.mark.parametrize(("value", "annotation", "pattern"), [c[:3] for c in REFUSES],
                         ids=[c[3] for c in REFUSES])
def test_coerce_refuses(value: Any, annotation: Any, pattern: str) -> None:
    """A value that does not fit is a ConversionError naming key, value, source and type."""
    with pytest.raises(ConversionError, match=pattern) as caught:
        coerce(value, annotation, "a.key", "c.yaml:2")
    message = str(caught.value)
    assert "a.key" in message
    assert "c.yaml:2" in message


def test_conversion_error_is_a_value_error() -> None:
    """Callers that catch ValueError catch a failed coercion."""
    with pytest.raises(ValueError, match="for key 'k'"):
        coerce("x", float, "k", "-D")


@dataclasses.dataclass
class WithFactory:
    sizes: List[int] = dataclasses.field(default_factory=list)


TARGETS = [
    (int, 0.5, int, "annotation-wins"),
    (MISSING, 0.5, float, "default-type"),
    (MISSING, None, MISSING, "none-default"),
    (MISSING, MISSING, MISSING, "nothing"),
    ("int", 3, int, "string-annotation-ignored"),
    (MISSING, Mode.FAST, Mode, "enum-default"),
]


@pytest.mark.parametrize(("annotation", "default", "expected"), [c[:3] for c in TARGETS],
                         ids=[c[3] for c in TARGETS])
def test_target_of(annotation: Any, default: Any, expected: Any) -> None:
    """target_of picks the annotation, else the default's type, else MISSING."""
    assert target_of(annotation, default) is expected


def test_default_factory_field_is_settable_from_text() -> None:
    """A dataclass field with a default_factory converts text by its annotation."""
    import inspect

    parameter = inspect.signature(WithFactory).parameters["sizes"]
    target = target_of(List[int], parameter.default)
    assert coerce("1,2", target, "sizes", "-D") == [1, 2]
    assert target_of(MISSING, parameter.default) is MISSING


def test_frozenset_items_converted() -> None:
    """A set target converts each text item and gives the set type asked for."""
    assert coerce(["1", 2], FrozenSet[int], "k") == frozenset({1, 2})
