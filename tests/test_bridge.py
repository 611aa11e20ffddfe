"""Config trees meet scopes: `with hp.scope(cfg)` and `hp.snapshot()`."""

from __future__ import annotations

import copy
import pickle

import pytest

import hyperparameter as hp


def make_cfg():
    """A small YACS-style tree."""
    cfg = hp.CfgNode()
    cfg.MODEL = hp.CfgNode()
    cfg.MODEL.TYPE = "resnet50"
    cfg.MODEL.BACKBONE = hp.CfgNode({"DEPTH": 50, "FROZEN": False})
    cfg.SOLVER = hp.CfgNode({"BASE_LR": 0.1, "STEPS": (10, 20)})
    return cfg


def test_cfgnode_entered_as_scope_flattens_leaves():
    """Every leaf of a CfgNode is readable by its dotted key inside the scope."""
    with hp.scope(make_cfg()):
        assert hp.scope.MODEL.TYPE | "" == "resnet50"
        assert hp.scope.MODEL.BACKBONE.DEPTH | 0 == 50
        assert hp.scope["SOLVER.STEPS"] | () == (10, 20)
        assert hp.scope.MODEL.BACKBONE.FROZEN(True) is False
    assert hp.scope.MODEL.TYPE | "none" == "none"


def test_cfgnode_scope_feeds_param():
    """@hp.param reads flattened CfgNode leaves."""

    @hp.param("SOLVER")
    def solver(BASE_LR=0.01, MOMENTUM=0.9):
        return BASE_LR, MOMENTUM

    with hp.scope(make_cfg()):
        assert solver() == (0.1, 0.9)


def test_cfgnode_and_overrides_later_wins():
    """A CfgNode followed by -D style strings: the strings win."""
    with hp.scope(make_cfg(), "SOLVER.BASE_LR=0.5"):
        assert hp.scope.SOLVER.BASE_LR | 0.0 == 0.5


def test_snapshot_nests_by_dots_and_allows_new_keys():
    """hp.snapshot() returns the parameters in force as a new CfgNode."""
    with hp.scope(**{"train.lr": 0.1, "train.batch_size": 32, "seed": 1}):
        snap = hp.snapshot()
    assert isinstance(snap, hp.CfgNode)
    assert snap == {"train": {"lr": 0.1, "batch_size": 32}, "seed": 1}
    assert snap.is_new_allowed()
    snap.merge_from_other_cfg(hp.CfgNode({"extra": 1}))
    assert snap.extra == 1


def test_snapshot_converts_text_as_last_read():
    """Text values become typed values, as their last read converted them."""
    with hp.scope("train.lr=5e-4", "train.name=007", "train.epochs=3"):
        hp.scope.train.name | "x"
        snap = hp.snapshot()
    assert snap.train.lr == 5e-4
    assert snap.train.name == "007"  # read with a str default: stays text
    assert snap.train.epochs == 3  # never read: parsed as a literal


def test_snapshot_dump_load_round_trip():
    """A snapshot dumps to YAML that load_cfg reads back equal (tuples come back as lists)."""
    with hp.scope(make_cfg(), **{"run.tags": ["a", "b"]}):
        snap = hp.snapshot()
    loaded = hp.load_cfg(snap.dump())
    assert loaded.SOLVER.STEPS == [10, 20]
    loaded.SOLVER.STEPS = (10, 20)
    assert loaded == snap


def test_snapshot_round_trips_through_scope_pickle_and_copy():
    """A snapshot pickles and copies, and entering it restores the same parameters."""
    with hp.scope(make_cfg()):
        snap = hp.snapshot()
    for again in (pickle.loads(pickle.dumps(snap)), copy.deepcopy(snap)):
        with hp.scope(again):
            assert hp.scope.MODEL.BACKBONE.DEPTH | 0 == 50


def test_snapshot_refuses_key_that_is_value_and_parent():
    """A key that has a value and children cannot nest: the error names both keys."""
    with hp.scope(**{"model": "resnet", "model.depth": 50}):
        with pytest.raises(ValueError, match=r"'model\.depth' under 'model'"):
            hp.snapshot()


def test_snapshot_includes_baseline():
    """The baseline published by hp.frozen() is part of the snapshot."""
    with hp.scope(**{"global.seed": 42}):
        hp.frozen()
    with hp.scope(**{"train.lr": 0.1}):
        assert hp.snapshot() == {"global": {"seed": 42}, "train": {"lr": 0.1}}
