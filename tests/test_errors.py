"""One table of expected errors: operation -> error type, the key it carries, its message."""

from __future__ import annotations

import pickle

import pytest

import hyperparameter as hp


def _read_bad_int():
    with hp.scope("train.batch_size=6.5"):
        hp.scope.train.batch_size | 32


def _read_missing():
    with hp.scope(**{"train.lr": 0.1}):
        hp.scope.train.lrr()


def _write_without_scope():
    hp.scope.train.lr = 0.1


def _deep_scope():
    tree: dict = {}
    node = tree
    for _ in range(300):
        node["k"] = {}
        node = node["k"]
    hp.scope(tree)


def _param_bad_text():
    @hp.param("m")
    def build(depth: int = 18):
        return depth

    with hp.scope("m.depth=two"):
        build()


def _frozen_cfg_set():
    cfg = hp.CfgNode({"MODEL": {"DEPTH": 50}})
    cfg.freeze()
    cfg.MODEL.DEPTH = 101


def _cfg_unknown_merge():
    hp.CfgNode({"MODEL": {"DEPTH": 50}}).merge_from_list(["MODEL.DEPHT", "1"])


CASES = [
    pytest.param(lambda: hp.scope(**{"train..lr": 1}), hp.InvalidKeyError, "train..lr",
                 r"invalid key 'train\.\.lr'.*empty segment", id="invalid-key"),
    pytest.param(lambda: hp.scope("train.lr"), hp.InvalidKeyError, None,
                 "has no '='", id="assignment-without-equals"),
    pytest.param(_read_bad_int, hp.ConversionError, "train.batch_size",
                 r"cannot convert '6\.5' to int for key 'train\.batch_size' \(from hp\.scope",
                 id="text-not-an-int"),
    pytest.param(lambda: _huge_int(), hp.ConversionError, "a.lr", "too large for a float",
                 id="int-too-large"),
    pytest.param(_read_missing, hp.MissingKeyError, "train.lrr",
                 r"'train\.lrr' is not set.*did you mean 'train\.lr'", id="missing-key"),
    pytest.param(_write_without_scope, hp.ScopeWriteError, "train.lr",
                 "no scope is active", id="write-without-scope"),
    pytest.param(_deep_scope, hp.NestingError, None, "deeper than 200 levels", id="nesting"),
    pytest.param(_param_bad_text, hp.ConversionError, "m.depth",
                 r"cannot convert 'two' to int for key 'm\.depth'", id="param-text"),
    pytest.param(lambda: hp.scope.a == 1, TypeError, None, r"hp\.scope\.a \| default",
                 id="accessor-compared"),
    pytest.param(_frozen_cfg_set, AttributeError, None, "immutable|frozen", id="frozen-cfgnode"),
    pytest.param(_cfg_unknown_merge, AssertionError, None, r"^Non-existent key: '?MODEL\.DEPHT",
                 id="cfgnode-unknown-list-key"),
]


def _huge_int():
    with hp.scope(**{"a.lr": 10**400}):
        hp.scope.a.lr | 0.1


@pytest.mark.parametrize(("operation", "error", "key", "match"), CASES)
def test_expected_errors(operation, error, key, match):
    """Each mistake raises the documented type, carrying the key and a message that says why."""
    with pytest.raises(error, match=match) as caught:
        operation()
    if key is not None:
        assert caught.value.key == key
    if isinstance(caught.value, hp.HyperparameterError):
        copy = pickle.loads(pickle.dumps(caught.value))
        assert str(copy) == str(caught.value) and copy.key == caught.value.key


def test_conversion_errors_carry_value_and_source():
    """A ConversionError carries the offending value and a structured source."""
    with hp.scope("n=x"), pytest.raises(hp.ConversionError) as caught:
        hp.scope.n | 0
    assert caught.value.value == "x"
    assert caught.value.source.kind == "scope"
