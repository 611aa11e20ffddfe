"""Threads, executors, asyncio tasks and hp.bind, with real threads and event loops."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

import hyperparameter as hp
from _support import run_in_thread
from hyperparameter.errors import ScopeError


def test_new_thread_starts_from_baseline_not_parent_scope():
    """A thread started inside a scope does not see that scope."""
    with hp.scope(**{"a": 1}):
        assert run_in_thread(lambda: hp.scope.a | 0) == 0


def test_new_thread_sees_frozen_baseline():
    """hp.frozen() values are what new threads start from."""
    with hp.scope(**{"a": 1}):
        hp.frozen()
    with hp.scope(**{"a": 2}):
        assert run_in_thread(lambda: hp.scope.a | 0) == 1


def test_running_thread_sees_new_baseline_at_next_read():
    """An already-running thread sees a new baseline at its next read, unless shadowed."""
    ready, published, done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def worker():
        seen["before"] = hp.scope.a | 0
        with hp.scope(**{"b": "mine"}):
            ready.set()
            published.wait(10)
            seen["after"] = hp.scope.a | 0
            seen["shadowed"] = hp.scope.b | ""
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    with hp.scope(**{"a": 7, "b": "baseline"}):
        hp.frozen()
    published.set()
    thread.join()
    assert seen == {"before": 0, "after": 7, "shadowed": "mine"}


def test_executor_workers_start_from_baseline():
    """Executor workers see the baseline, not the submitter's scope."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool, hp.scope(**{"a": 1}):
        assert pool.submit(lambda: hp.scope.a | 0).result() == 0


def test_bind_carries_scope_into_executor():
    """hp.bind(fn) runs fn under the parameters in force at bind time."""

    def work(x):
        return x * (hp.scope.a | 0)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        with hp.scope(**{"a": 3}):
            bound = hp.bind(work)
        assert [pool.submit(bound, x).result() for x in (1, 2)] == [3, 6]
        assert pool.submit(work, 1).result() == 0


def test_bind_copies_at_bind_time_and_isolates_writes():
    """Later scope changes do not reach the bound callable; its writes stay inside the call."""

    def work():
        value = hp.scope.a | 0
        hp.scope.a = 100
        return value

    with hp.scope(**{"a": 1}) as ps:
        bound = hp.bind(work)
        ps.a = 2
    assert bound() == 1 and bound() == 1
    assert hp.scope.a | 0 == 0


def test_bind_keeps_function_metadata():
    """A bound callable keeps the function's name and docstring."""

    def work():
        """Docs."""

    bound = hp.bind(work)
    assert bound.__name__ == "work" and bound.__doc__ == "Docs."


def test_bind_with_run_in_executor():
    """hp.bind works with loop.run_in_executor."""

    async def main():
        loop = asyncio.get_running_loop()
        with hp.scope(**{"a": 5}):
            plain = await loop.run_in_executor(None, lambda: hp.scope.a | 0)
            bound = await loop.run_in_executor(None, hp.bind(lambda: hp.scope.a | 0))
        return plain, bound

    assert asyncio.run(main()) == (0, 5)


def test_bind_of_coroutine_function():
    """hp.bind of an async function runs the coroutine under the captured parameters."""

    async def work():
        await asyncio.sleep(0)
        return hp.scope.a | 0

    with hp.scope(**{"a": 4}):
        bound = hp.bind(work)
    assert asyncio.run(bound()) == 4


def test_task_inherits_creating_scope_and_does_not_leak():
    """A task starts with its creator's scope; its own scopes never leak out."""

    async def child(value, started, release):
        inherited = hp.scope.a | 0
        with hp.scope(**{"a": value}):
            started.set()
            await release.wait()
            return inherited, hp.scope.a | 0

    async def main():
        release = asyncio.Event()
        with hp.scope(**{"a": 1}):
            events = [asyncio.Event(), asyncio.Event()]
            tasks = [asyncio.create_task(child(v, e, release)) for v, e in zip((10, 20), events)]
        for event in events:
            await event.wait()
        parent_view = hp.scope.a | 0
        release.set()
        return parent_view, await asyncio.gather(*tasks)

    parent_view, results = asyncio.run(main())
    assert parent_view == 0
    assert results == [(1, 10), (1, 20)]


def test_exit_in_another_thread_is_an_error_and_changes_nothing():
    """Exiting a scope from another thread raises there and leaves both threads intact."""
    s = hp.scope(**{"a": 1})
    s.__enter__()
    try:
        with pytest.raises(ScopeError, match="another one"):
            run_in_thread(lambda: s.__exit__(None, None, None))
        assert hp.scope.a | 0 == 1
    finally:
        s.__exit__(None, None, None)
    assert hp.scope.a | 0 == 0


def test_exit_in_another_task_is_an_error():
    """Exiting a scope from another asyncio task raises and leaves the entering task intact."""

    async def main():
        s = hp.scope(**{"a": 1})
        s.__enter__()

        async def other():
            s.__exit__(None, None, None)

        with pytest.raises(ScopeError, match="another one"):
            await asyncio.create_task(other())
        value = hp.scope.a | 0
        s.__exit__(None, None, None)
        return value, hp.scope.a | 0

    assert asyncio.run(main()) == (1, 0)


def test_threads_do_not_see_each_others_scopes():
    """Concurrent threads each see only their own scope values."""
    barrier = threading.Barrier(4)
    errors = []

    def worker(n):
        for i in range(500):
            with hp.scope(**{"w.id": n, "w.i": i}):
                if i == 0:
                    barrier.wait(10)
                if (hp.scope.w.id | -1, hp.scope.w.i | -1) != (n, i):
                    errors.append((n, i))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
