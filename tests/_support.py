"""Helpers shared by several test modules (not tests themselves)."""

from __future__ import annotations

import contextlib
import enum
import math
import sys
import threading
from typing import Any, Callable, Dict, Iterator, TypeVar

T = TypeVar("T")


def run_in_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a new thread and return its result (or raise its exception)."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@contextlib.contextmanager
def modules_replaced(replacements: Dict[str, Any]) -> Iterator[None]:
    """Put ``replacements`` in ``sys.modules`` for the block, then put back what was there.

    Only those names are restored (not ``mock.patch.dict(sys.modules)``, which also drops
    every module first imported inside the block: a C extension such as PyYAML's
    ``_yaml`` then stays bound to the dropped package's classes and breaks later imports).
    """
    missing = object()
    before = {name: sys.modules.get(name, missing) for name in replacements}
    sys.modules.update(replacements)
    try:
        yield
    finally:
        for name, module in before.items():
            if module is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def same(got: Any, want: Any) -> bool:
    """Compare with types: 1 is not 1.0 nor True; NaN equals NaN; lists item by item."""
    if type(got) is not type(want):
        return False
    if isinstance(want, float):
        return got == want or (math.isnan(got) and math.isnan(want))
    if isinstance(want, list):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return bool(got == want)


class Mode(enum.IntEnum):
    """An int enum for defaults and annotations."""

    FAST = 1
    SLOW = 2


class Opt(enum.Enum):
    """A plain enum for defaults and annotations."""

    SGD = "sgd"
    ADAM = "adam"
