"""The Redis store: a hash of dotted keys to JSON values, changes announced by pub/sub."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Dict, Iterable, Mapping, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._store import StoreError, StoreFormatError, encode_changes, parse_values, reject_constant

__all__ = ["REDIS_FALLBACK", "REDIS_KEY", "RedisStore", "redact"]

REDIS_KEY = "hyperparameter"  # default name of the Redis hash; notices go to NAME:changes
REDIS_FALLBACK = 5.0  # seconds between re-reads of the hash when no notice came


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
        self.url = redact(url)
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
                data[name] = json.loads(value, parse_constant=reject_constant)
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


def redact(url: str) -> str:
    """Return ``url`` without its password (for sources and log lines)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
