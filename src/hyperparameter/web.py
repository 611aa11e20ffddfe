"""Per-request parameters for web services: ASGI and WSGI middleware.

Wrap an app so that each request runs inside a scope of its own::

    from hyperparameter.web import ASGIMiddleware, header

    def choose(request):                      # the ASGI scope dict of the request
        return {"ab.variant": "B" if header(request, "x-user", "").endswith("7") else "A"}

    app = ASGIMiddleware(app, choose)         # Starlette, FastAPI, any ASGI app

``params(request)`` returns a mapping of overrides (dotted keys, or nested
mappings flattened as ``hp.scope`` does); the request, its response and every
asyncio task it creates read them, and no other request does. What
``params`` receives is the server's own request record, untouched: the ASGI
``scope`` dict (``type``, ``path``, ``query_string``, ``headers`` as a list of
``(bytes, bytes)``, ``client``, ...) or the WSGI ``environ`` dict
(``PATH_INFO``, ``QUERY_STRING``, ``HTTP_*`` headers, ...). :func:`header`
reads a header from either. An exception raised by ``params`` fails that
request as an exception of the app would.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, Optional

from ._access import Scope, enter_layer
from ._source import Source, scope_source
from ._tree import flatten

__all__ = ["ASGIMiddleware", "WSGIMiddleware", "header"]

Params = Callable[[Dict[str, Any]], Mapping[str, Any]]


def header(request: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """Return the value of header ``name`` (any case) from an ASGI scope or a WSGI environ.

    Several headers of the same name are joined with ``", "``, as HTTP allows.
    """
    if "headers" in request and "type" in request:  # ASGI
        wanted = name.lower().encode("latin-1")
        found = [value.decode("latin-1") for key, value in request["headers"]
                 if key.lower() == wanted]
        return ", ".join(found) if found else default
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    return request.get(key, default)


def _describe(params: Callable[..., Any]) -> Source:
    """Return the source of request parameters: the ``params`` function and where it is defined."""
    name = getattr(params, "__qualname__", None) or type(params).__qualname__
    code = getattr(params, "__code__", None)
    if code is None:
        return scope_source(f"request parameters from {name}()")
    file, line = code.co_filename, code.co_firstlineno
    return scope_source(f"request parameters from {name}() at {file}:{line}", file, line)


class _RequestScopes:
    """What both middlewares share: call ``params`` and open the request's scope."""

    def __init__(self, app: Any, params: Params) -> None:
        if not callable(params):
            raise TypeError(
                f"params must be a function of the request returning a dict of overrides, "
                f"got {params!r}"
            )
        self.app = app
        self.params = params
        self._source = _describe(params)

    def _scope_for(self, request: Dict[str, Any]) -> Scope:
        overrides = self.params(request)
        if not isinstance(overrides, Mapping):
            raise TypeError(
                f"{self._source} returned {overrides!r} ({type(overrides).__name__}); "
                "it must return a dict of parameter overrides, e.g. {'ab.variant': 'B'}"
            )
        return enter_layer(flatten(overrides, "", str(self._source)), self._source)


class ASGIMiddleware(_RequestScopes):
    """Run each HTTP and WebSocket connection of an ASGI app inside ``hp.scope(**params(scope))``.

    Tasks the request creates start with its parameters and keep them, also
    after the response is sent (``asyncio`` copies the context into each task).
    Lifespan events pass through without a call to ``params``.
    """

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with self._scope_for(scope):
            await self.app(scope, receive, send)


class WSGIMiddleware(_RequestScopes):
    """Run each request of a WSGI app inside ``hp.scope(**params(environ))``.

    The scope covers the app call and the iteration of the response body (a
    streamed body reads the request's parameters too); it ends when the server
    closes the body, after the app's own ``close()``. The server must iterate
    and close the body in the thread that called the app, as WSGI servers do.
    """

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        scope = self._scope_for(environ)
        scope.__enter__()
        try:
            body = self.app(environ, start_response)
        except BaseException:
            scope.__exit__(None, None, None)
            raise
        return _ScopedBody(body, scope)


class _ScopedBody:
    """A response body that keeps its request's scope open until the server closes it."""

    def __init__(self, body: Iterable[bytes], scope: Scope) -> None:
        self._body = body
        self._iterator: Optional[Iterator[bytes]] = None
        self._scope: Optional[Scope] = scope

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._iterator is None:
            self._iterator = iter(self._body)
        return next(self._iterator)

    def close(self) -> None:
        scope, self._scope = self._scope, None
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if scope is not None:
                scope.__exit__(None, None, None)
