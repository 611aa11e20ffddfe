"""Shared fixtures: every test starts and ends with no scope, an empty baseline, no reads."""

from __future__ import annotations

from typing import Iterator

import pytest

from hyperparameter.testing import isolated


@pytest.fixture(autouse=True)
def clean_parameters() -> Iterator[None]:
    """Give each test an empty stack and baseline, and check it closed its scopes."""
    with isolated(check_closed=True):
        yield
