"""The YACS import path: change ``yacs.config`` to ``hyperparameter.yacs`` and keep the rest.

Use it to move a YACS 0.1.8 project over by editing import lines only::

    from hyperparameter.yacs import CfgNode as CN, load_cfg

:class:`CfgNode` here is a subclass of ``hp.CfgNode`` that keeps YACS's
*mutation* semantics, so that real YACS subclasses (fvcore's, detectron2's,
pycls's) run unchanged: a frozen node refuses attribute writes only, while item
writes (``cfg[key] = value``, which fvcore uses for its ``COMPUTED_*`` keys),
``update``, ``pop``, ``del``, ``setdefault``, ``clear`` and merges still change
it, and its lists stay plain lists. Everything else is ``hp.CfgNode``: fast
reads, atomic merges, the messages, libyaml. ``load_cfg`` builds nodes of this
class.

The module-level helpers that YACS extensions import are here too. They are the
very objects of :mod:`hyperparameter.cfgnode`: ``_VALID_TYPES`` is the same set,
so ``_VALID_TYPES.add(MyType)`` here is seen by every node (mutate it; do not
rebind it).
"""

from __future__ import annotations

from . import cfgnode as _cfgnode
from .cfgnode import (
    _FILE_TYPES,
    _PY_EXTS,
    _VALID_TYPES,
    _YAML_EXTS,
    _assert_with_logging,
    _check_and_coerce_cfg_value_type,
    _load_module_from_file,
    _merge_a_into_b,
    _valid_type,
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


class CfgNode(_cfgnode.CfgNode):
    """A ``hp.CfgNode`` with YACS 0.1.8's frozen semantics: only attribute writes are guarded.

    Use it for code written against YACS, and for subclasses that write into
    frozen configs with ``self[name] = value`` as YACS allows. Every node of
    this class is also an ``hp.CfgNode`` (``isinstance`` holds); a strict
    ``hp.CfgNode`` is not one of these. The two merge into each other, and
    ``hp.scope(cfg)`` takes either.
    """

    __slots__ = ()
    _hp_strict = False


# Kept at module level for code written against YACS, which exports it here.
load_cfg = CfgNode.load_cfg
