"""The two implementations of the hot paths: the compiled accelerator and the pure-Python one.

The whole suite runs under each (CI runs it a second time with
``HYPERPARAMETER_PURE_PYTHON=1``); the tests here check the switch itself, the
behaviours where the two could drift apart (errors, provenance, records,
accessor protocol), side by side in two processes, and that an install without
a C compiler still works.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any, Dict

import pytest

import hyperparameter as hp
from hyperparameter import _access

ROOT = Path(__file__).resolve().parents[1]
BUILT = importlib.util.find_spec("hyperparameter._speedups") is not None
needs_build = pytest.mark.skipif(not BUILT, reason="the compiled accelerator is not built here")


def _run(code: str, pure: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with HYPERPARAMETER_PURE_PYTHON=``pure``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HYPERPARAMETER_PURE_PYTHON", "HYPERPARAMETER_PARAMS")}
    env["HYPERPARAMETER_PURE_PYTHON"] = pure
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


WHICH = "import hyperparameter._access as a; print(a.IMPLEMENTATION)"


@pytest.mark.parametrize("value", ["1", "yes", "true"])
def test_the_switch_forces_the_pure_python_implementation(value):
    """HYPERPARAMETER_PURE_PYTHON set to anything but empty or 0 selects the Python one."""
    done = _run(WHICH, value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "python"


@pytest.mark.parametrize("value", ["", "0"])
def test_without_the_switch_the_compiled_one_runs_when_built(value):
    """An empty or 0 switch leaves the choice to what is installed."""
    done = _run(WHICH, value)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("compiled" if BUILT else "python")


@pytest.mark.parametrize("abi", ["0", "None"])
def test_a_stale_build_is_not_used(abi):
    """An accelerator built from an older source (another ABI number) is ignored, not trusted."""
    done = _run(
        "import sys, types\n"
        "fake = types.ModuleType('hyperparameter._speedups')\n"
        f"if {abi} is not None: fake.ABI = {abi}\n"
        "sys.modules['hyperparameter._speedups'] = fake\n" + WHICH, "")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "python"


def test_the_running_implementation_is_named_consistently():
    """_access.IMPLEMENTATION matches the classes in use: compiled bases or the Python ones."""
    compiled = _access.IMPLEMENTATION == "compiled"
    assert _access.IMPLEMENTATION in ("compiled", "python")
    assert isinstance(hp.scope.a, _access._PyAccessor) is not compiled
    assert isinstance(hp.scope(), _access._PyScope) is not compiled


def test_hp_implementation_says_which_one_runs():
    """hp.implementation is the implementation that runs."""
    assert hp.implementation == _access.IMPLEMENTATION


# --------------------------------------------------------------------------- side by side

# Run under both implementations; every line of output must be the same.
PARITY = textwrap.dedent('''
    import json, pickle, sys, threading
    import hyperparameter as hp
    from hyperparameter import _scope

    out = {}

    def record(name, fn):
        try:
            out[name] = ["ok", repr(fn())]
        except Exception as error:
            out[name] = ["error", type(error).__name__, str(error)]

    def inside(values, fn):
        def run():
            with hp.scope(**values):
                return fn()
        return run

    record("default", lambda: hp.scope.a.b | 1)
    record("missing", lambda: hp.scope.a.b())
    record("did you mean", inside({"train.lr": 0.1}, lambda: hp.scope.train.lrr()))
    record("set", inside({"a.b": 2}, lambda: hp.scope.a.b | 1))
    record("call", inside({"a.b": 2}, lambda: hp.scope.a.b(1)))
    record("call keyword", lambda: hp.scope.a.b(default=3))
    record("call two", lambda: hp.scope.a.b(1, 2))
    record("call bad keyword", lambda: hp.scope.a.b(x=1))
    record("item", inside({"a.b": 2}, lambda: hp.scope["a.b"] | 1))
    record("int widens", inside({"a.b": 2}, lambda: hp.scope.a.b | 1.5))
    record("bool stays", inside({"a.b": True}, lambda: hp.scope.a.b | 1.5))
    record("reflected or", lambda: 1 | hp.scope.a.b)
    record("dunder", lambda: hp.scope.a.__array__)
    record("private-looking key", inside({"_hp_key.x": 5}, lambda: hp.scope._hp_key.x | 0))
    record("dunder-ish key", inside({"hp_items": 6}, lambda: hp.scope.hp_items | 0))

    def text(value, default):
        def run():
            with hp.scope(f"t.x={value}"):
                return hp.scope.t.x | default
        return run

    record("text to float", text("0.5", 1.0))
    record("text to int fails", text("abc", 1))
    record("text kept", text("abc", "s"))

    def nested():
        with hp.scope(**{"a.b": 1}):
            with hp.scope(**{"a.b": 2}):
                inner = hp.scope.a.b()
            return inner, hp.scope.a.b()
    record("nested", nested)

    def held():
        with hp.scope(**{"a.b": 1}) as ps:
            ps.c.d = 4
            ps["e.f"] = 5
            return ps.a.b | 0, hp.scope.c.d(), hp.scope.e.f(), "c.d" in ps
    record("held scope", held)

    def out_of_order():
        a = hp.scope(**{"o.a": 1}); b = hp.scope(**{"o.b": 2})
        a.__enter__(); b.__enter__()
        try:
            a.__exit__(None, None, None)
        finally:
            left = (hp.scope.o.a | None, hp.scope.o.b | None)
            b.__exit__(None, None, None)
        return left
    record("out of order", out_of_order)
    record("after out of order", lambda: (hp.scope.o.a | None, hp.scope.o.b | None))

    def foreign():
        s = hp.scope(**{"f.a": 1})
        t = threading.Thread(target=s.__enter__); t.start(); t.join()
        return s.__exit__(None, None, None)
    record("foreign exit", foreign)

    def twice():
        s = hp.scope(**{"w.a": 1})
        with s:
            with s:
                pass
            return hp.scope.w.a | 0
    record("reentered", twice)

    def explained():
        with hp.scope(**{"x.y": 1}):
            return str(hp.explain("x.y"))
    record("explain", explained)
    record("scope repr", lambda: repr(hp.scope(**{"r.a": 1})).split(":")[0])

    @hp.param("p")
    def f(x: int, y=2.0, z="s"):
        return x, y, z
    record("param missing", f)
    def param_text():
        with hp.scope("p.x=3", "p.y=4"):
            return f()
    record("param text converts", param_text)
    record("param int widens", inside({"p.x": 1, "p.y": 3}, f))
    def param_bad_text():
        with hp.scope("p.x=abc"):
            return f()
    record("param bad text", param_bad_text)

    record("pickle accessor", lambda: pickle.loads(pickle.dumps(hp.scope.a.b)) | 7)
    record("pickle scope", lambda: sorted(pickle.loads(pickle.dumps(hp.scope(**{"k.a": 1})))
                                          .__hp_layer__.params.items()))
    record("nfkc", inside({"\\ufb01.x": 1}, lambda: hp.scope.fi.x | 0))
    record("bad key", lambda: hp.scope(**{"1bad": 1}))
    record("bad positional", lambda: hp.scope(5))
    record("reads", lambda: sorted((k, repr(v)) for k, v in _scope.reads().items()))
    record("depth", _scope.current_stack_depth)
    print(json.dumps(out, indent=1, sort_keys=True))
''')


ARGUMENT_ERRORS = ("call two", "call bad keyword")


def _parity(pure: str) -> Dict[str, Any]:
    done = _run(PARITY, pure)
    assert done.returncode == 0, done.stderr
    result: Dict[str, Any] = json.loads(done.stdout)
    return result


@needs_build
def test_both_implementations_give_the_same_values_errors_and_records():
    """Reads, conversions, errors, provenance and records are identical under both."""
    compiled, pure = _parity(""), _parity("1")
    assert compiled.keys() == pure.keys()
    for name in compiled:
        if name in ARGUMENT_ERRORS:  # Python's own wording for a bad call; same type
            assert compiled[name][:2] == pure[name][:2] == ["error", "TypeError"], name
        else:
            assert compiled[name] == pure[name], name
    # The script checks real behaviour, not only agreement:
    assert compiled["default"] == ["ok", "1"]
    assert compiled["missing"][1] == "MissingKeyError"
    assert "did you mean 'train.lr'" in compiled["did you mean"][2]
    assert compiled["int widens"] == ["ok", "2.0"]
    assert compiled["bool stays"] == ["ok", "True"]
    assert compiled["reflected or"][1] == "TypeError"
    assert compiled["dunder"][1] == "AttributeError"
    assert compiled["private-looking key"] == ["ok", "5"]
    assert compiled["text to float"] == ["ok", "0.5"]
    assert compiled["text to int fails"][1] == "ConversionError"
    assert compiled["out of order"][1] == "ScopeError"
    assert compiled["after out of order"] == ["ok", "(None, None)"]
    assert compiled["foreign exit"][1] == "ScopeError"
    assert compiled["param missing"][1] == "TypeError"
    assert compiled["param text converts"] == ["ok", "(3, 4.0, 's')"]
    assert compiled["param int widens"] == ["ok", "(1, 3.0, 's')"]
    assert compiled["param bad text"][1] == "ConversionError"
    assert "<string>:" in compiled["explain"][1]
    assert compiled["depth"] == ["ok", "0"]


# --------------------------------------------------------------------------- accessor protocol


def test_call_form_takes_one_default_positionally_or_by_keyword():
    """acc(), acc(d) and acc(default=d) read; more arguments are a TypeError."""
    assert hp.scope.a.b(default=3) == 3
    with hp.scope(**{"a.b": 1}):
        assert hp.scope.a.b() == 1 and hp.scope.a.b(2) == 1
    with pytest.raises(TypeError, match="argument"):
        hp.scope.a.b(1, 2)


def test_an_accessor_on_the_right_of_or_is_not_a_read():
    """`1 | accessor` is a TypeError (int | accessor has no meaning), not a read."""
    with pytest.raises(TypeError, match="unsupported operand"):
        1 | hp.scope.a.b


def test_accessors_kept_as_values_do_not_leak():
    """An accessor stored inside a scope's values (a reference cycle) is collected."""
    import gc
    import weakref

    class Probe:
        pass

    probe = Probe()
    alive = weakref.ref(probe)
    with hp.scope(**{"c.p": probe}) as ps:
        ps.c.self = ps.c  # layer -> accessor -> layer
    del probe, ps
    gc.collect()
    assert alive() is None


def test_scope_objects_and_accessors_pickle_under_this_implementation():
    """A scope pickles as its values and an accessor as its key, whichever implementation runs."""
    scope = pickle.loads(pickle.dumps(hp.scope(**{"k.a": 1})))
    with scope:
        assert pickle.loads(pickle.dumps(hp.scope.k.a))() == 1


# --------------------------------------------------------------------------- installing


@pytest.mark.slow
def test_an_install_without_a_c_compiler_works_and_says_so_once(tmp_path):
    """With no working compiler the wheel builds without the extension and says so in one line."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "target", "build", "dist", "site", "*.egg-info", "__pycache__", "*.py[cod]",
        ".venv*", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.so"))
    env = dict(os.environ, CC="/bin/false", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("HYPERPARAMETER_PURE_PYTHON", None)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path / "dist"),
         str(source)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = [line for line in (done.stdout + done.stderr).splitlines()
            if "the pure-Python implementation is used" in line]
    assert len(said) == 1, said
    assert "the compiled accelerator was not built" in said[0]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if "_speedups" in n and not n.endswith((".c", ".pyi"))]
    assert "hyperparameter/_access.py" in names


def test_param_wrappers_do_not_use_names_a_parameter_can_shadow():
    """Parameters named int, type or float still convert: the wrapper uses private names."""

    @hp.param("shadow")
    def f(int: float = 1.0, type: str = "a", float: int = 2) -> tuple:
        return int, type, float

    with hp.scope(**{"shadow.int": 3}, **{"shadow.float": 4}), hp.scope("shadow.type=b"):
        assert f() == (3.0, "b", 4)


def test_a_scope_keeps_its_own_values_whatever_dict_it_was_given():
    """The caller's dict (** or positional, directly or through functools.partial) is never
    the scope's: changing it afterwards changes no scope, and two scopes share nothing."""
    import functools

    given = {"own.a": 1}
    by_keywords, by_mapping = hp.scope(**given), hp.scope(given)
    made = functools.partial(hp.scope, **given)
    first, second = made(), made()
    given["own.a"] = 2
    given["own.b"] = 3
    with first as ps:
        ps["own.c"] = 4
    for scope in (by_keywords, by_mapping, second):
        with scope:
            assert (hp.scope.own.a | 0, hp.scope.own.b | 0, hp.scope.own.c | 0) == (1, 0, 0)
