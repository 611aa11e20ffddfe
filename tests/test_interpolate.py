"""References in config files (_interpolate): total budget, escaping, and what hp.load records."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperparameter as hp
from hyperparameter import _interpolate, _source, _yaml, files
from hyperparameter.errors import InterpolationError


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside its own temporary folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_total_expansion_of_a_load_is_limited(in_tmp: Path) -> None:
    """3,000 short texts each naming a 999,000-character value are refused, not built (3 GB)."""
    value = "x" * 999_000
    text = f"a: {value}\n" + "".join(f"y{i}: y${{a}}\n" for i in range(3000))
    (in_tmp / "big.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InterpolationError, match=r"big\.yaml:\d+\): \$\{\.\.\.\} references build "
                                                 r"more than 10,000,000 characters"):
        hp.load("big.yaml")


def test_one_text_is_limited(in_tmp: Path) -> None:
    """One text built past MAX_TEXT characters is refused before it is joined."""
    text = "a: " + "x" * 600_000 + "\nb: '${a}${a}'\n"
    (in_tmp / "t.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InterpolationError, match=r"key 'b' .*more than 1,000,000 characters"):
        hp.load("t.yaml")


def test_literal_reference_survives_load_dump_load(in_tmp: Path) -> None:
    """$${x} loads as the text ${x}; an escaped dump loads back to the same values."""
    (in_tmp / "c.yaml").write_text("x: 1\nt: 'cost $${x} and ${x}'\nu: '$$${x}'\n",
                                   encoding="utf-8")
    first = hp.load("c.yaml")
    assert first.t == "cost ${x} and 1"
    assert first.u == "$${x}"
    assert _source.tree_flag(first, "interpolated") is True
    (in_tmp / "d.yaml").write_text(_yaml.safe_dump(_interpolate.escape(first), yaml12=True),
                                   encoding="utf-8")
    assert hp.load("d.yaml") == first
    (in_tmp / "e.yaml").write_text(first.dump(), encoding="utf-8")  # CfgNode.dump escapes too
    assert hp.load("e.yaml") == first


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="${}ab", max_size=12))
def test_escape_then_resolve_is_the_identity(text: str) -> None:
    """resolve(escape(v)) == v for any text without a reference: escaping is exact."""
    assert _interpolate.resolve({"k": _interpolate.escape(text)}) == {"k": text}


def test_load_records_the_file_line_of_every_leaf(in_tmp: Path) -> None:
    """hp.load tags the node with each leaf's Source, for hp.explain through hp.scope."""
    (in_tmp / "c.yaml").write_text("optim:\n  lr: 1e-3\n  name: adam\n", encoding="utf-8")
    node = hp.load("c.yaml")
    sources = _source.sources_of(node)
    assert sources == {"optim.lr": "c.yaml:2", "optim.name": "c.yaml:3"}
    assert sources is not None and sources["optim.lr"].line == 2
    assert node.optim.lr == 0.001


def test_load_flat_gives_typed_values_and_sources(in_tmp: Path) -> None:
    """load_flat: dotted keys, values as the file typed them, an empty mapping is no key."""
    (in_tmp / "c.yaml").write_text(
        "optim:\n  lr: 1e-3\n  epochs: '7'\nempty: {}\nref: ${optim.lr}\n", encoding="utf-8"
    )
    values, sources = files.load_flat(["c.yaml"])
    assert values == {"optim.lr": 0.001, "optim.epochs": "7", "ref": 0.001}
    assert sources == {"optim.lr": "c.yaml:2", "optim.epochs": "c.yaml:3", "ref": "c.yaml:5"}
    assert all(source.kind == "file" for source in sources.values())
