"""Public exception classes.

Every class subclasses the builtin a user would already catch (``KeyError``,
``ValueError``, ``TypeError``, ``AttributeError``, ``RuntimeError``,
``AssertionError``), so code written against plain Python or YACS keeps working.
Every class also subclasses :class:`HyperparameterError`, so one ``except``
clause can catch everything this library raises on purpose.
"""

from __future__ import annotations

__all__ = [
    "ConfigAssertionError",
    "ConfigKeyError",
    "ConfigTypeError",
    "ConversionError",
    "FrozenConfigError",
    "HyperparameterError",
    "InvalidKeyError",
    "MissingKeyError",
    "ScopeError",
    "ScopeWriteError",
]


class HyperparameterError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidKeyError(HyperparameterError, ValueError):
    """A key breaks the key grammar (empty segment, whitespace, ``=``)."""


class ConversionError(HyperparameterError, ValueError):
    """A text value cannot be converted to the type the read asked for."""


class MissingKeyError(HyperparameterError, KeyError):
    """A required parameter is defined by no layer."""

    def __str__(self) -> str:
        # KeyError.__str__ shows the repr of its argument; show the sentence.
        return str(self.args[0]) if self.args else ""


class ScopeError(HyperparameterError, RuntimeError):
    """A scope was exited in the wrong thread, task or order."""


class ScopeWriteError(HyperparameterError, RuntimeError):
    """A write through ``hp.scope`` found no active scope to write into."""


class ConfigKeyError(HyperparameterError, KeyError):
    """A ``CfgNode`` operation named a key that does not exist or was renamed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigTypeError(HyperparameterError, ValueError):
    """A ``CfgNode`` merge would change the type of an existing value."""


class FrozenConfigError(HyperparameterError, AttributeError):
    """A frozen ``CfgNode`` was asked to change."""


class ConfigAssertionError(HyperparameterError, AssertionError):
    """A ``CfgNode`` check that YACS made with ``assert`` (kept under ``python -O``)."""
