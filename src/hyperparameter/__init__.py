"""hyperparameter: scoped parameters, YACS-compatible config trees, one core.

Read a parameter anywhere with ``hp.scope.train.lr | 0.001``; override it for
a block with ``with hp.scope(**{"train.lr": 1e-4}):``; bind function
parameters with ``@hp.param("train")``; keep YACS-style trees in
``hp.CfgNode``. This module only re-exports the public surface.
"""

from ._param import bind, param
from ._scope import Scope, frozen, scope, subprocess_env
from .cfgnode import CfgNode, load_cfg
from .errors import (
    ConversionError,
    HyperparameterError,
    InvalidKeyError,
    MissingKeyError,
    ScopeError,
    ScopeWriteError,
)

CN = CfgNode

__all__ = [
    "CN",
    "CfgNode",
    "ConversionError",
    "HyperparameterError",
    "InvalidKeyError",
    "MissingKeyError",
    "Scope",
    "ScopeError",
    "ScopeWriteError",
    "bind",
    "frozen",
    "load_cfg",
    "param",
    "scope",
    "subprocess_env",
]
