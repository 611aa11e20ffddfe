"""Read one config file: YAML, JSON, TOML, or (only when allowed) Python.

Only regular files are read, and at most :data:`MAX_FILE_BYTES` of them: a device
(``/dev/zero``, ``/dev/urandom``), a FIFO or a directory named as a config file
(directly or in ``_BASE_``) is a :class:`ConfigFileError`, never a hang. Extensions
are matched without regard to case (``CFG.YAML`` is YAML); a file without an
extension is YAML, as in YACS.

A Python config file runs its code, under the module name YACS's
``merge_from_file`` gives it (:data:`PYTHON_CONFIG_NAME`), whoever asks for it.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ._values import short
from ._yaml import KeyLines, bad_value, load_yaml_text, out_of_stack
from .errors import ConfigFileError, ConfigFileNotFoundError

__all__ = [
    "MAX_FILE_BYTES",
    "PYTHON_CONFIG_NAME",
    "extension",
    "is_python",
    "parse_file",
    "read_text",
    "run_python",
]

MAX_FILE_BYTES = 32 * 1024 * 1024  # a config file larger than this is refused unread
PYTHON_CONFIG_NAME = "yacs.config.override"  # __name__ of a Python config file as it runs
BASE_KEY = "_BASE_"

_YAML_EXTS = (".yaml", ".yml", "")  # no extension reads as YAML, as in YACS
_SUPPORTED = ".yaml, .yml, .json, .toml, .py (with allow_python=True), or no extension (YAML)"

Chain = Sequence[Tuple[str, str]]  # (path as shown, real path) of each including file


def extension(path: str) -> str:
    """Return the lower-case extension of ``path`` (``".yaml"`` for ``CFG.YAML``)."""
    return os.path.splitext(path)[1].lower()


def is_python(path: str) -> bool:
    """Return whether ``path`` names a Python config file (``.py``, any case)."""
    return extension(path) == ".py"


def fmt_chain(chain: Chain) -> str:
    """Return the files of an include chain as ``a.yaml -> b.yaml``."""
    return " -> ".join(display for display, _ in chain)


def _not_found(path: str, chain: Chain) -> ConfigFileNotFoundError:
    # open()'s words first (what YACS lets through), then which file and the fix.
    said = f"[Errno {errno.ENOENT}] {os.strerror(errno.ENOENT)}: {path!r}"
    if len(chain) > 1:
        return ConfigFileNotFoundError(
            f"{said}: {BASE_KEY} file {path!r} not found (resolved to "
            f"{os.path.abspath(path)!r}) in {fmt_chain(chain)}; fix the {BASE_KEY} entry of "
            f"{chain[-2][0]!r}", filename=path,
        )
    return ConfigFileNotFoundError(
        f"{said}: config file {path!r} not found (resolved to {os.path.abspath(path)!r}); "
        "check the path and the working directory", filename=path,
    )


def _not_regular(path: str, mode: int, chain: Chain) -> ConfigFileError:
    kind = "a directory" if stat.S_ISDIR(mode) else (
        "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
        "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
        "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
    )
    named = f" (named in {fmt_chain(chain)})" if len(chain) > 1 else ""
    return ConfigFileError(
        f"{path!r}{named} is {kind}, not a config file: only regular files are read; "
        "name a .yaml, .json, .toml or .py file"
    )


def read_text(path: str, chain: Chain = ()) -> str:
    """Return the text of the regular file ``path`` (UTF-8, universal newlines), within limits."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise _not_found(path, chain) from None
    except IsADirectoryError:
        raise _not_regular(path, stat.S_IFDIR, chain) from None
    except OSError as error:
        raise ConfigFileError(f"cannot read config file {path!r}: {error.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _not_regular(path, mode, chain)
    with os.fdopen(fd, "rb") as stream:
        data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigFileError(
            f"{path}: larger than {MAX_FILE_BYTES:,} bytes, the limit for config files; "
            "split it into several files"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); "
            "save the config file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def run_python(path: str, chain: Chain = ()) -> Dict[str, Any]:
    """Run the Python config file ``path`` and return its global names.

    It runs under ``__name__ == PYTHON_CONFIG_NAME``, as YACS's ``merge_from_file``
    runs it. Only regular files run.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise _not_found(path, chain) from None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode, chain)
    import runpy

    return runpy.run_path(path, run_name=PYTHON_CONFIG_NAME)


def _parse_json(text: str, file: str) -> Any:
    import json

    def unique(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ConfigFileError(
                    f"duplicate key {key!r} in {file}: an object may define each key once; "
                    "remove one of them"
                )
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as error:
        raise ConfigFileError(
            f"{file}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    except RecursionError:
        raise out_of_stack(file, "JSON") from None
    except ValueError as error:  # a number over Python's digit limit
        if isinstance(error, ConfigFileError):
            raise
        raise bad_value(error, text, file, "JSON") from None


def _toml_module() -> Any:
    import importlib
    import sys

    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(
            "reading TOML config files needs Python 3.11+ (tomllib) or the 'tomli' package: "
            "pip install tomli (or pip install 'hyperparameter[toml]')"
        ) from None


def _parse_toml(text: str, file: str) -> Any:
    toml = _toml_module()
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise ConfigFileError(f"{file}: invalid TOML: {error}") from None
    except RecursionError:
        raise out_of_stack(file, "TOML") from None
    except ValueError as error:  # a number over Python's digit limit
        raise bad_value(error, text, file, "TOML") from None


def _python_cfg(file: str, chain: Chain, allow_python: bool) -> Any:
    if not allow_python:
        if len(chain) > 1:
            raise ConfigFileError(
                f"{file} is a Python config file named in {BASE_KEY} by {chain[-2][0]!r} "
                f"({fmt_chain(chain)}): a {BASE_KEY} entry never runs code; convert it to "
                "YAML, or merge it yourself with merge_from_file if you trust it"
            )
        raise ConfigFileError(
            f"{file} is a Python config file: reading it runs its code, so it is read only when "
            "you allow it: pass allow_python=True (hp.load(..., allow_python=True)) if you trust "
            "whoever can write that file, or use a YAML, JSON or TOML file instead"
        )
    namespace = run_python(file, chain)
    if "cfg" not in namespace:
        raise ConfigFileError(
            f"{file} defines no 'cfg': a Python config file must assign its config "
            "(a dict or CfgNode) to a module-level variable named cfg"
        )
    return namespace["cfg"]


def parse_file(
    file: str,
    chain: Chain = (),
    *,
    allow_python: bool = False,
    yaml12_numbers: bool = True,
    duplicates: str = "error",
) -> Tuple[Any, KeyLines]:
    """Return the data of one config file and the lines of its YAML keys.

    ``chain`` holds the including files (the last is ``file``), for messages.
    The data is the top-level mapping (``{}`` for an empty YAML file); anything
    else at the top level is a :class:`ConfigFileError`.
    """
    ext = extension(file)
    lines: KeyLines = {}
    if ext == ".py":
        data = _python_cfg(file, chain, allow_python)
    elif ext in _YAML_EXTS:
        data = load_yaml_text(
            read_text(file, chain), file, yaml12_numbers=yaml12_numbers,
            duplicates=duplicates, lines=lines, errors="convert",
        )
    elif ext == ".json":
        data = _parse_json(read_text(file, chain), file)
    elif ext == ".toml":
        data = _parse_toml(read_text(file, chain), file)
    else:
        raise ConfigFileError(
            f"cannot read {file!r}: unsupported extension {ext!r}; supported: {_SUPPORTED}"
        )
    if data is None:  # an empty YAML file
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigFileError(
            f"{file}: the top level of a config file must be a mapping of keys to values, "
            f"got {type(data).__name__} {short(data)}"
        )
    return data, lines
