"""hyperparameter: scoped parameters, YACS-compatible config trees, one core.

Read a parameter anywhere with ``hp.scope.train.lr | 0.001``; override it for
a block with ``with hp.scope(**{"train.lr": 1e-4}):``; bind function
parameters with ``@hp.param("train")``; keep YACS-style trees in
``hp.CfgNode``. This module only re-exports the public surface.
"""

from . import cli, stores, testing, web
from ._access import IMPLEMENTATION, Scope, scope
from ._param import param
from ._propagate import bind, snapshot, subprocess_env
from ._provenance import Explanation, Report, explain, report
from ._scope import frozen
from ._source import Source
from .cfgnode import CfgNode, load_cfg
from .cli import launch
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
from .files import config, load
from .stores import attach

# Every public name is a plain attribute: no module __getattr__ here, which would
# keep CPython from specialising `hp.scope` (about one dict lookup per read). The
# command line, file and store modules import what is heavy (argparse, the
# composer, tempfile, urllib) when first used instead (docs/performance.md).

__version__ = "1.0.0.dev0"

# Which implementation of the scope engine runs: "compiled" (the C accelerator) or
# "python" (HYPERPARAMETER_PURE_PYTHON=1, or no compiler at install); docs/performance.md.
implementation = IMPLEMENTATION

CN = CfgNode

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
