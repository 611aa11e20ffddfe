"""This project beside the libraries its users would otherwise pick, on the same workloads.

Run: python benchmarks/compare.py [--quick] [--only LIB ...] [--markdown [PATH]]

Each peer runs in its own virtual environment under ``benchmarks/.venvs/``,
created with pip on the first run and reused afterwards (``--rebuild`` makes
them again). ``hyperparameter`` 0.6 has the same import name as this project,
so every library is timed in a separate child process
(``benchmarks/compare_worker.py``); each child also times a plain-dict
baseline for every workload, in the same process, repeat by repeat.

The table shows, per workload and library: the best and the median time per
operation over the repeats (CPU time of the child process, so that other jobs on
a shared machine do not inflate it), the best time of the plain-dict baseline, the
ratio best / baseline best, and this project's speed-up over the peer. The
speed-up divides the two ratios (peer ratio / our ratio), so a difference in
speed between the child processes cancels out; above 1 means this project is
faster. ``n/a`` marks a workload the library has no feature for.

``--quick`` times each figure briefly (a smoke run, not for publishing);
``--only hyperparameter`` times this project alone and creates no venv.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "compare_worker.py")
DEFAULT_VENVS = os.path.join(HERE, ".venvs")

OURS = "hyperparameter"
# library -> (label in the table, pip requirements of its venv). Pinned so that
# figures from two runs compare; bump a pin deliberately and re-run.
PEERS: Dict[str, Any] = {
    "hyperparameter-0.6": ("hyperparameter 0.6", ["hyperparameter==0.6.0", "PyYAML"]),
    "yacs": ("yacs", ["yacs==0.1.8", "PyYAML"]),
    "omegaconf": ("omegaconf", ["omegaconf==2.4.0", "PyYAML"]),
    "ml_collections": ("ml_collections", ["ml-collections==1.1.0", "PyYAML"]),
}
LIBRARIES = [OURS, *PEERS]
LABELS = {OURS: "hyperparameter (this project)", **{k: v[0] for k, v in PEERS.items()}}


# --------------------------------------------------------------------------- venvs


def venv_python(venvs: str, library: str) -> str:
    """Return the interpreter of ``library``'s venv."""
    folder = os.path.join(venvs, library)
    if os.name == "nt":  # pragma: no cover - the project machine is Linux
        return os.path.join(folder, "Scripts", "python.exe")
    return os.path.join(folder, "bin", "python")


def ensure_venv(venvs: str, library: str, rebuild: bool) -> str:
    """Create (or reuse) the venv of a peer library; return its Python."""
    folder = os.path.join(venvs, library)
    marker = os.path.join(folder, "requirements.txt")
    requirements = PEERS[library][1]
    wanted = "\n".join(requirements) + "\n"
    python = venv_python(venvs, library)
    if not rebuild and os.path.exists(python) and os.path.exists(marker):
        with open(marker) as f:
            if f.read() == wanted:
                return python
    print(f"creating {folder} ({' '.join(requirements)}) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", folder], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
        check=True,
    )
    with open(marker, "w") as f:  # written last: a failed install is retried next run
        f.write(wanted)
    return python


# --------------------------------------------------------------------------- running


def child_env(library: str, pure: bool = False) -> Dict[str, str]:
    """Return the environment of a worker: nothing inherited that changes what it imports."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "HYPERPARAMETER_PARAMS", "VIRTUAL_ENV",
                        "HYPERPARAMETER_PURE_PYTHON")}
    if library == OURS:
        env["PYTHONPATH"] = os.path.join(REPO, "src")  # time this checkout
        if pure:
            env["HYPERPARAMETER_PURE_PYTHON"] = "1"
    return env


def run_worker(python: str, library: str, quick: bool, workloads: Sequence[str],
               pure: bool = False) -> Dict[str, Any]:
    """Run the worker for one library; return its parsed JSON."""
    cmd = [python, WORKER, library, *(["--quick"] if quick else [])]
    for workload in workloads:
        cmd += ["--workload", workload]
    done = subprocess.run(cmd, capture_output=True, text=True, env=child_env(library, pure),
                          cwd=HERE, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(
            f"the {library} worker failed (exit {done.returncode}):\n{done.stderr.strip()}"
        )
    result: Dict[str, Any] = json.loads(done.stdout)
    return result


# --------------------------------------------------------------------------- formatting


def fmt_time(ns: float) -> str:
    """Format nanoseconds with a unit that keeps 3 significant digits."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale * 0.9995:  # 999.7 ns rounds to "1 µs", not "1e+03 ns"
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(value: float) -> str:
    """Format a ratio: 2 significant digits below 10, whole numbers above."""
    return f"{value:.2g}x" if value < 10 else f"{value:.0f}x"


def table_rows(runs: List[Dict[str, Any]]) -> List[List[str]]:
    """Return one row per workload and library, in the workers' order."""
    by_library = {run["library"]: {r["id"]: r for r in run["results"]} for run in runs}
    ours = by_library.get(OURS, {})
    rows: List[List[str]] = []
    for entry in runs[0]["results"]:
        workload = entry["id"]
        for index, run in enumerate(runs):
            r = by_library[run["library"]][workload]
            label = LABELS[run["library"]]
            title = entry["title"] if index == 0 else ""
            if r["na"]:
                rows.append([title, label, "n/a", "", "", "", "", "", r["na"]])
                continue
            ratio = r["best_ns"] / r["base_best_ns"]
            mine = ours.get(workload)
            if run["library"] == OURS or not mine or mine["na"]:
                speedup = "—" if run["library"] == OURS else "n/a"
            else:
                speedup = fmt_ratio(ratio / (mine["best_ns"] / mine["base_best_ns"]))
            rows.append([
                title, label, fmt_time(r["best_ns"]), fmt_time(r["median_ns"]),
                fmt_time(r["base_best_ns"]), fmt_ratio(ratio), speedup, r["code"], r["baseline"],
            ])
    return rows


HEADER = ["workload", "library", "best", "median", "dict baseline (best)", "ratio",
          "our speed-up", "code", "baseline code"]


def render_text(rows: List[List[str]]) -> str:
    """Return the table as aligned plain text (without the code columns)."""
    shown = [HEADER, *rows]
    widths = [max(len(row[i]) for row in shown) for i in range(7)]
    lines = []
    for number, row in enumerate(shown):
        if number > 1 and row[0]:
            lines.append("")
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        if row[2] == "n/a":
            lines.append("  ".join([*cells, f"n/a ({row[8]})"]))
            continue
        cells += [row[i].rjust(widths[i]) for i in range(2, 7)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _md_code(code: str) -> str:
    # A "|" splits a table cell even inside backticks on GitHub, and "\\|" shows
    # literally in Python-Markdown (mkdocs); an HTML entity reads right in both.
    if "|" not in code:
        return f"`{code}`"
    return "<code>" + html.escape(code, quote=False).replace("|", "&#124;") + "</code>"


def render_markdown(rows: List[List[str]]) -> str:
    """Return the table as Markdown, with the code each library ran."""
    lines = ["| " + " | ".join(HEADER) + " |",
             "| " + " | ".join(["---", "---"] + ["---:"] * 5 + ["---", "---"]) + " |"]
    for row in rows:
        if row[2] == "n/a":
            cells = [row[0], row[1], "n/a", "", "", "", "", row[8], ""]
        else:
            cells = [*row[:7], _md_code(row[7]), _md_code(row[8])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    """Describe the machine and interpreter the figures come from."""
    return (f"{platform.machine()}, {os.cpu_count()} CPUs (nproc), "
            f"Python {platform.python_version()} ({platform.python_implementation()}), "
            f"{platform.system()} {platform.release()}")


def versions(runs: List[Dict[str, Any]]) -> str:
    """List each library's version."""
    return ", ".join(f"{LABELS[run['library']]} {run['version']}" for run in runs)


# --------------------------------------------------------------------------- main


def main(argv: Optional[List[str]] = None) -> int:
    """Create the venvs, run every worker, print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="time each figure briefly: a smoke run, not for publishing")
    parser.add_argument("--only", action="append", choices=LIBRARIES, metavar="LIB",
                        help=f"run only these libraries (repeatable): {', '.join(LIBRARIES)}")
    parser.add_argument("--workload", action="append", default=[], metavar="ID",
                        help="run only this workload (repeatable; ids in compare_worker.py)")
    parser.add_argument("--markdown", nargs="?", const="-", metavar="PATH",
                        help="write the table as Markdown to PATH (stdout without PATH)")
    parser.add_argument("--venvs", default=DEFAULT_VENVS,
                        help="where the peers' virtual environments live (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true", help="recreate the peers' venvs")
    parser.add_argument("--pure-python", action="store_true",
                        help="time this project's pure-Python implementation "
                             "(HYPERPARAMETER_PURE_PYTHON=1) instead of the compiled one")
    args = parser.parse_args(argv)

    libraries = args.only or LIBRARIES
    start = time.perf_counter()
    runs = []
    for library in LIBRARIES:
        if library not in libraries:
            continue
        python = sys.executable if library == OURS else ensure_venv(args.venvs, library,
                                                                      args.rebuild)
        print(f"timing {LABELS[library]} ...", file=sys.stderr)
        runs.append(run_worker(python, library, args.quick, args.workload, args.pure_python))
    elapsed = time.perf_counter() - start

    rows = table_rows(runs)
    header = (f"machine: {machine()}\nlibraries: {versions(runs)}\n"
              f"{'quick smoke run; ' if args.quick else ''}total {elapsed:.0f} s")
    if args.markdown is None:
        print(header + "\n\n" + render_text(rows))
        return 0
    text = render_markdown(rows) + "\n"
    if args.markdown == "-":
        print(header + "\n\n" + text, end="")
    else:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
        print(header + "\n\n" + render_text(rows))
        print(f"\nMarkdown table written to {args.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
