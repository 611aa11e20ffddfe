"""A frozen hp.CfgNode is frozen all the way down: its lists and dicts refuse changes too.

Also the other insertion-time checks of the strict node (issue 11): a node never
contains itself, trees nest at most MAX_DEPTH levels, text that looks like a
literal but cannot be built names its key; and a merge that changes nothing is
accepted by a frozen node.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

import hyperparameter as hp
from cfgnode_checks import assert_consistent, shape
from hyperparameter import cfgnode
from hyperparameter.cfgnode import FrozenDict, FrozenList
from hyperparameter.errors import ConversionError, FrozenConfigError, NestingError

CN = hp.CfgNode


def frozen_cfg() -> CN:
    """Return a frozen tree: lists at two depths, a tuple holding a list, a dict in a list."""
    cfg = CN(
        {
            "SOLVER": {"STEPS": [30, 60], "GRID": [[1, 2], [3]], "PAIR": (1, [2])},
            "DATA": {"SETS": [{"name": "a"}]},
            "NAME": "run",
        }
    )
    cfg.freeze()
    return cfg


LIST_CHANGES: Dict[str, Callable[[CN], Any]] = {
    "append": lambda c: c.SOLVER.STEPS.append(90),
    "extend": lambda c: c.SOLVER.STEPS.extend([90]),
    "insert": lambda c: c.SOLVER.STEPS.insert(0, 1),
    "remove": lambda c: c.SOLVER.STEPS.remove(30),
    "pop": lambda c: c.SOLVER.STEPS.pop(),
    "clear": lambda c: c.SOLVER.STEPS.clear(),
    "sort": lambda c: c.SOLVER.STEPS.sort(reverse=True),
    "reverse": lambda c: c.SOLVER.STEPS.reverse(),
    "setitem": lambda c: c.SOLVER.STEPS.__setitem__(0, 1),
    "slice-assign": lambda c: c.SOLVER.STEPS.__setitem__(slice(0, 1), [5]),
    "delitem": lambda c: c.SOLVER.STEPS.__delitem__(0),
    "iadd": lambda c: c.SOLVER.STEPS.__iadd__([1]),
    "imul": lambda c: c.SOLVER.STEPS.__imul__(2),
    "item-read": lambda c: c["SOLVER"]["STEPS"].append(1),
}


@pytest.mark.parametrize("change", list(LIST_CHANGES.values()), ids=list(LIST_CHANGES))
def test_frozen_list_refuses_every_change(change: Callable[[CN], Any]) -> None:
    """Each list method that changes a list raises FrozenConfigError naming the key."""
    cfg = frozen_cfg()
    with pytest.raises(
        FrozenConfigError, match=r"^Attempted to .* the list at 'SOLVER\.STEPS', but CfgNode is"
    ):
        change(cfg)
    assert cfg.SOLVER.STEPS == [30, 60]
    assert issubclass(FrozenConfigError, AttributeError)


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda c: c.SOLVER.GRID[0].append(9), r"SOLVER\.GRID\[0\]"),
        (lambda c: c.SOLVER.PAIR[1].append(9), r"SOLVER\.PAIR\[1\]"),
        (lambda c: c.DATA.SETS[0].update(name="b"), r"DATA\.SETS\[0\]"),
        (lambda c: c.DATA.SETS[0].__setitem__("x", 1), r"DATA\.SETS\[0\]"),
        (lambda c: c.DATA.SETS[0].pop("name"), r"DATA\.SETS\[0\]"),
    ],
    ids=["list-in-list", "list-in-tuple", "dict-update", "dict-setitem", "dict-pop"],
)
def test_nested_containers_are_frozen_too(change: Callable[[CN], Any], where: str) -> None:
    """Lists inside lists and tuples, and dicts inside lists, refuse changes with their place."""
    cfg = frozen_cfg()
    with pytest.raises(FrozenConfigError, match=where):
        change(cfg)
    assert cfg.SOLVER.GRID == [[1, 2], [3]] and cfg.DATA.SETS == [{"name": "a"}]


def test_frozen_list_reads_as_a_list() -> None:
    """A frozen list is a list for isinstance, ==, indexing, slicing, json, str and repr."""
    cfg = frozen_cfg()
    steps = cfg.SOLVER.STEPS
    assert isinstance(steps, list) and type(steps) is FrozenList
    assert steps == [30, 60] and steps[1] == 60 and steps[:1] == [30]
    assert type(steps[:1]) is list and type(steps.__add__([1])) is list
    assert type(steps.copy()) is list
    assert json.dumps(steps) == "[30, 60]" and repr(steps) == "[30, 60]"
    assert "STEPS: [30, 60]" in str(cfg) and "'STEPS': [30, 60]" in repr(cfg)
    assert cfgnode._valid_type(steps)
    assert isinstance(cfg.DATA.SETS[0], dict) and type(cfg.DATA.SETS[0]) is FrozenDict
    assert list(steps) == [30, 60] and type(list(steps)) is list


def test_list_read_through_a_scope_is_the_frozen_list() -> None:
    """hp.scope(frozen_cfg) gives the frozen list itself: changing it through the scope fails."""
    cfg = frozen_cfg()
    with hp.scope(cfg):
        steps = hp.scope.SOLVER.STEPS | []
        assert steps == [30, 60]
        with pytest.raises(FrozenConfigError, match=r"'SOLVER\.STEPS'"):
            steps.append(90)
        assert (hp.scope.SOLVER.STEPS | []) == [30, 60]
    assert cfg.SOLVER.STEPS == [30, 60]


def test_defrost_restores_plain_lists_and_freeze_sees_changes() -> None:
    """defrost() puts back the very lists the node held; changes made then are frozen next time."""
    cfg = CN({"A": {"L": [1, [2]], "T": (1, [2])}})
    original = cfg.A.L
    cfg.freeze()
    assert type(cfg.A.L) is FrozenList and type(cfg.A.T[1]) is FrozenList
    cfg.defrost()
    assert cfg.A.L is original and type(cfg.A.L[1]) is list and type(cfg.A.T[1]) is list
    cfg.A.L.append(3)
    cfg.A.L[1].append(4)
    cfg.freeze()
    assert cfg.A.L == [1, [2, 4], 3] and type(cfg.A.L[1]) is FrozenList
    cfg.defrost()
    cfg.A.L.append(5)
    assert cfg.A.L == [1, [2, 4], 3, 5] and cfg["A"]["L"] is cfg.A.L
    assert_consistent(cfg)


def test_shared_lists_stay_shared_through_freeze_and_defrost() -> None:
    """Two keys holding one list hold one frozen list, then the one plain list again."""
    shared = [1]
    cfg = CN()
    cfg.A = shared
    cfg.B = shared
    cfg.freeze()
    assert cfg.A is cfg.B and type(cfg.A) is FrozenList
    assert cfg.dump() == "A: &id001\n- 1\nB: *id001\n"
    cfg.defrost()
    assert cfg.A is shared and cfg.B is shared


def test_dump_clone_pickle_and_copies_of_a_frozen_tree() -> None:
    """dump() writes plain YAML; clone, deepcopy and pickle keep a frozen tree frozen."""
    cfg = frozen_cfg()
    plain = CN(
        {
            "SOLVER": {"STEPS": [30, 60], "GRID": [[1, 2], [3]], "PAIR": (1, [2])},
            "DATA": {"SETS": [{"name": "a"}]},
            "NAME": "run",
        }
    )
    assert cfg.dump() == plain.dump()
    for other in (cfg.clone(), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert other == plain and shape(other) == shape(cfg)
        assert other.is_frozen() and type(other.SOLVER.STEPS) is FrozenList
        with pytest.raises(FrozenConfigError, match=r"'SOLVER\.STEPS'"):
            other.SOLVER.STEPS.append(1)
        other.defrost()
        other.SOLVER.STEPS.append(90)
        assert type(other.SOLVER.STEPS) is list
    assert cfg.SOLVER.STEPS == [30, 60]
    assert pickle.loads(pickle.dumps(cfg.SOLVER.STEPS)) == [30, 60]


def test_values_from_a_frozen_tree_become_plain_in_new_nodes() -> None:
    """A new node built from a frozen one, or given its lists, holds plain lists."""
    cfg = frozen_cfg()
    rebuilt = CN(cfg)
    assert type(rebuilt.SOLVER.STEPS) is list and type(rebuilt.SOLVER.GRID[0]) is list
    rebuilt.SOLVER.STEPS.append(90)
    other = CN()
    other.STEPS = cfg.SOLVER.STEPS
    assert type(other.STEPS) is list and other.STEPS == [30, 60]
    other.STEPS.append(1)
    snap_cfg = CN({"L": [1]})
    snap_cfg.freeze()
    with hp.scope(snap_cfg):
        snap = hp.snapshot()
    assert type(snap.L) is list and snap.L == [1]


def test_merge_of_equal_values_into_a_frozen_node_is_accepted() -> None:
    """A merge whose values equal the current ones (types too) changes nothing and succeeds."""
    cfg = frozen_cfg()
    cfg.merge_from_other_cfg(CN({"SOLVER": {"STEPS": [30, 60], "PAIR": [1, [2]]}, "NAME": "run"}))
    cfg.merge_from_list(["SOLVER.STEPS", "[30, 60]", "NAME", "run"])
    assert cfg.is_frozen() and type(cfg.SOLVER.STEPS) is FrozenList
    for change in (
        lambda: cfg.merge_from_list(["SOLVER.STEPS", "[30, 61]"]),
        lambda: cfg.merge_from_list(["NAME", "other"]),
        lambda: cfg.merge_from_other_cfg(CN({"SOLVER": {"STEPS": [30.0, 60]}})),
    ):
        with pytest.raises(FrozenConfigError, match=r"^Attempted to set .*, but CfgNode is"):
            change()
    assert cfg.SOLVER.STEPS == [30, 60] and cfg.NAME == "run"


def test_equal_is_not_the_same_for_a_signed_zero_but_is_for_a_nan() -> None:
    """-0.0 over 0.0 is a change (it dumps as -0.0): refused when frozen; NaN over NaN is not."""
    cfg = CN({"A": 0.0, "B": float("nan"), "C": [0.0]})
    cfg.freeze()
    for change in ({"A": -0.0}, {"C": [-0.0]}):
        with pytest.raises(FrozenConfigError, match=r"^Attempted to set"):
            cfg.merge_from_other_cfg(CN(change))
    assert str(cfg.A) == "0.0" and str(cfg.C[0]) == "0.0"
    cfg.merge_from_other_cfg(CN({"B": float("nan"), "A": 0.0}))
    assert cfg.B != cfg.B and cfg.is_frozen()


def test_a_frozen_yacs_face_node_takes_a_merged_value_as_yacs_does() -> None:
    """The YACS face writes merged items into a frozen node, equal-looking ones included."""
    import hyperparameter.yacs as hpyacs

    cfg = hpyacs.CfgNode({"A": 0.0, "B": "run-a"})
    cfg.freeze()
    same_text = "-".join(["run", "a"])  # equal, another object
    assert same_text == cfg.B and same_text is not cfg.B
    cfg.merge_from_other_cfg(hpyacs.CfgNode({"A": -0.0, "B": same_text}))
    assert str(cfg.A) == "-0.0" and cfg.B is same_text and cfg.is_frozen()


def test_merge_of_equal_values_from_a_file_into_a_frozen_node(tmp_path: Path) -> None:
    """Merging a file that repeats the current values into a frozen node succeeds."""
    cfg = frozen_cfg()
    path = tmp_path / "same.yaml"
    path.write_text("SOLVER:\n  STEPS: [30, 60]\nNAME: run\n", encoding="utf-8")
    cfg.merge_from_file(str(path))
    assert cfg.is_frozen() and cfg.NAME == "run"


def test_freeze_refuses_a_value_nested_too_deep_and_changes_nothing() -> None:
    """A list nested past MAX_DEPTH (set with cfg[key] = ...) makes freeze() raise, unchanged."""
    deep: Any = [1]
    for _ in range(cfgnode.MAX_DEPTH + 5):
        deep = [deep]
    cfg = CN({"A": {"L": [1]}})
    cfg["DEEP"] = deep
    with pytest.raises(NestingError, match=r"'DEEP"):
        cfg.freeze()
    assert not cfg.is_frozen() and not cfg.A.is_frozen() and type(cfg.A.L) is list


# --- a node never contains itself; nesting is bounded ------------------------------------------

INSERTIONS: Dict[str, Callable[[CN], Any]] = {
    "attribute": lambda c: setattr(c.A, "SELF", c),
    "attribute-itself": lambda c: setattr(c, "SELF", c),
    "item": lambda c: c.A.__setitem__("SELF", c),
    "update": lambda c: c.A.update({"OK": 1, "SELF": c}),
    "setdefault": lambda c: c.A.setdefault("SELF", c),
    "ior": lambda c: c.A.__ior__({"SELF": c}),
    "child-into-its-child": lambda c: setattr(c.A.B, "UP", c.A),
}


@pytest.mark.parametrize("insert", list(INSERTIONS.values()), ids=list(INSERTIONS))
def test_a_node_that_would_contain_itself_is_refused(insert: Callable[[CN], Any]) -> None:
    """Every insertion path refuses a node that contains the node it goes into; nothing changes."""
    cfg = CN({"A": {"B": {"X": 1}}})
    before = shape(cfg)
    with pytest.raises(NestingError, match="would contain itself"):
        insert(cfg)
    assert shape(cfg) == before
    cfg.freeze()  # no endless recursion
    assert cfg.A.B.is_frozen()
    assert_consistent(cfg)


def test_dicts_that_contain_themselves_are_refused_by_constructor_and_merges() -> None:
    """A dict or node containing itself, given to the constructor or merged, is refused."""
    loop: Dict[str, Any] = {"X": 1}
    loop["SELF"] = loop
    with pytest.raises(NestingError, match=r"'A\.SELF' contains 'A'.*would contain itself"):
        CN({"A": loop})
    other = CN({"A": {"X": 2}}, new_allowed=True)
    dict.__setitem__(other.A, "SELF", other)  # past the API
    cfg = CN({"A": {"X": 1}}, new_allowed=True)
    cfg.set_new_allowed(True)
    with pytest.raises(NestingError):
        cfg.merge_from_other_cfg(other)
    assert cfg == {"A": {"X": 1}}


def test_the_same_node_in_two_places_is_not_a_cycle() -> None:
    """A node held under two keys (a diamond) is accepted, as before."""
    shared = CN({"X": 1})
    cfg = CN()
    cfg.A = shared
    cfg.B = shared
    cfg.freeze()
    assert cfg.A.is_frozen() and cfg.B is cfg.A


@pytest.mark.parametrize("depth", [cfgnode.MAX_DEPTH + 1, 1_000, 100_000])
def test_constructor_refuses_dicts_nested_too_deep(depth: int) -> None:
    """Dicts nested past MAX_DEPTH give the documented NestingError, never a RecursionError."""
    tree: Dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        tree = {"a": tree}
    with pytest.raises(NestingError, match=rf"deeper than {cfgnode.MAX_DEPTH} levels at key 'a\.a"):
        CN(tree)
    assert issubclass(NestingError, ValueError)


def test_constructor_refuses_lists_nested_too_deep() -> None:
    """Lists nested past MAX_DEPTH in a leaf give NestingError too; MAX_DEPTH - 2 levels work."""
    deep: Any = 1
    for _ in range(1_000):
        deep = [deep]
    with pytest.raises(NestingError, match=r"'A\[0\]\[0\]"):
        CN({"A": deep})
    ok: Any = 1
    for _ in range(cfgnode.MAX_DEPTH - 2):
        ok = [ok]
    assert CN({"A": ok}).A == ok


def test_attribute_insertion_past_the_depth_limit_is_refused() -> None:
    """Putting a deep subtree under a deep node is refused once the whole would pass MAX_DEPTH."""
    half = cfgnode.MAX_DEPTH // 2 + 5

    def chain(levels: int) -> CN:
        tree: Dict[str, Any] = {"X": 1}
        for _ in range(levels):
            tree = {"a": tree}
        return CN(tree)

    upper = chain(half)
    node = upper
    for _ in range(half):
        node = node.a
    with pytest.raises(NestingError, match="deeper than"):
        node.b = chain(half)
    assert "b" not in node


# --- literal-looking text that Python cannot build ------------------------------------------------

UNDECODABLE = {"unhashable-key": "{[]: 1}", "deep-unary-minus": "-" * 100_000 + "1"}


@pytest.mark.parametrize("text", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_undecodable_text_in_merge_from_list_names_key_and_value(text: str) -> None:
    """merge_from_list raises ConversionError (a ValueError) naming the key; nothing changes."""
    cfg = CN({"A": {"B": "x"}, "C": 1})
    with pytest.raises(ConversionError, match=r"^config key A\.B: cannot decode .* as a Python"):
        cfg.merge_from_list(["C", "2", "A.B", text])
    assert cfg == {"A": {"B": "x"}, "C": 1}


@pytest.mark.parametrize("text", list(UNDECODABLE.values()), ids=list(UNDECODABLE))
def test_undecodable_text_in_a_file_names_key_and_value(text: str, tmp_path: Path) -> None:
    """merge_from_file of such a string (quoted in YAML) raises ConversionError naming the key."""
    path = tmp_path / "bad.yaml"
    path.write_text(f"A:\n  B: {json.dumps(text)}\n", encoding="utf-8")
    cfg = CN({"A": {"B": "x"}})
    with pytest.raises(ConversionError, match=r"config key A\.B: cannot decode"):
        cfg.merge_from_file(str(path))
    assert cfg.A.B == "x"


def test_decode_keeps_plain_text_and_refuses_only_broken_literals() -> None:
    """Text that is no literal stays text, as in YACS; a broken literal is a clear error."""
    assert CN._decode_cfg_value("resnet") == "resnet"
    assert CN._decode_cfg_value("-" * 1_000 + "1") == "-" * 1_000 + "1"
    assert CN._decode_cfg_value("(1, 2)") == (1, 2)
    with pytest.raises(ConversionError, match=r"cannot decode '\{\[\]: 1\}'"):
        CN._decode_cfg_value("{[]: 1}")


def test_a_list_that_contains_itself_freezes_dumps_and_defrosts() -> None:
    """A self-containing list (which YACS accepts) freezes into a self-containing frozen list."""
    loop: Any = [1]
    loop.append(loop)
    cfg = CN()
    cfg["L"] = loop
    cfg.freeze()
    assert type(cfg.L) is FrozenList and cfg.L[1] is cfg.L
    assert copy.deepcopy(cfg.L)[1] is not cfg.L
    assert cfg.dump() == "L: &id001\n- 1\n- *id001\n"
    with pytest.raises(FrozenConfigError, match="'L'"):
        cfg.L[1].append(2)
    cfg.defrost()
    assert cfg.L is loop
