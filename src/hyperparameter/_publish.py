"""The values of a launched run, published for the duration of the run only.

``hp.launch`` makes the run's values the process baseline (threads and
fork-started workers read it) and ``HYPERPARAMETER_PARAMS`` (spawn- and
forkserver-started workers read it when they import the package); on exit the
previous baseline and environment variable come back exactly, even when the run
raised.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from . import _scope
from ._cmdline import Collected
from ._source import command_line_source, user_location

__all__ = ["Published"]


def _encoded(values: Dict[str, Any]) -> Optional[str]:
    """Return the run's values as ``HYPERPARAMETER_PARAMS`` text, or None if too large for it."""
    from ._propagate import ENV_LIMIT, encode_params, env_size

    text = encode_params(values, skip_objects=True)
    return text if env_size(text) <= ENV_LIMIT else None


def _stop_forkserver() -> None:
    """Stop a running forkserver so the next pool starts one with the current environment.

    A forkserver forks its workers from itself, so they inherit the environment it
    started with, not the one of the pool's creator.
    """
    try:
        from multiprocessing import forkserver

        server = forkserver._forkserver
        if getattr(server, "_forkserver_pid", None) is not None and hasattr(server, "_stop"):
            server._stop()
    except Exception:  # an internal of multiprocessing changed: keep the old behaviour
        pass


class Published:
    """The run's values as the process baseline and in ``HYPERPARAMETER_PARAMS``, undone on exit.

    Threads, fork-started workers (the baseline), and spawn- or forkserver-started
    workers (the environment variable, read when they import the package) see the
    values; on exit the previous baseline and variable come back exactly.
    """

    def __init__(self, collected: Collected) -> None:
        self.collected = collected
        self.previous: Any = None
        self.environ: Optional[str] = None

    def __enter__(self) -> Published:
        from ._propagate import ENV_VAR

        base = _scope.baseline()
        values = dict(base.params)
        sources = {key: base.source_of(key) for key in values}
        shadowed = {key: list(found) for key, found in self.collected.shadowed.items()}
        for key, value in self.collected.values.items():
            if key in base.params:
                shadowed.setdefault(key, []).append((base.params[key], sources[key]))
            values[key] = value
            sources[key] = self.collected.sources[key]
        self.previous = base
        self.environ = os.environ.get(ENV_VAR)
        text = _encoded(values)
        if text != self.environ:
            _stop_forkserver()
        _scope.set_baseline(values, sources, command_line_source(
            f"hp.launch at {user_location(2)}"))
        _scope.baseline().shadowed = shadowed
        if text is not None:
            os.environ[ENV_VAR] = text
        return self

    def __exit__(self, *exc: Any) -> None:
        from ._propagate import ENV_VAR

        _scope.restore(self.previous)
        if os.environ.get(ENV_VAR) != self.environ:
            _stop_forkserver()
            if self.environ is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = self.environ
