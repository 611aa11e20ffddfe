"""Live parameters: a process baseline that follows a shared store.

``hp.attach(url)`` loads the parameters held by a *store* (a JSON or YAML file,
or a Redis hash) into the process-wide baseline, then a background thread
applies every later change, published by any process, as a new baseline in one
step (as ``hp.frozen()`` does). Scopes still win over the baseline, and reads
never touch the store: an attached process reads its in-memory baseline exactly
as an unattached one does.

>>> import hyperparameter as hp, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "params.json")
>>> store = open_store("file://" + path)
>>> store.publish({"llm.temperature": 0.7})
>>> with attach(store):
...     hp.scope.llm.temperature | 1.0
0.7

A store is any object with the three methods of :class:`Store`; the values it
holds are those of ``HYPERPARAMETER_PARAMS``: dotted keys to numbers, booleans,
``None``, strings (text, converted toward the default's type at each read) and
lists of them. See docs/live.md for the rules on faults, removals and detaching.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Dict, List, Optional, TextIO, Tuple, Union

from . import _scope
from ._keys import split_assignment
from ._source import Source, store_source
from ._store import (
    DEFAULT_INTERVAL,
    Store,
    StoreError,
    StoreFormatError,
    StoreValueError,
    encode_changes,
    parse_values,
    same_value,
)
from ._values import Text

if TYPE_CHECKING:
    from ._filestore import FileStore
    from ._redisstore import RedisStore

__all__ = [
    "DEFAULT_INTERVAL",
    "Attachment",
    "FileStore",
    "RedisStore",
    "Store",
    "StoreError",
    "StoreFormatError",
    "StoreValueError",
    "attach",
    "cmd_publish",
    "cmd_show_store",
    "encode_changes",
    "open_store",
    "parse_values",
]

logger = logging.getLogger("hyperparameter.stores")

# The two store classes (and what they import: tempfile, urllib) load on first use, so
# that `import hyperparameter`, which imports this module for hp.attach, stays fast.
_STORE_CLASSES = {"FileStore": "_filestore", "RedisStore": "_redisstore"}


def __getattr__(name: str) -> Any:
    if name not in _STORE_CLASSES:
        raise AttributeError(f"module 'hyperparameter.stores' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"hyperparameter.{_STORE_CLASSES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_STORE_CLASSES))


def open_store(url: Union[str, os.PathLike[str], Store]) -> Store:
    """Return the store named by ``url`` (``file:///abs/path.json|.yaml``, ``redis://...``)."""
    from urllib.parse import unquote, urlsplit

    from ._filestore import FileStore
    from ._redisstore import RedisStore

    if isinstance(url, os.PathLike):
        return FileStore(url)
    if not isinstance(url, str):
        if isinstance(url, Store):
            return url
        raise TypeError(
            f"expected a store URL or a store object (read, publish, watch), got {url!r}"
        )
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError(
                f"store URL {url!r} must name an absolute path: file:///abs/path/params.json "
                "(three slashes)"
            )
        return FileStore(unquote(parts.path))
    if parts.scheme in ("redis", "rediss", "unix"):
        return RedisStore(url)
    fix = f"file://{os.path.abspath(url)}" if not parts.scheme else "redis://host:6379/0"
    raise ValueError(
        f"unknown store URL {url!r}: name a store as file:///abs/path/params.json "
        f"(.json, .yaml or .yml) or redis://host:6379/0, for example {fix!r}"
    )


# --------------------------------------------------------------------------- attaching

# Attachments change the baseline one at a time (read, change, replace).
_APPLY_LOCK = threading.Lock()
_FOLLOWING: weakref.WeakSet[Attachment] = weakref.WeakSet()


class Attachment:
    """A process baseline following a store; returned by :func:`attach`.

    ``detach()`` stops the watcher (and waits for it): no change is applied
    afterwards and the baseline keeps the values it has. Used as a context
    manager, leaving the block detaches and also takes the store's values
    back out: each key the store set gets the value it had before, unless
    something else changed it since.
    """

    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.url: str = store.url
        self.interval = interval
        self.source: Source = store_source(self.url)
        #: The fault in force (the store unreachable or malformed), or None.
        self.error: Optional[BaseException] = None
        #: How many times a change from the store was applied (attach counts one).
        self.changes = 0
        self._raw: Dict[str, Any] = {}
        self._mine: Dict[str, Text] = {}  # key -> the value object this attachment set
        self._displaced: Dict[str, Optional[Tuple[Any, Source]]] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __repr__(self) -> str:
        state = "following" if self.following else "detached"
        return f"<hp.attach({self.url!r}) {state}, {len(self._raw)} parameters>"

    @property
    def following(self) -> bool:
        """Whether the background watcher is running."""
        return self._thread is not None and self._thread.is_alive()

    def values(self) -> Dict[str, Any]:
        """Return the store's parameters as last read (JSON-like values)."""
        return dict(self._raw)

    # ---- the watcher

    def _start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"hyperparameter attach {self.url}")
        self._thread.start()
        _FOLLOWING.add(self)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.watch(self._check, self._stop, self.interval)
            except Exception:  # an adapter's bug: say so, and keep following
                logger.exception("store %s: the watcher failed; restarting it", self.url)
                self._stop.wait(self.interval)

    def _check(self) -> None:
        try:
            values = self.store.read()
        except Exception as exc:
            if self.error is None:
                logger.warning("store %s is unavailable (%s); keeping the last good values "
                               "until it is back", self.url, exc)
            self.error = exc
            return
        if self.error is not None:
            self.error = None
            logger.warning("store %s is back; following it again", self.url)
        if not self._stop.is_set():
            self._apply(values)

    def _apply(self, new: Dict[str, Any]) -> None:
        old = self._raw
        changed = {k: v for k, v in new.items() if k not in old or not same_value(old[k], v)}
        removed = [k for k in old if k not in new]
        if not changed and not removed:
            return
        with _APPLY_LOCK:
            base = _scope.baseline()
            values = dict(base.params)
            sources = {key: base.source_of(key) for key in values}
            for key, value in changed.items():
                if key not in self._mine:
                    self._displaced[key] = (values[key], sources[key]) if key in values else None
                text = Text(value, self.source)
                values[key] = self._mine[key] = text
                sources[key] = self.source
            for key in removed:
                self._give_back(key, values, sources)
            _scope.set_baseline(values, sources, self.source)
            self._raw = dict(new)
            self.changes += 1

    def _give_back(self, key: str, values: Dict[str, Any], sources: Dict[str, Source]) -> None:
        """Put back the value ``key`` had before this store set it (if still the store's)."""
        mine = self._mine.pop(key, None)
        displaced = self._displaced.pop(key, None)
        if mine is None or values.get(key) is not mine:
            return  # something else changed it since: leave that
        if displaced is None:
            del values[key]
            sources.pop(key, None)
        else:
            values[key], sources[key] = displaced

    # ---- the handle

    def detach(self) -> None:
        """Stop following the store; the baseline keeps the values it has. Idempotent."""
        self._stop.set()
        _FOLLOWING.discard(self)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def withdraw(self) -> None:
        """Detach, and give each key the store set back the value it had before."""
        self.detach()
        with _APPLY_LOCK:
            base = _scope.baseline()
            values = dict(base.params)
            sources = {key: base.source_of(key) for key in values}
            for key in list(self._mine):
                self._give_back(key, values, sources)
            _scope.set_baseline(values, sources, self.source)
            self._raw = {}

    def __enter__(self) -> Attachment:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.withdraw()


def attach(store: Union[str, os.PathLike[str], Store], *,
           interval: float = DEFAULT_INTERVAL) -> Attachment:
    """Make the process baseline follow ``store`` (a URL or a store object); return the handle.

    The store's values are applied now (a store that cannot be read is an
    error, and nothing changes); then a daemon thread applies each later change
    as a new baseline in one step, as ``hp.frozen()`` does, within about
    ``interval`` seconds (file stores poll; Redis stores are notified at once).
    Only keys whose value changed are applied; a key removed from the store
    gets back the value it had before the store set it. Scopes still win over
    the baseline, and ``hp.explain`` names the store. When the store becomes
    unreachable or malformed the last good values stay, one warning is logged
    (logger ``hyperparameter.stores``) and another when it is back. A forked
    child process follows the store too (its own watcher starts after fork).
    """
    if not (isinstance(interval, (int, float)) and 0 < interval <= 3600):
        raise ValueError(f"attach interval must be a number of seconds in (0, 3600], "
                         f"got {interval!r}")
    found = open_store(store)
    handle = Attachment(found, float(interval))
    handle._apply(found.read())
    handle._start()
    return handle


def _follow_in_child() -> None:
    """In a forked child: fresh locks, and a watcher for each attachment the parent had."""
    global _APPLY_LOCK
    _APPLY_LOCK = threading.Lock()
    for handle in list(_FOLLOWING):
        if not handle._stop.is_set():
            handle._start()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_follow_in_child)


# --------------------------------------------------------------------------- the hp command


def cmd_publish(args: Any, out: TextIO) -> int:
    """``hp publish --store URL key=value ... [--remove KEY ...]``: values are text, as ``-D``."""
    changes: Dict[str, Any] = {}
    for text in args.assignments:
        key, value = split_assignment(text, f"hp publish {text}")
        changes[key] = value
    remove = list(getattr(args, "remove", None) or [])
    if not changes and not remove:
        raise ValueError("hp publish needs at least one key=value (or --remove KEY)")
    store = open_store(args.store)
    store.publish(changes, remove=remove)
    done = len(changes) + len(remove)
    out.write(f"published {done} change{'s' * (done != 1)} to {store.url}\n")
    return 0


def cmd_show_store(url: str, as_json: bool, out: TextIO) -> int:
    """``hp show --store URL [--json]``: print the parameters a store holds."""
    store = open_store(url)
    values = store.read()
    if as_json:
        out.write(json.dumps(values, indent=2, sort_keys=True) + "\n")
    elif values:
        width = max(len(key) for key in values)
        for key in sorted(values):
            out.write(f"{key.ljust(width)} = {json.dumps(values[key], ensure_ascii=False)}\n")
    else:
        out.write(f"{store.url} holds no parameters\n")
    return 0
