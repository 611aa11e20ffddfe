"""Test support: run code with a clean slate of parameters.

Use :func:`isolated` in your own test suite (and ours does) so that no test sees
another's scopes, baseline or read records::

    import hyperparameter as hp
    from hyperparameter.testing import isolated

    def test_training_uses_the_override():
        with isolated():
            with hp.scope(**{"train.lr": 0.5}):
                assert train() == 0.5

Inside the block the current thread or task has no scope open, the baseline is
empty (``HYPERPARAMETER_PARAMS`` is not applied) and nothing has been recorded
as read; on exit the previous stack, baseline and records are restored, even
when the block raises. As a pytest fixture::

    @pytest.fixture(autouse=True)
    def clean_parameters():
        with isolated(check_closed=True):
            yield
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from . import _scope

__all__ = ["isolated"]


@contextlib.contextmanager
def isolated(check_closed: bool = False) -> Iterator[None]:
    """Run the block with no open scope, an empty baseline and no read records; then restore.

    With ``check_closed=True`` a block that leaves a scope open (entered but
    never exited) fails with ``AssertionError`` after the state was restored.
    """
    state = _scope.save_state()
    try:
        yield
        left_open = _scope.current_stack_depth()
    finally:
        _scope.restore_state(state)
    if check_closed and left_open:
        raise AssertionError(
            f"{left_open} scope(s) were left open by the block: exit every scope you enter "
            "(use `with hp.scope(...):`)"
        )
