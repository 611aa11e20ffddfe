"""Where each value came from: ``hp.explain(key)`` and ``hp.report()``.

Every layer records its origin (a ``with hp.scope(...)`` at file:line, a config
file line, a ``-D`` argument, a ``--name`` flag, ``HYPERPARAMETER_PARAMS``, the
baseline published by ``hp.frozen()``); reads record the default they gave.
This module only reads that bookkeeping, so it costs nothing until called.
"""

from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Sequence, Tuple

from . import _scope
from ._keys import closest_keys, validate_key
from ._source import BASELINE, DEFAULT, Source, default_source
from ._values import MISSING, Text, resolve

__all__ = ["Explanation", "Report", "explain", "format_table", "report"]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Return ``rows`` as a plain-text table with aligned columns."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows)
    return "\n".join(lines)


def _shown(value: Any) -> Any:
    """Return a JSON-friendly form of a stored value (text shows as its text)."""
    if isinstance(value, Text):
        return value.text
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_shown(v) for v in value]
    return repr(value)


class Explanation(NamedTuple):
    """The value in force for one key, where it came from, and what it shadows."""

    key: str
    value: Any
    source: Source
    shadowed: List[Tuple[Any, Source]]
    default: Any

    @property
    def is_set(self) -> bool:
        """Whether some layer defines the key (else the read's default applies)."""
        return self.source.kind != DEFAULT and self.source != "not set"

    def as_dict(self) -> Dict[str, Any]:
        """Return a JSON-friendly dict (``source`` as text, ``source_record`` structured)."""
        return {
            "key": self.key,
            "value": _shown(self.value),
            "source": str(self.source),
            "source_record": self.source.as_dict(),
            "shadowed": [{"value": _shown(v), "source": str(s), "source_record": s.as_dict()}
                         for v, s in self.shadowed],
        }

    def __str__(self) -> str:
        if self.source == "not set":
            return f"{self.key} is not set (no scope, file, -D or baseline defines it)"
        lines = [f"{self.key} = {_shown(self.value)!r}", f"  from: {self.source}"]
        for value, source in self.shadowed:
            lines.append(f"  shadows {_shown(value)!r} from: {source}")
        return "\n".join(lines)


def explain(key: str) -> Explanation:
    """Return the value of ``key`` in force here, its source, and the values it shadows.

    ``print(hp.explain("train.lr"))`` shows the chain; ``--explain KEY`` on the
    command line prints the same.
    """
    key = validate_key(key)
    found: List[Tuple[Any, Source]] = []
    for layer in _scope.current_layers():
        if key in layer.params:
            value, source = layer.params[key], layer.source_of(key)
            # A value published from a layer still in force (hp.frozen() inside a
            # scope) is the same value, not one it shadows: show it once.
            if not (source.kind == BASELINE and any(
                    s == source.via and v is value for v, s in found)):
                found.append((value, source))
            found.extend(getattr(layer, "shadowed", {}).get(key, ()))
    default, default_from = _scope.read_default(key), default_source()
    if default is MISSING:  # not read yet: an @hp.param signature default still applies
        default, owner = _scope.declared().get(key, (MISSING, ""))
        default_from = Source(f"default of {owner}()", DEFAULT)
    if not found:
        if default is MISSING:
            return Explanation(key, MISSING, Source("not set", DEFAULT), [], MISSING)
        return Explanation(key, default, default_from, [], default)
    (value, source), shadowed = found[0], found[1:]
    value = resolve(value, default, key)
    if default is not MISSING:
        shadowed.append((default, default_from))
    return Explanation(key, value, source, shadowed, default)


class ReportRow(NamedTuple):
    """One key of a report."""

    key: str
    value: Any
    source: Source
    used_default: bool


class Report(NamedTuple):
    """What the run read (value, source, default or not) and what it set but never read."""

    read: List[ReportRow]
    unused: List[Tuple[str, Source, List[str]]]  # key, source, suggestions
    # Reads of keys past the record's bound (a program that builds keys without end).
    unrecorded: int = 0

    def as_dict(self) -> Dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            "read": [{"key": r.key, "value": _shown(r.value), "source": r.source,
                      "default": r.used_default} for r in self.read],
            "unused": [{"key": k, "source": s, "did_you_mean": m} for k, s, m in self.unused],
        }

    def to_json(self) -> str:
        """Return the report as JSON text."""
        import json

        return json.dumps(self.as_dict(), indent=2)

    def warnings(self) -> List[str]:
        """Return one line per key that was set but never read or declared."""
        lines = []
        for key, source, matches in self.unused:
            hint = f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else ""
            lines.append(f"unused override {key!r} (from {_kind(source)}){hint}")
        return lines

    def __str__(self) -> str:
        rows = [(r.key, repr(_shown(r.value)), "default" if r.used_default else r.source)
                for r in self.read]
        text = format_table(("key", "value", "source"), rows)
        extra = self.warnings()
        if self.unrecorded:
            extra.append(f"({self.unrecorded:,} reads of further keys were not recorded: the "
                         "record keeps the first 10,000 keys)")
        return text + ("\n\n" + "\n".join(extra) if extra else "")


def _kind(source: str) -> str:
    """Return the kind of a source for one-line warnings: '-D', '--lr', or the source."""
    if source.startswith("-D "):
        return "-D"
    if source.startswith("--"):
        return source.split(" ")[0]
    return source


def _short_source(source: Source) -> Source:
    # "-D train.lr=0.5" is what a user typed; keep it, not the publication chain.
    return source.origin


def report(print_table: bool = False) -> Report:
    """Return the keys read so far and the keys set but never read.

    Each read key comes with its value in force, its source and whether the
    read's default was used. Each key that is set but was neither read nor
    declared by ``@hp.param`` comes with "did you mean" suggestions among the
    read and declared keys. With ``print_table=True`` the report is printed.
    """
    reads = {key: _scope.read_default(key) for key in _scope.reads()}
    declared = _scope.declared()
    sources = _scope.effective_sources()
    values = _scope.effective()
    rows: List[ReportRow] = []
    for key in sorted(set(reads) | set(declared)):
        default = reads[key] if key in reads else declared[key][0]
        if key in values:
            value = resolve(values[key], default, key)
            rows.append(ReportRow(key, value, _short_source(sources[key]), False))
        else:
            rows.append(ReportRow(key, default, default_source(), True))
    known = set(reads) | set(declared)
    unused: List[Tuple[str, Source, List[str]]] = []
    for key in sorted(values):
        if key in known or any(k.startswith(key + ".") for k in known):
            continue
        unused.append((key, _short_source(sources[key]), closest_keys(key, known)))
    result = Report(rows, unused, _scope.unrecorded_reads())
    if print_table:
        print(result)
    return result

