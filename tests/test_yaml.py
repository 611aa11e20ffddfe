"""The one YAML reader (hyperparameter._yaml): reading rules, duplicates, lines and limits."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

import hyperparameter as hp
from hyperparameter import _yaml
from hyperparameter.errors import ConfigFileError

NUMBERS = [
    # text, as hp.load / -C read it (YAML 1.2 numbers), as CfgNode reads it (PyYAML safe_load)
    ("1e-3", 0.001, "1e-3", "exponent-without-dot"),
    ("1E5", 100000.0, "1E5", "capital-exponent"),
    (".5", 0.5, 0.5, "leading-dot"),
    ("+1", 1, 1, "plus-sign"),
    ("-1.5e+3", -1500.0, -1500.0, "signed-exponent"),
    ("1.0e3", 1000.0, "1.0e3", "exponent-without-sign"),
    ("010", 10, 8, "leading-zero-is-decimal"),
    ("0o17", 15, "0o17", "octal"),
    ("0x1F", 31, 31, "hex"),
    ("1_000", "1_000", 1000, "underscores-are-text"),
    ("2024-01-01", "2024-01-01", datetime.date(2024, 1, 1), "date-is-text"),
    ("yes", True, True, "yaml-1.1-booleans-kept"),
    ("-.inf", float("-inf"), float("-inf"), "infinity"),
    ("null", None, None, "null"),
]


@pytest.mark.parametrize(("text", "yaml12", "yacs"), [c[:3] for c in NUMBERS],
                         ids=[c[3] for c in NUMBERS])
def test_reading_rules_of_each_face(tmp_path: Path, text: str, yaml12: Any, yacs: Any) -> None:
    """hp.load reads YAML 1.2 numbers and no dates; CfgNode.load_cfg reads as safe_load does."""
    (tmp_path / "c.yaml").write_text(f"v: {text}\n", encoding="utf-8")
    loaded = hp.config(tmp_path / "c.yaml")["v"]
    assert loaded == yaml12 and type(loaded) is type(yaml12)
    assert _yaml.load_yaml_text(f"v: {text}\n")["v"] == yacs
    assert _yaml.load_yaml_text(f"v: {text}\n") == yaml.safe_load(f"v: {text}\n")


def test_duplicate_keys_error_for_hp_load_and_last_wins_for_yacs(tmp_path: Path) -> None:
    """hp.load refuses a duplicate key naming both lines; CfgNode keeps the last, as PyYAML."""
    (tmp_path / "d.yaml").write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"duplicate key 'a' in .*d\.yaml \(lines 1 and 3\)"):
        hp.load(tmp_path / "d.yaml")
    assert hp.CfgNode.load_cfg("a: 1\nb: 2\na: 3\n") == {"a": 3, "b": 2}
    node = hp.CfgNode(new_allowed=True)
    node.merge_from_file(str(tmp_path / "d.yaml"), allow_base=True)
    assert node == {"a": 3, "b": 2}


def test_key_lines_are_recorded_for_every_mapping() -> None:
    """lines= receives the 1-based line of each key of each mapping of the result."""
    lines: _yaml.KeyLines = {}
    data = _yaml.load_yaml_text("a: 1\nb:\n  c: 2\n  d: [1]\n", "x.yaml", lines=lines)
    assert lines[id(data)] == {"a": 1, "b": 2}
    assert lines[id(data["b"])] == {"c": 3, "d": 4}


@pytest.mark.parametrize("text", [
    pytest.param("a: " + "[" * 1001 + "]" * 1001, id="flow-1001"),
    pytest.param("a: " + "{" * 1001 + "}" * 1001, id="flow-mapping-1001"),
    pytest.param("a: " + "[" * 5000, id="open-brackets"),
    pytest.param("a:\n" + "".join(" " * i + "- \n" for i in range(1100)), id="block-1100"),
])
def test_nesting_past_libyaml_limit_is_our_documented_error(text: str) -> None:
    """Past libyaml's own limit (about 1,000 levels), every reader raises ConfigFileError."""
    with pytest.raises(ConfigFileError, match=r"deeper than 200 levels, the limit"):
        hp.CfgNode.load_cfg(text)
    with pytest.raises(ConfigFileError, match=r"deeper than 200 levels, the limit"):
        _yaml.load_yaml_text(text, "t.yaml", yaml12_numbers=True, duplicates="error")


def test_nesting_error_names_the_place_our_limit_is_passed() -> None:
    """The error names line and column where the 201st level starts, not libyaml's stop."""
    with pytest.raises(ConfigFileError, match=r"^t\.yaml:1:203: lists and mappings nest"):
        _yaml.load_yaml_text("a: " + "[" * 1001 + "]" * 1001, "t.yaml")


def merge_bomb(levels: int, repeats: int) -> str:
    """Return YAML where each level merges the one below ``repeats`` times with '<<'."""
    lines = ["a0: &a0 {x: 1, y: 2, z: 3}"]
    for i in range(1, levels + 1):
        below = ", ".join([f"*a{i - 1}"] * repeats)
        lines.append(f"a{i}: &a{i} {{<<: [{below}], k{i}: {i}}}")
    return "\n".join(lines) + "\n"


def test_merge_keys_still_work() -> None:
    """'<<' merges a mapping in; the mapping's own keys win."""
    data = _yaml.load_yaml_text("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n")
    assert data["b"] == {"x": 1, "y": 3}


@pytest.mark.parametrize("how", ["load_cfg", "hp.load"])
def test_merge_key_expansion_counts_in_the_alias_budget(tmp_path: Path, how: str) -> None:
    """Nested '<<: [*a, *a, ...]' that would copy millions of pairs is refused, naming '<<'."""
    text = merge_bomb(7, 10)
    assert len(text) < 600
    with pytest.raises(ConfigFileError, match=r"merge keys \(<<\) copy more than 1,000,000"):
        if how == "load_cfg":
            hp.CfgNode.load_cfg(text)
        else:
            (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
            hp.load(tmp_path / "m.yaml")


def test_syntax_errors_keep_pyyaml_type_for_yacs_and_name_the_line_for_hp_load(
    tmp_path: Path,
) -> None:
    """CfgNode lets yaml.YAMLError through (as YACS); hp.load names file, line and column."""
    with pytest.raises(yaml.YAMLError):
        hp.CfgNode.load_cfg("a: b: c\n")
    (tmp_path / "s.yaml").write_text("x: 1\na: b: c\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"s\.yaml:2:5: invalid YAML"):
        hp.load(tmp_path / "s.yaml")


def test_safe_dump_round_trips_plain_data() -> None:
    """safe_dump writes what load_yaml_text reads back, as yaml.safe_dump does."""
    data: Dict[str, Any] = {"a": [1, 2.5, "x"], "b": {"c": None, "d": True}}
    text = _yaml.safe_dump(data)
    assert text == yaml.safe_dump(data)
    assert _yaml.load_yaml_text(text) == data


def test_unknown_duplicates_rule_is_a_value_error() -> None:
    """duplicates= takes 'error' or 'last' only."""
    with pytest.raises(ValueError, match="duplicates must be"):
        _yaml.load_yaml_text("a: 1\n", duplicates="first")


def test_yaml12_dump_quotes_text_that_reads_as_a_number(tmp_path: Path) -> None:
    """safe_dump(yaml12=True) quotes '1e-3' and '0o17' so hp.load reads them back as text."""
    data = {"a": "1e-3", "b": "0o17", "c": 0.001, "d": "2024-01-01"}
    (tmp_path / "d.yaml").write_text(_yaml.safe_dump(data, yaml12=True), encoding="utf-8")
    assert hp.config(tmp_path / "d.yaml") == data
    assert _yaml.safe_dump({"a": "1e-3"}) == "a: 1e-3\n"  # as yaml.safe_dump, for YACS
