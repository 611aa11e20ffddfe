"""Real servers for the live-parameter tests: Redis, uvicorn, a threaded WSGI server, a client.

Every server listens on 127.0.0.1 on a free port and runs in its own process,
started and stopped by the test that needs it. Waits are bounded polling loops
on a condition; nothing asserts on elapsed time.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEADLINE = 60.0  # seconds any wait may take before the test fails (never reached when healthy)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll ``condition`` until it returns a true value (returned); fail naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """Return whether something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def child_env(**extra: str) -> Dict[str, str]:
    """Return the environment for a server process: this package and the tests importable."""
    env = dict(os.environ)
    env.pop("HYPERPARAMETER_PARAMS", None)
    env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.join(ROOT, "src"), ROOT])
    env.update(extra)
    return env


class RedisServer:
    """A ``redis-server`` of our own, on a free loopback port, keeping nothing on disk."""

    def __init__(self, directory: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (.ci/services installs it with apt-get)")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        """Return whether the server answers PING."""
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server (its data is gone) and wait for the process to end."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class ServerProcess:
    """An HTTP server in a child process (``python -c CODE``) on a free port."""

    def __init__(self, code: str, **env: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port)], cwd=HERE,
            env=child_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        wait_until(lambda: self.process.poll() is not None or listening(self.port),
                   f"a server on port {self.port}")
        if self.process.poll() is not None:
            output = self.process.stdout.read().decode() if self.process.stdout else ""
            pytest.fail(f"the server exited at start:\n{output}")

    def stop(self) -> str:
        """Stop the server and return what it printed."""
        self.process.terminate()
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        return out.decode(errors="replace") if out else ""


def uvicorn_server(app: str, **env: str) -> ServerProcess:
    """Serve the ASGI app ``module:name`` (from tests/ or examples/) with uvicorn."""
    pytest.importorskip("uvicorn")
    code = (
        "import sys, uvicorn\n"
        f"uvicorn.run({app!r}, host='127.0.0.1', port=int(sys.argv[1]), "
        "log_level='warning', backlog=4096, limit_concurrency=None)\n"
    )
    return ServerProcess(code, **env)


def wsgi_server(app: str, **env: str) -> ServerProcess:
    """Serve the WSGI app ``module:name`` with wsgiref, one thread per request."""
    module, name = app.split(":")
    code = (
        "import sys, importlib\n"
        "from socketserver import ThreadingMixIn\n"
        "from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server\n"
        "class Server(ThreadingMixIn, WSGIServer):\n"
        "    daemon_threads = True\n"
        "    request_queue_size = 4096\n"
        "class Quiet(WSGIRequestHandler):\n"
        "    def log_message(self, *args):\n"
        "        pass\n"
        f"app = getattr(importlib.import_module({module!r}), {name!r})\n"
        "make_server('127.0.0.1', int(sys.argv[1]), app, server_class=Server,\n"
        "            handler_class=Quiet).serve_forever()\n"
    )
    return ServerProcess(code, **env)


async def _get(port: int, path: str, headers: Sequence[Tuple[str, str]]) -> Tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return status, body


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def get(port: int, path: str, headers: Sequence[Tuple[str, str]] = ()) -> Tuple[int, Any]:
    """Send one GET request; return the status and the JSON body."""
    status, body = asyncio.run(_get(port, path, headers))
    return status, json.loads(body) if status == 200 else body.decode(errors="replace")


def get_many(requests: List[Tuple[int, str, Sequence[Tuple[str, str]]]],
             ) -> List[Tuple[int, Any]]:
    """Send all ``(port, path, headers)`` requests at once; return statuses and JSON bodies."""

    async def run() -> List[Tuple[int, bytes]]:
        return list(await asyncio.gather(*(_get(*request) for request in requests)))

    return [(status, json.loads(body) if status == 200 else body.decode(errors="replace"))
            for status, body in asyncio.run(run())]
