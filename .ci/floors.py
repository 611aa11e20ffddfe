"""Print a pip constraints file pinning every dependency to the oldest version pyproject claims.

Usage: python .ci/floors.py [EXTRA ...] > oldest.txt

Reads ``pyproject.toml`` next to ``.ci/``: the runtime ``dependencies`` and the named
extras. Each requirement with a ``>=`` or ``==`` lower bound becomes ``name==bound``
(its environment marker kept), so ``pip install -c oldest.txt`` installs exactly the
floors. A runtime dependency without a lower bound is an error: a floor that is never
installed is a floor that is never tested.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11: the copy pip vendors reads TOML as well
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<specs>[^;]*?)\s*(?:;\s*(?P<marker>.+?))?\s*$"
)
_FLOOR = re.compile(r"(?:>=|==|~=)\s*(?P<version>[^,\s]+)")


def floors(extras: list[str]) -> list[str]:
    """Return ``name==floor[; marker]`` lines for the dependencies and the given extras."""
    with PYPROJECT.open("rb") as f:
        project = tomllib.load(f)["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise SystemExit(f"floors.py: no extra {unknown!r} in {PYPROJECT}; have {sorted(optional)}")
    groups = [("dependencies", project.get("dependencies", []))]
    groups += [(f"extra {e!r}", optional[e]) for e in extras]
    lines: dict[str, str] = {}
    for group, requirements in groups:
        for requirement in requirements:
            match = _REQUIREMENT.match(requirement)
            if match is None:
                raise SystemExit(f"floors.py: cannot read requirement {requirement!r} ({group})")
            floor = _FLOOR.search(match["specs"])
            if floor is None:
                if group == "dependencies":
                    raise SystemExit(
                        f"floors.py: runtime dependency {requirement!r} has no lower bound; "
                        "give it one (>=X) so that CI can install and test the oldest release"
                    )
                continue  # a test tool without a floor: the newest release is fine
            line = f"{match['name']}=={floor['version']}"
            if match["marker"]:
                line += f"; {match['marker']}"
            lines.setdefault(match["name"].lower().replace("_", "-"), line)
    return list(lines.values())


if __name__ == "__main__":
    print("\n".join(floors(sys.argv[1:])))
