"""Read throughput with 1, 2, 4 and 8 threads, beside the same loop on a plain dict.

Run: python benchmarks/bench_threads.py [--quick] [--check]

Each thread opens its own scope and reads a parameter from it in a loop
(``hp.scope.a.b | 0``); the baseline does the same loop on the thread's own
nested dict (``d["a"]["b"]``). A fixed number of reads is split across the
threads, all start together, and the figure is total reads per second of wall
time (best of several runs, hp and dict runs interleaved so both see the same
machine load).

Reads take no lock, so adding threads must not lower total throughput by more
than 20%: the "N/1" columns (N-thread total over 1-thread total) should stay
at or above 0.80. Under the GIL only one thread runs Python at a time, so the
ideal is flat (1.00); on a free-threaded build it can grow. ``--check`` exits 1
if hp's N/1 falls below 0.80 for any N.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Callable, Dict, List

import hyperparameter as hp

THREADS = [1, 2, 4, 8]
FLOOR = 0.80  # the lowest N-thread / 1-thread total throughput allowed


def hp_reader(tid: int, reads: int) -> None:
    """Read ``a.b`` from this thread's own scope ``reads`` times (ten per loop turn)."""
    with hp.scope(**{"a.b": tid}):
        acc = hp.scope.a
        for _ in range(reads // 10):
            acc.b | 0; acc.b | 0; acc.b | 0; acc.b | 0; acc.b | 0  # noqa: E702
            acc.b | 0; acc.b | 0; acc.b | 0; acc.b | 0; acc.b | 0  # noqa: E702
            if hp.scope.a.b | 0 != tid:
                raise AssertionError(f"thread {tid} read another thread's value")


def dict_reader(tid: int, reads: int) -> None:
    """Read ``d["a"]["b"]`` from this thread's own dict ``reads`` times (ten per loop turn)."""
    d = {"a": {"b": tid}}
    for _ in range(reads // 10):
        d["a"]["b"]; d["a"]["b"]; d["a"]["b"]; d["a"]["b"]; d["a"]["b"]  # noqa: E702
        d["a"]["b"]; d["a"]["b"]; d["a"]["b"]; d["a"]["b"]; d["a"]["b"]  # noqa: E702
        if d["a"]["b"] != tid:
            raise AssertionError("unreachable")


def throughput(reader: Callable[[int, int], None], threads: int, total: int) -> float:
    """Return total reads per second of wall time for ``threads`` threads sharing ``total``."""
    per_thread = total // threads
    start = threading.Barrier(threads + 1)

    def body(tid: int) -> None:
        start.wait()
        reader(tid, per_thread)

    workers = [threading.Thread(target=body, args=(tid,)) for tid in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    return per_thread * threads / elapsed


def measure(total: int, repeat: int) -> Dict[str, Dict[int, float]]:
    """Return the best reads/s for each reader and thread count."""
    best: Dict[str, Dict[int, float]] = {"dict": {}, "hp": {}}
    for _ in range(repeat):
        for threads in THREADS:
            for name, reader in (("dict", dict_reader), ("hp", hp_reader)):
                rate = throughput(reader, threads, total)
                best[name][threads] = max(best[name].get(threads, 0.0), rate)
    return best


def main(argv: List[str]) -> int:
    """Print the table; with --check, exit 1 if hp's throughput drops more than 20%."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few reads, one run (smoke test)")
    parser.add_argument("--check", action="store_true", help="exit 1 if hp's N/1 < 0.80")
    args = parser.parse_args(argv)
    total, repeat = (200_000, 1) if args.quick else (2_000_000, 5)
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"read throughput, {total:,} reads split across the threads, best of {repeat} "
          f"(Python {sys.version.split()[0]}, GIL {'on' if gil else 'off'})")
    best = measure(total, repeat)
    one = {name: rates[1] for name, rates in best.items()}
    print(f"{'threads':>7} {'dict reads/s':>14} {'hp reads/s':>14} {'hp/dict':>8} "
          f"{'dict N/1':>9} {'hp N/1':>7}")
    worst = 1.0
    for threads in THREADS:
        d, h = best["dict"][threads], best["hp"][threads]
        worst = min(worst, h / one["hp"])
        print(f"{threads:>7} {d:14,.0f} {h:14,.0f} {h / d:8.2f} "
              f"{d / one['dict']:9.2f} {h / one['hp']:7.2f}")
    verdict = "ok" if worst >= FLOOR else "BELOW"
    print(f"lowest hp N/1: {worst:.2f} (must stay >= {FLOOR:.2f}: {verdict})")
    return 1 if args.check and worst < FLOOR else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
