"""Public exception classes.

Every class subclasses the builtin a user would already catch (``KeyError``,
``ValueError``, ``TypeError``, ``AttributeError``, ``RuntimeError``,
``AssertionError``), so code written against plain Python or YACS keeps working.
Every class also subclasses :class:`HyperparameterError`, so one ``except``
clause can catch everything this library raises on purpose.
"""

from __future__ import annotations

import errno
import os
from typing import Any, Callable, List, Optional, Sequence

__all__ = [
    "ConfigAssertionError",
    "ConfigAttributeError",
    "ConfigFileError",
    "ConfigFileNotFoundError",
    "ConfigKeyError",
    "ConfigTypeError",
    "ConversionError",
    "FrozenConfigError",
    "HyperparameterError",
    "InterpolationError",
    "InvalidKeyError",
    "MissingKeyError",
    "NestingError",
    "SchemaError",
    "ScopeError",
    "ScopeWriteError",
]


class HyperparameterError(Exception):
    """Base class of every error this library raises on purpose.

    ``key`` (the full dotted key), ``value`` (the offending value) and ``source``
    (where it came from, a ``hp.Source``) are set where the raising code knows
    them, and are ``None`` otherwise, so a program can act on an error without
    parsing its message.
    """

    key: Optional[str] = None
    value: Any = None
    source: Any = None

    def __init__(self, *args: Any, key: Optional[str] = None, value: Any = None,
                 source: Any = None) -> None:
        super().__init__(*args)
        if key is not None:
            self.key = key
        if value is not None:
            self.value = value
        if source is not None:
            self.source = source


class InvalidKeyError(HyperparameterError, ValueError):
    """A key breaks the key grammar (empty segment, whitespace, ``=``)."""


class ConversionError(HyperparameterError, ValueError):
    """A value cannot be converted to the type its target asks for (read, parameter, field)."""


class NestingError(HyperparameterError, ValueError):
    """Mappings given as parameters nest deeper than the documented limit."""


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


class ConfigAttributeError(HyperparameterError, AttributeError):
    """An attribute read named a key that a ``CfgNode`` does not have.

    ``args`` is ``(name,)``, as for YACS's ``AttributeError(name)``. The message is
    built by ``describe`` when first shown, so that a failed ``hasattr(cfg, name)``
    does not pay for the search for close keys.
    """

    def __init__(self, name: str, describe: Optional[Callable[[], str]] = None) -> None:
        super().__init__(name)
        self._describe = describe
        self._message: Optional[str] = None

    def __str__(self) -> str:
        if self._message is None:
            self._message = self._describe() if self._describe else str(self.args[0])
        return self._message

    def __reduce__(self) -> Any:
        return (type(self), (str(self),))


class ConfigFileError(HyperparameterError, ValueError):
    """A config file cannot be read: syntax, duplicate key, bad key, extension, ``_BASE_`` cycle."""


class ConfigFileNotFoundError(ConfigFileError, FileNotFoundError):
    """A config file, or a ``_BASE_`` file it names, does not exist.

    As the ``FileNotFoundError`` of ``open()`` (which YACS lets through), it has
    ``errno`` (``ENOENT``), ``strerror`` and ``filename`` set when built with
    ``filename=``, and its message starts with ``open()``'s words.
    """

    def __init__(self, *args: Any, filename: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if filename is not None:
            self.errno = errno.ENOENT
            self.strerror = os.strerror(errno.ENOENT)
            self.filename = filename

    def __str__(self) -> str:
        # The message, not OSError's "[Errno 2] ...: 'name'" alone: it carries the fix.
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> Any:
        # OSError pickles (errno, strerror, filename) in place of the message once
        # filename is set: keep the message (and key/value/source) across processes.
        return (_file_not_found, (type(self), self.args, self.filename), self.__dict__ or None)


def _file_not_found(cls: Any, args: Any, filename: Optional[str]) -> Any:
    return cls(*args, filename=filename)


class InterpolationError(ConfigFileError):
    """A ``${...}`` in a config file names a missing key or variable, or forms a cycle."""


class SchemaError(HyperparameterError, ValueError):
    """A config does not fit its schema; ``problems`` lists every problem found, each with its key.

    All problems are collected before raising, so one run shows everything to fix.
    """

    def __init__(self, schema_name: str, problems: Sequence[str]) -> None:
        self.schema_name = schema_name
        self.problems: List[str] = list(problems)
        count = len(self.problems)
        super().__init__(
            f"config does not match schema {schema_name} ({count} problem{'s' * (count != 1)}):\n"
            + "\n".join(f"  - {problem}" for problem in self.problems)
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.schema_name, self.problems))
