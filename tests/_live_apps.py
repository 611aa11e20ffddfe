"""Apps the web tests serve with real servers: each answers what its request reads.

A request names its id and variant (``/?id=7`` with header ``X-Variant: B``);
the middleware puts the variant in ``ab.variant``; the app reads it several
times across awaits (ASGI) or while streaming the body (WSGI), and reports
``llm.temperature`` (from the store the process follows, when STORE_URL is set)
and its process id. ASGI requests also start a task that reads the variant
after the response is sent; ``/background`` returns what those tasks read.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time
from typing import Any, Dict, Iterator, List, Set
from urllib.parse import parse_qs

import hyperparameter as hp
from hyperparameter.stores import attach
from hyperparameter.web import ASGIMiddleware, WSGIMiddleware, header

if os.environ.get("STORE_URL"):
    ATTACHMENT = attach(os.environ["STORE_URL"], interval=0.05)


def variant_of(request: Dict[str, Any]) -> Dict[str, Any]:
    """Choose the request's parameters from its X-Variant header."""
    return {"ab.variant": header(request, "x-variant", "none")}


def _reading() -> Dict[str, Any]:
    return {"variant": hp.scope.ab.variant | "unset",
            "temperature": hp.scope.llm.temperature | 1.0}


# --------------------------------------------------------------------------- ASGI

BACKGROUND: Dict[str, str] = {}
_TASKS: Set[Any] = set()  # strong references until each background task is done


async def _echo(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    query = parse_qs(scope["query_string"].decode())
    if scope["path"] == "/background":
        body: Any = dict(BACKGROUND)
    else:
        request_id = query.get("id", ["?"])[0]
        seen: List[Dict[str, Any]] = [_reading()]
        await asyncio.sleep(random.random() / 100)  # let other requests run in between
        seen.append(_reading())

        async def later() -> None:
            await asyncio.sleep(random.random() / 50)
            BACKGROUND[request_id] = hp.scope.ab.variant | "unset"

        task = asyncio.ensure_future(later())
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)
        body = {"id": request_id, "seen": seen, "pid": os.getpid()}
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


asgi_app = ASGIMiddleware(_echo, variant_of)


# --------------------------------------------------------------------------- WSGI


def _wsgi_echo(environ: Dict[str, Any], start_response: Any) -> Iterator[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    request_id = query.get("id", ["?"])[0]
    seen = [_reading()]
    start_response("200 OK", [("Content-Type", "application/json")])
    yield b'{"id": "' + request_id.encode() + b'", "pid": ' + str(os.getpid()).encode()
    time.sleep(random.random() / 200)  # another thread's request runs meanwhile
    seen.append(_reading())
    yield b', "thread": "' + threading.current_thread().name.encode() + b'"'
    seen.append(_reading())
    yield b', "seen": ' + json.dumps(seen).encode() + b"}"


wsgi_app = WSGIMiddleware(_wsgi_echo, variant_of)
