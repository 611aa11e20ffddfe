"""Run records: what a launched run used, written before it starts (``--run-dir DIR``).

``DIR/config.yaml`` holds every parameter of the run, defaults included, as YAML
that ``-C`` reads back (``python train.py -C DIR/config.yaml`` replays the run);
``DIR/run.json`` holds the command line, the source of each value, the library
and Python versions, the git commit of the script's work tree (and whether it
was dirty), the start time, and at the end the status (``finished``/``failed``).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from ._cmdline import to_yaml

__all__ = ["Record", "git_state"]


def git_state(folder: str) -> Optional[Dict[str, Any]]:
    """Return ``{"commit", "dirty"}`` of the git work tree holding ``folder``, or None."""
    try:
        commit = subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", folder, "status", "--porcelain"],
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _script(fn: Callable[..., Any]) -> str:
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main:
        return os.path.abspath(main)
    code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
    return os.path.abspath(code.co_filename) if code is not None else os.getcwd()


class Record:
    """The record of one run in ``folder``."""

    def __init__(self, folder: str, fn: Callable[..., Any], argv: Sequence[str]) -> None:
        self.folder = folder
        self.fn = fn
        self.argv = list(argv)
        self.info: Dict[str, Any] = {}

    def start(self, values: Mapping[str, Any], sources: Mapping[str, Any]) -> None:
        """Write ``config.yaml`` and ``run.json`` (raises ``OSError`` if the folder is unusable)."""
        import hyperparameter

        os.makedirs(self.folder, exist_ok=True)
        script = _script(self.fn)
        command = [sys.executable, script, *self.argv]
        self.info = {
            "command": shlex.join(command),
            "argv": self.argv,
            "script": script,
            "cwd": os.getcwd(),
            "function": f"{getattr(self.fn, '__module__', '?')}.{self.fn.__qualname__}",
            "hyperparameter": hyperparameter.__version__,
            "python": platform.python_version(),
            "git": git_state(os.path.dirname(script)),
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "status": "running",
            "sources": {key: str(sources[key]) for key in sorted(values) if key in sources},
        }
        self._write("config.yaml", to_yaml(values))
        self._write_info()

    def finish(self, error: Optional[BaseException]) -> None:
        """Record how the run ended (best effort: a run's own result is never hidden by this)."""
        self.info["ended"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
        if error is None or (isinstance(error, SystemExit) and error.code in (0, None)):
            self.info["status"] = "finished"
        else:
            self.info["status"] = "failed"
            self.info["error"] = f"{type(error).__name__}: {error}"
        try:
            self._write_info()
        except OSError:
            pass

    def _write_info(self) -> None:
        self._write("run.json", json.dumps(self.info, indent=2, default=str) + "\n")

    def _write(self, name: str, text: str) -> None:
        path = os.path.join(self.folder, name)
        temporary = path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
