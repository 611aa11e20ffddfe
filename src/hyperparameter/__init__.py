"""hyperparameter: scoped parameters, YACS-compatible config trees, one core.

Read a parameter anywhere with ``hp.scope.train.lr | 0.001``; override it for
a block with ``with hp.scope(**{"train.lr": 1e-4}):``; bind function
parameters with ``@hp.param("train")``; keep YACS-style trees in
``hp.CfgNode``. This module only re-exports the public surface.
"""

from typing import TYPE_CHECKING, Any, List

from ._access import IMPLEMENTATION, Scope, scope
from ._param import param
from ._propagate import bind, snapshot, subprocess_env
from ._scope import frozen
from ._source import Source
from .cfgnode import CfgNode, load_cfg
from .errors import (
    ConfigFileError,
    ConversionError,
    HyperparameterError,
    InvalidKeyError,
    MissingKeyError,
    NestingError,
    SchemaError,
    ScopeError,
    ScopeWriteError,
)

if TYPE_CHECKING:
    from . import cli, stores, testing, web
    from ._provenance import Explanation, Report, explain, report
    from .cli import launch
    from .files import config, load
    from .stores import attach

__version__ = "1.0.0.dev0"

# Which implementation of the scope engine runs: "compiled" (the C accelerator) or
# "python" (HYPERPARAMETER_PURE_PYTHON=1, or no compiler at install); docs/performance.md.
implementation = IMPLEMENTATION

CN = CfgNode

# Command-line and file support load on first use, keeping `import hyperparameter` fast.
_LAZY = {
    "cli": ("hyperparameter.cli", None),
    "testing": ("hyperparameter.testing", None),
    "stores": ("hyperparameter.stores", None),
    "web": ("hyperparameter.web", None),
    "attach": ("hyperparameter.stores", "attach"),
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


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CN",
    "CfgNode",
    "ConfigFileError",
    "ConversionError",
    "Explanation",
    "HyperparameterError",
    "InvalidKeyError",
    "MissingKeyError",
    "NestingError",
    "Report",
    "SchemaError",
    "Scope",
    "ScopeError",
    "ScopeWriteError",
    "Source",
    "__version__",
    "attach",
    "bind",
    "cli",
    "config",
    "explain",
    "frozen",
    "implementation",
    "launch",
    "load",
    "load_cfg",
    "param",
    "report",
    "scope",
    "snapshot",
    "stores",
    "subprocess_env",
    "testing",
    "web",
]
