"""The file store: parameters in one JSON or YAML file, replaced atomically, watched by polling."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Union

from ._store import StoreError, StoreFormatError, encode_changes, parse_values, reject_constant

__all__ = ["MAX_FILE_SIZE", "FileStore"]

MAX_FILE_SIZE = 16 * 1024 * 1024  # the Rust crate's limit too
RECENT = 2.0  # a file modified this recently is re-read at each check (coarse mtimes)


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
                data = json.loads(text, parse_constant=reject_constant)
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
        try:
            with _FileLock(os.path.join(directory, f".{os.path.basename(self.path)}.lock")):
                current = self._load() or {}
                current.update(encoded)
                for key in removed:
                    current.pop(key, None)
                self._replace(current)
        except StoreError:
            raise
        except OSError as exc:  # no directory, no permission, disk full: nothing was replaced
            raise StoreError(
                f"cannot write {self.url}: {exc.strerror or exc}; the store is unchanged"
            ) from None

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
