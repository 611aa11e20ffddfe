"""Provenance: hp.explain and hp.report say where each value came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import hyperparameter as hp


def test_explain_scope_source_names_file_and_line():
    """A value from `with hp.scope(...)` names that file and line."""
    with hp.scope(**{"train.lr": 0.5}):
        line = sys._getframe().f_lineno - 1
        explanation = hp.explain("train.lr")
    assert explanation.value == 0.5
    assert explanation.source == f"with hp.scope(...) at {__file__}:{line}"


def test_each_scope_names_its_own_line_when_places_alternate():
    """Scopes opened in a loop from two places, in turn: each names its own line."""
    seen = []
    for i in range(3):
        with hp.scope(**{"k": i}):
            first = sys._getframe().f_lineno - 1
            seen.append((hp.explain("k").source, first))
        with hp.scope(**{"k": -i}):
            second = sys._getframe().f_lineno - 1
            seen.append((hp.explain("k").source, second))
    assert first != second
    for source, line in seen:
        assert source == f"with hp.scope(...) at {__file__}:{line}"


def test_explain_lists_shadowed_values_innermost_first():
    """Inner values shadow outer ones, then the baseline, then the read's default."""
    with hp.scope(**{"k": 1}):
        hp.frozen()
    with hp.scope("k=2"), hp.scope(**{"k": 3}):
        assert hp.scope.k | 0 == 3
        explanation = hp.explain("k")
    assert explanation.value == 3
    assert [getattr(v, "text", v) for v, _ in explanation.shadowed] == ["2", 1, 0]
    sources = [s for _, s in explanation.shadowed]
    assert sources[0].startswith("hp.scope('k=2') at ")
    assert "published by hp.frozen() at " in sources[1]
    assert sources[2] == "default at the read"
    text = str(explanation)
    assert text.startswith("k = 3\n  from: with hp.scope(...) at ")
    assert "\n  shadows '2' from: hp.scope('k=2')" in text


def test_explain_text_value_converted_as_last_read():
    """A text value is shown converted the way the last read converted it."""
    with hp.scope("lr=5e-4"):
        hp.scope.lr | 0.1
        assert hp.explain("lr").value == 5e-4


def test_explain_default_only_and_not_set():
    """A key only read with a default shows the default; an unknown key says not set."""
    hp.scope.only.read | 7
    assert (hp.explain("only.read").value, hp.explain("only.read").source) == (
        7, "default at the read")
    assert str(hp.explain("never.seen")) == (
        "never.seen is not set (no scope, file, -D or baseline defines it)")


def test_explain_write_names_assignment_line():
    """A value written with ps.x = v names the assignment's line."""
    with hp.scope() as ps:
        ps.x = 1
        line = sys._getframe().f_lineno - 1
        assert hp.explain("x").source == f"assignment at {__file__}:{line}"


def test_explain_env_var_source():
    """Values from HYPERPARAMETER_PARAMS name that variable as their source."""
    env = dict(os.environ, HYPERPARAMETER_PARAMS=json.dumps({"train.lr": "0.5"}))
    code = "import hyperparameter as hp; print(hp.explain('train.lr').source)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "HYPERPARAMETER_PARAMS (from the parent process)"


def test_report_reads_defaults_and_unused():
    """hp.report lists reads with source/default flag, and set-but-unread keys with suggestions."""

    @hp.param("opt")
    def make(momentum=0.9):
        return momentum

    with hp.scope(**{"train.lr": 0.5, "train.lrr": 1, "opt.momentun": 0.8}):
        hp.scope.train.lr | 0.1
        hp.scope.train.epochs | 10
        make()
        result = hp.report()
    rows = {row.key: row for row in result.read}
    assert rows["train.lr"].value == 0.5 and not rows["train.lr"].used_default
    assert rows["train.epochs"].value == 10 and rows["train.epochs"].used_default
    assert rows["opt.momentum"].used_default
    unused = {key: matches for key, _, matches in result.unused}
    assert unused["opt.momentun"] == ["opt.momentum"]
    assert unused["train.lrr"][0] == "train.lr"
    assert "unused override 'opt.momentun' (from with hp.scope(...) at" in result.warnings()[0]
    table = str(result)
    assert table.splitlines()[0].split() == ["key", "value", "source"]
    as_json = {row["key"]: row for row in json.loads(result.to_json())["read"]}
    assert as_json["train.lr"] == {"key": "train.lr", "value": 0.5, "default": False,
                                   "source": rows["train.lr"].source}


def test_a_kept_accessor_records_its_reads_again_after_the_records_are_emptied():
    """isolated() empties the read records: an accessor whose first read was recorded
    records its next read again (with that read's default), and the outer records return."""
    from hyperparameter.testing import isolated

    lr = hp.scope.kept.lr

    def recorded():
        return {row.key: row.value for row in hp.report().read}

    assert lr | 0.1 == 0.1 and lr(0.5) == 0.5
    assert recorded()["kept.lr"] == 0.1
    for default in (0.2, 0.3):
        with isolated():
            assert "kept.lr" not in recorded()
            assert lr(default) == default and lr | 0.9 == 0.9
            assert recorded()["kept.lr"] == default
            with pytest.raises(TypeError, match=r"unsupported operand type.*'Accessor'"):
                lr + 1
    assert recorded()["kept.lr"] == 0.1


def test_report_print_table(capsys):
    """report(print_table=True) prints the aligned table."""
    hp.scope.zz_only_here | 1
    hp.report(print_table=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["key", "value", "source"]
    assert ["zz_only_here", "1", "default"] in [line.split() for line in out]
