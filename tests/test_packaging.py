"""What the published files carry: the wheel and sdist contents, the version, the extras.

The wheel and sdist are built with ``python -m build`` from a copy of the source tree in
a temporary directory (the repository is left untouched), once for the module.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

import hyperparameter as hp

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - tomli is in the [test] extra before Python 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
# What the source tree has that never belongs in a built file.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    "target",
    "build",
    "dist",
    "site",
    "*.egg-info",
    "__pycache__",
    "*.py[cod]",
    ".venv*",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "*.so",
)


def _pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[str]]:
    """Build the sdist and, from it, the wheel; return each one's member names."""
    pytest.importorskip("build", reason="the [test] extra installs build")
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = work / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout}\n{done.stderr}"
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as z:
        wheel_names = z.namelist()
    with tarfile.open(sdist) as t:
        # Drop the "<name>-<version>/" prefix every member has.
        sdist_names = [m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name]
    return {"wheel": wheel_names, "sdist": sdist_names, "wheel_file": [wheel.name]}


def test_wheel_carries_py_typed_and_license(built: Dict[str, List[str]]) -> None:
    """The wheel has the py.typed marker next to the code, and the LICENSE in its metadata."""
    names = built["wheel"]
    assert "hyperparameter/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names


def test_wheel_version_is_the_package_version(built: Dict[str, List[str]]) -> None:
    """The wheel's file name carries hyperparameter.__version__, the one version source."""
    assert built["wheel_file"][0].startswith(f"hyperparameter-{hp.__version__}-")


def test_sdist_carries_what_its_own_tests_need(built: Dict[str, List[str]]) -> None:
    """The sdist has LICENSE, py.typed and every file its test suite reads or runs."""
    names = set(built["sdist"])
    assert {"LICENSE", "README.md", "mkdocs.yml", "src/hyperparameter/py.typed"} <= names
    needed = [
        p.relative_to(ROOT).as_posix()
        for folder in ("tests", "docs", "examples", "benchmarks", "conformance")
        for p in (ROOT / folder).rglob("*")
        if p.is_file()
        and p.suffix in {".py", ".md", ".txt", ".yaml", ".toml", ".json"}
        and "__pycache__" not in p.parts
    ]
    needed += [".ci/run", "rust/Cargo.toml", "rust/Cargo.lock", "rust/src/lib.rs"]
    missing = sorted(set(needed) - names)
    assert not missing, f"the sdist lacks {missing}: add them to MANIFEST.in"
    assert not any(n.startswith("rust/target/") for n in names), "build output in the sdist"


def test_version_is_the_installed_distributions_version() -> None:
    """hyperparameter.__version__ equals the version pip recorded for the installed package."""
    assert hp.__version__ == importlib.metadata.version("hyperparameter")


def test_license_field_is_an_spdx_expression_with_its_file() -> None:
    """pyproject names the license as an SPDX string and ships the LICENSE file it names."""
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert importlib.metadata.metadata("hyperparameter")["License-Expression"] == "Apache-2.0"


def test_extras_keep_ray_out_of_the_test_extra() -> None:
    """Ray has its own extra; the test extra and the runtime dependencies do not pull it."""
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]

    def names(requirements: List[str]) -> List[str]:
        return [
            r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip().lower()
            for r in requirements
        ]

    assert "ray" in names(extras["ray"])
    assert "ray" not in names(extras["test"])
    assert names(project["dependencies"]) == ["pyyaml"], "PyYAML is the one runtime dependency"
