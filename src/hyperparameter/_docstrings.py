"""Parameter help texts from docstrings (Google, NumPy and reST styles), for ``--help``."""

from __future__ import annotations

import inspect
import re
from typing import Dict, Optional

__all__ = ["param_help", "summary"]

_REST = re.compile(r"^\s*:param\s+(?:[^:\s]+\s+)?(\w+):\s*(.+(?:\n(?!\s*:)\s+.+)*)", re.M)
_GOOGLE_ITEM = re.compile(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^(\w+)\s*(?::.*)?$")
_GOOGLE_HEADS = ("Args:", "Arguments:", "Parameters:", "Keyword Args:")
_NUMPY_HEADS = ("Parameters", "Other Parameters")


def summary(doc: Optional[str]) -> Optional[str]:
    """Return the first paragraph of ``doc`` (for a parser's description), or None."""
    text = inspect.cleandoc(doc or "")
    return text.split("\n\n")[0] if text else None


def param_help(doc: Optional[str]) -> Dict[str, str]:
    """Return ``{parameter name: help text}`` found in a Google, NumPy or reST docstring."""
    text = inspect.cleandoc(doc or "")
    helps: Dict[str, str] = {}
    for match in _REST.finditer(text):
        helps[match.group(1)] = " ".join(match.group(2).split())
    lines = text.splitlines()
    section = None
    current = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped in _GOOGLE_HEADS:
            section, current = "google", None
            continue
        if stripped in _NUMPY_HEADS and index + 1 < len(lines) \
                and set(lines[index + 1].strip()) == {"-"}:
            section, current = "numpy", None
            continue
        if section is None or stripped == "" or set(stripped) == {"-"}:
            continue
        indent = len(line) - len(line.lstrip())
        if section == "google":
            item = _GOOGLE_ITEM.match(stripped)
            if indent > 0 and item and (current is None or indent <= current[1]):
                current = (item.group(1), indent)
                helps[current[0]] = item.group(2).strip()
                continue
        elif indent == 0:
            item = _NUMPY_ITEM.match(stripped)
            if item:
                current = (item.group(1), 0)
                helps.setdefault(current[0], "")
                continue
        if indent == 0:
            section = None
        elif current is not None:
            helps[current[0]] = (helps[current[0]] + " " + stripped).strip()
    return helps
