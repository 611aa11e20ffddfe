"""Helpers shared by several test modules (not tests themselves)."""

from __future__ import annotations

import enum
import math
import threading
from typing import Any, Callable, TypeVar

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
