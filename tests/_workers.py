"""Functions that process-pool and Ray tests send to child processes.

They live in a module of their own so a ``spawn`` or ``forkserver`` child can
import them by name: the child gets the parent's ``sys.path`` (which holds this
folder under pytest), imports this module and finds the function.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Iterable, Tuple

import hyperparameter as hp
from hyperparameter import _scope


def read(keys: Iterable[str]) -> Dict[str, Any]:
    """Return each key's value in this process (None when no layer defines it)."""
    return {key: hp.scope[key] | None for key in keys}


def scaled(x: float) -> float:
    """Return x times ``train.lr`` (0.0 when unset): a typical worker body."""
    return x * (hp.scope.train.lr | 0.0)


def read_with_pid(keys: Iterable[str]) -> Tuple[int, Dict[str, Any]]:
    """Return this process's id and what it reads for ``keys``."""
    return os.getpid(), read(keys)


def read_under(snapshot: Any, keys: Iterable[str]) -> Dict[str, Any]:
    """Enter ``snapshot`` as a scope here and read ``keys`` inside it."""
    with hp.scope(snapshot):
        return read(keys)


def stack_depth() -> int:
    """Return how many scopes are open in the calling thread of this process."""
    return _scope.current_stack_depth()


def baseline() -> Dict[str, Any]:
    """Return this process's baseline as a plain dict."""
    return dict(_scope.baseline().params)


async def read_async(key: str) -> Any:
    """Read ``key`` after an await, as a coroutine worker would."""
    await asyncio.sleep(0)
    return hp.scope[key] | None


def run_coroutine(fn: Any, *args: Any) -> Any:
    """Run the coroutine function ``fn(*args)`` to completion in this process."""
    return asyncio.run(fn(*args))


def call(fn: Any, *args: Any) -> Any:
    """Call ``fn(*args)``: the generic task that carries an ``hp.bind`` callable."""
    return fn(*args)


class Trainer:
    """A stateful worker (a Ray actor in the tests) that reads parameters in its methods."""

    def __init__(self, params: Any) -> None:
        self._scope = hp.scope(params)

    def lr(self) -> Any:
        """Return ``train.lr`` as seen under the parameters given at construction."""
        with self._scope:
            return hp.scope.train.lr | 0.0

    def unscoped_lr(self) -> Any:
        """Return ``train.lr`` outside the actor's scope (the worker's own baseline)."""
        return hp.scope.train.lr | 0.0
