"""CfgNode merges: type rules, decoding, unknown/deprecated/renamed keys, atomicity."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfgnode_checks import assert_consistent, shape
from hyperparameter.cfgnode import (
    CfgNode,
    _check_and_coerce_cfg_value_type,
    _merge_a_into_b,
)
from hyperparameter.errors import (
    ConfigAssertionError,
    ConfigKeyError,
    ConfigTypeError,
    FrozenConfigError,
)

CN = CfgNode


def make_cfg() -> CfgNode:
    """Return defaults with one key of each kind the type rules care about."""
    return CN(
        {
            "MODEL": {"TYPE": "resnet", "DEPTH": 50, "HEAD": {"DIMS": (256, 128)}},
            "TRAIN": {"LR": 0.1, "STEPS": [10, 20], "AMP": False, "RESUME": None},
            "NAME": "run",
        }
    )


# --- the type rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "replacement, original, expected",
    [
        (3, 1, 3),
        ("b", "a", "b"),
        ([1], (0,), (1,)),
        ((1,), [0], [1]),
        (None, 1, None),
        (None, [1], None),
        (1.5, None, 1.5),
        ("x", None, "x"),
        (2, 0.5, 2.0),
        (True, False, True),
    ],
    ids=[
        "same-int",
        "same-str",
        "list-to-tuple",
        "tuple-to-list",
        "none-replaces-int",
        "none-replaces-list",
        "float-replaces-none",
        "str-replaces-none",
        "int-to-float",
        "same-bool",
    ],
)
def test_coercion_accepts(replacement: Any, original: Any, expected: Any) -> None:
    """Same types, list<->tuple, None<->any valid type and int->float are accepted."""
    result = _check_and_coerce_cfg_value_type(replacement, original, "K", "A.K")
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "replacement, original",
    [
        (0.5, 1),
        ("1", 1),
        (True, 1),
        (True, 1.0),
        (1, "1"),
        (1, True),
        ([1], "x"),
        (CN(), None),
        (None, CN()),
        (10**400, 1.0),
    ],
    ids=[
        "float-to-int",
        "str-to-int",
        "bool-to-int",
        "bool-to-float",
        "int-to-str",
        "int-to-bool",
        "list-to-str",
        "node-replaces-none",
        "none-replaces-node",
        "int-too-big-for-float",
    ],
)
def test_coercion_refuses(replacement: Any, original: Any) -> None:
    """Other type changes raise ValueError naming the key, both values and both types."""
    with pytest.raises(
        ConfigTypeError,
        match=r"^Type mismatch \(<class '[\w.]+'> vs\. <class '[\w.]+'>\) "
        r".* for config key: A\.K; ",
    ):
        _check_and_coerce_cfg_value_type(replacement, original, "K", "A.K")


def test_type_mismatch_message_shows_values_and_fix() -> None:
    """The mismatch message shows both values (repr) and the type to give."""
    cfg = make_cfg()
    with pytest.raises(
        ValueError,
        match=r"^Type mismatch \(<class 'int'> vs\. <class 'str'>\) with values \(50 vs\. deep\) "
        r"for config key: MODEL\.DEPTH; 'MODEL\.DEPTH' holds 50 \(type int\) and the new value "
        r"is 'deep' \(type str\): give a value of type int",
    ):
        cfg.merge_from_other_cfg(CN({"MODEL": {"DEPTH": "deep"}}))


def test_int_merged_into_float_key_becomes_float() -> None:
    """An int merged into a float key (list, file or node) is stored as float."""
    cfg = make_cfg()
    cfg.merge_from_list(["TRAIN.LR", "1"])
    assert cfg.TRAIN.LR == 1.0 and type(cfg.TRAIN.LR) is float
    cfg.merge_from_other_cfg(CN({"TRAIN": {"LR": 2}}))
    assert type(cfg.TRAIN.LR) is float


# --- merge_from_list ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("MODEL.DEPTH", "101", 101),
        ("MODEL.DEPTH", 18, 18),
        ("MODEL.TYPE", "vit", "vit"),
        ("MODEL.TYPE", "'quoted'", "quoted"),
        ("MODEL.TYPE", "a/b:c", "a/b:c"),
        ("MODEL.HEAD.DIMS", "(1, )", (1,)),
        ("MODEL.HEAD.DIMS", "[4, 5]", (4, 5)),
        ("TRAIN.STEPS", "(1, 2)", [1, 2]),
        ("TRAIN.LR", "1e-3", 0.001),
        ("TRAIN.AMP", "True", True),
        ("TRAIN.RESUME", "'ckpt.pth'", "ckpt.pth"),
        ("TRAIN.RESUME", "ckpt.pth", "ckpt.pth"),
        ("TRAIN.STEPS", "None", None),
    ],
    ids=lambda v: str(v),
)
def test_merge_from_list_decodes_literals(key: str, raw: Any, expected: Any) -> None:
    """Strings are read as Python literals when they are one, else kept as text."""
    cfg = make_cfg()
    cfg.merge_from_list([key, raw])
    node: Any = cfg
    for part in key.split("."):
        node = node[part]
    assert node == expected and type(node) is type(expected)


def test_merge_from_list_string_that_reads_as_number_into_str_key() -> None:
    """'1' is decoded to the int 1, so a str key refuses it, exactly as in YACS."""
    cfg = make_cfg()
    with pytest.raises(ValueError, match=r"for config key: NAME; 'NAME' holds 'run'"):
        cfg.merge_from_list(["NAME", "1"])
    cfg.merge_from_list(["NAME", "'1'"])
    assert cfg.NAME == "1"


def test_merge_from_list_later_pair_wins() -> None:
    """A key given twice takes the last value, checked against the value before it."""
    cfg = make_cfg()
    cfg.merge_from_list(["TRAIN.RESUME", "1", "TRAIN.RESUME", "2"])
    assert cfg.TRAIN.RESUME == 2
    with pytest.raises(ConfigTypeError, match=r"TRAIN\.RESUME"):
        cfg.merge_from_list(["TRAIN.RESUME", "None", "TRAIN.RESUME", "'x'", "TRAIN.RESUME", "3"])
    assert cfg.TRAIN.RESUME == 2


def test_merge_from_list_odd_length() -> None:
    """An odd number of items raises AssertionError that shows how to write pairs."""
    with pytest.raises(
        ConfigAssertionError,
        match=r"^Override list has odd length: \['A', 1, 'B'\]; it must be a list of pairs.*KEY",
    ):
        make_cfg().merge_from_list(["A", 1, "B"])


def test_merge_from_list_unknown_key_suggests() -> None:
    """An unknown key raises AssertionError with the full key and close keys."""
    with pytest.raises(
        ConfigAssertionError, match=r"^Non-existent key: MODEL\.DEPHT; did you mean 'MODEL\.DEPTH'"
    ):
        make_cfg().merge_from_list(["MODEL.DEPHT", "1"])


def test_merge_from_list_through_a_leaf() -> None:
    """A key that goes through a value (not a node) is reported as non-existent."""
    with pytest.raises(ConfigAssertionError, match=r"'MODEL\.TYPE' is a value \('resnet'\)"):
        make_cfg().merge_from_list(["MODEL.TYPE.X", "1"])


def test_merge_from_list_non_string_key() -> None:
    """A key that is not a string raises AssertionError naming it."""
    with pytest.raises(ConfigAssertionError, match="got 3 "):
        make_cfg().merge_from_list([3, "x"])


def test_merge_from_list_into_plain_dict_value() -> None:
    """A plain dict stored with cfg['K'] = {...} can be reached by merge_from_list, as in YACS."""
    cfg = make_cfg()
    cfg["RAW"] = {"A": 1}
    cfg.merge_from_list(["RAW.A", "2"])
    assert cfg.RAW == {"A": 2}


# --- merge_from_other_cfg -----------------------------------------------------------------------


def test_merge_replaces_leaves_and_recurses_into_nodes() -> None:
    """Leaves are replaced, nodes are merged key by key, other keys are kept."""
    cfg = make_cfg()
    head = cfg.MODEL.HEAD
    cfg.merge_from_other_cfg(CN({"MODEL": {"HEAD": {"DIMS": [1]}}, "NAME": "x"}))
    assert cfg.MODEL.HEAD is head and cfg.MODEL.HEAD.DIMS == (1,)
    assert cfg.MODEL.TYPE == "resnet" and cfg.NAME == "x"
    assert_consistent(cfg)


def test_merge_copies_values() -> None:
    """Values merged in are copies: changing the source later does not reach the target."""
    cfg = make_cfg()
    other = CN({"TRAIN": {"STEPS": [7]}})
    cfg.merge_from_other_cfg(other)
    other.TRAIN.STEPS.append(8)
    assert cfg.TRAIN.STEPS == [7]


def test_merge_unknown_key_suggests_and_explains_new_allowed() -> None:
    """An unknown key raises KeyError with the full key, close keys and how to allow new keys."""
    with pytest.raises(
        ConfigKeyError,
        match=r"^Non-existent config key: TRAIN\.STEP; did you mean 'TRAIN\.STEPS'\?.*new_allowed",
    ):
        make_cfg().merge_from_other_cfg(CN({"TRAIN": {"STEP": [1]}}))


def test_merge_base_key_without_allow_base_hints() -> None:
    """A _BASE_ key merged without allow_base points at merge_from_file(..., allow_base=True)."""
    with pytest.raises(KeyError, match=r"allow_base=True"):
        make_cfg().merge_from_other_cfg(CN({"_BASE_": "base.yaml"}))


def test_merge_into_new_allowed_node_adds_keys_and_subtrees() -> None:
    """A node that allows new keys takes them, subtrees included, as new nodes."""
    cfg = make_cfg()
    cfg.TRAIN.set_new_allowed(True)
    cfg.merge_from_other_cfg(CN({"TRAIN": {"EMA": {"DECAY": 0.99}, "WARMUP": 5}}))
    assert cfg.TRAIN.EMA.DECAY == 0.99 and cfg.TRAIN.WARMUP == 5
    assert type(cfg.TRAIN.EMA) is CN
    assert_consistent(cfg)
    cfg.freeze()
    with pytest.raises(FrozenConfigError, match=r"'TRAIN\.EMA\.DECAY'"):
        cfg.TRAIN.EMA.DECAY = 0.5


def test_merge_a_into_b_requires_nodes() -> None:
    """_merge_a_into_b refuses a plain dict on either side with AssertionError."""
    cfg = make_cfg()
    with pytest.raises(ConfigAssertionError, match=r"^`a` \(cur type <class 'dict'>\) must be an"):
        _merge_a_into_b({"NAME": "x"}, cfg, cfg, [])  # type: ignore[arg-type]
    with pytest.raises(ConfigAssertionError, match=r"^`b` \(cur type <class 'dict'>\) must be an"):
        _merge_a_into_b(CN({"NAME": "x"}), {"NAME": "y"}, cfg, [])  # type: ignore[arg-type]


def test_merge_a_into_b_with_key_list_and_root() -> None:
    """_merge_a_into_b merges into a subtree, naming keys from the root given."""
    cfg = make_cfg()
    cfg.register_deprecated_key("MODEL.OLD")
    _merge_a_into_b(CN({"DEPTH": 18, "OLD": 1}), cfg.MODEL, cfg, ["MODEL"])
    assert cfg.MODEL.DEPTH == 18 and "OLD" not in cfg.MODEL
    with pytest.raises(KeyError, match=r"^Non-existent config key: MODEL\.NEW; "):
        _merge_a_into_b(CN({"NEW": 1}), cfg.MODEL, cfg, ["MODEL"])


def test_subclass_decode_override_is_used_by_merges() -> None:
    """Merges decode values with the receiving class's _decode_cfg_value."""

    class Upper(CN):
        @classmethod
        def _decode_cfg_value(cls, value: Any) -> Any:
            value = super()._decode_cfg_value(value)
            return value.upper() if isinstance(value, str) else value

    cfg = Upper({"NAME": "a"})
    cfg.merge_from_list(["NAME", "b"])
    cfg.merge_from_other_cfg(CN({"NAME": "c"}))
    assert cfg.NAME == "C"


# --- deprecated and renamed keys ----------------------------------------------------------------


def test_deprecated_keys_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Merging a deprecated key logs a warning and changes nothing."""
    cfg = make_cfg()
    cfg.register_deprecated_key("MODEL.DILATION")
    with caplog.at_level(logging.WARNING, logger="hyperparameter.cfgnode"):
        cfg.merge_from_list(["MODEL.DILATION", "2"])
        cfg.merge_from_other_cfg(CN({"MODEL": {"DILATION": 2}}))
    assert "DILATION" not in cfg.MODEL
    assert caplog.messages == ["Deprecated config key (ignoring): MODEL.DILATION"] * 2


def test_renamed_key_raises_key_error_with_new_name_and_note() -> None:
    """Merging a renamed key raises KeyError with the new name and the note."""
    cfg = make_cfg()
    cfg.register_renamed_key("MODEL.ARCH", "MODEL.TYPE", message="Give a model name.")
    cfg.register_renamed_key("LR", "TRAIN.LR")
    with pytest.raises(
        ConfigKeyError,
        match=r"^Key MODEL\.ARCH was renamed to MODEL\.TYPE; please update your config\. "
        r"Note: Give a model name\.",
    ):
        cfg.merge_from_list(["MODEL.ARCH", "vit"])
    with pytest.raises(
        KeyError, match=r"^Key LR was renamed to TRAIN\.LR; please update your config\.$"
    ):
        cfg.merge_from_other_cfg(CN({"LR": 0.5}))


@pytest.mark.parametrize(
    "register",
    [
        lambda c: c.register_deprecated_key("X"),
        lambda c: c.register_renamed_key("X", "Y"),
    ],
    ids=["deprecated", "renamed"],
)
def test_registering_a_key_twice(register: Callable[[CfgNode], None]) -> None:
    """Registering the same key twice raises AssertionError."""
    cfg = make_cfg()
    register(cfg)
    with pytest.raises(ConfigAssertionError, match=r"^key X is already registered as a"):
        register(cfg)


def test_key_registry_queries() -> None:
    """key_is_deprecated and key_is_renamed answer from the root's registries."""
    cfg = make_cfg()
    cfg.register_deprecated_key("A")
    cfg.register_renamed_key("B", "C")
    assert cfg.key_is_deprecated("A") and not cfg.key_is_deprecated("B")
    assert cfg.key_is_renamed("B") and not cfg.key_is_renamed("A")
    with pytest.raises(KeyError, match=r"^Key B was renamed to C"):
        cfg.raise_key_rename_error("B")


# --- atomic merges ------------------------------------------------------------------------------


def no_setup(cfg: CfgNode) -> None:
    """Leave the defaults as they are."""


# id -> (setup, merge that fails part-way, error class, message pattern)
FAILING_MERGES: Dict[str, Any] = {
    "list-type-error-after-good-pairs": (
        no_setup,
        lambda c: c.merge_from_list(["MODEL.DEPTH", "18", "NAME", "'x'", "TRAIN.STEPS", "3"]),
        ConfigTypeError,
        r"'TRAIN\.STEPS'",
    ),
    "list-unknown-key-last": (
        no_setup,
        lambda c: c.merge_from_list(["MODEL.TYPE", "vit", "NOPE", "1"]),
        ConfigAssertionError,
        r"Non-existent key: NOPE",
    ),
    "list-renamed-key-last": (
        lambda c: c.register_renamed_key("OLD", "NAME"),
        lambda c: c.merge_from_list(["MODEL.TYPE", "vit", "OLD", "1"]),
        ConfigKeyError,
        r"Key OLD was renamed to NAME",
    ),
    "other-type-error-deep": (
        no_setup,
        lambda c: c.merge_from_other_cfg(
            CN({"NAME": "x", "MODEL": {"TYPE": "vit", "HEAD": {"DIMS": "wide"}}})
        ),
        ConfigTypeError,
        r"'MODEL\.HEAD\.DIMS'",
    ),
    "other-unknown-after-new-keys": (
        lambda c: c.TRAIN.set_new_allowed(True),
        lambda c: c.merge_from_other_cfg(CN({"TRAIN": {"NEW": {"X": 1}, "LR": 0.5}, "ZZZ": 1})),
        ConfigKeyError,
        r"Non-existent config key: ZZZ",
    ),
    "other-frozen-subtree-midway": (
        lambda c: c.MODEL.HEAD.freeze(),
        lambda c: c.merge_from_other_cfg(
            CN({"NAME": "x", "MODEL": {"DEPTH": 1, "HEAD": {"DIMS": [1]}}})
        ),
        FrozenConfigError,
        r"'MODEL\.HEAD\.DIMS'",
    ),
}


@pytest.mark.parametrize(
    "setup, merge, error, message", list(FAILING_MERGES.values()), ids=list(FAILING_MERGES)
)
def test_failed_merge_leaves_node_unchanged(
    setup: Callable[[CfgNode], Any],
    merge: Callable[[CfgNode], Any],
    error: type,
    message: str,
) -> None:
    """When a merge fails part-way, every change it made before the failure is undone."""
    cfg = make_cfg()
    setup(cfg)
    before = shape(cfg)
    with pytest.raises(error, match=message):
        merge(cfg)
    assert shape(cfg) == before
    assert cfg == make_cfg()
    assert_consistent(cfg)


def test_failed_merge_from_file_leaves_node_unchanged(tmp_path: Any) -> None:
    """A file whose last key is wrong changes nothing, not even the keys before it."""
    path = tmp_path / "bad.yaml"
    path.write_text("NAME: changed\nMODEL:\n  TYPE: vit\nTRAIN:\n  LR: fast\n")
    cfg = make_cfg()
    with pytest.raises(ValueError, match=r"TRAIN\.LR"):
        cfg.merge_from_file(str(path))
    assert cfg == make_cfg()


def test_interrupted_merge_is_undone() -> None:
    """Even a KeyboardInterrupt raised by a subclass part-way through is rolled back."""

    class Interrupting(CN):
        def __setitem__(self, key: Any, value: Any) -> None:
            if key == "STOP":
                raise KeyboardInterrupt
            super().__setitem__(key, value)

    cfg = Interrupting({"A": 1, "STOP": 0})
    with pytest.raises(KeyboardInterrupt, match=r"^$"):
        cfg.merge_from_list(["A", "2", "STOP", "1"])
    assert cfg == {"A": 1, "STOP": 0}


MERGE_VALUES = st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats(allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(["A", "B.C", "B.D", "E", "B"]), MERGE_VALUES)))
def test_merge_is_all_or_nothing(pairs: List[Any]) -> None:
    """Any merge_from_list either applies every pair or leaves the node exactly as it was."""
    cfg = CN({"A": 1, "B": {"C": "x", "D": None}})
    before = shape(cfg)
    flat = [item for pair in pairs for item in pair]
    try:
        cfg.merge_from_list(flat)
    except (KeyError, ValueError, AssertionError):
        assert shape(cfg) == before
    else:
        for key, _ in pairs:
            assert key != "E"
    assert_consistent(cfg)
