"""hyperparameter: scoped parameters, YACS-compatible config trees, one core."""

from .cfgnode import CfgNode, load_cfg

CN = CfgNode

__all__ = ["CN", "CfgNode", "load_cfg"]
