"""hyperparameter: scoped parameters, YACS-compatible config trees, one core.

Read a parameter anywhere with ``hp.scope.train.lr | 0.001``; override it for
a block with ``with hp.scope(**{"train.lr": 1e-4}):``; bind function
parameters with ``@hp.param("train")``; keep YACS-style trees in
``hp.CfgNode``. This module only re-exports the public surface.
"""

from typing import TYPE_CHECKING, Any

from ._param import bind, param
from ._scope import Scope, frozen, scope, snapshot, subprocess_env
from .cfgnode import CfgNode, load_cfg
from .errors import (
    ConfigFileError,
    ConversionError,
    HyperparameterError,
    InvalidKeyError,
    MissingKeyError,
    SchemaError,
    ScopeError,
    ScopeWriteError,
)

if TYPE_CHECKING:
    from . import cli
    from ._provenance import Explanation, Report, explain, report
    from .cli import launch
    from .files import config, load

CN = CfgNode

# Command-line and file support load on first use, keeping `import hyperparameter` fast.
_LAZY = {
    "cli": ("hyperparameter.cli", None),
    "launch": ("hyperparameter.cli", "launch"),
    "load": ("hyperparameter.files", "load"),
    "config": ("hyperparameter.files", "config"),
    "explain": ("hyperparameter._provenance", "explain"),
    "report": ("hyperparameter._provenance", "report"),
    "Explanation": ("hyperparameter._provenance", "Explanation"),
    "Report": ("hyperparameter._provenance", "Report"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hyperparameter' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value

__all__ = [
    "CN",
    "CfgNode",
    "ConfigFileError",
    "ConversionError",
    "Explanation",
    "HyperparameterError",
    "InvalidKeyError",
    "MissingKeyError",
    "Report",
    "SchemaError",
    "Scope",
    "ScopeError",
    "ScopeWriteError",
    "bind",
    "cli",
    "config",
    "explain",
    "frozen",
    "launch",
    "load",
    "load_cfg",
    "param",
    "report",
    "scope",
    "snapshot",
    "subprocess_env",
]
