"""@hp.param: binding function, method, coroutine and class parameters to keys."""

from __future__ import annotations

import asyncio
import inspect
import pickle
from typing import List, Optional

import pytest

import hyperparameter as hp


@hp.param("train")
def train(lr=1e-3, batch_size=32, epochs=10):
    """Return the parameters the call ended up with."""
    return lr, batch_size, epochs


@hp.param
def named_by_function(width=4):
    """Bound under its own name."""
    return width


@hp.param("net")
class Net:
    """A class whose __init__ parameters are bound to net.*."""

    def __init__(self, depth=18, width=64):
        self.depth = depth
        self.width = width


class Wider(Net):
    """A subclass that forwards to the bound __init__."""

    def __init__(self, extra=1, **kwargs):
        super().__init__(**kwargs)
        self.extra = extra


def test_signature_defaults_without_scope():
    """With nothing in force the signature defaults are used."""
    assert train() == (1e-3, 32, 10)


def test_scope_overrides_defaults():
    """Scope values beat signature defaults."""
    with hp.scope(**{"train.lr": 5e-4, "train.batch_size": 64}):
        assert train() == (5e-4, 64, 10)


@pytest.mark.parametrize(("args", "kwargs", "expected"), [
    ((1e-2,), {}, (1e-2, 64, 10)),
    ((), {"lr": 1e-2}, (1e-2, 64, 10)),
    ((1e-2, 8), {}, (1e-2, 8, 10)),
    ((), {"epochs": 1}, (5e-4, 64, 1)),
], ids=["positional", "keyword", "two-positional", "other-keyword"])
def test_caller_arguments_always_win(args, kwargs, expected):
    """Arguments passed by the caller, positionally or by keyword, beat the scope."""
    with hp.scope(**{"train.lr": 5e-4, "train.batch_size": 64}):
        assert train(*args, **kwargs) == expected


def test_text_values_convert_toward_default_type():
    """-D style text converts to the type of the signature default."""
    with hp.scope("train.lr=5e-4", "train.batch_size=64"):
        assert train() == (5e-4, 64, 10)


def test_int_scope_value_for_float_default_becomes_float():
    """An int in scope for a float parameter arrives as float."""
    with hp.scope(**{"train.lr": 1}):
        lr, _, _ = train()
    assert type(lr) is float


def test_bare_decorator_uses_function_name():
    """Bare @hp.param binds under the function's __name__."""
    with hp.scope(**{"named_by_function.width": 9}):
        assert named_by_function() == 9


def test_parameter_without_default_filled_from_scope():
    """A parameter with no default takes the scope value; without one the call fails clearly."""

    @hp.param("job")
    def run(name, retries=1):
        return name, retries

    with hp.scope(**{"job.name": "nightly"}):
        assert run() == ("nightly", 1)
        assert run("manual") == ("manual", 1)
    with pytest.raises(TypeError, match=r"missing required argument 'name'.*'job\.name'"):
        run()


def test_parameter_without_default_text_parses_as_literal():
    """A text value for a parameter with no default and no annotation is parsed as a literal."""

    @hp.param("job")
    def run(count):
        return count

    with hp.scope("job.count=3"):
        assert run() == 3


def test_all_parameter_kinds():
    """Positional-only, *args, keyword-only and **kwargs keep working."""

    @hp.param("k")
    def f(a, /, b=2, *rest, c, d=4, **extra):
        return a, b, rest, c, d, extra

    with hp.scope(**{"k.b": 20, "k.c": 30}):
        assert f(1) == (1, 20, (), 30, 4, {})
        assert f(1, 2, 3, c=0, z=9) == (1, 2, (3,), 0, 4, {"z": 9})
    assert str(inspect.signature(f)) == "(a, /, b=2, *rest, c, d=4, **extra)"


def test_metadata_preserved():
    """Signature, name, docstring and __wrapped__ survive decoration."""
    assert train.__name__ == "train"
    assert train.__doc__ == "Return the parameters the call ended up with."
    assert str(inspect.signature(train)) == "(lr=0.001, batch_size=32, epochs=10)"
    assert inspect.unwrap(train) is not train
    assert train.__wrapped__(lr=1) == (1, 32, 10)


def test_decorated_function_pickles():
    """A decorated module-level function pickles by reference and still binds."""
    restored = pickle.loads(pickle.dumps(train))
    assert restored is train


def test_methods_bind_parameters():
    """Methods bind their parameters; self is passed as usual."""

    class Model:
        @hp.param("model")
        def forward(self, scale=1.0):
            return scale

        @staticmethod
        @hp.param("model")
        def static(scale=1.0):
            return scale

    with hp.scope(**{"model.scale": 3.0}):
        assert Model().forward() == 3.0
        assert Model.static() == 3.0
        assert Model().forward(2.0) == 2.0


def test_class_stays_a_class():
    """@hp.param on a class binds __init__; isinstance and subclassing work."""
    with hp.scope(**{"net.depth": 50}):
        net = Net()
        wide = Wider(extra=2)
    assert isinstance(net, Net) and type(net) is Net
    assert (net.depth, net.width) == (50, 64)
    assert isinstance(wide, Net) and (wide.depth, wide.extra) == (50, 2)
    assert Net(depth=10).depth == 10


def test_bare_decorator_on_class_uses_class_name():
    """Bare @hp.param on a class uses the class name as namespace."""

    @hp.param
    class Opt:
        def __init__(self, lr=0.1):
            self.lr = lr

    with hp.scope(**{"Opt.lr": 0.2}):
        assert Opt().lr == 0.2


def test_async_function_stays_coroutine_function():
    """An async def stays a coroutine function and binds when it runs."""

    @hp.param("svc")
    async def handle(timeout=1.0):
        await asyncio.sleep(0)
        return timeout

    assert inspect.iscoroutinefunction(handle)

    async def main():
        with hp.scope(**{"svc.timeout": 2.5}):
            return await handle(), await asyncio.create_task(handle())

    assert asyncio.run(main()) == (2.5, 2.5)


def test_scope_is_read_at_each_call():
    """Each call sees the scope in force at that call."""
    results = []
    for value in (1, 2):
        with hp.scope(**{"train.epochs": value}):
            results.append(train()[2])
    assert results == [1, 2]


def test_invalid_namespace_rejected():
    """A namespace that breaks the key grammar is rejected at decoration."""
    with pytest.raises(ValueError, match="invalid key"):
        hp.param("bad ns")


def test_annotation_converts_text_without_default():
    """A parameter with an annotation and no default converts text toward the annotation."""

    @hp.param("ann")
    def run(count: int, ratio: Optional[float], names: List[str]):
        return count, ratio, names

    with hp.scope("ann.count=3", "ann.ratio=0.5", "ann.names=a,b"):
        assert run() == (3, 0.5, ["a", "b"])
    with hp.scope("ann.count=three", "ann.ratio=none", "ann.names=x"):
        with pytest.raises(ValueError, match=r"'three'.*int.*'ann\.count'"):
            run()
