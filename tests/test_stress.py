"""Isolation under load: many threads, many asyncio tasks, both at once, and hp.frozen() mid-read.

Each test runs real threads and event loops with the interpreter's thread switch
interval cut to a microsecond, so threads interleave inside the engine's code
paths far more often than in normal runs. Counts are sized for a few seconds on
2 cores; ``HP_STRESS_FULL=1`` runs the full counts of issue 6 (16 threads x
50,000 iterations).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List, Set

import pytest

import hyperparameter as hp
from hyperparameter import _scope

pytestmark = pytest.mark.stress

FULL = os.environ.get("HP_STRESS_FULL") == "1"
THREADS = 16
ITERATIONS = 50_000 if FULL else 10_000
TASKS = 5_000
GENERATIONS = 10_000 if FULL else 2_000
CHECKPOINT = 10  # the writer waits for every reader at each 10th generation


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    """Make threads switch every microsecond while the test runs."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(saved)


def run_threads(count: int, target: Callable[[int], None]) -> None:
    """Run target(0..count-1) in real threads started together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    failures: List[BaseException] = []

    def body(n: int) -> None:
        try:
            barrier.wait(30)
            target(n)
        except BaseException as exc:  # reported in the calling thread
            failures.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def publish(values: Dict[str, Any]) -> None:
    """Make ``values`` the process-wide baseline."""
    with hp.scope(**values):
        hp.frozen()


def test_threads_enter_write_read_exit_without_wrong_reads():
    """16 threads enter, write, read and exit scopes in a loop: every read is the thread's own."""
    publish({"shared": "base", "t.id": -1})
    baseline = _scope.baseline()
    wrong: List[tuple] = []

    def worker(tid: int) -> None:
        bad = 0
        for i in range(ITERATIONS):
            with hp.scope(**{"t.id": tid}) as ps:
                ps["t.i"] = i
                if i % 2:
                    hp.scope.t.odd = True  # write into the innermost scope, i.e. ps
                if (
                    hp.scope.t.id() != tid
                    or hp.scope["t.i"] | -1 != i
                    or (hp.scope.t.odd | False) != bool(i % 2)
                    or hp.scope.shared | "" != "base"
                ):
                    bad += 1
            if hp.scope.t.id() != -1 or "t.i" in hp.scope or "t.odd" in hp.scope:
                bad += 1
        if bad:
            wrong.append((tid, bad))

    run_threads(THREADS, worker)
    assert wrong == []
    assert _scope.baseline() is baseline
    assert dict(baseline.params) == {"shared": "base", "t.id": -1}
    assert _scope.current_stack_depth() == 0


def test_one_scope_object_entered_by_many_threads_at_once():
    """One scope object entered and exited by 8 threads at once: each sees it, none errs."""
    shared = hp.scope(**{"shared.value": 1})
    wrong: List[tuple] = []

    def worker(tid: int) -> None:
        for i in range(ITERATIONS // 4):
            with shared, hp.scope(**{"t.id": tid}):
                if hp.scope.shared.value() != 1 or hp.scope.t.id() != tid:
                    wrong.append((tid, i))
            if "shared.value" in hp.scope:
                wrong.append((tid, i, "left open"))

    run_threads(8, worker)
    assert wrong == []
    assert "shared.value" not in hp.scope


def test_asyncio_tasks_nest_scopes_across_awaits_without_wrong_reads():
    """5,000 tasks each nest scopes across awaits; children inherit; the parent is restored."""

    async def child(expected: Dict[str, Any]) -> bool:
        await asyncio.sleep(0)
        return all(hp.scope[k] | None == v for k, v in expected.items())

    async def task(n: int, everyone_inside: asyncio.Event, counter: List[int]) -> int:
        bad = 0
        if hp.scope.parent | "" != "p":
            bad += 1
        with hp.scope(**{"task.id": n}):
            counter[0] += 1
            if counter[0] == TASKS:
                everyone_inside.set()
            await everyone_inside.wait()  # all 5,000 scopes are open at once here
            if hp.scope.task.id() != n:
                bad += 1
            with hp.scope(**{"task.depth": 2}) as inner:
                inner["task.double"] = 2 * n
                await asyncio.sleep(0)
                expected = {"task.id": n, "task.depth": 2, "task.double": 2 * n, "parent": "p"}
                spawned = asyncio.create_task(child(expected))
                if not all(hp.scope[k] | None == v for k, v in expected.items()):
                    bad += 1
            if not await spawned:  # still sees the scope it was created in, now closed here
                bad += 1
            await asyncio.sleep(0)
            if hp.scope.task.id() != n or "task.depth" in hp.scope:
                bad += 1
        if "task.id" in hp.scope or hp.scope.parent | "" != "p":
            bad += 1
        return bad

    async def main() -> List[int]:
        everyone_inside = asyncio.Event()
        counter = [0]
        with hp.scope(parent="p"):
            tasks = [asyncio.create_task(task(n, everyone_inside, counter)) for n in range(TASKS)]
            results = await asyncio.gather(*tasks)
            assert hp.scope.parent() == "p" and "task.id" not in hp.scope
        assert "parent" not in hp.scope
        return results

    assert sum(asyncio.run(main())) == 0


def test_threads_running_event_loops_stay_isolated():
    """4 threads each run an event loop of 500 tasks inside a thread scope; nothing crosses."""
    loops, tasks_per_loop = 4, 500

    async def task(tid: int, n: int) -> int:
        with hp.scope(**{"task.id": n}):
            await asyncio.sleep(0)
            ok = hp.scope.thread.id() == tid and hp.scope.task.id() == n
            await asyncio.sleep(0)
            ok = ok and hp.scope.thread.id() == tid and hp.scope.task.id() == n
        return 0 if ok and "task.id" not in hp.scope else 1

    async def loop_main(tid: int) -> int:
        results = await asyncio.gather(*(task(tid, n) for n in range(tasks_per_loop)))
        return sum(results)

    bad: Dict[int, int] = {}

    def worker(tid: int) -> None:
        with hp.scope(**{"thread.id": tid}):
            bad[tid] = asyncio.run(loop_main(tid))
            bad[tid] += hp.scope.thread.id() != tid
        bad[tid] += "thread.id" in hp.scope

    run_threads(loops, worker)
    assert bad == dict.fromkeys(range(loops), 0)


def test_frozen_while_readers_run_each_read_sees_one_whole_baseline():
    """hp.frozen() publishes generations while readers run; no captured set mixes two of them.

    Two separate reads may straddle a publication, so they can see different
    generations: that is allowed. What the engine guarantees, and this checks, is
    that one read sees one baseline, that a thread never sees an older baseline
    after a newer one, and that hp.bind and hp.snapshot capture all keys from
    the same baseline. A scope of the reader still shadows the baseline. At
    every 10th generation the writer waits until each reader has seen it, so the
    readers provably run while the baseline changes under them.
    """
    publish({"gen.a": 0, "gen.b": 0})
    kinds = ["single", "single", "bind", "snapshot", "shadowed"]
    progress = [0] * len(kinds)
    advanced = threading.Condition()
    done, failed = threading.Event(), threading.Event()
    problems: List[str] = []
    seen: List[Set[int]] = [set() for _ in kinds]

    def pair() -> tuple:
        return hp.scope.gen.a(), hp.scope.gen.b()

    def writer() -> None:
        try:
            for gen in range(1, GENERATIONS + 1):
                publish({"gen.a": gen, "gen.b": gen})
                if gen % CHECKPOINT:
                    continue
                with advanced:
                    advanced.wait_for(lambda g=gen: min(progress) >= g or failed.is_set(), 30)
                if failed.is_set() or min(progress) < gen:
                    problems.append(f"readers stopped before generation {gen}")
                    return
        finally:
            done.set()

    def reader(index: int) -> None:
        try:
            read_until_done(index)
        except BaseException:
            with advanced:  # let the writer stop at once rather than wait for this reader
                failed.set()
                advanced.notify_all()
            raise

    def read_until_done(index: int) -> None:
        kind, last = kinds[index], 0
        while not done.is_set():
            if kind == "bind":
                a, b = hp.bind(pair)()
            elif kind == "snapshot":
                snap = hp.snapshot()
                a, b = snap.gen.a, snap.gen.b
            elif kind == "shadowed":
                with hp.scope(**{"gen.a": -1}):
                    shadowed, b = pair()
                if shadowed != -1:
                    problems.append(f"shadowed: read {shadowed} through the reader's own scope")
                a = b
            else:
                a = b = hp.scope.gen.a()
            if a != b or not 0 <= a <= GENERATIONS:
                problems.append(f"{kind}: mixed or invalid generations {a}, {b}")
            if a < last:
                problems.append(f"{kind}: generation went back from {last} to {a}")
            seen[index].add(a)
            if a > last:
                last = a
                with advanced:
                    progress[index] = a
                    advanced.notify_all()

    run_threads(len(kinds) + 1, lambda n: writer() if n == len(kinds) else reader(n))
    assert problems == []
    checkpoints = set(range(CHECKPOINT, GENERATIONS + 1, CHECKPOINT))
    assert [checkpoints - s for s in seen] == [set()] * len(kinds)
    assert pair() == (GENERATIONS, GENERATIONS)
