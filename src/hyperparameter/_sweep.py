"""Sweeps (``-m``): every combination of comma-separated ``-D`` values, each run its own process.

Each run re-runs the launched script with one value per key (``DIR/0``, ``DIR/1``,
... under ``--run-dir DIR``), ``--jobs N`` at a time, on local processes or as Ray
tasks (``--launcher ray``). A progress line shows done / running / failed and the
elapsed time; a summary table follows; a failed run is shown with its overrides
and the end of its log, the others still finish, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

from ._cmdline import Define, split_top_level

__all__ = ["combinations", "sweep"]

# Launcher options that a single run of the sweep must not see again.
_DROP_WITH_VALUE = ("-D", "--define", "--jobs", "--launcher", "--ray-address", "--run-dir")
_DROP = ("-m", "--multirun")
_LOG_TAIL = 20


def combinations(defines: Sequence[str]) -> List[List[str]]:
    """Return the ``-D`` lists of a sweep: the cartesian product of each key's values.

    ``a=1,2`` is two values; a comma inside brackets or quotes is not a
    separator (``a=[1,2]`` is one list value).
    """
    choices = []
    for text in defines:
        define = Define(text)
        prefix = text[: len(text) - len(define.value)]
        values = split_top_level(define.value, ",")
        choices.append([prefix + value for value in values])
    return [list(combo) for combo in itertools.product(*choices)]


def _base_arguments(argv: Sequence[str]) -> List[str]:
    """Return ``argv`` without the sweep options and the ``-D`` values (each run gets its own)."""
    out: List[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        name = item.split("=", 1)[0]
        if item in _DROP:
            index += 1
        elif item in _DROP_WITH_VALUE:
            index += 2
        elif name in _DROP_WITH_VALUE[1:] and "=" in item:
            index += 1
        elif item.startswith("-D") and len(item) > 2:
            index += 1
        else:
            out.append(item)
            index += 1
    return out


def _script_command(fn: Any = None) -> List[str]:
    main = sys.modules.get("__main__")
    if fn is not None and getattr(fn, "__module__", None) != "__main__" and not any(
            value is fn for value in vars(main).values()):
        raise ValueError(
            f"a sweep (-m) runs the script that launched {getattr(fn, '__name__', fn)!r} once "
            "per combination, but this program's main module does not hold it; call "
            "hp.launch from the script you run (python script.py -m ...)"
        )
    spec = getattr(main, "__spec__", None)
    if spec is not None and getattr(spec, "name", None):
        name = spec.name[:-len(".__main__")] if spec.name.endswith(".__main__") else spec.name
        return [sys.executable, "-m", name]
    path = getattr(main, "__file__", None)
    if not path or not os.path.isfile(path):
        raise ValueError(
            "a sweep (-m) runs the launched script once per combination, but this program "
            "was not started from a script file; run it as 'python script.py -m ...'"
        )
    return [sys.executable, os.path.abspath(path)]


def _run_local(command: List[str], env: Dict[str, str], cwd: str) -> Tuple[int, str]:
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        code = subprocess.run(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode
        log.seek(0)
        return code, log.read()


class _Progress:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream = total, stream
        self.started = time.monotonic()
        self.last = ""
        self.tty = stream.isatty()

    def show(self, done: int, running: int, failed: int) -> None:
        line = (f"[sweep] {done}/{self.total} done, {running} running, {failed} failed, "
                f"{time.monotonic() - self.started:.1f}s")
        key = line.rsplit(",", 1)[0]
        if self.tty:
            self.stream.write("\r" + line)
        elif key != self.last:
            self.stream.write(line + "\n")
        self.last = key
        self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _submitter(args: argparse.Namespace) -> Tuple[Any, Any]:
    """Return ``(submit, close)`` for the launcher: ``submit(command, env, cwd)`` -> a Future."""
    if args.launcher == "ray":
        import ray

        if not ray.is_initialized():
            ray.init(address=args.ray_address, include_dashboard=False,
                     log_to_driver=False, ignore_reinit_error=True)
        remote = ray.remote(num_cpus=1)(_run_local)

        def submit(command: List[str], env: Dict[str, str], cwd: str) -> Any:
            return remote.remote(command, env, cwd).future()

        return submit, lambda: None
    pool = concurrent.futures.ThreadPoolExecutor(max(1, args.jobs))
    return (lambda command, env, cwd: pool.submit(_run_local, command, env, cwd)), pool.shutdown


def sweep(args: argparse.Namespace, argv: Sequence[str], parser: argparse.ArgumentParser,
          fn: Any = None, stream: Optional[TextIO] = None) -> int:
    """Run the sweep ``args`` describe; return the exit status (1 when a run failed)."""
    from ._launch import ARGV_VAR, RUN_DIR_VAR

    out = stream or sys.stderr
    try:
        combos = combinations(args.define)
        command = _script_command(fn)
    except ValueError as exc:
        parser.error(str(exc))
    if args.launcher == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            parser.error("--launcher ray needs Ray: pip install 'ray[default]'")
    run_dir = args.run_dir or os.environ.get(RUN_DIR_VAR) or None
    base = _base_arguments(argv)
    jobs = max(1, args.jobs)
    submit, close = _submitter(args)
    runs: List[Dict[str, Any]] = []
    for index, defines in enumerate(combos):
        arguments = list(base)
        for define in defines:
            arguments += ["-D", define]
        if run_dir:
            arguments += ["--run-dir", os.path.join(run_dir, str(index))]
        env = dict(os.environ, **{ARGV_VAR: json.dumps(arguments)})
        env.pop(RUN_DIR_VAR, None)
        runs.append({"index": index, "defines": defines, "env": env, "status": "pending"})
    progress = _Progress(len(runs), out)
    pending = list(runs)
    running: Dict[Any, Dict[str, Any]] = {}
    done = failed = 0
    try:
        while pending or running:
            while pending and len(running) < jobs:
                item = pending.pop(0)
                item["started"] = time.monotonic()
                item["status"] = "running"
                running[submit(command, item["env"], os.getcwd())] = item
            progress.show(done, len(running), failed)
            finished, _ = concurrent.futures.wait(
                list(running), timeout=1.0, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                item = running.pop(future)
                item["seconds"] = time.monotonic() - item["started"]
                try:
                    code, log = future.result()
                except Exception as exc:  # the launcher itself failed (Ray task lost, ...)
                    code, log = -1, f"{type(exc).__name__}: {exc}\n"
                item["code"], item["log"] = code, log
                item["status"] = "ok" if code == 0 else "failed"
                done += 1
                failed += code != 0
                _save_log(item, run_dir)
        progress.show(done, 0, failed)
    finally:
        close()
        progress.end()
    _summary(runs, out)
    return 1 if failed else 0


def _save_log(item: Dict[str, Any], run_dir: Optional[str]) -> None:
    if not run_dir:
        return
    folder = os.path.join(run_dir, str(item["index"]))
    try:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "log.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(item["log"])
        item["log_path"] = path
    except OSError:
        pass


def _summary(runs: List[Dict[str, Any]], out: TextIO) -> None:
    from ._provenance import format_table

    rows = [(str(r["index"]), r["status"], f"{r.get('seconds', 0.0):.1f}s",
             " ".join(f"-D {d}" for d in r["defines"])) for r in runs]
    out.write(format_table(("run", "status", "time", "overrides"), rows) + "\n")
    bad = [r for r in runs if r["status"] != "ok"]
    for item in bad:
        tail = "\n".join(item.get("log", "").splitlines()[-_LOG_TAIL:])
        where = f" (log: {item['log_path']})" if "log_path" in item else ""
        out.write(f"\nrun {item['index']} failed with exit status {item.get('code')}: "
                  f"{' '.join('-D ' + d for d in item['defines'])}{where}\n")
        out.write("".join(f"  | {line}\n" for line in tail.splitlines()))
    total = len(runs)
    out.write(f"{total - len(bad)} of {total} runs succeeded"
              f"{f', {len(bad)} failed' if bad else ''}\n")
