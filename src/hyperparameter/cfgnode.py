"""CfgNode: placeholder until the YACS-compatible implementation lands."""

from __future__ import annotations

from typing import Any


class CfgNode(dict):  # type: ignore[type-arg]
    """Placeholder."""


def load_cfg(cfg_file_obj_or_str: Any) -> CfgNode:
    """Placeholder."""
    raise NotImplementedError
