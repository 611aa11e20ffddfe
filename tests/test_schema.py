"""Typed configs: schema validation and text -> annotated type conversion."""

from __future__ import annotations

import dataclasses
import enum
import pickle
import re
import sys
import textwrap
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Literal,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import pytest

from hyperparameter import _schema, files
from hyperparameter._types import convert_text_to_type
from hyperparameter._values import MISSING
from hyperparameter.errors import ConversionError, HyperparameterError, SchemaError


class Optim(enum.Enum):
    """An enum whose values are text."""

    ADAM = "adam"
    SGD = "sgd"


class Level(enum.Enum):
    """An enum whose values are numbers."""

    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Train:
    """Training settings, with a check in __post_init__."""

    lr: float
    epochs: int = 10
    optim: Optim = Optim.SGD
    schedule: Literal["cosine", "step"] = "cosine"
    milestones: List[int] = dataclasses.field(default_factory=list)
    checked: bool = dataclasses.field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        self.checked = True


@dataclasses.dataclass
class Model:
    """Model settings."""

    name: str
    scales: Tuple[int, ...] = (1,)
    shape: Optional[Tuple[int, int]] = None
    dropout: Optional[float] = None
    level: Level = Level.LOW


@dataclasses.dataclass
class Experiment:
    """A nested schema."""

    train: Train
    model: Model
    tags: Set[str] = dataclasses.field(default_factory=set)
    weights: Dict[str, float] = dataclasses.field(default_factory=dict)
    seed: Union[int, str] = 0
    note: Any = None


class Legacy:
    """A 0.6-style schema: a plain class with annotations and class-level defaults."""

    lr: float
    name: str = "legacy"
    extra: Optional[int]


def write(folder: Path, name: str, text: str) -> Path:
    """Write a dedented file under ``folder`` and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def validate(tree: Dict[str, Any], schema: Any = Experiment) -> Any:
    """Validate ``tree`` (no sources) against ``schema``."""
    return _schema.validate(tree, schema, {})


# ----------------------------------------------------------------------------- valid configs


def test_nested_schema_with_defaults() -> None:
    """A minimal tree fills nested dataclasses, defaults and default factories."""
    result = validate({"train": {"lr": 0.1}, "model": {"name": "resnet"}})
    assert result == Experiment(train=Train(lr=0.1), model=Model(name="resnet"))
    assert result.train.checked is True  # __post_init__ ran
    assert result.tags == set()


FIELD_CASES = {
    "int-to-float": ({"lr": 1}, lambda r: r.train.lr == 1.0 and type(r.train.lr) is float),
    "text-to-float": ({"lr": "1e-3"}, lambda r: r.train.lr == 0.001),
    "text-to-int": ({"lr": 1, "epochs": "12"}, lambda r: r.train.epochs == 12),
    "enum-by-value": ({"lr": 1, "optim": "adam"}, lambda r: r.train.optim is Optim.ADAM),
    "enum-by-name": ({"lr": 1, "optim": "ADAM"}, lambda r: r.train.optim is Optim.ADAM),
    "enum-member": ({"lr": 1, "optim": Optim.ADAM}, lambda r: r.train.optim is Optim.ADAM),
    "literal": ({"lr": 1, "schedule": "step"}, lambda r: r.train.schedule == "step"),
    "list-of-int": ({"lr": 1, "milestones": [3, 6]}, lambda r: r.train.milestones == [3, 6]),
    "list-from-text": ({"lr": 1, "milestones": "3,6"}, lambda r: r.train.milestones == [3, 6]),
    "list-items-from-text": ({"lr": 1, "milestones": ["3", 6]},
                             lambda r: r.train.milestones == [3, 6]),
}


@pytest.mark.parametrize("train,check", list(FIELD_CASES.values()), ids=list(FIELD_CASES))
def test_train_field_conversions(train: Dict[str, Any], check: Callable[[Any], bool]) -> None:
    """Typed data passes; text converts where the field type is not str."""
    assert check(validate({"train": train, "model": {"name": "m"}}))


MODEL_CASES = {
    "tuple-from-list": ({"scales": [1, 2]}, lambda m: m.scales == (1, 2)),
    "fixed-tuple": ({"shape": [3, 4]}, lambda m: m.shape == (3, 4)),
    "optional-none": ({"shape": None, "dropout": None}, lambda m: m.shape is None),
    "optional-value": ({"dropout": 0.5}, lambda m: m.dropout == 0.5),
    "optional-text": ({"dropout": "0.5"}, lambda m: m.dropout == 0.5),
    "optional-null-text": ({"dropout": "null"}, lambda m: m.dropout is None),
    "int-enum-by-value": ({"level": 2}, lambda m: m.level is Level.HIGH),
    "int-enum-from-text": ({"level": "2"}, lambda m: m.level is Level.HIGH),
    "name-stays-text": ({"name": "123"}, lambda m: m.name == "123"),
}


@pytest.mark.parametrize("model,check", list(MODEL_CASES.values()), ids=list(MODEL_CASES))
def test_model_field_conversions(model: Dict[str, Any], check: Callable[[Any], bool]) -> None:
    """Tuples, Optional and enums convert from data and text."""
    assert check(validate({"train": {"lr": 1}, "model": {"name": "m", **model}}).model)


TOP_CASES = {
    "set-from-list": ({"tags": ["a", "b", "a"]}, lambda e: e.tags == {"a", "b"}),
    "dict-values": ({"weights": {"a": 1, "b": "0.5"}}, lambda e: e.weights == {"a": 1.0, "b": 0.5}),
    # Text is converted by the target whatever its source: Union[int, str] tries str last.
    "union-text-is-converted": ({"seed": "42"}, lambda e: e.seed == 42),
    "union-keeps-text": ({"seed": "abc"}, lambda e: e.seed == "abc"),
    "union-int": ({"seed": 42}, lambda e: e.seed == 42),
    "any-unchanged": ({"note": {"x": [1]}}, lambda e: e.note == {"x": [1]}),
}


@pytest.mark.parametrize("top,check", list(TOP_CASES.values()), ids=list(TOP_CASES))
def test_collection_and_union_conversions(
    top: Dict[str, Any], check: Callable[[Any], bool]
) -> None:
    """Sets, dicts, Union (a str stays a str when str is allowed) and Any."""
    assert check(validate({"train": {"lr": 1}, "model": {"name": "m"}, **top}))


def test_instances_are_accepted_as_they_are() -> None:
    """A value that already is the nested dataclass is kept."""
    model = Model(name="given")
    assert validate({"train": {"lr": 1}, "model": model}).model is model


def test_plain_annotated_class_like_0_6() -> None:
    """A plain annotated class is filled without __init__; Optional fields default to None."""
    result = validate({"lr": "0.5"}, Legacy)
    assert (result.lr, result.name, result.extra) == (0.5, "legacy", None)


# ----------------------------------------------------------------------------- problems


def test_every_problem_is_reported_at_once() -> None:
    """All problems, each with its full key, come in one SchemaError."""
    tree = {
        "train": {"lrr": 0.1, "epochs": 2.5, "optim": "adm", "milestones": [1, "x"]},
        "model": {"name": 5, "shape": [1, 2, 3]},
        "weights": {"a": "heavy"},
        "sed": 1,
    }
    with pytest.raises(SchemaError) as info:
        validate(tree)
    problems = info.value.problems
    expected = [
        r"unknown key 'sed'; did you mean 'seed'\?",
        r"unknown key 'train\.lrr'; did you mean 'train\.lr'",
        r"missing key 'train\.lr' \(float\), required by Train; add it",
        r"key 'train\.epochs': expected int, got 2\.5 \(float\); write a whole number",
        r"cannot convert 'adm' to Optim for key 'train\.optim'; use one of 'ADAM', 'SGD'",
        r"cannot convert 'x' to int for key 'train\.milestones\[1\]'",
        r"key 'model\.name': expected str, got 5 \(int\); quote it",
        r"key 'model\.shape': expected Tuple\[int, int\], got \[1, 2, 3\].*write exactly 2 item",
        r"cannot convert 'heavy' to float for key 'weights\.a'",
    ]
    assert len(problems) == len(expected)
    for pattern in expected:
        assert any(re.search(pattern, p) for p in problems), pattern


@pytest.mark.parametrize(
    "tree,match",
    [
        ({"train": 3, "model": {"name": "m"}},
         r"key 'train': expected a mapping for Train, got 3 \(int\)"),
        ({"train": {"lr": -1}, "model": {"name": "m"}},
         r"key 'train': Train rejected the values: ValueError: lr must be positive, got -1\.0"),
        ({"train": {"lr": 1, "schedule": "linear"}, "model": {"name": "m"}},
         r"cannot convert 'linear' to Literal\['cosine', 'step'\] for key 'train\.schedule'; "
         r"use one of 'cosine', 'step'"),
        ({"train": {"lr": 1, "schedule": 3}, "model": {"name": "m"}},
         r"key 'train\.schedule': expected Literal\['cosine', 'step'\], got 3 \(int\)"),
        ({"train": {"lr": True}, "model": {"name": "m"}},
         r"key 'train\.lr': expected float, got True \(bool\)"),
        ({"train": {"lr": None}, "model": {"name": "m"}},
         r"key 'train\.lr': expected float, got None \(NoneType\)"),
        ({"train": {"lr": 1, "checked": True}, "model": {"name": "m"}},
         r"unknown key 'train\.checked'"),
        ({"train": {"lr": 1}, "model": {"name": "m"}, "seed": 1.5},
         r"key 'seed': expected Union\[int, str\], got 1\.5 \(float\)"),
        ({"train": {"lr": 1}, "model": {"name": "m"}, "tags": 3},
         r"key 'tags': expected Set\[str\], got 3 \(int\); write a list"),
        ({"train": {"lr": 1}, "model": {"name": "m"}, "weights": [1]},
         r"key 'weights': expected Dict\[str, float\], got \[1\] \(list\); write a mapping"),
        ({"train": {"lr": 1}, "model": {"name": "m", "level": 3}},
         r"key 'model\.level': expected Level, got 3 \(int\); use one of 'LOW', 'HIGH'"),
        ({"train": {"lr": 1}},
         r"missing key 'model' \(Model\), required by Experiment"),
    ],
    ids=["not-a-mapping", "post-init", "literal-text", "literal-type", "bool-is-not-a-number",
         "none", "init-false-field", "union", "set", "dict", "enum-value", "missing-section"],
)
def test_schema_problems(tree: Dict[str, Any], match: str) -> None:
    """Each kind of problem is reported with its key, value and fix."""
    with pytest.raises(SchemaError, match=match):
        validate(tree)


def test_schema_problems_name_the_file_and_line(tmp_path: Path) -> None:
    """Problems of values read from files carry the file and line of the key."""
    write(tmp_path, "cfg.yaml", """
        train:
          lr: fast
          epohcs: 3
        model: {name: m}
        """)
    with pytest.raises(SchemaError) as info:
        files.load(tmp_path / "cfg.yaml", schema=Experiment)
    where = str(tmp_path / "cfg.yaml")
    unknown, conversion = info.value.problems
    assert unknown.startswith(
        f"unknown key 'train.epohcs' ({where}:3); did you mean 'train.epochs'"
    )
    assert conversion == (
        f"cannot convert 'fast' to float for key 'train.lr' (from {where}:2); "
        "write a number like 0.001 or 1e-3"
    )


def test_schema_error_is_a_value_error_that_pickles() -> None:
    """SchemaError subclasses ValueError and ours, keeps its problems and pickles."""
    with pytest.raises(SchemaError) as info:
        validate({})
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, HyperparameterError)
    assert str(error).startswith("config does not match schema Experiment (2 problems):\n  - ")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems and str(copy) == str(error)


@dataclasses.dataclass
class Unsupported:
    """A schema with a field type typed configs cannot check."""

    hook: Callable[[int], int]


@dataclasses.dataclass
class Unresolvable:
    """A schema naming a type that does not exist."""

    x: NoSuchType  # type: ignore[name-defined]  # noqa: F821


@pytest.mark.parametrize(
    "schema,match",
    [
        (dict, r"schema must be a dataclass .* got <class 'dict'>"),
        (Unsupported, r"key 'hook' has annotation .*Callable.* does not support"),
        (Unresolvable, r"cannot read the type annotations of schema Unresolvable: .*NoSuchType"),
    ],
    ids=["not-a-schema", "unsupported-annotation", "unresolvable"],
)
def test_bad_schemas_are_type_errors(schema: Any, match: str) -> None:
    """A schema the validator cannot use is a TypeError (a bug in the program, not the file)."""
    with pytest.raises(TypeError, match=match):
        _schema.validate({"hook": 1, "x": 1}, schema, {})


# ----------------------------------------------------------------------------- text -> type

TEXT_CASES = {
    "int": ("42", int, 42),
    "float": ("1e-3", float, 0.001),
    "bool": ("Off", bool, False),
    "str": (" a b ", str, " a b "),
    "none": ("null", type(None), None),
    "optional-none": ("None", Optional[int], None),
    "optional-value": ("3", Optional[int], 3),
    "union-int-first": ("3", Union[int, str], 3),
    "union-falls-to-str": ("abc", Union[int, str], "abc"),
    "union-order": ("1", Union[float, int], 1.0),
    "literal-str": ("step", Literal["cosine", "step"], "step"),
    "literal-int": ("2", Literal[1, 2], 2),
    "literal-bool": ("yes", Literal[True], True),
    "enum-name": ("ADAM", Optim, Optim.ADAM),
    "enum-value": ("sgd", Optim, Optim.SGD),
    "enum-int-value": ("2", Level, Level.HIGH),
    "list-commas": ("1, 2,3,", List[int], [1, 2, 3]),
    "list-literal": ("[1, 2.5]", List[float], [1.0, 2.5]),
    "list-empty": ("", List[int], []),
    "list-of-str-keeps-text": ("true,none,01", List[str], ["true", "none", "01"]),
    "list-of-optional": ("none,1", List[Optional[int]], [None, 1]),
    "nested-list": ("[[1], [2, 3]]", List[List[int]], [[1], [2, 3]]),
    "sequence": ("a,b", Sequence[str], ["a", "b"]),
    "tuple-variadic": ("1,2", Tuple[int, ...], (1, 2)),
    "tuple-fixed": ("(1, 'x')", Tuple[int, str], (1, "x")),
    "set": ("a,b,a", Set[str], {"a", "b"}),
    "frozenset": ("1,2", FrozenSet[int], frozenset({1, 2})),
    "dict": ("{'a': '1', 'b': 2}", Dict[str, float], {"a": 1.0, "b": 2.0}),
    "dict-int-keys": ("{1: 'x'}", Dict[int, str], {1: "x"}),
    "bare-list": ("1,a", list, [1, "a"]),
    "bare-dict": ("{'a': 1}", dict, {"a": 1}),
    "any": ("[1, 'a']", Any, [1, "a"]),
    "no-annotation": ("3.5", MISSING, 3.5),
    "object": ("x", object, "x"),
    "path": ("/tmp/x", Path, Path("/tmp/x")),
}


@pytest.mark.parametrize(
    "text,annotation,expected", list(TEXT_CASES.values()), ids=list(TEXT_CASES)
)
def test_convert_text_to_type(text: str, annotation: Any, expected: Any) -> None:
    """Text converts to the annotated type by the SPEC section 3 rules."""
    result = convert_text_to_type(text, annotation, "k", "-D k=...")
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="X | Y needs Python 3.10")
def test_convert_text_to_type_with_pep604_union() -> None:
    """`int | None` works like Optional[int]."""
    union = eval("int | None")
    assert convert_text_to_type("none", union, "k") is None
    assert convert_text_to_type("7", union, "k") == 7


@pytest.mark.parametrize(
    "text,annotation,match",
    [
        ("x", int, r"cannot convert 'x' to int for key 'k' \(from -D k=x\); write a whole number"),
        ("maybe", bool, r"cannot convert 'maybe' to bool .*true/false"),
        ("1", type(None), r"cannot convert '1' to None .*write none or null"),
        ("x", Optional[int], r"cannot convert 'x' to Optional\[int\] for key 'k'"),
        ("x", Union[int, float], r"cannot convert 'x' to Union\[int, float\]"),
        ("linear", Literal["cosine", "step"], r"use one of 'cosine', 'step'"),
        ("GREEN", Optim, r"cannot convert 'GREEN' to Optim .*'ADAM', 'SGD' \(a member's name\)"),
        ("1,x", List[int], r"cannot convert 'x' to int for key 'k\[1\]'"),
        ("[1", List[int], r"cannot convert '\[1' to list .*a Python literal like \[1, 2\]"),
        ("1,2,3", Tuple[int, int], r"cannot convert '1,2,3' to Tuple\[int, int\] .*exactly 2"),
        ("[1]", Dict[str, int], r"cannot convert '\[1\]' to Dict\[str, int\] .*\{'a': 1\}"),
        ("{'a': 'x'}", Dict[str, int], r"cannot convert 'x' to int for key 'k\.a'"),
    ],
    ids=["int", "bool", "none", "optional", "union", "literal", "enum", "list-item",
         "list-syntax", "tuple-length", "dict-syntax", "dict-value"],
)
def test_convert_text_to_type_errors(text: str, annotation: Any, match: str) -> None:
    """A text that does not fit is a ConversionError naming key, text, type and source."""
    with pytest.raises(ConversionError, match=match) as info:
        convert_text_to_type(text, annotation, "k", "-D k=x")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "annotation,match",
    [
        ("int", r"annotation 'int' of key 'k' is a string; resolve it first"),
        (Callable[[int], int], r"cannot convert text for key 'k' to .*unsupported annotation"),
    ],
    ids=["string-annotation", "callable"],
)
def test_convert_text_to_type_rejects_unusable_annotations(annotation: Any, match: str) -> None:
    """An unresolved or unsupported annotation is a TypeError (a bug in the program)."""
    with pytest.raises(TypeError, match=match):
        convert_text_to_type("1", annotation, "k")
