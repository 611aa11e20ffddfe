"""Shared fixtures: every test starts and ends with no scope, an empty baseline, no reads."""

from __future__ import annotations

from typing import Iterator

import pytest

from hyperparameter import _scope


@pytest.fixture(autouse=True)
def clean_parameters() -> Iterator[None]:
    """Give each test an empty stack and baseline, and check it closed its scopes."""
    saved_baseline = _scope._baseline
    token = _scope._stack.set(())
    _scope._baseline = _scope._new_layer(origin="empty test baseline")
    _scope._reads.clear()
    try:
        yield
        assert _scope._stack.get() == (), "the test left a scope open"
    finally:
        _scope._stack.reset(token)
        _scope._baseline = saved_baseline
        _scope._reads.clear()
