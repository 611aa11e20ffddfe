"""The conformance value table, run through every path a value takes to a typed target.

``conformance/values.txt`` says what a text becomes for each target type. The
same text must give the same result (or an error) whether it is read with
``| d``, ``(d)``, bound by ``@hp.param``, validated by a schema, given with
``-D`` or in a ``-C`` file to ``hp.launch``, or inherited from a parent process
through ``HYPERPARAMETER_PARAMS``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, List, Tuple

import pytest

import hyperparameter as hp
from _support import same

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance"
_DECODER = json.JSONDecoder()
ERROR = "<error>"
DEFAULTS = {"int": 0, "float": 0.0, "bool": False, "str": "", "literal": None}
ANNOTATIONS = {"int": int, "float": float, "bool": bool, "str": str, "literal": Any}


def _rows() -> List[Tuple[str, str, Any, str]]:
    """Return (target, text, expected, id) for every case line of values.txt."""
    rows = []
    path = CONFORMANCE / "values.txt"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        target, rest = line.split(None, 1)
        text, end = _DECODER.raw_decode(rest)
        expected_text = rest[end:].strip()
        expected = ERROR if expected_text == "error" else json.loads(expected_text)
        if "\x00" in text:
            continue  # no path but the converter can carry a NUL (argv, env, files refuse it)
        rows.append((target, text, expected, f"values.txt:{number}"))
    return rows


ROWS = _rows()


def _same(got: Any, want: Any) -> bool:
    """Compare with types: 1 is not 1.0 nor True; NaN equals NaN; tuples read as lists."""
    if want == ERROR or got == ERROR:
        return got == want
    return same(list(got) if isinstance(got, tuple) else got, want)


def _outcome(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (ValueError, SystemExit):
        return ERROR


def _function(target: str) -> Callable[..., Any]:
    """Return an @hp.param function whose parameter `v` has the target's default."""
    default = DEFAULTS[target]

    @hp.param("c")
    def read(v=default):
        return v

    return read


def _by_default(target: str, text: str) -> Any:
    with hp.scope(f"c.v={text}"):
        if target == "literal":
            return hp.scope.c.v()
        return hp.scope.c.v | DEFAULTS[target]


def _by_call(target: str, text: str) -> Any:
    with hp.scope(f"c.v={text}"):
        return hp.scope.c.v() if target == "literal" else hp.scope.c.v(DEFAULTS[target])


def _by_param(target: str, text: str) -> Any:
    with hp.scope(f"c.v={text}"):
        return _function(target)()


def _by_schema(target: str, text: str) -> Any:
    schema = dataclasses.make_dataclass("Row", [("v", ANNOTATIONS[target])])
    return hp.config({"v": text}, schema=schema).v


def _quiet_launch(fn: Callable[..., Any], argv: List[str]) -> Any:
    with contextlib.redirect_stderr(io.StringIO()):
        return hp.launch(fn, argv)


def _by_define(target: str, text: str) -> Any:
    return _quiet_launch(_function(target), ["-D", f"c.v={text}"])


def _by_file(target: str, text: str, tmp_path: Path) -> Any:
    path = tmp_path / "row.yaml"
    # A YAML double-quoted scalar: the text exactly, as a string.
    path.write_text(f"c:\n  v: {json.dumps(text)}\n", encoding="utf-8")
    return _quiet_launch(_function(target), ["-C", str(path)])


PATHS = {
    "| d": _by_default,
    "(d)": _by_call,
    "@hp.param": _by_param,
    "schema": _by_schema,
    "-D": _by_define,
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(("target", "text", "expected"),
                         [pytest.param(t, x, e, id=i) for t, x, e, i in ROWS])
def test_every_path_converts_like_the_table(path, target, text, expected):
    """A text reaches a typed target the same way whichever read path it takes."""
    got = _outcome(lambda: PATHS[path](target, text))
    assert _same(got, expected), f"{path} {target} {text!r}: expected {expected!r}, got {got!r}"


@pytest.mark.parametrize(("target", "text", "expected"),
                         [pytest.param(t, x, e, id=i) for t, x, e, i in ROWS])
def test_a_config_file_string_converts_like_the_table(target, text, expected, tmp_path):
    """A quoted string in a -C file reaches an @hp.param parameter as -D text does."""
    got = _outcome(lambda: _by_file(target, text, tmp_path))
    assert _same(got, expected), f"-C {target} {text!r}: expected {expected!r}, got {got!r}"


_CHILD = """
import json, sys
import hyperparameter as hp
defaults = {"int": 0, "float": 0.0, "bool": False, "str": ""}
out = []
for i, target in enumerate(json.loads(sys.argv[1])):
    accessor = hp.scope[f"c{i}"]
    try:
        value = accessor() if target == "literal" else accessor | defaults[target]
        out.append(list(value) if isinstance(value, tuple) else value)
    except ValueError:
        out.append("<error>")
print(json.dumps(out))
"""


def test_the_environment_converts_like_the_table():
    """Text inherited through HYPERPARAMETER_PARAMS converts as the table says, row by row."""
    params = {f"c{i}": text for i, (_, text, _, _) in enumerate(ROWS)}
    env = dict(os.environ, HYPERPARAMETER_PARAMS=json.dumps(params))
    targets = json.dumps([target for target, _, _, _ in ROWS])
    result = subprocess.run([sys.executable, "-c", _CHILD, targets], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    wrong = [
        f"{row_id}: {target} {text!r}: expected {expected!r}, got {value!r}"
        for (target, text, expected, row_id), value in zip(ROWS, got)
        if not _same(value, expected)
    ]
    assert wrong == []
