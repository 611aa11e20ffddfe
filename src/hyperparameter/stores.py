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
import math
import os
import tempfile
import threading
import time
import weakref
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    TextIO,
    Tuple,
    Union,
    runtime_checkable,
)
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from . import _scope
from ._keys import split_assignment, validate_key
from ._source import Source, store_source
from ._tree import flatten
from ._values import Text
from .errors import HyperparameterError

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
    "open_store",
]

logger = logging.getLogger("hyperparameter.stores")

DEFAULT_INTERVAL = 0.2  # seconds between checks of a file store (and stop checks)
MAX_FILE_SIZE = 16 * 1024 * 1024  # the Rust crate's limit too
RECENT = 2.0  # a file modified this recently is re-read at each check (coarse mtimes)
REDIS_KEY = "hyperparameter"  # default name of the Redis hash; notices go to NAME:changes
REDIS_FALLBACK = 5.0  # seconds between re-reads of the hash when no notice came


class StoreError(HyperparameterError, OSError):
    """A store cannot be reached or read (missing file, refused connection)."""


class StoreFormatError(HyperparameterError, ValueError):
    """A store holds something other than parameters (bad JSON/YAML, bad key, bad value)."""


class StoreValueError(HyperparameterError, TypeError):
    """A value given to ``publish`` cannot be kept in a store (not JSON-like, or not finite)."""


@runtime_checkable
class Store(Protocol):
    """What ``hp.attach`` needs from a store; write an adapter by giving a class these members.

    ``url`` names the store in ``hp.explain`` and in log lines (no password).
    ``read()`` returns every parameter as a new dict of dotted key to JSON-like
    value (``None``, bool, int, float, str, list), or raises (any exception is a
    fault: the attached process keeps its last good values). ``publish()``
    validates everything first and then writes all changes and removals in one
    step, or nothing. ``watch()`` runs in the attachment's background thread:
    it calls ``callback()`` whenever the store may have changed (extra calls
    are harmless: the caller re-reads and compares), checks ``stop`` at least
    every ``interval`` seconds and returns once it is set. It must not raise
    for faults of the store: keep trying, and call ``callback()`` after a
    reconnection so that changes missed meanwhile are picked up.
    """

    url: str

    def read(self) -> Dict[str, Any]: ...

    def publish(self, changes: Mapping[str, Any], *, remove: Iterable[str] = ()) -> None: ...

    def watch(self, callback: Callable[[], None], stop: threading.Event,
              interval: float) -> None: ...


# --------------------------------------------------------------------------- values


def _check_value(key: str, value: Any, where: str) -> None:
    """Raise :class:`StoreFormatError` unless ``value`` is a value a store may hold."""
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if math.isfinite(value):
            return
    elif isinstance(value, list):
        for item in value:
            _check_value(key, item, where)
        return
    raise StoreFormatError(
        f"{where} holds {value!r} ({type(value).__name__}) for parameter {key!r}: a store "
        "holds numbers (finite), booleans, null, strings and lists of them; fix the store"
    )


def parse_values(data: Any, where: str) -> Dict[str, Any]:
    """Return the parameters in a decoded store document (nested objects become dotted keys)."""
    if not isinstance(data, dict):
        raise StoreFormatError(
            f"{where} must hold one object of dotted keys to values, like "
            f'{{"llm.temperature": 0.7}}, not {type(data).__name__} {str(data)[:60]!r}'
        )
    try:
        flat = flatten(data, "", where)
    except (TypeError, ValueError) as exc:
        raise StoreFormatError(str(exc)) from None
    for key, value in flat.items():
        _check_value(key, value, where)
    return flat


def encode_changes(
    url: str, changes: Mapping[str, Any], remove: Iterable[str]
) -> Tuple[Dict[str, Any], List[str]]:
    """Validate a publish: return the flat encoded changes and the keys to remove.

    Raises before anything is written: ``InvalidKeyError`` for a bad key,
    :class:`StoreValueError` for a value a store cannot hold.
    """
    where = f"a publish to {url}"
    if isinstance(remove, str):
        remove = [remove]
    flat = flatten(changes, "", where)  # validates keys; nested mappings become dotted keys
    encoded: Dict[str, Any] = {}
    for key, value in flat.items():
        try:
            data = _scope._encode(key, value)
            json.dumps(data, allow_nan=False)
        except (TypeError, ValueError):
            raise StoreValueError(
                f"cannot publish parameter {key!r} = {value!r} ({type(value).__name__}) to "
                f"{url}: a store holds finite numbers, booleans, None, strings and lists of "
                "them; convert the value (for example to a string or a list); nothing was "
                "written"
            ) from None
        encoded[key] = data
    removed = [validate_key(key, where) for key in remove]
    both = sorted(set(removed) & set(encoded))
    if both:
        raise ValueError(
            f"{where} both sets and removes {both[0]!r}; do one or the other; nothing was written"
        )
    return encoded, removed


def _same(a: Any, b: Any) -> bool:
    """Return whether two store values are equal in type and value (``1`` is not ``True``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


# --------------------------------------------------------------------------- file store


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class FileStore:
    """Parameters in one JSON or YAML file (``.yaml``/``.yml``; any other name is JSON).

    Writers replace the file atomically (a temporary file in the same
    directory, then a rename), so a reader sees the old or the new file, never
    half of one; publishers in several processes take turns through a lock
    file beside it. Watched by polling its size, modified time and inode.
    """

    def __init__(self, path: Union[str, os.PathLike[str]]) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.url = "file://" + self.path
        self.yaml = self.path.endswith((".yaml", ".yml"))

    def __repr__(self) -> str:
        return f"FileStore({self.path!r})"

    def _load(self) -> Optional[Dict[str, Any]]:
        """Return the file's parameters, or None when the file does not exist."""
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > MAX_FILE_SIZE:
                    raise StoreFormatError(
                        f"{self.url} is {size:,} bytes, over the {MAX_FILE_SIZE:,}-byte limit "
                        "of a store file; keep parameters, not data, in it"
                    )
                raw = f.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StoreError(f"{self.url} is a directory, not a store file") from None
        except OSError as exc:
            raise StoreError(f"cannot read {self.url}: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8")
            if not text.strip():
                raise ValueError("the file is empty (an empty store is written {})")
            if self.yaml:
                import yaml

                data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            else:
                data = json.loads(text, parse_constant=_reject_constant)
        except Exception as exc:  # any parser error (and RecursionError) means malformed
            raise StoreFormatError(
                f"{self.url} is not valid {'YAML' if self.yaml else 'JSON'}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            ) from None
        return parse_values(data, self.url)

    def read(self) -> Dict[str, Any]:
        """Return the parameters in the file; :class:`StoreError` when it does not exist."""
        found = self._load()
        if found is None:
            raise StoreError(
                f"{self.url} does not exist; create it with a publish "
                f"(hp publish --store {self.url} key=value) or write {{}} to it"
            )
        return found

    def publish(self, changes: Mapping[str, Any], *, remove: Iterable[str] = ()) -> None:
        """Set ``changes`` and delete the keys in ``remove``, in one atomic replacement.

        Everything is validated before the file is touched. A missing file is
        created; a malformed one is refused (fix it or write ``{}`` to it first).
        """
        encoded, removed = encode_changes(self.url, changes, remove)
        directory = os.path.dirname(self.path)
        with _FileLock(os.path.join(directory, f".{os.path.basename(self.path)}.lock")):
            current = self._load() or {}
            current.update(encoded)
            for key in removed:
                current.pop(key, None)
            self._replace(current)

    def _replace(self, values: Dict[str, Any]) -> None:
        if self.yaml:
            import yaml

            text = yaml.dump(dict(sorted(values.items())), Dumper=getattr(
                yaml, "CSafeDumper", yaml.SafeDumper), default_flow_style=False,
                allow_unicode=True, sort_keys=True) if values else "{}\n"
        else:
            text = json.dumps(values, indent=2, sort_keys=True, allow_nan=False,
                              ensure_ascii=False) + "\n"
        directory, name = os.path.split(self.path)
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            try:
                mode = os.stat(self.path).st_mode & 0o777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(temp, mode)
            os.replace(temp, self.path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise

    def _signature(self) -> Any:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            return type(exc).__name__
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def watch(self, callback: Callable[[], None], stop: threading.Event,
              interval: float) -> None:
        """Call ``callback`` when the file's size, modified time or inode changes."""
        last: Any = None
        while not stop.is_set():
            signature = self._signature()
            # A file replaced twice within the clock's resolution keeps its mtime:
            # re-read while the file is recent (the caller compares contents).
            recent = isinstance(signature, tuple) and time.time() - signature[0] / 1e9 < RECENT
            if signature != last or recent:
                last = signature
                callback()
            stop.wait(interval)


class _FileLock:
    """An exclusive lock on a lock file (POSIX ``flock``; no lock where it is missing)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> _FileLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: the rename is still atomic
            return self
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the lock
            self.fd = -1


# --------------------------------------------------------------------------- Redis store


class RedisStore:
    """Parameters in a Redis hash (field: dotted key, value: JSON), changes announced by pub/sub.

    ``redis://host:6379/0`` keeps them in the hash ``hyperparameter`` and
    announces each publish on the channel ``hyperparameter:changes``;
    ``?key=NAME`` chooses another hash (and ``NAME:changes``). Other query
    parameters go to ``redis.Redis.from_url``. Needs the ``redis`` client
    (``pip install 'hyperparameter[redis]'``).
    """

    def __init__(self, url: str, *, key: Optional[str] = None,
                 fallback: float = REDIS_FALLBACK, timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        named = [value for name, value in query if name == "key"]
        self.key = key or (named[-1] if named else REDIS_KEY)
        self.channel = f"{self.key}:changes"
        rest = [(name, value) for name, value in query if name != "key"]
        self._connect_url = urlunsplit(parts._replace(query=urlencode(rest)))
        self.url = _redact(url)
        self.fallback = fallback
        self.timeout = timeout
        self._client: Any = None
        self._pid = -1

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r})"

    def _redis(self) -> Any:
        try:
            import redis
        except ImportError:
            raise ImportError(
                f"the Redis store {self.url} needs the redis client: "
                "pip install 'hyperparameter[redis]'"
            ) from None
        return redis

    def _connect(self) -> Any:
        redis = self._redis()
        return redis.Redis.from_url(self._connect_url, socket_timeout=self.timeout,
                                    socket_connect_timeout=self.timeout)

    def client(self) -> Any:
        """Return this process's client (a forked child makes its own)."""
        if self._client is None or self._pid != os.getpid():
            self._client = self._connect()
            self._pid = os.getpid()
        return self._client

    def _fault(self, exc: Exception) -> StoreError:
        return StoreError(f"Redis store {self.url}: {type(exc).__name__}: {exc}")

    def read(self) -> Dict[str, Any]:
        """Return the parameters in the hash (empty when the hash does not exist)."""
        errors = self._redis().RedisError
        try:
            raw = self.client().hgetall(self.key)
        except errors as exc:
            raise self._fault(exc) from None
        data: Dict[str, Any] = {}
        for field, value in raw.items():
            name = field.decode("utf-8", "replace")
            try:
                data[name] = json.loads(value, parse_constant=_reject_constant)
            except ValueError as exc:
                raise StoreFormatError(
                    f"{self.url}: field {name!r} of hash {self.key!r} holds {value[:60]!r}, "
                    f"which is not JSON ({exc}); publish values through hp publish or "
                    "RedisStore.publish"
                ) from None
        return parse_values(data, f"{self.url} (hash {self.key!r})")

    def publish(self, changes: Mapping[str, Any], *, remove: Iterable[str] = ()) -> None:
        """Set ``changes`` and delete ``remove`` in one transaction, then announce it."""
        encoded, removed = encode_changes(self.url, changes, remove)
        errors = self._redis().RedisError
        try:
            pipe = self.client().pipeline(transaction=True)
            if encoded:
                pipe.hset(self.key, mapping={k: json.dumps(v) for k, v in encoded.items()})
            if removed:
                pipe.hdel(self.key, *removed)
            pipe.publish(self.channel, json.dumps({"set": sorted(encoded), "removed": removed}))
            pipe.execute()
        except errors as exc:
            raise self._fault(exc) from None

    def watch(self, callback: Callable[[], None], stop: threading.Event,
              interval: float) -> None:
        """Call ``callback`` on each notice, after each (re)connection, and every ``fallback``."""
        errors = self._redis().RedisError
        while not stop.is_set():
            client = pubsub = None
            try:
                client = self._connect()
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                callback()  # subscribed: re-read what may have changed before
                last = time.monotonic()
                while not stop.is_set():
                    if pubsub.get_message(timeout=interval) is not None or (
                        time.monotonic() - last >= self.fallback
                    ):
                        callback()
                        last = time.monotonic()
            except errors:
                callback()  # the read fails too, and the attachment reports the fault
                stop.wait(interval)
            finally:
                for closable in (pubsub, client):
                    if closable is not None:
                        try:
                            closable.close()
                        except Exception:  # already broken: nothing to release
                            pass


def _redact(url: str) -> str:
    """Return ``url`` without its password (for sources and log lines)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def open_store(url: Union[str, os.PathLike[str], Store]) -> Store:
    """Return the store named by ``url`` (``file:///abs/path.json|.yaml``, ``redis://...``)."""
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
        changed = {k: v for k, v in new.items() if k not in old or not _same(old[k], v)}
        removed = [k for k in old if k not in new]
        if not changed and not removed:
            return
        with _APPLY_LOCK:
            base = _scope.baseline()
            values = dict(base)
            sources = {key: base.source_of(key) for key in values}
            for key, value in changed.items():
                if key not in self._mine:
                    self._displaced[key] = (values[key], sources[key]) if key in values else None
                text = Text(value, self.source)
                values[key] = self._mine[key] = text
                sources[key] = self.source
            for key in removed:
                self._give_back(key, values, sources)
            _scope._set_baseline(values, sources, self.source)
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
            values = dict(base)
            sources = {key: base.source_of(key) for key in values}
            for key in list(self._mine):
                self._give_back(key, values, sources)
            _scope._set_baseline(values, sources, self.source)
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
