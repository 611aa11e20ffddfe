"""CfgNode: construction, attribute access and its mirror, freezing, copies, subclasses.

Merges are in ``test_cfgnode_merge.py``, files and YAML in ``test_cfgnode_files.py``,
the comparison with the real yacs in ``test_yacs_oracle.py``.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any, Callable, Dict, List

import pytest

import hyperparameter as hp
import hyperparameter.yacs as hpyacs
from cfgnode_checks import assert_consistent, shape
from hyperparameter import cfgnode
from hyperparameter.cfgnode import CfgNode, load_cfg
from hyperparameter.errors import (
    ConfigAssertionError,
    ConfigAttributeError,
    ConfigKeyError,
    FrozenConfigError,
    HyperparameterError,
)

CN = CfgNode


def make_cfg() -> CfgNode:
    """Return a small tree used by many tests below."""
    cfg = CN()
    cfg.MODEL = CN()
    cfg.MODEL.TYPE = "resnet"
    cfg.MODEL.DEPTH = 50
    cfg.MODEL.HEAD = CN()
    cfg.MODEL.HEAD.DIMS = (256, 128)
    cfg.TRAIN = CN()
    cfg.TRAIN.LR = 0.1
    cfg.TRAIN.STEPS = [10, 20]
    cfg.SEED = None
    return cfg


# --- public surface -------------------------------------------------------------------------


def test_public_names() -> None:
    """hp.CfgNode and hp.CN are one class; the YACS face is its lenient subclass; load_cfg binds."""
    assert hp.CfgNode is CN and hp.CN is CN
    assert issubclass(hpyacs.CfgNode, CN) and hpyacs.CfgNode is not CN
    assert hp.load_cfg is load_cfg and load_cfg == CN.load_cfg
    assert hpyacs.load_cfg == hpyacs.CfgNode.load_cfg
    assert type(hpyacs.load_cfg("A: 1")) is hpyacs.CfgNode and type(load_cfg("A: 1")) is CN
    assert hpyacs._VALID_TYPES is cfgnode._VALID_TYPES


def test_class_constants_match_yacs() -> None:
    """The class constants name the internal state entries exactly as YACS does."""
    assert (CN.IMMUTABLE, CN.DEPRECATED_KEYS, CN.RENAMED_KEYS, CN.NEW_ALLOWED) == (
        "__immutable__",
        "__deprecated_keys__",
        "__renamed_keys__",
        "__new_allowed__",
    )


# --- construction ---------------------------------------------------------------------------


def test_nested_dicts_become_nodes() -> None:
    """Nested plain dicts given to the constructor become nodes of the same class."""
    cfg = CN({"A": {"B": {"C": 1}}, "D": [1, {"not": "converted"}]})
    assert type(cfg.A) is CN and type(cfg.A.B) is CN
    assert cfg.A.B.C == 1 and cfg["A"]["B"]["C"] == 1
    assert cfg.D[1] == {"not": "converted"} and type(cfg.D[1]) is dict


def test_constructor_copies_its_input() -> None:
    """Later changes to the dict given to the constructor do not reach the node."""
    source: Dict[str, Any] = {"A": {"L": [1, 2]}, "T": (1, [2])}
    cfg = CN(source)
    source["A"]["L"].append(3)
    source["T"][1].append(3)
    assert cfg.A.L == [1, 2] and cfg.T == (1, [2])


def test_constructor_converts_child_nodes_to_fresh_nodes() -> None:
    """A node given inside the dict is rebuilt as a fresh node, as YACS does."""
    child = CN({"X": 1}, new_allowed=True)
    cfg = CN({"C": child})
    assert cfg.C == child and cfg.C is not child and not cfg.C.is_new_allowed()


@pytest.mark.parametrize(
    "value",
    [{1, 2}, b"bytes", object(), 1j, frozenset()],
    ids=["set", "bytes", "object", "complex", "frozenset"],
)
def test_constructor_rejects_invalid_leaf_types(value: Any) -> None:
    """A leaf of a type outside _VALID_TYPES raises an AssertionError naming the full key."""
    with pytest.raises(
        ConfigAssertionError,
        match=r"^Key A\.B with value <class '\w+'> is not a valid type; valid types: \{.*add its",
    ):
        CN({"A": {"B": value}})


def test_new_allowed_applies_to_the_node_built() -> None:
    """new_allowed is set on the node built, not on the nodes made from nested dicts."""
    cfg = CN({"A": {"B": 1}}, new_allowed=True)
    assert cfg.is_new_allowed() and not cfg.A.is_new_allowed()


def test_key_list_names_the_node_in_messages() -> None:
    """A node built with key_list reports full keys from the root."""
    node = CN({"X": 1}, key_list=["ROOT", "SUB"])
    node.freeze()
    with pytest.raises(FrozenConfigError, match=r"'ROOT\.SUB\.X'"):
        node.X = 2


def test_constructor_of_a_non_mapping_fails() -> None:
    """Giving a list where a dict is expected fails, as in YACS."""
    with pytest.raises(AttributeError, match="items"):
        CN([("A", 1)])  # type: ignore[arg-type]


# --- attribute access and the mirror ----------------------------------------------------------


def test_attribute_and_item_access_agree() -> None:
    """cfg.X and cfg['X'] give the same object at every level."""
    cfg = make_cfg()
    assert cfg.MODEL is cfg["MODEL"]
    assert cfg.MODEL.HEAD.DIMS is cfg["MODEL"]["HEAD"]["DIMS"]
    assert cfg.SEED is None


def test_attribute_reads_do_not_reach_getattr() -> None:
    """A key read as an attribute is found by the normal lookup, never by __getattr__."""
    calls: List[str] = []

    class Counting(CN):
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return super().__getattr__(name)

    cfg = Counting({"A": {"B": 1}})
    assert cfg.A.B == 1
    assert calls == []
    with pytest.raises(AttributeError, match="MISSING"):
        _ = cfg.MISSING
    assert calls == ["MISSING"]


def test_vars_holds_internal_state_and_key_mirrors() -> None:
    """vars(cfg) has the four YACS state entries plus one entry per str key (a mirror)."""
    cfg = CN({"A": 1, "B": {"C": 2}})
    state = vars(cfg)
    assert state[CN.IMMUTABLE] is False
    assert state[CN.DEPRECATED_KEYS] == set()
    assert state[CN.RENAMED_KEYS] == {}
    assert state[CN.NEW_ALLOWED] is False
    assert state["A"] == 1 and state["B"] is cfg["B"]
    assert set(state) == {*cfgnode._INTERNAL, "A", "B"}


@pytest.mark.parametrize(
    "name", ["keys", "items", "get", "update", "dump", "clone", "freeze", "IMMUTABLE", "__class__"]
)
def test_class_attribute_names_keep_yacs_meaning(name: str) -> None:
    """A key named like a class attribute is an item only: cfg.<name> stays the attribute."""
    cfg = CN({name: "the item"})
    assert cfg[name] == "the item"
    assert getattr(cfg, name) != "the item"
    assert name not in vars(cfg)
    assert_consistent(cfg)


def test_attribute_write_of_class_attribute_name_sets_the_item() -> None:
    """cfg.keys = 5 stores the item 'keys' and leaves the method reachable, as in YACS."""
    cfg = CN()
    cfg.keys = 5  # type: ignore[assignment,method-assign]
    assert cfg["keys"] == 5
    assert list(cfg.keys()) == ["keys"]


def test_internal_state_names_as_keys_stay_items() -> None:
    """A key named '__immutable__' is only an item; the state is untouched."""
    cfg = CN()
    cfg[CN.IMMUTABLE] = True
    assert cfg[CN.IMMUTABLE] is True
    assert not cfg.is_frozen()
    cfg.A = 1
    assert_consistent(cfg)


@pytest.mark.parametrize("name", sorted(cfgnode._INTERNAL))
def test_setting_internal_state_as_attribute_is_refused(name: str) -> None:
    """Writing an internal state name as an attribute raises AssertionError, as YACS does."""
    cfg = CN()
    with pytest.raises(ConfigAssertionError, match="internal CfgNode state"):
        setattr(cfg, name, 1)
    with pytest.raises(ConfigAssertionError, match="internal CfgNode state"):
        delattr(cfg, name)


def test_dir_lists_keys() -> None:
    """dir(cfg) includes the keys, so shells and editors can complete them."""
    assert {"MODEL", "TRAIN", "SEED"} <= set(dir(make_cfg()))


def test_non_string_keys_are_items_only() -> None:
    """Keys that are not str are stored and dumped but not mirrored."""
    cfg = CN({1: "one"})
    cfg[2] = "two"
    assert cfg[1] == "one" and 1 not in vars(cfg)
    assert "1: one" in cfg.dump()
    assert_consistent(cfg)


def test_keys_written_past_the_api_are_still_readable() -> None:
    """A key put in with dict.__setitem__ (no mirror) is still read through __getattr__."""
    cfg = CN()
    dict.__setitem__(cfg, "RAW", 3)
    assert cfg.RAW == 3


def test_missing_attribute_error_names_full_key_and_suggests() -> None:
    """Reading a missing key raises AttributeError with the full key and close keys."""
    cfg = make_cfg()
    with pytest.raises(
        ConfigAttributeError, match=r"no key 'MODEL\.TYPO'; did you mean 'MODEL\.TYPE'\?"
    ):
        _ = cfg.MODEL.TYPO
    with pytest.raises(AttributeError, match=r"keys here: 'TRAIN\.LR', 'TRAIN\.STEPS'"):
        _ = cfg.TRAIN.ZZZZZZ


def test_missing_attribute_probes_are_cheap_and_false() -> None:
    """hasattr and getattr with a default work as for any object."""
    cfg = make_cfg()
    assert not hasattr(cfg, "NOPE")
    assert getattr(cfg.MODEL, "NOPE", "default") == "default"
    assert not hasattr(cfg, "__setstate__")


def test_missing_attribute_message_is_built_only_when_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed hasattr does no suggestion search; args is (name,) as in YACS."""
    searches: List[str] = []
    real = cfgnode.did_you_mean
    monkeypatch.setattr(
        cfgnode, "did_you_mean", lambda key, keys: searches.append(key) or real(key, keys)
    )
    cfg = make_cfg()
    assert not hasattr(cfg.MODEL, "TYPO")
    assert searches == []
    with pytest.raises(ConfigAttributeError, match="TYPO") as caught:
        _ = cfg.MODEL.TYPO
    assert caught.value.args == ("TYPO",)
    assert "did you mean 'MODEL.TYPE'" in str(caught.value)
    assert searches == ["MODEL.TYPO"]


def test_missing_attribute_error_pickles() -> None:
    """The missing-key error survives pickling with its message."""
    try:
        _ = make_cfg().MODEL.TYPO
    except AttributeError as error:
        again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, ConfigAttributeError)
    assert "MODEL.TYPO" in str(again)


# --- attribute writes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1, 1.5, "s", True, None, [1, "a"], (1, 2), CN({"X": 1})],
    ids=["int", "float", "str", "bool", "None", "list", "tuple", "node"],
)
def test_attribute_write_accepts_valid_types(value: Any) -> None:
    """Every type in _VALID_TYPES, and a node, can be assigned as an attribute."""
    cfg = CN()
    cfg.V = value
    assert cfg.V is value and cfg["V"] is value
    assert_consistent(cfg)


@pytest.mark.parametrize(
    "value, type_name",
    [({"a": 1}, "dict"), ({1}, "set"), (b"x", "bytes"), (object(), "object")],
    ids=["dict", "set", "bytes", "object"],
)
def test_attribute_write_rejects_invalid_types(value: Any, type_name: str) -> None:
    """Assigning a value of another type raises AssertionError naming the key and type."""
    cfg = make_cfg()
    with pytest.raises(
        ConfigAssertionError,
        match=rf"^Invalid type <class '{type_name}'> for key X; valid types = .*'MODEL\.X'",
    ):
        cfg.MODEL.X = value
    assert "X" not in cfg.MODEL


def test_item_write_does_not_check_types() -> None:
    """cfg['X'] = value stores any value, as YACS does (dump checks later)."""
    cfg = CN()
    cfg["RAW"] = {"plain": "dict"}
    assert cfg.RAW == {"plain": "dict"}
    with pytest.raises(ConfigAssertionError, match=r"^Key RAW with value <class 'dict'> is not"):
        cfg.dump()


def test_del_attribute_deletes_the_key() -> None:
    """del cfg.X removes the key X (YACS raised AttributeError here)."""
    cfg = make_cfg()
    del cfg.SEED
    assert "SEED" not in cfg and not hasattr(cfg, "SEED")
    with pytest.raises(ConfigAttributeError, match="SEED"):
        del cfg.SEED
    assert_consistent(cfg)


def test_del_attribute_of_class_attribute_name_does_not_delete_item() -> None:
    """del cfg.keys does not touch an item named 'keys' (the attribute is the method)."""
    cfg = CN({"keys": 1})
    with pytest.raises(AttributeError, match=r"class attribute; use del cfg\['keys'\]"):
        del cfg.keys
    assert cfg["keys"] == 1


# --- every mutation path keeps the mirror right -----------------------------------------------

MUTATIONS: Dict[str, Callable[[CfgNode], Any]] = {
    "setitem": lambda c: c.__setitem__("NEW", 1),
    "setitem-node": lambda c: c.__setitem__("MODEL", CN({"Z": 1})),
    "setattr": lambda c: setattr(c.MODEL, "DEPTH", 101),
    "delitem": lambda c: c.__delitem__("SEED"),
    "delattr": lambda c: delattr(c.TRAIN, "LR"),
    "delattr-node": lambda c: delattr(c, "TRAIN"),
    "update-mapping": lambda c: c.update({"SEED": 3, "NEW": CN()}),
    "update-pairs-kwargs": lambda c: c.update([("SEED", 4)], OTHER=5),
    "pop": lambda c: c.pop("TRAIN"),
    "pop-default": lambda c: c.pop("ABSENT", None),
    "popitem": lambda c: c.popitem(),
    "setdefault-new": lambda c: c.setdefault("NEW", 7),
    "setdefault-existing": lambda c: c.setdefault("SEED", 7),
    "clear": lambda c: c.MODEL.clear(),
    "ior": lambda c: c.__ior__({"SEED": 9}),
    "merge_from_other_cfg": lambda c: c.merge_from_other_cfg(CN({"TRAIN": {"LR": 0.2}})),
    "merge_from_list": lambda c: c.merge_from_list(["MODEL.TYPE", "vit", "SEED", "3"]),
    "fromkeys": lambda c: CN.fromkeys(["A", "B"], 0),
    "init-again": lambda c: c.__init__({"MORE": 1}),
}


@pytest.mark.parametrize("mutate", list(MUTATIONS.values()), ids=list(MUTATIONS))
def test_mutation_paths_keep_mirror_in_sync(mutate: Callable[[CfgNode], Any]) -> None:
    """After each way of changing a node, attributes, items and the child cache agree."""
    cfg = make_cfg()
    cfg.freeze()
    cfg.defrost()  # fills the child cache, so a stale cache would show
    result = mutate(cfg)
    assert_consistent(cfg)
    if isinstance(result, CfgNode):
        assert_consistent(result)
    cfg.freeze()
    assert all(node.is_frozen() for node in iter_nodes(cfg))


def iter_nodes(cfg: CfgNode) -> List[CfgNode]:
    found = [cfg]
    for value in cfg.values():
        if isinstance(value, CfgNode):
            found.extend(iter_nodes(value))
    return found


def test_pop_missing_key_raises_key_error_with_suggestion() -> None:
    """pop of a missing key without default raises KeyError with close keys."""
    cfg = make_cfg()
    with pytest.raises(ConfigKeyError, match=r"'MODEL\.TYPO'; did you mean 'MODEL\.TYPE'"):
        cfg.MODEL.pop("TYPO")
    with pytest.raises(KeyError, match="SEEDS"):
        del cfg["SEEDS"]


def test_update_with_bad_arguments_changes_nothing() -> None:
    """update() with a malformed argument raises before changing the node."""
    cfg = make_cfg()
    before = shape(cfg)
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        cfg.update([("SEED", 1), ("bad",)])
    assert shape(cfg) == before


def test_or_returns_a_plain_dict() -> None:
    """cfg | other and cfg.copy() give plain dicts, as for any dict subclass."""
    cfg = make_cfg()
    assert type(cfg | {"X": 1}) is dict
    assert type(cfg.copy()) is dict


# --- frozen nodes -----------------------------------------------------------------------------

FROZEN_MUTATIONS: Dict[str, Callable[[CfgNode], Any]] = {
    "setattr": lambda c: setattr(c, "SEED", 1),
    "setattr-nested": lambda c: setattr(c.MODEL.HEAD, "DIMS", (1,)),
    "setattr-new": lambda c: setattr(c, "NEW", 1),
    "setitem": lambda c: c.__setitem__("SEED", 1),
    "delattr": lambda c: delattr(c, "SEED"),
    "delitem": lambda c: c.__delitem__("SEED"),
    "update": lambda c: c.update(SEED=1),
    "ior": lambda c: c.__ior__({"SEED": 1}),
    "pop": lambda c: c.pop("SEED"),
    "pop-missing": lambda c: c.pop("ABSENT", None),
    "popitem": lambda c: c.popitem(),
    "setdefault": lambda c: c.setdefault("NEW", 1),
    "clear": lambda c: c.TRAIN.clear(),
    "merge_from_other_cfg": lambda c: c.merge_from_other_cfg(CN({"SEED": 1})),
    "merge_from_list": lambda c: c.merge_from_list(["TRAIN.LR", "0.5"]),
}


@pytest.mark.parametrize("mutate", list(FROZEN_MUTATIONS.values()), ids=list(FROZEN_MUTATIONS))
def test_frozen_node_refuses_every_mutation(mutate: Callable[[CfgNode], Any]) -> None:
    """Every way of changing a frozen node raises an AttributeError and changes nothing."""
    cfg = make_cfg()
    cfg.freeze()
    before = shape(cfg)
    with pytest.raises(FrozenConfigError, match="frozen"):
        mutate(cfg)
    assert shape(cfg) == before
    assert issubclass(FrozenConfigError, AttributeError)


def test_frozen_merge_from_file_is_refused(tmp_path: Any) -> None:
    """merge_from_file into a frozen node raises and leaves it unchanged."""
    cfg = make_cfg()
    path = tmp_path / "o.yaml"
    path.write_text("TRAIN:\n  LR: 0.5\n")
    cfg.freeze()
    with pytest.raises(FrozenConfigError, match=r"'TRAIN\.LR'"):
        cfg.merge_from_file(str(path))
    assert cfg.TRAIN.LR == 0.1


def test_frozen_message_names_full_key_and_fix() -> None:
    """The frozen error names the full key, the value and the way out."""
    cfg = make_cfg()
    cfg.freeze()
    with pytest.raises(
        FrozenConfigError,
        match=r"^Attempted to set DIMS to \(1,\), but CfgNode is immutable; "
        r"'MODEL\.HEAD\.DIMS' is in a frozen CfgNode: call defrost\(\)",
    ):
        cfg.MODEL.HEAD.DIMS = (1,)


def test_frozen_node_reads_and_copies() -> None:
    """A frozen node reads normally; clone() gives a frozen copy; defrost thaws everything."""
    cfg = make_cfg()
    cfg.freeze()
    assert cfg.MODEL.TYPE == "resnet" and cfg.is_frozen() and cfg.MODEL.HEAD.is_frozen()
    clone = cfg.clone()
    assert clone.is_frozen() and clone.MODEL.HEAD.is_frozen()
    clone.defrost()
    clone.MODEL.HEAD.DIMS = (1,)
    assert cfg.MODEL.HEAD.DIMS == (256, 128)


def test_merge_that_changes_nothing_is_allowed_when_frozen() -> None:
    """An empty merge into a frozen node succeeds: nothing would change."""
    cfg = make_cfg()
    cfg.freeze()
    cfg.merge_from_list([])
    cfg.merge_from_other_cfg(CN())


def test_frozen_subtree_blocks_merges_into_it_only() -> None:
    """With only MODEL frozen, merges into TRAIN work and merges into MODEL are refused."""
    cfg = make_cfg()
    cfg.MODEL.freeze()
    cfg.merge_from_list(["TRAIN.LR", "0.5"])
    assert cfg.TRAIN.LR == 0.5
    with pytest.raises(FrozenConfigError, match=r"'MODEL\.DEPTH'"):
        cfg.merge_from_list(["TRAIN.LR", "0.7", "MODEL.DEPTH", "18"])
    assert cfg.TRAIN.LR == 0.5 and cfg.MODEL.DEPTH == 50


CHILD_ADDERS: Dict[str, Callable[[CfgNode, CfgNode], Any]] = {
    "setattr": lambda c, n: setattr(c, "ADDED", n),
    "setitem": lambda c, n: c.__setitem__("ADDED", n),
    "update": lambda c, n: c.update(ADDED=n),
    "setdefault": lambda c, n: c.setdefault("ADDED", n),
    "ior": lambda c, n: c.__ior__({"ADDED": n}),
    "merge-new-allowed": lambda c, n: (
        c.set_new_allowed(True),
        c.merge_from_other_cfg(CN({"ADDED": n})),
    ),
}


@pytest.mark.parametrize("add", list(CHILD_ADDERS.values()), ids=list(CHILD_ADDERS))
def test_freeze_reaches_children_added_after_an_earlier_freeze(add: Callable[..., Any]) -> None:
    """A child node added after a freeze/defrost cycle is frozen by the next freeze."""
    cfg = make_cfg()
    cfg.freeze()
    cfg.defrost()
    add(cfg, CN({"LEAF": 1}))
    cfg.freeze()
    assert cfg.ADDED.is_frozen()
    with pytest.raises(FrozenConfigError, match=r"'ADDED\.LEAF'"):
        cfg.ADDED.LEAF = 2


CHILD_CHANGES: Dict[str, Callable[[CfgNode], Any]] = {
    "delattr": lambda c: delattr(c, "MODEL"),
    "delitem": lambda c: c.__delitem__("MODEL"),
    "pop": lambda c: c.pop("MODEL"),
    "replace": lambda c: setattr(c, "MODEL", CN({"OTHER": [1]})),
    "replace-deep": lambda c: setattr(c.MODEL, "HEAD", CN({"OTHER": [1]})),
    "clear": lambda c: c.clear(),
}


@pytest.mark.parametrize("walk_between", [False, True], ids=["", "walked-between"])
@pytest.mark.parametrize("change", list(CHILD_CHANGES.values()), ids=list(CHILD_CHANGES))
def test_freeze_after_a_change_of_the_tree_freezes_the_tree_it_has_now(
    change: Callable[[CfgNode], Any], walk_between: bool
) -> None:
    """freeze() keeps the list of nodes of its last walk; after nodes are removed or replaced
    (at any depth) the next freeze reaches exactly the nodes the tree holds now, also when
    something else walked the changed tree in between (set_new_allowed)."""
    cfg = make_cfg()
    before = list(iter_nodes(cfg))
    cfg.freeze()
    cfg.defrost()
    change(cfg)
    if walk_between:
        cfg.set_new_allowed(cfg.is_new_allowed())
    now = list(iter_nodes(cfg))
    cfg.freeze()
    assert all(node.is_frozen() for node in now)
    gone = [node for node in before if all(node is not kept for kept in now)]
    assert gone, "the change removes at least one node"
    assert not any(node.is_frozen() for node in gone)
    assert_consistent(cfg)
    cfg.defrost()
    assert not any(node.is_frozen() for node in now)
    for node in now:  # defrosted: plain lists again, none read-only
        for value in dict.values(node):
            if not isinstance(value, CfgNode):
                assert type(value) in (list, dict) or not isinstance(value, (list, dict))


def test_keys_named_like_internal_state_do_not_confuse_freeze() -> None:
    """A key spelled like one of CfgNode's private slots is a key; freeze() keeps working."""
    cfg = CN({"_hp_plan": 1, "_hp_kids": 2, "A": {"B": [1]}})
    for _ in range(2):
        cfg.freeze()
        assert cfg.A.is_frozen() and cfg["_hp_plan"] == 1 and cfg["_hp_kids"] == 2
        cfg.defrost()
        assert type(cfg.A.B) is list


def test_set_new_allowed_recurses() -> None:
    """set_new_allowed applies to every node below, is_new_allowed reports it."""
    cfg = make_cfg()
    cfg.set_new_allowed(True)
    assert all(node.is_new_allowed() for node in iter_nodes(cfg))
    cfg.MODEL.set_new_allowed(False)
    assert cfg.is_new_allowed() and not cfg.MODEL.HEAD.is_new_allowed()


# --- text forms -------------------------------------------------------------------------------


def test_str_layout() -> None:
    """str() sorts keys, puts nodes on the next lines indented by two spaces."""
    cfg = make_cfg()
    cfg.TRAIN.NOTE = "two\nlines"
    cfg.EMPTY = CN()
    assert str(cfg) == (
        "EMPTY:\n  \n"
        "MODEL:\n  DEPTH: 50\n  HEAD:\n    DIMS: (256, 128)\n  TYPE: resnet\n"
        "SEED: None\n"
        "TRAIN:\n  LR: 0.1\n  NOTE: two\n    lines\n  STEPS: [10, 20]"
    )


def test_repr_shows_class_and_items() -> None:
    """repr() is the class name around the dict repr, nested nodes included."""
    cfg = CN({"A": {"B": 1}})
    assert repr(cfg) == "CfgNode({'A': CfgNode({'B': 1})})"

    class Mine(CN):
        pass

    assert repr(Mine({"A": 1})) == "Mine({'A': 1})"


# --- equality, copies, pickling ---------------------------------------------------------------


def test_equality_with_plain_dicts() -> None:
    """A node equals the plain nested dict with the same items."""
    cfg = make_cfg()
    plain = {
        "MODEL": {"TYPE": "resnet", "DEPTH": 50, "HEAD": {"DIMS": (256, 128)}},
        "TRAIN": {"LR": 0.1, "STEPS": [10, 20]},
        "SEED": None,
    }
    assert cfg == plain and plain == cfg
    plain["SEED"] = 1
    assert cfg != plain


def test_deepcopy_and_clone_are_independent_and_keep_state() -> None:
    """deepcopy/clone copy values, flags and registries, sharing nothing mutable."""
    cfg = make_cfg()
    cfg.register_deprecated_key("OLD")
    cfg.register_renamed_key("A.B", "A.C", message="moved")
    cfg.TRAIN.set_new_allowed(True)
    for other in (copy.deepcopy(cfg), cfg.clone()):
        assert shape(other) == shape(cfg)
        assert other.TRAIN.STEPS is not cfg.TRAIN.STEPS
        assert vars(other)[CN.DEPRECATED_KEYS] == {"OLD"}
        assert vars(other)[CN.DEPRECATED_KEYS] is not vars(cfg)[CN.DEPRECATED_KEYS]
        assert vars(other)[CN.RENAMED_KEYS] == {"A.B": ("A.C", "moved")}
        assert_consistent(other)
        other.TRAIN.STEPS.append(30)
        assert cfg.TRAIN.STEPS == [10, 20]


def test_clone_keeps_shared_values_shared() -> None:
    """Two keys holding the same list still share one (new) list after clone, as deepcopy does."""
    cfg = CN()
    shared = [1, 2]
    cfg.A = shared
    cfg.B = shared
    other = cfg.clone()
    assert other.A is other.B and other.A is not shared


def test_clone_of_a_node_that_contains_itself() -> None:
    """A node made to hold itself past the API (dict.__setitem__) clones without recursion."""
    cfg = CN()
    dict.__setitem__(cfg, "SELF", cfg)
    other = cfg.clone()
    assert other["SELF"] is other


def test_clone_copies_extra_instance_attributes() -> None:
    """Attributes a subclass keeps in __dict__ are deep-copied too, as YACS does."""

    class WithExtra(CN):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.__dict__["_history"] = ["created"]

    cfg = WithExtra({"A": 1})
    other = cfg.clone()
    assert vars(other)["_history"] == ["created"]
    assert vars(other)["_history"] is not vars(cfg)["_history"]
    assert other.A == 1


def test_shallow_copy_shares_children() -> None:
    """copy.copy gives a new node whose child nodes are the original ones."""
    cfg = make_cfg()
    other = copy.copy(cfg)
    assert type(other) is CN and other is not cfg and other.MODEL is cfg.MODEL
    other.SEED = 5
    assert cfg.SEED is None
    assert_consistent(other)


class PickledNode(CN):
    """A module-level subclass, so that pickle can find it."""


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(protocol: int) -> None:
    """Pickling keeps class, values, frozen state, flags, registries and full-key messages."""
    cfg = PickledNode({"A": {"B": 1, "L": [1]}}, new_allowed=True)
    cfg.register_deprecated_key("OLD")
    cfg.freeze()
    again = pickle.loads(pickle.dumps(cfg, protocol=protocol))
    assert type(again) is PickledNode and type(again.A) is PickledNode
    assert shape(again) == shape(cfg)
    assert again.is_frozen() and again.is_new_allowed()
    assert vars(again)[CN.DEPRECATED_KEYS] == {"OLD"}
    assert_consistent(again)
    with pytest.raises(FrozenConfigError, match=r"'A\.B'"):
        again.A.B = 2


# --- subclasses -------------------------------------------------------------------------------


def test_subclass_setitem_override_receives_attribute_writes() -> None:
    """A subclass overriding __setitem__ sees attribute writes, as YACS's self[name] = value."""
    seen: List[str] = []

    class Audited(CN):
        def __setitem__(self, key: Any, value: Any) -> None:
            seen.append(key)
            super().__setitem__(key, value)

    cfg = Audited()
    cfg.A = 1
    cfg["B"] = 2
    assert seen == ["A", "B"]
    assert cfg.A == 1 and cfg.B == 2
    assert_consistent(cfg)


def test_subclass_method_names_are_not_mirrored() -> None:
    """A key named like a subclass method stays an item; the method stays reachable."""

    class WithMethod(CN):
        def describe(self) -> str:
            return "method"

    cfg = WithMethod({"describe": "item"})
    assert cfg.describe() == "method" and cfg["describe"] == "item"


def test_subclass_built_with_type_self_and_key_list() -> None:
    """type(self)(d) and cls(v, key_list=[...]) build nodes of the subclass."""

    class Sub(CN):
        def child(self) -> Sub:
            return type(self)({"X": 1}, key_list=["P", "Q"])

    node = Sub().child()
    assert type(node) is Sub and node.X == 1
    node.freeze()
    with pytest.raises(FrozenConfigError, match=r"'P\.Q\.X'"):
        node.X = 2


def test_errors_share_one_base_class() -> None:
    """Every error raised on purpose is a HyperparameterError and a builtin."""
    for error_class, builtin in [
        (ConfigAttributeError, AttributeError),
        (FrozenConfigError, AttributeError),
        (ConfigAssertionError, AssertionError),
        (ConfigKeyError, KeyError),
    ]:
        assert issubclass(error_class, HyperparameterError) and issubclass(error_class, builtin)


# --- module-level names -----------------------------------------------------------------------


def test_valid_types_set_is_read_at_call_time() -> None:
    """Adding a type to hyperparameter.yacs._VALID_TYPES lets every path accept it."""

    class Custom:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, Custom)

        __hash__ = object.__hash__

    cfg = CN({"A": None})
    with pytest.raises(ConfigAssertionError, match=r"^Invalid type <class '[\w.<>]*Custom'>"):
        cfg.C = Custom()
    hpyacs._VALID_TYPES.add(Custom)
    try:
        cfg.C = Custom()
        built = CN({"X": Custom()})
        cfg.merge_from_other_cfg(CN({"A": Custom()}))
        assert built.X == Custom() and cfg.A == Custom()
        assert cfgnode._valid_type(Custom())
    finally:
        hpyacs._VALID_TYPES.discard(Custom)
    assert not cfgnode._valid_type(Custom())


@pytest.mark.parametrize(
    "value, allow_node, expected",
    [
        (1, False, True),
        ({}, False, False),
        (CN(), False, False),
        (CN(), True, True),
        ({1}, True, False),
    ],
    ids=["int", "dict", "node-not-allowed", "node-allowed", "set"],
)
def test_valid_type(value: Any, allow_node: bool, expected: bool) -> None:
    """_valid_type accepts _VALID_TYPES, and nodes only when asked."""
    assert cfgnode._valid_type(value, allow_cfg_node=allow_node) is expected


def test_assert_with_logging_raises_even_when_optimized() -> None:
    """_assert_with_logging raises ConfigAssertionError (not a bare assert) with the message."""
    cfgnode._assert_with_logging(True, "unused")
    with pytest.raises(ConfigAssertionError, match="the message"):
        cfgnode._assert_with_logging(False, "the message")


def test_yacs_module_exports() -> None:
    """hyperparameter.yacs offers the names YACS extensions import, as the same objects."""
    for name in [
        "_FILE_TYPES",
        "_PY_EXTS",
        "_YAML_EXTS",
        "_VALID_TYPES",
        "_valid_type",
        "_merge_a_into_b",
        "_check_and_coerce_cfg_value_type",
        "_assert_with_logging",
        "_load_module_from_file",
    ]:
        assert getattr(hpyacs, name) is getattr(cfgnode, name)
    assert set(hpyacs.__all__) >= {"CfgNode", "load_cfg"}
