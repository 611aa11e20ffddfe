"""The ``hp`` command (also ``python -m hyperparameter``): configs and the parameters of code.

``hp show``, ``hp diff``, ``hp explain`` and ``hp params`` print aligned tables
for people and ``--json`` for tools; ``hp publish``/``hp show --store`` talk to
parameter stores. Errors are one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, TextIO, Tuple

from . import _provenance
from ._cmdline import Collected, plain, split_assignments, to_yaml
from ._keys import did_you_mean

__all__ = ["main"]

COMMANDS = ("show", "params", "diff", "explain", "publish")


def _load_side(files: Sequence[str], defines: Sequence[str]) -> Tuple[Dict[str, Any], Collected]:
    collected = Collected()
    collected.add(list(files), defines)
    return {k: plain(v) for k, v in collected.values.items()}, collected


def _dump(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, indent=2, default=repr, sort_keys=True) + "\n")


def _cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    if args.store:
        from .stores import cmd_show_store

        if args.files:
            raise ValueError("hp show --store URL takes no FILE arguments")
        return int(cmd_show_store(args.store, args.json, out))
    if not args.files:
        raise ValueError("hp show needs a FILE (or --store URL)")
    values, collected = _load_side(args.files, args.define)
    sources = {k: str(s) for k, s in collected.sources.items()}
    if args.json:
        from ._tree import nest

        _dump({"config": nest(values), "sources": sources if args.sources else None}, out)
    elif args.sources:
        rows = [(k, json.dumps(v, default=repr), sources[k]) for k, v in sorted(values.items())]
        out.write(_provenance.format_table(("key", "value", "source"), rows) + "\n")
    else:
        out.write(to_yaml(values))
    return 0


def _side(spec: str) -> Dict[str, Any]:
    """Read one side of ``hp diff``: a config file, or ``key=value,...`` assignments."""
    if Path(spec).exists() or "=" not in spec:
        return _load_side([spec], [])[0]
    return _load_side([], split_assignments(spec))[0]


def _cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    left, right = _side(args.a), _side(args.b)
    added = {k: right[k] for k in sorted(set(right) - set(left))}
    removed = {k: left[k] for k in sorted(set(left) - set(right))}
    both = sorted(set(left) & set(right))
    changed = {k: [left[k], right[k]] for k in both if left[k] != right[k]}
    if args.json:
        _dump({"added": added, "removed": removed, "changed": changed}, out)
        return 0
    rows = [("+", k, "", json.dumps(v, default=repr)) for k, v in added.items()]
    rows += [("-", k, json.dumps(v, default=repr), "") for k, v in removed.items()]
    rows += [("~", k, json.dumps(a, default=repr), json.dumps(b, default=repr))
             for k, (a, b) in changed.items()]
    rows.sort(key=lambda row: row[1])
    if rows:
        out.write(_provenance.format_table(("", "key", args.a, args.b), rows) + "\n")
    else:
        out.write("no differences\n")
    return 0


def _cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    from ._access import enter_layer

    collected = Collected()
    collected.add(args.files, args.define)
    layer = enter_layer(collected.values, "command line", collected.sources)
    layer.__hp_layer__.shadowed = collected.shadowed
    with layer:
        explanation = _provenance.explain(args.key)
    if args.json:
        _dump(explanation.as_dict(), out)
    elif explanation.source == "not set":
        hint = did_you_mean(args.key, collected.values)
        out.write(f"{args.key} is not set by {' '.join(args.files) or 'the arguments'}{hint}\n")
        return 1
    else:
        out.write(str(explanation) + "\n")
    return 0


def _cmd_params(args: argparse.Namespace, out: TextIO) -> int:
    from ._scan import scan

    problems: list = []
    found = scan(args.target, problems)
    for problem in problems:
        sys.stderr.write(f"hp params: warning: {problem}\n")
    if args.json:
        _dump([item._asdict() for item in found], out)
        return 0
    rows = [(item.key, item.kind, item.default, f"{item.file}:{item.line}") for item in found]
    out.write(_provenance.format_table(("key", "kind", "default", "where"), rows) + "\n")
    return 0


def _cmd_publish(args: argparse.Namespace, out: TextIO) -> int:
    from .stores import cmd_publish

    return int(cmd_publish(args, out))


def _version() -> str:
    import hyperparameter

    return f"hyperparameter {hyperparameter.__version__}"


def _hp_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hp", allow_abbrev=False,
        description="Inspect configs and the parameters code reads.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    show = commands.add_parser("show", help="print the merged config of FILEs (and -D overrides)")
    show.add_argument("files", nargs="*", metavar="FILE")
    show.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE")
    show.add_argument("--sources", action="store_true", help="show where each value comes from")
    show.add_argument("--store", metavar="URL", help="print what a parameter store holds")

    params = commands.add_parser("params", help="list the parameters code binds or reads")
    params.add_argument("target", metavar="PATH_OR_MODULE")

    diff = commands.add_parser("diff", help="keys added, removed and changed between two configs")
    diff.add_argument("a", metavar="A", help="a config file or 'key=value,...' assignments")
    diff.add_argument("b", metavar="B", help="a config file or 'key=value,...' assignments")

    explain = commands.add_parser("explain", help="where KEY's value comes from")
    explain.add_argument("key", metavar="KEY")
    explain.add_argument("files", nargs="*", metavar="FILE")
    explain.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE")

    publish = commands.add_parser("publish", help="write KEY=VALUE into a parameter store")
    publish.add_argument("--store", metavar="URL", required=True)
    publish.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    publish.add_argument("--remove", action="append", default=[], metavar="KEY")

    for sub in (show, params, diff, explain):
        sub.add_argument("--json", action="store_true", help="print JSON for tools")
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the ``hp`` command; return the exit status."""
    parser = _hp_parser()
    try:
        import argcomplete  # optional extra: shell completion

        argcomplete.autocomplete(parser)
    except ImportError:
        pass
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and not arguments[0].startswith("-") and arguments[0] not in COMMANDS:
        parser.error(f"unknown command {arguments[0]!r}{did_you_mean(arguments[0], COMMANDS)}")
    args = parser.parse_args(arguments)
    stream = out or sys.stdout
    handler = {"show": _cmd_show, "params": _cmd_params, "diff": _cmd_diff,
               "explain": _cmd_explain, "publish": _cmd_publish}[args.command]
    try:
        return handler(args, stream)
    except (ValueError, KeyError, OSError, TypeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        sys.stderr.write(f"hp {args.command}: error: {message}\n")
        return 2
