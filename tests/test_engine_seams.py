"""The scope engine at its seams: tasks, threads, generators, odd callables and hostile input."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import json
import os
import pathlib
import subprocess
import sys
import threading
import weakref

import pytest

import hyperparameter as hp
from _support import Mode, Opt, run_in_thread
from hyperparameter.testing import isolated

# --------------------------------------------------------------------------- writes in tasks


def test_bare_write_in_a_child_task_stays_in_that_task():
    """`hp.scope.x = v` in a child task is seen there, never by the parent or a sibling."""

    async def child(value):
        hp.scope.x = value
        await asyncio.sleep(0)
        return hp.scope.x | 0

    async def main():
        with hp.scope(x=1):
            results = await asyncio.gather(child(2), child(3))
            return results, hp.scope.x | 0

    assert asyncio.run(main()) == ([2, 3], 1)


def test_bare_write_in_to_thread_stays_in_that_call():
    """A write inside `asyncio.to_thread` does not reach the awaiting task."""

    def work():
        hp.scope.x = 9
        return hp.scope.x | 0

    async def main():
        with hp.scope(x=1):
            seen = await asyncio.to_thread(work)
            return seen, hp.scope.x | 0

    assert asyncio.run(main()) == (9, 1)


def test_bare_write_in_the_entering_task_writes_its_scope():
    """In the task that opened the scope, a bare write lasts until that scope exits."""
    with hp.scope(x=1):
        hp.scope.x = 2
        assert hp.scope.x | 0 == 2
        with hp.scope():
            hp.scope.y = 3
        assert hp.scope.y | 0 == 0
    assert hp.scope.x | 0 == 0


# ---------------------------------------------------------------- accessors are not values


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda a: a == "adam", id="eq"),
        pytest.param(lambda a: a != "adam", id="ne"),
        pytest.param(lambda a: a < 1, id="lt"),
        pytest.param(lambda a: a in (0.1,), id="in-tuple"),
        pytest.param(lambda a: f"{a}", id="f-string"),
        pytest.param(lambda a: str(a), id="str"),
        pytest.param(lambda a: bool(a), id="bool"),
        pytest.param(lambda a: "x" in a, id="contains"),
    ],
)
def test_comparing_or_formatting_an_accessor_is_a_type_error(use):
    """Using an accessor as a value raises TypeError showing the `| default` spelling."""
    with hp.scope(**{"optim.name": "adam"}):
        with pytest.raises(TypeError, match=r"hp\.scope\.optim\.name \| default"):
            use(hp.scope.optim.name)


# -------------------------------------------------------------- provenance of the baseline


def test_explain_after_frozen_names_the_callers_line_once():
    """A value published by hp.frozen() inside its scope is shown once, with the user's line."""
    with hp.scope(**{"a.b": 1}):
        hp.frozen()
        line = inspect.currentframe().f_lineno - 1
        explanation = hp.explain("a.b")
    assert explanation.value == 1
    assert explanation.shadowed == []
    assert explanation.source.kind == "scope"
    baseline = hp.explain("a.b")
    assert baseline.source.kind == "baseline"
    assert f"{__file__}:{line}" in str(baseline.source)
    assert "_scope.py" not in str(baseline.source)
    assert baseline.source.via.kind == "scope"


def test_repeated_frozen_keeps_one_source():
    """Publishing again and again does not grow a value's recorded source."""
    with hp.scope(**{"a": 1}):
        hp.frozen()
    first = len(str(hp.explain("a").source))
    for _ in range(200):
        hp.frozen()
    assert len(str(hp.explain("a").source)) <= first + 10


# --------------------------------------------------------------------------- keys


def test_keys_are_nfkc_normalised_like_python_identifiers():
    """A key set with a ligature or decomposed accent reads through attribute syntax."""
    with hp.scope(**{"\ufb01le": 1, "cafe\u0301.x": 2}):
        assert hp.scope.file | 0 == 1
        assert hp.scope.ﬁle | 0 == 1
        assert hp.scope["caf\u00e9.x"] | 0 == 2


@pytest.mark.parametrize("name", ["_hp_items", "_hp_key", "_hp_layer", "keys", "update"])
def test_internal_looking_names_are_parameters(name):
    """No attribute of hp.scope or an accessor hides a key, whatever its name."""
    with hp.scope(**{name: 5, f"a.{name}": 6}):
        assert getattr(hp.scope, name) | 0 == 5
        assert getattr(hp.scope.a, name) | 0 == 6


def test_text_is_kept_exactly_as_given():
    """`k= ` keeps its blank, as --sep ' ' does; numbers still convert."""
    with hp.scope("sep= ", "n= 5 "):
        assert hp.scope.sep | "," == " "
        assert hp.scope.n | 0 == 5
        assert hp.scope.sep() == " "


# --------------------------------------------------------------------------- @hp.param


def test_stacked_param_binds_both_namespaces():
    """With two @hp.param decorators the outer key wins, then the inner key, then the default."""

    @hp.param("outer")
    @hp.param("inner")
    def f(x=1):
        return x

    assert f() == 1
    with hp.scope(**{"inner.x": 2}):
        assert f() == 2
        with hp.scope(**{"outer.x": 3}):
            assert f() == 3
    assert f(x=4) == 4


@pytest.mark.parametrize("name", ["_hp_layer", "_hp_layers", "_hp_d0", "_hp_fn", "_hp_M"])
def test_parameter_names_cannot_collide_with_the_wrapper(name):
    """A parameter named like the generated wrapper's internals gets its own value."""
    namespace = {}
    exec(f"def f({name}=1, other=2):\n    return {name}, other", namespace)
    f = hp.param("ns")(namespace["f"])
    assert f() == (1, 2)
    with hp.scope(**{f"ns.{name}": 7}):
        assert f() == (7, 2)


def test_methods_do_not_bind_self_or_cls():
    """`self` and `cls` are never parameters: only the method's own arguments are."""

    class Model:
        @hp.param("model")
        def build(self, depth=18):
            return depth

        @classmethod
        @hp.param("model")
        def make(cls, width=4):
            return width

    with hp.scope(**{"model.depth": 50, "model.self": "x", "model.width": 8}):
        assert Model().build() == 50
        assert Model.make() == 8
    keys = [key for _, key, _ in Model.build.__hp_bindings__]
    assert keys == ["model.depth"]


def test_param_on_partial_and_callable_object():
    """@hp.param accepts functools.partial objects and callable instances."""

    def area(width, height=2):
        return width * height

    class Scale:
        def __call__(self, x, factor=3):
            return x * factor

    p = hp.param("box")(functools.partial(area, 5))
    s = hp.param("scale")(Scale())
    with hp.scope(**{"box.height": 4, "scale.factor": 10}):
        assert p() == 20
        assert s(2) == 20


def test_enum_defaults_convert_from_text():
    """-D-style text sets Enum and IntEnum parameters by member name or value."""

    @hp.param("en")
    def f(mode=Mode.FAST, opt=Opt.SGD):
        return mode, opt

    with hp.scope("en.mode=2", "en.opt=ADAM"):
        assert f() == (Mode.SLOW, Opt.ADAM)
    with hp.scope("en.mode=SLOW", "en.opt=sgd"):
        assert f() == (Mode.SLOW, Opt.SGD)
    with hp.scope("en.mode=7"), pytest.raises(hp.ConversionError, match=r"en\.mode"):
        f()


def test_huge_int_for_a_float_names_the_key():
    """An int too large for a float default is a ConversionError naming the key."""
    with hp.scope(**{"a.lr": 10**400}), pytest.raises(hp.ConversionError, match=r"'a\.lr'"):
        hp.scope.a.lr | 0.1


# --------------------------------------------------------------------------- bind


def test_bind_copies_mutable_values():
    """Changes the caller makes to a list after hp.bind do not reach the bound call."""
    sizes = [1, 2]
    with hp.scope(**{"sizes": sizes}):
        bound = hp.bind(lambda: list(hp.scope.sizes | []))
    sizes.append(3)
    assert bound() == [1, 2]


def test_bind_of_a_coroutine_function_is_a_coroutine_function():
    """Frameworks that dispatch on inspect.iscoroutinefunction see hp.bind(async_fn) as async."""

    async def work():
        return hp.scope.a | 0

    with hp.scope(a=5):
        bound = hp.bind(work)
    assert inspect.iscoroutinefunction(bound)
    assert asyncio.iscoroutinefunction(bound)
    assert asyncio.run(bound()) == 5


def test_bind_and_frozen_while_other_threads_write_a_shared_scope():
    """One scope entered in many threads while another writes into it never breaks bind."""
    shared = hp.scope(**{f"k{i}": i for i in range(50)})
    stop = threading.Event()
    errors = []

    def writer():
        n = 0
        with shared:
            while not stop.is_set():
                shared[f"w{n % 5000}"] = n
                n += 1

    def user():
        try:
            with shared:
                for _ in range(200):
                    hp.bind(lambda: None)
                    hp.snapshot()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=user) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join()
    stop.set()
    threads[0].join()
    assert errors == []


# --------------------------------------------------------------------------- generators


def test_scope_in_an_async_generator_is_refused_where_it_is_opened():
    """Opening hp.scope inside an async generator is a clear error; the consumer is unchanged."""

    async def numbers():
        with hp.scope(a=1):
            yield hp.scope.a | 0

    async def main():
        with pytest.raises(hp.ScopeError, match="async generator"):
            async for _ in numbers():
                break
        return hp.scope.a | 0

    assert asyncio.run(main()) == 0


def test_generator_finished_in_another_thread_does_not_strand_its_scope():
    """A generator finished in another thread raises there; its first thread is left clean."""

    def gen():
        with hp.scope(g=1):
            yield 1
            yield 2

    it = gen()
    assert next(it) == 1
    assert hp.scope.g | 0 == 1  # the documented leak while suspended

    def finish():
        with pytest.raises(hp.ScopeError, match="another"):
            list(it)
        return True

    assert run_in_thread(finish)
    assert hp.scope.g | 0 == 0


# --------------------------------------------------------------------------- records and limits


def test_read_records_are_bounded_and_keep_no_default_alive():
    """Reading endless distinct keys keeps a bounded record; default objects can be collected."""

    class Big:
        """An object used as a default."""

    big = Big()
    ref = weakref.ref(big)
    hp.scope["obj.default"] | big
    del big
    gc.collect()
    assert ref() is None
    for i in range(12_000):
        hp.scope[f"many.k{i}"] | i
    report = hp.report()
    assert len([row for row in report.read if row.key.startswith("many.")]) <= 10_000
    assert report.unrecorded >= 1_999


def test_deep_or_self_containing_mappings_are_refused():
    """hp.scope of a 1,000-deep or self-containing dict raises a clear error, not RecursionError."""
    deep = {}
    node = deep
    for _ in range(1000):
        node["k"] = {}
        node = node["k"]
    with pytest.raises(hp.NestingError, match="deeper than 200"):
        hp.scope(deep)
    loop = {"a": {}}
    loop["a"]["self"] = loop
    with pytest.raises(hp.NestingError, match="contains itself"):
        hp.scope(loop)


def test_empty_mapping_defines_no_key():
    """An empty mapping is a namespace with nothing in it, whichever path it takes."""
    with hp.scope({"opt": {}, "lr": 1}):
        assert "opt" not in hp.scope
        assert hp.scope.opt | "none" == "none"


def test_snapshot_holds_paths_and_enums():
    """hp.snapshot() accepts values a CfgNode cannot hold, by their plain value."""
    with hp.scope(**{"data.root": pathlib.Path("/tmp/x"), "data.mode": Mode.SLOW}):
        snap = hp.snapshot()
    assert snap.data.root == "/tmp/x"
    assert snap.data.mode == "SLOW"  # by name, as -C and -D read it back
    assert "root: /tmp/x" in snap.dump()


def test_subprocess_env_refuses_what_exec_would_refuse():
    """Parameters over the per-variable limit fail early, naming the size and the alternative."""
    with hp.scope(**{"blob": "x" * 200_000}), pytest.raises(ValueError, match="in a file"):
        hp.subprocess_env()


# --------------------------------------------------------------------------- child processes


def _child(code, params):
    env = dict(os.environ, HYPERPARAMETER_PARAMS=params)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)


def test_nested_environment_objects_are_flattened():
    """HYPERPARAMETER_PARAMS with nested objects is read as dotted keys."""
    result = _child("import hyperparameter as hp; print(hp.scope.train.lr | 0.001)",
                    json.dumps({"train": {"lr": 0.5}}))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.5"


def test_environment_values_follow_the_one_coercion_rule():
    """A typed environment value that does not fit the read's type is an error naming the source."""
    result = _child("import hyperparameter as hp; hp.scope.train.epochs | 3",
                    json.dumps({"train.epochs": 5.5}))
    assert result.returncode != 0
    assert "train.epochs" in result.stderr and "HYPERPARAMETER_PARAMS" in result.stderr


# --------------------------------------------------------------------------- the public test helper


def test_isolated_restores_everything():
    """testing.isolated() gives an empty slate and puts the previous one back."""
    with hp.scope(a=1):
        hp.frozen()
        hp.scope.seen | 0
        with isolated():
            assert hp.scope.a | 0 == 0
            assert "seen" not in [row.key for row in hp.report().read]
            with hp.scope(b=2):
                hp.frozen()
        assert hp.scope.a | 0 == 1
        assert hp.scope.b | 0 == 0
    assert "seen" in [row.key for row in hp.report().read]


def test_isolated_reports_scopes_left_open():
    """check_closed=True fails a block that left a scope open, after restoring the state."""
    with pytest.raises(AssertionError, match="left open"), isolated(check_closed=True):
        hp.scope(a=1).__enter__()
    assert hp.scope.a | 0 == 0
