"""Request scopes: ASGI and WSGI middleware, in process and behind real servers.

The server tests (marked ``web``) serve tests/_live_apps.py with uvicorn and a
threaded wsgiref server in child processes, send hundreds of concurrent
requests with alternating variants, and check that every reading in every
response (and in every background task) is the request's own. The live test
attaches several worker processes to one store and publishes a change while
the load runs.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import hyperparameter as hp
from _live import (
    RedisServer,
    ServerProcess,
    get,
    get_many,
    uvicorn_server,
    wait_until,
    wsgi_server,
)
from hyperparameter.stores import open_store
from hyperparameter.web import ASGIMiddleware, WSGIMiddleware, header

REQUESTS = 600


def variant_params(request: Dict[str, Any]) -> Dict[str, Any]:
    """Choose the request's parameters from its X-Variant header."""
    return {"ab.variant": header(request, "x-variant", "none")}


# --------------------------------------------------------------------------- in process


def asgi_request(variant: str) -> Dict[str, Any]:
    """Return a minimal ASGI HTTP scope carrying an X-Variant header."""
    return {"type": "http", "path": "/", "query_string": b"",
            "headers": [(b"x-variant", variant.encode())]}


def test_header_reads_asgi_scopes_and_wsgi_environs():
    """header() finds a header in either request form, in any case, or gives the default."""
    scope = {"type": "http", "headers": [(b"x-user", b"u1"), (b"X-User", b"u2")]}
    environ = {"HTTP_X_USER": "u3", "CONTENT_TYPE": "text/plain"}
    assert header(scope, "X-User") == "u1, u2"
    assert header(environ, "x-user") == "u3"
    assert header(environ, "Content-Type") == "text/plain"
    assert header(scope, "x-missing", "d") == header(environ, "x-missing", "d") == "d"


def test_asgi_request_and_its_tasks_read_its_parameters():
    """Inside the app and in a task it starts (even after it returns) the request's values hold."""
    tasks: List[asyncio.Task[str]] = []
    seen: List[Tuple[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def later() -> str:
            await asyncio.sleep(0.01)
            return hp.scope.ab.variant | "unset"

        seen.append(("app", hp.scope.ab.variant | "unset"))
        tasks.append(asyncio.ensure_future(later()))
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Any) -> None:
        seen.append(("send", hp.scope.ab.variant | "unset"))

    async def main() -> List[str]:
        wrapped = ASGIMiddleware(app, variant_params)
        await asyncio.gather(*(wrapped(asgi_request(v), None, send) for v in "ABAB"))
        assert hp.scope.ab.variant | "unset" == "unset"
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(main()) == ["A", "B", "A", "B"]
    assert sorted(seen) == sorted([("app", v) for v in "ABAB"] + [("send", v) for v in "ABAB"])


def test_asgi_lifespan_passes_through_without_params():
    """Lifespan events reach the app directly: params is only asked about requests."""
    calls: List[Any] = []

    def params(request: Dict[str, Any]) -> Dict[str, Any]:
        calls.append(request)
        return {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    asyncio.run(ASGIMiddleware(app, params)({"type": "lifespan"}, None, None))
    assert calls == ["lifespan"]


def test_explain_inside_a_request_names_the_params_function():
    """hp.explain in a request names the params function and where it is defined."""
    found: List[Any] = []

    def app(environ: Any, start_response: Any) -> List[bytes]:
        found.append(hp.explain("ab.variant").source)
        return [b""]

    WSGIMiddleware(app, variant_params)({"HTTP_X_VARIANT": "B"}, None).close()
    assert found[0].startswith("request parameters from variant_params() at ")
    assert found[0].file == __file__


class Body:
    """A WSGI response body that records its reads and whether it was closed."""

    def __init__(self, log: List[str]) -> None:
        self.log = log

    def __iter__(self) -> Iterator[bytes]:
        for n in range(3):
            self.log.append(f"chunk {n}: {hp.scope.ab.variant | 'unset'}")
            yield b"x"

    def close(self) -> None:
        self.log.append(f"closed: {hp.scope.ab.variant | 'unset'}")


def test_wsgi_scope_covers_the_body_until_close():
    """The body is iterated and closed under the request's parameters; then the scope ends."""
    log: List[str] = []
    body = WSGIMiddleware(lambda environ, start: Body(log), variant_params)(
        {"HTTP_X_VARIANT": "B"}, None)
    assert b"".join(body) == b"xxx"
    body.close()
    assert log == ["chunk 0: B", "chunk 1: B", "chunk 2: B", "closed: B"]
    assert hp.scope.ab.variant | "unset" == "unset"


def test_wsgi_body_closed_early_closes_an_app_generator_with_its_own_scope():
    """A streamed body abandoned early is closed: the app's own scope, then the request's, end."""
    log: List[str] = []

    def app(environ: Any, start_response: Any) -> Iterator[bytes]:
        with hp.scope(**{"inner": 1}):
            try:
                while True:
                    yield b"x"
            finally:
                log.append(f"{hp.scope.inner | 0} {hp.scope.ab.variant | 'unset'}")

    body = WSGIMiddleware(app, variant_params)({"HTTP_X_VARIANT": "A"}, None)
    assert next(body) == b"x"
    body.close()
    body.close()  # a second close is harmless
    assert log == ["1 A"]
    assert (hp.scope.inner | 0, hp.scope.ab.variant | "unset") == (0, "unset")


def test_wsgi_app_that_raises_leaves_no_scope_open():
    """An exception from the app call propagates, and the request's scope is closed."""
    def app(environ: Any, start_response: Any) -> Any:
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        WSGIMiddleware(app, variant_params)({"HTTP_X_VARIANT": "A"}, None)
    assert hp.scope.ab.variant | "unset" == "unset"


@pytest.mark.parametrize(
    "returned, error, match",
    [
        (["ab.variant"], TypeError, r"returned \['ab.variant'\] \(list\); it must return a dict"),
        ({"bad key": 1}, ValueError, r"invalid key 'bad key' in request parameters from"),
    ],
    ids=["not-a-mapping", "bad-key"],
)
def test_bad_params_result_fails_the_request_clearly(returned, error, match):
    """params returning a non-mapping or a bad key fails that request, naming the function."""
    wrapped = WSGIMiddleware(lambda environ, start: [b""], lambda request: returned)
    with pytest.raises(error, match=match):
        wrapped({}, None)


def test_params_must_be_callable():
    """Giving a dict instead of a function is refused at construction."""
    with pytest.raises(TypeError, match=r"params must be a function of the request"):
        WSGIMiddleware(lambda e, s: [], {"ab.variant": "A"})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- real servers


def alternating(ports: List[int], count: int, start: int = 0) -> List[Tuple[int, str, Any]]:
    """Return ``count`` requests spread over ``ports``, variants A and B alternating."""
    return [(ports[n % len(ports)], f"/?id={n}", [("X-Variant", "AB"[n % 2])])
            for n in range(start, start + count)]


def crossed(requests: List[Tuple[int, str, Any]], responses: List[Tuple[int, Any]]) -> List[Any]:
    """Return each response that failed or carries a reading not of its own request's variant."""
    bad = []
    for (_, path, headers), (status, body) in zip(requests, responses):
        variant = headers[0][1]
        if status != 200 or body["id"] != path.split("=")[1] or any(
            seen["variant"] != variant for seen in body["seen"]
        ):
            bad.append((path, variant, status, body))
    return bad


@pytest.mark.web
def test_uvicorn_requests_and_background_tasks_never_see_another_requests_values():
    """600 concurrent requests to uvicorn: every reading, and every background task, is its own."""
    server = uvicorn_server("_live_apps:asgi_app")
    try:
        requests = alternating([server.port], REQUESTS)
        responses = get_many(requests)
        assert crossed(requests, responses) == []
        background = wait_until(
            lambda: (lambda found: found if len(found) == REQUESTS else None)(
                get(server.port, "/background")[1]),
            "every background task to finish")
        assert {key: value for key, value in background.items()
                if value != "AB"[int(key) % 2]} == {}
    finally:
        server.stop()


@pytest.mark.web
def test_threaded_wsgi_server_streams_each_body_under_its_own_request():
    """600 concurrent requests to a threaded WSGI server: each streamed body reads its own."""
    server = wsgi_server("_live_apps:wsgi_app")
    try:
        requests = alternating([server.port], REQUESTS)
        responses = get_many(requests)
        assert crossed(requests, responses) == []
        assert len({body["thread"] for _, body in responses}) > 1  # really concurrent
    finally:
        server.stop()


def _store_url(kind: str, tmp_path: Any) -> Tuple[str, Any]:
    if kind == "file":
        return f"file://{tmp_path}/params.json", None
    pytest.importorskip("redis")
    server = RedisServer(str(tmp_path))
    server.start()
    return f"{server.url}?key=live", server


@pytest.mark.web
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["file", pytest.param("redis", marks=pytest.mark.redis)])
def test_live_change_under_load_reaches_every_worker_process(kind, tmp_path):
    """Three workers (2 uvicorn, 1 WSGI) follow one store; a change made under load reaches all."""
    url, redis = _store_url(kind, tmp_path)
    store = open_store(url)
    store.publish({"llm.temperature": 0.7})
    workers: List[ServerProcess] = []
    stop = threading.Event()
    changed = threading.Event()  # set once every worker answered with the new value
    batches: List[Tuple[bool, List[Any], List[Any]]] = []
    try:
        workers = [uvicorn_server("_live_apps:asgi_app", STORE_URL=url),
                   uvicorn_server("_live_apps:asgi_app", STORE_URL=url),
                   wsgi_server("_live_apps:wsgi_app", STORE_URL=url)]
        ports = [w.port for w in workers]

        def load() -> None:
            start = 0
            while not stop.is_set():
                after = changed.is_set()
                requests = alternating(ports, 300, start)
                batches.append((after, requests, get_many(requests)))
                start += 300

        loader = threading.Thread(target=load)
        loader.start()
        wait_until(lambda: len(batches) >= 1, "the first batch of requests")
        store.publish({"llm.temperature": 0.2})

        def temperature(port: int) -> float:
            return float(get(port, "/?id=probe", [("X-Variant", "A")])[1]["seen"][0]
                         ["temperature"])

        for port in ports:
            wait_until(lambda port=port: temperature(port) == 0.2, f"the worker on port {port}")
        changed.set()
        wait_until(lambda: batches[-1][0], "a batch sent after every worker changed")
        stop.set()
        loader.join()
    finally:
        stop.set()
        for worker in workers:
            worker.stop()
        if redis is not None:
            redis.stop()
    assert sum(len(requests) for _, requests, _ in batches) >= 600
    assert [bad for _, requests, responses in batches
            for bad in crossed(requests, responses)] == []
    _, _, last = batches[-1]
    assert {seen["temperature"] for _, body in last for seen in body["seen"]} == {0.2}
    temperatures = {seen["temperature"] for _, _, responses in batches
                    for _, body in responses for seen in body["seen"]}
    assert temperatures <= {0.7, 0.2}
