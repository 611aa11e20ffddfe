"""The command line: ``-D``/``-C`` for any argparse parser, ``hp.launch``, and the ``hp`` command.

Precedence, highest first: an explicit ``--name`` flag (``hp.launch``), then
``-D KEY=VALUE`` (later wins), then config files given with ``-C`` (later
wins), then the defaults in the code. All of them land in one scope whose
values remember their source, so ``--explain KEY`` and ``hp.explain`` can say
where a value came from and what it shadowed.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    TextIO,
    Tuple,
)

from . import _provenance, _scope
from ._keys import did_you_mean, split_assignment
from ._values import MISSING, Text, parse_literal

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


class UnusedOverrideWarning(UserWarning):
    """An override on the command line was never read or declared: probably a typo."""


# --------------------------------------------------------------------------- argparse


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``-D/--define``, ``-C/--config``, ``--print-config`` and ``--explain`` to ``parser``.

    Then ``with hp.cli.scope_from_args(parser.parse_args()):`` runs code under
    the files and overrides given. Returns the parser.
    """
    group = parser.add_argument_group("parameters")
    group.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE",
                       help="set a parameter, e.g. -D train.lr=0.01 (repeatable; wins over -C)")
    group.add_argument("-C", "--config", action="append", default=[], metavar="FILE",
                       help="read parameters from a YAML/JSON/TOML file (repeatable; later wins)")
    group.add_argument("--print-config", action="store_true",
                       help="print the parameters in effect as YAML and exit")
    group.add_argument("--explain", action="append", default=[], metavar="KEY",
                       help="print where KEY's value comes from and exit (repeatable)")
    return parser


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    flat: Dict[str, Any] = {}
    for name, value in tree.items():
        key = prefix + str(name)
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


class _LayerBuilder:
    """Collects values from files, -D and flags into one layer, remembering what each shadowed."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.sources: Dict[str, str] = {}
        self.shadowed: Dict[str, List[Tuple[Any, str]]] = {}

    def put(self, key: str, value: Any, source: str) -> None:
        if key in self.values:
            self.shadowed.setdefault(key, []).insert(0, (self.values[key], self.sources[key]))
        self.values[key] = value
        self.sources[key] = source

    def add_files(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        from . import files

        tree, sources = files._load_with_sources(list(paths))
        for key, value in _flatten(tree).items():
            self.put(key, value, sources.get(key, "config file"))

    def add_defines(self, defines: Iterable[str]) -> None:
        for text in defines:
            where = f"-D {text}"
            key, value = split_assignment(text, where)
            self.put(key, Text(value, where), where)

    def scope(self, origin: str) -> _scope.Scope:
        result = _scope.enter_layer(self.values, origin, self.sources)
        result._hp_layer.shadowed = self.shadowed
        return result


def scope_from_args(args: argparse.Namespace) -> _scope.Scope:
    """Return the scope that the ``-C`` files and ``-D`` overrides in ``args`` describe.

    Enter it: ``with hp.cli.scope_from_args(args): main()``. Bad input (a
    missing file, ``-D a.b`` without ``=``, an invalid key) raises before any
    state changes.
    """
    builder = _LayerBuilder()
    builder.add_files(getattr(args, "config", None) or [])
    builder.add_defines(getattr(args, "define", None) or [])
    return builder.scope("command line")


def _nest(values: Mapping[str, Any]) -> Dict[str, Any]:
    """Return dotted ``values`` as a nested dict (a key both set and a parent keeps ``""``)."""
    tree: Dict[str, Any] = {}
    for key, value in sorted(values.items()):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {"": child}
            node = child
        node[parts[-1]] = _plain(value)
    return tree


def _yaml_of(values: Mapping[str, Any]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(_nest(values), Dumper=dumper, default_flow_style=False, sort_keys=True))


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return parse_literal(value.text)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def handle_info_flags(args: argparse.Namespace, out: Optional[TextIO] = None) -> bool:
    """Print what ``--print-config`` / ``--explain`` ask for; return whether anything was printed.

    Call it inside the scope from :func:`scope_from_args`; when it returns True
    the program should exit instead of running.
    """
    stream = out or sys.stdout
    printed = False
    if getattr(args, "print_config", False):
        stream.write(_yaml_of(_scope.effective()))
        printed = True
    for key in getattr(args, "explain", None) or []:
        stream.write(str(_provenance.explain(key)) + "\n")
        printed = True
    return printed


def add_opts_argument(
    parser: argparse.ArgumentParser, name: str = "opts"
) -> argparse.ArgumentParser:
    """Add YACS-style trailing ``KEY VALUE ...`` options (``argparse.REMAINDER``) to ``parser``."""
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


# --------------------------------------------------------------------------- docstrings


def _param_help(doc: Optional[str]) -> Dict[str, str]:
    """Return parameter help texts from a Google, NumPy or reST style docstring."""
    import inspect
    import re

    text = inspect.cleandoc(doc or "")
    helps: Dict[str, str] = {}
    for match in re.finditer(r"^\s*:param\s+(?:[^:\s]+\s+)?(\w+):\s*(.+(?:\n(?!\s*:)\s+.+)*)",
                             text, re.M):
        helps[match.group(1)] = " ".join(match.group(2).split())
    lines = text.splitlines()
    section = None
    current = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped in ("Args:", "Arguments:", "Parameters:", "Keyword Args:"):
            section, current = "google", None
            continue
        if stripped in ("Parameters", "Other Parameters") and index + 1 < len(lines) \
                and set(lines[index + 1].strip()) == {"-"}:
            section, current = "numpy", None
            continue
        if section is None:
            continue
        if stripped == "" or set(stripped) == {"-"}:
            continue
        indent = len(line) - len(line.lstrip())
        if section == "google":
            google = re.match(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", stripped)
            if indent > 0 and google and (current is None or indent <= current[1]):
                current = (google.group(1), indent)
                helps[current[0]] = google.group(2).strip()
            elif indent == 0:
                section = None
            elif current is not None:
                helps[current[0]] = (helps[current[0]] + " " + stripped).strip()
        else:
            numpy = re.match(r"^(\w+)\s*(?::.*)?$", stripped)
            if indent == 0 and numpy:
                current = (numpy.group(1), 0)
                helps.setdefault(current[0], "")
            elif indent == 0:
                section = None
            elif current is not None:
                helps[current[0]] = (helps[current[0]] + " " + stripped).strip()
    return helps


# --------------------------------------------------------------------------- launch


def _type_name(default: Any, annotation: Any) -> str:
    if annotation is not MISSING and annotation is not None:
        return annotation if isinstance(annotation, str) else getattr(
            annotation, "__name__", str(annotation))
    if default is MISSING:
        return "any"
    return type(default).__name__


def _add_function_flags(parser: argparse.ArgumentParser, fn: Callable[..., Any]) -> List[str]:
    """Add a ``--name`` flag per bound parameter of ``fn``; return the flag dests."""
    import inspect

    bindings = getattr(fn, "__hp_bindings__", None)
    if bindings is None:
        raise TypeError(
            f"hp.launch needs a function decorated with @hp.param, got {fn!r}; "
            "decorate it with @hp.param('namespace') first"
        )
    signature = inspect.signature(fn)
    helps = _param_help(fn.__doc__)
    group = parser.add_argument_group(f"parameters of {fn.__name__}")
    dests = []
    for name, key, default in bindings:
        annotation = signature.parameters[name].annotation
        annotation = MISSING if annotation is inspect.Parameter.empty else annotation
        shown = "required" if default is MISSING else f"default: {default!r}"
        text = f"{helps.get(name, '')} [{key}; {_type_name(default, annotation)}; {shown}]".strip()
        flags = [f"--{name}"]
        dest = f"hp_flag__{name}"
        if isinstance(default, bool):
            group.add_argument(*flags, dest=dest, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=text)
        else:
            if "_" in name:
                flags.append(f"--{name.replace('_', '-')}")
            group.add_argument(*flags, dest=dest, default=argparse.SUPPRESS, metavar="VALUE",
                               help=text)
        dests.append(name)
    return dests


def _build_parser(prog: Optional[str], fn: Callable[..., Any]) -> argparse.ArgumentParser:
    doc = (fn.__doc__ or "").strip()
    parser = argparse.ArgumentParser(
        prog=prog, description=doc.split("\n\n")[0] if doc else None, allow_abbrev=False,
    )
    add_arguments(parser)
    _add_function_flags(parser, fn)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        flags = [s for a in parser._actions for s in a.option_strings]
        bad = unknown[0]
        hint = did_you_mean(bad.split("=")[0], flags) if bad.startswith("-") else ""
        parser.error(f"unknown argument {bad!r}{hint} (see --help for the parameters)")
    return args


def _run(fn: Callable[..., Any], parser: argparse.ArgumentParser,
         args: argparse.Namespace) -> Any:
    builder = _LayerBuilder()
    try:
        builder.add_files(args.config)
        builder.add_defines(args.define)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    for name, key, _default in fn.__hp_bindings__:  # type: ignore[attr-defined]
        dest = f"hp_flag__{name}"
        if hasattr(args, dest):
            value = getattr(args, dest)
            if isinstance(value, bool):
                builder.put(key, value, f"--{'' if value else 'no-'}{name}")
            else:
                builder.put(key, Text(value, f"--{name} {value}"), f"--{name} {value}")
    set_by_cli = list(builder.values)
    with builder.scope("command line"):
        if handle_info_flags(args):
            return None
        _scope.frozen()  # threads the program starts see the command line too
        result = fn()
        for line in _provenance.report().warnings():
            key = line.split("'")[1]
            if key in set_by_cli:
                warnings.warn(line, UnusedOverrideWarning, stacklevel=3)
    return result


def _caller_functions(module_globals: Mapping[str, Any]) -> Dict[str, Callable[..., Any]]:
    module = module_globals.get("__name__")
    found = {}
    for value in list(module_globals.values()):
        if callable(value) and hasattr(value, "__hp_bindings__") \
                and getattr(value, "__module__", None) == module and not isinstance(value, type):
            found[value.__name__] = value
    return found


def launch(fn: Optional[Callable[..., Any]] = None, argv: Optional[Sequence[str]] = None,
           prog: Optional[str] = None) -> Any:
    """Build a command line for an ``@hp.param`` function and run it.

    Each bound parameter gets a ``--name VALUE`` flag (``--name/--no-name`` for
    booleans) listed in ``--help`` with its key, type, default and docstring
    help; ``-D``, ``-C``, ``--print-config`` and ``--explain`` work as in
    :func:`add_arguments`. Precedence: flag > ``-D`` > config files > defaults.
    The result is published as the baseline (threads the program starts see
    it), and overrides nothing read or declared are warned about with "did you
    mean". With no ``fn``, the calling module's ``@hp.param`` functions become
    subcommands (a single one runs directly). Returns ``fn``'s result.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if fn is not None:
        parser = _build_parser(prog, fn)
        return _run(fn, parser, _parse(parser, arguments))
    caller = sys._getframe(1).f_globals
    functions = _caller_functions(caller)
    if not functions:
        raise TypeError(
            "hp.launch() found no @hp.param functions in the calling module; "
            "decorate one or pass it: hp.launch(train)"
        )
    if len(functions) == 1:
        only = next(iter(functions.values()))
        parser = _build_parser(prog, only)
        return _run(only, parser, _parse(parser, arguments))
    parser = argparse.ArgumentParser(prog=prog, description=(caller.get("__doc__") or "").strip()
                                     or None, allow_abbrev=False)
    commands = parser.add_subparsers(dest="hp_command", metavar="COMMAND", required=True)
    sub_parsers = {}
    for name, function in functions.items():
        doc = (function.__doc__ or "").strip()
        sub = commands.add_parser(name, help=doc.split("\n")[0] if doc else None,
                                  description=doc.split("\n\n")[0] if doc else None,
                                  allow_abbrev=False)
        add_arguments(sub)
        _add_function_flags(sub, function)
        sub_parsers[name] = sub
    if arguments and not arguments[0].startswith("-") and arguments[0] not in functions:
        parser.error(f"unknown command {arguments[0]!r}{did_you_mean(arguments[0], functions)}")
    args = _parse(parser, arguments)
    return _run(functions[args.hp_command], sub_parsers[args.hp_command], args)


# --------------------------------------------------------------------------- the hp command


def _load_side(
    files_and_sets: Sequence[str], defines: Sequence[str]
) -> Tuple[Dict[str, Any], Dict[str, str]]:
    builder = _LayerBuilder()
    builder.add_files(list(files_and_sets))
    builder.add_defines(defines)
    values = {k: _plain(v) for k, v in builder.values.items()}
    return values, builder.sources


def _dump(obj: Any, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(obj, indent=2, default=repr, sort_keys=True) + "\n")


def _cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    values, sources = _load_side(args.files, args.define)
    if args.json:
        _dump({"config": _nest(values), "sources": sources if args.sources else None}, True, out)
    elif args.sources:
        rows = [(k, json.dumps(v, default=repr), sources[k]) for k, v in sorted(values.items())]
        out.write(_provenance.format_table(("key", "value", "source"), rows) + "\n")
    else:
        out.write(_yaml_of(values))
    return 0


def _side(spec: str) -> Tuple[Dict[str, Any], str]:
    """Read one side of ``hp diff``: a config file, or ``key=value`` assignments."""
    from pathlib import Path

    if Path(spec).exists() or "=" not in spec:
        values, _ = _load_side([spec], [])
        return values, spec
    assignments = [part for part in spec.replace(",", " ").split() if part]
    values, _ = _load_side([], assignments)
    return values, spec


def _cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    left, _ = _side(args.a)
    right, _ = _side(args.b)
    added = {k: right[k] for k in sorted(set(right) - set(left))}
    removed = {k: left[k] for k in sorted(set(left) - set(right))}
    both = sorted(set(left) & set(right))
    changed = {k: [left[k], right[k]] for k in both if left[k] != right[k]}
    if args.json:
        _dump({"added": added, "removed": removed, "changed": changed}, True, out)
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
    builder = _LayerBuilder()
    builder.add_files(args.files)
    builder.add_defines(args.define)
    with builder.scope("command line"):
        explanation = _provenance.explain(args.key)
    if args.json:
        _dump(explanation.as_dict(), True, out)
    elif explanation.source == "not set":
        hint = did_you_mean(args.key, builder.values)
        out.write(f"{args.key} is not set by {' '.join(args.files) or 'the arguments'}{hint}\n")
        return 1
    else:
        out.write(str(explanation) + "\n")
    return 0


def _cmd_params(args: argparse.Namespace, out: TextIO) -> int:
    from ._scan import scan

    found = scan(args.target)
    if args.json:
        _dump([item._asdict() for item in found], True, out)
        return 0
    rows = [(item.key, item.kind, item.default, f"{item.file}:{item.line}") for item in found]
    out.write(_provenance.format_table(("key", "kind", "default", "where"), rows) + "\n")
    return 0


def _hp_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hp", allow_abbrev=False,
        description="Inspect configs and the parameters code reads.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    show = commands.add_parser("show", help="print the merged config of FILEs (and -D overrides)")
    show.add_argument("files", nargs="+", metavar="FILE")
    show.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE")
    show.add_argument("--sources", action="store_true", help="show where each value comes from")

    params = commands.add_parser("params", help="list the parameters code binds or reads")
    params.add_argument("target", metavar="PATH_OR_MODULE")

    diff = commands.add_parser("diff", help="keys added, removed and changed between two configs")
    diff.add_argument("a", metavar="A", help="a config file or 'key=value,...' assignments")
    diff.add_argument("b", metavar="B", help="a config file or 'key=value,...' assignments")

    explain = commands.add_parser("explain", help="where KEY's value comes from")
    explain.add_argument("key", metavar="KEY")
    explain.add_argument("files", nargs="*", metavar="FILE")
    explain.add_argument("-D", "--define", action="append", default=[], metavar="KEY=VALUE")

    for sub in (show, params, diff, explain):
        sub.add_argument("--json", action="store_true", help="print JSON for tools")
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the ``hp`` command (also ``python -m hyperparameter``); return the exit status."""
    parser = _hp_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    commands = ("show", "params", "diff", "explain")
    if arguments and not arguments[0].startswith("-") and arguments[0] not in commands:
        parser.error(f"unknown command {arguments[0]!r}{did_you_mean(arguments[0], commands)}")
    args = parser.parse_args(arguments)
    stream = out or sys.stdout
    handler = {"show": _cmd_show, "params": _cmd_params, "diff": _cmd_diff,
               "explain": _cmd_explain}[args.command]
    try:
        return handler(args, stream)
    except (ValueError, KeyError, OSError, TypeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        sys.stderr.write(f"hp {args.command}: error: {message}\n")
        return 2

