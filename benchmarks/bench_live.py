"""Live parameters: read cost with and without a store attached, and publish-to-workers latency.

Run: python benchmarks/bench_live.py [--quick] [--workers N] [--rounds N] [--json PATH]

Read cost: ``hp.scope.llm.temperature | 1.0`` as a ratio to a plain dict read
(``d["a"]["b"]``), both timed as ``timeit`` *statement* strings with the CPU
time of this process (which includes the watcher thread's polling), in turns,
best of several repeats. Three baselines: attached to a file store (its
watcher running), the same values after ``detach()`` (nothing attached: the
difference is the attachment alone), and the value published by
``hp.frozen()``. The ratios should match; the project promises no read cost.

Latency: N worker processes attach to one store and spin reading the key;
each publish (by this process) records the wall-clock time until the last
worker has seen the new value. File stores poll (``--interval``, default
0.2 s); Redis stores are notified, and are measured when ``redis-server`` and
the ``redis`` client are installed (a server of our own on a free port).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
DICT_READ = 'd["a"]["b"]'
READ = "hp.scope.llm.temperature | 1.0"

# A worker: attach, say "ready", then print the wall time at which each new value was seen.
WORKER = r"""
import sys, time
import hyperparameter as hp
from hyperparameter.stores import attach
handle = attach(sys.argv[1], interval=float(sys.argv[2]))
last = hp.scope.llm.temperature | 1.0
print("ready", flush=True)
while True:
    value = hp.scope.llm.temperature | 1.0
    if value != last:
        print(repr(time.time()), value, flush=True)
        last = value
        if value < 0:
            break
    time.sleep(0.0005)
"""


def best_pair(stmt: str, base: str, ns: Dict[str, Any], repeat: int,
              number: int) -> Tuple[float, float]:
    """Return the best ns/op of ``stmt`` and of ``base`` (statement strings), timed in turns."""
    subject = timeit.Timer(stmt, timer=time.process_time, globals=ns)
    baseline = timeit.Timer(base, timer=time.process_time, globals=ns)
    best_s = best_b = float("inf")
    for _ in range(repeat):
        best_b = min(best_b, baseline.timeit(number) / number * 1e9)
        best_s = min(best_s, subject.timeit(number) / number * 1e9)
    return best_s, best_b


def read_costs(directory: str, quick: bool, interval: float) -> Dict[str, Dict[str, float]]:
    """Return ns/op and ratio of a read: attached, after detach, and from hp.frozen()."""
    import hyperparameter as hp
    from hyperparameter.stores import FileStore, attach
    from hyperparameter.testing import isolated

    repeat, number = (3, 20_000) if quick else (9, 200_000)
    ns: Dict[str, Any] = {"hp": hp, "d": {"a": {"b": 1}}}
    results: Dict[str, Dict[str, float]] = {}
    store = FileStore(os.path.join(directory, "read.json"))
    store.publish({"llm.temperature": 0.7})

    def record(name: str) -> None:
        assert hp.scope.llm.temperature | 1.0 == 0.7
        subject, base = best_pair(READ, DICT_READ, ns, repeat, number)
        results[name] = {"ns": subject, "dict_ns": base, "ratio": subject / base}

    with isolated():
        handle = attach(store, interval=interval)
        record("attached")
        handle.detach()
        record("detached")
    with isolated():
        with hp.scope(**{"llm.temperature": 0.7}):
            hp.frozen()
        record("frozen")
    return results


def start_redis(directory: str) -> Optional[Tuple[subprocess.Popen, str]]:
    """Start a redis-server on a free port; None when the server or the client is missing."""
    binary = shutil.which("redis-server")
    try:
        import redis
    except ImportError:
        return None
    if binary is None:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_timeout=1).ping():
                return process, f"redis://127.0.0.1:{port}/0?key=bench"
        except redis.RedisError:
            time.sleep(0.05)
    process.kill()
    return None


def latency(url: str, workers: int, rounds: int, interval: float) -> List[float]:
    """Return, per publish, the seconds until the last of ``workers`` processes saw it."""
    from hyperparameter.stores import open_store

    store = open_store(url)
    store.publish({"llm.temperature": 0.5})
    env = dict(os.environ)
    env.pop("HYPERPARAMETER_PARAMS", None)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(interval)], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    times: List[float] = []
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for n in range(rounds):
            value = -1.0 if n == rounds - 1 else round(0.1 + n * 0.01, 2)
            start = time.time()
            store.publish({"llm.temperature": value})
            seen = []
            for proc in procs:
                assert proc.stdout is not None
                stamp, got = proc.stdout.readline().split()
                assert float(got) == value
                seen.append(float(stamp))
            times.append(max(seen) - start)
            time.sleep(interval / 3)  # publish out of phase with the workers' polling
    finally:
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return times


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and rounds")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (4)")
    parser.add_argument("--rounds", type=int, default=None, help="publishes per store (20)")
    parser.add_argument("--interval", type=float, default=0.2, help="file polling interval")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    workers = args.workers or (2 if args.quick else 4)
    rounds = args.rounds or (3 if args.quick else 20)
    out: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        out["reads"] = read_costs(directory, args.quick, args.interval)
        print(f"{'read: ' + READ:<46} {'ns':>8} {'dict ns':>8} {'ratio':>6}")
        for name, row in out["reads"].items():
            print(f"  {name:<44} {row['ns']:8.1f} {row['dict_ns']:8.1f} {row['ratio']:6.2f}")
        stores = [("file", f"file://{directory}/live.json")]
        redis = None if args.quick else start_redis(directory)
        if redis is not None:
            stores.append(("redis", redis[1]))
        out["latency"] = {}
        print(f"\npublish -> all {workers} workers see it ({rounds} publishes; "
              f"file polling every {args.interval} s)")
        try:
            for name, url in stores:
                times = latency(url, workers, rounds, args.interval)
                out["latency"][name] = {"median_s": statistics.median(times), "max_s": max(times)}
                print(f"  {name:<8} median {statistics.median(times) * 1e3:8.1f} ms   "
                      f"max {max(times) * 1e3:8.1f} ms")
        finally:
            if redis is not None:
                redis[0].terminate()
                redis[0].wait(timeout=30)
        if redis is None and not args.quick:
            print("  redis    skipped: redis-server or the redis client is not installed")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
