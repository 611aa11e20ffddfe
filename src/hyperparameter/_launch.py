"""``hp.launch``: a command line for an ``@hp.param`` function, checked before the function runs.

The order of a launch: parse the arguments; read the ``-C`` files and ``-D``
values; check every ``-D`` key is known and convert every value that reaches a
typed parameter (a failure is a usage error, exit status 2, before any user code
runs); then ``--print-config``/``--explain`` print and stop, ``-m`` runs a sweep,
or the run is recorded (``--run-dir``) and the function called with the values
published as the baseline for the duration of the call only.
"""

from __future__ import annotations

import argparse
import ast
import enum
import os
import sys
import warnings
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Set, Tuple

from . import _provenance, _scope
from ._cmdline import Collected, to_yaml
from ._docstrings import param_help
from ._keys import did_you_mean, validate_key
from ._params import Param, params_of, program_params, scanned, scanned_keys
from ._publish import Published
from ._source import Source, command_line_source, default_source
from ._values import MISSING, Text

__all__ = ["LAUNCHER_OPTIONS", "Launch", "UnusedOverrideWarning", "add_arguments", "run"]

RUN_DIR_VAR = "HYPERPARAMETER_RUN_DIR"
# A sweep re-runs the script once per combination with these arguments (JSON) instead of
# its own: the script may call hp.launch(fn, argv) with a fixed argv.
ARGV_VAR = "HYPERPARAMETER_LAUNCH_ARGV"


class UnusedOverrideWarning(UserWarning):
    """An override on the command line was never read or declared: probably a typo."""


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``-D``, ``-C``, ``--print-config``, ``--sources`` and ``--explain`` to ``parser``."""
    group = parser.add_argument_group("parameters")
    group.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE",
                       help="set a parameter, e.g. -D train.lr=0.01 (repeatable; wins over -C); "
                            "-D +KEY=VALUE adds a key no code declares")
    group.add_argument("-C", "--config", action="append", default=[], metavar="FILE",
                       help="read parameters from a YAML/JSON/TOML file (repeatable; later wins)")
    group.add_argument("--print-config", action="store_true",
                       help="print the parameters in effect as YAML (which -C reads) and exit")
    group.add_argument("--sources", action="store_true",
                       help="with --print-config: add where each value came from")
    group.add_argument("--explain", action="append", default=[], metavar="KEY",
                       help="print where KEY's value comes from and exit (repeatable)")
    return parser


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("runs and sweeps")
    group.add_argument("--allow-unknown", action="store_true",
                       help="accept -D keys no code declares or reads")
    group.add_argument("--run-dir", metavar="DIR", default=None,
                       help=f"record the run in DIR (config.yaml, run.json); also {RUN_DIR_VAR}")
    group.add_argument("-m", "--multirun", action="store_true",
                       help="run every combination of comma-separated -D values (a sweep)")
    group.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="with -m: runs at a time (default 1)")
    group.add_argument("--launcher", choices=("local", "ray"), default="local",
                       help="with -m: run on local processes (default) or as Ray tasks")
    group.add_argument("--ray-address", metavar="ADDRESS", default=None,
                       help="with --launcher ray: the cluster to join (default: a local Ray)")


# Options of the launcher itself: a parameter with one of these names gets --NS.NAME instead.
LAUNCHER_OPTIONS = ("help", "define", "config", "print_config", "sources", "explain",
                    "allow_unknown", "run_dir", "multirun", "jobs", "launcher", "ray_address")


def _type_text(param: Param) -> str:
    from ._types import type_name

    target = param.target
    return "any" if target is MISSING else type_name(target)


def _choices(target: Any) -> Optional[List[str]]:
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return [member.name for member in target]
    if getattr(target, "__origin__", None) is Literal:
        return [str(arg) for arg in target.__args__]
    return None


class Launch:
    """One launched command line: the parser, the function, and what the arguments set."""

    def __init__(self, fn: Callable[..., Any], parser: argparse.ArgumentParser,
                 extra: Sequence[Callable[..., Any]] = ()) -> None:
        self.fn = fn
        self.parser = parser
        self.own = params_of(fn)
        self.params = program_params([fn, *extra])
        self.flags: Dict[str, Tuple[Param, str]] = {}  # dest -> (param, flag shown)

    # ------------------------------------------------------------------ the parser
    def build(self) -> argparse.ArgumentParser:
        """Add the function's flags, every parameter's ``--KEY`` flag (grouped) and run options."""
        add_arguments(self.parser)
        _add_run_arguments(self.parser)
        helps = param_help(getattr(self.fn, "__doc__", None))
        group = self.parser.add_argument_group(f"parameters of {self.fn.__name__}")
        own_keys = set()
        for param in self.own:
            if param.key in own_keys:
                continue
            own_keys.add(param.key)
            self._add_flag(group, param, helps.get(param.name, ""), short=True)
        by_namespace: Dict[str, List[Param]] = {}
        for param in self.params.values():
            if param.key not in own_keys:
                by_namespace.setdefault(param.namespace, []).append(param)
        for namespace in sorted(by_namespace):
            params = by_namespace[namespace]
            owner = params[0].owner
            group = self.parser.add_argument_group(
                f"parameters in {namespace!r} ({getattr(owner, '__module__', '?')}."
                f"{getattr(owner, '__qualname__', '?')})")
            docs = param_help(getattr(owner, "__doc__", None))
            for param in sorted(params, key=lambda p: p.key):
                self._add_flag(group, param, docs.get(param.name, ""), short=False)
        self._complete_keys()
        return self.parser

    def _add_flag(self, group: Any, param: Param, text: str, short: bool) -> None:
        taken = self.parser._option_string_actions
        names = []
        boolean = isinstance(param.default, bool) or param.target is bool
        if short and param.name not in LAUNCHER_OPTIONS:
            names = [f"--{param.name}"]
            if "_" in param.name and not boolean:
                names.append(f"--{param.name.replace('_', '-')}")
        names.append(f"--{param.key}")
        names = [n for n in dict.fromkeys(names) if n not in taken]
        if not names:
            return  # still settable with -D KEY=VALUE
        target = param.target
        choices = _choices(target)
        shown = "required" if param.default is MISSING else f"default: {param.default!r}"
        extra = f"; choices: {', '.join(choices)}" if choices else ""
        help_text = f"{text} [{param.key}; {_type_text(param)}; {shown}{extra}]".strip()
        dest = f"hp_flag__{param.key}"
        metavar = "{" + ",".join(choices) + "}" if choices else "VALUE"
        if boolean:
            group.add_argument(*names, dest=dest, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_text)
        else:
            group.add_argument(*names, dest=dest, default=argparse.SUPPRESS, metavar=metavar,
                               help=help_text)
        self.flags[dest] = (param, names[0])

    def _complete_keys(self) -> None:
        """Offer ``-D`` keys to argcomplete (a no-op without it)."""
        keys = sorted(self.params)
        for action in self.parser._actions:
            if "-D" in action.option_strings:
                action.completer = (  # type: ignore[attr-defined]
                    lambda prefix, **_: [f"{k}=" for k in keys if k.startswith(prefix)])

    # ------------------------------------------------------------------ collecting and checking
    def collect(self, args: argparse.Namespace) -> Collected:
        """Return the values the arguments set, checked and converted (usage errors exit 2)."""
        collected = Collected()
        try:
            collected.add(args.config, args.define)
        except (ValueError, OSError) as exc:
            self.parser.error(str(exc))
        for dest, (param, flag) in self.flags.items():
            if hasattr(args, dest):
                value = getattr(args, dest)
                if isinstance(value, bool):
                    shown = flag if value else "--no-" + flag[2:]
                    collected.flag(param.key, value, command_line_source(shown))
                else:
                    source = command_line_source(f"{flag} {value}")
                    collected.flag(param.key, Text(value, source), source)
        if not args.allow_unknown:
            self._check_keys(collected)
        if not args.multirun:  # each run of a sweep converts its own values
            self._convert(collected)
        for key in args.explain:
            try:
                validate_key(key, f"--explain {key}")
            except ValueError as exc:
                self.parser.error(str(exc))
        if not (args.print_config or args.explain or args.multirun):
            self._check_required(collected)
        return collected

    def _known_keys(self, collected: Collected, scanned: bool) -> Set[str]:
        names = set(self.params) | set(_scope.declared()) | set(_scope.reads())
        names |= set(_scope.effective()) | collected.file_keys
        if scanned:  # parsing the program's files costs more: only for keys not found so far
            names |= scanned_keys(self.fn)
        return names

    def _check_keys(self, collected: Collected) -> None:
        known: Optional[Set[str]] = None
        for define in collected.defines:
            if define.added:
                continue
            if known is None:
                known = self._known_keys(collected, scanned=False)
            if not _is_known(define.key, known):
                known = self._known_keys(collected, scanned=True)
                break
        if known is None:
            return
        for define in collected.defines:
            key = define.key
            if define.added or _is_known(key, known):
                continue
            self.parser.error(
                f"unknown key {key!r} in {define.source}{did_you_mean(key, known)}; "
                f"no @hp.param function, -C file or read in the script has it. "
                f"Add it on purpose with -D +{define.text} (or --allow-unknown)"
            )

    def _convert(self, collected: Collected) -> None:
        from ._types import coerce

        for key, value in collected.values.items():
            param = self.params.get(key)
            if param is None or value.__class__ is not Text:
                continue
            target = param.target
            if target is MISSING:
                continue
            try:
                coerce(value.text, target, key, value.source)
            except (ValueError, TypeError, OverflowError) as exc:
                choices = _choices(target)
                hint = f" (choices: {', '.join(choices)})" if choices and \
                    "one of" not in str(exc) else ""
                self.parser.error(f"{exc}{hint}")

    def _check_required(self, collected: Collected) -> None:
        for param in self.own:
            if param.default is not MISSING or param.key in collected.values:
                continue
            if _scope.lookup(param.key) is not MISSING:
                continue
            flag = next((f for p, f in self.flags.values() if p.key == param.key), None)
            how = f"{flag} VALUE or -D {param.key}=VALUE" if flag else f"-D {param.key}=VALUE"
            self.parser.error(
                f"the parameter {param.name!r} of {self.fn.__name__} (key {param.key!r}, "
                f"{_type_text(param)}) is required: give {how}, or put it in a -C file"
            )

    # ------------------------------------------------------------------ resolved configuration
    def resolved(self, collected: Collected) -> Tuple[Dict[str, Any], Dict[str, Source]]:
        """Return every parameter of the run (defaults included) as plain values, with sources."""
        from ._types import coerce

        values: Dict[str, Any] = {}
        sources: Dict[str, Source] = {}
        in_force = _scope.effective()
        in_force_sources = _scope.effective_sources()
        for key, value in in_force.items():
            values[key], sources[key] = value, in_force_sources[key]
        for key, value in collected.values.items():
            values[key], sources[key] = value, collected.sources[key]
        for key, param in self.params.items():
            if key in values:
                value = values[key]
                if value.__class__ is Text and param.target is not MISSING:
                    payload = value.text
                    try:
                        values[key] = coerce(payload, param.target, key, value.source)
                    except (ValueError, TypeError):
                        pass
            elif param.default is not MISSING:
                values[key] = param.default
                owner = param.owner.__qualname__
                sources[key] = Source(f"default of {owner}", default_source().kind)
        for key in _scope.reads():
            default = _scope.read_default(key)  # MISSING where no default object was kept
            if key not in values and default is not MISSING:
                values[key], sources[key] = default, default_source()
        for found in scanned(self.fn):
            if found.kind == "read" and found.key not in values and found.default:
                try:
                    values[found.key] = ast.literal_eval(found.default)
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    continue  # not a literal (a name, a call): nothing to show before the run
                sources[found.key] = Source(f"default at {os.path.basename(found.file)}:"
                                            f"{found.line}", default_source().kind)
        return _nestable(values), sources


def _is_known(key: str, known: Set[str]) -> bool:
    """Return whether ``key``, a parent of it or a child of it is among ``known``."""
    if key in known:
        return True
    parts = key.split(".")
    if any(".".join(parts[:i]) in known for i in range(1, len(parts))):
        return True
    prefix = key + "."
    return any(k.startswith(prefix) for k in known)


def _nestable(values: Dict[str, Any]) -> Dict[str, Any]:
    """Drop a key that is also the parent of others (``a`` and ``a.b``): the deeper keys win."""
    keys = set(values)
    return {k: v for k, v in values.items()
            if not any(other.startswith(k + ".") for other in keys)}


# --------------------------------------------------------------------------- running


def run(launch: Launch, args: argparse.Namespace, argv: Sequence[str]) -> Any:
    """Run ``launch.fn`` as ``args`` ask (print, sweep or call); return its result."""
    collected = launch.collect(args)
    if args.print_config:
        values, sources = launch.resolved(collected)
        sys.stdout.write(to_yaml(values, sources if args.sources else None))
        return None
    if args.explain:
        with Published(collected):
            for key in args.explain:
                sys.stdout.write(str(_provenance.explain(key)) + "\n")
        return None
    if args.multirun:
        from ._sweep import sweep

        code = sweep(args, argv, launch.parser, launch.fn)
        if code:
            raise SystemExit(code)
        return None
    run_dir = args.run_dir or os.environ.get(RUN_DIR_VAR) or None
    record = None
    if run_dir:
        from ._record import Record

        values, sources = launch.resolved(collected)
        record = Record(run_dir, launch.fn, argv)
        try:
            record.start(values, sources)
        except OSError as exc:
            launch.parser.error(f"cannot write the run record in {run_dir!r}: {exc}")
    with Published(collected):
        try:
            result = _finish(launch.fn())
        except BaseException as exc:
            if record is not None:
                record.finish(exc)
            raise
        if record is not None:
            record.finish(None)
        _warn_unused(collected)
    return result


def _finish(result: Any) -> Any:
    """Run a coroutine an ``async def`` entry point returned, unless an event loop runs here."""
    import asyncio
    import inspect

    if not inspect.iscoroutine(result):
        return result
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(result)
    result.close()
    raise RuntimeError(
        "hp.launch of an async entry point runs it with asyncio.run, but an event loop is "
        "already running here; call hp.launch from synchronous code (the script's top level)"
    )


def _warn_unused(collected: Collected) -> None:
    report = _provenance.report()
    added = {define.key for define in collected.defines if define.added}
    for (key, _source, _matches), line in zip(report.unused, report.warnings()):
        if key in collected.values and key not in added:
            warnings.warn(line, UnusedOverrideWarning, stacklevel=4)

