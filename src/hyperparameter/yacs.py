"""The YACS import path: change ``yacs.config`` to ``hyperparameter.yacs`` and keep the rest.

Use it to move a YACS 0.1.8 project over by editing import lines only::

    from hyperparameter.yacs import CfgNode as CN, load_cfg

The module-level helpers that YACS extensions import are here too. They are the
very objects of :mod:`hyperparameter.cfgnode`: ``_VALID_TYPES`` is the same set,
so ``_VALID_TYPES.add(MyType)`` here is seen by every node (mutate it; do not
rebind it).
"""

from __future__ import annotations

from .cfgnode import (
    _FILE_TYPES,
    _PY_EXTS,
    _VALID_TYPES,
    _YAML_EXTS,
    CfgNode,
    _assert_with_logging,
    _check_and_coerce_cfg_value_type,
    _load_module_from_file,
    _merge_a_into_b,
    _valid_type,
    load_cfg,
)

__all__ = [
    "_FILE_TYPES",
    "_PY_EXTS",
    "_VALID_TYPES",
    "_YAML_EXTS",
    "CfgNode",
    "_assert_with_logging",
    "_check_and_coerce_cfg_value_type",
    "_load_module_from_file",
    "_merge_a_into_b",
    "_valid_type",
    "load_cfg",
]
