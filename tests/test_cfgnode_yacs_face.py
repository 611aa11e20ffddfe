"""hyperparameter.yacs.CfgNode: YACS's mutation semantics, so real YACS subclasses run unchanged.

fvcore's ``CfgNode`` (which detectron2 extends) writes ``COMPUTED_*`` keys into a
frozen config with ``self[name] = value``; YACS allows item writes into frozen
nodes. The YACS face does too, while ``hp.CfgNode`` stays strict.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import types
from pathlib import Path
from typing import Any, Callable, Dict
from unittest import mock

import pytest
import yaml

import hyperparameter as hp
import hyperparameter.yacs as hpyacs
from _support import modules_replaced
from cfgnode_checks import assert_consistent
from hyperparameter.errors import FrozenConfigError

YacsFace = hpyacs.CfgNode


class ComputedKeys(YacsFace):
    """The pattern of fvcore's CfgNode.__setattr__: COMPUTED_* keys are insert-only items."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("COMPUTED_"):
            if name in self:
                if self[name] == value:
                    return
                raise KeyError(f"Computed attributed '{name}' already exists with another value")
            self[name] = value
        else:
            super().__setattr__(name, value)


def test_computed_keys_go_into_a_frozen_yacs_face_config() -> None:
    """fvcore's test_setattr, on the YACS face: computed keys insert even when frozen, once."""
    cfg = ComputedKeys({"KEY1": "default", "EXPRESSION": [3.0]})
    cfg.KEY1 = "new1"
    cfg.KEY3 = "new3"
    assert (cfg.KEY1, cfg.KEY3) == ("new1", "new3")
    cfg.COMPUTED_1 = "computed1"
    cfg.freeze()
    cfg.COMPUTED_2 = "computed2"
    assert (cfg.COMPUTED_1, cfg.COMPUTED_2) == ("computed1", "computed2")
    assert cfg["COMPUTED_2"] == "computed2"
    with pytest.raises(KeyError, match="Computed attributed 'COMPUTED_1' already exists"):
        cfg.COMPUTED_1 = "other"
    cfg.COMPUTED_1 = "computed1"  # the same value again is fine
    with pytest.raises(AttributeError, match=r"^Attempted to set KEY1 to x, but CfgNode is"):
        cfg.KEY1 = "x"
    assert cfg.is_frozen()
    assert_consistent(cfg)


def test_the_strict_node_refuses_the_same_pattern() -> None:
    """On hp.CfgNode the same item write into a frozen config is refused (documented)."""

    class StrictComputed(hp.CfgNode):
        __setattr__ = ComputedKeys.__setattr__  # type: ignore[assignment]

    cfg = StrictComputed({"KEY1": "default"})
    cfg.freeze()
    with pytest.raises(FrozenConfigError, match=r"^Attempted to set COMPUTED_2 to computed2"):
        cfg.COMPUTED_2 = "computed2"
    assert "COMPUTED_2" not in cfg


FROZEN_CHANGES: Dict[str, Callable[[Any], Any]] = {
    "setitem": lambda c: c.__setitem__("A", 9),
    "setitem-new": lambda c: c.__setitem__("NEW", 1),
    "update": lambda c: c.update(A=9),
    "pop": lambda c: c.pop("A"),
    "delitem": lambda c: c.__delitem__("A"),
    "setdefault": lambda c: c.setdefault("NEW", 1),
    "clear": lambda c: c.B.clear(),
    "merge_from_other_cfg": lambda c: c.merge_from_other_cfg(type(c)({"B": {"C": 7}})),
    "merge_from_list": lambda c: c.merge_from_list(["B.C", "7"]),
    "list-append": lambda c: c.L.append(3),
}


@pytest.mark.parametrize("change", list(FROZEN_CHANGES.values()), ids=list(FROZEN_CHANGES))
def test_frozen_yacs_face_allows_what_yacs_allows(change: Callable[[Any], Any]) -> None:
    """Every change YACS lets through a frozen node goes through on the YACS face too."""
    yacs_config = pytest.importorskip("yacs.config")
    ours = YacsFace({"A": 1, "B": {"C": 2}, "L": [1, 2]})
    theirs = yacs_config.CfgNode({"A": 1, "B": {"C": 2}, "L": [1, 2]})
    for cfg in (ours, theirs):
        cfg.freeze()
        change(cfg)
    assert ours == theirs and ours.is_frozen() and ours.B.is_frozen()
    assert type(ours.L) is list
    assert_consistent(ours)


def test_faces_isinstance_scope_pickle_and_merges() -> None:
    """A YACS-face node is an hp.CfgNode; both enter scopes, pickle, and merge into each other."""
    face = hpyacs.load_cfg("MODEL:\n  TYPE: resnet\n  STEPS: [1, 2]\n")
    strict = hp.CfgNode({"MODEL": {"TYPE": "vit", "STEPS": [3]}})
    assert type(face) is YacsFace and type(face.MODEL) is YacsFace
    assert isinstance(face, hp.CfgNode) and not isinstance(strict, YacsFace)
    face.freeze()
    with hp.scope(face):
        assert hp.scope.MODEL.TYPE("") == "resnet" and hp.scope.MODEL.STEPS([]) == [1, 2]
    again = pickle.loads(pickle.dumps(face))
    assert type(again) is YacsFace and again.is_frozen() and again == face
    face.merge_from_other_cfg(strict)  # frozen, and YACS allows merges into frozen nodes
    assert face.MODEL.TYPE == "vit" and type(face.MODEL) is YacsFace
    strict.merge_from_other_cfg(hpyacs.CfgNode({"MODEL": {"TYPE": "deit"}}))
    assert strict.MODEL.TYPE == "deit" and type(strict.MODEL) is hp.CfgNode


def test_yacs_face_keeps_every_other_improvement() -> None:
    """Atomic merges, int->float, full keys in messages: the YACS face keeps them."""
    cfg = YacsFace({"A": {"LR": 0.1, "N": 1}})
    with pytest.raises(ValueError, match=r"for config key: A\.N; 'A\.N' holds 1"):
        cfg.merge_from_list(["A.LR", "1", "A.N", "'x'"])
    assert cfg.A.LR == 0.1
    cfg.merge_from_list(["A.LR", "1"])
    assert cfg.A.LR == 1.0 and type(cfg.A.LR) is float
    with pytest.raises(AttributeError, match=r"^LRR: CfgNode has no key 'A\.LRR'; did you mean"):
        _ = cfg.A.LRR


def _fvcore_config_module() -> Any:
    """Return fvcore's config module, run with hyperparameter.yacs in place of yacs.config."""
    pytest.importorskip("iopath")
    spec = importlib.util.find_spec("fvcore")
    if spec is None or spec.origin is None:
        pytest.skip("fvcore is not installed")
    path = os.path.join(os.path.dirname(spec.origin), "common", "config.py")
    module = types.ModuleType("fvcore_config_on_hyperparameter")
    module.__file__ = path
    yacs_package = sys.modules.get("yacs") or types.ModuleType("yacs")
    with modules_replaced({"yacs": yacs_package, "yacs.config": hpyacs}):
        with open(path, encoding="utf-8") as stream:
            exec(compile(stream.read(), path, "exec"), module.__dict__)
    assert issubclass(module.CfgNode, YacsFace)
    return module


def test_real_fvcore_cfgnode_runs_on_the_yacs_face(tmp_path: Path) -> None:
    """fvcore's own CfgNode, its base class swapped for ours: setattr, _BASE_ files, lists."""
    fvcore_config = _fvcore_config_module()
    CfgNode = fvcore_config.CfgNode

    def defaults() -> Any:
        cfg = CfgNode()
        cfg.KEY1 = "default"
        cfg.KEY2 = "default"
        cfg.EXPRESSION = [3.0]
        return cfg

    # fvcore's test_setattr
    cfg = defaults()
    cfg.COMPUTED_1 = "computed1"
    cfg.freeze()
    cfg.COMPUTED_2 = "computed2"
    assert (cfg.COMPUTED_1, cfg.COMPUTED_2) == ("computed1", "computed2")
    cfg = defaults()
    cfg.COMPUTED_1 = "computed1"
    with pytest.raises(KeyError, match="Computed attributed 'COMPUTED_1' already exists"):
        cfg.COMPUTED_1 = "update_computed1"
    cfg.COMPUTED_1 = "computed1"

    # fvcore's _BASE_ loader and its reserved-key checks
    (tmp_path / "base.yaml").write_text("KEY1: base\nKEY2: base\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("_BASE_: base.yaml\nKEY2: config\n", encoding="utf-8")
    cfg = defaults()
    cfg.merge_from_file(str(tmp_path / "config.yaml"))
    assert (cfg.KEY1, cfg.KEY2) == ("base", "config")
    # a list of bases (the later wins), and a file with a Python tag: refused by the safe
    # loader, read with allow_unsafe=True (fvcore's test_merge_from_file)
    (tmp_path / "base2.yaml").write_text("KEY1: base2\n", encoding="utf-8")
    (tmp_path / "multi.yaml").write_text("_BASE_: [base.yaml, base2.yaml]\nKEY2: config\n",
                                         encoding="utf-8")
    cfg = defaults()
    cfg.merge_from_file(str(tmp_path / "multi.yaml"))
    assert (cfg.KEY1, cfg.KEY2) == ("base2", "config")
    (tmp_path / "unsafe.yaml").write_text(
        "_BASE_: base.yaml\n"
        'EXPRESSION: !!python/object/apply:eval ["[x ** 2 for x in [1, 2, 3]]"]\n',
        encoding="utf-8")
    cfg = defaults()
    with pytest.raises(yaml.constructor.ConstructorError, match="python/object/apply"):
        cfg.merge_from_file(str(tmp_path / "unsafe.yaml"))
    assert cfg.EXPRESSION == [3.0]
    cfg.merge_from_file(str(tmp_path / "unsafe.yaml"), allow_unsafe=True)
    assert (cfg.KEY1, cfg.EXPRESSION) == ("base", [1, 4, 9])
    cfg.merge_from_list(["KEY1", "list1", "EXPRESSION", "[1.0, 2.0]"])
    assert (cfg.KEY1, cfg.EXPRESSION) == ("list1", [1.0, 2.0])
    with pytest.raises(AssertionError, match="_BASE_"):
        cfg.merge_from_list(["_BASE_", "x"])
    cfg.freeze()
    assert cfg.dump() == "EXPRESSION:\n- 1.0\n- 2.0\nKEY1: list1\nKEY2: base\n"


def _pycls_config_module(yacs_config: Any) -> Any:
    """Return a fresh copy of pycls's config module, built on ``yacs_config``'s CfgNode."""
    spec = importlib.util.find_spec("pycls")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pycls is not installed")
    path = os.path.join(next(iter(spec.submodule_search_locations)), "core", "config.py")
    module = types.ModuleType("pycls_config_on_" + yacs_config.__name__.replace(".", "_"))
    module.__file__ = path
    yacs_package = sys.modules.get("yacs") or types.ModuleType("yacs")
    with modules_replaced({"yacs": yacs_package, "yacs.config": yacs_config}):
        with open(path, encoding="utf-8") as stream:
            exec(compile(stream.read(), path, "exec"), module.__dict__)
    return module


def _pycls_session(config: Any, out_dir: Path, experiment: Path) -> Dict[str, Any]:
    """Drive pycls's config helpers as its training scripts do; return what each step gave."""
    seen: Dict[str, Any] = {}
    config.cfg.OUT_DIR = str(out_dir)
    config.dump_cfg()
    seen["dumped defaults"] = (out_dir / "config.yaml").read_text(encoding="utf-8")
    argv = ["train_net.py", "--cfg", str(experiment), "OPTIM.MAX_EPOCH", "5",
            "TRAIN.BATCH_SIZE", "256", "REGNET.WA", "26.5", "OPTIM.STEPS", "[0, 30, 60]"]
    with mock.patch.object(sys, "argv", argv):
        config.load_cfg_fom_args()
    config.assert_and_infer_cfg(cache_urls=False)
    seen["after file and options"] = config.cfg.dump()
    seen["types"] = [type(config.cfg.REGNET.WA), type(config.cfg.OPTIM.BASE_LR),
                     type(config.cfg.OPTIM.STEPS)]
    config.reset_cfg()
    seen["after reset"] = config.cfg.dump()
    config.load_cfg(str(out_dir))  # the dumped defaults read back
    config.cfg.freeze()
    seen["reloaded"] = config.cfg.dump()
    with pytest.raises(AttributeError) as frozen:
        config.cfg.OPTIM.BASE_LR = 1.0
    seen["frozen write refused"] = "immutable" in str(frozen.value).lower() or isinstance(
        frozen.value, FrozenConfigError)
    config.cfg.defrost()
    with pytest.raises(AssertionError) as unknown:  # YACS's way of refusing an unknown key
        config.cfg.merge_from_list(["OPTIM.BASE_LRR", "0.1"])
    seen["unknown key"] = "OPTIM.BASE_LRR" in str(unknown.value)
    return seen


def test_real_pycls_config_runs_on_the_yacs_face_as_on_yacs(tmp_path: Path) -> None:
    """pycls's own config module (defaults, deprecated keys, dump, --cfg and options,
    reset, reload, freeze) gives the same results on our YACS face as on YACS 0.1.8."""
    import yacs.config

    experiment = tmp_path / "exp.yaml"
    experiment.write_text(
        "MODEL:\n  TYPE: regnet\n  NUM_CLASSES: 10\nOPTIM:\n  BASE_LR: 0.4\n"
        "REGNET:\n  DEPTH: 13\n  W0: 24\nPORT: 1234\nPREC_TIME:\n  ENABLED: true\n",
        encoding="utf-8")
    sessions = {}
    for yacs_config in (yacs.config, hpyacs):
        out_dir = tmp_path / yacs_config.__name__
        out_dir.mkdir()
        config = _pycls_config_module(yacs_config)
        assert isinstance(config.cfg, yacs_config.CfgNode)
        session = _pycls_session(config, out_dir, experiment)
        sessions[yacs_config.__name__] = {
            step: value.replace(str(out_dir), "<out>") if isinstance(value, str) else value
            for step, value in session.items()}
    ours, theirs = sessions[hpyacs.__name__], sessions[yacs.config.__name__]
    assert ours == theirs
    assert "BASE_LR: 0.4" in ours["after file and options"]
    assert "- 60" in ours["after file and options"] and "PORT:" not in ours["after reset"]
    assert ours["types"] == [float, float, list]
    assert ours["frozen write refused"] and ours["unknown key"]
