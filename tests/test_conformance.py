"""Run the cases of ``conformance/*.txt``, shared with the Rust crate, against the Python package.

The file format is described in ``conformance/README.md``; ``rust/tests/conformance.rs``
runs the same cases against the crate.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest

import hyperparameter as hp
from _support import same
from hyperparameter._keys import validate_key
from hyperparameter._values import MISSING, convert_text
from hyperparameter.errors import InvalidKeyError, MissingKeyError

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance"
_DECODER = json.JSONDecoder()


class _Error:
    """The expected or actual outcome "the operation failed"."""

    def __repr__(self) -> str:
        return "error"


class _Missing:
    """The expected or actual outcome "no layer defines the key"."""

    def __repr__(self) -> str:
        return "missing"


ERROR = _Error()
MISSING_KEY = _Missing()


def _cases(name: str) -> List[Any]:
    """Return ``pytest.param(line, id="name:lineno")`` for each case line of a file."""
    params = []
    for number, raw in enumerate((CONFORMANCE / name).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            params.append(pytest.param(line, id=f"{name}:{number}"))
    return params


def _word(text: str) -> Tuple[str, str]:
    """Split off the first blank-separated word."""
    parts = text.strip().split(None, 1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def _json_field(text: str) -> Tuple[Any, str]:
    """Decode one JSON value at the start of ``text``; return it and the rest."""
    value, end = _DECODER.raw_decode(text.lstrip())
    return value, text.lstrip()[end:].lstrip()


def _expected(text: str) -> Any:
    """Decode an expected result: ``error``, ``missing`` or a JSON value."""
    text = text.strip()
    if text == "error":
        return ERROR
    if text == "missing":
        return MISSING_KEY
    value, rest = _json_field(text)
    assert rest == "", f"unexpected text after the result: {rest!r}"
    return value


def _same(got: Any, want: Any) -> bool:
    """Compare with types: 1 is not 1.0 nor True; NaN equals NaN."""
    if want is ERROR or want is MISSING_KEY:
        return got is want
    return same(got, want)


def _outcome(action: Callable[[], Any]) -> Any:
    """Return the result of ``action``, ``ERROR`` if it raised ValueError, ``MISSING_KEY``."""
    try:
        return action()
    except MissingKeyError:
        return MISSING_KEY
    except ValueError:
        return ERROR


@pytest.mark.parametrize("line", _cases("keys.txt"))
def test_key(line: str) -> None:
    """A key from keys.txt is accepted or rejected as the case says."""
    verdict, rest = _word(line)
    key, rest = _json_field(rest)
    assert rest == ""
    if verdict == "valid":
        assert validate_key(key) == key
    else:
        assert verdict == "invalid", f"unknown verdict {verdict!r}"
        with pytest.raises(InvalidKeyError, match="invalid key"):
            validate_key(key)


_DEFAULTS = {"int": 0, "float": 0.0, "bool": False, "str": "", "literal": MISSING}


@pytest.mark.parametrize("line", _cases("values.txt"))
def test_value(line: str) -> None:
    """A text from values.txt converts toward the target type as the case says."""
    target, rest = _word(line)
    text, rest = _json_field(rest)
    want = _expected(rest)
    default = _DEFAULTS[target]
    got = _outcome(lambda: convert_text(text, default, "conformance.key", "conformance"))
    assert _same(got, want), f"{target} {text!r}: expected {want!r}, got {got!r}"


def _scenarios() -> List[Any]:
    """Return one ``pytest.param`` per scenario of precedence.txt, with its lines."""
    params: List[Any] = []
    title: Optional[str] = None
    lines: List[Tuple[int, str]] = []
    for param in _cases("precedence.txt"):
        (line,) = param.values
        number = int(param.id.rsplit(":", 1)[1])
        command, rest = _word(line)
        if command == "scenario":
            if title is not None:
                params.append(pytest.param(lines, id=title))
            title, lines = rest, []
        else:
            assert title is not None, f"precedence.txt:{number}: a command before any scenario"
            lines.append((number, line))
    if title is not None:
        params.append(pytest.param(lines, id=title))
    return params


def _parse_read(rest: str) -> Tuple[str, Any, Any]:
    """Parse ``KEY [DEFAULT] => RESULT``; the default is MISSING when absent."""
    key, rest = _word(rest)
    if rest.startswith("=>"):
        default = MISSING
    else:
        default, rest = _json_field(rest)
        assert rest.startswith("=>"), "expected '=>' after the default"
    return key, default, _expected(rest[2:])


def _read(key: str, default: Any) -> Any:
    """Read ``key`` through the public API, with or without a default."""
    if default is MISSING:
        return _outcome(lambda: hp.scope[key]())
    return _outcome(lambda: hp.scope[key] | default)


def _read_in_new_thread(key: str, default: Any) -> Any:
    """Do the same read in a newly started thread."""
    result: List[Any] = []
    worker = threading.Thread(target=lambda: result.append(_read(key, default)))
    worker.start()
    worker.join()
    assert result, "the thread raised"
    return result[0]


@pytest.mark.parametrize("lines", _scenarios())
def test_precedence(lines: List[Tuple[int, str]]) -> None:
    """A scenario from precedence.txt reads what each of its lines says."""
    stack: List[Any] = []
    try:
        for number, line in lines:
            where = f"precedence.txt:{number}: {line}"
            command, rest = _word(line)
            if command == "enter":
                error_expected = rest.endswith("=> error")
                if error_expected:
                    rest = rest[: -len("=> error")].strip()
                texts = []
                while rest:
                    text, rest = _json_field(rest)
                    texts.append(text)
                if error_expected:
                    with pytest.raises(ValueError):
                        hp.scope(*texts)
                else:
                    scope = hp.scope(*texts)
                    scope.__enter__()
                    stack.append(scope)
            elif command == "exit":
                assert stack, f"{where}: exit without an active scope"
                stack.pop().__exit__(None, None, None)
            elif command == "set":
                key, rest = _word(rest)
                value, rest = _json_field(rest)
                assert rest == "", where
                stack[-1][key] = value
            elif command == "frozen":
                hp.frozen()
            elif command == "get":
                key, default, want = _parse_read(rest)
                got = _read(key, default)
                assert _same(got, want), f"{where}: expected {want!r}, got {got!r}"
            elif command == "thread":
                get, rest = _word(rest)
                assert get == "get", where
                key, default, want = _parse_read(rest)
                got = _read_in_new_thread(key, default)
                assert _same(got, want), f"{where}: expected {want!r}, got {got!r}"
            else:
                pytest.fail(f"{where}: unknown command {command!r}")
        assert not stack, f"the scenario left {len(stack)} scope(s) open"
    finally:
        while stack:
            stack.pop().__exit__(None, None, None)
