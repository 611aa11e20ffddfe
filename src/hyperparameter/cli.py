"""The command line: ``-D``/``-C`` for any argparse parser, ``hp.launch``, and the ``hp`` command.

Precedence, highest first: an explicit ``--name`` flag (``hp.launch``), then
``-D KEY=VALUE`` (later wins), then config files given with ``-C`` (later
wins), then the defaults in the code. Every value remembers its source, so
``--explain KEY`` and ``hp.explain`` can say where it came from and what it
shadowed. ``hp.launch`` lives in ``_launch`` (publication in ``_publish``, sweeps in
``_sweep``, run records in ``_record``), the ``hp`` tool in ``_command``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, TextIO

from . import _access, _scope
from ._keys import did_you_mean

if TYPE_CHECKING:
    import argparse

    from ._launch import UnusedOverrideWarning, add_arguments

# `import hyperparameter` imports this module (hp.launch is a plain attribute of the
# package); argparse and the launcher load when a function here first runs.
_FROM_LAUNCH = ("UnusedOverrideWarning", "add_arguments")


def __getattr__(name: str) -> Any:
    if name not in _FROM_LAUNCH:
        raise AttributeError(f"module 'hyperparameter.cli' has no attribute {name!r}")
    from . import _launch

    value = getattr(_launch, name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_FROM_LAUNCH))

__all__ = [
    "UnusedOverrideWarning",
    "add_arguments",
    "add_opts_argument",
    "handle_info_flags",
    "launch",
    "main",
    "merge_opts",
    "scope_from_args",
]


def scope_from_args(args: argparse.Namespace) -> _access.Scope:
    """Return the scope that the ``-C`` files and ``-D`` overrides in ``args`` describe.

    Enter it: ``with hp.cli.scope_from_args(args): main()``. Bad input (a
    missing file, ``-D a.b`` without ``=``, an invalid key) raises before any
    state changes. ``-D +KEY=VALUE`` is the same as ``-D KEY=VALUE`` here.
    """
    from ._cmdline import Collected

    collected = Collected()
    collected.add(getattr(args, "config", None) or [], getattr(args, "define", None) or [])
    result = _access.enter_layer(collected.values, "command line", collected.sources)
    result.__hp_layer__.shadowed = collected.shadowed
    return result


def handle_info_flags(args: argparse.Namespace, out: Optional[TextIO] = None) -> bool:
    """Print what ``--print-config`` / ``--explain`` ask for; return whether anything was printed.

    Call it inside the scope from :func:`scope_from_args`; when it returns True
    the program should exit instead of running. ``--print-config`` prints the
    parameters in force as YAML that ``-C`` reads; with ``--sources``, each line
    ends with a ``# source`` comment.
    """
    from . import _provenance
    from ._cmdline import to_yaml

    stream = out or sys.stdout
    printed = False
    if getattr(args, "print_config", False):
        sources = _scope.effective_sources() if getattr(args, "sources", False) else None
        stream.write(to_yaml(_scope.effective(), sources))
        printed = True
    for key in getattr(args, "explain", None) or []:
        stream.write(str(_provenance.explain(key)) + "\n")
        printed = True
    return printed


def add_opts_argument(
    parser: argparse.ArgumentParser, name: str = "opts"
) -> argparse.ArgumentParser:
    """Add YACS-style trailing ``KEY VALUE ...`` options (``argparse.REMAINDER``) to ``parser``."""
    import argparse

    parser.add_argument(name, nargs=argparse.REMAINDER, default=[], metavar="KEY VALUE",
                        help="override config options, e.g. SOLVER.BASE_LR 0.01 MODEL.DEPTH 50")
    return parser


def merge_opts(cfg: Any, opts: Sequence[str]) -> Any:
    """Merge YACS-style ``KEY VALUE ...`` options into ``cfg`` exactly as ``merge_from_list``.

    An odd number of items is reported with the dangling key, before anything
    is merged. Returns ``cfg``.
    """
    items = list(opts or [])
    if items and items[0] == "--":
        items = items[1:]
    if len(items) % 2:
        raise ValueError(
            f"options must come in KEY VALUE pairs; {items[-1]!r} has no value "
            f"(got {len(items)} items: {items!r})"
        )
    cfg.merge_from_list(items)
    return cfg


# --------------------------------------------------------------------------- launch


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    try:
        import argcomplete  # optional extra: shell completion of flags and -D keys

        argcomplete.autocomplete(parser)
    except ImportError:
        pass
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        flags = [s for a in parser._actions for s in a.option_strings]
        bad = unknown[0]
        hint = did_you_mean(bad.split("=")[0], flags) if bad.startswith("-") else ""
        parser.error(f"unknown argument {bad!r}{hint} (see --help for the parameters)")
    return args


def _parser(prog: Optional[str], fn: Callable[..., Any], **kwargs: Any) -> argparse.ArgumentParser:
    import argparse

    from ._docstrings import summary

    return argparse.ArgumentParser(prog=prog, description=summary(fn.__doc__),
                                   allow_abbrev=False, **kwargs)


def launch(fn: Optional[Callable[..., Any]] = None, argv: Optional[Sequence[str]] = None,
           prog: Optional[str] = None) -> Any:
    """Build a command line for an ``@hp.param`` function, check it, and run the function.

    Each bound parameter gets a ``--name VALUE`` flag (``--name/--no-name`` for
    booleans) and every ``@hp.param`` parameter of the program a ``--KEY VALUE``
    flag, listed by ``--help`` grouped by namespace with type, default and
    docstring help; ``-D``, ``-C``, ``--print-config [--sources]``, ``--explain``,
    ``--run-dir``, ``-m``/``--jobs``/``--launcher`` work as ``docs/cli.md`` says.
    Unknown ``-D`` keys, values that do not convert and missing required
    parameters stop with exit status 2 before the function runs. The values are
    published as the baseline (and ``HYPERPARAMETER_PARAMS``) for the call only:
    threads and process-pool workers see them; afterwards everything is as
    before, even when the function raises. With no ``fn``, the ``@hp.param``
    functions of the caller (its local scope and module) become subcommands (a
    single one runs directly). Returns ``fn``'s result.
    """
    import argparse
    import json

    from ._launch import ARGV_VAR, Launch, run
    from ._params import decorated_in

    arguments = list(sys.argv[1:] if argv is None else argv)
    forwarded = os.environ.pop(ARGV_VAR, None)
    if forwarded is not None:  # one run of a sweep: the arguments the sweep chose
        try:
            arguments = [str(item) for item in json.loads(forwarded)]
        except (ValueError, TypeError):
            raise ValueError(
                f"{ARGV_VAR} must be a JSON list of arguments (a sweep sets it for each run), "
                f"got {forwarded[:80]!r}; unset it"
            ) from None
    if fn is not None:
        return _launch_one(fn, _parser(prog, fn), arguments)
    frame = sys._getframe(1)
    caller = frame.f_globals
    functions = {**decorated_in(caller), **decorated_in(frame.f_locals)}
    del frame
    module = caller.get("__name__")
    functions = {n: f for n, f in functions.items() if getattr(f, "__module__", None) == module}
    if not functions:
        raise TypeError(
            "hp.launch() found no @hp.param functions in the calling function or module; "
            "decorate one or pass it: hp.launch(train)"
        )
    if len(functions) == 1:
        only = next(iter(functions.values()))
        return _launch_one(only, _parser(prog, only), arguments)
    parser = argparse.ArgumentParser(prog=prog, description=(caller.get("__doc__") or "").strip()
                                     or None, allow_abbrev=False)
    commands = parser.add_subparsers(dest="hp_command", metavar="COMMAND", required=True)
    launches = {}
    for name, function in functions.items():
        doc = (function.__doc__ or "").strip()
        sub = commands.add_parser(name, help=doc.split("\n")[0] if doc else None,
                                  description=doc.split("\n\n")[0] if doc else None,
                                  allow_abbrev=False)
        launches[name] = Launch(function, sub, list(functions.values()))
        launches[name].build()
    if arguments and not arguments[0].startswith("-") and arguments[0] not in functions:
        parser.error(f"unknown command {arguments[0]!r}{did_you_mean(arguments[0], functions)}")
    args = _parse(parser, arguments)
    return run(launches[args.hp_command], args, arguments)


def _launch_one(fn: Callable[..., Any], parser: argparse.ArgumentParser,
                arguments: Sequence[str]) -> Any:
    from ._launch import Launch, run

    launched = Launch(fn, parser)
    launched.build()
    return run(launched, _parse(parser, arguments), arguments)


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the ``hp`` command (also ``python -m hyperparameter``); return the exit status."""
    from ._command import main as command

    return command(argv, out)
