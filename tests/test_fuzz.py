"""Bad input: every text parser either works or raises a documented error, and changes nothing.

The documented errors are the classes of ``hyperparameter.errors`` (each also a
``ValueError``, ``KeyError``, ``TypeError`` ...). Property tests (Hypothesis) throw
random text at each parser; the corpus tests keep the worst inputs found so far
(deep nesting, huge numbers, code, cycles) as plain parametrized cases.
"""

from __future__ import annotations

import enum
import json
import os
import re
import subprocess
import sys
import textwrap
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Set, Tuple, Union

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hyperparameter as hp
from hyperparameter import _interpolate, _propagate, _scope, _yaml
from hyperparameter._keys import split_assignment, validate_key
from hyperparameter._types import convert_text_to_type
from hyperparameter._values import MISSING, Text, convert_text, parse_literal
from hyperparameter.errors import (
    ConfigFileError,
    ConfigFileNotFoundError,
    ConversionError,
    HyperparameterError,
    InterpolationError,
    InvalidKeyError,
)

files: Any = pytest.importorskip("hyperparameter.files")

settings.register_profile("fuzz", deadline=None, max_examples=150)
FUZZ = settings.get_profile("fuzz")


def is_key(key: str) -> bool:
    """The key grammar of SPEC section 2, written independently of the library."""
    if key == "" or any(c.isspace() or c == "=" for c in key):
        return False
    return all(segment != "" for segment in key.split("."))


def state() -> Tuple[Any, ...]:
    """Return everything a failed call must leave as it was: the stack and the baseline."""
    baseline = _scope.baseline()
    return _scope._stack.get(), baseline, dict(baseline.params)


# Text built from the characters that matter to the grammars, plus anything at all.
GRAMMAR = "ab.=_ \t\n\u00a0\u2003\x1c\x00[](){}'\",-+~#:$\\0123456789eExjTtrufalsNn"
grammar_text = st.text(alphabet=GRAMMAR, max_size=40)
any_text = st.one_of(grammar_text, st.text(max_size=40))
segments = st.text(alphabet="aZ_9-\u00e9\u4e2d", min_size=1, max_size=5)
valid_keys = st.lists(segments, min_size=1, max_size=4).map(".".join)
key_like = st.one_of(
    valid_keys, any_text,
    st.lists(st.text(alphabet="ab .=\t\u2003", max_size=3), max_size=4).map(".".join),
)


# ----------------------------------------------------------------------------- keys


@FUZZ
@given(key_like)
def test_validate_key_accepts_exactly_the_grammar(key):
    """validate_key returns a key that follows the grammar and rejects every other, naming it."""
    normal = unicodedata.normalize("NFKC", key)
    if is_key(key) and is_key(normal):
        assert validate_key(key) == normal
    else:
        with pytest.raises(InvalidKeyError, match=re.escape(f"invalid key {key!r}")):
            validate_key(key)


@FUZZ
@given(st.one_of(st.builds("{}={}".format, key_like, any_text), any_text))
def test_split_assignment_splits_at_the_first_equals_or_says_why_not(text):
    """split_assignment returns (key, value) split at the first '=', or an InvalidKeyError."""
    key, sep, value = text.partition("=")
    if not sep:
        with pytest.raises(InvalidKeyError, match="has no '='"):
            split_assignment(text)
    elif key.strip() == "":
        with pytest.raises(InvalidKeyError, match="no key before '='"):
            split_assignment(text)
    elif not is_key(key.strip()):
        with pytest.raises(InvalidKeyError, match=re.escape(repr(key.strip()))):
            split_assignment(text)
    elif is_key(unicodedata.normalize("NFKC", key.strip())):
        assert split_assignment(text) == (unicodedata.normalize("NFKC", key.strip()), value)


@FUZZ
@given(valid_keys, any_text)
def test_assignment_round_trips(key, value):
    """'key=value' gives back the key and the value text exactly; '=' may appear in values."""
    key = unicodedata.normalize("NFKC", key)
    assume(is_key(key))
    assert split_assignment(f"{key}={value}") == (key, value)
    assert split_assignment(f" {key} ={value}=x") == (key, value + "=x")


# ----------------------------------------------------------------------------- text -> value

LITERAL_TYPES = (int, float, bool, list, tuple, dict, str, type(None))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10),
)
literals = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-9, 9)), inner, max_size=4),
    ),
    max_leaves=12,
)


@FUZZ
@given(any_text)
def test_parse_literal_never_raises(text):
    """parse_literal gives a literal value or the text exactly, never an exception."""
    value = parse_literal(text)
    assert isinstance(value, LITERAL_TYPES)
    if isinstance(value, str) and value != text:
        assert text.strip()[:1] in "'\"", "only a quoted string may change its text"


@FUZZ
@given(literals)
def test_parse_literal_reads_back_what_repr_wrote(value):
    """parse_literal(repr(v)) == v for numbers, bools, None, strings and containers of them."""
    parsed = parse_literal(repr(value))
    assert parsed == value and type(parsed) is type(value)


class Color(enum.Enum):
    """An enum for conversions toward annotations."""

    RED = 1
    BLUE = "blue"


DEFAULTS = [0, 0.0, True, "", [0], (0,), ["a"], [True], {}, None, MISSING,
            Path("p"), complex(0), Decimal(0), Fraction(0)]
ANNOTATIONS = [int, float, bool, str, List[int], Tuple[int, str], Tuple[float, ...], Set[int],
               Optional[int], Union[int, str], Literal["a", 1], Dict[str, int], Color, Any]


def check_converted(text: str, default: Any) -> None:
    """Convert text toward default: a value of the default's type, or a ConversionError."""
    try:
        value = convert_text(text, default, "k.ey", "the fuzzer")
    except ConversionError as error:
        assert "'k.ey'" in str(error) and "the fuzzer" in str(error)
        return
    if default is MISSING or default is None:
        assert isinstance(value, LITERAL_TYPES)
    else:
        assert type(value) is type(default)


@FUZZ
@given(any_text, st.sampled_from(DEFAULTS))
def test_convert_text_gives_the_defaults_type_or_a_conversion_error(text, default):
    """Every text converts toward every kind of default, or raises ConversionError naming it."""
    check_converted(text, default)


@FUZZ
@given(any_text, st.sampled_from(ANNOTATIONS))
def test_convert_text_to_type_gives_a_value_or_a_conversion_error(text, annotation):
    """Every text converts toward every supported annotation, or raises ConversionError."""
    try:
        convert_text_to_type(text, annotation, "k.ey", "the fuzzer")
    except ConversionError as error:
        assert "'k.ey" in str(error)


# ----------------------------------------------------------------------------- hp.scope("k=v")


@FUZZ
@given(st.lists(st.one_of(st.builds("{}={}".format, key_like, any_text), any_text),
                min_size=1, max_size=3),
       st.sampled_from(DEFAULTS))
def test_scope_strings_enter_or_fail_cleanly(texts, default):
    """hp.scope("...") builds a scope or raises InvalidKeyError; reads convert or raise."""
    before = state()
    try:
        built = hp.scope(*texts)
    except InvalidKeyError:
        assert state() == before
        return
    keys = {split_assignment(t)[0] for t in texts}
    with built:
        for key in keys:
            try:
                hp.scope[key] | default
            except ConversionError as error:
                assert repr(key) in str(error) and "hp.scope(" in str(error)
    assert state() == before


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        pytest.param(("ok=1", "bad key=2"), {}, InvalidKeyError, "'bad key'", id="second-string"),
        pytest.param(("ok=1",), {"a..b": 1}, InvalidKeyError, "'a..b'", id="keyword"),
        pytest.param(({"a": {"": 1}},), {}, InvalidKeyError, "'a.'", id="nested-empty"),
        pytest.param(({"a": {1: 2}},), {}, TypeError, "must be str", id="nested-int-name"),
        pytest.param(("ok=1", object()), {}, TypeError, "takes 'key=value' strings", id="object"),
        pytest.param((["ok=1", "nope"],), {}, InvalidKeyError, "has no '='", id="list"),
    ],
)
def test_failing_scope_creation_changes_nothing(args, kwargs, error, match):
    """A scope that cannot be built raises before anything changes, inside other scopes too."""
    with hp.scope(**{"ok": 0}):
        hp.frozen()
        before = state()
        with pytest.raises(error, match=match):
            hp.scope(*args, **kwargs)
        assert state() == before
        assert hp.scope.ok() == 0


def test_failing_writes_change_nothing():
    """Writes with a bad key, or with no scope open, raise and leave every layer as it was."""
    with pytest.raises(hp.ScopeWriteError, match="no scope is active"):
        hp.scope.a = 1
    with hp.scope(**{"a": 1}) as ps:
        before = state(), dict(_scope._stack.get()[0][0])
        with pytest.raises(InvalidKeyError, match="'a b'"):
            ps["a b"] = 2
        with pytest.raises(InvalidKeyError, match=r"'x\.\.y'"):
            hp.scope["x..y"] = 2
        assert (state(), dict(_scope._stack.get()[0][0])) == before


# ----------------------------------------------------------------------- HYPERPARAMETER_PARAMS

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=8,
)


@FUZZ
@given(st.dictionaries(key_like, json_values, max_size=4))
def test_load_env_loads_any_object_with_valid_keys_and_rejects_the_rest(data):
    """A JSON object loads into the baseline or, with a bad key changes nothing."""
    before = state()
    text = json.dumps(data)
    flat = _flat(data)
    if flat is not None:
        _propagate.load_env(text)
        loaded = dict(_scope.baseline().params)
        assert set(loaded) == set(flat)
        for key, value in flat.items():
            assert (loaded[key].text if isinstance(loaded[key], Text) else loaded[key]) == value
    else:
        with pytest.raises(InvalidKeyError, match="HYPERPARAMETER_PARAMS"):
            _propagate.load_env(text)
        assert state() == before


def _flat(data, prefix=""):
    """Return ``data`` flattened to dotted keys as hp.scope does, or None if a key is invalid."""
    out = {}
    for name, value in data.items():
        key = unicodedata.normalize("NFKC", prefix + name)
        if not is_key(key):
            return None
        if isinstance(value, dict):
            inner = _flat(value, key + ".")
            if inner is None:
                return None
            out.update(inner)
        else:
            out[key] = value
    return out


@FUZZ
@given(any_text)
def test_load_env_of_any_text_loads_or_fails_cleanly(text):
    """Any text either loads or raises ConversionError/InvalidKeyError, leaving the baseline."""
    before = state()
    try:
        _propagate.load_env(text)
    except (ConversionError, InvalidKeyError) as error:
        assert "HYPERPARAMETER_PARAMS" in str(error)
        assert state() == before


# ----------------------------------------------------------------------------- corpus: worst texts

DEEP = 100_000
WORST_TEXTS = {
    "open-brackets": "[" * DEEP,
    "open-parens": "(" * DEEP,
    "open-braces": "{" * DEEP,
    "closed-brackets": "[" * DEEP + "]" * DEEP,
    "nested-dicts": "{'a': " * 150 + "1" + "}" * 150,
    "unary-minus": "-" * DEEP + "1",
    "unary-invert": "~" * DEEP + "1",
    "long-sum": "1+" * DEEP + "1",
    "huge-int": "9" * DEEP,
    "huge-int-list": "[" + "9" * 5000 + "]",
    "huge-exponent": "1e999999",
    "huge-text": "x" * 1_000_000,
    "nul": "\x00",
    "quoted-nul": "'\\x00'",
    "surrogate": "\ud800",
    "unclosed-quote": "'abc",
    "set": "{1, 2}",
    "complex": "1+2j",
    "bytes": "b'x'",
    "ellipsis": "...",
    "call": "__import__('os').getcwd()",
    "lambda": "lambda: 0",
    "comprehension": "[x for x in range(10**9)]",
    "power": "9**9**9**9",
    "unicode-space": "\u2003",
    "many-commas": "," * DEEP,
}
CORPUS = [pytest.param(text, id=name) for name, text in WORST_TEXTS.items()]


@pytest.mark.parametrize("text", CORPUS)
def test_worst_texts_parse_as_literal_or_stay_text(text):
    """parse_literal on the worst inputs returns (a literal or the text) without raising."""
    value = parse_literal(text)
    assert isinstance(value, LITERAL_TYPES)


@pytest.mark.parametrize("text", CORPUS)
def test_worst_texts_convert_or_raise_conversion_error(text):
    """Each worst input converts toward each default or raises ConversionError."""
    for default in DEFAULTS:
        check_converted(text, default)


@pytest.mark.parametrize("text", CORPUS)
def test_worst_texts_as_scope_values_read_or_raise(text):
    """A worst input as hp.scope("k=...") reads with every default or raises ConversionError."""
    before = state()
    with hp.scope("k=" + text):
        for default in DEFAULTS:
            try:
                hp.scope.k | default
            except ConversionError as error:
                assert "'k'" in str(error)
    assert state() == before


@pytest.mark.parametrize("text", CORPUS)
def test_worst_texts_as_keys_and_environment_work_or_fail_cleanly(text):
    """A worst input as key, assignment or HYPERPARAMETER_PARAMS works or fails documented."""
    for parse in (validate_key, split_assignment):
        try:
            parse(text)
        except InvalidKeyError:
            pass
    for env in (text, '{"k": ' + text + "}", json.dumps({"k": text}), json.dumps({text: 1})):
        before = state()
        try:
            _propagate.load_env(env)
        except (ConversionError, InvalidKeyError):
            assert state() == before


def test_text_is_never_run_as_code(tmp_path):
    """Text values are parsed as literals only: code in them is not executed."""
    marker = tmp_path / "ran"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    assert parse_literal(code) == code
    with hp.scope("k=" + code):
        assert hp.scope.k() == code
        with pytest.raises(ConversionError, match="'k'"):
            hp.scope.k | [0]
    _propagate.load_env(json.dumps({"k": code}))
    assert hp.scope.k() == code
    assert not marker.exists()


# ----------------------------------------------------------------------------- config files

FILE_TEXT = {
    "yaml": st.text(alphabet="ab_:-[]{},&*!$ \n\t'\"#?|>%@.1${}", max_size=60),
    "json": st.text(alphabet='{}[]":,ab_ .1-eE$tnrufls\\', max_size=60),
    "toml": st.text(alphabet="ab_=[]{}\"'.,\n #1-$:", max_size=60),
}
REFERENCES = ["${a}", "${b.c}", "${env:HP_FUZZ_SET}", "${env:HP_FUZZ_UNSET}",
              "${env:HP_FUZZ_UNSET,dflt}", "$${", "${", "}", "${}", "x", "${b", "${a.b}", "$"]


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    """A folder the file fuzzers write into (one file name per format, rewritten each example)."""
    return tmp_path_factory.mktemp("fuzz-files")


def load_or_documented_error(path: Path) -> Any:
    """Load path; return the node, or the documented error; any other exception fails the test."""
    before = state()
    try:
        return files.load(str(path))
    except HyperparameterError as error:
        assert state() == before
        return error


@FUZZ
@given(st.sampled_from(sorted(FILE_TEXT)).flatmap(
    lambda ext: st.tuples(st.just(ext), FILE_TEXT[ext])))
def test_random_config_text_loads_or_raises_a_documented_error(fuzz_dir, case):
    """Random YAML/JSON/TOML text loads or raises one of the library's documented errors."""
    ext, text = case
    path = fuzz_dir / f"random.{ext}"
    path.write_text(text, encoding="utf-8")
    load_or_documented_error(path)


@FUZZ
@given(st.dictionaries(st.sampled_from(["a", "b", "d"]),
                       st.lists(st.sampled_from(REFERENCES), min_size=1, max_size=4).map("".join),
                       min_size=1, max_size=3),
       st.sampled_from(["yaml", "json"]))
def test_random_interpolations_resolve_or_raise_interpolation_errors(fuzz_dir, values, ext):
    """Random ${...} references resolve or raise a documented error (missing, cycle, syntax)."""
    data: Dict[str, Any] = {**values, "b": {"c": values.get("b", "x")}}
    path = fuzz_dir / f"interp.{ext}"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is also YAML
    os.environ["HP_FUZZ_SET"] = "set"
    try:
        load_or_documented_error(path)
    finally:
        del os.environ["HP_FUZZ_SET"]


def has_cycle(graph: Dict[int, List[int]], start: int) -> bool:
    """Return whether a _BASE_ chain from start reaches a file already on the chain."""

    def visit(node: int, chain: Tuple[int, ...]) -> bool:
        return any(base in chain or visit(base, (*chain, base)) for base in graph[node])

    return visit(start, (start,))


@FUZZ
@given(st.integers(1, 4).flatmap(lambda n: st.lists(
    st.lists(st.integers(0, n - 1), max_size=3, unique=True), min_size=n, max_size=n)))
def test_base_graphs_load_unless_a_chain_is_a_cycle(fuzz_dir, bases):
    """_BASE_ lists forming any graph load, except when a chain comes back: a cycle error."""
    graph = dict(enumerate(bases))
    for node, targets in graph.items():
        lines = [f"key{node}: {node}"]
        if targets:
            lines.insert(0, "_BASE_: [" + ", ".join(f"base{t}.yaml" for t in targets) + "]")
        (fuzz_dir / f"base{node}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_or_documented_error(fuzz_dir / "base0.yaml")
    if has_cycle(graph, 0):
        assert isinstance(result, ConfigFileError) and "cycle" in str(result)
    else:
        assert not isinstance(result, HyperparameterError), result
        assert result["key0"] == 0


def chain(n: int) -> str:
    """Return YAML with a chain of n references: k0 -> k1 -> ... -> kn = 1."""
    return "".join(f"k{i}: ${{k{i + 1}}}\n" for i in range(n)) + f"k{n}: 1\n"


def laughs(levels: int) -> str:
    """Return a YAML alias bomb: each level refers 9 times to the level below."""
    names = [chr(ord("a") + i) for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [x, x, x, x, x, x, x, x, x]"]
    for below, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{below}"] * 9) + "]")
    return "\n".join(lines) + "\n"


FILE_CORPUS = [
    # (file name, text, documented error class, match)
    pytest.param("list.yaml", "- 1\n", ConfigFileError, "must be a mapping", id="yaml-list"),
    pytest.param("tab.yaml", "a:\n\tb: 1\n", ConfigFileError, "invalid YAML", id="yaml-tab"),
    pytest.param("tag.yaml", "a: !!python/object/apply:os.system ['true']\n", ConfigFileError,
                 "invalid YAML", id="yaml-python-tag"),
    pytest.param("dupe.yaml", "a: 1\na: 2\n", ConfigFileError, "duplicate key", id="yaml-dupe"),
    pytest.param("key.yaml", "'a b': 1\n", InvalidKeyError, "'a b'", id="yaml-bad-key"),
    pytest.param("null.yaml", "? null\n: 1\n", InvalidKeyError, "None", id="yaml-null-key"),
    pytest.param("date.toml", "a = 2001-01-01\n", ConfigFileError, "date", id="toml-date"),
    pytest.param("bin.yaml", b"\xff\xfe\x00", ConfigFileError, "UTF-8", id="not-utf8"),
    pytest.param("bad.json", "{", ConfigFileError, "invalid JSON", id="json-syntax"),
    pytest.param("list.json", "[1]", ConfigFileError, "must be a mapping", id="json-list"),
    pytest.param("bad.toml", "a = ", ConfigFileError, "invalid TOML", id="toml-syntax"),
    pytest.param("dupe.toml", "a = 1\na = 2\n", ConfigFileError, "invalid TOML", id="toml-dupe"),
    pytest.param("x.ini", "a=1", ConfigFileError, "unsupported extension", id="extension"),
    pytest.param("self.yaml", "_BASE_: self.yaml\n", ConfigFileError, "cycle", id="base-self"),
    pytest.param("base.yaml", "_BASE_: nope.yaml\n", ConfigFileNotFoundError, "not found",
                 id="base-missing"),
    pytest.param("base3.yaml", "_BASE_: 3\n", ConfigFileError, "_BASE_ must be", id="base-number"),
    pytest.param("dir.yaml", "_BASE_: .\n", ConfigFileError, "directory", id="base-directory"),
    pytest.param("py.yaml", "_BASE_: cfg.py\n", ConfigFileError, "never runs code",
                 id="base-python-not-allowed"),
    pytest.param("i1.yaml", "a: ${nope}\n", InterpolationError, "'nope'", id="interp-missing"),
    pytest.param("i2.yaml", "a: ${b}\nb: ${a}\n", InterpolationError, "cycle", id="interp-cycle"),
    pytest.param("i3.yaml", "a:\n  b: ${a}\n", InterpolationError, "cycle", id="interp-parent"),
    pytest.param("i4.yaml", "a: ${b\nb: 1\n", InterpolationError, "unterminated",
                 id="interp-unterminated"),
    pytest.param("i5.yaml", "a: ${}\n", InterpolationError, "not a reference", id="interp-empty"),
    pytest.param("i6.yaml", "a: ${env:HP_FUZZ_UNSET}\n", InterpolationError, "not set",
                 id="interp-env-unset"),
]


def load_or_short_failure(path: Path) -> Any:
    """Load path; an undocumented exception becomes a one-line failure (not a 1,000-frame trace)."""
    try:
        return files.load(str(path))
    except HyperparameterError:
        raise
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__} escaped hp.load: {str(exc)[:200]}") from None


@pytest.mark.parametrize(("name", "text", "error", "match"), FILE_CORPUS)
def test_worst_config_files_raise_documented_errors(tmp_path, name, text, error, match):
    """Each bad config file raises its documented error, naming the problem; nothing changes."""
    (tmp_path / "cfg.py").write_text("cfg = {}\n", encoding="utf-8")
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    before = state()
    with pytest.raises(error, match=match):
        load_or_short_failure(path)
    assert state() == before


DEEP_FILES = [
    # Nesting and chains this deep are legal but absurd: loading them must raise a documented
    # error that names the file (LIMIT_FILES below checks which); a RecursionError is a bug.
    pytest.param("i7.yaml", chain(3000), id="interp-long-chain"),
    pytest.param("alias.yaml", "a: &a [*a]\n", id="yaml-recursive-alias"),
    pytest.param("deep1.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", id="yaml-deep-flow"),
    pytest.param("deep2.yaml", "".join("  " * i + f"k{i}:\n" for i in range(3000)),
                 id="yaml-deep-block"),
    pytest.param("deep.json", '{"a": ' + "[" * DEEP + "}", id="json-deep"),
    pytest.param("int.json", '{"a": ' + "1" * 5000 + "}", id="json-huge-int"),
    pytest.param("deep.toml", "a = " + "[" * 3000 + "]" * 3000 + "\n", id="toml-deep"),
]


@pytest.mark.parametrize(("name", "text"), DEEP_FILES)
def test_deeply_nested_config_files_load_or_raise_documented_errors(tmp_path, name, text):
    """Absurdly deep files load, or raise a documented error naming the file; nothing changes."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = state()
    try:
        load_or_short_failure(path)
    except HyperparameterError as error:
        assert name in str(error)
    assert state() == before


def nest(levels: int, ext: str) -> str:
    """Return a config whose lists nest ``levels`` levels deep, the top-level mapping included."""
    inner = "[" * (levels - 1) + "]" * (levels - 1)
    return {"yaml": f"a: {inner}\n", "json": f'{{"a": {inner}}}', "toml": f"a = {inner}\n"}[ext]


def block(levels: int) -> str:
    """Return YAML whose block mappings nest ``levels`` levels deep, by indentation."""
    keys = "".join("  " * i + f"k{i}:\n" for i in range(levels - 1))
    return keys + "  " * (levels - 1) + "v: 1\n"


def depth(value: Any) -> int:
    """Return how many lists and mappings nest in value, itself included."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def needs_int_limit() -> Any:
    """Skip where Python reads integers of any length (before 3.11, 3.10.7 and 3.9.14)."""
    return pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"),
                              reason="this Python has no limit on the digits of an int")


MAX_CHAIN = _interpolate.MAX_CHAIN
LIMIT = f"deeper than {_yaml.MAX_DEPTH} levels"  # in the message of a file nested too deeply
DEEPER = f"at most {_yaml.MAX_DEPTH} levels"  # in that of a parser out of stack


@pytest.mark.parametrize(("ext", "text"), [
    pytest.param("yaml", lambda n: nest(n, "yaml"), id="yaml-flow"),
    pytest.param("yaml", block, id="yaml-block"),
    pytest.param("yaml", lambda n: "a:\n" + "- " * (n - 2) + "[x]\n", id="yaml-compact-sequences"),
    pytest.param("json", lambda n: nest(n, "json"), id="json"),
    pytest.param("toml", lambda n: nest(n, "toml"), id="toml"),
])
def test_files_nest_up_to_the_limit_and_no_deeper(tmp_path, ext, text):
    """MAX_DEPTH levels load; one more raises ConfigFileError naming the file, line and limit."""
    path = tmp_path / f"nest.{ext}"
    path.write_text(text(_yaml.MAX_DEPTH), encoding="utf-8")
    assert depth(files.config(path)) == _yaml.MAX_DEPTH
    path.write_text(text(_yaml.MAX_DEPTH + 1), encoding="utf-8")
    before = state()
    with pytest.raises(ConfigFileError, match=f"nest.{ext}.*{LIMIT}"):
        files.load(path)
    assert state() == before


def test_load_cfg_refuses_too_deep_text_and_recursive_aliases(tmp_path):
    """CfgNode.load_cfg (as YACS reads YAML) raises ConfigFileError (a ValueError) instead."""
    assert depth(dict(hp.load_cfg(nest(_yaml.MAX_DEPTH, "yaml")))) == _yaml.MAX_DEPTH
    for text in (nest(_yaml.MAX_DEPTH + 1, "yaml"), block(_yaml.MAX_DEPTH + 1)):
        with pytest.raises(ConfigFileError, match=LIMIT):
            hp.load_cfg(text)
    with pytest.raises(ValueError, match=r"alias at key 'a\[0\]' refers to a collection that "
                                         "contains it"):
        hp.load_cfg("a: &a [*a]\n")
    path = tmp_path / "alias.yaml"
    path.write_text("x: 1\nb: {c: &c [1, *c]}\n", encoding="utf-8")
    cfg = hp.CfgNode(new_allowed=True)
    with pytest.raises(ConfigFileError, match=r"alias\.yaml.*'b\.c\[1\]'"):
        cfg.merge_from_file(str(path))
    assert cfg == {}
    assert hp.load_cfg("a: &a [1, 2]\nb: *a\n") == {"a": [1, 2], "b": [1, 2]}  # aliases work


def test_reference_chains_resolve_up_to_the_limit_and_no_longer(tmp_path):
    """MAX_CHAIN references through one another resolve; one more raises InterpolationError."""
    path = tmp_path / "chain.yaml"
    path.write_text(chain(_interpolate.MAX_CHAIN), encoding="utf-8")
    assert files.load(path)["k0"] == 1
    path.write_text(chain(_interpolate.MAX_CHAIN + 1), encoding="utf-8")
    with pytest.raises(InterpolationError,
                       match=rf"chain\.yaml.*chain of more than {MAX_CHAIN} .*'k0' -> 'k1'"):
        files.load(path)


LIMIT_FILES = [
    # (file name, text, documented error class, match): each names the file and the limit.
    pytest.param("alias.yaml", "a: &a [*a]\n", ConfigFileError,
                 r"alias\.yaml: the YAML alias at key 'a\[0\]' refers to a collection that "
                 "contains it", id="yaml-recursive-alias"),
    pytest.param("alias2.yaml", "a: &a {b: [1, {c: *a}]}\n", ConfigFileError,
                 r"alias2\.yaml.*'a\.b\[1\]\.c' refers to a collection that contains it",
                 id="yaml-recursive-alias-in-mapping"),
    pytest.param("deep1.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n", ConfigFileError,
                 rf"deep1\.yaml:1:{_yaml.MAX_DEPTH + 3}: lists and mappings nest {LIMIT}",
                 id="yaml-deep-flow"),
    pytest.param("deep2.yaml", "".join("  " * i + f"k{i}:\n" for i in range(3000)),
                 ConfigFileError, rf"deep2\.yaml:{_yaml.MAX_DEPTH + 1}:.*{LIMIT}",
                 id="yaml-deep-block"),
    pytest.param("deep3.yaml", "a: [" + "[']', " * 5000 + "]\n", ConfigFileError, LIMIT,
                 id="yaml-deep-flow-closers-in-quotes"),
    pytest.param("deep4.yaml", "a0: &a0 [1]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 2 * _yaml.MAX_DEPTH)),
        ConfigFileError, f"deep4.yaml: under key 'a{_yaml.MAX_DEPTH}', YAML aliases .* {LIMIT}",
        id="yaml-deep-through-aliases"),
    pytest.param("deep.json", '{"a": ' + "[" * DEEP + "}", ConfigFileError,
                 rf"deep\.json: the JSON reader ran out of stack.*{DEEPER}", id="json-deep"),
    pytest.param("deep2.json", nest(3 * _yaml.MAX_DEPTH, "json"), ConfigFileError,
                 rf"deep2\.json: key 'a' holds lists or mappings nested {LIMIT}",
                 id="json-deep-within-the-parser"),
    pytest.param("deep.toml", "a = " + "[" * 3000 + "]" * 3000 + "\n", ConfigFileError,
                 rf"deep\.toml.*{DEEPER}", id="toml-deep"),
    pytest.param("int.json", '{"a": ' + "1" * 5000 + "}", ConfigFileError,
                 r"int\.json:1: invalid JSON: a number has more than \d+ digits",
                 marks=needs_int_limit(), id="json-huge-int"),
    pytest.param("int.yaml", "a: 1\nb: " + "1" * 5000 + "\n", ConfigFileError,
                 r"int\.yaml:2: invalid YAML: a number has more than \d+ digits",
                 marks=needs_int_limit(), id="yaml-huge-int"),
    pytest.param("int.toml", "a = " + "1" * 5000 + "\n", ConfigFileError,
                 r"int\.toml:1: invalid TOML: a number has more than \d+ digits",
                 marks=needs_int_limit(), id="toml-huge-int"),
    pytest.param("month.yaml", "a: !!timestamp 2001-13-01\n", ConfigFileError,
                 r"month\.yaml: invalid YAML: month must be in 1\.\.12", id="yaml-bad-date"),
    pytest.param("tag.yaml", "a: !!int abc\n", ConfigFileError, r"tag\.yaml: invalid YAML",
                 id="yaml-int-tag"),
    pytest.param("i7.yaml", chain(3000), InterpolationError,
                 rf"'k{MAX_CHAIN}' \(.*i7\.yaml:{MAX_CHAIN + 1}\): a chain of more "
                 rf"than {MAX_CHAIN}", id="interp-long-chain"),
    pytest.param("text.yaml", "a0: xxxxxxxxxx\n" + "".join(
        f"a{i}: '" + f"${{a{i - 1}}}" * 10 + "'\n" for i in range(1, 9)), InterpolationError,
        rf"text\.yaml.*over the limit of {_interpolate.MAX_TEXT:,}", id="interp-text-bomb"),
]


@pytest.mark.parametrize(("name", "text", "error", "match"), LIMIT_FILES)
def test_config_files_over_a_limit_raise_errors_naming_it(tmp_path, name, text, error, match):
    """Absurd files hit a documented limit: the error names the file and the limit."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = state()
    with pytest.raises(error, match=match):
        load_or_short_failure(path)
    assert state() == before


YAML_TEXT = st.text(alphabet="-?:[]{}, \t\n\r\ufeffab'\"#&*!|>", max_size=50)


def event_depth(text: str) -> int:
    """Return how deep libyaml's events nest before the end or the first error (the oracle)."""
    import yaml

    level = deepest = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                level += 1
                deepest = max(deepest, level)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                level -= 1
    except yaml.YAMLError:
        pass
    return deepest


@FUZZ
@given(st.one_of(YAML_TEXT, st.lists(st.sampled_from(
    ["- ", "? ", ": ", "-\t", "[", "{", "]", "}", ", ", "a: ", "'[': ", "\n", "\r", "  ", "x"]),
    max_size=20).map("".join)), st.integers(1, 6))
def test_yaml_nesting_check_refuses_exactly_what_nests_too_deep(text, limit):
    """With a small limit, the check before parsing refuses text iff its events nest deeper."""
    from unittest import mock

    with mock.patch.object(_yaml, "MAX_DEPTH", limit):
        try:
            _yaml.check_nesting(text, "t.yaml")
        except ConfigFileError as error:
            assert f"deeper than {limit} levels" in str(error)
            assert event_depth(text) > limit
        else:
            assert event_depth(text) <= limit


CHILD = textwrap.dedent("""
    import sys
    import hyperparameter as hp
    from hyperparameter import files
    from hyperparameter.errors import HyperparameterError
    path, how = sys.argv[1:]
    try:
        if how == "load":
            files.load(path)
        elif how == "load_cfg":
            with open(path, encoding="utf-8") as stream:
                hp.load_cfg(stream.read())
        else:
            hp.CfgNode(new_allowed=True).merge_from_file(path)
    except HyperparameterError as error:
        print("documented", type(error).__name__)
    else:
        print("loaded")
""")


def mapping_laughs(levels: int) -> str:
    """Return a YAML alias bomb of mappings: each level has 9 keys naming the level below."""
    lines = ["a0: &a0 {x: 1, y: 2}"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(9)) + "}")
    return "\n".join(lines) + "\n"


def copies(levels: int) -> str:
    """Return YAML whose references copy each level's list 10 times into the next."""
    return "a0: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"a{i}: [" + ", ".join([f"'${{a{i - 1}}}'"] * 10) + "]\n" for i in range(1, levels))


CRASHING = "a: " + "[" * DEEP + "\n"  # libyaml's composer overflows the C stack (a segfault)


@pytest.mark.parametrize(
    ("text", "how", "seconds", "error"),
    [
        pytest.param(CRASHING, "load", 60, "ConfigFileError", id="yaml-open-brackets"),
        pytest.param(CRASHING, "load_cfg", 60, "ConfigFileError", id="load_cfg-open-brackets"),
        pytest.param(CRASHING, "merge_from_file", 60, "ConfigFileError",
                     id="merge_from_file-open-brackets"),
        pytest.param("- " * DEEP + "x\n", "load", 60, "ConfigFileError",
                     id="yaml-compact-sequences"),
        pytest.param("- " * DEEP + "x\n", "load_cfg", 60, "ConfigFileError",
                     id="load_cfg-compact-sequences"),
        pytest.param("a: " + "[']', " * DEEP + "\n", "load_cfg", 60, "ConfigFileError",
                     id="load_cfg-closers-in-quotes"),
        pytest.param(laughs(8), "load", 5, "ConfigFileError", id="yaml-alias-bomb"),
        pytest.param(laughs(8), "load_cfg", 5, "ConfigFileError", id="load_cfg-alias-bomb"),
        pytest.param(mapping_laughs(8), "load", 5, "ConfigFileError",
                     id="yaml-mapping-alias-bomb"),
        pytest.param(mapping_laughs(8), "load_cfg", 5, "ConfigFileError",
                     id="load_cfg-mapping-alias-bomb"),
        pytest.param(copies(8), "load", 10, "InterpolationError", id="interp-copy-bomb"),
    ],
)
def test_config_files_that_could_crash_or_hang_the_interpreter(tmp_path, text, how, seconds,
                                                               error):
    """In a child process: a file built to crash or exhaust the loader gives a documented error."""
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        child = subprocess.run([sys.executable, "-c", CHILD, str(path), how],
                               capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading took more than {seconds} s")
    assert child.returncode == 0, f"the loader died (exit {child.returncode}): {child.stderr}"
    assert child.stdout.split() == ["documented", error]


def _naive_compose(graph: List[List[int]], index: int) -> Dict[str, Any]:
    """The composition of file ``index`` by the definition: its bases in order, then itself."""
    merged: Dict[str, Any] = {}
    for base in _bases(graph, index):
        merged.update(_naive_compose(graph, base))
    merged.update({f"f{index}": index, "last": index, "tags": _naive_tags(graph, index)})
    return merged


def _naive_tags(graph: List[List[int]], index: int) -> Dict[str, int]:
    tags: Dict[str, int] = {}
    for base in _bases(graph, index):
        tags.update(_naive_tags(graph, base))
    tags[f"t{index}"] = index
    return tags


def _bases(graph: List[List[int]], index: int) -> List[int]:
    """File ``index`` names later files only, so every graph is acyclic."""
    return [j for j in graph[index] if index < j < len(graph)]


@FUZZ
@given(st.lists(st.lists(st.integers(0, 6), max_size=8), min_size=1, max_size=7))
def test_base_graphs_compose_by_definition_reading_each_file_once(graph):
    """Any acyclic _BASE_ graph composes as its definition says, each file read once."""
    import tempfile
    from unittest import mock

    from hyperparameter import _compose

    with tempfile.TemporaryDirectory() as folder:
        for i in range(len(graph)):
            bases = ", ".join(f"f{j}.yaml" for j in _bases(graph, i))
            text = (f"_BASE_: [{bases}]\n" if bases else "") + (
                f"f{i}: {i}\nlast: {i}\ntags:\n  t{i}: {i}\n"
            )
            Path(folder, f"f{i}.yaml").write_text(text, encoding="utf-8")
        reads: List[str] = []
        real = _compose.parse_file

        def counting(file: str, *args: Any, **kwargs: Any) -> Any:
            reads.append(os.path.basename(file))
            return real(file, *args, **kwargs)

        with mock.patch.object(_compose, "parse_file", counting):
            tree = files.config(os.path.join(folder, "f0.yaml"))
        assert tree == _naive_compose(graph, 0)
        assert sorted(reads) == sorted(set(reads))
