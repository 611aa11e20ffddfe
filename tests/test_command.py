"""The `hp` tool as a user runs it: hostile input, splitting, stores, versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def hp_cmd(*argv, cwd=None, env=None):
    """Run `python -m hyperparameter ...` and return the finished process."""
    return subprocess.run([sys.executable, "-m", "hyperparameter", *argv], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize(("a", "b", "changed"), [
    ("a=[1,2]", "a=[1,3]", {"a": [[1, 2], [1, 3]]}),
    ("a=x y,b=1", "a=x z,b=1", {"a": ["x y", "x z"]}),
    ("a='p,q',b={'k': 1}", "a='p,q',b={'k': 2}", {"b": [{"k": 1}, {"k": 2}]}),
], ids=["list", "spaces", "quoted-comma-and-dict"])
def test_diff_splits_assignments_outside_brackets_and_quotes(a, b, changed):
    """Commas inside brackets or quotes, and spaces in values, stay inside the value."""
    result = hp_cmd("diff", a, b, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"added": {}, "removed": {}, "changed": changed}


def test_params_of_a_module_name_imports_nothing(tmp_path):
    """hp params pkg.mod finds the files on sys.path and never runs pkg/__init__.py."""
    package = tmp_path / "pkg"
    package.mkdir()
    marker = tmp_path / "ran"
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    (package / "mod.py").write_text("import hyperparameter as hp\nx = hp.scope.a.b | 1\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = hp_cmd("params", "pkg.mod", "--json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert [item["key"] for item in json.loads(result.stdout)] == ["a.b"]
    assert not marker.exists()
    whole = hp_cmd("params", "pkg", "--json", cwd=tmp_path, env=env)
    assert [item["key"] for item in json.loads(whole.stdout)] == ["a.b"]
    assert not marker.exists()


def test_params_reports_unreadable_files_and_goes_on(tmp_path):
    """A latin-1 file and a 200,000-term expression are reported by name; the rest is scanned."""
    (tmp_path / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "deep.py").write_text("x = " + " + ".join(["1"] * 200_000) + "\n")
    (tmp_path / "good.py").write_text("import hyperparameter as hp\ny = hp.scope.ok | 2\n")
    result = hp_cmd("params", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert [item["key"] for item in json.loads(result.stdout)] == ["ok"]
    assert "latin.py: it is not UTF-8 text" in result.stderr
    assert "Traceback" not in result.stderr
    single = hp_cmd("params", str(tmp_path / "latin.py"))
    assert single.returncode == 0 and "latin.py" in single.stderr


def test_params_unknown_module_is_one_line(tmp_path):
    """A name that is no file and no module on sys.path is a one-line error, exit 2."""
    result = hp_cmd("params", "no_such_pkg.mod", cwd=tmp_path)
    assert result.returncode == 2
    assert "'no_such_pkg.mod' is neither a file, a folder nor a module on sys.path" \
        in result.stderr


def test_publish_and_show_a_store(tmp_path):
    """hp publish --store writes text values; hp show --store prints them."""
    pytest.importorskip("hyperparameter.stores")
    url = f"file://{tmp_path / 'params.json'}"
    published = hp_cmd("publish", "--store", url, "train.lr=0.5", "name=a b")
    assert published.returncode == 0, published.stderr
    shown = hp_cmd("show", "--store", url, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"train.lr": "0.5", "name": "a b"}


def test_show_needs_a_file_or_a_store():
    """hp show with nothing to show is a one-line error."""
    result = hp_cmd("show")
    assert result.returncode == 2 and "hp show needs a FILE (or --store URL)" in result.stderr


def test_show_prints_yaml_that_loads_back(tmp_path):
    """hp show output is YAML that -C/hp.load read back to the same values."""
    source = tmp_path / "c.yaml"
    source.write_text('a:\n  s: "1e-3"\n  f: 1e-3\n  lit: "$${x}"\n  l: [1, "2"]\n')
    first = hp_cmd("show", str(source))
    (tmp_path / "again.yaml").write_text(first.stdout)
    assert hp_cmd("show", str(tmp_path / "again.yaml")).stdout == first.stdout
    assert '  s: "1e-3"\n' in first.stdout and "  f: 0.001\n" in first.stdout
